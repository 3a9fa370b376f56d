"""The portal's verifier and nonce store: the happy path with the emulated card, and every refusal
with its own code (assertion.md, "Verification (portal side)")."""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from idcard.assertion import SoftwareSigner, build_token, build_token_with_signer
from idcard.assertion.builder import CardEvidence
from idcard.assertion.messages import aa_challenge
from idcard.errors import UsageError
from idcard.pki.trust import CITIZEN_CA, TrustStore
from idcard.portal import (
    CODES,
    NonceStore,
    Portal,
    SqliteNonceStore,
    TokenError,
    TokenVerifier,
    http_status,
)
from idcard.session import PIN, IdCard
from mock_card.card import EmulatedCard
from mock_card.personalize import Citizen, personalize
from mock_card.testpki import derive_citizen_keys, issue_citizen_certificates, test_pki
from reader.emulated import EmulatedTransport

ORIGIN = "https://portal.example"
UTC = dt.UTC


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(Encoding.DER)


def open_card(**overrides: object) -> IdCard:
    card = IdCard(EmulatedTransport(EmulatedCard(personalize(**overrides))))  # type: ignore[arg-type]
    card.unlock(PIN, "123456")
    return card


class FakeClock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def anchors() -> tuple[TrustStore, TrustStore]:
    pki = test_pki()
    return TrustStore([der(pki.citizen_ca_cert)]), TrustStore([der(pki.csca_cert)])


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def portal(anchors: tuple[TrustStore, TrustStore], clock: FakeClock) -> Portal:
    cas, csca = anchors
    store = SqliteNonceStore(clock=clock)
    return Portal(TokenVerifier(cas, csca=csca), store, base_url=ORIGIN, clock=clock)


def login(
    portal: Portal,
    card: IdCard,
    *,
    asked: list[str],
    sent: list[str] | None = None,
    session: str = "session-1",
    origin: str = ORIGIN,
) -> tuple[str, str]:
    """begin() for `session`, then the card's token for `origin`: (nonce, token JSON)."""
    request = portal.begin(session, asked)
    token = build_token(
        card, origin, str(request["nonce"]), attributes=asked if sent is None else sent
    )
    return str(request["nonce"]), json.dumps(token)


def refused(code: str, call: Callable[[], object]) -> TokenError:
    with pytest.raises(TokenError) as info:
        call()
    assert info.value.code == code, info.value.message
    assert code in CODES
    return info.value


def edit(token_json: str, change: Callable[[dict], None]) -> str:
    obj = json.loads(token_json)
    change(obj)
    return json.dumps(obj)


# --- happy path ---------------------------------------------------------------------------


def test_login_with_the_emulated_card(portal: Portal) -> None:
    card = open_card()
    request = portal.begin("session-1", ["name", "nationalCode", "birthDate", "photo"])
    assert set(request) == {"nonce", "attributes", "submit", "return"}
    assert (
        request["submit"] == f"{ORIGIN}/idcard/submit"
        and request["return"] == f"{ORIGIN}/idcard/return"
    )
    assert len(base64.b64decode(str(request["nonce"]), validate=True)) == 32
    token = build_token(card, ORIGIN, str(request["nonce"]), attributes=["photo"])
    identity = portal.complete("session-1", json.dumps(token), ORIGIN)

    assert identity.national_code == "0012345679"
    assert (identity.family_name.fa, identity.family_name.latin) == ("رضایی", "REZAEI")
    assert (identity.given_name.fa, identity.given_name.latin) == ("سارا", "SARA")
    assert identity.birth_date == dt.date(1990, 8, 3)
    assert identity.birth_date_solar_hijri == "1369-05-12"
    assert identity.personal_code == "PNOIR-0012345679" and identity.country == "IR"
    assert identity.evidence is True and identity.algorithm == "ES384"
    assert (
        identity.photo is not None
        and identity.photo[:2] == b"\xff\xd8"
        and identity.photo_mime == "image/jpeg"
    )
    assert "IR NID CITIZEN CA TEST" in identity.certificate_issuer
    verdict = identity.verdict
    assert verdict.verified and not verdict.failures
    performed = [c.code for c in verdict.checks]
    # Every step of assertion.md, in its order.
    order = [
        "token.size",
        "token.json",
        "token.format",
        "cert.parse",
        "cert.key_usage",
        "cert.eku",
        "cert.validity",
        "cert.chain",
        "cert.revocation",
        "cert.policy",
        "token.algorithm",
        "token.signature",
        "nonce",
        "evidence.data_groups",
        "sod.signature",
        "chip.active_auth",
        "national_code.check_digit",
        "evidence.identity",
        "evidence",
    ]
    positions = [performed.index(code) for code in order]
    assert positions == sorted(positions)
    for code in (
        "sod.hash.dg1",
        "sod.hash.dg2",
        "sod.hash.dg11",
        "sod.hash.dg15",
        "csca.chain",
        "ds.validity",
    ):
        assert verdict.get(code).result.value == "passed"  # type: ignore[union-attr]
    data = identity.to_json()
    assert data["identity"]["nationalCode"] == "0012345679"  # type: ignore[index]
    assert base64.b64decode(data["identity"]["photo"]["data"]) == identity.photo  # type: ignore[index]
    json.dumps(data)


