"""idcard.pki.validate: the one certificate validator (issues 9.5, 12, 13).

Every step has a negative test; the first four kill the mutants that survived in the
portal's old copy (the issuing CA's validity and its basicConstraints CA flag, both when
the issuing CA is an untrusted intermediate and when it is the trust anchor itself).
"""

from __future__ import annotations

import asyncio
import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from idcard.pki.trust import CITIZEN_CA, CSCA, TrustStore
from idcard.pki.validate import assurance_level_of, validate_certificate
from idcard.verdict import Result
from mock_card.testpki import iran_test_pki, issue_citizen_certificate
from tests.pdf_support import Issued

UTC = dt.UTC
AT = dt.datetime(2026, 6, 1, tzinfo=UTC)
LONG = (dt.datetime(2025, 1, 1, tzinfo=UTC), dt.datetime(2035, 1, 1, tzinfo=UTC))
PAST = (dt.datetime(2015, 1, 1, tzinfo=UTC), dt.datetime(2020, 1, 1, tzinfo=UTC))

_KEYS: dict[str, ec.EllipticCurvePrivateKey] = {}


def _key(label: str) -> ec.EllipticCurvePrivateKey:
    if label not in _KEYS:
        _KEYS[label] = ec.generate_private_key(ec.SECP256R1())
    return _KEYS[label]




def _make(
    cn: str,
    *,
    issuer: Issued | None = None,
    ca: bool | None = True,
    validity: tuple[dt.datetime, dt.datetime] = LONG,
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | None = None,
    ku: str = "ca",
    eku: list[ObjectIdentifier] | None = None,
    policies: list[str] = (),  # type: ignore[assignment]
    extra: list[tuple[x509.ExtensionType, bool]] = (),  # type: ignore[assignment]
) -> Issued:
    key = key or _key(cn)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.cert.subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(validity[0])
        .not_valid_after(validity[1])
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(
                (issuer.key if issuer else key).public_key()  # type: ignore[arg-type]
            ),
            critical=False,
        )
    )
    if ca is not None:
        builder = builder.add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    usages = {
        "ca": dict(key_cert_sign=True, crl_sign=True),
        "auth": dict(digital_signature=True),
        "sign": dict(content_commitment=True),
        "none": dict(key_encipherment=True),
    }[ku]
    flags = dict.fromkeys(
        [
            "digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
            "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only",
        ],
        False,
    )
    builder = builder.add_extension(x509.KeyUsage(**{**flags, **usages}), critical=True)
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    if policies:
        builder = builder.add_extension(
            x509.CertificatePolicies(
                [x509.PolicyInformation(ObjectIdentifier(p), None) for p in policies]
            ),
            critical=False,
        )
    for ext, critical in extra:
        builder = builder.add_extension(ext, critical=critical)
    signer = issuer.key if issuer else key
    return Issued(builder.sign(signer, hashes.SHA256()), key)


def _leaf(issuer: Issued, **kw: object) -> Issued:
    kw.setdefault("ca", False)
    kw.setdefault("ku", "auth")
    kw.setdefault("eku", [ExtendedKeyUsageOID.CLIENT_AUTH])
    return _make(str(kw.pop("cn", "leaf")), issuer=issuer, **kw)  # type: ignore[arg-type]


def _store(*anchors: Issued, role: str = CITIZEN_CA) -> TrustStore:
    return TrustStore([a.der for a in anchors], role=role)


def _error(result: object, code: str) -> str | None:
    check = result.get(code)  # type: ignore[attr-defined]
    assert check is not None, code
    return check.details.get("error")  # type: ignore[no-any-return]


ROOT = _make("root")
SUB = _make("sub", issuer=ROOT)


