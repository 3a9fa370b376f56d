"""The PKI application: citizen certificates, the authentication and signing keys, CMS signing.

Card side (mock_card: EF.AuthCert/EF.SignCert, INTERNAL AUTHENTICATE 81, PSO:CDS with PIN2)
and client side (IdCard.read_*_certificate, authenticate_digest, sign_digest,
idcard.signing.sign_detached) against each other, in process.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from asn1crypto import cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from idcard.apdu.command import CommandAPDU
from idcard.errors import CardStatusError, PinError, UnsupportedCardError, UsageError
from idcard.session import CAN, PIN, PKI_AID, IdCard
from idcard.signing import der_signature, sign_detached, signed_attributes
from mock_card.card import EmulatedCard
from mock_card.image import PROFILE_PASSPORT_BAC, CardImage
from mock_card.personalize import DEMO_CITIZEN, FID_AUTH_CERT, FID_SIGN_CERT, personalize
from mock_card.testpki import (
    CITIZEN_NOT_AFTER,
    CITIZEN_NOT_BEFORE,
    derive_citizen_keys,
    issue_citizen_certificates,
    rogue_citizen_ca,
    test_pki,
)
from reader.emulated import EmulatedTransport

DIGEST = hashlib.sha384(b"H(origin) || H(nonce)").digest()
UTC = dt.UTC


def new_card(**options: object) -> EmulatedCard:
    return EmulatedCard(personalize(**options))  # type: ignore[arg-type]


def session(card: EmulatedCard, ref: str | None = PIN) -> IdCard:
    s = IdCard(EmulatedTransport(card))
    if ref == PIN:
        s.unlock(PIN, "123456")
    elif ref == CAN:
        s.unlock(CAN, "123456")
    return s


def verify_raw(cert_der: bytes, raw: bytes, digest: bytes = DIGEST) -> None:
    """Raise InvalidSignature unless raw r||s is the certificate key's signature over `digest`."""
    key = x509.load_der_x509_certificate(cert_der).public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    half = len(raw) // 2
    der = encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big"))
    key.verify(der, digest, ec.ECDSA(Prehashed(hashes.SHA384())))


def raw_apdu(s: IdCard, ins: int, p1: int, p2: int, data: bytes = b"", le: int | None = 0x100) -> int:
    return s._channel.send(CommandAPDU(0x00, ins, p1, p2, data, le=le)).sw


# --- certificates --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certs() -> tuple[x509.Certificate, x509.Certificate]:
    s = session(new_card(), CAN)  # any PACE reads the certificates
    auth = x509.load_der_x509_certificate(s.read_auth_certificate())
    sign = x509.load_der_x509_certificate(s.read_sign_certificate())
    return auth, sign


def test_certificates_name_the_citizen(certs: tuple[x509.Certificate, x509.Certificate]) -> None:
    for cert in certs:
        subject = cert.subject
        assert [a.oid for a in subject] == [
            NameOID.COUNTRY_NAME,
            NameOID.SURNAME,
            NameOID.GIVEN_NAME,
            NameOID.COMMON_NAME,
            NameOID.SERIAL_NUMBER,
        ]
        values = {a.oid: a.value for a in subject}
        assert values[NameOID.COUNTRY_NAME] == "IR"
        assert values[NameOID.SURNAME] == "REZAEI"
        assert values[NameOID.GIVEN_NAME] == "SARA"
        assert values[NameOID.COMMON_NAME] == "REZAEI,SARA,0012345679"
        assert values[NameOID.SERIAL_NUMBER] == "PNOIR-0012345679"
        assert cert.issuer.rfc4514_string() == "CN=IR NID CITIZEN CA TEST,C=IR"
        assert cert.not_valid_before_utc == CITIZEN_NOT_BEFORE == dt.datetime(2026, 1, 15, tzinfo=UTC)
        assert cert.not_valid_after_utc == CITIZEN_NOT_AFTER
        assert cert.not_valid_after_utc.date() == dt.date(2036, 1, 14)
        key = cert.public_key()
        assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp384r1"
        assert cert.signature_hash_algorithm.name == "sha384"  # type: ignore[union-attr]
        assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
        cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
    auth, sign = certs
    assert auth.serial_number != sign.serial_number
    assert auth.public_key() != sign.public_key()