def test_no_photo_released_unless_asked(portal: Portal) -> None:
    card = open_card()
    _, token = login(portal, card, asked=["name"])
    identity = portal.complete("session-1", token, ORIGIN)
    assert identity.photo is None and identity.national_code == "0012345679"
    assert identity.to_json()["identity"]["photo"] is None  # type: ignore[index]


# --- the nonce ---------------------------------------------------------------------------


def test_replayed_token_is_refused(portal: Portal) -> None:
    card = open_card()
    _, token = login(portal, card, asked=[])
    portal.complete("session-1", token, ORIGIN)
    error = refused("nonce.reused", lambda: portal.complete("session-1", token, ORIGIN))
    assert error.verdict is not None
    # The signature is checked before the nonce is used; the evidence never is.
    assert error.verdict.get("token.signature").result.value == "passed"  # type: ignore[union-attr]
    assert error.verdict.get("sod.signature") is None


def test_a_forged_token_does_not_burn_the_nonce(portal: Portal) -> None:
    """A stranger who learns a login's nonce (it goes through the browser) cannot use it up."""
    nonce, token = login(portal, open_card(), asked=[])
    forged = edit(token, lambda t: t.update(signature=base64.b64encode(b"\x00" * 96).decode()))
    error = refused("token.signature", lambda: portal.complete("session-1", forged, ORIGIN))
    assert error.verdict is not None and error.verdict.get("nonce") is None
    assert portal.complete("session-1", token, ORIGIN).national_code == "0012345679"


def test_nonce_of_another_session(portal: Portal) -> None:
    card = open_card()
    nonce, token = login(portal, card, asked=[], session="victim")
    portal.begin("attacker", [])
    # The attacker submits the victim's token (and nonce) in their own session.
    refused("nonce.session", lambda: portal.complete("attacker", token, ORIGIN, nonce=nonce))
    # Their own session's nonce does not match the token's signature.
    refused("token.signature", lambda: portal.complete("attacker", token, ORIGIN))
    # The victim's login still works: the refusal did not use the nonce up.
    assert portal.complete("victim", token, ORIGIN).national_code == "0012345679"


def test_expired_nonce(portal: Portal, clock: FakeClock) -> None:
    card = open_card()
    _, token = login(portal, card, asked=[])
    clock.now += 301
    refused("nonce.expired", lambda: portal.complete("session-1", token, ORIGIN))


def test_unknown_nonce_and_session(portal: Portal) -> None:
    card = open_card()
    _, token = login(portal, card, asked=[])
    refused("nonce.unknown", lambda: portal.complete("never-began", token, ORIGIN))
    unissued = base64.b64encode(b"not issued by this portal, 32 b.").decode()
    other = json.dumps(build_token(card, ORIGIN, unissued))
    refused("nonce.unknown", lambda: portal.complete("session-1", other, ORIGIN, nonce=unissued))


def test_a_newer_begin_replaces_the_nonce(portal: Portal) -> None:
    card = open_card()
    _, old = login(portal, card, asked=[])
    portal.begin("session-1", [])
    refused("token.signature", lambda: portal.complete("session-1", old, ORIGIN))


def test_token_checks_come_before_the_nonce(portal: Portal) -> None:
    # A session without a nonce, and a token that is too large: step 1 speaks first.
    refused("token.size", lambda: portal.complete("never-began", "x" * 1_000_000, ORIGIN))


# --- origin, evidence ----------------------------------------------------------------------


def test_token_made_for_another_origin(portal: Portal) -> None:
    card = open_card()
    request = portal.begin("session-1", [])
    phished = build_token(card, "https://evil.example", str(request["nonce"]))
    refused("token.signature", lambda: portal.complete("session-1", json.dumps(phished), ORIGIN))


