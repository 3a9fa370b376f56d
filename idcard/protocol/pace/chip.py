"""PACE, chip role: answers the four GENERAL AUTHENTICATE steps of one run.

The emulator creates one `PaceChip` per MSE:Set AT and feeds it the 7C
command data in order. Errors, and what the emulator should answer:

* `AuthenticationError` - the terminal's token is wrong, i.e. a wrong
  password: count a try, answer 63Cx (PIN/PUK) or 6300;
* `MalformedResponseError` - undecodable data, an invalid or reflected public
  key: answer 6A80, no try counted (the password was never tested);
* `CardStatusError(sw=0x6985)` - a step after the run ended or failed.

Any failure ends the run: the terminal has to start again with MSE:Set AT.
Randomness comes from `rng` in a fixed order: the nonce s, (GM/CAM: the
mapping private key,) the ephemeral private key, so an rng replaying the
ICAO worked example reproduces its responses byte for byte.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from idcard.errors import (
    AuthenticationError,
    CardStatusError,
    IdCardError,
    MalformedResponseError,
    UsageError,
)
from idcard.protocol.pace import messages as m
from idcard.protocol.pace.cam import chip_authentication_data, encrypt_chip_authentication_data
from idcard.protocol.pace.mapping import (
    GenericMapping,
    im_nonce_length,
    integrated_map,
    nonce_length,
)
from idcard.protocol.pace.params import EcDomain, EcPoint, Rng
from idcard.protocol.pace.password import derive_k_pi
from idcard.protocol.pace.suite import resolve_suite
from idcard.protocol.pace.tokens import auth_token, session_keys, tokens_equal
from idcard.protocol.sm import ChipSecureMessaging

SW_CONDITIONS_NOT_SATISFIED = 0x6985


class PaceChip:
    """One PACE run on the card side."""

    def __init__(
        self,
        algorithm_oid: str,
        parameter_id: int,
        password_key_seed: bytes,
        rng: Rng = os.urandom,
        *,
        chip_authentication_private_key: int | None = None,
        cars: Sequence[bytes] = (),
    ) -> None:
        """`password_key_seed` is f(π) from `pace_password_key`, not Kπ.

        `chip_authentication_private_key` (SK_IC, the chip authentication key
        DG14 publishes on the PACE curve) is required for PACE-CAM.
        `cars` are returned as DO'87'/'88' in the last step: pass them only when
        the terminal's MSE:Set AT carried a CHAT and the card supports TA.
        """
        self._suite = resolve_suite(algorithm_oid, parameter_id)
        self._domain = self._suite.domain
        self._cipher = self._suite.cipher
        if self._suite.algorithm.mapping == "CAM":
            if chip_authentication_private_key is None or not isinstance(self._domain, EcDomain):
                raise UsageError("PACE-CAM needs the chip authentication private key.")
        if len(cars) > 2:
            raise UsageError("At most two CARs (current and previous) are returned.")
        self._static_private = chip_authentication_private_key
        self._cars = tuple(cars)
        self._k_pi = derive_k_pi(self._cipher, password_key_seed)
        self._rng = rng
        self._steps = [
            self._encrypted_nonce,
            self._map_nonce,
            self._key_agreement,
            self._mutual_auth,
        ]
        self._next = 0
        self._failed = False
        self._nonce = b""
        self._mapping: GenericMapping | None = None
        self._generator: EcPoint | int | None = None
        self._own_public = b""
        self._ks_enc: bytes | None = None
        self._ks_mac: bytes | None = None
        #: PK_DH,IFD as received (validated) in step 3; Chip Authentication and
        #: Terminal Authentication (Comp(PK_DH,IFD)) need it later.
        self.terminal_public_key: bytes | None = None
        self.established = False

    def __repr__(self) -> str:  # never show key material
        name = self._suite.algorithm.name
        return f"PaceChip({name}, step={self._next}, established={self.established})"

    @property
    def algorithm_oid(self) -> str:
        return self._suite.oid

    @property
    def chip_public_key(self) -> bytes | None:
        """PK_DH,IC as sent in step 3."""
        return self._own_public or None

    @property
    def ks_enc(self) -> bytes:
        return self._keys()[0]

    @property
    def ks_mac(self) -> bytes:
        return self._keys()[1]

    def general_authenticate(self, data: bytes) -> bytes:
        """Answer the 7C command data of the next step with 7C response data."""
        if self._failed or self._next >= len(self._steps):
            raise CardStatusError(
                "PACE is not in progress; start again with MSE:Set AT.",
                SW_CONDITIONS_NOT_SATISFIED,
                code="card.conditions",
            )
        step = self._steps[self._next]
        try:
            answer = step(m.parse(data))
        except IdCardError:
            self._failed = True
            raise
        self._next += 1
        return answer

    def secure_messaging(self) -> ChipSecureMessaging:
        """The card-side secure channel under the session keys (SSC 0)."""
        ks_enc, ks_mac = self._keys()
        return ChipSecureMessaging(self._cipher, ks_enc, ks_mac, 0)

    # --- steps ------------------------------------------------------------------------

    def _encrypted_nonce(self, objects: dict[int, bytes]) -> bytes:
        m.expect_exactly(objects)
        self._nonce = self._rng(nonce_length(self._cipher))
        z = self._cipher.encrypt_cbc(self._k_pi, self._nonce)
        return m.build((m.TAG_ENCRYPTED_NONCE, z))

    def _map_nonce(self, objects: dict[int, bytes]) -> bytes:
        m.expect_exactly(objects, m.TAG_TERMINAL_MAPPING)
        data = objects[m.TAG_TERMINAL_MAPPING]
        if self._suite.algorithm.mapping == "IM":
            if len(data) != im_nonce_length(self._cipher):
                raise MalformedResponseError("The IM nonce t has a wrong length.")
            self._generator = integrated_map(self._domain, self._cipher, self._nonce, data)
            return m.build((m.TAG_CHIP_MAPPING, b""))
        terminal_public = self._domain.decode(data)
        self._mapping = GenericMapping.generate(self._domain, self._rng)
        own = self._domain.encode(self._mapping.public)
        self._reject_reflection(self._domain.encode(terminal_public), own)
        self._generator = self._mapping.map(self._nonce, terminal_public)
        return m.build((m.TAG_CHIP_MAPPING, own))

    def _key_agreement(self, objects: dict[int, bytes]) -> bytes:
        m.expect_exactly(objects, m.TAG_TERMINAL_PUBLIC_KEY)
        assert self._generator is not None
        terminal_public = self._domain.decode(objects[m.TAG_TERMINAL_PUBLIC_KEY])
        terminal_bytes = self._domain.encode(terminal_public)
        private = self._domain.random_private(self._rng)
        self._own_public = self._domain.encode(self._domain.exp(self._generator, private))
        self._reject_reflection(terminal_bytes, self._own_public)
        shared = self._domain.exp(terminal_public, private)
        if self._domain.is_identity(shared):
            raise MalformedResponseError("The terminal's key gives no shared secret.")
        self._ks_enc, self._ks_mac = session_keys(self._cipher, self._domain.secret(shared))
        self.terminal_public_key = terminal_bytes
        return m.build((m.TAG_CHIP_PUBLIC_KEY, self._own_public))

    def _mutual_auth(self, objects: dict[int, bytes]) -> bytes:
        m.expect_exactly(objects, m.TAG_TERMINAL_TOKEN)
        ks_enc, ks_mac = self._ks_enc, self._ks_mac
        assert ks_enc is not None and ks_mac is not None and self.terminal_public_key
        oid, tag = self._suite.oid, self._domain.public_key_tag
        expected = auth_token(self._cipher, ks_mac, oid, tag, self._own_public)
        if not tokens_equal(objects[m.TAG_TERMINAL_TOKEN], expected):
            raise AuthenticationError(
                "The terminal's authentication token is wrong (wrong password).",
                code="auth.password",
            )
        t_ic = auth_token(self._cipher, ks_mac, oid, tag, self.terminal_public_key)
        reply = [(m.TAG_CHIP_TOKEN, t_ic)]
        reply += zip((m.TAG_CAR, m.TAG_PREVIOUS_CAR), self._cars, strict=False)
        if self._suite.algorithm.mapping == "CAM":
            assert isinstance(self._domain, EcDomain) and self._mapping and self._static_private
            ca_ic = chip_authentication_data(
                self._domain, self._static_private, self._mapping.private
            )
            a_ic = encrypt_chip_authentication_data(self._domain, self._cipher, ks_enc, ca_ic)
            reply.append((m.TAG_ENCRYPTED_CHIP_AUTHENTICATION_DATA, a_ic))
        self.established = True
        return m.build(*reply)

    # --- helpers ----------------------------------------------------------------------

    def _reject_reflection(self, received: bytes, own: bytes) -> None:
        # ICAO 9303-11 §4.4.1 3d: the two public keys must differ.
        if received == own:
            raise MalformedResponseError("The terminal sent the chip's own public key.")

    def _keys(self) -> tuple[bytes, bytes]:
        if not self.established or self._ks_enc is None or self._ks_mac is None:
            raise UsageError("PACE has not been established.")
        return self._ks_enc, self._ks_mac