def test_auth_certificate_usage(certs: tuple[x509.Certificate, x509.Certificate]) -> None:
    auth = certs[0]
    ku = auth.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical
    assert ku.value.digital_signature and not ku.value.content_commitment
    assert not ku.value.key_cert_sign
    eku = auth.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]


def test_sign_certificate_usage(certs: tuple[x509.Certificate, x509.Certificate]) -> None:
    sign = certs[1]
    ku = sign.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical
    assert ku.value.content_commitment and not ku.value.digital_signature
    with pytest.raises(x509.ExtensionNotFound):  # no EKU: nonRepudiation is the restriction
        sign.extensions.get_extension_for_class(x509.ExtendedKeyUsage)


def test_certificates_chain_to_citizen_ca_and_root(certs: tuple[x509.Certificate, x509.Certificate]) -> None:
    pki = test_pki(1)
    ca_ski = pki.citizen_ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    for cert in certs:
        cert.verify_directly_issued_by(pki.citizen_ca_cert)
        aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
        assert aki.key_identifier == ca_ski.digest
    pki.citizen_ca_cert.verify_directly_issued_by(pki.root_cert)
    pki.root_cert.verify_directly_issued_by(pki.root_cert)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_openssl_accepts_the_chain_for_each_purpose(
    certs: tuple[x509.Certificate, x509.Certificate], tmp_path: Path
) -> None:
    pki = test_pki(1)
    pem = serialization.Encoding.PEM
    (tmp_path / "root.pem").write_bytes(pki.root_cert.public_bytes(pem))
    (tmp_path / "ca.pem").write_bytes(pki.citizen_ca_cert.public_bytes(pem))
    (tmp_path / "auth.pem").write_bytes(certs[0].public_bytes(pem))
    (tmp_path / "sign.pem").write_bytes(certs[1].public_bytes(pem))
    at = str(int(dt.datetime(2026, 6, 1, tzinfo=UTC).timestamp()))

    def verify(purpose: str, name: str) -> int:
        return subprocess.run(
            ["openssl", "verify", "-x509_strict", "-attime", at, "-purpose", purpose,
             "-CAfile", "root.pem", "-untrusted", "ca.pem", name],
            cwd=tmp_path, capture_output=True, text=True,
        ).returncode

    assert verify("sslclient", "auth.pem") == 0
    assert verify("smimesign", "sign.pem") == 0
    assert verify("sslclient", "sign.pem") != 0  # nonRepudiation only: no TLS client auth
    assert verify("smimesign", "auth.pem") != 0  # EKU clientAuth only: no S/MIME


def test_certificate_keys_are_the_cards_keys(certs: tuple[x509.Certificate, x509.Certificate]) -> None:
    auth_key, sign_key = derive_citizen_keys(1)
    assert certs[0].public_key() == auth_key.public_key()
    assert certs[1].public_key() == sign_key.public_key()
    image = personalize()
    for name, key in (("auth", auth_key), ("sign", sign_key)):
        loaded = serialization.load_der_private_key(bytes.fromhex(image.keys[name]), None)  # type: ignore[arg-type]
        assert loaded.private_numbers() == key.private_numbers()  # type: ignore[union-attr]


def test_personalisation_is_deterministic_and_seeded() -> None:
    one, again, other = personalize(), personalize(), personalize(seed=2)
    assert one.files["pki"] == again.files["pki"]
    assert one.keys["auth"] == again.keys["auth"] and one.keys["sign"] == again.keys["sign"]
    assert set(one.files["pki"]) == {FID_AUTH_CERT, FID_SIGN_CERT}
    assert other.files["pki"][FID_AUTH_CERT] != one.files["pki"][FID_AUTH_CERT]
    assert other.keys["auth"] != one.keys["auth"]


