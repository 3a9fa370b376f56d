"""The fuzz families: every parser a hostile card, file or portal can reach, with its seeds.

A target takes arbitrary bytes and does what the client does with them:
parse, then use the parsed value (encode it, build the identity, decode the
photo, verify the signature). A typed `CodedError` is the expected way to
refuse; any other exception is a crash. Seeds are the real files in
../shared/vectors and the emulator's demo card.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VECTORS = (ROOT / ".." / "shared" / "vectors").resolve()
AT = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
ORIGIN = "https://portal.example"


@dataclass(frozen=True)
class Family:
    name: str
    what: str
    target: Callable[[bytes], None]
    seeds: Callable[[], list[bytes]]


# -- seeds ---------------------------------------------------------------------------------
def _vector_files(*patterns: str) -> list[bytes]:
    out: list[bytes] = []
    for pattern in patterns:
        out += [p.read_bytes() for p in sorted(VECTORS.glob(pattern)) if p.is_file()]
    return out


@functools.cache
def _demo_image() -> object:
    from mock_card.personalize import personalize

    return personalize()


def _demo_lds() -> dict[int, bytes]:
    return _demo_image().files["lds"]  # type: ignore[attr-defined]


def _lds_by_tag(tag: int) -> list[bytes]:
    files = _vector_files("lds/*/*.bin", "lds/*.bin") + list(_demo_lds().values())
    return [f for f in files if f[:1] == bytes([tag])]


def _demo_dg(number: int) -> bytes:
    from mock_card.filesystem import dg_fid

    return _demo_lds()[dg_fid(number)]


@functools.cache
def _pki() -> object:
    from mock_card.testpki import test_pki

    return test_pki()


def _der(cert: object) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding

    return cert.public_bytes(Encoding.DER)  # type: ignore[attr-defined]


def _certificate_seeds() -> list[bytes]:
    from cryptography import x509

    pems = [x509.load_pem_x509_certificate(p) for p in _vector_files("iran-pki/*.pem")]
    pki = _pki()
    ours = [pki.csca_cert, pki.ds_cert, pki.citizen_ca_cert, pki.root_cert]  # type: ignore[attr-defined]
    image = _demo_image()
    return [_der(c) for c in pems + ours] + _vector_files("lds/*/DS.cer") + list(image.files["pki"].values())  # type: ignore[attr-defined]


def _crl_seeds() -> list[bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import Encoding

    pki = _pki()
    revoked = (
        x509.RevokedCertificateBuilder()
        .serial_number(pki.ds_cert.serial_number)  # type: ignore[attr-defined]
        .revocation_date(dt.datetime(2026, 6, 1))
        .build()
    )
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(pki.csca_cert.subject)  # type: ignore[attr-defined]
        .last_update(dt.datetime(2026, 1, 1))
        .next_update(dt.datetime(2030, 1, 1))
    )
    empty = builder.sign(pki.csca_key, hashes.SHA384())  # type: ignore[attr-defined]
    listing = builder.add_revoked_certificate(revoked).sign(pki.csca_key, hashes.SHA384())  # type: ignore[attr-defined]
    return [c.public_bytes(Encoding.DER) for c in (empty, listing)] + [listing.public_bytes(Encoding.PEM)]


@functools.cache
def _token_seed() -> tuple[bytes, str]:
    from idcard.assertion.builder import build_token
    from idcard.assertion.token import dumps
    from idcard.portal.nonces import new_nonce
    from idcard.session import PIN, IdCard
    from mock_card.card import EmulatedCard
    from reader.emulated import EmulatedTransport

    nonce = new_nonce()
    with IdCard(EmulatedTransport(EmulatedCard(_demo_image()))) as card:  # type: ignore[arg-type]
        card.unlock(PIN, "123456")
        token = build_token(card, ORIGIN, nonce, attributes=["photo"])
    return dumps(token).encode(), nonce


def _handoff_seeds() -> list[bytes]:
    base = {
        "nonce": "q0yX1x5XHqjYD8p9tKd5f0iR9gH3n2k6Wj7Lm8Np0Qs=",
        "attributes": ["name", "photo"],
        "submit": "/login/submit?session=abc",
        "return": "https://portal.example/login/done",
    }
    return [
        json.dumps(base).encode(),
        json.dumps({**base, "submit": "https://portal.example/s", "attributes": []}).encode(),
        json.dumps({**base, "return": "https://xn--fa-hia.example/r"}).encode(),
    ]


@functools.cache
def _sm_keys() -> tuple[bytes, bytes]:
    return bytes(range(16)), bytes(range(16, 32))


def _sm_seeds() -> list[bytes]:
    from idcard.apdu.command import CommandAPDU
    from idcard.apdu.response import ResponseAPDU
    from idcard.protocol.ciphers import AES128
    from idcard.protocol.sm import ChipSecureMessaging, SecureMessaging

    enc, mac = _sm_keys()
    answers = [ResponseAPDU(_demo_dg(1)[:90], 0x9000), ResponseAPDU(b"", 0x9000), ResponseAPDU(b"\x01" * 40, 0x6282)]
    responses = [ChipSecureMessaging(AES128, enc, mac, 0).wrap_response(a).encode() for a in answers]
    commands = [
        SecureMessaging(AES128, enc, mac, 0).wrap(CommandAPDU(0x00, 0xB0, 0x81, 0x00, le=256)).encode(),
        SecureMessaging(AES128, enc, mac, 0).wrap(CommandAPDU(0x00, 0xB1, 0, 0, b"\x54\x02\x80\x00", le=256)).encode(),
    ]
    return responses + commands


# -- targets -------------------------------------------------------------------------------
def _tlv(data: bytes) -> None:
    from idcard.apdu.tlv import encode_tlv, header_length, parse_all

    for item in parse_all(data):
        encode_tlv(item.tag, item.value)
    header_length(data)


def _apdu(data: bytes) -> None:
    from idcard.apdu.atr import supports_extended_length
    from idcard.apdu.command import CommandAPDU
    from idcard.apdu.response import ResponseAPDU, status_error

    response = ResponseAPDU.parse(data)
    status_error(response.sw)
    supports_extended_length(data)
    CommandAPDU.parse(data).encode()


def _sm(data: bytes) -> None:
    """The terminal opening a protected answer and the chip opening a protected command."""
    from idcard.apdu.command import CommandAPDU
    from idcard.apdu.response import ResponseAPDU
    from idcard.errors import IdCardError
    from idcard.protocol.ciphers import AES128
    from idcard.protocol.sm import ChipSecureMessaging, SecureMessaging

    enc, mac = _sm_keys()
    try:
        SecureMessaging(AES128, enc, mac, 0).unwrap(ResponseAPDU.parse(data))
    except IdCardError:
        pass
    ChipSecureMessaging(AES128, enc, mac, 0).unwrap_command(CommandAPDU.parse(data))


def _com(data: bytes) -> None:
    from idcard.lds.com import Com

    com = Com.parse(data)
    com.encode()
    list(com.data_groups)


def _dg1(data: bytes) -> None:
    from idcard.lds import Dg1, Identity

    dg1 = Dg1.parse(data)
    dg1.encode()
    dg1.mrz.check_digits  # noqa: B018 - computing them is the point
    Identity.from_lds(dg1, today=AT.date()).to_json()


def _dg2(data: bytes) -> None:
    """Parse the CBEFF structure and decode the photo, as `idcard read --photo x.png` does."""
    from idcard.lds.dg2 import Dg2

    dg2 = Dg2.parse(data)
    dg2.encode()
    for face in dg2.faces:
        face.to_png()


def _dg11_dg12(data: bytes) -> None:
    from idcard.errors import IdCardError
    from idcard.lds import Dg1, Dg11, Dg12, Identity

    dg1 = Dg1.parse(_demo_dg(1))
    dg11 = dg12 = None
    try:
        dg11 = Dg11.parse(data)
        dg11.encode()
    except IdCardError:
        dg12 = Dg12.parse(data)
        dg12.encode()
    Identity.from_lds(dg1, dg11, dg12, today=AT.date()).to_json()


def _dg15(data: bytes) -> None:
    from idcard.lds.dg15 import Dg15
    from idcard.protocol.active_auth import load_aa_public_key

    Dg15.parse(data).encode()
    key = load_aa_public_key(data)
    key.verify(b"\x00" * 8, b"\x01" * key.signature_length)


def _security_infos(data: bytes) -> None:
    """EF.CardAccess (PACE) and DG14 (CA, AA info), then choosing what to run."""
    from idcard.errors import IdCardError
    from idcard.lds.security_infos import parse_dg14, parse_security_infos
    from idcard.protocol.chip_auth import choose_chip_authentication
    from idcard.protocol.pace.choice import choose_pace_info

    try:
        infos = parse_dg14(data)
    except IdCardError:
        infos = parse_security_infos(data)
    try:
        choose_pace_info(infos)
    except IdCardError:
        pass
    choose_chip_authentication(infos)


@functools.cache
def _csca_store() -> object:
    from idcard.pki.trust import TrustStore

    return TrustStore([_der(_pki().csca_cert)])  # type: ignore[attr-defined]


def _sod(data: bytes) -> None:
    from idcard.lds.sod import Sod
    from idcard.pki.passive import passive_authentication

    Sod.parse(data).encode()
    dgs = {n: _demo_dg(n) for n in (1, 2, 11, 12, 14, 15)}
    passive_authentication(data, dgs, _csca_store(), at=AT)  # type: ignore[arg-type]


def _certificate(data: bytes) -> None:
    from idcard.pki.keys import public_key_from_certificate
    from idcard.pki.trust import CertificateInfo, TrustStore, ds_profile_problem, looks_like_csca

    info = CertificateInfo.from_der(data)
    looks_like_csca(info)
    ds_profile_problem(info)
    info.is_self_issued  # noqa: B018 - the lazy-name property issue 14 found crashing
    public_key_from_certificate(data)
    TrustStore([data])


def _master_list(data: bytes) -> None:
    from idcard.pki.trust import TrustStore

    TrustStore().import_master_list(data, at=AT)


def _crl(data: bytes) -> None:
    from idcard.pki.crl import Crl, check_revocation
    from idcard.pki.trust import CertificateInfo

    crl = Crl.load(data)
    pki = _pki()
    ds = CertificateInfo.from_der(_der(pki.ds_cert))  # type: ignore[attr-defined]
    csca = CertificateInfo.from_der(_der(pki.csca_cert))  # type: ignore[attr-defined]
    check_revocation(ds, [csca], [crl], AT)


@functools.cache
def _token_verifier() -> object:
    from idcard.pki.trust import TrustStore
    from idcard.portal import TokenVerifier

    cas = TrustStore([_der(_pki().citizen_ca_cert)])  # type: ignore[attr-defined]
    return TokenVerifier(cas, csca=_csca_store())  # type: ignore[arg-type]


def _token(data: bytes) -> None:
    _, nonce = _token_seed()
    _token_verifier().verify(data, origin=ORIGIN, nonce=nonce, requested_attributes=["photo"])  # type: ignore[attr-defined]


def _handoff(data: bytes) -> None:
    """The app checking a portal's request JSON, as fetched from the request URL."""
    import httpx

    from idcard.handoff.request import UrlPolicy, parse_request

    try:
        body = json.loads(data)
    except ValueError:  # the app's fetch refuses non-JSON before parse_request
        return
    parse_request(httpx.URL("https://portal.example/login/request?id=1"), body, UrlPolicy())


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("tlv", "BER-TLV parse/encode, header lengths", _tlv, lambda: list(_demo_lds().values())[:6]),
        Family("apdu", "response/command APDUs, status words, ATR", _apdu,
               lambda: [b"\x90\x00", b"\x6a\x82", bytes.fromhex("3B85800180730000C037"),
                        bytes.fromhex("00B0810000"), bytes.fromhex("00B1000000000454028000FFFF")]),
        Family("sm", "secure-messaging unwrap (terminal and chip side)", _sm, _sm_seeds),
        Family("ef_com", "EF.COM", _com, lambda: _lds_by_tag(0x60)),
        Family("dg1", "DG1 / MRZ / identity", _dg1, lambda: _lds_by_tag(0x61)),
        Family("dg2", "DG2 CBEFF + JPEG/JPEG 2000 decoding", _dg2, lambda: _lds_by_tag(0x75)),
        Family("dg11_dg12", "DG11/DG12 + Solar Hijri dates + identity", _dg11_dg12,
               lambda: _lds_by_tag(0x6B) + _lds_by_tag(0x6C)),
        Family("dg15", "DG15 AA public keys", _dg15, lambda: _lds_by_tag(0x6F)),
        Family("security_infos", "SecurityInfos: DG14, EF.CardAccess/CardSecurity", _security_infos,
               lambda: _lds_by_tag(0x6E) + _vector_files("npa-example/*/ef_card*")
               + [_demo_image().files["mf"][0x011C]]),  # type: ignore[attr-defined]
        Family("sod", "EF.SOD + passive authentication", _sod, lambda: _lds_by_tag(0x77)),
        Family("certificate", "X.509 certificates (DS, CSCA, citizen, G3)", _certificate, _certificate_seeds),
        Family("master_list", "CSCA master lists", _master_list, lambda: _vector_files("trust/*.ml")),
        Family("crl", "CRLs + revocation check", _crl, _crl_seeds),
        Family("token_json", "web-eid token JSON at the portal", _token, lambda: [_token_seed()[0]]),
        Family("handoff_request", "hand-off request JSON from a portal", _handoff, _handoff_seeds),
    )
}