@pytest.mark.parametrize(
    ("signed_for", "portal_url", "same"),
    [
        ("https://faß.example", "https://fass.example", False),  # IDNA 2003 made these one site
        ("https://FAß.EXAMPLE:443", "https://faß.example", True),
        ("https://βόλος.example", "https://βόλοσ.example", False),  # final sigma stays itself
    ],
)
def test_idn_origins_follow_the_one_origin_rule(
    anchors: tuple[TrustStore, TrustStore], clock: FakeClock, signed_for: str, portal_url: str, same: bool
) -> None:
    cas, csca = anchors
    site = Portal(TokenVerifier(cas, csca=csca), SqliteNonceStore(clock=clock), base_url=portal_url, clock=clock)
    _, token = login(site, open_card(), asked=[], origin=signed_for)
    if same:
        assert site.complete("session-1", token, portal_url).national_code == "0012345679"
    else:
        refused("token.signature", lambda: site.complete("session-1", token, portal_url))


def test_altered_dg11(portal: Portal) -> None:
    card = open_card(variant="tampered-dg")
    _, token = login(portal, card, asked=["name"])
    error = refused("evidence.hash", lambda: portal.complete("session-1", token, ORIGIN))
    assert "DG11" in error.message


def test_altered_dg11_in_transit(portal: Portal) -> None:
    card = open_card()
    _, token = login(portal, card, asked=["name"])

    def change(obj: dict) -> None:
        dg11 = bytearray(base64.b64decode(obj["idcardEvidence"]["dataGroups"]["11"]))
        dg11[-1] ^= 0x01
        obj["idcardEvidence"]["dataGroups"]["11"] = base64.b64encode(bytes(dg11)).decode()

    refused("evidence.hash", lambda: portal.complete("session-1", edit(token, change), ORIGIN))


def test_photo_sent_without_consent(portal: Portal) -> None:
    card = open_card()
    _, token = login(portal, card, asked=["name"], sent=["name", "photo"])
    error = refused("evidence.unrequested_dg", lambda: portal.complete("session-1", token, ORIGIN))
    assert "DG2" in error.message


def test_aa_signature_from_another_chip(portal: Portal) -> None:
    card = open_card()
    other = open_card(seed=2)
    nonce, token = login(portal, card, asked=[])
    # Another genuine chip signs the very same challenge: its key is not this DG15's.
    foreign = other.internal_authenticate(aa_challenge(ORIGIN, nonce))

    def change(obj: dict) -> None:
        obj["idcardEvidence"]["activeAuthentication"] = base64.b64encode(foreign).decode()

    refused("evidence.aa", lambda: portal.complete("session-1", edit(token, change), ORIGIN))


def test_evidence_failures_are_named_in_the_documented_order(portal: Portal) -> None:
    # Altered DG11 *and* a chip that is not the issuer's: the hash check comes first.
    card = open_card(variant="tampered-dg")
    other = open_card(seed=2)
    nonce, token = login(portal, card, asked=[])
    foreign = other.internal_authenticate(aa_challenge(ORIGIN, nonce))

    def change(obj: dict) -> None:
        obj["idcardEvidence"]["activeAuthentication"] = base64.b64encode(foreign).decode()

    refused("evidence.hash", lambda: portal.complete("session-1", edit(token, change), ORIGIN))
    # An untrusted document signer is named before altered data.
    _, token = login(portal, open_card(variant="unknown-ds"), asked=[])

    def alter(obj: dict) -> None:
        dg1 = bytearray(base64.b64decode(obj["idcardEvidence"]["dataGroups"]["1"]))
        dg1[-1] ^= 1
        obj["idcardEvidence"]["dataGroups"]["1"] = base64.b64encode(bytes(dg1)).decode()

    refused("evidence.chain", lambda: portal.complete("session-1", edit(token, alter), ORIGIN))


def test_cloned_chip(portal: Portal) -> None:
    card = open_card(variant="cloned")
    _, token = login(portal, card, asked=[])
    refused("evidence.aa", lambda: portal.complete("session-1", token, ORIGIN))


def test_evidence_required_but_missing(portal: Portal) -> None:
    card = open_card()
    request = portal.begin("session-1", [])
    token = build_token(card, ORIGIN, str(request["nonce"]), evidence=False)
    refused("evidence.missing", lambda: portal.complete("session-1", json.dumps(token), ORIGIN))


def test_missing_data_groups(portal: Portal) -> None:
    card = open_card()
    for number, code in (("11", "evidence.missing"), ("15", "evidence.dg15")):
        _, token = login(portal, card, asked=[])

        def change(obj: dict, number: str = number) -> None:
            del obj["idcardEvidence"]["dataGroups"][number]

        refused(
            code,
            lambda token=token, change=change: portal.complete(
                "session-1", edit(token, change), ORIGIN
            ),
        )


def test_corrupt_sod(portal: Portal) -> None:
    card = open_card()
    _, token = login(portal, card, asked=[])

    def change(obj: dict) -> None:
        sod = bytearray(base64.b64decode(obj["idcardEvidence"]["sod"]))
        sod[-5] ^= 0xFF  # inside the signature
        obj["idcardEvidence"]["sod"] = base64.b64encode(bytes(sod)).decode()

    refused("evidence.sod", lambda: portal.complete("session-1", edit(token, change), ORIGIN))


