"""A catalogue of evil card behaviours the emulator can play (issue 14's hostile-card suite).

Each `Behaviour` is one way a cloned, forged, broken or malicious chip can
misbehave, with the one check code (or typed error code) `idcard read` must
answer it with. A behaviour acts at one or more layers:

* the card image (files altered, removed or re-signed before the chip starts),
* the plain answer of a command, before secure messaging protects it (the
  chip lies, but with a valid MAC, as a chip with the session keys can),
* the secure-messaging wrapping itself (structure tricks with a valid MAC),
* the bytes on the wire (a broken MAC, truncation, a lost card).

`HostileCard` is an `EmulatedCard` that plays one behaviour. The catalogue
is data, so the suite (tests/unit/test_hostile_suite.py), the docs and a
demo can all list it.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import io
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from asn1crypto import algos as asn1_algos
from asn1crypto import core
from asn1crypto import keys as asn1_keys
from cryptography.hazmat.primitives.serialization import Encoding, load_der_private_key
from PIL import Image

from idcard.apdu.command import CommandAPDU
from idcard.apdu.response import ResponseAPDU
from idcard.apdu.tlv import encode_tlv, parse_all, parse_one, parse_single
from idcard.document import Document, read_document
from idcard.lds import Com, Dg1, build_dg2
from idcard.lds.sod import sign_sod
from idcard.pki.trust import TrustStore
from idcard.protocol.sm import ChipSecureMessaging
from idcard.session import MRZ, IdCard
from idcard.session import PIN as PIN_REF
from mock_card.card import EmulatedCard
from mock_card.chip_keys import generate_chip_keys
from mock_card.filesystem import FID_CARD_ACCESS, FID_COM, FID_SOD, dg_fid
from mock_card.image import CardImage
from mock_card.personalize import (
    DEMO_CITIZEN,
    FID_AUTH_CERT,
    Citizen,
    _dg11,
    _dg12,
    card_access,
    personalize,
)
from mock_card.testpki import test_pki
from reader.emulated import EmulatedTransport

ImageTrick = Callable[[CardImage], None]
#: (card, plain command, plain answer) -> the answer the chip gives instead (or the same)
PlainTrick = Callable[["HostileCard", CommandAPDU, ResponseAPDU], ResponseAPDU]
#: (card, chip secure messaging, plain command, plain answer) -> the protected answer
SmTrick = Callable[["HostileCard", ChipSecureMessaging, CommandAPDU, ResponseAPDU], ResponseAPDU | None]
#: (card, raw command, raw answer) -> raw answer on the wire
WireTrick = Callable[["HostileCard", bytes, bytes], bytes]

INS_SELECT, INS_READ, INS_READ_ODD, INS_MSE, INS_GA, INS_AA = 0xA4, 0xB0, 0xB1, 0x22, 0x86, 0x88
PIN = "123456"


@dataclass(frozen=True)
class Behaviour:
    name: str
    #: Why a real attacker (or a broken chip) would do this, in one line.
    why: str
    #: The check code that must not pass, or the typed error code raised.
    expect: str
    image: ImageTrick | None = None
    plain: PlainTrick | None = None
    sm: SmTrick | None = None
    wire: WireTrick | None = None
    variant: str = "genuine"
    #: Unlock with PACE-MRZ using this citizen's MRZ instead of the PIN.
    unlock_mrz: Citizen | None = None

    def card(self) -> HostileCard:
        image = personalize(variant=self.variant)
        if self.image is not None:
            self.image(image)
        return HostileCard(image, self)


class HostileCard(EmulatedCard):
    """The emulator, playing one `Behaviour` on every APDU."""

    def __init__(self, image: CardImage, behaviour: Behaviour) -> None:
        super().__init__(image)
        self.behaviour = behaviour
        #: How often each INS was seen (secure and plain), for "the n-th READ BINARY".
        self.seen: collections.Counter[int] = collections.Counter()
        self.secure_seen: collections.Counter[int] = collections.Counter()
        #: Secure answers seen on the wire, for "the n-th secure APDU".
        self.sm_count = 0
        self.memo: dict[str, bytes] = {}

    def process(self, apdu: bytes) -> bytes:
        raw = super().process(apdu)
        trick = self.behaviour.wire
        return trick(self, bytes(apdu), raw) if trick else raw

    def _dispatch(self, cmd: CommandAPDU, *, secure: bool) -> ResponseAPDU:
        self.seen[cmd.ins] += 1
        if secure:
            self.secure_seen[cmd.ins] += 1
        response = super()._dispatch(cmd, secure=secure)
        trick = self.behaviour.plain
        return trick(self, cmd, response) if trick else response

    def _process_secure(self, protected: CommandAPDU) -> ResponseAPDU:
        trick = self.behaviour.sm
        sm = self._s.sm
        if trick is None or sm is None:
            return super()._process_secure(protected)
        try:
            cmd = sm.unwrap_command(protected)
        except Exception:  # noqa: BLE001 - a card answers, it does not raise
            self._end_secure_session()
            return ResponseAPDU(b"", 0x6988)
        response = self._dispatch(cmd, secure=True)
        forged = trick(self, sm, cmd, response)
        return forged if forged is not None else sm.wrap_response(response)

    def selected_fid(self) -> int | None:
        return self._s.ef.fid if self._s.ef is not None else None


# -- image tricks ----------------------------------------------------------------------------
def _lds(image: CardImage) -> dict[int, bytes]:
    return image.files["lds"]


def resign(image: CardImage, *, signer: str = "ds", hash_algorithm: str = "sha256") -> None:
    """Sign EF.SOD again over the DGs as they now are: an issuer (or its stolen key) signs the lie."""
    pki = test_pki()
    cert, key = {
        "ds": (pki.ds_cert, pki.ds_key),
        "unknown": (pki.unknown_ds_cert, pki.unknown_ds_key),
        "expired": (pki.expired_ds_cert, pki.expired_ds_key),
        "csca": (pki.csca_cert, pki.csca_key),
        "citizen-ca": (pki.citizen_ca_cert, pki.citizen_ca_key),
    }[signer]
    lds = _lds(image)
    dgs = {n: lds[dg_fid(n)] for n in range(1, 17) if dg_fid(n) in lds}
    hashes = {n: hashlib.new(hash_algorithm, data).digest() for n, data in dgs.items()}
    lds[FID_SOD] = sign_sod(hashes, hash_algorithm, cert.public_bytes(Encoding.DER), key)


def flip_dg(number: int, at: int = -1) -> ImageTrick:
    def trick(image: CardImage) -> None:
        data = bytearray(_lds(image)[dg_fid(number)])
        data[at % len(data)] ^= 0x01
        _lds(image)[dg_fid(number)] = bytes(data)

    return trick


def set_dg(number: int, make: Callable[[bytes], bytes], *, signed: bool = False) -> ImageTrick:
    """Replace DG `number` by make(old); `signed`: the SOD is signed over the new bytes."""

    def trick(image: CardImage) -> None:
        _lds(image)[dg_fid(number)] = make(_lds(image)[dg_fid(number)])
        if signed:
            resign(image)

    return trick


def drop(fid: int, app: str = "lds") -> ImageTrick:
    def trick(image: CardImage) -> None:
        del image.files[app][fid]

    return trick


def set_file(fid: int, make: Callable[[bytes], bytes], app: str = "lds") -> ImageTrick:
    def trick(image: CardImage) -> None:
        image.files[app][fid] = make(image.files[app].get(fid, b""))

    return trick


def both(*tricks: ImageTrick) -> ImageTrick:
    def trick(image: CardImage) -> None:
        for t in tricks:
            t(image)

    return trick


def clone_keys(which: tuple[str, ...] = ("aa", "ca")) -> ImageTrick:
    """The chip answers with keys of its own: it cannot carry the genuine chip's private keys."""

    def trick(image: CardImage) -> None:
        other = generate_chip_keys((1_000_004).to_bytes(8, "big"), aa="ec")
        for name in which:
            image.keys[name] = other.keys[name]

    return trick