def test_issue_citizen_certificates_for_another_citizen() -> None:
    pki = test_pki(1)
    auth_key, sign_key = derive_citizen_keys(7)
    auth, sign = issue_citizen_certificates(
        pki,
        national_code="0499370899",
        family_name="Ahmadi",
        given_name="Ali",
        auth_public_key=auth_key.public_key(),
        sign_public_key=sign_key.public_key(),
        not_before=dt.datetime(2025, 3, 1, tzinfo=UTC),
        not_after=dt.datetime(2035, 3, 1, tzinfo=UTC),
    )
    assert auth.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "AHMADI,ALI,0499370899"
    assert auth.subject.get_attributes_for_oid(NameOID.SURNAME)[0].value == "Ahmadi"
    assert sign.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == "PNOIR-0499370899"
    assert auth.not_valid_before_utc == dt.datetime(2025, 3, 1, tzinfo=UTC)
    again = issue_citizen_certificates(
        pki,
        national_code="0499370899",
        family_name="Ahmadi",
        given_name="Ali",
        auth_public_key=auth_key.public_key(),
        sign_public_key=sign_key.public_key(),
        not_before=dt.datetime(2025, 3, 1, tzinfo=UTC),
        not_after=dt.datetime(2035, 3, 1, tzinfo=UTC),
    )
    assert again[0].public_bytes(serialization.Encoding.DER) == auth.public_bytes(serialization.Encoding.DER)
    assert again[1].public_bytes(serialization.Encoding.DER) == sign.public_bytes(serialization.Encoding.DER)


def test_untrusted_citizen_ca_variant_does_not_chain() -> None:
    image = personalize(variant="untrusted-citizen-ca")
    pki = test_pki(1)
    rogue, _ = rogue_citizen_ca(pki)
    assert rogue.subject == pki.citizen_ca_cert.subject
    for fid in (FID_AUTH_CERT, FID_SIGN_CERT):
        cert = x509.load_der_x509_certificate(image.files["pki"][fid])
        assert cert.issuer == pki.citizen_ca_cert.subject  # a lookup by name finds the real CA...
        with pytest.raises(InvalidSignature):  # ...whose key did not sign it
            cert.verify_directly_issued_by(pki.citizen_ca_cert)
        cert.verify_directly_issued_by(rogue)
    # The LDS side of that card is genuine.
    assert image.files["lds"] == personalize().files["lds"]


def test_certificates_need_a_secure_channel() -> None:
    card = new_card()
    s = session(card, None)
    with pytest.raises(UsageError):
        s.read_auth_certificate()
    # A plain SELECT + READ BINARY is refused by the card itself.
    s._channel.send_checked(CommandAPDU(0x00, 0xA4, 0x04, 0x0C, PKI_AID))
    s._channel.send_checked(CommandAPDU(0x00, 0xA4, 0x02, 0x0C, FID_AUTH_CERT.to_bytes(2, "big")))
    assert raw_apdu(s, 0xB0, 0x00, 0x00) == 0x6982


def test_certificates_read_with_short_apdus() -> None:
    card = new_card(extended_length=False)
    s = session(card, CAN)
    assert s.read_auth_certificate() == card.image.files["pki"][FID_AUTH_CERT]
    assert s.read_sign_certificate() == card.image.files["pki"][FID_SIGN_CERT]
    # And the LDS is still read correctly after the PKI application was selected.
    assert s.read_dg(1) == card.image.files["lds"][0x0101]


