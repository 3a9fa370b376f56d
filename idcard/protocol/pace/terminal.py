"""PACE, terminal role: MSE:Set AT and the four chained GENERAL AUTHENTICATE steps.

Randomness comes from `rng` only, in a fixed order: (IM: the nonce t, then)
(GM/CAM: the mapping private key, then) the ephemeral private key. Private
keys are drawn by rejection sampling, so an rng that replays the published
key bytes reproduces the ICAO worked examples exactly.

Status words: 63Cx = wrong PIN/PUK with x tries left (PinError), 6300 = wrong
password without a counter (AuthenticationError "auth.password" for MRZ/CAN),
6983 blocked, anything else the typed error of `status_error`.

What the chip sends is hostile input: undecodable data, public keys that are
not valid group elements (off the curve, the neutral element, outside the
subgroup) raise `MalformedResponseError`; a wrong chip token or the
terminal's own key echoed back raise `AuthenticationError(code="auth.chip")`:
a card that does not know the password, or not a genuine card.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from idcard.apdu.command import LE_MAX_EXTENDED, LE_MAX_SHORT, CommandAPDU
from idcard.apdu.response import SW_OK, status_error
from idcard.apdu.tlv import encode_tlv, parse_single
from idcard.errors import (
    AuthenticationError,
    IdCardError,
    MalformedResponseError,
    PinError,
    UsageError,
)
from idcard.protocol.ciphers import BlockCipher
from idcard.protocol.pace import messages as m
from idcard.protocol.pace.cam import (
    decrypt_chip_authentication_data,
    verify_chip_authentication_mapping,
)
from idcard.protocol.pace.mapping import GenericMapping, im_nonce_length, integrated_map
from idcard.protocol.pace.oids import PaceAlgorithm, PasswordRef, oid_to_bytes
from idcard.protocol.pace.params import EcDomain, EcPoint, Rng, domain_by_id
from idcard.protocol.pace.password import derive_k_pi, pace_password_key
from idcard.protocol.pace.suite import PaceSuite, resolve_suite
from idcard.protocol.pace.tokens import auth_token, session_keys, tokens_equal
from idcard.protocol.sm import SecureMessaging

if TYPE_CHECKING:
    from idcard.apdu.channel import CardChannel

CLA_PLAIN = 0x00
CLA_CHAINED = 0x10
INS_MSE = 0x22
P1P2_SET_AT_MUTUAL = (0xC1, 0xA4)
INS_GENERAL_AUTHENTICATE = 0x86

TAG_MECHANISM = 0x80
TAG_PASSWORD_REF = 0x83
TAG_DOMAIN_PARAMETER_ID = 0x84
TAG_CHAT = 0x7F4C


@dataclass(frozen=True)
class PaceResult:
    """What a successful PACE run leaves: the session keys and what later steps need."""

    algorithm: PaceAlgorithm
    parameter_id: int
    ks_enc: bytes = field(repr=False)
    ks_mac: bytes = field(repr=False)
    #: PK_DH,IC as the chip sent it (validated): Chip Authentication needs it
    #: (ID_PICC = Comp(PK_DH,IC), TR-03110-3 A.2.2.3).
    chip_public_key: bytes
    terminal_public_key: bytes
    #: SW of the MSE:Set AT this run sent (9000 or a 63Cx warning); None if the caller sent it.
    mse_status: int | None = None
    #: DO'87'/'88': most recent and previous CVCA references, present when a CHAT was sent.
    car: bytes | None = None
    previous_car: bytes | None = None
    #: PACE-CAM only: decrypted CA_IC and the chip's mapping key, for
    #: `verify_chip_authentication_mapping` once a signed DG14 is read.
    chip_authentication_data: bytes | None = field(default=None, repr=False)
    chip_mapping_public_key: bytes | None = None

    @property
    def cipher(self) -> BlockCipher:
        return self.algorithm.cipher

    @property
    def algorithm_oid(self) -> str:
        return self.algorithm.oid

    @property
    def id_picc(self) -> bytes:
        """ID_PICC = Comp(PK_DH,IC): the x-coordinate (ECDH) or SHA-1 of the public value (DH)."""
        if self.algorithm.agreement == "ECDH":
            n = (len(self.chip_public_key) - 1) // 2
            return self.chip_public_key[1 : 1 + n]
        return hashlib.sha1(self.chip_public_key).digest()

    def verify_chip_authentication(self, chip_static_public_key: bytes) -> None:
        """PACE-CAM: check CA_IC against a signed PK_IC (SOD-checked DG14).

        Raises AuthenticationError(code="auth.chip") on mismatch, UsageError if
        this run was not PACE-CAM.
        """
        if self.chip_authentication_data is None or self.chip_mapping_public_key is None:
            raise UsageError("This PACE run did not use the Chip Authentication Mapping.")
        domain = domain_by_id(self.parameter_id)
        assert isinstance(domain, EcDomain)  # CAM is ECDH-only (resolve_suite)
        verify_chip_authentication_mapping(
            domain,
            self.chip_authentication_data,
            self.chip_mapping_public_key,
            chip_static_public_key,
        )

    def secure_messaging(self) -> SecureMessaging:
        """A fresh terminal-side secure channel under the session keys (SSC 0)."""
        return SecureMessaging(self.cipher, self.ks_enc, self.ks_mac, 0)


def mse_set_at_command(
    algorithm_oid: str,
    password_ref: PasswordRef,
    parameter_id: int | None,
    *,
    chat: bytes | None = None,
) -> CommandAPDU:
    """MSE:Set AT for PACE: 80 OID, 83 password, [84 domain parameter id], [7F4C CHAT]."""
    data = encode_tlv(TAG_MECHANISM, oid_to_bytes(algorithm_oid))
    data += encode_tlv(TAG_PASSWORD_REF, bytes([PasswordRef(password_ref)]))
    if parameter_id is not None:
        if not 0 <= parameter_id <= 0xFF:
            raise UsageError("The domain parameter id must fit one byte.")
        data += encode_tlv(TAG_DOMAIN_PARAMETER_ID, bytes([parameter_id]))
    if chat is not None:
        try:
            parse_single(chat, TAG_CHAT)
        except IdCardError:
            raise UsageError("The CHAT must be one complete 7F4C data object.") from None
        data += bytes(chat)
    return CommandAPDU(CLA_PLAIN, INS_MSE, *P1P2_SET_AT_MUTUAL, data)


def mse_set_at(
    channel: CardChannel,
    algorithm_oid: str,
    password_ref: PasswordRef,
    parameter_id: int | None,
    *,
    chat: bytes | None = None,
) -> int:
    """Send MSE:Set AT and return its status word without interpreting it.

    The caller can read a PIN's retry counter from a 63Cx here without spending
    a try, then continue with `perform_pace(..., skip_mse=True)`.
    """
    command = mse_set_at_command(algorithm_oid, password_ref, parameter_id, chat=chat)
    return channel.send(command).sw


def check_mse_status(sw: int) -> None:
    """Raise for an MSE:Set AT answer PACE cannot continue after.

    63Cx with x > 0 only warns about the retry counter (TR-03110-3 B.11.1); the
    run goes on and a successful PACE resets it.
    """
    if sw == SW_OK or (sw & 0xFFF0 == 0x63C0 and sw & 0x0F):
        return
    raise status_error(sw)


def perform_pace(
    channel: CardChannel,
    algorithm_oid: str,
    parameter_id: int,
    password_ref: PasswordRef,
    secret: str | bytes,
    *,
    rng: Rng = os.urandom,
    chat: bytes | None = None,
    skip_mse: bool = False,
) -> PaceResult:
    """Run PACE through `channel` (inside its current secure channel, if any).

    `skip_mse=True` skips MSE:Set AT because the caller already sent it (see
    `mse_set_at`, e.g. to read the PIN counter from its 63Cx); `chat` is then
    ignored. The caller installs the returned keys with
    `channel.secure = result.secure_messaging()`.
    """
    suite = resolve_suite(algorithm_oid, parameter_id)
    k_pi = derive_k_pi(suite.cipher, pace_password_key(password_ref, secret))
    mse_status: int | None = None
    if not skip_mse:
        mse_status = mse_set_at(channel, algorithm_oid, password_ref, parameter_id, chat=chat)
        check_mse_status(mse_status)
    run = _TerminalRun(channel, suite, PasswordRef(password_ref), rng)
    return run.execute(k_pi, mse_status)


class _TerminalRun:
    """One PACE run; holds the exchange state so each step reads top to bottom."""

    def __init__(
        self, channel: CardChannel, suite: PaceSuite, password_ref: PasswordRef, rng: Rng
    ) -> None:
        self.channel = channel
        self.suite = suite
        self.domain = suite.domain
        self.cipher = suite.cipher
        self.password_ref = password_ref
        self.rng = rng

    def execute(self, k_pi: bytes, mse_status: int | None) -> PaceResult:
        # Step 1: encrypted nonce.
        answer = self._general_authenticate(m.build(), last=False)
        z = m.require(answer, m.TAG_ENCRYPTED_NONCE)
        if not z or len(z) % self.cipher.block_size:
            raise MalformedResponseError("The encrypted nonce has a wrong length.")
        s = self.cipher.decrypt_cbc(k_pi, z)

        # Step 2: map the nonce to the ephemeral generator.
        chip_map_public: bytes | None = None
        if self.suite.algorithm.mapping == "IM":
            t = self.rng(im_nonce_length(self.cipher))
            answer = self._general_authenticate(m.build((m.TAG_TERMINAL_MAPPING, t)), last=False)
            if m.require(answer, m.TAG_CHIP_MAPPING):
                raise MalformedResponseError("The chip's IM mapping data must be empty.")
            generator = integrated_map(self.domain, self.cipher, s, t)
        else:
            mapping = GenericMapping.generate(self.domain, self.rng)
            own = self.domain.encode(mapping.public)
            answer = self._general_authenticate(m.build((m.TAG_TERMINAL_MAPPING, own)), last=False)
            chip_map_public = m.require(answer, m.TAG_CHIP_MAPPING)
            peer = self._peer_key(chip_map_public, own)
            generator = mapping.map(s, peer)

        # Step 3: anonymous key agreement on the mapped generator.
        eph_private = self.domain.random_private(self.rng)
        own_eph = self.domain.encode(self.domain.exp(generator, eph_private))
        answer = self._general_authenticate(
            m.build((m.TAG_TERMINAL_PUBLIC_KEY, own_eph)), last=False
        )
        chip_eph = self._peer_key(m.require(answer, m.TAG_CHIP_PUBLIC_KEY), own_eph)
        shared = self.domain.exp(chip_eph, eph_private)
        if self.domain.is_identity(shared):
            raise AuthenticationError("The chip's key gives no shared secret.", code="auth.chip")
        ks_enc, ks_mac = session_keys(self.cipher, self.domain.secret(shared))
        chip_eph_bytes = self.domain.encode(chip_eph)

        # Step 4: mutual authentication.
        oid, tag = self.suite.oid, self.domain.public_key_tag
        t_ifd = auth_token(self.cipher, ks_mac, oid, tag, chip_eph_bytes)
        answer = self._general_authenticate(m.build((m.TAG_TERMINAL_TOKEN, t_ifd)), last=True)
        t_ic = m.require(answer, m.TAG_CHIP_TOKEN)
        if not tokens_equal(t_ic, auth_token(self.cipher, ks_mac, oid, tag, own_eph)):
            raise AuthenticationError(
                "The card's authentication token is wrong: it is not the genuine card.",
                code="auth.chip",
            )

        ca_ic: bytes | None = None
        if self.suite.algorithm.mapping == "CAM":
            a_ic = answer.get(m.TAG_ENCRYPTED_CHIP_AUTHENTICATION_DATA)
            if a_ic is None:
                # Without CA_IC nothing proves the chip holds its key: never a silent GM run.
                raise MalformedResponseError(
                    "The chip agreed to PACE-CAM but sent no chip authentication data (8A)."
                )
            ca_ic = decrypt_chip_authentication_data(self.cipher, ks_enc, a_ic)

        return PaceResult(
            algorithm=self.suite.algorithm,
            parameter_id=self.domain.parameter_id,
            ks_enc=ks_enc,
            ks_mac=ks_mac,
            chip_public_key=chip_eph_bytes,
            terminal_public_key=own_eph,
            mse_status=mse_status,
            car=answer.get(m.TAG_CAR),
            previous_car=answer.get(m.TAG_PREVIOUS_CAR),
            chip_authentication_data=ca_ic,
            chip_mapping_public_key=chip_map_public if ca_ic is not None else None,
        )

    def _peer_key(self, encoded: bytes, own: bytes) -> EcPoint | int:
        """The chip's public value, validated and checked not to be our own reflected."""
        peer = self.domain.decode(encoded)  # MalformedResponseError unless a valid key
        if self.domain.encode(peer) == own:
            # ICAO 9303-11 §4.4.1 3d: both sides check PK_IC ≠ PK_IFD.
            raise AuthenticationError(
                "The card echoed the terminal's public key back: not a genuine card.",
                code="auth.chip",
            )
        return peer

    def _general_authenticate(self, data: bytes, *, last: bool) -> dict[int, bytes]:
        # Long DH keys need extended length both ways; short APDUs stay short
        # so the trace matches cards (and worked examples) that never saw extended.
        le = LE_MAX_EXTENDED if len(data) > 0xFF else LE_MAX_SHORT
        command = CommandAPDU(
            CLA_PLAIN if last else CLA_CHAINED, INS_GENERAL_AUTHENTICATE, 0, 0, data, le=le
        )
        response = self.channel.send(command)
        if response.sw != SW_OK:
            raise _status_error(response.sw, self.password_ref)
        return m.parse(response.data)


def _status_error(sw: int, password_ref: PasswordRef) -> Exception:
    if sw == 0x6300:
        # "Authentication failed" without a counter: the chip saw a wrong token.
        if password_ref in (PasswordRef.PIN, PasswordRef.PUK):
            return PinError(f"Wrong {password_ref.name}.", code="pin.wrong")
        return AuthenticationError(
            f"The card rejected the {password_ref.name}. Check it and try again.",
            code="auth.password",
        )
    return status_error(sw)


__all__ = [
    "PaceResult",
    "check_mse_status",
    "mse_set_at",
    "mse_set_at_command",
    "perform_pace",
]