def test_a_sound_path_through_an_untrusted_intermediate_passes() -> None:
    leaf = _leaf(SUB)
    result = validate_certificate(leaf.der, trust=_store(ROOT), intermediates=[SUB.der], at=AT)
    assert result.result is Result.PASSED, result.first_problem
    assert [c.subject_dn for c in result.path] == ["CN=leaf", "CN=sub", "CN=root"]
    # Without the intermediate there is no path: the card's CA is never trusted by itself.
    alone = validate_certificate(leaf.der, trust=_store(ROOT), at=AT)
    assert alone.result is Result.UNTRUSTED
    assert _error(alone, "cert.chain") == "cert.untrusted"


# --- the surviving mutants -------------------------------------------------------------


def test_expired_issuing_intermediate_fails() -> None:
    sub = _make("sub-expired", issuer=ROOT, validity=PAST)
    leaf = _leaf(sub, validity=(PAST[0], LONG[1]))
    result = validate_certificate(leaf.der, trust=_store(ROOT), intermediates=[sub.der], at=AT)
    assert result.get("cert.validity").result is Result.PASSED  # type: ignore[union-attr]
    assert result.result is Result.FAILED
    assert _error(result, "cert.chain") == "cert.ca_invalid"


def test_expired_issuing_anchor_fails() -> None:
    anchor = _make("anchor-expired", validity=PAST)
    leaf = _leaf(anchor, validity=(PAST[0], LONG[1]))
    result = validate_certificate(leaf.der, trust=_store(anchor), at=AT)
    assert result.result is Result.FAILED
    assert _error(result, "cert.chain") == "cert.ca_invalid"
    # ... and the same anchor passes while it is valid: it is the date that fails.
    ok = validate_certificate(leaf.der, trust=_store(anchor), at=dt.datetime(2018, 1, 1, tzinfo=UTC))
    assert ok.get("cert.chain").result is Result.PASSED  # type: ignore[union-attr]


def test_issuing_intermediate_that_is_not_a_ca_fails() -> None:
    not_ca = _make("sub-not-ca", issuer=ROOT, ca=False)
    leaf = _leaf(not_ca)
    result = validate_certificate(leaf.der, trust=_store(ROOT), intermediates=[not_ca.der], at=AT)
    assert result.result is Result.FAILED
    assert _error(result, "cert.chain") == "cert.ca_invalid"


def test_issuing_anchor_that_is_not_a_ca_fails() -> None:
    not_ca = _make("anchor-not-ca", ca=False)
    leaf = _leaf(not_ca)
    result = validate_certificate(leaf.der, trust=_store(not_ca), at=AT)
    assert result.result is Result.FAILED
    assert _error(result, "cert.chain") == "cert.ca_invalid"
    assert "not a CA" in result.get("cert.chain").reason  # type: ignore[union-attr]


# --- the leaf ----------------------------------------------------------------------------


def test_leaf_validity() -> None:
    expired = _leaf(ROOT, cn="old", validity=(LONG[0], dt.datetime(2026, 1, 1, tzinfo=UTC)))
    result = validate_certificate(expired.der, trust=_store(ROOT), at=AT)
    assert _error(result, "cert.validity") == "cert.expired"
    assert result.get("cert.chain").result is Result.PASSED  # type: ignore[union-attr]
    early = validate_certificate(expired.der, trust=_store(ROOT), at=dt.datetime(2024, 1, 1, tzinfo=UTC))
    assert _error(early, "cert.validity") == "cert.not_yet_valid"


def test_leaf_that_is_a_ca_is_refused() -> None:
    leaf = _leaf(ROOT, cn="leaf-ca", ca=True)
    result = validate_certificate(leaf.der, trust=_store(ROOT), at=AT)
    assert _error(result, "cert.basic_constraints") == "cert.leaf_is_ca"
    assert result.result is Result.FAILED


