"""The token a card hands to a portal: messages, AA challenge, origins, token shape (assertion.md)."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from idcard.assertion import (
    AuthToken,
    Evidence,
    SoftwareSigner,
    TokenFormatError,
    aa_challenge,
    build_token,
    build_token_with_signer,
    normalize_attributes,
    normalize_origin,
    origin_of_url,
    signed_message,
)
from idcard.assertion.messages import data_groups_for, hash_for_algorithm, validate_nonce
from idcard.errors import CardStatusError, UsageError
from idcard.protocol.active_auth import verify_active_auth_signature
from idcard.protocol.pace.oids import PasswordRef
from idcard.session import PIN, IdCard
from mock_card.card import EmulatedCard
from mock_card.personalize import personalize
from mock_card.testpki import derive_citizen_keys
from reader.emulated import EmulatedTransport

ORIGIN = "https://portal.example"
NONCE = "q0yX1x5XHqjYD8p9tKd5f0iR9gH3n2k6Wj7Lm8Np0Qs="


# --- messages --------------------------------------------------------------------------


def test_signed_message_is_hash_of_origin_then_hash_of_nonce() -> None:
    for name, size in (("sha256", 32), ("sha384", 48), ("sha512", 64)):
        message = signed_message(ORIGIN, NONCE, name)
        assert len(message) == 2 * size
        assert message[:size] == hashlib.new(name, ORIGIN.encode()).digest()
        assert message[size:] == hashlib.new(name, NONCE.encode()).digest()
    assert signed_message(ORIGIN, NONCE) == signed_message(ORIGIN, NONCE, "sha384")
    with pytest.raises(UsageError):
        signed_message(ORIGIN, NONCE, "sha1")


def test_hash_follows_the_algorithm() -> None:
    assert [hash_for_algorithm(a) for a in ("ES256", "RS256", "PS256")] == ["sha256"] * 3
    assert [hash_for_algorithm(a) for a in ("ES384", "RS384", "PS384")] == ["sha384"] * 3
    assert [hash_for_algorithm(a) for a in ("ES512", "RS512", "PS512")] == ["sha512"] * 3
    for bad in ("HS256", "none", "es384", ""):
        with pytest.raises(UsageError):
            hash_for_algorithm(bad)


def test_aa_challenge_binds_origin_and_nonce() -> None:
    expected = hashlib.sha256(
        hashlib.sha256(ORIGIN.encode()).digest() + hashlib.sha256(NONCE.encode()).digest()
    ).digest()[:8]
    assert aa_challenge(ORIGIN, NONCE) == expected
    # A fixed vector, so a change of the rule cannot go unnoticed.
    assert aa_challenge("https://example.com", "AAAA") == bytes.fromhex("be5384bbebcad9cc")
    assert len(aa_challenge(ORIGIN, NONCE)) == 8
    assert aa_challenge("https://evil.example", NONCE) != aa_challenge(ORIGIN, NONCE)
    assert aa_challenge(ORIGIN, NONCE + "x") != aa_challenge(ORIGIN, NONCE)


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("https://portal.example", "https://portal.example"),
        ("HTTPS://Portal.Example", "https://portal.example"),
        ("https://portal.example:443", "https://portal.example"),
        ("https://portal.example:8443", "https://portal.example:8443"),
        ("https://sub.portal.example:1", "https://sub.portal.example:1"),
        ("https://[::1]:8443", "https://[::1]:8443"),
        ("https://[0:0:0:0:0:0:0:1]", "https://[::1]"),
        ("https://10.0.0.1", "https://10.0.0.1"),
        ("https://ثبت.ایران", "https://xn--ngbeb.xn--mgba3a4f16a"),
    ],
)
def test_origin_normalisation(given: str, canonical: str) -> None:
    assert normalize_origin(given) == canonical
    assert normalize_origin(canonical) == canonical


@pytest.mark.parametrize(
    "bad",
    [
        "https://portal.example/",  # trailing slash
        "https://portal.example/login",  # path
        "https://portal.example?x=1",
        "https://portal.example?",
        "https://portal.example#top",
        "https://user:pw@portal.example",
        "https://user@portal.example",
        "http://portal.example",  # not https
        "ftp://portal.example",
        "portal.example",
        "https://",
        "https://portal.example:",
        "https://portal.example:99999",
        "https://portal.example:0",
        "https://portal.example:x",
        "https://por tal.example",
        "https://portal.example\n",
        "https://portal..example",
        "https://-portal.example",
        "https://portal.example.",
        "https://[::1",
        "",
        "http://localhost:8000",  # loopback http only when allowed
    ],
)
def test_origin_rejects_anything_but_https_host_port(bad: str) -> None:
    with pytest.raises(UsageError):
        normalize_origin(bad)


def test_http_only_for_loopback_in_development() -> None:
    for url in ("http://localhost:8000", "http://127.0.0.1:8000", "http://[::1]:8000"):
        assert normalize_origin(url, allow_http_loopback=True) == url
    assert normalize_origin("http://127.0.0.1:80", allow_http_loopback=True) == "http://127.0.0.1"
    for url in ("http://portal.example", "http://10.0.0.1:8000", "http://localhost.evil.example"):
        with pytest.raises(UsageError):
            normalize_origin(url, allow_http_loopback=True)


def test_origin_of_url_drops_path_query_fragment() -> None:
    assert (
        origin_of_url("https://Portal.example:443/idcard/request?x=1#f") == "https://portal.example"
    )
    assert origin_of_url("https://portal.example:8443/") == "https://portal.example:8443"
    with pytest.raises(UsageError):
        origin_of_url("http://portal.example/request")
    with pytest.raises(UsageError):
        origin_of_url("https://user@portal.example/")


def test_nonce_validation() -> None:
    assert validate_nonce(NONCE) == NONCE
    for bad in ("", "a b", "x" * 513, "abc\n", "ü"):
        with pytest.raises(UsageError):
            validate_nonce(bad)


def test_attributes_vocabulary_and_data_groups() -> None:
    assert normalize_attributes(["photo", "name", "name"]) == ["name", "photo"]
    assert normalize_attributes([]) == []
    with pytest.raises(UsageError):
        normalize_attributes(["address"])
    with pytest.raises(UsageError):
        normalize_attributes("name")  # type: ignore[arg-type]
    assert data_groups_for([]) == [1, 11, 15]
    assert data_groups_for(["name", "nationalCode", "birthDate"]) == [1, 11, 15]
    assert data_groups_for(["photo"]) == [1, 2, 11, 15]


# --- token shape -------------------------------------------------------------------------


def _card(**overrides: object) -> IdCard:
    card = IdCard(EmulatedTransport(EmulatedCard(personalize(**overrides))))  # type: ignore[arg-type]
    card.unlock(PIN, "123456")
    return card


@pytest.fixture(scope="module")
def card_token() -> tuple[dict[str, object], IdCard]:
    card = _card()
    return build_token(card, ORIGIN, NONCE, attributes=["name"]), card


def test_token_has_exactly_the_documented_members(
    card_token: tuple[dict[str, object], IdCard],
) -> None:
    token, _ = card_token
    assert set(token) == {
        "format",
        "unverifiedCertificate",
        "algorithm",
        "signature",
        "appVersion",
        "idcardEvidence",
    }
    assert token["format"] == "web-eid:1.0"
    assert token["algorithm"] == "ES384"
    assert str(token["appVersion"]).startswith("https://") and "/releases/" in str(
        token["appVersion"]
    )
    evidence = token["idcardEvidence"]
    assert isinstance(evidence, dict)
    assert set(evidence) == {"version", "sod", "dataGroups", "activeAuthentication"}
    assert evidence["version"] == 1
    assert set(evidence["dataGroups"]) == {"1", "11", "15"}  # no photo unless asked
    for value in [
        token["unverifiedCertificate"],
        token["signature"],
        evidence["sod"],
        *evidence["dataGroups"].values(),
    ]:
        assert base64.b64decode(value, validate=True)
    # It is JSON, and reads back into the same token.
    again = json.loads(json.dumps(token))
    assert AuthToken.from_json(again).to_json() == token


def test_card_signature_and_aa_verify_independently(
    card_token: tuple[dict[str, object], IdCard],
) -> None:
    token, card = card_token
    der = base64.b64decode(str(token["unverifiedCertificate"]))
    assert der == card.read_auth_certificate()
    cert = x509.load_der_x509_certificate(der)
    signature = base64.b64decode(str(token["signature"]))
    assert len(signature) == 96  # raw r||s on P-384
    r, s = int.from_bytes(signature[:48], "big"), int.from_bytes(signature[48:], "big")
    public = cert.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    # ECDSA over SHA-384(SHA-384(origin) || SHA-384(nonce)), checked with plain `cryptography`.
    public.verify(
        encode_dss_signature(r, s),
        signed_message(ORIGIN, NONCE, "sha384"),
        ec.ECDSA(hashes.SHA384()),
    )
    evidence = token["idcardEvidence"]
    assert isinstance(evidence, dict)
    dg15 = base64.b64decode(evidence["dataGroups"]["15"])
    aa = base64.b64decode(evidence["activeAuthentication"])
    assert verify_active_auth_signature(dg15, aa_challenge(ORIGIN, NONCE), aa)
    assert not verify_active_auth_signature(dg15, aa_challenge("https://evil.example", NONCE), aa)


def test_photo_only_when_consented() -> None:
    card = _card()
    with_photo = build_token(card, ORIGIN, NONCE, attributes=["photo"])
    assert set(with_photo["idcardEvidence"]["dataGroups"]) == {"1", "2", "11", "15"}  # type: ignore[index]
    plain = build_token(card, ORIGIN, NONCE, evidence=False)
    assert "idcardEvidence" not in plain


def test_builder_refuses_bad_input_before_signing() -> None:
    card = _card()
    before = card.stats.apdus
    for origin, nonce, attributes in (
        ("https://portal.example/", NONCE, ()),
        ("http://portal.example", NONCE, ()),
        (ORIGIN, "", ()),
        (ORIGIN, NONCE, ("address",)),
    ):
        with pytest.raises(UsageError):
            build_token(card, origin, nonce, attributes=attributes)
    assert card.stats.apdus == before


def test_card_must_be_unlocked_with_the_pin() -> None:
    card = IdCard(EmulatedTransport(EmulatedCard(personalize())))
    card.unlock(PasswordRef.CAN, "123456")
    with pytest.raises(UsageError):
        build_token(card, ORIGIN, NONCE)


def test_internal_authenticate_returns_raw_signature_or_raises_status() -> None:
    card = _card()
    dg15 = card.read_dg(15)
    challenge = bytes(range(8))
    signature = card.internal_authenticate(challenge)
    assert len(signature) == 64  # P-256 r||s
    assert verify_active_auth_signature(dg15, challenge, signature)
    with pytest.raises(UsageError):
        card.internal_authenticate(b"short")
    plain = IdCard(EmulatedTransport(EmulatedCard(personalize())))  # no secure channel: 6982
    with pytest.raises(CardStatusError) as info:
        plain.internal_authenticate(challenge)
    assert info.value.sw == 0x6982


def test_software_signer_token_round_trip() -> None:
    auth_key, _ = derive_citizen_keys(1)
    card = _card()
    signer = SoftwareSigner(auth_key, card.read_auth_certificate())
    assert signer.algorithm == "ES384" and "key" not in repr(signer).lower()
    token = build_token_with_signer(signer, "https://Portal.Example:443", NONCE)
    # The token is made for the canonical origin.
    cert = x509.load_der_x509_certificate(base64.b64decode(str(token["unverifiedCertificate"])))
    raw = base64.b64decode(str(token["signature"]))
    r, s = int.from_bytes(raw[:48], "big"), int.from_bytes(raw[48:], "big")
    cert.public_key().verify(  # type: ignore[call-arg, union-attr]
        encode_dss_signature(r, s),
        signed_message(ORIGIN, NONCE),
        ec.ECDSA(hashes.SHA384()),  # type: ignore[arg-type]
    )
    with pytest.raises(UsageError):
        SoftwareSigner(auth_key, b"", "RS256").sign_digest(b"\0" * 32)


@pytest.mark.parametrize(
    "broken",
    [
        [],
        {"format": "web-eid:1.0"},
        {
            "format": "web-eid:1.0",
            "algorithm": "ES384",
            "signature": "AA==",
            "unverifiedCertificate": "not base64!",
        },
        {
            "format": "web-eid:1.0",
            "algorithm": "ES384",
            "signature": "AA",
            "unverifiedCertificate": "AA==",
        },
        {
            "format": "web-eid:1.0",
            "algorithm": 5,
            "signature": "AA==",
            "unverifiedCertificate": "AA==",
        },
        {
            "format": "web-eid:1.0",
            "algorithm": "ES384",
            "signature": "AA==",
            "unverifiedCertificate": "AA==",
            "appVersion": 1,
        },
        {
            "format": "web-eid:1.0",
            "algorithm": "ES384",
            "signature": "AA==",
            "unverifiedCertificate": "AA==",
            "idcardEvidence": [],
        },
        {
            "format": "web-eid:1.0",
            "algorithm": "ES384",
            "signature": "AA==",
            "unverifiedCertificate": "AA==",
            "idcardEvidence": {
                "version": 2,
                "sod": "AA==",
                "dataGroups": {},
                "activeAuthentication": "AA==",
            },
        },
        {
            "format": "web-eid:1.0",
            "algorithm": "ES384",
            "signature": "AA==",
            "unverifiedCertificate": "AA==",
            "idcardEvidence": {
                "version": 1,
                "sod": "AA==",
                "dataGroups": {"17": "AA=="},
                "activeAuthentication": "AA==",
            },
        },
        {
            "format": "web-eid:1.0",
            "algorithm": "ES384",
            "signature": "AA==",
            "unverifiedCertificate": "AA==",
            "idcardEvidence": {
                "version": 1,
                "sod": "AA==",
                "dataGroups": {"01": "AA=="},
                "activeAuthentication": "AA==",
            },
        },
        {
            "format": "web-eid:1.0",
            "algorithm": "ES384",
            "signature": "AA==",
            "unverifiedCertificate": "AA==",
            "idcardEvidence": {
                "version": True,
                "sod": "AA==",
                "dataGroups": {},
                "activeAuthentication": "AA==",
            },
        },
        {
            "format": "web-eid:1.0",
            "algorithm": "ES384",
            "signature": "AA==",
            "unverifiedCertificate": "AA==",
            "idcardEvidence": {"version": 1, "sod": "AA==", "dataGroups": {}},
        },
    ],
)
def test_token_reader_is_strict(broken: object) -> None:
    with pytest.raises(TokenFormatError) as info:
        AuthToken.from_json(broken)
    assert info.value.code == "token.format"


def test_evidence_json_orders_data_groups() -> None:
    evidence = Evidence(
        sod=b"s", data_groups={15: b"c", 1: b"a", 11: b"b"}, active_authentication=b"x"
    )
    assert list(evidence.to_json()["dataGroups"]) == ["1", "11", "15"]  # type: ignore[arg-type]