def signed_citizen(**changes: str) -> ImageTrick:
    """DG1/DG11/DG12 of a changed citizen, correctly signed by the DS (an issuer-side lie)."""

    def trick(image: CardImage) -> None:
        citizen = dataclasses.replace(DEMO_CITIZEN, **changes)
        lds = _lds(image)
        lds[dg_fid(1)] = Dg1(citizen.mrz).encode()
        lds[dg_fid(11)] = _dg11(citizen)
        lds[dg_fid(12)] = _dg12(citizen)
        resign(image)

    return trick


def with_header(tag: int, value: bytes) -> bytes:
    return encode_tlv(tag, value)


#: Where a format keeps its image size: (marker, offset from it, bytes per field, height first).
_SIZE_FIELDS = {"JPEG": (b"\xff\xc0", 5, 2, True), "JPEG2000": (b"\xff\x51", 6, 4, False)}


def _image(fmt: str, size: tuple[int, int] = (8, 8), *, claim: tuple[int, int] | None = None) -> bytes:
    """A small real image; with `claim`, its header lies about its size (a decompression bomb)."""
    buf = io.BytesIO()
    # JPEG 2000 as a bare codestream: its SIZ marker alone gives the size.
    Image.new("L", size).save(buf, fmt, **({"no_jp2": True} if fmt == "JPEG2000" else {}))
    data = bytearray(buf.getvalue())
    if claim is not None:
        marker, offset, width, height_first = _SIZE_FIELDS[fmt]
        w, h = (value.to_bytes(width, "big") for value in claim)
        at = data.index(marker) + offset
        data[at : at + 2 * width] = h + w if height_first else w + h
    return bytes(data)


def dg2_with(image_bytes: bytes) -> Callable[[bytes], bytes]:
    return lambda _old: build_dg2(image_bytes)


def dg11_raw(fields: bytes) -> Callable[[bytes], bytes]:
    """A DG11 whose tag list (5C) names exactly what it carries."""
    def make(_old: bytes) -> bytes:
        tags = b"".join(bytes([t.tag >> 8, t.tag & 0xFF]) for t in parse_all(fields))
        return encode_tlv(0x6B, encode_tlv(0x5C, tags) + fields)

    return make


def _rsa_dg15(bits: int) -> Callable[[bytes], bytes]:
    def make(_old: bytes) -> bytes:
        n = (1 << (bits - 1)) | 0xF1
        spki = asn1_keys.PublicKeyInfo(
            {
                "algorithm": {"algorithm": "rsa", "parameters": None},
                "public_key": asn1_keys.RSAPublicKey({"modulus": n, "public_exponent": 65537}),
            }
        ).dump()
        return encode_tlv(0x6F, spki)

    return make


def _dh_dg14(bits: int) -> Callable[[bytes], bytes]:
    """DG14 with a ChipAuthenticationPublicKeyInfo over a PKCS #3 DH group of `bits` bits."""
    def seq(*parts: bytes) -> bytes:
        return encode_tlv(0x30, b"".join(parts))

    def make(_old: bytes) -> bytes:
        p = (1 << (bits - 1)) | 0xF1
        params = asn1_algos.DHParameters({"p": p, "g": 2}).dump()
        algorithm = seq(core.ObjectIdentifier("1.2.840.113549.1.3.1").dump(), params)
        spki = seq(algorithm, core.BitString.load(encode_tlv(0x03, b"\x00" + core.Integer(5).dump())).dump())
        ca_pk = seq(core.ObjectIdentifier("0.4.0.127.0.7.2.2.1.1").dump(), spki)
        ca_info = seq(core.ObjectIdentifier("0.4.0.127.0.7.2.2.3.1.1").dump(), core.Integer(1).dump())
        return encode_tlv(0x6E, encode_tlv(0x31, ca_pk + ca_info))

    return make


# -- answer tricks -----------------------------------------------------------------------------
def nth(ins: int, n: int = 1, *, secure: bool | None = None) -> Callable[[HostileCard, CommandAPDU], bool]:
    def match(card: HostileCard, cmd: CommandAPDU) -> bool:
        if cmd.ins != ins:
            return False
        counter = card.secure_seen if secure else card.seen
        return counter[ins] == n

    return match


def reading(fid: int, n: int = 1) -> Callable[[HostileCard, CommandAPDU], bool]:
    """The n-th READ BINARY of file `fid`."""

    def match(card: HostileCard, cmd: CommandAPDU) -> bool:
        if cmd.ins not in (INS_READ, INS_READ_ODD) or card.selected_fid() != fid:
            return False
        key = f"read{fid}"
        count = card.memo.get(key, b"\x00")[0] + 1
        card.memo[key] = bytes([count])
        return count == n

    return match