@pytest.mark.parametrize("variant", ["unknown-ds", "expired-ds"])
def test_document_signer_not_trusted(portal: Portal, variant: str) -> None:
    card = open_card(variant=variant)
    _, token = login(portal, card, asked=[])
    error = refused("evidence.chain", lambda: portal.complete("session-1", token, ORIGIN))
    assert not error.untrusted


def test_document_without_csca_anchor_is_untrusted(anchors: tuple[TrustStore, TrustStore]) -> None:
    cas, _ = anchors
    portal = Portal(TokenVerifier(cas, csca=TrustStore()), SqliteNonceStore(), base_url=ORIGIN)
    _, token = login(portal, open_card(), asked=[])
    error = refused("evidence.chain", lambda: portal.complete("session-1", token, ORIGIN))
    assert error.untrusted


def test_bad_national_code(portal: Portal) -> None:
    card = open_card(variant="bad-national-code")
    _, token = login(portal, card, asked=[])
    refused("evidence.national_code", lambda: portal.complete("session-1", token, ORIGIN))


def test_certificate_of_another_person(portal: Portal) -> None:
    pki = test_pki()
    card = open_card()
    auth_key, sign_key = derive_citizen_keys(1)
    stranger, _ = issue_citizen_certificates(
        pki,
        national_code="0499370899",
        family_name="AHMADI",
        given_name="ALI",
        auth_public_key=auth_key.public_key(),
        sign_public_key=sign_key.public_key(),
    )
    request = portal.begin("session-1", [])
    token = build_token_with_signer(
        SoftwareSigner(auth_key, der(stranger)),
        ORIGIN,
        str(request["nonce"]),
        evidence=CardEvidence(card),
    )
    refused(
        "evidence.identity_mismatch",
        lambda: portal.complete("session-1", json.dumps(token), ORIGIN),
    )


def test_expired_document(portal: Portal) -> None:
    card = open_card(citizen=Citizen(expiry_date="20260601"))
    _, token = login(portal, card, asked=[])
    refused(
        "evidence.expired",
        lambda: portal.complete("session-1", token, ORIGIN, at=dt.datetime(2026, 7, 1, tzinfo=UTC)),
    )


# --- the certificate -----------------------------------------------------------------------


def test_certificate_from_an_untrusted_ca(portal: Portal) -> None:
    card = open_card(variant="untrusted-citizen-ca")
    _, token = login(portal, card, asked=[])
    error = refused("cert.untrusted", lambda: portal.complete("session-1", token, ORIGIN))
    assert error.untrusted and http_status(error) == 401


def test_expired_and_not_yet_valid_certificate(portal: Portal) -> None:
    card = open_card()
    _, token = login(portal, card, asked=[])
    refused(
        "cert.expired",
        lambda: portal.complete("session-1", token, ORIGIN, at=dt.datetime(2036, 6, 1, tzinfo=UTC)),
    )
    _, token = login(portal, card, asked=[])
    refused(
        "cert.not_yet_valid",
        lambda: portal.complete("session-1", token, ORIGIN, at=dt.datetime(2025, 6, 1, tzinfo=UTC)),
    )


def _crl(
    issuer: x509.Certificate,
    key: ec.EllipticCurvePrivateKey,
    serials: list[int],
    *,
    next_update: dt.datetime = dt.datetime(2040, 1, 1, tzinfo=UTC),
) -> bytes:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.subject)
        .last_update(dt.datetime(2026, 2, 1, tzinfo=UTC))
        .next_update(next_update)
    )
    for serial in serials:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(dt.datetime(2026, 3, 1, tzinfo=UTC))
            .build()
        )
    return builder.sign(key, hashes.SHA384()).public_bytes(Encoding.DER)


def _portal_with_crl(anchors: tuple[TrustStore, TrustStore], crl: bytes) -> Portal:
    cas, csca = anchors
    return Portal(TokenVerifier(cas, csca=csca, crls=[crl]), SqliteNonceStore(), base_url=ORIGIN)


def test_revoked_certificate(anchors: tuple[TrustStore, TrustStore]) -> None:
    pki = test_pki()
    card = open_card()
    serial = x509.load_der_x509_certificate(card.read_auth_certificate()).serial_number
    portal = _portal_with_crl(anchors, _crl(pki.citizen_ca_cert, pki.citizen_ca_key, [serial]))
    _, token = login(portal, card, asked=[])
    error = refused("cert.revoked", lambda: portal.complete("session-1", token, ORIGIN))
    assert "2026-03-01" in error.message