def test_key_usage_per_purpose() -> None:
    auth = _leaf(ROOT, cn="auth")
    sign = _leaf(ROOT, cn="sign", ku="sign", eku=None)
    neither = _leaf(ROOT, cn="neither", ku="none", eku=None)
    store = _store(ROOT)
    assert validate_certificate(auth.der, trust=store, at=AT).result is Result.PASSED
    assert _error(validate_certificate(sign.der, trust=store, at=AT), "cert.key_usage") == "cert.key_usage"
    assert validate_certificate(sign.der, trust=store, usage="sign", at=AT).result is Result.PASSED
    assert _error(validate_certificate(neither.der, trust=store, usage="sign", at=AT), "cert.key_usage")
    email = _leaf(ROOT, cn="email", eku=[ExtendedKeyUsageOID.EMAIL_PROTECTION])
    assert _error(validate_certificate(email.der, trust=store, at=AT), "cert.eku") == "cert.eku"


def test_weak_rsa_leaf_key_is_refused() -> None:
    weak = rsa.generate_private_key(65537, 1024)
    leaf = _leaf(ROOT, cn="weak", key=weak)
    result = validate_certificate(leaf.der, trust=_store(ROOT), at=AT)
    assert _error(result, "cert.key") == "cert.weak_key"


def test_weak_rsa_ca_key_is_refused() -> None:
    weak_ca = _make("weak-ca", issuer=ROOT, key=rsa.generate_private_key(65537, 1024))
    leaf = _leaf(weak_ca)
    result = validate_certificate(leaf.der, trust=_store(ROOT), intermediates=[weak_ca.der], at=AT)
    assert _error(result, "cert.chain") == "cert.weak_algorithm"


def test_unknown_critical_extension_is_honoured() -> None:
    odd = x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.99999.1"), b"\x05\x00")
    leaf = _leaf(ROOT, cn="critical", extra=[(odd, True)])
    result = validate_certificate(leaf.der, trust=_store(ROOT), at=AT)
    assert result.result is Result.FAILED
    same_but_not_critical = _leaf(ROOT, cn="not-critical", extra=[(odd, False)])
    assert validate_certificate(same_but_not_critical.der, trust=_store(ROOT), at=AT).result is Result.PASSED


def test_policies_allowed_and_forbidden() -> None:
    leaf = _leaf(ROOT, cn="policy", policies=["1.2.3.4"])
    store = _store(ROOT)
    assert _error(
        validate_certificate(leaf.der, trust=store, at=AT, forbidden_policies=["1.2.3.4"]), "cert.policy"
    ) == "cert.policy"
    assert _error(
        validate_certificate(leaf.der, trust=store, at=AT, allowed_policies=["9.9"]), "cert.policy"
    ) == "cert.policy"
    assert validate_certificate(leaf.der, trust=store, at=AT, allowed_policies=["1.2.3.4"]).result is Result.PASSED


def test_anchor_roles_keep_pkis_apart() -> None:
    leaf = _leaf(ROOT)
    result = validate_certificate(leaf.der, trust=_store(ROOT, role=CSCA), at=AT)
    assert result.result is Result.UNTRUSTED
    assert validate_certificate(leaf.der, trust=None, at=AT).result is Result.UNTRUSTED


def test_unreadable_certificate() -> None:
    result = validate_certificate(b"\x30\x03\x02\x01\x01", trust=_store(ROOT), at=AT)
    assert result.result is Result.FAILED and _error(result, "cert.parse") == "cert.parse"


def test_self_signed_stranger_is_untrusted() -> None:
    stranger = _make("stranger", ca=False, ku="auth")
    assert validate_certificate(stranger.der, trust=_store(ROOT), at=AT).result is Result.UNTRUSTED


# --- revocation ----------------------------------------------------------------------------


def _crl(issuer: Issued, revoked: list[int], *, next_update: dt.datetime | None = None) -> bytes:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.cert.subject)
        .last_update(dt.datetime(2026, 5, 1, tzinfo=UTC))
        .next_update(next_update or dt.datetime(2026, 7, 1, tzinfo=UTC))
    )
    for serial in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(dt.datetime(2026, 5, 1, tzinfo=UTC))
            .build()
        )
    return builder.sign(issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)  # type: ignore[arg-type]


