"""The emulated card: one APDU in, one APDU out, following card-profile.md.

The engine decodes the APDU, removes secure messaging, routes the command
to a handler and protects the answer again. Handlers return a
`ResponseAPDU` and never raise: a real card answers every command with a
status word, and so must we (anything unexpected becomes 6F00).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from asn1crypto.core import ObjectIdentifier
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    Prehashed,
    decode_dss_signature,
)
from cryptography.hazmat.primitives.serialization import load_der_private_key

from idcard.apdu.command import CommandAPDU
from idcard.apdu.response import ResponseAPDU
from idcard.apdu.tlv import encode_tlv, parse_all, parse_single
from idcard.errors import AuthenticationError, CardStatusError, IdCardError, SecureMessagingError
from idcard.lds.security_infos import parse_dg14
from idcard.protocol.active_auth import ActiveAuthChip
from idcard.protocol.bac import BacChip
from idcard.protocol.chip_auth import ChipAuthChip
from idcard.protocol.pace.chip import PaceChip
from idcard.protocol.pace.oids import PACE_ALGORITHMS, PasswordRef
from idcard.protocol.pace.password import password_seed
from idcard.protocol.sm import ChipSecureMessaging
from mock_card.filesystem import (
    FID_CARD_ACCESS,
    LDS_AID,
    PKI_AID,
    Access,
    Application,
    ElementaryFile,
    FileSystem,
    dg_fid,
)
from mock_card.image import PROFILE_PASSPORT_BAC, CardImage
from mock_card.pins import PinRules, PinSession

log = logging.getLogger(__name__)

Rng = Callable[[int], bytes]

#: A short APDU carries at most this much response data.
SHORT_MAX = 256

#: PKI application key references (card-profile.md) and the digest they sign (SHA-384).
KEY_REF_AUTH = 0x81
KEY_REF_SIGN = 0x82
PKI_DIGEST_LENGTH = 48

#: Contact ATR, T=1. The historical bytes (80 | 73 00 00 xx) carry the card
#: capabilities of ISO 7816-4 §8.1.1.2.7: C0 = chaining + extended Lc/Le, 80 = chaining only.
ATR_EXTENDED = bytes.fromhex("3B85800180730000C037")
ATR_SHORT = bytes.fromhex("3B858001807300008077")


def _sw(sw: int, data: bytes = b"") -> ResponseAPDU:
    return ResponseAPDU(data, sw)


@dataclass
class TranscriptEntry:
    command: bytes
    response: bytes
    time: float


@dataclass
class _Session:
    """Everything a power cycle forgets."""

    pins: PinSession = field(default_factory=PinSession)
    app: Application | None = None
    ef: ElementaryFile | None = None
    sm: ChipSecureMessaging | None = None
    pace: PaceChip | None = None  # in progress
    pace_ref: PasswordRef | None = None
    bac: BacChip | None = None  # in progress
    #: Keys a command just agreed on; they take over after its answer is sent.
    pending_sm: ChipSecureMessaging | None = None
    challenge: bytes = b""
    #: ChipAuthChip armed by MSE:Set AT for Chip Authentication: the next
    #: GENERAL AUTHENTICATE is CA's, not PACE's.
    ca: ChipAuthChip | None = None


class EmulatedCard:
    """A personalised card image brought to life. Thread-safe per APDU."""

    def __init__(
        self,
        image: CardImage,
        *,
        rng: Rng = os.urandom,
        store: str | Path | None = None,
        latency: float | None = None,
    ) -> None:
        self.image = image
        self.rng = rng
        #: Where counter changes are written back (atomically), if anywhere.
        self.store = Path(store) if store else None
        self.latency = image.settings.latency if latency is None else latency
        self.fs = build_filesystem(image)
        self.rules = PinRules(image.secrets, image.counters)
        self.transcript: list[TranscriptEntry] = []
        self.record_transcript = True
        self.powered = False
        self._lock = threading.Lock()
        self._s = _Session()

    # -- CardBackend ---------------------------------------------------------
    @property
    def atr(self) -> bytes:
        return ATR_EXTENDED if self.image.settings.extended_length else ATR_SHORT

    def power_on(self) -> None:
        with self._lock:
            self.powered = True
            self._s = _Session()

    def power_off(self) -> None:
        with self._lock:
            self.powered = False
            self._s = _Session()

    def process(self, apdu: bytes) -> bytes:
        if self.latency:
            time.sleep(self.latency)
        with self._lock:
            if not self.powered:
                # Front-ends power the card on; the in-process one may not bother.
                self.powered = True
            try:
                response = self._process(apdu)
            except Exception:  # a card never crashes, it answers 6F00
                log.exception("emulator fault")
                self._s.sm = None
                response = _sw(0x6F00)
            raw = response.encode()
            if self.record_transcript:
                self.transcript.append(TranscriptEntry(bytes(apdu), raw, time.monotonic()))
            return raw

    # -- engine --------------------------------------------------------------
    def _process(self, raw: bytes) -> ResponseAPDU:
        try:
            cmd = CommandAPDU.parse(raw)
        except IdCardError:
            return _sw(0x6700)
        if cmd.is_extended and not self.image.settings.extended_length:
            return _sw(0x6700)
        if cmd.cla & 0x0C:
            response = self._process_secure(cmd)
        else:
            if self._s.sm is not None:
                # A plain command ends secure messaging (ICAO 9303-11 §9.8.6).
                self._end_secure_session()
            response = self._dispatch(cmd, secure=False)
        if self._s.pending_sm is not None:
            # PACE/BAC just finished: its answer went out under the old state,
            # everything after it travels under the new keys.
            self._s.sm, self._s.pending_sm = self._s.pending_sm, None
        return response

    def _process_secure(self, protected: CommandAPDU) -> ResponseAPDU:
        sm = self._s.sm
        if sm is None:
            return _sw(0x6988)
        try:
            cmd = sm.unwrap_command(protected)
        except (SecureMessagingError, IdCardError):
            self._end_secure_session()
            return _sw(0x6988)
        response = self._dispatch(cmd, secure=True)
        return sm.wrap_response(response)

    def _end_secure_session(self) -> None:
        self._s.sm = None
        self._s.pins.authenticated = None
        self._s.pins.pin2_verified = False
        self._s.ca = None  # a CA run belongs to the secure session it started in

    def _dispatch(self, cmd: CommandAPDU, *, secure: bool) -> ResponseAPDU:
        handler = _HANDLERS.get(cmd.ins)
        if handler is None:
            return _sw(0x6D00)
        if cmd.cla & 0xE0 and cmd.cla != 0xFF:
            return _sw(0x6E00)
        return handler(self, cmd, secure)

    def _limit(self, cmd: CommandAPDU) -> int:
        """How many response bytes this command may carry."""
        cap = self.image.settings.max_response if cmd.is_extended else SHORT_MAX
        if self._s.sm is not None:
            # SM adds DO'87' + DO'99' + DO'8E' around the data; keep the whole
            # protected answer inside one short APDU where that is what was sent.
            cap = min(cap, self.image.settings.max_response if cmd.is_extended else 223)
        le = cmd.le if cmd.le is not None else 0
        return min(le, cap) if le else 0

    def persist(self) -> None:
        if self.store is not None:
            self.image.save(self.store)

    # -- file commands -------------------------------------------------------
    def _select(self, cmd: CommandAPDU, secure: bool) -> ResponseAPDU:
        p1 = cmd.p1
        if p1 == 0x04:
            app = self.fs.find_application(cmd.data)
            if app is None:
                return _sw(0x6A82)
            self._s.app, self._s.ef = app, None
            return _sw(0x9000)
        if p1 in (0x00, 0x02, 0x01):
            if len(cmd.data) != 2 and not (p1 == 0x00 and not cmd.data):
                return _sw(0x6A80) if cmd.data else _sw(0x6700)
            fid = int.from_bytes(cmd.data, "big") if cmd.data else 0x3F00
            if fid == 0x3F00:
                self._s.app, self._s.ef = None, None
                return _sw(0x9000)
            app = self._s.app if p1 == 0x02 or self._s.app else self.fs.mf
            ef = (app or self.fs.mf).files.get(fid) or (
                self.fs.mf.files.get(fid) if p1 == 0x00 else None
            )
            if ef is None:
                return _sw(0x6A82)
            self._s.ef = ef
            if cmd.p2 & 0x0C == 0x0C:
                return _sw(0x9000)
            fcp = bytes.fromhex("6204") + bytes([0x80, 0x02]) + len(ef.content).to_bytes(2, "big")
            return _sw(0x9000, fcp)
        return _sw(0x6A86)

    def _read_binary(self, cmd: CommandAPDU, secure: bool) -> ResponseAPDU:
        if cmd.p1 & 0x80:
            sfi = cmd.p1 & 0x1F
            app = self._s.app or self.fs.mf
            ef = app.by_sfi(sfi) or self.fs.mf.by_sfi(sfi)
            if ef is None:
                return _sw(0x6A82)
            self._s.ef = ef
            offset = cmd.p2
        else:
            ef = self._s.ef
            if ef is None:
                return _sw(0x6986)
            offset = (cmd.p1 << 8) | cmd.p2
        if not self._may_read(ef, secure):
            return _sw(0x6982)
        if offset > len(ef.content):
            return _sw(0x6B00)
        wanted = self._limit(cmd)
        if cmd.le is None:
            return _sw(0x6700)
        chunk = ef.content[offset : offset + wanted]
        # "All available" (Le 00 / 0000) is satisfied by a short read; an explicit
        # Le beyond the end gets the 6282 warning, as ISO 7816-4 says.
        all_available = cmd.le in (SHORT_MAX, 65536)
        if len(chunk) < wanted and not all_available:
            return _sw(0x6282, chunk)
        return _sw(0x9000, chunk)

    def _read_binary_odd(self, cmd: CommandAPDU, secure: bool) -> ResponseAPDU:
        """READ BINARY, odd INS: offset in DO'54', answer in DO'53' (files over 32 KB)."""
        if (cmd.p1, cmd.p2) != (0, 0):
            return _sw(0x6A86)  # only the current EF, as the client uses it
        ef = self._s.ef
        if ef is None:
            return _sw(0x6986)
        if not self._may_read(ef, secure):
            return _sw(0x6982)
        try:
            offset_do = parse_single(cmd.data, 0x54)
        except IdCardError:
            return _sw(0x6A80)
        if not 1 <= len(offset_do.value) <= 3:
            return _sw(0x6A80)
        offset = int.from_bytes(offset_do.value, "big")
        if offset > len(ef.content):
            return _sw(0x6B00)
        wanted = self._limit(cmd)
        if cmd.le is None:
            return _sw(0x6700)
        # DO'53' header: tag + up to 3 length bytes must fit in the answer too.
        chunk = ef.content[offset : offset + max(wanted - 4, 0)]
        return _sw(0x9000, encode_tlv(0x53, chunk))

    def _may_read(self, ef: ElementaryFile, secure: bool) -> bool:
        if ef.read is Access.ALWAYS:
            return True
        if ef.read is Access.NEVER:
            return False
        return secure and self._s.sm is not None

    # -- PACE ----------------------------------------------------------------
    def _mse(self, cmd: CommandAPDU, secure: bool) -> ResponseAPDU:
        if (cmd.p1, cmd.p2) in _CA_MSE_P1P2 and self._ca_key is not None:
            return self._mse_chip_authentication(cmd, secure)
        if (cmd.p1, cmd.p2) != (0xC1, 0xA4):
            return _sw(0x6A86)
        self._s.ca = None  # a PACE MSE:Set AT replaces a CA one
        try:
            fields = {t.tag: t.value for t in parse_all(cmd.data)}
        except IdCardError:
            return _sw(0x6A80)
        if 0x80 not in fields or 0x83 not in fields or len(fields[0x83]) != 1:
            return _sw(0x6A80)
        oid = _decode_oid(fields[0x80])
        if oid != self.image.settings.pace_oid:
            return _sw(0x6A80)
        param = fields.get(0x84)
        if param is not None and int.from_bytes(param, "big") != self.image.settings.pace_parameter_id:
            return _sw(0x6A80)
        try:
            ref = PasswordRef(fields[0x83][0])
        except ValueError:
            return _sw(0x6A80)
        if ref == PasswordRef.MRZ and not self.image.secrets.mrz_information:
            return _sw(0x6A88)
        if self.image.settings.profile == PROFILE_PASSPORT_BAC:
            return _sw(0x6D00)
        self._s.pace_ref = ref
        self._s.pace = None
        return _sw(self.rules.mse_status(ref))

    def _general_authenticate(self, cmd: CommandAPDU, secure: bool) -> ResponseAPDU:
        if self._s.ca is not None:
            return self._ca_general_authenticate(cmd, secure)
        ref = self._s.pace_ref
        if ref is None:
            return _sw(0x6985)
        if self._s.pace is None:
            refusal = self.rules.may_start(ref, self._s.pins)
            if refusal != 0x9000:
                return _sw(refusal)

            try:
                self._s.pace = PaceChip(
                    self.image.settings.pace_oid,
                    self.image.settings.pace_parameter_id,
                    password_seed(ref, self.rules.secret_for(ref)),
                    rng=self.rng,
                    chip_authentication_private_key=self._cam_private_key(),
                )
            except IdCardError:  # a CAM card image without a CA key on the PACE curve
                return _sw(0x6985)
        chip = self._s.pace
        try:
            answer = chip.general_authenticate(cmd.data)
        except AuthenticationError:
            self._s.pace = None
            self._s.pace_ref = None
            sw = self.rules.pace_failed(ref, self._s.pins)
            self.persist()
            return _sw(sw)
        except IdCardError:
            self._s.pace = None
            return _sw(0x6A80)
        if chip.established:
            self._s.pending_sm = chip.secure_messaging()
            self.rules.pace_succeeded(ref, self._s.pins)
            self.persist()
            self._s.pace = None
            self._s.pace_ref = None
            self._s.pins.pin2_verified = False
        return _sw(0x9000, answer)

    def _cam_private_key(self) -> int | None:
        """SK_IC for PACE-CAM: the chip authentication key whose public half DG14 publishes.

        Only a CAM card gets it (PaceChip refuses a CAM run without it); a
        clone's image holds another key, so its CA_IC fails the reader's check.
        """
        algorithm = PACE_ALGORITHMS.get(self.image.settings.pace_oid)
        if algorithm is None or algorithm.mapping != "CAM" or self._ca_key is None:
            return None
        return self._ca_key[0].private_numbers().private_value

    # -- Chip Authentication v1 / Active Authentication ----------------------
    @cached_property
    def _ca_key(self) -> tuple[ec.EllipticCurvePrivateKey, str, int | None] | None:
        """(EC private key, CA OID, key id) from the image, or None without a CA key."""
        der = self.image.keys.get("ca")
        if not isinstance(der, str) or not der:
            return None
        key = load_der_private_key(bytes.fromhex(der), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("the card file's CA key is not an EC key")
        key_id = self.image.keys.get("ca_key_id")
        key_id = key_id if isinstance(key_id, int) else None
        oid = self.image.keys.get("ca_oid")
        if not isinstance(oid, str):
            oid = self._ca_oid_from_dg14(key_id)
        return key, oid, key_id

    def _ca_oid_from_dg14(self, key_id: int | None) -> str:
        """The CA algorithm the card's own DG14 announces (default: ECDH with AES-128)."""
        raw = self.image.files.get("lds", {}).get(dg_fid(14))
        if raw is not None:
            for info in parse_dg14(raw).chip_authentication_infos:
                if info.key_id == key_id:
                    return info.protocol
        return _DEFAULT_CA_OID

    @cached_property
    def _aa_chip(self) -> ActiveAuthChip | None:
        der = self.image.keys.get("aa")
        if not isinstance(der, str) or not der:
            return None
        key = load_der_private_key(bytes.fromhex(der), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise ValueError("the card file's AA key is neither EC nor RSA")
        return ActiveAuthChip(key, rng=self.rng)

    def _mse_chip_authentication(self, cmd: CommandAPDU, secure: bool) -> ResponseAPDU:
        """MSE:Set KAT (41 A6) or MSE:Set AT for CA (41 A4), after PACE/BAC only."""
        if not secure:
            return _sw(0x6982)

        assert self._ca_key is not None
        key, oid, key_id = self._ca_key
        chip = ChipAuthChip(key, None, oid, key_id)
        self._s.ca = None
        try:
            if (cmd.p1, cmd.p2) == (0x41, 0xA6):
                # The answer goes out under the old keys, then CA's take over.
                self._s.pending_sm = chip.mse_set_kat(cmd.data)
            else:
                chip.mse_set_at(cmd.data)
                self._s.ca = chip
                self._s.pace, self._s.pace_ref = None, None
        except CardStatusError as exc:
            return _sw(exc.sw)
        except IdCardError:
            return _sw(0x6A80)
        return _sw(0x9000)

    def _ca_general_authenticate(self, cmd: CommandAPDU, secure: bool) -> ResponseAPDU:
        chip, self._s.ca = self._s.ca, None
        if not secure:
            return _sw(0x6982)
        if chip is None:
            return _sw(0x6985)  # no MSE:Set AT for CA before it
        try:
            answer, sm = chip.general_authenticate(cmd.data)
        except CardStatusError as exc:
            return _sw(exc.sw)
        except IdCardError:
            return _sw(0x6A80)
        self._s.pending_sm = sm
        return _sw(0x9000, answer)

    def _internal_authenticate(self, cmd: CommandAPDU, secure: bool) -> ResponseAPDU:
        """INTERNAL AUTHENTICATE 00 88 00 00: Active Authentication with the DG15 key.

        With P2 = 81 it is the PKI application's authentication key instead.
        """
        if cmd.p2 == KEY_REF_AUTH:
            return self._pki_authenticate(cmd, secure)
        if cmd.p2 != 0x00:
            return _sw(0x6A88)
        if cmd.p1 != 0x00:
            return _sw(0x6A86)
        chip = self._aa_chip
        if chip is None:
            return _sw(0x6D00)
        if not secure:
            return _sw(0x6982)
        if len(cmd.data) != 8 or cmd.le is None:
            return _sw(0x6700)
        signature = chip.sign(cmd.data)
        if len(signature) > self._limit(cmd):
            return _sw(0x6700)
        return _sw(0x9000, signature)

    # -- PKI application: authentication and signing keys --------------------
    @cached_property
    def _pki_keys(self) -> dict[str, ec.EllipticCurvePrivateKey]:
        """The image's "auth" and "sign" private keys (either may be absent)."""
        out: dict[str, ec.EllipticCurvePrivateKey] = {}
        for name in ("auth", "sign"):
            der = self.image.keys.get(name)
            if isinstance(der, str) and der:
                key = load_der_private_key(bytes.fromhex(der), password=None)
                if not isinstance(key, ec.EllipticCurvePrivateKey):
                    raise ValueError(f"the card image's {name!r} key is not an EC key")
                out[name] = key
        return out

    def _pki_sign(self, name: str, digest: bytes) -> bytes:
        """Plain ECDSA r||s (BSI TR-03111) over a SHA-384 digest; deterministic (RFC 6979)."""
        key = self._pki_keys[name]
        der = key.sign(
            digest, ec.ECDSA(Prehashed(hashes.SHA384()), deterministic_signing=True)
        )
        r, s = decode_dss_signature(der)
        size = self._pki_signature_length(name) // 2
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")

    def _pki_signature_length(self, name: str) -> int:
        return 2 * ((self._pki_keys[name].curve.key_size + 7) // 8)

    def _pki_authenticate(self, cmd: CommandAPDU, secure: bool) -> ResponseAPDU:
        """INTERNAL AUTHENTICATE 00 88 00 81: sign a SHA-384 digest, after PACE-PIN only."""
        if cmd.p1 != 0x00:
            return _sw(0x6A86)
        if "auth" not in self._pki_keys:
            return _sw(0x6A88)
        if not secure or self._s.pins.authenticated != PasswordRef.PIN:
            return _sw(0x6982)
        if len(cmd.data) != PKI_DIGEST_LENGTH or cmd.le is None:
            return _sw(0x6700)
        if self._pki_signature_length("auth") > self._limit(cmd):
            return _sw(0x6700)
        return _sw(0x9000, self._pki_sign("auth", cmd.data))

    def _perform_security_operation(self, cmd: CommandAPDU, secure: bool) -> ResponseAPDU:
        """PSO: COMPUTE DIGITAL SIGNATURE 00 2A 9E 9A with the signing key (ref 82).

        Each PIN2 verification allows exactly one signature: it is spent when
        the signature is computed (a malformed command does not spend it).
        """
        if (cmd.p1, cmd.p2) != (0x9E, 0x9A):
            return _sw(0x6A86)
        if "sign" not in self._pki_keys:
            return _sw(0x6A88)
        pins = self._s.pins
        if not secure or not pins.pin2_verified:
            return _sw(0x6982)
        if len(cmd.data) != PKI_DIGEST_LENGTH or cmd.le is None:
            return _sw(0x6700)
        if self._pki_signature_length("sign") > self._limit(cmd):
            return _sw(0x6700)
        pins.pin2_verified = False
        return _sw(0x9000, self._pki_sign("sign", cmd.data))

    # -- BAC -----------------------------------------------------------------
    def _get_challenge(self, cmd: CommandAPDU, secure: bool) -> ResponseAPDU:
        if cmd.le not in (8, SHORT_MAX):
            return _sw(0x6700)
        if self.image.settings.profile == PROFILE_PASSPORT_BAC and not secure:

            self._s.bac = BacChip(self.image.secrets.mrz_information, rng=self.rng)
            return _sw(0x9000, self._s.bac.get_challenge())
        self._s.challenge = self.rng(8)
        return _sw(0x9000, self._s.challenge)

    def _external_authenticate(self, cmd: CommandAPDU, secure: bool) -> ResponseAPDU:
        bac = self._s.bac
        if bac is None:
            return _sw(0x6985)
        self._s.bac = None
        try:
            answer, sm = bac.external_authenticate(cmd.data)
        except AuthenticationError:
            return _sw(0x6300)
        except IdCardError:
            return _sw(0x6A80)
        self._s.pins.authenticated = PasswordRef.MRZ
        self._s.pending_sm = sm
        return _sw(0x9000, answer)

    # -- PIN management ------------------------------------------------------
    def _reset_retry_counter(self, cmd: CommandAPDU, secure: bool) -> ResponseAPDU:
        if not secure:
            return _sw(0x6982)
        pins = self._s.pins
        if (cmd.p1, cmd.p2) == (0x03, 0x03) and not cmd.data:
            sw = self.rules.reset_retry_counter(pins)
        elif (cmd.p1, cmd.p2) == (0x02, 0x03):
            sw = self.rules.set_pin(cmd.data, pins)
        elif (cmd.p1, cmd.p2) == (0x02, 0x82):
            sw = self.rules.set_pin2(cmd.data, pins)
        else:
            return _sw(0x6A86)
        self.persist()
        return _sw(sw)

    def _verify(self, cmd: CommandAPDU, secure: bool) -> ResponseAPDU:
        if cmd.p2 != 0x82 or cmd.p1 != 0x00:
            return _sw(0x6A86)
        if not secure:
            return _sw(0x6982)
        if not cmd.data:
            return _sw(self.rules.pin2_status())
        sw = self.rules.verify_pin2(cmd.data, self._s.pins)
        self.persist()
        return _sw(sw)


def _decode_oid(der_value: bytes) -> str:
    """Dotted form of an OID's content octets (tag 80 in MSE carries no 06 header)."""

    return ObjectIdentifier.load(b"\x06" + bytes([len(der_value)]) + der_value).dotted


_HANDLERS: dict[int, Callable[[EmulatedCard, CommandAPDU, bool], ResponseAPDU]] = {
    0xA4: EmulatedCard._select,
    0xB0: EmulatedCard._read_binary,
    0xB1: EmulatedCard._read_binary_odd,
    0x22: EmulatedCard._mse,
    0x86: EmulatedCard._general_authenticate,
    0x84: EmulatedCard._get_challenge,
    0x82: EmulatedCard._external_authenticate,
    0x2C: EmulatedCard._reset_retry_counter,
    0x20: EmulatedCard._verify,
    0x88: EmulatedCard._internal_authenticate,
    0x2A: EmulatedCard._perform_security_operation,
}

#: MSE:Set KAT and MSE:Set AT for Chip Authentication.
_CA_MSE_P1P2 = ((0x41, 0xA6), (0x41, 0xA4))
#: id-CA-ECDH-AES-CBC-CMAC-128, when neither the keys nor DG14 name the algorithm.
_DEFAULT_CA_OID = "0.4.0.127.0.7.2.2.3.2.2"


def build_filesystem(image: CardImage) -> FileSystem:
    """Lay the image's files out as applications with the profile's access rules."""
    mf = Application("mf", None)
    for fid, content in image.files.get("mf", {}).items():
        access = Access.ALWAYS if fid == FID_CARD_ACCESS else Access.SECURE
        mf.add(ElementaryFile(fid, content, access, sfi=fid & 0x1F))
    lds = Application("lds", LDS_AID)
    for fid, content in image.files.get("lds", {}).items():
        lds.add(ElementaryFile(fid, content, Access.SECURE, sfi=fid & 0x1F))
    applications = [lds]
    # A passport has no PKI application (SELECT answers 6A82), unless its image brings one.
    if image.settings.profile != PROFILE_PASSPORT_BAC or image.files.get("pki"):
        pki = Application("pki", PKI_AID)
        for fid, content in image.files.get("pki", {}).items():
            pki.add(ElementaryFile(fid, content, Access.SECURE))
        applications.append(pki)
    return FileSystem(mf, applications)