def test_crl_that_does_not_list_the_certificate(anchors: tuple[TrustStore, TrustStore]) -> None:
    pki = test_pki()
    card = open_card()
    portal = _portal_with_crl(anchors, _crl(pki.citizen_ca_cert, pki.citizen_ca_key, [12345]))
    _, token = login(portal, card, asked=[])
    identity = portal.complete("session-1", token, ORIGIN)
    check = identity.verdict.get("cert.revocation")
    assert check is not None and check.result.value == "passed"


def test_stale_or_forged_crl(anchors: tuple[TrustStore, TrustStore]) -> None:
    pki = test_pki()
    card = open_card()
    stale = _crl(
        pki.citizen_ca_cert, pki.citizen_ca_key, [], next_update=dt.datetime(2026, 3, 1, tzinfo=UTC)
    )
    portal = _portal_with_crl(anchors, stale)
    _, token = login(portal, card, asked=[])
    refused("cert.crl", lambda: portal.complete("session-1", token, ORIGIN))
    # "Nothing revoked", signed by someone else under the CA's name: not authentic.
    forged = _crl(pki.citizen_ca_cert, ec.generate_private_key(ec.SECP384R1()), [])
    portal = _portal_with_crl(anchors, forged)
    _, token = login(portal, card, asked=[])
    refused("cert.crl", lambda: portal.complete("session-1", token, ORIGIN))


def test_certificate_that_may_not_authenticate(portal: Portal) -> None:
    # The card's *signing* certificate (nonRepudiation only) offered as an authentication one.
    card = open_card()
    _, sign_key = derive_citizen_keys(1)
    request = portal.begin("session-1", [])
    token = build_token_with_signer(
        SoftwareSigner(sign_key, card.read_sign_certificate()), ORIGIN, str(request["nonce"])
    )
    refused("cert.key_usage", lambda: portal.complete("session-1", json.dumps(token), ORIGIN))


# --- plain Web eID tokens and other algorithms -------------------------------------------------


def _name(cn: str, country: str, **extra: str) -> x509.Name:
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, country),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ]
    if "serial" in extra:
        attrs += [
            x509.NameAttribute(NameOID.SURNAME, extra["surname"]),
            x509.NameAttribute(NameOID.GIVEN_NAME, extra["given"]),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, extra["serial"]),
        ]
    return x509.Name(attrs)


def _key_usage(**bits: bool) -> x509.KeyUsage:
    names = [
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    ]
    return x509.KeyUsage(**{n: bits.get(n, False) for n in names})


def make_ca(cn: str, country: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP384R1())
    name = _name(cn, country)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime(2020, 1, 1, tzinfo=UTC))
        .not_valid_after(dt.datetime(2040, 1, 1, tzinfo=UTC))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA384())
    )
    return cert, key