def answer(
    when: Callable[[HostileCard, CommandAPDU], bool], change: Callable[[ResponseAPDU], ResponseAPDU]
) -> PlainTrick:
    def trick(card: HostileCard, cmd: CommandAPDU, response: ResponseAPDU) -> ResponseAPDU:
        return change(response) if when(card, cmd) else response

    return trick


def sw(value: int) -> Callable[[ResponseAPDU], ResponseAPDU]:
    return lambda _r: ResponseAPDU(b"", value)


def data(make: Callable[[bytes], bytes], status: int | None = None) -> Callable[[ResponseAPDU], ResponseAPDU]:
    return lambda r: ResponseAPDU(make(r.data), r.sw if status is None else status)


def _flip(data: bytes, at: int) -> bytes:
    if not data:
        return b"\x00"
    out = bytearray(data)
    out[at % len(out)] ^= 0x01
    return bytes(out)


def wire_at(n: int, change: Callable[[bytes], bytes], *, secure_only: bool = True) -> WireTrick:
    """Change the n-th (secure) answer on the wire."""

    def trick(card: HostileCard, apdu: bytes, raw: bytes) -> bytes:
        if secure_only and not (len(apdu) > 0 and apdu[0] & 0x0C):
            return raw
        card.sm_count += 1
        return change(raw) if card.sm_count == n else raw

    return trick


def sm_structure(
    when: Callable[[HostileCard, CommandAPDU], bool],
    build: Callable[[ChipSecureMessaging, ResponseAPDU], bytes],
) -> SmTrick:
    """A protected answer with a valid MAC over objects a real chip would not send."""

    def trick(
        card: HostileCard, sm: ChipSecureMessaging, cmd: CommandAPDU, response: ResponseAPDU
    ) -> ResponseAPDU | None:
        if not when(card, cmd):
            return None
        ssc = sm._advance()  # the chip's own counter, as wrap_response uses it
        dos = build(sm, response)
        mac = sm._mac(ssc, dos)
        return ResponseAPDU(dos + encode_tlv(0x8E, mac), response.sw)

    return trick


def _cryptogram(sm: ChipSecureMessaging, padded: bytes) -> bytes:
    """Encrypt exactly `padded` under the chip's session keys (no padding added)."""
    ssc = sm._ssc_bytes(sm.ssc)
    return sm.cipher.encrypt_cbc(sm._ks_enc, padded, sm._iv(ssc))


def _padded_cryptogram(sm: ChipSecureMessaging, padded: bytes, indicator: int = 0x01) -> bytes:
    return encode_tlv(0x87, bytes([indicator]) + _cryptogram(sm, padded))


def _status_do(sw_value: int) -> bytes:
    return encode_tlv(0x99, sw_value.to_bytes(2, "big"))


# -- the catalogue -----------------------------------------------------------------------------
OTHER = dataclasses.replace(DEMO_CITIZEN, document_number="B98765432")
OTHER_BIRTH = dataclasses.replace(DEMO_CITIZEN, birth_date="19910803")
OTHER_EXPIRY = dataclasses.replace(DEMO_CITIZEN, expiry_date="20350114")
SOD_READ = reading(FID_SOD)
DG1_READ = reading(dg_fid(1))
DG2_READ = reading(dg_fid(2))
DG11_READ = reading(dg_fid(11))
DG15_READ = reading(dg_fid(15))
AA = nth(INS_AA)
CA_MSE = nth(INS_MSE, 1, secure=True)
CA_GA = nth(INS_GA, 1, secure=True)