def test_crl_revocation() -> None:
    leaf = _leaf(SUB, cn="crl-leaf")
    store = _store(ROOT)
    kw = {"trust": store, "intermediates": [SUB.der], "at": AT}
    none = validate_certificate(leaf.der, **kw)  # type: ignore[arg-type]
    assert none.get("cert.revocation").result is Result.NOT_PERFORMED  # type: ignore[union-attr]
    clean = validate_certificate(leaf.der, crls=[_crl(SUB, [1])], **kw)  # type: ignore[arg-type]
    assert clean.get("cert.revocation").result is Result.PASSED  # type: ignore[union-attr]
    revoked = validate_certificate(leaf.der, crls=[_crl(SUB, [leaf.cert.serial_number])], **kw)  # type: ignore[arg-type]
    assert _error(revoked, "cert.revocation") == "cert.revoked"
    # A CRL in the issuer's name but signed by someone else never counts.
    forger = Issued(SUB.cert, _key("forger"))
    forged = validate_certificate(leaf.der, crls=[_crl(forger, [])], **kw)  # type: ignore[arg-type]
    assert _error(forged, "cert.revocation") == "cert.crl"
    stale = validate_certificate(
        leaf.der, crls=[_crl(SUB, [], next_update=dt.datetime(2026, 5, 15, tzinfo=UTC))], **kw  # type: ignore[arg-type]
    )
    assert _error(stale, "cert.revocation") == "cert.crl"
    # The intermediate itself revoked by the root.
    sub_revoked = validate_certificate(
        leaf.der, crls=[_crl(SUB, []), _crl(ROOT, [SUB.cert.serial_number])], **kw  # type: ignore[arg-type]
    )
    assert _error(sub_revoked, "cert.revocation") == "cert.revoked"
    off = validate_certificate(leaf.der, crls=[_crl(SUB, [leaf.cert.serial_number])], revocation="off", **kw)  # type: ignore[arg-type]
    assert off.get("cert.revocation").result is Result.NOT_PERFORMED  # type: ignore[union-attr]


# --- the Iranian TEST hierarchy and assurance levels ----------------------------------------


def test_assurance_levels_from_the_test_g3_hierarchy() -> None:
    pki = iran_test_pki(1)
    store = TrustStore([pki.g3_root.der, pki.root_ca1.der], role=CITIZEN_CA)
    gold = issue_citizen_certificate(pki, given="A", surname="B", number="7", usage="auth", ca=pki.gold_citizen_ca)
    inter = [pki.gold_citizen_ca.der, pki.levels[3].der]
    ok = validate_certificate(gold.der, trust=store, intermediates=inter, min_assurance=3)
    assert ok.result is Result.PASSED and ok.assurance_level == 3
    assert ok.to_json()["assuranceLevel"] == 3
    assert ok.get("cert.chain").details["assuranceLevel"] == 3  # type: ignore[union-attr]
    low = validate_certificate(gold.der, trust=store, intermediates=inter, min_assurance=4)
    assert _error(low, "cert.assurance") == "cert.assurance_too_low"
    nolevel = issue_citizen_certificate(pki, given="A", surname="B", number="7", usage="sign")
    plain = validate_certificate(nolevel.der, trust=store, usage="sign", intermediates=[pki.citizen_ca.der])
    assert plain.result is Result.PASSED and plain.assurance_level is None
    unknown = validate_certificate(
        nolevel.der, trust=store, usage="sign", intermediates=[pki.citizen_ca.der], min_assurance=1
    )
    assert _error(unknown, "cert.assurance") == "cert.assurance_unknown"
    for level, ca in pki.levels.items():
        assert validate_certificate(ca.der, trust=store, usage="ca").assurance_level == level