def make_user_cert(
    ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey],
    public_key: object,
    *,
    serial: str,
    country: str,
    eku: list | None = None,
    key_usage: x509.KeyUsage | None = None,
) -> x509.Certificate:
    ca_cert, ca_key = ca
    builder = (
        x509.CertificateBuilder()
        .subject_name(
            _name(f"TAMM,MARI,{serial}", country, surname="TAMM", given="MARI", serial=serial)
        )
        .issuer_name(ca_cert.subject)
        .public_key(public_key)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime(2024, 1, 1, tzinfo=UTC))
        .not_valid_after(dt.datetime(2030, 1, 1, tzinfo=UTC))
        .add_extension(key_usage or _key_usage(digital_signature=True), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage(eku if eku is not None else [ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
    )
    return builder.sign(ca_key, hashes.SHA384())


@pytest.fixture(scope="module")
def foreign() -> dict[str, object]:
    """Another country's Web eID card: its CA and a holder's P-384 key and certificate."""
    ca = make_ca("TEST of ESTEID2018", "EE")
    key = ec.generate_private_key(ec.SECP384R1())
    cert = make_user_cert(ca, key.public_key(), serial="PNOEE-38001085718", country="EE")
    return {"ca": ca, "key": key, "cert": cert}


def _plain_portal(cas: list[x509.Certificate], *, require_evidence: bool) -> Portal:
    # Self-signed with pathLen 0 like a CSCA: the caller declares the role.
    store = TrustStore([der(c) for c in cas], role=CITIZEN_CA)
    csca = TrustStore([der(test_pki().csca_cert)])
    verifier = TokenVerifier(store, csca=csca, require_evidence=require_evidence)
    return Portal(verifier, SqliteNonceStore(), base_url=ORIGIN, require_evidence=require_evidence)


def test_plain_web_eid_token_from_another_country(foreign: dict[str, object]) -> None:
    ca_cert = foreign["ca"][0]  # type: ignore[index]
    signer = SoftwareSigner(foreign["key"], der(foreign["cert"]))  # type: ignore[arg-type]
    assert signer.algorithm == "ES384"

    accepting = _plain_portal([ca_cert, test_pki().citizen_ca_cert], require_evidence=False)
    request = accepting.begin("s", [])
    token = build_token_with_signer(signer, ORIGIN, str(request["nonce"]))
    assert "idcardEvidence" not in token
    identity = accepting.complete("s", json.dumps(token), ORIGIN)
    assert identity.evidence is False and identity.national_code is None
    assert identity.personal_code == "PNOEE-38001085718" and identity.country == "EE"
    assert identity.family_name.latin == "TAMM" and identity.given_name.latin == "MARI"
    assert identity.verdict.get("evidence").result.value == "not_performed"  # type: ignore[union-attr]

    strict = _plain_portal([ca_cert], require_evidence=True)
    request = strict.begin("s", [])
    token = build_token_with_signer(signer, ORIGIN, str(request["nonce"]))
    refused("evidence.missing", lambda: strict.complete("s", json.dumps(token), ORIGIN))

    untrusting = _plain_portal([test_pki().citizen_ca_cert], require_evidence=False)
    request = untrusting.begin("s", [])
    token = build_token_with_signer(signer, ORIGIN, str(request["nonce"]))
    refused("cert.untrusted", lambda: untrusting.complete("s", json.dumps(token), ORIGIN))


def test_our_card_without_evidence_when_not_required(
    anchors: tuple[TrustStore, TrustStore],
) -> None:
    cas, csca = anchors
    portal = Portal(
        TokenVerifier(cas, csca=csca, require_evidence=False),
        SqliteNonceStore(),
        base_url=ORIGIN,
        require_evidence=False,
    )
    card = open_card()
    request = portal.begin("s", [])
    token = build_token(card, ORIGIN, str(request["nonce"]), evidence=False)
    identity = portal.complete("s", json.dumps(token), ORIGIN)
    assert identity.evidence is False and identity.national_code == "0012345679"
    # Evidence that is offered is still checked when CSCAs are configured.
    _, tampered = login(portal, open_card(variant="tampered-dg"), asked=[], session="t")
    refused("evidence.hash", lambda: portal.complete("t", tampered, ORIGIN))


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.mark.parametrize(
    "algorithm",
    ["ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512"],
)
def test_every_web_eid_algorithm(
    algorithm: str, foreign: dict[str, object], rsa_key: rsa.RSAPrivateKey
) -> None:
    ca = foreign["ca"]
    if algorithm.startswith("ES"):
        curve = {"ES256": ec.SECP256R1(), "ES384": ec.SECP384R1(), "ES512": ec.SECP521R1()}[
            algorithm
        ]
        key: object = ec.generate_private_key(curve)
    else:
        key = rsa_key
    cert = make_user_cert(ca, key.public_key(), serial="PNOEE-38001085718", country="EE")  # type: ignore[arg-type, attr-defined]
    portal = _plain_portal([ca[0]], require_evidence=False)  # type: ignore[index]
    request = portal.begin("s", [])
    token = build_token_with_signer(
        SoftwareSigner(key, der(cert), algorithm), ORIGIN, str(request["nonce"])
    )  # type: ignore[arg-type]
    assert token["algorithm"] == algorithm
    assert portal.complete("s", json.dumps(token), ORIGIN).personal_code == "PNOEE-38001085718"


def test_algorithm_must_fit_the_key(foreign: dict[str, object], rsa_key: rsa.RSAPrivateKey) -> None:
    ca = foreign["ca"]
    portal = _plain_portal([ca[0]], require_evidence=False)  # type: ignore[index]
    request = portal.begin("s", [])
    token = build_token_with_signer(
        SoftwareSigner(foreign["key"], der(foreign["cert"])), ORIGIN, str(request["nonce"])
    )  # type: ignore[arg-type]
    for name in ("ES256", "RS384", "HS256", "none"):
        request = portal.begin("s", [])
        token = build_token_with_signer(
            SoftwareSigner(foreign["key"], der(foreign["cert"])), ORIGIN, str(request["nonce"])
        )  # type: ignore[arg-type]
        token["algorithm"] = name
        refused(
            "token.algorithm", lambda token=token: portal.complete("s", json.dumps(token), ORIGIN)
        )


def test_eku_without_client_auth(foreign: dict[str, object]) -> None:
    ca = foreign["ca"]
    key = ec.generate_private_key(ec.SECP384R1())
    cert = make_user_cert(
        ca,
        key.public_key(),
        serial="PNOEE-1",
        country="EE",
        eku=[ExtendedKeyUsageOID.EMAIL_PROTECTION],
    )  # type: ignore[arg-type]
    portal = _plain_portal([ca[0]], require_evidence=False)  # type: ignore[index]
    request = portal.begin("s", [])
    token = build_token_with_signer(SoftwareSigner(key, der(cert)), ORIGIN, str(request["nonce"]))
    refused("cert.eku", lambda: portal.complete("s", json.dumps(token), ORIGIN))


def test_forbidden_policy(foreign: dict[str, object]) -> None:
    ca_cert, ca_key = foreign["ca"]  # type: ignore[misc]
    key = ec.generate_private_key(ec.SECP384R1())
    policy = "1.3.6.1.4.1.51361.1.2.1"
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("X", "EE", surname="X", given="Y", serial="PNOEE-2"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(dt.datetime(2024, 1, 1, tzinfo=UTC))
        .not_valid_after(dt.datetime(2030, 1, 1, tzinfo=UTC))
        .add_extension(_key_usage(digital_signature=True), critical=True)
        .add_extension(
            x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier(policy), None)]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA384())
    )
    verifier = TokenVerifier(
        TrustStore([der(ca_cert)], role=CITIZEN_CA),
        require_evidence=False,
        forbidden_policies=[policy],
    )
    portal = Portal(verifier, SqliteNonceStore(), base_url=ORIGIN, require_evidence=False)
    request = portal.begin("s", [])
    token = build_token_with_signer(SoftwareSigner(key, der(cert)), ORIGIN, str(request["nonce"]))
    refused("cert.policy", lambda: portal.complete("s", json.dumps(token), ORIGIN))