def _catalogue() -> list[Behaviour]:  # noqa: PLR0915 - a flat list is the clearest form
    b: list[Behaviour] = []

    def add(
        name: str,
        why: str,
        expect: str,
        *,
        image: ImageTrick | None = None,
        plain: PlainTrick | None = None,
        sm: SmTrick | None = None,
        wire: WireTrick | None = None,
        variant: str = "genuine",
        unlock_mrz: Citizen | None = None,
    ) -> None:
        b.append(Behaviour(name, why, expect, image, plain, sm, wire, variant, unlock_mrz))

    # Data altered after signing: the SOD hash catches each one.
    for n in (1, 2, 11, 12):
        add(f"dg{n}-flipped-last-byte", f"DG{n} edited after issue (one bit)", f"sod.hash.dg{n}", image=flip_dg(n))
        add(f"dg{n}-flipped-header", f"DG{n}'s TLV header bit changed after issue", f"sod.hash.dg{n}",
            image=flip_dg(n, 4))
        add(f"dg{n}-truncated", f"DG{n} cut short but its header rewritten to match", f"sod.hash.dg{n}",
            image=set_dg(n, lambda d: with_header(d[0], _value(d)[:-3])))
        add(f"dg{n}-extended", f"DG{n} with extra bytes inside its TLV", f"sod.hash.dg{n}",
            image=set_dg(n, lambda d: with_header(d[0], _value(d) + b"\x00\x00")))
    add("dg14-flipped", "DG14 edited to point CA at the clone's key (unsigned)", "chip.chip_auth",
        image=flip_dg(14))
    add("dg15-flipped", "DG15 edited to carry the clone's AA key (unsigned)", "chip.active_auth",
        image=flip_dg(15))
    add("dg15-clone-key", "DG15 replaced by the clone's own key, SOD untouched", "chip.active_auth",
        image=both(clone_keys(("aa",)), set_dg(15, lambda _d: _clone_dg(15))))
    add("dg14-clone-key", "DG14 replaced by the clone's own key, SOD untouched", "chip.chip_auth",
        image=both(clone_keys(("ca",)), set_dg(14, lambda _d: _clone_dg(14))))
    add("dg1-other-person-unsigned", "another person's DG1 on a genuine chip", "sod.hash.dg1",
        image=set_dg(1, lambda _d: _dg1_of(OTHER)))
    add("dg2-other-face-unsigned", "the holder's photo swapped for the attacker's", "sod.hash.dg2",
        image=set_dg(2, dg2_with(_image("JPEG", (64, 80)))))
    add("dg11-other-person-unsigned", "another person's DG11 on a genuine chip", "sod.hash.dg11",
        image=set_dg(11, lambda _d: _dg11_of(dataclasses.replace(DEMO_CITIZEN, national_code="0023456787"))))
    add("dg1-dg11-swapped", "DG1 bytes served as DG11 and the other way round", "sod.hash.dg1",
        image=_swap(1, 11))

    add("extra-dg3-unlisted-clone", "a clone adds an unsigned DG3 (and lists it in EF.COM) to look complete",
        "chip.active_auth",
        image=both(clone_keys(("aa",)), set_file(dg_fid(3), _constant(with_header(0x63, b"\x02\x01\x00"))),
                   set_file(FID_COM, lambda _d: _com(1, 2, 3, 11, 12, 14, 15))))

    # Files missing that EF.SOD lists.
    for n in (1, 2, 11, 12, 14, 15):
        add(f"dg{n}-missing", f"DG{n} listed in EF.SOD but absent on the chip", "card.file_not_found",
            image=drop(dg_fid(n)))
    add("sod-missing", "no EF.SOD at all: nothing can be traced to an issuer", "card.file_not_found",
        image=drop(FID_SOD))
    add("card-access-missing", "no EF.CardAccess: PACE cannot be set up", "card.file_not_found",
        image=drop(FID_CARD_ACCESS, "mf"))

    # EF.COM lies (unsigned): it never decides which files are read.
    add("com-hides-chip-files-clone", "EF.COM leaves out DG14/DG15 so a clone skips AA/CA", "chip.active_auth",
        variant="cloned-hidden-com")
    add("com-empty-clone", "EF.COM lists nothing, chip is a clone", "chip.active_auth",
        image=both(clone_keys(), set_file(FID_COM, lambda _d: b"\x60\x00")))
    add("com-garbage-clone", "EF.COM is garbage, chip is a clone", "chip.active_auth",
        image=both(clone_keys(), set_file(FID_COM, lambda _d: b"\xff" * 20)))
    add("com-missing-clone", "no EF.COM, chip is a clone", "chip.chip_auth",
        image=both(clone_keys(("ca",)), drop(FID_COM)))
    add("com-lists-dg3-clone", "EF.COM lists only DG1 and DG3, chip is a clone", "chip.active_auth",
        image=both(clone_keys(("aa",)), set_file(FID_COM, lambda _d: _com(1, 3))))
    add("com-hides-dg11-tampered", "EF.COM hides a tampered DG11 hoping it is skipped", "sod.hash.dg11",
        image=both(flip_dg(11), set_file(FID_COM, lambda _d: _com(1, 2, 12, 14, 15))))

    # EF.SOD tricks.
    add("sod-unknown-ds", "SOD signed by a DS of a CSCA nobody trusts", "csca.chain", variant="unknown-ds")
    add("sod-expired-ds", "SOD signed by an expired document signer", "ds.validity", variant="expired-ds")
    add("sod-signed-by-csca", "the CSCA key signs the SOD directly (no DS)", "sod.signer_role",
        image=lambda i: resign(i, signer="csca"))
    add("sod-signed-by-citizen-ca", "the citizen CA poses as a document signer", "csca.chain",
        image=lambda i: resign(i, signer="citizen-ca"))
    add("sod-card-key-forgery", "the citizen's own card key signs a forged SOD (issue 9 item 1)",
        "sod.signer_role", image=_card_key_forgery)
    add("sod-signature-flipped", "one bit of the SOD's signature changed", "sod.signature",
        image=set_file(FID_SOD, lambda d: _flip(d, -3)))
    add("sod-econtent-flipped", "a DG hash inside the signed content changed", "sod.signature",
        image=set_file(FID_SOD, _flip_econtent))
    add("sod-truncated", "EF.SOD cut short (its header rewritten)", "sod.parse",
        image=set_file(FID_SOD, lambda d: with_header(0x77, _value(d)[:200])))
    add("sod-garbage", "EF.SOD is random bytes in a 77 wrapper", "sod.parse",
        image=set_file(FID_SOD, lambda _d: with_header(0x77, bytes(range(256)))))
    add("sod-empty-value", "EF.SOD is an empty 77 TLV", "sod.parse",
        image=set_file(FID_SOD, lambda _d: b"\x77\x00"))
    add("sod-wrong-tag", "EF.SOD under tag 78 instead of 77", "sod.parse",
        image=set_file(FID_SOD, lambda d: b"\x78" + d[1:]))
    add("sod-other-card", "a genuine EF.SOD of another card (another person)", "sod.hash.dg1",
        image=set_file(FID_SOD, lambda _d: _other_card_sod()))
    add("sod-sha1-other-dg1", "SOD over SHA-1 hashes, DG1 swapped (a hash the forger hopes is weak)",
        "sod.hash.dg1", image=both(lambda i: resign(i, hash_algorithm="sha1"), set_dg(1, lambda _d: _dg1_of(OTHER))))
    add("sod-genuine-ds-cert-other-key", "SOD signed with the forger's key but carrying the genuine DS certificate",
        "sod.signature", image=_sod_cert_swapped)

    # Cross-checks of correctly signed data.
    add("dg11-other-national-code", "signed DG11 names another national code than DG1", "dg11.national_code",
        image=set_dg(11, lambda _d: _dg11_of(dataclasses.replace(DEMO_CITIZEN, national_code="0023456787")),
                     signed=True))
    add("dg11-other-birth-date", "signed DG11 with another birth date than DG1", "dg11.birth_date",
        image=set_dg(11, lambda _d: _dg11_of(dataclasses.replace(DEMO_CITIZEN, birth_date="19850101")),
                     signed=True))
    add("dg11-other-person-signed", "DG11 of another person signed together with DG1", "dg11.national_code",
        variant="dg11-other-person")
    add("dg1-missing-signed", "a signed card without DG1 (identity would be null)", "dg1.present",
        variant="no-dg1")
    add("bad-national-code", "a signed national code with a wrong check digit", "national_code.check_digit",
        variant="bad-national-code")
    add("expired-document", "a correctly signed card past its expiry date", "document.expired",
        image=signed_citizen(expiry_date="20200101", issue_date="20100101"))
    add("mrz-check-digit-wrong", "signed MRZ whose composite check digit is wrong", "mrz.check_digits",
        image=set_dg(1, _break_check_digit, signed=True))
    add("dg1-not-parseable-signed", "signed DG1 that is not an MRZ", "lds.parse",
        image=set_dg(1, lambda _d: with_header(0x61, with_header(0x5F1F, b"NOT AN MRZ")), signed=True))
    add("dg11-not-parseable-signed", "signed DG11 of broken TLV", "lds.parse",
        image=set_dg(11, lambda _d: b"\x6b\x03\x5c\x05\x00", signed=True))
    add("dg12-not-parseable-signed", "signed DG12 of broken TLV", "lds.parse",
        image=set_dg(12, lambda _d: b"\x6c\x03\x5c\x05\x00", signed=True))
    add("dg11-birth-year-9999", "signed DG11 birth date in the year 9999", "dg11.birth_date",
        image=set_dg(11, dg11_raw(with_header(0x5F10, b"0012345679") + with_header(0x5F2B, b"99991399")),
                     signed=True))
    for label, changes in (
        ("document-number", {"document_number": "B98765432"}),
        ("birth-date", {"birth_date": "19910803"}),
        ("expiry-date", {"expiry_date": "20350114"}),
    ):
        other = dataclasses.replace(DEMO_CITIZEN, **changes)
        add(f"mrz-unlock-other-{label}", f"chip opens with an MRZ of another {label} than its DG1",
            "dg1.unlock_mrz", image=_unlock_with(other), unlock_mrz=other)
    add("mrz-unlock-other-person", "a clone opened with person A's MRZ holding B's signed files",
        "dg1.unlock_mrz", variant="mrz-other-person", unlock_mrz=OTHER)

    # Keys and photos sized to cost work (signed, so the hash passes: the bound must hold).
    add("dg15-rsa-32768-signed", "a 32768-bit RSA AA key to burn CPU", "chip.active_auth",
        image=set_dg(15, _rsa_dg15(32768), signed=True))
    add("dg15-rsa-1024-unsigned", "a weak RSA AA key the clone knows", "chip.active_auth",
        image=set_dg(15, _rsa_dg15(1024)))
    add("dg14-dh-32768-signed", "a 32768-bit DH group in DG14 to burn CPU", "chip.chip_auth",
        image=set_dg(14, _dh_dg14(32768), signed=True))
    add("dg14-garbage-signed", "signed DG14 that does not parse", "chip.chip_auth",
        image=set_dg(14, lambda _d: b"\x6e\x03\x31\x01\x00", signed=True))
    add("dg15-garbage-signed", "signed DG15 that is not a key", "chip.active_auth",
        image=set_dg(15, lambda _d: b"\x6f\x03\x30\x01\x00", signed=True))
    add("dg2-jpeg-bomb-unsigned", "a 500-byte JPEG claiming 3999x4000 pixels: never decoded", "sod.hash.dg2",
        image=set_dg(2, dg2_with(_image("JPEG", claim=(3999, 4000)))))
    add("dg2-jp2-bomb-unsigned", "a tiny JPEG 2000 codestream claiming 9000x9000 pixels: never decoded", "sod.hash.dg2",
        image=set_dg(2, dg2_with(_image("JPEG2000", claim=(9000, 9000)))))
    add("dg2-garbage-signed", "signed DG2 that is not CBEFF", "lds.face",
        image=set_dg(2, lambda _d: with_header(0x75, b"\x7f\x61\x01\x00"), signed=True))
    add("dg2-huge-jpeg-unsigned", "a 700 KB photo, unsigned, hoping it is decoded anyway", "sod.hash.dg2",
        image=set_dg(2, dg2_with(_image("JPEG", (1200, 1600)) + b"\x00" * 700_000)))

    # Chip keys: the clone cannot sign with the genuine chip's keys.
    add("clone-both-keys", "data copied onto another chip (AA and CA keys differ)", "chip.active_auth",
        variant="cloned")
    add("clone-aa-key", "clone that got CA right but not AA", "chip.active_auth", image=clone_keys(("aa",)))
    add("clone-ca-key", "clone that got AA right but not CA", "chip.chip_auth", image=clone_keys(("ca",)))
    add("clone-cam-key", "PACE-CAM clone that got AA right: its CA_IC cannot match DG14's key", "chip.pace_cam",
        variant="cloned-cam")
    add("aa-signature-zero", "AA answers a signature of zeros", "chip.active_auth",
        plain=answer(AA, data(lambda d: b"\x00" * len(d))))
    add("aa-signature-flipped", "AA signature with one bit changed", "chip.active_auth",
        plain=answer(AA, data(lambda d: _flip(d, 3))))
    add("aa-signature-truncated", "AA signature cut in half", "chip.active_auth",
        plain=answer(AA, data(lambda d: d[: len(d) // 2])))
    add("aa-signature-empty", "AA answers 9000 without a signature", "chip.active_auth",
        plain=answer(AA, data(lambda _d: b"")))
    add("aa-signature-replayed", "AA replays a signature over another challenge", "chip.active_auth",
        plain=_aa_replay)
    add("aa-not-supported", "chip says AA is not supported although DG15 exists", "chip.active_auth",
        plain=answer(AA, sw(0x6D00)))
    add("aa-security-not-satisfied", "chip refuses AA with 6982", "chip.active_auth",
        plain=answer(AA, sw(0x6982)))
    add("aa-overlong", "AA signature with 200 extra bytes", "chip.active_auth",
        plain=answer(AA, data(lambda d: d + b"\x00" * 200)))
    add("ca-mse-refused", "chip refuses MSE:Set AT for CA", "chip.chip_auth", plain=answer(CA_MSE, sw(0x6A80)))
    add("ca-ga-refused", "chip refuses CA's GENERAL AUTHENTICATE", "chip.chip_auth",
        plain=answer(CA_GA, sw(0x6A80)))
    add("ca-ga-garbage", "CA's GENERAL AUTHENTICATE answers garbage", "chip.chip_auth",
        plain=answer(CA_GA, data(lambda _d: b"\x01\x02\x03", 0x9000)))
    add("ca-keys-not-switched", "the clone keeps the PACE keys after CA", "chip.chip_auth",
        plain=_ca_keep_keys)

    # PACE tricks.
    add("pace-nonce-flipped", "one bit flipped in the chip's encrypted nonce", "pin.wrong",
        plain=answer(nth(INS_GA, 1), data(lambda d: _flip(d, 5))))
    add("pace-mapping-flipped", "chip's mapping point altered (off the curve)", "card.malformed",
        plain=answer(nth(INS_GA, 2), data(lambda d: _flip(d, -1))))
    add("pace-ephemeral-flipped", "chip's ephemeral key altered (off the curve)", "card.malformed",
        plain=answer(nth(INS_GA, 3), data(lambda d: _flip(d, -1))))
    add("pace-token-flipped", "chip's authentication token wrong (chip does not know the PIN)", "auth.chip",
        plain=answer(nth(INS_GA, 4), data(lambda d: _flip(d, -1))))
    add("pace-ephemeral-reflected", "chip reflects the terminal's own ephemeral key", "auth.chip",
        plain=_reflect_ephemeral)
    add("pace-ga-empty", "chip answers PACE step 1 with 9000 and no data", "card.malformed",
        plain=answer(nth(INS_GA, 1), data(lambda _d: b"")))
    add("pace-ga-garbage", "chip answers PACE step 2 with non-TLV bytes", "card.malformed",
        plain=answer(nth(INS_GA, 2), data(lambda _d: b"\xff\xff\xff")))
    add("pace-mse-refused", "chip refuses MSE:Set AT for PACE", "card.wrong_data",
        plain=answer(nth(INS_MSE, 1), sw(0x6A80)))
    add("card-access-unknown-oid", "EF.CardAccess offers only an unknown PACE protocol", "card.unsupported",
        image=set_file(FID_CARD_ACCESS, lambda _d: card_access("0.4.0.127.0.7.2.2.4.9.9", 13), "mf"))
    add("card-access-wrong-parameter", "EF.CardAccess names a domain the chip does not use", "card.wrong_data",
        image=set_file(FID_CARD_ACCESS, lambda _d: card_access("0.4.0.127.0.7.2.2.4.2.2", 16), "mf"))
    for i, junk in enumerate((b"", b"\x31\x05\x30\x03", b"\x30\x00", b"\xff" * 40, b"\x31\x82\xff\xff")):
        add(f"card-access-junk-{i}", f"EF.CardAccess is junk ({junk[:4].hex() or 'empty'})", "card.malformed",
            image=set_file(FID_CARD_ACCESS, _constant(junk), "mf"))

    # Status words and odd answers to READ BINARY (valid MAC: the chip itself lies).
    for label, status, code in (
        ("6a82", 0x6A82, "card.file_not_found"),
        ("6982", 0x6982, "card.access_denied"),
        ("6700", 0x6700, "card.wrong_length"),
        ("6f00", 0x6F00, "card.status"),
        ("6b00", 0x6B00, "card.wrong_offset"),
        ("6300", 0x6300, "card.status"),
        ("6581", 0x6581, "card.status"),
    ):
        add(f"dg1-read-sw-{label}", f"chip answers DG1's READ BINARY with {status:04X}", code,
            plain=answer(DG1_READ, sw(status)))
    add("sod-read-sw-6a82", "chip hides EF.SOD (6A82)", "card.file_not_found",
        plain=answer(SOD_READ, sw(0x6A82)))
    add("dg1-read-empty-9000", "READ BINARY answers 9000 with no data", "card.malformed",
        plain=answer(DG1_READ, data(lambda _d: b"")))
    add("dg1-file-truncated", "DG1 ends halfway through what its header announces", "card.malformed",
        image=set_dg(1, lambda d: d[: len(d) // 2]))
    add("dg2-first-chunk-overlong", "DG2's first chunk carries 100 bytes more than asked", "sod.hash.dg2",
        plain=answer(DG2_READ, data(lambda d: d + b"\x00" * 100)))
    add("dg2-second-chunk-empty", "the second chunk of DG2 is empty (no progress)", "card.malformed",
        plain=answer(reading(dg_fid(2), 2), data(lambda _d: b"")))
    add("dg2-second-chunk-other-bytes", "the second chunk of DG2 is other bytes", "sod.hash.dg2",
        plain=answer(reading(dg_fid(2), 2), data(lambda d: bytes(len(d)))))
    add("sod-header-huge", "EF.SOD's header announces 2 GB", "card.malformed",
        plain=answer(SOD_READ, data(lambda d: b"\x77\x84\x7f\xff\xff\xff" + d[4:])))
    add("sod-header-indefinite", "EF.SOD's header uses the BER indefinite length", "card.malformed",
        plain=answer(SOD_READ, data(lambda d: b"\x77\x80" + d[4:])))
    add("dg1-header-5-length-bytes", "DG1 header with a 5-byte length field", "card.malformed",
        plain=answer(DG1_READ, data(lambda d: b"\x61\x85\x00\x00\x00\x00\x10" + d[2:])))
    add("dg1-header-longer-than-file", "DG1 header promises 4096 bytes the file lacks", "card.malformed",
        image=set_dg(1, lambda d: b"\x61\x82\x10\x00" + d[2:]))
    add("dg1-header-zero-length", "DG1 is an empty 61 00", "sod.hash.dg1", image=set_dg(1, lambda _d: b"\x61\x00"))
    add("dg1-non-minimal-length", "DG1 with a non-minimal (82 00 xx) length, unsigned", "sod.hash.dg1",
        image=set_dg(1, lambda d: b"\x61\x82\x00" + d[1:]))
    add("dg1-two-byte-tag", "DG1 under a multi-byte tag 7F61", "sod.hash.dg1",
        image=set_dg(1, lambda d: b"\x7f" + d))
    add("read-61xx-forever", "READ BINARY always answers 61FF (more data, forever)", "card.malformed",
        wire=_always_61)
    add("read-6cxx-loop", "READ BINARY answers 6C10 under SM (a resend would reuse the SSC)", "sm.mac",
        plain=answer(DG1_READ, sw(0x6C10)))
    add("odd-ins-no-do53", "odd-INS READ BINARY answers data without DO'53'", "card.malformed",
        image=_big_dg2, plain=answer(nth(INS_READ_ODD, 1), data(lambda d: d[2:])))
    add("odd-ins-empty-do53", "odd-INS READ BINARY answers an empty DO'53' (no progress)", "card.malformed",
        image=_big_dg2, plain=answer(nth(INS_READ_ODD, 1), data(lambda _d: b"\x53\x00")))
    add("odd-ins-wrong-tag", "odd-INS READ BINARY answers DO'54' instead of DO'53'", "card.malformed",
        image=_big_dg2, plain=answer(nth(INS_READ_ODD, 1), data(lambda d: b"\x54" + d[1:])))
    add("odd-ins-refused", "odd-INS READ BINARY refused with 6D00 for a >32 KB file", "card.unsupported",
        image=_big_dg2, plain=answer(nth(INS_READ_ODD, 1), sw(0x6D00)))
    add("odd-ins-other-bytes", "odd-INS chunk holds other bytes (hash must fail)", "sod.hash.dg2",
        image=_big_dg2, plain=answer(nth(INS_READ_ODD, 1), data(lambda d: d[:4] + bytes(len(d) - 4))))

    # Secure-messaging structure tricks with a valid MAC.
    add("sm-no-status-object", "protected answer without DO'99'", "sm.mac",
        sm=sm_structure(DG1_READ, lambda s, r: _padded_cryptogram(s, _iso_pad(r.data))))
    add("sm-status-differs", "DO'99' says 9000, the plain SW says 6282", "sm.mac",
        sm=_sm_status_differs)
    add("sm-wrong-padding-indicator", "DO'87' with padding indicator 02", "sm.mac",
        sm=sm_structure(DG1_READ, lambda s, r: _padded_cryptogram(s, _iso_pad(r.data), 0x02) + _status_do(r.sw)))
    add("sm-unpadded-cryptogram", "DO'87' whose plaintext lacks ISO padding", "sm.mac",
        sm=sm_structure(DG1_READ, lambda s, r: _padded_cryptogram(s, _pad16(r.data)) + _status_do(r.sw)))
    add("sm-cryptogram-not-block", "DO'87' whose cryptogram is not whole blocks", "sm.mac",
        sm=sm_structure(DG1_READ, lambda s, r: encode_tlv(0x87, b"\x01" + b"\x00" * 17) + _status_do(r.sw)))
    add("sm-odd-cryptogram-garbage", "protected answer with a DO'85' cryptogram of garbage", "sm.mac",
        sm=sm_structure(DG1_READ, lambda s, r: encode_tlv(0x85, b"\x00" * 16) + _status_do(r.sw)))
    add("sm-unknown-object", "protected answer with an unexpected DO'81' ahead of DO'99'", "sm.mac",
        sm=sm_structure(DG1_READ, lambda s, r: encode_tlv(0x81, b"\x00" * 4) + _status_do(r.sw)))
    add("sm-objects-reversed", "DO'99' before DO'87'", "sm.mac",
        sm=sm_structure(DG1_READ, lambda s, r: _status_do(r.sw) + _padded_cryptogram(s, _iso_pad(r.data))))
    add("sm-status-repeated", "DO'99' twice", "sm.mac",
        sm=sm_structure(DG1_READ, lambda s, r: _status_do(r.sw) + _status_do(r.sw)))
    add("sm-status-wrong-length", "DO'99' of three bytes", "sm.mac",
        sm=sm_structure(DG1_READ, lambda s, r: encode_tlv(0x99, b"\x90\x00\x00")))
    add("sm-9000-no-data", "DO'99' 9000 and no data for a READ BINARY", "card.malformed",
        sm=sm_structure(DG1_READ, lambda s, r: _status_do(0x9000)))

    # The wire: broken MAC at every secure step of a read, and answers cut or lost.
    steps = _secure_steps()
    after_ca = max(i for i, label in enumerate(steps, start=1) if label == "ga")
    for index, label in enumerate(steps, start=1):
        # Under CA's new keys a broken MAC is the clone's signature: CA fails, not the read.
        code = "chip.chip_auth" if index > after_ca else "sm.mac"
        add(f"wrong-mac-step-{index:02d}-{label}", f"wrong MAC on secure APDU {index} ({label})", code,
            wire=wire_at(index, lambda raw: _flip(raw, -3)))
    for label, change, code in (
        ("sw-only-9000", lambda raw: b"\x90\x00", "sm.mac"),
        ("one-byte", lambda raw: raw[:1], "card.malformed"),
        ("empty", lambda raw: b"", "card.malformed"),
        ("truncated-tlv", lambda raw: raw[:7] + raw[-2:], "sm.mac"),
        ("length-larger-than-data", lambda raw: raw[:1] + b"\x82\xff\xff" + raw[4:], "sm.mac"),
        ("trailing-bytes", lambda raw: raw[:-2] + b"\x00\x00" + raw[-2:], "sm.mac"),
        ("sm-abort-6988", lambda raw: b"\x69\x88", "sm.mac"),
        ("sm-abort-6987", lambda raw: b"\x69\x87", "sm.mac"),
    ):
        add(f"wire-sod-read-{label}", f"the answer to EF.SOD's first READ BINARY is {label}", code,
            wire=wire_at(2, change))
    return b


# -- helpers for the catalogue ------------------------------------------------------------------
def _value(tlv: bytes) -> bytes:
    return parse_one(tlv, 0)[0].value


def _com(*numbers: int) -> bytes:
    return Com.for_data_groups(list(numbers)).encode()


def _constant(value: bytes) -> Callable[[bytes], bytes]:
    return lambda _old: value


def _dg1_of(citizen: Citizen) -> bytes:
    return Dg1(citizen.mrz).encode()


def _dg11_of(citizen: Citizen) -> bytes:
    return _dg11(citizen)


def _clone_dg(number: int) -> bytes:
    other = generate_chip_keys((1_000_004).to_bytes(8, "big"), aa="ec")
    return {14: other.dg14, 15: other.dg15}[number]


def _swap(a: int, c: int) -> ImageTrick:
    def trick(image: CardImage) -> None:
        lds = _lds(image)
        personal = personalize()
        lds[dg_fid(a)], lds[dg_fid(c)] = personal.files["lds"][dg_fid(c)], personal.files["lds"][dg_fid(a)]

    return trick


def _unlock_with(citizen: Citizen) -> ImageTrick:
    def trick(image: CardImage) -> None:
        image.secrets.mrz_information = citizen.mrz_information

    return trick


def _break_check_digit(dg1: bytes) -> bytes:
    mrz = Dg1.parse(dg1).mrz
    lines = list(mrz.lines)
    last = lines[1]
    wrong = str((int(last[-1]) + 1) % 10)
    lines[1] = last[:-1] + wrong
    return with_header(0x61, with_header(0x5F1F, "".join(lines).encode()))


def _card_key_forgery(image: CardImage) -> None:
    lds = _lds(image)
    lds[dg_fid(1)] = _dg1_of(OTHER)
    key = load_der_private_key(bytes.fromhex(str(image.keys["auth"])), password=None)
    dgs = {n: lds[dg_fid(n)] for n in range(1, 17) if dg_fid(n) in lds}
    hashes = {n: hashlib.sha256(d).digest() for n, d in dgs.items()}
    lds[FID_SOD] = sign_sod(hashes, "sha256", image.files["pki"][FID_AUTH_CERT], key)


def _flip_econtent(sod: bytes) -> bytes:
    """Change one byte of DG1's hash inside the signed LDSSecurityObject."""
    personal = personalize()
    digest = hashlib.sha256(personal.files["lds"][dg_fid(1)]).digest()
    at = sod.index(digest)
    return sod[:at] + bytes([sod[at] ^ 1]) + sod[at + 1 :]


def _other_card_sod() -> bytes:
    other = personalize(dataclasses.replace(DEMO_CITIZEN, document_number="C55555555"))
    return other.files["lds"][FID_SOD]


def _sod_cert_swapped(image: CardImage) -> None:
    """Signed with a key the forger holds, naming and carrying the genuine DS certificate."""
    pki = test_pki()
    lds = _lds(image)
    hashes = {n: hashlib.sha256(lds[dg_fid(n)]).digest() for n in range(1, 17) if dg_fid(n) in lds}
    lds[FID_SOD] = sign_sod(hashes, "sha256", pki.ds_cert.public_bytes(Encoding.DER), pki.unknown_ds_key)


def _aa_replay(card: HostileCard, cmd: CommandAPDU, response: ResponseAPDU) -> ResponseAPDU:
    if cmd.ins != INS_AA or response.sw != 0x9000 or cmd.p2 != 0:
        return response
    chip = card._aa_chip
    if chip is None:  # a card without AA has nothing to replay
        return response
    return ResponseAPDU(chip.sign(b"\x00" * 8), 0x9000)


def _ca_keep_keys(card: HostileCard, cmd: CommandAPDU, response: ResponseAPDU) -> ResponseAPDU:
    if cmd.ins == INS_GA and card.secure_seen[INS_GA] == 1:
        card._s.pending_sm = None  # the clone cannot derive CA's keys: it keeps PACE's
    return response


def _reflect_ephemeral(card: HostileCard, cmd: CommandAPDU, response: ResponseAPDU) -> ResponseAPDU:
    if cmd.ins == INS_GA and card.seen[INS_GA] == 3 and cmd.data:
        ours = parse_single(cmd.data, 0x7C).value
        theirs = b"\x84" + ours[1:]  # 83 -> 84: the chip's ephemeral key DO
        return ResponseAPDU(encode_tlv(0x7C, theirs), 0x9000)
    return response


def _sm_status_differs(
    card: HostileCard, sm: ChipSecureMessaging, cmd: CommandAPDU, response: ResponseAPDU
) -> ResponseAPDU | None:
    if not DG1_READ(card, cmd):
        return None
    wrapped = sm.wrap_response(response)
    return ResponseAPDU(wrapped.data, 0x6282)


def _always_61(card: HostileCard, apdu: bytes, raw: bytes) -> bytes:
    if len(apdu) > 1 and apdu[1] in (INS_READ, 0xC0) and card.secure_seen[INS_READ] >= 1:
        return raw[:-2] + b"\x61\xff" if apdu[1] == INS_READ else b"\x00" * 16 + b"\x61\xff"
    return raw


def _iso_pad(data: bytes) -> bytes:
    padded = data + b"\x80"
    return padded + b"\x00" * (-len(padded) % 16)


def _pad16(data: bytes) -> bytes:
    return data + b"\x00" * (-len(data) % 16 or 16)


def _big_face() -> bytes:
    rnd = random.Random(7)
    img = Image.new("RGB", (240, 320))
    img.putdata([(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)) for _ in range(240 * 320)])
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=95)
    return buf.getvalue()


def _big_dg2(image: CardImage) -> None:
    """A DG2 over 32 KB, signed: the rest is read with odd INS."""
    _lds(image)[dg_fid(2)] = build_dg2(_big_face())
    resign(image)



def _secure_steps() -> list[str]:
    """The secure APDUs of a genuine `idcard read` with PIN, by INS name."""
    names = {0xA4: "select", 0xB0: "read", 0xB1: "read-odd", 0x22: "mse", 0x86: "ga", 0x88: "aa"}
    card = EmulatedCard(personalize())
    with IdCard(EmulatedTransport(card)) as session:
        session.unlock(PIN_REF, PIN)
        start = len(card.transcript)
        read_document(session, None)
    return [names.get(e.command[1], f"{e.command[1]:02x}") for e in card.transcript[start:] if e.command[0] & 0x0C]


CATALOGUE: list[Behaviour] = _catalogue()
BY_NAME: dict[str, Behaviour] = {b.name: b for b in CATALOGUE}


@dataclass
class Outcome:
    """What `idcard read` made of a hostile card: a typed error, or a document with its verdict."""

    error: Exception | None
    document: Document | None
    seconds: float

    @property
    def code(self) -> str | None:
        return getattr(self.error, "code", None)


def play(behaviour: Behaviour, trust: TrustStore | None) -> Outcome:
    """Run `idcard read`'s library path (unlock, read, verify) against the behaviour's card."""
    start = time.perf_counter()
    card = behaviour.card()
    try:
        with IdCard(EmulatedTransport(card)) as session:
            if behaviour.unlock_mrz is not None:
                session.unlock(MRZ, behaviour.unlock_mrz.mrz_information)
            else:
                session.unlock(PIN_REF, PIN)
            document = read_document(session, trust)
    except Exception as exc:  # noqa: BLE001 - the caller judges whether it is typed
        return Outcome(exc, None, time.perf_counter() - start)
    return Outcome(None, document, time.perf_counter() - start)
