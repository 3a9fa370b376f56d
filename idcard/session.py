"""IdCard: one card session — unlock (PACE/BAC), read files, manage PINs.

This is the API the CLI and the GUI use; neither ever builds an APDU. The
session keeps no secret after the call that used it: PINs are passed in,
used for one PACE run and dropped.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass

from idcard.apdu.atr import supports_extended_length
from idcard.apdu.channel import CardChannel, ChannelStats
from idcard.apdu.command import CommandAPDU
from idcard.apdu.response import status_error
from idcard.apdu.tlv import encode_tlv, header_length, parse_single
from idcard.cards.base import Capabilities, CardDriver, CardInfo
from idcard.cards.detect import is_nocr_atr
from idcard.cards.dispatch import nid_driver
from idcard.cards.icao import CAPABILITIES, NID_V1, PASSPORT_BAC, icao_card_info
from idcard.errors import (
    AuthenticationError,
    CardStatusError,
    IdCardError,
    MalformedResponseError,
    PinError,
    SecureMessagingError,
    UnsupportedCardError,
    UsageError,
)
from idcard.lds.security_infos import ActiveAuthenticationInfo, SecurityInfos, parse_security_infos
from idcard.protocol import active_auth, chip_auth
from idcard.protocol.bac import perform_bac
from idcard.protocol.pace import mse_set_at, perform_pace
from idcard.protocol.pace.choice import choose_pace_info
from idcard.protocol.pace.oids import PasswordRef
from idcard.protocol.pace.terminal import PaceResult
from idcard.verdict import Check, Result
from reader.base import Transport
from reader.registry import open_reader

Rng = Callable[[int], bytes]

LDS_AID = bytes.fromhex("A0000002471001")
PKI_AID = bytes.fromhex("F049524E4944504B49")
SFI_CARD_ACCESS = 0x1C
SFI_COM = 0x1E
SFI_SOD = 0x1D
#: PKI application: EF.AuthCert, EF.SignCert, key references, the digest they sign (SHA-384).
FID_AUTH_CERT = 0xC001
FID_SIGN_CERT = 0xC002
KEY_REF_AUTH = 0x81
KEY_REF_SIGN = 0x82
PKI_DIGEST_LENGTH = 48

#: Response bytes per READ BINARY on a short-only card: 223 keeps the
#: SM-protected answer (DO'87' + DO'99' + DO'8E') inside 256 bytes.
SHORT_READ_SM = 0xDF
SHORT_READ_PLAIN = 0x100
#: P1-P2 offsets are 15 bits; longer files need READ BINARY with odd INS.
MAX_EVEN_OFFSET = 0x7FFF
#: A file longer than this is not an LDS file; refuse rather than read forever.
MAX_FILE = 1 << 20

#: The one set of password names (ICAO 9303-11 DO'83' references), re-exported for callers.
PIN, CAN, PUK, MRZ = PasswordRef.PIN, PasswordRef.CAN, PasswordRef.PUK, PasswordRef.MRZ


@dataclass(frozen=True)
class PinStatus:
    tries_left: int | None
    state: str  # "ok" | "suspended" | "blocked" | "unknown"

    def to_json(self) -> dict[str, object]:
        return {"triesLeft": self.tries_left, "state": self.state}


@dataclass(frozen=True)
class SecretRequest:
    """One step of a PIN login: the secret to ask for next, and why.

    `reason`: start | suspended | blocked (what the card needed before any
    entry), pin.wrong | pin.suspended | pin.blocked | can.wrong | puk.wrong
    (after a refused secret; `error` is the card's word on it), can.ok |
    unblocked (the CAN resumed the PIN, the PUK unblocked it).
    """

    kind: PasswordRef  # PIN | CAN | PUK
    #: PIN tries left (PIN, CAN), or PUK uses left (PUK); None when unknown.
    tries_left: int | None
    reason: str
    error: PinError | None = None


def _pin_status_from_sw(sw: int) -> PinStatus:
    if sw == 0x9000:
        return PinStatus(3, "ok")
    if sw & 0xFFF0 == 0x63C0:
        tries = sw & 0x0F
        state = "ok" if tries >= 2 else "suspended" if tries == 1 else "blocked"
        return PinStatus(tries, state)
    if sw == 0x6983:
        return PinStatus(0, "blocked")
    raise status_error(sw)


class IdCard:
    def __init__(
        self,
        transport: Transport,
        *,
        rng: Rng = os.urandom,
        extended_length: bool | None = None,
    ) -> None:
        self.transport = transport
        self.rng = rng
        if extended_length is None:
            extended_length = supports_extended_length(transport.atr)
        # Sealed: everything that talks to the card goes through a method of this class.
        self._channel = CardChannel(transport, extended_length=extended_length)
        self._card_access: SecurityInfos | None = None
        self._card_access_error: IdCardError | None = None
        #: The application the card has selected, so files are read without a
        #: SELECT each (one APDU saved per file; 5–30 ms each on a real card).
        self._selected: bytes | None = None
        #: The secret the current secure channel was opened with.
        self.unlocked_with: PasswordRef | None = None
        self.pace_result: PaceResult | None = None
        self._mrz_key: bytes | None = None
        self._mrz_mac: bytes | None = None
        #: A PACE-CAN succeeded in this card session, so a suspended PIN may be
        #: tried once more. Kept apart from `unlocked_with` because the card keeps
        #: it across MSE:SET AT (a PIN status query must not forget it).
        self._can_resumed = False
        self._family_probed = False
        self._nid_driver: CardDriver | None = None

    @classmethod
    def open(cls, reader_name: str, *, rng: Rng = os.urandom, extended_length: bool | None = None) -> IdCard:
        return cls(open_reader(reader_name), rng=rng, extended_length=extended_length)

    def close(self) -> None:
        self._channel.close_secure_channel()
        self.transport.close()

    def __enter__(self) -> IdCard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def stats(self) -> ChannelStats:
        return self._channel.stats

    @property
    def extended_length(self) -> bool:
        """Whether extended-length APDUs are used with this card (its ATR and the link allow them)."""
        return self._channel.extended_length

    @property
    def secure(self) -> bool:
        """Whether a secure channel (PACE, BAC, Chip Authentication) is open."""
        return self._channel.secure is not None

    def nid_driver(self) -> CardDriver | None:
        """The driver of the real NID family in the reader (iran-nid-cards.md), or None for
        our own profile and ICAO documents, which this class speaks itself.

        Decided once per card session. An ICAO chip names itself by EF.CardAccess, which
        PACE reads anyway, so our cards cost no probe APDU; a listed NOCR ATR, or a chip
        without EF.CardAccess, is probed with the families' SELECTs (§1).
        """
        if not self._family_probed:
            self._family_probed = True
            if is_nocr_atr(self.transport.atr) or not self.has_card_access():
                self._nid_driver = nid_driver(self.transport)
                self._selected = None  # a probe SELECT may have left another application selected
        return self._nid_driver

    @property
    def family(self) -> str:
        """`mav4`, `pardis`, `omid`, `nid-v1` or `passport-bac` (idcard.cards.icao)."""
        driver = self.nid_driver()
        if driver is not None:
            return driver.family
        return NID_V1 if self.has_card_access() else PASSPORT_BAC

    @property
    def capabilities(self) -> Capabilities:
        driver = self.nid_driver()
        return driver.capabilities if driver is not None else CAPABILITIES[self.family]

    def card_info(self) -> CardInfo:
        """Family, chip type, CSN and CRN as far as the card gives them unopened."""
        driver = self.nid_driver()
        return driver.card_info() if driver is not None else icao_card_info(self.family)

    # -- EF.CardAccess and PACE parameters -------------------------------------
    def card_access(self) -> SecurityInfos:
        """EF.CardAccess, read in the clear (it is the only file readable before PACE)."""
        if self._card_access_error is not None:
            raise self._card_access_error
        if self._card_access is None:
            try:
                raw = self._read_by_sfi(SFI_CARD_ACCESS, secure=False)
                self._card_access = parse_security_infos(raw)
            except IdCardError as exc:
                self._card_access_error = exc  # a chip without the file: asked once per session
                raise
        return self._card_access

    def has_card_access(self) -> bool:
        """Whether the chip has a readable EF.CardAccess (PACE), asked once per session."""
        try:
            self.card_access()
        except IdCardError:
            return False
        return True

    def _pace_params(self) -> tuple[str, int]:
        info = choose_pace_info(self.card_access())
        if info.parameter_id is None:  # choose_pace_info never picks explicit parameters
            raise UnsupportedCardError("The card offers PACE only with explicit domain parameters.")
        return info.protocol, info.parameter_id

    def _mse_set_at(self, ref: PasswordRef) -> int:
        oid, param = self._pace_params()
        # MSE must go out in the clear: a PACE restarts the channel.
        self._channel.close_secure_channel()
        self.unlocked_with = None
        self.pace_result = None  # an earlier run's PACE-CAM proof is not this channel's
        self._selected = None  # a new access session: do not rely on earlier state
        return mse_set_at(self._channel, oid, ref, param)

    # -- PIN state ---------------------------------------------------------------
    def pin_status(self) -> PinStatus:
        """The PIN counter, learnt from MSE:SET AT without spending a try."""
        return _pin_status_from_sw(self._mse_set_at(PIN))

    def puk_uses_left(self) -> int | None:
        sw = self._mse_set_at(PUK)
        if sw & 0xFFF0 == 0x63C0:
            return sw & 0x0F
        if sw == 0x6983:
            return 0
        return None  # the card does not tell

    # -- the PIN login dialogue (CLI, GUI and hand-off all run this one) -----------
    def secret_request(self) -> SecretRequest:
        """The first secret a PIN login needs: PIN, or CAN (suspended), or PUK (blocked). Costs no try.

        A CAN already given in this card session resumes a suspended PIN: then the PIN.
        """
        status = self.pin_status()
        if status.state == "blocked":
            return SecretRequest(PUK, self.puk_uses_left(), "blocked")
        if status.state == "suspended" and not self._can_resumed:
            return SecretRequest(CAN, status.tries_left, "suspended")
        return SecretRequest(PIN, status.tries_left, "start")

    def answer(self, request: SecretRequest, secret: str) -> SecretRequest | None:
        """Use `secret` for `request` once. None: the card is open with PACE-PIN; else the next step.

        A refused secret is a request again (with the card's `error`); only
        faults that no other secret can cure raise (PUK used up, the chip
        failing PACE itself, the card gone).
        """
        kind = request.kind
        try:
            if kind == PIN:
                self.unlock(PIN, secret)
                return None
            if kind == CAN:
                self.unlock(CAN, secret)
                # The PIN may now be tried once more, in this same card session.
                return SecretRequest(PIN, 1, "can.ok")
            if kind == PUK:
                self.unblock_pin(secret)
                return SecretRequest(PIN, self.pin_status().tries_left, "unblocked")
        except PinError as exc:
            return self._after_refusal(kind, exc)
        raise UsageError(f"A PIN login asks for the PIN, CAN or PUK, not {kind.name}.")

    def _after_refusal(self, kind: PasswordRef, exc: PinError) -> SecretRequest:
        if exc.code == "puk.blocked":
            raise exc
        if kind == PUK:
            if exc.tries_left == 0:
                raise PinError(
                    "The PUK is used up; this card can no longer unblock its PIN.",
                    code="puk.blocked",
                    tries_left=0,
                )
            return SecretRequest(PUK, exc.tries_left, "puk.wrong", exc)
        if kind == CAN:
            return SecretRequest(CAN, 1, "can.wrong", exc)
        if exc.code == "pin.blocked":
            return SecretRequest(PUK, self.puk_uses_left(), "pin.blocked", exc)
        if exc.code == "pin.suspended" or exc.tries_left == 1:
            return SecretRequest(CAN, 1, "pin.suspended", exc)
        return SecretRequest(PIN, exc.tries_left, "pin.wrong", exc)

    # -- unlocking ---------------------------------------------------------------
    def unlock(self, ref: PasswordRef, secret: str) -> None:
        """Open a secure channel with PACE using MRZ, CAN, PIN or PUK."""
        if not isinstance(ref, PasswordRef):
            raise UsageError(f"Unknown secret kind {ref!r}: use PasswordRef.PIN, CAN, PUK or MRZ.")
        can_resumed = self._can_resumed
        sw = self._mse_set_at(ref)
        if ref == PIN:
            status = _pin_status_from_sw(sw)
            if status.state == "blocked":
                raise PinError(
                    "The PIN is blocked. Unblock it with the PUK.", code="pin.blocked", tries_left=0
                )
            if status.state == "suspended" and not can_resumed:
                raise PinError(
                    "The PIN is suspended after two wrong entries. Enter the CAN printed on the "
                    "card first; then you may try the PIN once more.",
                    code="pin.suspended",
                    tries_left=1,
                )
        elif ref == PUK and sw == 0x6983:
            raise PinError("The PUK is used up; this card can no longer unblock its PIN.", code="puk.blocked", tries_left=0)
        elif sw != 0x9000 and sw & 0xFFF0 != 0x63C0:
            raise status_error(sw)
        oid, param = self._pace_params()
        if ref == PIN:
            self._can_resumed = False  # the card spends the resumption on this try, right or wrong
        try:
            result = perform_pace(self._channel, oid, param, ref, secret, rng=self.rng, skip_mse=True)
        except PinError as exc:
            raise self._explain(ref, exc) from None
        except AuthenticationError as exc:
            if exc.code != "auth.password":
                raise  # the chip, not the secret, is wrong
            raise self._explain(ref, PinError(exc.message)) from None
        self._channel.secure = result.secure_messaging()
        self.unlocked_with = ref
        if ref == MRZ:
            self._remember_mrz(secret)
        if ref == CAN:
            self._can_resumed = True
        self.pace_result = result

    def _explain(self, ref: PasswordRef, exc: PinError) -> PinError:
        tries = exc.tries_left
        if ref == PIN:
            if exc.code == "pin.blocked" or tries == 0:
                return PinError("Wrong PIN. The PIN is now blocked; unblock it with the PUK.", code="pin.blocked", tries_left=0)
            if tries == 1:
                return PinError(
                    "Wrong PIN. 1 try left: the PIN is now suspended — enter the CAN before the last try.",
                    code="pin.wrong",
                    tries_left=1,
                )
            # PACE cannot tell a wrong PIN from a disturbed link (both end in a
            # failed token check, and the card counts a try for either): say so.
            return PinError(
                f"The card did not accept the PIN: the PIN may be wrong, or the connection to the "
                f"card was disturbed. {tries} tries left. Keep the card still on the reader and "
                f"check the PIN before trying again.",
                code="pin.wrong",
                tries_left=tries,
            )
        if ref == PUK:
            return PinError(f"Wrong PUK. It can be used {tries} more time(s).", code="puk.wrong", tries_left=tries)
        if ref == CAN:
            return PinError("Wrong CAN. Check the 6 digits printed on the front of the card.", code="can.wrong")
        return PinError("The card did not accept the document data (MRZ).", code="mrz.wrong")

    def unlock_bac(self, mrz_information: str) -> None:
        """Basic Access Control for passports without PACE."""
        self._channel.close_secure_channel()
        self._selected = None
        self.pace_result = None
        self._channel.secure = perform_bac(self._channel, mrz_information, rng=self.rng)
        self.unlocked_with = MRZ
        self._remember_mrz(mrz_information)

    def _remember_mrz(self, mrz_information: str) -> None:
        # Only a MAC under a key that lives as long as this object: enough to
        # compare DG1 with later, useless for recovering the MRZ from memory.
        self._mrz_key = os.urandom(32)
        self._mrz_mac = hmac.new(self._mrz_key, mrz_information.encode(), hashlib.sha256).digest()

    def unlocked_with_mrz(self, mrz_information: str) -> bool | None:
        """Whether the card was opened with this MRZ information; None when no MRZ opened it."""
        if self.unlocked_with != MRZ or self._mrz_key is None or self._mrz_mac is None:
            return None
        mac = hmac.new(self._mrz_key, mrz_information.encode(), hashlib.sha256).digest()
        return hmac.compare_digest(mac, self._mrz_mac)

    # -- PIN management ------------------------------------------------------------
    def change_pin(self, current_pin: str, new_pin: str) -> None:
        _check_digits(new_pin, 6, 6, "The new PIN")
        if self.unlocked_with != PIN:
            self.unlock(PIN, current_pin)
        self._channel.send_checked(CommandAPDU(0x00, 0x2C, 0x02, 0x03, new_pin.encode()))

    def unblock_pin(self, puk: str, new_pin: str | None = None) -> None:
        """PACE-PUK, then RESET RETRY COUNTER (and set a new PIN if given)."""
        if new_pin is not None:
            _check_digits(new_pin, 6, 6, "The new PIN")
        self.unlock(PUK, puk)
        self._channel.send_checked(CommandAPDU(0x00, 0x2C, 0x03, 0x03))
        if new_pin is not None:
            self._channel.send_checked(CommandAPDU(0x00, 0x2C, 0x02, 0x03, new_pin.encode()))

    def _require_channel(self) -> None:
        if not self.secure:
            raise UsageError("Unlock the card first (PACE with CAN or PIN).")

    def signature_pin_status(self) -> PinStatus:
        self._require_channel()
        self.select(PKI_AID)
        response = self._channel.send(CommandAPDU(0x00, 0x20, 0x00, 0x82))
        return _pin_status_from_sw(response.sw)

    def verify_signature_pin(self, pin2: str) -> None:
        _check_digits(pin2, 5, 12, "The signature PIN")
        self._require_channel()
        self.select(PKI_AID)
        response = self._channel.send(CommandAPDU(0x00, 0x20, 0x00, 0x82, pin2.encode()))
        if response.sw != 0x9000:
            err = status_error(response.sw)
            if isinstance(err, PinError):
                tries = err.tries_left
                if tries:
                    raise PinError(f"Wrong signature PIN. {tries} tr{'y' if tries == 1 else 'ies'} left.", code="pin2.wrong", tries_left=tries)
                raise PinError("The signature PIN is blocked. Unblock it with the PUK.", code="pin2.blocked", tries_left=0)
            raise err

    def change_signature_pin(self, current: str, new: str) -> None:
        _check_digits(new, 5, 12, "The new signature PIN")
        self.verify_signature_pin(current)
        self._channel.send_checked(CommandAPDU(0x00, 0x2C, 0x02, 0x82, new.encode()))

    def unblock_signature_pin(self, puk: str, new: str) -> None:
        _check_digits(new, 5, 12, "The new signature PIN")
        self.unlock(PUK, puk)
        self.select(PKI_AID)
        self._channel.send_checked(CommandAPDU(0x00, 0x2C, 0x02, 0x82, new.encode()))

    # -- PKI application: certificates, authentication and signing keys ----------
    def _read_pki_file(self, fid: int, what: str) -> bytes:
        self._require_channel()
        try:
            self._ensure_selected(PKI_AID)
        except CardStatusError as exc:
            if exc.sw == 0x6A82:
                raise UnsupportedCardError(
                    "This card has no PKI application (no authentication or signing keys).",
                    code="card.no_pki",
                ) from None
            raise
        try:
            return self.read_file(fid)
        except CardStatusError as exc:
            if exc.sw == 0x6A82:
                raise IdCardError(f"The card has no {what}.", code="card.file_not_found") from None
            raise

    def read_auth_certificate(self) -> bytes:
        """EF.AuthCert (C001): the authentication certificate, DER. Needs any PACE."""
        return self._read_pki_file(FID_AUTH_CERT, "authentication certificate")

    def read_sign_certificate(self) -> bytes:
        """EF.SignCert (C002): the signing certificate, DER. Needs any PACE."""
        return self._read_pki_file(FID_SIGN_CERT, "signing certificate")

    def authenticate_digest(self, digest: bytes) -> bytes:
        """Sign a SHA-384 digest with the authentication key (ref 81); raw r||s.

        The card allows this only in a channel opened with PACE-PIN.
        """
        _check_digest(digest)
        self._require_channel()
        if self.unlocked_with != PIN:
            raise UsageError(
                "Signing in with the card needs the PIN: unlock the card with PACE-PIN first."
            )
        self._ensure_selected(PKI_AID)
        command = CommandAPDU(0x00, 0x88, 0x00, KEY_REF_AUTH, digest, le=0x100)
        return _raw_signature(self._channel.send_checked(command))

    def sign_digest(self, digest: bytes, pin2: str) -> bytes:
        """VERIFY PIN2, then PSO: COMPUTE DIGITAL SIGNATURE over a SHA-384 digest; raw r||s.

        Needs an open channel (PACE with CAN or PIN). One PIN2 verification
        allows one signature; a wrong PIN2 raises `PinError` (`pin2.wrong`,
        tries left) and nothing is signed.
        """
        _check_digest(digest)
        self.verify_signature_pin(pin2)
        command = CommandAPDU(0x00, 0x2A, 0x9E, 0x9A, digest, le=0x100)
        return _raw_signature(self._channel.send_checked(command))

    # -- proving the chip genuine ---------------------------------------------------
    def pace_cam_run(self) -> PaceResult | None:
        """The PACE run behind the open channel when it used Chip Authentication Mapping.

        Its CA_IC proves the chip genuine once checked against the SOD-verified
        DG14 (`idcard.protocol.cam_check`); None after BAC, GM/IM PACE or no unlock.
        """
        result = self.pace_result
        if not self.secure or result is None or result.algorithm.mapping != "CAM":
            return None
        return result

    def internal_authenticate(self, challenge: bytes, *, signature_length: int | None = None) -> bytes:
        """The LDS application's INTERNAL AUTHENTICATE (Active Authentication): the chip's raw signature.

        Checks nothing (see `active_authentication`); a refusal raises
        `CardStatusError` with the status word.
        """
        self._ensure_selected(LDS_AID)
        return active_auth.internal_authenticate(self._channel, challenge, signature_length=signature_length)

    def active_authentication(
        self,
        dg15: bytes,
        *,
        dg14_aa_info: ActiveAuthenticationInfo | SecurityInfos | None = None,
        challenge: bytes | None = None,
        rng: Rng | None = None,
    ) -> Check:
        """Active Authentication with DG15's key: the `chip.active_auth` check."""
        self._ensure_selected(LDS_AID)
        return active_auth.active_authentication(
            self._channel, dg15, challenge=challenge, rng=rng or self.rng, dg14_aa_info=dg14_aa_info
        )

    def chip_authentication(self, dg14: SecurityInfos, *, rng: Rng | None = None) -> Check:
        """Chip Authentication with DG14's key; the channel goes on under the new keys.

        A chip that fails leaves no usable channel (its MAC cannot be trusted):
        read everything needed before calling this.
        """
        check, secure = chip_auth.chip_authentication(self._channel, dg14, rng=rng or self.rng)
        self._channel.secure = secure
        return check

    def chip_then_active_authentication(
        self,
        dg14: SecurityInfos,
        dg15: bytes,
        *,
        dg14_aa_info: ActiveAuthenticationInfo | SecurityInfos | None = None,
        rng: Rng | None = None,
    ) -> tuple[Check, Check]:
        """Chip Authentication, then Active Authentication under its new keys: (CA, AA).

        INTERNAL AUTHENTICATE is the first command under CA's keys, so a 9000
        with a good MAC proves CA too and no confirming SELECT is sent (one
        APDU per read). A MAC failure fails both (a clone). Without such an
        answer — AA not sent, or refused without a MAC — one SELECT confirms
        CA as `chip_authentication` does. When CA itself fails, AA is still
        tried; a channel the chip closed leaves AA not performed (the failed
        CA already fails the document). Read everything needed first.
        """
        rng = rng or self.rng
        self._ensure_selected(LDS_AID)
        before = self._channel.secure
        ca, secure = chip_auth.chip_authentication(self._channel, dg14, rng=rng, confirm=False)
        self._channel.secure = secure
        agreed = secure is not before
        sent = self._channel.stats.apdus
        try:
            aa = active_auth.active_authentication(self._channel, dg15, rng=rng, dg14_aa_info=dg14_aa_info)
        except SecureMessagingError as exc:
            if agreed:
                reason = "The chip's answer to the challenge failed secure messaging (possibly a cloned chip)."
                return chip_auth.chip_auth_refuted(exc, ca.details), Check(active_auth.CHECK_CODE, Result.FAILED, reason)
            if ca.result is not Result.FAILED:
                raise
            # A chip that refused CA may have ended secure messaging with it.
            reason = "Not run: the chip ended secure messaging when chip authentication failed."
            return ca, Check(active_auth.CHECK_CODE, Result.NOT_PERFORMED, reason)
        if not agreed:
            return ca, aa
        if self._channel.stats.apdus > sent and "sw" not in aa.details:
            return chip_auth.chip_auth_confirmed(ca.details), aa
        return chip_auth.confirm_chip_authentication(self._channel, details=ca.details), aa

    # -- files -------------------------------------------------------------------
    def select(self, aid: bytes) -> None:
        self._selected = None
        self._channel.send_checked(CommandAPDU(0x00, 0xA4, 0x04, 0x0C, aid))
        self._selected = aid

    def _ensure_selected(self, aid: bytes) -> None:
        if self._selected != aid:
            self.select(aid)

    def select_file(self, fid: int) -> None:
        self._channel.send_checked(CommandAPDU(0x00, 0xA4, 0x02, 0x0C, fid.to_bytes(2, "big")))

    def _chunk(self, secure: bool) -> int:
        if self._channel.extended_length:
            return 65536  # Le 0000: "as much as your buffer holds"
        return SHORT_READ_SM if secure else SHORT_READ_PLAIN

    def _read_by_sfi(self, sfi: int, *, secure: bool = True) -> bytes:
        """Read a whole TLV-structured file: the first APDU selects it by SFI."""
        first = self._read_binary(0x80 | sfi, 0x00, self._chunk(secure))
        return self._read_rest(first, secure)

    def read_file(self, fid: int) -> bytes:
        """SELECT by FID in the current application, then read it whole."""
        self.select_file(fid)
        secure = self.secure
        return self._read_rest(self._read_binary(0x00, 0x00, self._chunk(secure)), secure)

    def _read_binary(self, p1: int, p2: int, le: int) -> bytes:
        response = self._channel.send(CommandAPDU(0x00, 0xB0, p1, p2, le=le))
        # 6282 = "fewer bytes than Le": the file simply ended, the data is good.
        if response.sw not in (0x9000, 0x6282):
            raise status_error(response.sw)
        return response.data

    def _read_binary_odd(self, offset: int, le: int) -> bytes:
        """READ BINARY with odd INS (B1) for offsets P1-P2 cannot hold (ISO 7816-4, ICAO 9303-10).

        The offset travels in DO'54' and the data comes back in DO'53'; P1-P2
        0000 means the file the last READ BINARY selected.
        """
        length = max(1, (offset.bit_length() + 7) // 8)
        command = CommandAPDU(0x00, 0xB1, 0x00, 0x00, encode_tlv(0x54, offset.to_bytes(length, "big")), le=le)
        response = self._channel.send(command)
        if response.sw not in (0x9000, 0x6282):
            raise status_error(response.sw)
        if not response.data:
            return b""
        return parse_single(response.data, 0x53).value

    def _read_rest(self, data: bytes, secure: bool) -> bytes:
        if not data:
            raise MalformedResponseError("The card returned an empty file.")
        total = header_length(data)
        if total > MAX_FILE:
            raise MalformedResponseError(f"The card announced a file of {total} bytes; refusing.")
        chunks = [data]
        have = len(data)
        while have < total:
            want = min(total - have, self._chunk(secure))
            if have > MAX_EVEN_OFFSET:
                # Room for the DO'53' header (tag + up to 3 length bytes) around the data.
                data = self._read_binary_odd(have, min(want + 4, self._chunk(secure)))
            else:
                data = self._read_binary(have >> 8, have & 0xFF, want)
            if not data:
                raise MalformedResponseError(
                    f"The file ended after {have} of the {total} bytes its header announced."
                )
            chunks.append(data)
            have += len(data)
        out = b"".join(chunks)
        if len(out) > total:
            out = out[:total]
        return out

    def read_lds_file(self, sfi: int) -> bytes:
        """A file of the LDS application by short EF identifier (DG1 = 1, EF.COM = 0x1E)."""
        self._require_channel()
        self._ensure_selected(LDS_AID)
        return self._read_by_sfi(sfi)

    def read_ef_com(self) -> bytes:
        return self.read_lds_file(SFI_COM)

    def read_dg(self, number: int) -> bytes:
        if not 1 <= number <= 16:
            raise UsageError(f"There is no data group {number}.")
        try:
            return self.read_lds_file(number)
        except CardStatusError as exc:
            if exc.sw == 0x6A82:
                raise IdCardError(f"The card has no DG{number}.", code="card.file_not_found") from None
            raise


def _check_digest(digest: bytes) -> None:
    if not isinstance(digest, bytes | bytearray) or len(digest) != PKI_DIGEST_LENGTH:
        raise UsageError(f"The card signs a SHA-384 digest ({PKI_DIGEST_LENGTH} bytes).")


def _raw_signature(data: bytes) -> bytes:
    """The card's plain ECDSA signature r||s: two equal halves, neither zero."""
    half = len(data) // 2
    r, s = int.from_bytes(data[:half], "big"), int.from_bytes(data[half:], "big")
    if not data or len(data) % 2 or not r or not s:
        raise MalformedResponseError(f"The card returned a malformed signature ({len(data)} bytes).")
    return bytes(data)


def _check_digits(value: str, low: int, high: int, what: str) -> None:
    if not (value.isascii() and value.isdigit() and low <= len(value) <= high):
        span = f"{low}" if low == high else f"{low}–{high}"
        raise UsageError(f"{what} must be {span} digits.")