# --- the token as text -----------------------------------------------------------------------


def test_token_size_json_and_format(portal: Portal) -> None:
    card = open_card()
    _, token = login(portal, card, asked=[])
    megabyte = edit(token, lambda o: o.update(padding="A" * 1_000_000))
    error = refused("token.size", lambda: portal.complete("session-1", megabyte, ORIGIN))
    assert http_status(error) == 413
    refused("token.size", lambda: portal.complete("session-1", megabyte.encode(), ORIGIN))
    refused("token.size", lambda: portal.complete("session-1", "{}", ORIGIN))
    refused("token.json", lambda: portal.complete("session-1", token[:-1] + " " * 10, ORIGIN))
    refused("token.json", lambda: portal.complete("session-1", b"\xff" * 200, ORIGIN))
    duplicated = token[:-1] + ', "algorithm": "ES384"}'
    refused("token.json", lambda: portal.complete("session-1", duplicated, ORIGIN))
    refused(
        "token.format",
        lambda: portal.complete(
            "session-1", edit(token, lambda o: o.update(format="web-eid:2")), ORIGIN
        ),
    )
    refused("token.format", lambda: portal.complete("session-1", json.dumps([token] * 2), ORIGIN))
    refused(
        "token.format",
        lambda: portal.complete(
            "session-1", edit(token, lambda o: o.update(signature="%%%")), ORIGIN
        ),
    )
    refused(
        "cert.parse",
        lambda: portal.complete(
            "session-1", edit(token, lambda o: o.update(unverifiedCertificate="AAAA")), ORIGIN
        ),
    )
    # None of these reached step 3: the nonce is still good.
    assert portal.complete("session-1", token, ORIGIN).national_code == "0012345679"


def test_signature_altered(portal: Portal) -> None:
    card = open_card()
    _, token = login(portal, card, asked=[])

    def change(obj: dict) -> None:
        sig = bytearray(base64.b64decode(obj["signature"]))
        sig[10] ^= 1
        obj["signature"] = base64.b64encode(bytes(sig)).decode()

    refused("token.signature", lambda: portal.complete("session-1", edit(token, change), ORIGIN))
    _, token = login(portal, card, asked=[])
    short = edit(token, lambda o: o.update(signature=base64.b64encode(b"\1" * 95).decode()))
    refused("token.signature", lambda: portal.complete("session-1", short, ORIGIN))


NONCE32 = base64.b64encode(bytes(range(32))).decode()
OTHER32 = base64.b64encode(bytes(range(1, 33))).decode()


@pytest.mark.parametrize(
    "weak",
    ["x", "bm9uY2U=", base64.b64encode(bytes(31)).decode(), base64.urlsafe_b64encode(b"\xfb" * 33).decode()[:-1] + "-"],
)
def test_verifier_without_a_store_refuses_a_guessable_nonce(anchors: tuple[TrustStore, TrustStore], weak: str) -> None:
    cas, csca = anchors
    token = json.dumps(build_token(open_card(), ORIGIN, weak))
    refused("nonce.weak", lambda: TokenVerifier(cas, csca=csca).verify(token, origin=ORIGIN, nonce=weak))