def test_lookalike_hierarchy_is_untrusted_and_expired_citizen_fails() -> None:
    pki, fake = iran_test_pki(1), iran_test_pki(1, lookalike=True)
    store = TrustStore([pki.root_ca1.der], role=CITIZEN_CA)
    forged = issue_citizen_certificate(fake, given="A", surname="B", number="7")
    for inter in ([fake.citizen_ca.der], [pki.citizen_ca.der], [fake.citizen_ca.der, fake.root_ca1.der]):
        result = validate_certificate(forged.der, trust=store, usage="sign", intermediates=inter)
        assert result.result is Result.UNTRUSTED, inter
    expired = issue_citizen_certificate(
        pki, given="A", surname="B", number="8", not_before=dt.datetime(2025, 1, 1, tzinfo=UTC),
        not_after=dt.datetime(2025, 12, 31, tzinfo=UTC),
    )
    result = validate_certificate(expired.der, trust=store, usage="sign", intermediates=[pki.citizen_ca.der], at=AT)
    assert result.result is Result.FAILED and _error(result, "cert.validity") == "cert.expired"
    assert result.get("cert.chain").result is Result.PASSED  # type: ignore[union-attr]


def test_assurance_level_of() -> None:
    assert assurance_level_of(["2.16.364.101.1.1.3"]) == 3
    assert assurance_level_of(["2.16.364.101.1.1.3", "2.16.364.101.1.1.1"]) == 1
    assert assurance_level_of(["2.16.364.101.1.1.9", "2.16.364.101.1.3.1", "2.16.364.101.1.1.33"]) is None


def test_runs_inside_an_event_loop() -> None:
    # The portal verifies inside Starlette handlers: asyncio.run would refuse there.
    leaf = _leaf(SUB)

    async def inside() -> Result:
        return validate_certificate(leaf.der, trust=_store(ROOT), intermediates=[SUB.der], at=AT).result

    assert asyncio.run(inside()) is Result.PASSED


def test_the_portal_refuses_a_broken_issuing_ca_through_the_validator() -> None:
    """The mutants survived in the portal's old copy: check them where the portal is."""
    import base64
    import json

    from idcard.assertion import SoftwareSigner, build_token_with_signer
    from idcard.portal import TokenError, TokenVerifier

    nonce = base64.b64encode(b"an unguessable nonce of 32 bytes").decode()
    origin = "https://portal.example"
    expired_sub = _make("portal-sub-expired", issuer=ROOT, validity=PAST)
    not_ca_sub = _make("portal-sub-not-ca", issuer=ROOT, ca=False)
    for sub in (expired_sub, not_ca_sub):
        leaf = _leaf(sub, cn="portal-leaf", validity=(PAST[0], LONG[1]))
        token = build_token_with_signer(SoftwareSigner(leaf.key, leaf.der), origin, nonce)  # type: ignore[arg-type]
        verifier = TokenVerifier(_store(ROOT), require_evidence=False, intermediates=[sub.der])
        try:
            verifier.verify(json.dumps(token), origin=origin, nonce=nonce, at=AT)
        except TokenError as exc:
            assert exc.code == "cert.ca_invalid", exc.message
        else:
            raise AssertionError("a token under a broken CA was accepted")
    good = _leaf(SUB, cn="portal-good")
    token = build_token_with_signer(SoftwareSigner(good.key, good.der), origin, nonce)  # type: ignore[arg-type]
    verifier = TokenVerifier(_store(ROOT), require_evidence=False, intermediates=[SUB.der])
    assert verifier.verify(json.dumps(token), origin=origin, nonce=nonce, at=AT) is not None


def test_a_remembered_path_is_still_held_to_its_cas_dates() -> None:
    short = _make("short-lived-sub", issuer=ROOT, validity=(LONG[0], dt.datetime(2027, 1, 1, tzinfo=UTC)))
    leaf = _leaf(short, cn="cached-leaf")
    store = _store(ROOT)
    first = validate_certificate(leaf.der, trust=store, intermediates=[short.der], at=AT)
    assert first.result is Result.PASSED and store.path_cache  # remembered
    later = validate_certificate(
        leaf.der, trust=store, intermediates=[short.der], at=dt.datetime(2028, 1, 1, tzinfo=UTC)
    )
    assert _error(later, "cert.chain") == "cert.ca_invalid"
    # A new anchor forgets every remembered path.
    store.add(_make("another-root").der)
    assert not store.path_cache
