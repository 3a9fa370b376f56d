"""An emulated Mav4 NID card answering the APDUs of iran-nid-cards.md §2-§5.

Plugs into every front-end like `mock_card.card.EmulatedCard` (the
`CardBackend` protocol: `atr`, `power_on`, `power_off`, `process`).
Personalised for the demo citizen with TEST certificates. Wherever the spec
does not say how the real card answers, the code below marks the choice as
an EMULATOR ASSUMPTION; nothing here is evidence about real cards.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from idcard.apdu.command import CommandAPDU
from idcard.apdu.response import ResponseAPDU
from idcard.cards.mav import AID_CM, AID_DATA, AID_DATA_PREFIX, AID_IAS
from idcard.cards.mav_auth import open_sealed, seal
from idcard.cards.personal import SOD1_DATES, SOD1_PERSONAL_INFO, PersonalInfo
from idcard.errors import IdCardError
from idcard.lds.sod import sign_sod
from idcard.protocol.bac import session_keys
from idcard.protocol.ciphers import DES3
from idcard.protocol.sm import ChipSecureMessaging
from mock_card.personalize import Citizen
from mock_card.profiles.engine import (
    DF,
    PIN_TRIES,
    SW_INS,
    SW_NOT_FOUND,
    SW_OK,
    SW_SECURITY,
    FileSystemCard,
    PinObject,
    tlv,
)
from mock_card.profiles.nid_certs import CardCertificates, make_card_certificates
from mock_card.registry_service import TEST_MASTER, card_keys_for

SW_CONDITIONS = 0x6985
#: EMULATOR ASSUMPTION: a failed MUTUAL AUTHENTICATE answers 6300 (not public).
SW_AUTH_FAILED = 0x6300
SW_SM_WRONG = 0x6988

H = bytes.fromhex

# EMULATOR ASSUMPTION: which listed ATR a Mav4 has is not public (§8); the one with
# "0400" after 65B085 is taken, following the spec's weak generation hypothesis (§1).
ATR = H("3BFF9600008131FE4380318065B085040011120FFF829000E0")



def _utf16(text: str) -> bytes:
    # EMULATOR ASSUMPTION: UTF-16 big-endian, Gregorian "YYYY/MM/DD" (§3.3 leaves both open).
    return text.encode("utf-16-be")


@dataclass(frozen=True)
class Mav4Personalisation:
    citizen: Citizen = Citizen()
    id_pin: str = "5679"  # last four digits of the demo national code
    puk: str = "1234"
    #: TEST card reference number; the report says the certificate CN carries it (§3.1, §4).
    crn: str = "9876543210"
    #: TEST IC fabrication date, serial and batch = CPLC bytes 13..20 = CSN (§3.1).
    csn: bytes = H("6012A5B4C3D20017")
    #: Evil variant "certificate copied onto another chip": the certificate names this number.
    certificate_number: str | None = None
    #: Evil variant "expired certificate": validity starts this many days earlier.
    certificate_backdate_days: int = 0
    #: Evil variant "blocked PIN": every ID-PIN object starts with no tries left.
    pin_blocked: bool = False
    #: Master the card's K_enc/K_mac derive from; another value = a clone the registry never keyed.
    registry_master: bytes = TEST_MASTER
    #: Evil variant "certificate copied onto a keyed chip": the chip signs with another key.
    foreign_signing_key: bool = False
    #: Seed of the TEST Iranian PKI look-alike the certificates come from.
    seed: int = 1
    #: "root-ca1" (no assurance level, as §4 infers) or "gold" (TEST level 3).
    citizen_ca: str = "root-ca1"
    #: Evil variant "certificate from a look-alike root": same names, other keys.
    lookalike_pki: bool = False


def _cplc(csn: bytes) -> bytes:
    # GlobalPlatform CPLC body (42 bytes); TEST identifiers, CSN fields at body offset 10.
    body = H("4790" "5040" "4791" "6301" "0101") + csn + H("4812" "3456" "7890") + bytes(22)
    return H("9F7F2A") + body[:42]


def _date(yyyymmdd: str) -> str:
    return f"{yyyymmdd[:4]}/{yyyymmdd[4:6]}/{yyyymmdd[6:]}"


def _personal_info(c: Citizen) -> bytes:
    birth = c.birth_date
    return PersonalInfo(
        given_name=c.given_name_fa,
        surname=c.family_name_fa,
        national_code=c.national_code,
        father_name=c.father_name_fa,
        date_of_birth=f"{birth[:4]}-{birth[4:6]}-{birth[6:]}",
        gender=c.sex,
    ).encode()


def _sha256(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SHA256())
    digest.update(data)
    return digest.finalize()


def _sod1(info: bytes, dates: bytes, certs: CardCertificates) -> bytes:
    key = serialization.load_der_private_key(certs.sod_signer_key_der, None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return sign_sod(
        {SOD1_PERSONAL_INFO: _sha256(info), SOD1_DATES: _sha256(dates)},
        "sha256",
        certs.sod_signer_der,
        key,
        signature_algorithm="rsa-pkcs1",
        signing_time=dt.datetime(2026, 1, 15, tzinfo=dt.UTC),
    )


class Mav4Card(FileSystemCard):
    """The APDU engine. Thread-safe per APDU; counters live as long as the object."""

    family = "mav4"
    atr_bytes = ATR

    def __init__(self, perso: Mav4Personalisation | None = None) -> None:
        super().__init__()
        self.perso = perso or Mav4Personalisation()
        c = self.perso.citizen
        certs = make_card_certificates(
            c.given_name,
            c.family_name,
            self.perso.certificate_number or self.perso.crn,
            self.perso.certificate_backdate_days,
            seed=self.perso.seed,
            citizen_ca=self.perso.citizen_ca,
            lookalike=self.perso.lookalike_pki,
        )
        self.certificates = certs
        pin8 = self.perso.id_pin.encode().ljust(8, b"\x00")
        pin16 = self.perso.id_pin.encode().ljust(16, b"\x00")

        # EMULATOR ASSUMPTION: a 21-byte tag-0101 record = 010112 ‖ CRN digits ‖ 8 zero bytes.
        self.cplc = _cplc(self.perso.csn)
        self.tag_0101 = H("010112") + self.perso.crn.encode("ascii") + bytes(8)

        ias = DF(pin=PinObject(pin16))
        df5100 = ias.subdir("5100")
        # The EF may be longer than the certificate (§3.2): FF padding after the DER.
        df5100.file("5040", certs.signing_der + b"\xff" * 64)
        df5000 = ias.subdir("5000")
        # EMULATOR ASSUMPTION: 5000/5040 (selected by the vendor, content unknown, §3.2) holds
        # the holder's authentication certificate, readable without keys.
        df5000.file("5040", certs.auth_der + b"\xff" * 16)
        df5000.file("0303", certs.ca_der + b"\xff" * 32)

        data = DF()
        # EF 0010 in 4-byte units (§5): 0-3, 6 unblock journal (00 idle), 4 SIGN and 5 ID
        # initial flags (EMULATOR ASSUMPTION: 0000 = active), 7 = NMOC flag 02 ‖ EV journal 00.
        data.file("0010", bytes(28) + H("02000000"))
        d0200 = data.subdir("0200", PinObject(pin8))
        d0300 = data.subdir("0300")
        d0500 = data.subdir("0500", PinObject(pin8))
        d0600 = data.subdir("0600")
        # Personal info 1 and SOD1 need card authentication (§3.7): readable under SM only.
        info = _personal_info(c)
        dates = tlv(0xB2, _utf16(_date(c.issue_date))) + tlv(0xB3, _utf16(_date(c.expiry_date)))
        d0200.file("0201", info + bytes(8), protected=True)
        d0200.file("0205", _sod1(info, dates, certs) + bytes(8), protected=True)
        d0200.file("2F01", bytes(12))
        d0500.file("5F04", bytes(12))
        d0300.file("0302", tlv(0xAD, b"\x00"))  # AFIS check not required (§3.5)
        d0300.file("0303", dates)
        # EMULATOR ASSUMPTION: tags followed by fixed-size values without length bytes (§3.4).
        d0600.file("0601", H("CC0001D50001D60001D701"))

        # EMULATOR ASSUMPTION: one card-wide PUK counter with 3 tries (limits are not public).
        self.puk = PinObject(self.perso.puk.encode("ascii"))
        self.k_enc, self.k_mac = card_keys_for(self.perso.csn, self.perso.registry_master)
        key_source = certs
        if self.perso.foreign_signing_key:
            key_source = make_card_certificates("OTHER", "CHIP", "1111111111", seed=self.perso.seed)
        key = serialization.load_der_private_key(key_source.auth_key_der, None)
        assert isinstance(key, rsa.RSAPrivateKey)
        # EMULATOR ASSUMPTION: private key 03 (§6 step 8) is the key of the 5000/5040
        # authentication certificate.
        self._signing_key = key
        self._reset_session()
        self.apps = {"ias": ias, "data": data, "cm": DF()}
        if self.perso.pin_blocked:
            for pin in (ias.pin, d0200.pin, d0500.pin):
                assert pin is not None
                pin.tries = 0

    def _reset_session(self) -> None:
        self._ias_verified = False
        self._mse_auth = self._mse_dst = False
        self._rnd_icc: bytes | None = None
        self._sm: ChipSecureMessaging | None = None
        self._hash: bytes | None = None

    def _dispatch(self, apdu: bytes) -> tuple[bytes, int]:
        if len(apdu) >= 4 and apdu[0] & 0x0C == 0x0C:
            return self._secure(apdu)
        return super()._dispatch(apdu)

    def _secure(self, apdu: bytes) -> tuple[bytes, int]:
        """One SM-protected command of the §6 session (ICAO-style DOs, 3DES, SSC per message)."""
        sm = self._sm
        if sm is None:
            return b"", SW_CONDITIONS
        try:
            inner = sm.unwrap_command(CommandAPDU.parse(apdu))
        except IdCardError:
            self._sm = None
            return b"", SW_SM_WRONG
        self._in_sm = True
        try:
            data, sw = super()._dispatch(inner.encode())
        finally:
            self._in_sm = False
        answer = sm.wrap_response(ResponseAPDU(data, sw))
        return answer.data, answer.sw

    # -- §6 card authentication ----------------------------------------------
    def _mse_set(self, p1p2: int, body: bytes) -> tuple[bytes, int]:
        if self._app != "ias":
            return b"", SW_CONDITIONS
        if p1p2 == 0x41A4 and body == H("830101950180"):
            self._mse_auth = True
            return b"", SW_OK
        if p1p2 == 0x41B6 and body == H("800102840103"):
            self._mse_dst = True
            return b"", SW_OK
        return b"", 0x6A80

    def _get_challenge(self, le: int | None) -> tuple[bytes, int]:
        if le != 8:
            return b"", 0x6700
        self._rnd_icc = os.urandom(8)
        return self._rnd_icc, SW_OK

    def _mutual_authenticate(self, body: bytes) -> tuple[bytes, int]:
        rnd_icc, self._rnd_icc = self._rnd_icc, None  # one try per challenge
        if not self._mse_auth or rnd_icc is None or self._app != "ias":
            return b"", SW_CONDITIONS
        sn_icc = self.perso.csn
        s = open_sealed(self.k_enc, self.k_mac, body)
        if s is None or s[16:24] != rnd_icc or s[24:32] != sn_icc:
            return b"", SW_AUTH_FAILED
        rnd_ifd, sn_ifd, k_ifd = s[:8], s[8:16], s[32:64]
        k_icc = os.urandom(32)
        # EMULATOR ASSUMPTION: SS = RND.ICC‖SN.ICC‖RND.IFD‖SN.IFD‖K_ICC (the spec fixes K_ICC only).
        answer = seal(self.k_enc, self.k_mac, rnd_icc + sn_icc + rnd_ifd + sn_ifd + k_icc)
        keys = session_keys(k_ifd, k_icc, rnd_icc, rnd_ifd)
        self._sm = ChipSecureMessaging(DES3, keys.ks_enc, keys.ks_mac, keys.ssc)
        return answer, SW_OK

    def _pso(self, p1p2: int, body: bytes) -> tuple[bytes, int]:
        if p1p2 == 0x90A0:  # PSO:HASH, plain (§6 step 9)
            if len(body) != 34 or body[:2] != H("9020"):
                return b"", 0x6A80
            self._hash = body[2:]
            return b"", SW_OK
        if p1p2 == 0x9E9A:  # PSO:COMPUTE DIGITAL SIGNATURE, under SM only (§6 step 10)
            if not self._in_sm:
                return b"", SW_SECURITY  # EMULATOR ASSUMPTION: no signing without the SM session
            if not self._ias_verified:
                return b"", SW_SECURITY
            if not self._mse_dst or self._hash is None:
                return b"", SW_CONDITIONS
            digest, self._hash = self._hash, None
            # EMULATOR ASSUMPTION: PKCS#1 v1.5 with the SHA-256 DigestInfo (algorithm ref 02).
            signature = self._signing_key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
            return signature, SW_OK
        return b"", 0x6A86

    def _unit(self) -> int:
        # The data application counts offsets in 4-byte units (§2, inferred).
        return 4 if self._app == "data" else 1

    def _command(
        self, cla: int, ins: int, p1: int, p2: int, body: bytes, le: int | None
    ) -> tuple[bytes, int]:
        if (cla, ins) == (0x80, 0xCA):
            return self._get_data((p1 << 8) | p2, le)
        if (cla, ins) == (0x80, 0xC0) and (p1, p2) == (0x02, 0x05):
            return self._pin_info()
        if (cla, ins) == (0x00, 0x20):
            return self._verify(p2, body)
        if (cla, ins) == (0x00, 0x22):
            return self._mse_set((p1 << 8) | p2, body)
        if (cla, ins, p1, p2) == (0x80, 0x84, 0x00, 0x00):
            return self._get_challenge(le)
        if (cla, ins, p1, p2) == (0x80, 0x82, 0x00, 0x00):
            return self._mutual_authenticate(body)
        if (cla, ins) == (0x00, 0x2A):
            return self._pso((p1 << 8) | p2, body)
        if (cla, ins, p1, p2) == (0x80, 0x24, 0x01, 0x00) and len(body) == 8:
            return self._unblock(self._pin_for(0x00), body[:4], body[4:])
        if (cla, ins, p1, p2) == (0x00, 0x2C, 0x00, 0x81) and len(body) == 32:
            return self._unblock(self._pin_for(0x81), body[:16], body[16:])
        return b"", SW_INS

    def _app_for(self, aid: bytes) -> str | None:
        if aid == AID_CM:
            return "cm"
        if aid == AID_IAS:
            return "ias"
        if len(aid) >= len(AID_DATA_PREFIX) and AID_DATA.startswith(aid):
            return "data"
        return None

    def _unblock(self, pin: PinObject | None, puk: bytes, new_pin: bytes) -> tuple[bytes, int]:
        """8024 (data application) and RESET RETRY COUNTER (IAS): PUK ‖ new PIN, 00-padded."""
        if pin is None:
            return b"", 0x6A88
        sw = self.puk.check(puk.rstrip(b"\x00"))
        if sw == SW_OK:
            pin.value = new_pin.rstrip(b"\x00").ljust(len(pin.value), b"\x00")
            pin.tries = PIN_TRIES
        return b"", sw

    def _get_data(self, tag: int, le: int | None) -> tuple[bytes, int]:
        if self._app != "cm":
            return b"", SW_NOT_FOUND
        record = {0x9F7F: self.cplc, 0x0101: self.tag_0101}.get(tag)
        if record is None:
            return b"", SW_NOT_FOUND
        if le != len(record):
            return b"", 0x6C00 | len(record)
        return record, SW_OK

    def _pin_info(self) -> tuple[bytes, int]:
        # EMULATOR ASSUMPTION: the 12-byte record is zero apart from the failed-try bits.
        if self._app != "data" or self._cwd is None or self._cwd.pin is None:
            return b"", SW_NOT_FOUND
        return bytes([0x00, self._cwd.pin.failed_bits()]) + bytes(10), SW_OK

    def _verify(self, p2: int, body: bytes) -> tuple[bytes, int]:
        pin = self._pin_for(p2)
        if pin is None:
            return b"", 0x6A88
        if not body:
            return b"", pin.status_sw()
        sw = pin.check(body)
        if self._app == "ias":
            self._ias_verified = sw == SW_OK
        return b"", sw

    def _pin_for(self, p2: int) -> PinObject | None:
        if self._app == "data" and p2 == 0x00 and self._cwd is not None:
            return self._cwd.pin
        if self._app == "ias" and p2 in (0x81, 0x01):  # §5 uses 81, §6 uses 01
            return self.apps["ias"].pin
        return None