def test_verifier_alone_checks_nonce_by_equality(anchors: tuple[TrustStore, TrustStore]) -> None:
    cas, csca = anchors
    verifier = TokenVerifier(cas, csca=csca)
    token = json.dumps(build_token(open_card(), ORIGIN, NONCE32))
    assert verifier.verify(token, origin=ORIGIN, nonce=NONCE32).national_code == "0012345679"
    assert verifier.verify(token, origin="https://PORTAL.example:443", nonce=NONCE32).evidence
    refused("token.signature", lambda: verifier.verify(token, origin=ORIGIN, nonce=OTHER32))
    with pytest.raises(UsageError):
        verifier.verify(token, origin="https://portal.example/", nonce=NONCE32)
    with pytest.raises(UsageError):
        TokenVerifier(cas, crls=[b"not a crl"])
    with pytest.raises(UsageError):
        TokenVerifier(cas)  # requiring evidence needs CSCAs
    # Evidence is optional and no CSCAs are configured: the chip evidence is ignored, not trusted.
    plain = TokenVerifier(cas, require_evidence=False).verify(
        token, origin=ORIGIN, nonce=NONCE32
    )
    assert plain.evidence is False and plain.birth_date is None
    assert plain.verdict.get("evidence").result.value == "not_performed"  # type: ignore[union-attr]


def test_begin_validates() -> None:
    portal = Portal(
        TokenVerifier(TrustStore(), require_evidence=False),
        SqliteNonceStore(),
        require_evidence=False,
    )
    with pytest.raises(UsageError):
        portal.begin("s", [])  # no base URL
    with pytest.raises(UsageError):
        portal.begin("s", ["address"], base_url=ORIGIN)
    with pytest.raises(UsageError):
        portal.begin("", [], base_url=ORIGIN)
    with pytest.raises(UsageError):
        portal.begin("s", [], base_url="http://portal.example")
    request = portal.begin("s", ["photo", "name"], base_url="https://portal.example/app/")
    assert request["attributes"] == ["name", "photo"]
    assert request["submit"] == "https://portal.example/app/idcard/submit"


# --- nonce stores ------------------------------------------------------------------------------


def test_sqlite_store_semantics(tmp_path: Path) -> None:
    clock = FakeClock()
    store = SqliteNonceStore(tmp_path / "nonces.db", clock=clock)
    assert isinstance(store, NonceStore)
    nonce = store.issue("a", 300, attributes=["photo"])
    assert len(base64.b64decode(nonce)) == 32
    record = store.latest("a")
    assert (
        record is not None
        and record.nonce == nonce
        and record.attributes == ("photo",)
        and not record.used
    )
    refused("nonce.session", lambda: store.consume(nonce, "b"))
    refused("nonce.unknown", lambda: store.consume("bm9wZQ==", "a"))
    store.consume(nonce, "a")
    assert store.find(nonce).used  # type: ignore[union-attr]
    refused("nonce.reused", lambda: store.consume(nonce, "a"))
    refused("nonce.reused", lambda: store.consume(nonce, "b"))
    late = store.issue("a", 300)
    refused("nonce.expired", lambda: store.consume(late, "a", clock.now + 300))
    # Another process (another connection) sees the same state.
    other = SqliteNonceStore(tmp_path / "nonces.db", clock=clock)
    refused("nonce.reused", lambda: other.consume(nonce, "a"))
    # Long after expiry the tombstones go.
    clock.now += 300 + 3600 + 1
    store.issue("c", 300)
    assert store.find(nonce) is None and store.find(late) is None
    with pytest.raises(UsageError):
        store.issue("a", 0)


def test_sqlite_consume_is_atomic(tmp_path: Path) -> None:
    path = tmp_path / "nonces.db"
    nonces = [SqliteNonceStore(path).issue("s", 300) for _ in range(20)]
    stores = [SqliteNonceStore(path) for _ in range(4)]
    wins: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(stores))

    def worker(store: SqliteNonceStore) -> None:
        barrier.wait()
        for nonce in nonces:
            try:
                store.consume(nonce, "s")
            except TokenError as exc:
                assert exc.code == "nonce.reused"
                continue
            with lock:
                wins.append(nonce)

    threads = [threading.Thread(target=worker, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == sorted(nonces)  # each nonce used exactly once


def test_store_failures_are_coded_errors(tmp_path: Path) -> None:
    from idcard.portal.nonces import NonceStoreError, RedisNonceStore

    pytest.importorskip("redis")
    store = RedisNonceStore("redis://:secret@127.0.0.1:1/0")  # nothing listens on port 1
    with pytest.raises(NonceStoreError) as info:
        store.issue("s", 300)
    assert info.value.code == "nonce.store" and "secret" not in info.value.message
    sqlite = SqliteNonceStore(tmp_path / "n.db")
    sqlite.close()
    with pytest.raises(NonceStoreError):
        sqlite.issue("s", 300)