def test_a_passport_has_no_pki_application() -> None:
    card = EmulatedCard(personalize(profile=PROFILE_PASSPORT_BAC))
    s = IdCard(EmulatedTransport(card))
    s.unlock_bac(DEMO_CITIZEN.mrz_information)
    with pytest.raises(UnsupportedCardError) as info:
        s.read_auth_certificate()
    assert info.value.code == "card.no_pki"


def test_card_file_round_trip_keeps_the_pki_application(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "card.json"
    personalize().save(path)
    card = EmulatedCard(CardImage.load(path))
    s = session(card, PIN)
    verify_raw(s.read_auth_certificate(), s.authenticate_digest(DIGEST))


# --- authentication key (INTERNAL AUTHENTICATE 81) -------------------------------------------


def test_authenticate_digest_after_pace_pin() -> None:
    card = new_card()
    s = session(card, PIN)
    raw = s.authenticate_digest(DIGEST)
    assert len(raw) == 96
    cert = s.read_auth_certificate()
    verify_raw(cert, raw)
    with pytest.raises(InvalidSignature):
        verify_raw(s.read_sign_certificate(), raw)  # not the signing key
    with pytest.raises(InvalidSignature):
        verify_raw(cert, raw, hashlib.sha384(b"something else").digest())
    # Any number of authentications in the PIN session, and the APDU went out under SM.
    verify_raw(cert, s.authenticate_digest(DIGEST))
    sent = [entry.command[:4].hex() for entry in card.transcript]
    assert "0c880081" in sent


def test_authenticate_digest_needs_pace_pin() -> None:
    s = session(new_card(), CAN)
    with pytest.raises(UsageError):
        s.authenticate_digest(DIGEST)
    # The card refuses on its own, too: 6982 under SM after PACE-CAN.
    s.select(PKI_AID)
    assert raw_apdu(s, 0x88, 0x00, 0x81, DIGEST) == 0x6982
    with pytest.raises(CardStatusError) as info:
        s._channel.send_checked(CommandAPDU(0x00, 0x88, 0x00, 0x81, DIGEST, le=0x100))
    assert info.value.sw == 0x6982 and info.value.code == "card.access_denied"
    with pytest.raises(UsageError):
        session(new_card(), None).authenticate_digest(DIGEST)


def test_authenticate_digest_refused_in_the_clear() -> None:
    card = new_card()
    s = session(card, PIN)
    s._channel.close_secure_channel()  # a plain command ends SM on the card too
    assert raw_apdu(s, 0x88, 0x00, 0x81, DIGEST) == 0x6982
    assert card._s.pins.authenticated is None


def test_authenticate_digest_length_checks() -> None:
    s = session(new_card(), PIN)
    for bad in (DIGEST[:32], DIGEST + b"\x00", b""):
        with pytest.raises(UsageError):
            s.authenticate_digest(bad)
    s.select(PKI_AID)
    assert raw_apdu(s, 0x88, 0x00, 0x81, DIGEST[:32]) == 0x6700
    assert raw_apdu(s, 0x88, 0x00, 0x81, hashlib.sha512(b"x").digest()) == 0x6700
    assert raw_apdu(s, 0x88, 0x00, 0x81, DIGEST, le=None) == 0x6700
    assert raw_apdu(s, 0x88, 0x01, 0x81, DIGEST) == 0x6A86
    assert raw_apdu(s, 0x88, 0x00, 0x83, DIGEST) == 0x6A88


def test_active_authentication_still_answers_p2_00() -> None:
    s = session(new_card(), PIN)
    s.select(bytes.fromhex("A0000002471001"))
    response = s._channel.send(CommandAPDU(0x00, 0x88, 0x00, 0x00, b"\x01" * 8, le=0x100))
    assert response.sw == 0x9000 and len(response.data) == 64  # P-256 AA key


# --- signing key (PSO: COMPUTE DIGITAL SIGNATURE) --------------------------------------------


def test_sign_digest_after_pin2_once_per_verification() -> None:
    card = new_card()
    s = session(card, CAN)
    cert = s.read_sign_certificate()
    raw = s.sign_digest(DIGEST, "12345")
    assert len(raw) == 96
    verify_raw(cert, raw)
    with pytest.raises(InvalidSignature):
        verify_raw(s.read_auth_certificate(), raw)
    # The verification is spent: a second PSO is refused until PIN2 is verified again.
    assert raw_apdu(s, 0x2A, 0x9E, 0x9A, DIGEST) == 0x6982
    other = hashlib.sha384(b"second document").digest()
    verify_raw(cert, s.sign_digest(other, "12345"), other)
    assert card.image.counters.pin2_tries == 3


def test_pso_needs_pin2_and_secure_messaging() -> None:
    card = new_card()
    s = session(card, PIN)  # even PACE-PIN does not replace PIN2
    s.select(PKI_AID)
    assert raw_apdu(s, 0x2A, 0x9E, 0x9A, DIGEST) == 0x6982
    s.verify_signature_pin("12345")
    assert raw_apdu(s, 0x2A, 0x9E, 0x9A, DIGEST[:20]) == 0x6700  # does not spend the verification
    assert raw_apdu(s, 0x2A, 0x9E, 0x9A, DIGEST, le=None) == 0x6700
    assert raw_apdu(s, 0x2A, 0x9E, 0x9B, DIGEST) == 0x6A86
    response = s._channel.send(CommandAPDU(0x00, 0x2A, 0x9E, 0x9A, DIGEST, le=0x100))
    assert response.sw == 0x9000
    verify_raw(s.read_sign_certificate(), response.data)
    # PIN2 verified, then the channel is dropped: the plain PSO is refused.
    s.verify_signature_pin("12345")
    s._channel.close_secure_channel()
    assert raw_apdu(s, 0x2A, 0x9E, 0x9A, DIGEST) == 0x6982


def test_a_new_pace_forgets_the_pin2_verification() -> None:
    card = new_card()
    s = session(card, CAN)
    s.verify_signature_pin("12345")
    s.unlock(CAN, "123456")
    s.select(PKI_AID)
    assert raw_apdu(s, 0x2A, 0x9E, 0x9A, DIGEST) == 0x6982


def test_wrong_pin2_counts_down_and_signs_nothing() -> None:
    card = new_card()
    s = session(card, CAN)
    for left in (2, 1):
        with pytest.raises(PinError) as info:
            s.sign_digest(DIGEST, "54321")
        assert info.value.code == "pin2.wrong" and info.value.tries_left == left
        assert f"{left} tr" in info.value.message and "54321" not in info.value.message
        assert card.image.counters.pin2_tries == left
    assert not [e for e in card.transcript if e.command[1] == 0x2A]  # no PSO was ever sent
    # The right PIN2 resets the counter.
    verify_raw(s.read_sign_certificate(), s.sign_digest(DIGEST, "12345"))
    assert card.image.counters.pin2_tries == 3
    for _ in range(3):
        with pytest.raises(PinError):
            s.sign_digest(DIGEST, "54321")
    with pytest.raises(PinError) as info:
        s.sign_digest(DIGEST, "12345")
    assert info.value.code == "pin2.blocked" and info.value.tries_left == 0


def test_sign_digest_usage_errors() -> None:
    s = session(new_card(), None)
    with pytest.raises(UsageError):
        s.sign_digest(DIGEST, "12345")  # no channel
    s.unlock(CAN, "123456")
    with pytest.raises(UsageError):
        s.sign_digest(DIGEST[:47], "12345")
    with pytest.raises(UsageError):
        s.sign_digest(DIGEST, "12a45")


def test_card_without_pki_keys_answers_6a88() -> None:
    image = personalize()
    image.keys = {k: v for k, v in image.keys.items() if k not in ("auth", "sign")}
    s = session(EmulatedCard(image), PIN)
    with pytest.raises(CardStatusError):
        s.authenticate_digest(DIGEST)
    s.verify_signature_pin("12345")
    assert raw_apdu(s, 0x2A, 0x9E, 0x9A, DIGEST) == 0x6A88


def test_signing_with_short_apdus() -> None:
    s = session(new_card(extended_length=False), PIN)
    verify_raw(s.read_sign_certificate(), s.sign_digest(DIGEST, "12345"))
    verify_raw(s.read_auth_certificate(), s.authenticate_digest(DIGEST))


# --- detached CMS ------------------------------------------------------------------------


def test_sign_detached_structure() -> None:
    card = new_card()
    s = session(card, CAN)
    data = b"%PDF-1.7\r\n\x00\xff binary \xe2\x80\x8c\n"
    when = dt.datetime(2026, 11, 2, 10, 30, 15, 123456, tzinfo=UTC)
    der = sign_detached(s, data, "12345", signing_time=when)
    info = cms.ContentInfo.load(der)
    assert info["content_type"].native == "signed_data"
    signed = info["content"]
    assert signed["version"].native == "v1"
    assert signed["encap_content_info"]["content_type"].native == "data"
    assert signed["encap_content_info"]["content"].native is None  # detached
    assert [a["algorithm"].native for a in signed["digest_algorithms"]] == ["sha384"]
    certs = signed["certificates"]
    assert len(certs) == 1 and certs[0].chosen.dump() == card.image.files["pki"][FID_SIGN_CERT]
    (signer,) = signed["signer_infos"]
    assert signer["sid"].chosen["serial_number"].native == certs[0].chosen.serial_number
    assert signer["digest_algorithm"]["algorithm"].native == "sha384"
    assert signer["signature_algorithm"]["algorithm"].native == "sha384_ecdsa"
    assert signer["signature_algorithm"]["parameters"].native is None
    attrs = {a["type"].native: a["values"].native for a in signer["signed_attrs"]}
    assert attrs == {
        "content_type": ["data"],
        "signing_time": [dt.datetime(2026, 11, 2, 10, 30, 15, tzinfo=UTC)],
        "message_digest": [hashlib.sha384(data).digest()],
    }
    # The signature covers the DER SET OF the signed attributes.
    to_be_signed = signer["signed_attrs"].untag().dump(force=True)
    assert to_be_signed == signed_attributes(hashlib.sha384(data).digest(), when).dump()
    key = x509.load_der_x509_certificate(card.image.files["pki"][FID_SIGN_CERT]).public_key()
    key.verify(signer["signature"].native, to_be_signed, ec.ECDSA(hashes.SHA384()))  # type: ignore[call-arg,arg-type]


def test_sign_detached_wrong_pin2_produces_nothing() -> None:
    card = new_card()
    s = session(card, CAN)
    with pytest.raises(PinError) as info:
        sign_detached(s, b"data", "99999")
    assert info.value.code == "pin2.wrong" and info.value.tries_left == 2


def test_sign_detached_default_time_and_naive_time() -> None:
    s = session(new_card(), CAN)
    before = dt.datetime.now(UTC).replace(microsecond=0)
    der = sign_detached(s, b"x", "12345")
    signer = cms.ContentInfo.load(der)["content"]["signer_infos"][0]
    when = {a["type"].native: a["values"][0].native for a in signer["signed_attrs"]}["signing_time"]
    assert before <= when <= dt.datetime.now(UTC)
    der = sign_detached(s, b"x", "12345", signing_time=dt.datetime(2026, 5, 1, 12, 0))
    signer = cms.ContentInfo.load(der)["content"]["signer_infos"][0]
    when = {a["type"].native: a["values"][0].native for a in signer["signed_attrs"]}["signing_time"]
    assert when == dt.datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_der_signature_from_raw() -> None:
    raw = (1).to_bytes(48, "big") + (2**383).to_bytes(48, "big")
    assert der_signature(raw) == encode_dss_signature(1, 2**383)
