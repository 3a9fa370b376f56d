"""Passive authentication must catch every kind of wrong, and survive hostile bytes."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

import pytest
from asn1crypto import cms, core
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idcard.errors import MalformedResponseError
from idcard.lds.sod import LDSSecurityObject, Sod
from idcard.pki.crl import Crl
from idcard.pki.passive import passive_authentication
from idcard.pki.trust import TrustStore
from idcard.verdict import Result, Verdict
from tests.unit.test_sod import (
    AT,
    DEMO_DGS,
    SPECIMEN_SODS,
    UTC,
    TestCert,
    make_csca,
    make_ds,
    signed_sod,
)
from tests.vectors import VECTORS


@pytest.fixture(scope="module")
def csca() -> TestCert:
    return make_csca()


@pytest.fixture(scope="module")
def ds(csca: TestCert) -> TestCert:
    return make_ds(csca, serial=0x1234)


@pytest.fixture(scope="module")
def good_sod(ds: TestCert) -> bytes:
    return signed_sod(ds)


def _pa(sod: bytes, trust: TrustStore | None, dgs: dict[int, bytes] = DEMO_DGS, **kw) -> Verdict:
    return passive_authentication(sod, dgs, trust, at=kw.pop("at", AT), **kw)


def _result(verdict: Verdict, code: str) -> Result:
    check = verdict.get(code)
    assert check is not None, f"no {code} in {verdict.to_json()}"
    return check.result


def test_baseline_verifies(good_sod, csca) -> None:
    verdict = _pa(good_sod, TrustStore([csca.der]))
    assert verdict.verified, verdict.to_json()


# --- data and signature ---------------------------------------------------------------


def test_tampered_dg_fails_its_hash(good_sod, csca) -> None:
    dgs = dict(DEMO_DGS)
    dgs[2] = dgs[2][:-1] + b"\x04"
    verdict = _pa(good_sod, TrustStore([csca.der]), dgs)
    assert _result(verdict, "sod.hash.dg2") is Result.FAILED
    assert _result(verdict, "sod.hash.dg1") is Result.PASSED
    assert _result(verdict, "sod.signature") is Result.PASSED
    assert not verdict.verified


def test_dg_not_read_and_dg_not_listed(good_sod, csca) -> None:
    dgs = {1: DEMO_DGS[1], 11: b"\x6b\x00"}
    verdict = _pa(good_sod, TrustStore([csca.der]), dgs)
    assert _result(verdict, "sod.hash.dg2") is Result.NOT_PERFORMED
    assert _result(verdict, "sod.hash.dg14") is Result.NOT_PERFORMED
    assert _result(verdict, "sod.hash.dg11") is Result.FAILED


def _rewrap(content_info: cms.ContentInfo) -> bytes:
    return _tlv77(content_info.dump(force=True))


def _mutate(sod: bytes, change: Callable[[cms.SignedData], None]) -> bytes:
    content_info = cms.ContentInfo.load(core.Asn1Value.load(sod).contents)
    change(content_info["content"])
    return _rewrap(content_info)


def _resign(sod: bytes, key, change_attrs: Callable[[list], list]) -> bytes:
    """Change the signed attributes and sign them again with the DS key."""

    def change(signed: cms.SignedData) -> None:
        signer = signed["signer_infos"][0]
        attrs = change_attrs([a for a in signer["signed_attrs"]])
        signer["signed_attrs"] = cms.CMSAttributes(attrs)
        to_sign = b"\x31" + signer["signed_attrs"].dump(force=True)[1:]
        signer["signature"] = key.sign(to_sign, ec.ECDSA(hashes.SHA256()))

    return _mutate(sod, change)


def test_tampered_message_digest_fails_signature(good_sod, csca) -> None:
    def change(signed: cms.SignedData) -> None:
        attrs = signed["signer_infos"][0]["signed_attrs"]
        for attr in attrs:
            if attr["type"].native == "message_digest":
                attr["values"] = [b"\x00" * 32]

    verdict = _pa(_mutate(good_sod, change), TrustStore([csca.der]))
    assert _result(verdict, "sod.signature") is Result.FAILED
    assert "message-digest" in verdict.get("sod.signature").reason


def test_added_signed_attribute_breaks_signature(good_sod, csca) -> None:
    def change(signed: cms.SignedData) -> None:
        signer = signed["signer_infos"][0]
        attrs = list(signer["signed_attrs"])
        attrs.append(
            cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": AT})]})
        )
        signer["signed_attrs"] = cms.CMSAttributes(attrs)

    verdict = _pa(_mutate(good_sod, change), TrustStore([csca.der]))
    assert _result(verdict, "sod.signature") is Result.FAILED
    assert "does not verify" in verdict.get("sod.signature").reason


def test_empty_signed_attributes_are_not_absent_ones(good_sod, ds, csca) -> None:
    """A present but empty SET must not turn into "signature directly over the content"."""

    def change(signed: cms.SignedData) -> None:
        signer = signed["signer_infos"][0]
        signer["signed_attrs"] = cms.CMSAttributes([])
        content = bytes(signed["encap_content_info"]["content"])
        signer["signature"] = ds.key.sign(content, ec.ECDSA(hashes.SHA256()))

    verdict = _pa(_mutate(good_sod, change), TrustStore([csca.der]))
    assert _result(verdict, "sod.signature") is Result.FAILED
    assert "message-digest" in verdict.get("sod.signature").reason


def test_absent_signed_attributes_sign_the_content_directly(good_sod, ds, csca) -> None:
    """RFC 5652 §5.4: without signed attributes the signature covers the eContent itself."""

    def change(signed: cms.SignedData) -> None:
        signer = signed["signer_infos"][0]
        signer["signed_attrs"] = None
        content = bytes(signed["encap_content_info"]["content"])
        signer["signature"] = ds.key.sign(content, ec.ECDSA(hashes.SHA256()))

    verdict = _pa(_mutate(good_sod, change), TrustStore([csca.der]))
    assert verdict.verified, verdict.to_json()


def test_altered_hash_in_lds_object_fails_signature(good_sod, csca) -> None:
    def change(signed: cms.SignedData) -> None:
        encap = signed["encap_content_info"]
        lds = LDSSecurityObject.load(bytes(encap["content"]))
        lds["data_group_hash_values"][0]["data_group_hash_value"] = b"\x11" * 32
        encap["content"] = lds.dump(force=True)

    verdict = _pa(_mutate(good_sod, change), TrustStore([csca.der]))
    assert _result(verdict, "sod.signature") is Result.FAILED
    assert _result(verdict, "sod.hash.dg1") is Result.FAILED


def test_signed_content_type_must_match(good_sod, ds, csca) -> None:
    def to_id_data(attrs: list) -> list:
        out = []
        for attr in attrs:
            if attr["type"].native == "content_type":
                attr = cms.CMSAttribute({"type": "content_type", "values": ["data"]})
            out.append(attr)
        return out

    verdict = _pa(_resign(good_sod, ds.key, to_id_data), TrustStore([csca.der]))
    assert _result(verdict, "sod.signature") is Result.FAILED
    assert "content-type" in verdict.get("sod.signature").reason


def test_resigned_attributes_still_verify(good_sod, ds, csca) -> None:
    """The _resign helper itself is sound (so the failure above is the content type)."""
    verdict = _pa(_resign(good_sod, ds.key, lambda attrs: attrs), TrustStore([csca.der]))
    assert verdict.verified, verdict.to_json()


@pytest.mark.parametrize(
    ("scheme", "bare_oid"),
    [("ecdsa", "1.2.840.10045.2.1"), ("rsa-pkcs1", "1.2.840.113549.1.1.1")],
)
def test_key_type_oid_as_signature_algorithm(scheme, bare_oid, csca) -> None:
    """Some SODs name only the key type; the digest algorithm then gives the hash."""
    key = (
        ec.generate_private_key(ec.SECP384R1())
        if scheme == "ecdsa"
        else rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    ds = make_ds(csca, key=key)
    sod = signed_sod(ds, hash_algorithm="sha384", signature_algorithm=scheme)

    def change(signed: cms.SignedData) -> None:
        signed["signer_infos"][0]["signature_algorithm"] = {"algorithm": bare_oid}

    mutated = _mutate(sod, change)
    assert Sod.parse(mutated).signature_algorithm == bare_oid
    verdict = _pa(mutated, TrustStore([csca.der]))
    assert _result(verdict, "sod.signature") is Result.PASSED, verdict.to_json()


def test_sod_without_ds_certificate(good_sod, ds, csca) -> None:
    def drop(signed: cms.SignedData) -> None:
        signed["certificates"] = None

    stripped = _mutate(good_sod, drop)
    assert Sod.parse(stripped).certificates == []
    verdict = _pa(stripped, TrustStore([csca.der]))
    assert _result(verdict, "sod.signature") is Result.FAILED
    assert _result(verdict, "sod.hash.dg1") is Result.PASSED  # hashes alone prove nothing
    assert _result(verdict, "csca.chain") is Result.NOT_PERFORMED
    assert not verdict.verified
    # A store that happens to hold the DS certificate supplies it.
    verdict = _pa(stripped, TrustStore([csca.der, ds.der]))
    assert _result(verdict, "sod.signature") is Result.PASSED


def test_two_signer_infos_fail(good_sod, csca) -> None:
    def duplicate(signed: cms.SignedData) -> None:
        signer = signed["signer_infos"][0]
        signed["signer_infos"] = [signer, cms.SignerInfo.load(signer.dump())]

    verdict = _pa(_mutate(good_sod, duplicate), TrustStore([csca.der]))
    assert _result(verdict, "sod.signature") is Result.FAILED


# --- chain ----------------------------------------------------------------------------


def test_unknown_ds_is_untrusted_not_failed(csca) -> None:
    other_csca = make_csca("XX CSCA OTHER")
    stranger = make_ds(other_csca)
    verdict = _pa(signed_sod(stranger), TrustStore([csca.der]))
    assert _result(verdict, "sod.signature") is Result.PASSED
    assert _result(verdict, "csca.chain") is Result.UNTRUSTED
    assert verdict.get("csca.chain").reason == "no trust anchor for issuer C=IR, CN=XX CSCA OTHER"
    assert not verdict.failures and not verdict.verified
    assert _result(_pa(signed_sod(stranger), None), "csca.chain") is Result.UNTRUSTED


def test_wrong_csca_with_the_same_dn_fails(good_sod, csca) -> None:
    impostor = make_csca()  # same DN, different key
    verdict = _pa(good_sod, TrustStore([impostor.der]))
    assert _result(verdict, "csca.chain") is Result.FAILED
    assert "does not verify" in verdict.get("csca.chain").reason
    # With the genuine one also present, the right candidate is found.
    assert (
        _result(_pa(good_sod, TrustStore([impostor.der, csca.der])), "csca.chain") is Result.PASSED
    )


def test_expired_and_not_yet_valid_ds(csca) -> None:
    old = make_ds(
        csca,
        not_before=dt.datetime(2015, 1, 1, tzinfo=UTC),
        not_after=dt.datetime(2025, 1, 1, tzinfo=UTC),
    )
    verdict = _pa(signed_sod(old), TrustStore([csca.der]))
    assert _result(verdict, "ds.validity") is Result.FAILED
    assert "expired on 2025-01-01" in verdict.get("ds.validity").reason
    assert _result(verdict, "sod.signature") is Result.PASSED
    early = _pa(signed_sod(old), TrustStore([csca.der]), at=dt.datetime(2014, 1, 1, tzinfo=UTC))
    assert _result(early, "ds.validity") is Result.FAILED


def test_expired_csca_fails_the_chain() -> None:
    old_csca = make_csca(
        not_before=dt.datetime(2010, 1, 1, tzinfo=UTC),
        not_after=dt.datetime(2026, 1, 1, tzinfo=UTC),
    )
    ds = make_ds(old_csca)
    verdict = _pa(signed_sod(ds), TrustStore([old_csca.der]))
    assert _result(verdict, "csca.chain") is Result.FAILED
    assert "not valid at 2026-06-01" in verdict.get("csca.chain").reason


def test_role_sanity(csca) -> None:
    no_cert_sign = make_csca(cert_sign=False)
    verdict = _pa(signed_sod(make_ds(no_cert_sign)), TrustStore([no_cert_sign.der]))
    assert _result(verdict, "csca.chain") is Result.FAILED
    assert "keyUsage" in verdict.get("csca.chain").reason
    no_digital_signature = make_ds(csca, digital_signature=False)
    verdict = _pa(signed_sod(no_digital_signature), TrustStore([csca.der]))
    assert _result(verdict, "csca.chain") is Result.FAILED
    assert "digitalSignature" in verdict.get("csca.chain").reason


# --- CRL ------------------------------------------------------------------------------


def make_crl(
    issuer: TestCert,
    revoked: tuple[int, ...] = (),
    *,
    last_update: dt.datetime = dt.datetime(2026, 5, 1, tzinfo=UTC),
    next_update: dt.datetime = dt.datetime(2026, 8, 1, tzinfo=UTC),
    signer_key=None,
    encoding: Encoding = Encoding.DER,
) -> bytes:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.cert.subject)
        .last_update(last_update)
        .next_update(next_update)
    )
    for serial in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(dt.datetime(2026, 4, 1, tzinfo=UTC))
            .build()
        )
    return builder.sign(signer_key or issuer.key, hashes.SHA256()).public_bytes(encoding)


def test_revoked_ds_fails_crl(good_sod, csca, ds) -> None:
    verdict = _pa(
        good_sod, TrustStore([csca.der]), crls=[make_crl(csca, (7, ds.cert.serial_number))]
    )
    assert _result(verdict, "crl") is Result.FAILED
    assert "revoked on 2026-04-01" in verdict.get("crl").reason
    assert not verdict.verified


def test_crl_outcomes(good_sod, csca) -> None:
    store = TrustStore([csca.der])
    assert _result(_pa(good_sod, store, crls=[make_crl(csca, (7,))]), "crl") is Result.PASSED
    pem = make_crl(csca, encoding=Encoding.PEM)
    assert _result(_pa(good_sod, store, crls=[Crl.load(pem)]), "crl") is Result.PASSED
    stale = make_crl(csca, next_update=dt.datetime(2026, 5, 15, tzinfo=UTC))
    verdict = _pa(good_sod, store, crls=[stale])
    assert _result(verdict, "crl") is Result.FAILED and "expired" in verdict.get("crl").reason
    forged = make_crl(csca, signer_key=ec.generate_private_key(ec.SECP256R1()))
    verdict = _pa(good_sod, store, crls=[forged])
    assert _result(verdict, "crl") is Result.FAILED and "not signed" in verdict.get("crl").reason
    other = make_crl(make_csca("XX CSCA OTHER"))
    assert _result(_pa(good_sod, store, crls=[other]), "crl") is Result.NOT_PERFORMED
    assert _result(_pa(good_sod, store, crls=[b"\x30\x03junk"]), "crl") is Result.FAILED
    # An untrusted chain leaves nothing to authenticate the CRL with.
    assert _result(_pa(good_sod, None, crls=[make_crl(csca)]), "crl") is Result.NOT_PERFORMED


# --- hostile bytes --------------------------------------------------------------------


def _nested_definite(depth: int) -> bytes:
    value = b""
    for _ in range(depth):
        n = len(value)
        length = bytes([n]) if n < 0x80 else bytes([0x84]) + n.to_bytes(4, "big")
        value = b"\x30" + length + value
    return value


def _tlv77(body: bytes) -> bytes:
    return b"\x77\x84" + len(body).to_bytes(4, "big") + body


def _hostile_inputs(good_sod: bytes) -> dict[str, bytes]:
    rng = random.Random(9303)
    garbage = rng.randbytes(10 * 1024 * 1024)
    wrong_type = cms.ContentInfo({"content_type": "data", "content": b"hello"}).dump()

    def econtent_type(signed: cms.SignedData) -> None:
        signed["encap_content_info"]["content_type"] = "data"

    def lds(change: Callable[[LDSSecurityObject], None]) -> bytes:
        def apply(signed: cms.SignedData) -> None:
            encap = signed["encap_content_info"]
            obj = LDSSecurityObject.load(bytes(encap["content"]))
            change(obj)
            encap["content"] = obj.dump(force=True)

        return _mutate(good_sod, apply)

    def duplicate_dg(obj: LDSSecurityObject) -> None:
        obj["data_group_hash_values"][1]["data_group_number"] = 1

    def version(obj: LDSSecurityObject) -> None:
        obj["version"] = 7

    def dg_zero(obj: LDSSecurityObject) -> None:
        obj["data_group_hash_values"][0]["data_group_number"] = 0

    def deep_attribute(signed: cms.SignedData) -> None:
        # asn1crypto parses an unknown attribute value generically, recursing per level.
        signer = signed["signer_infos"][0]
        deep = core.Any.load(_nested_definite(5000))
        attrs = [*signer["signed_attrs"], cms.CMSAttribute({"type": "1.2.3.4", "values": [deep]})]
        signer["signed_attrs"] = cms.CMSAttributes(attrs)

    return {
        "empty": b"",
        "tag only": b"\x77",
        "empty value": b"\x77\x00",
        "length lies (4 GB)": b"\x77\x84\xff\xff\xff\xff" + good_sod[6:200],
        "length lies (longer)": good_sod[:2] + bytes([good_sod[2] + 1]) + good_sod[3:],
        "trailing bytes": good_sod + b"\x00\x00",
        "truncated": good_sod[:-1],
        "10 MB garbage": garbage,
        "10 MB garbage tagged 77": b"\x77" + garbage[1:],
        "10 MB garbage in a valid 77 TLV": _tlv77(garbage),
        "deep definite nesting": _tlv77(_nested_definite(20000)),
        "deep indefinite nesting": _tlv77(b"\x30\x80" * 200000 + b"\x00\x00" * 200000),
        "indefinite outer": b"\x77\x80" + good_sod[4:] + b"\x00\x00",
        "not SignedData": _tlv77(wrong_type),
        "certificate instead of SOD": _tlv77(make_csca().der),
        "wrong eContentType": _mutate(good_sod, econtent_type),
        "LDS version 7": lds(version),
        "duplicate DG number": lds(duplicate_dg),
        "DG number 0": lds(dg_zero),
        "deep nesting in a signed attribute": _mutate(good_sod, deep_attribute),
        "master list": (VECTORS / "trust" / "DE_masterlist_2026-05-28.ml").read_bytes()[:4096],
    }


@pytest.fixture(scope="module")
def hostile(good_sod) -> dict[str, bytes]:
    return _hostile_inputs(good_sod)


@pytest.mark.timeout(60)
def test_hostile_sod_bytes_end_as_failed_checks(hostile, csca) -> None:
    for name, data in hostile.items():
        with pytest.raises(MalformedResponseError):
            Sod.parse(data)
        verdict = _pa(data, TrustStore([csca.der]))
        parse = verdict.get("sod.parse")
        assert parse is not None and parse.result is Result.FAILED, name
        assert parse.reason.startswith("EF.SOD "), (name, parse.reason)
        assert _result(verdict, "sod.signature") is Result.NOT_PERFORMED
        assert not verdict.verified
        verdict.to_json()


def _flip_every_byte(original: bytes, verify: Callable[[bytes], Verdict]) -> None:
    reference = Sod.parse(original)
    for position in range(len(original)):
        mutated = bytearray(original)
        mutated[position] ^= 0x04
        verdict = verify(bytes(mutated))
        verdict.to_json()
        signature = verdict.get("sod.signature")
        if signature is not None and signature.result is Result.PASSED:
            sod = Sod.parse(bytes(mutated))
            assert sod.encapsulated_content == reference.encapsulated_content, position
            assert sod.dg_hashes == reference.dg_hashes


def test_bit_flips_in_a_specimen_never_raise_or_verify_altered_content() -> None:
    """Flip a bit in every byte of a real SOD: whatever still verifies signed the same content."""
    original = SPECIMEN_SODS["loes2006"].read_bytes()
    _flip_every_byte(original, lambda data: passive_authentication(data, {}, None))


def test_bit_flips_with_a_trust_store_and_crl(good_sod, csca) -> None:
    """Same, with the chain and CRL code running on every mangled DS certificate."""
    store = TrustStore([csca.der])
    crl = make_crl(csca, (5,))

    def verify(data: bytes) -> Verdict:
        verdict = _pa(data, store, crls=[crl])
        if verdict.verified:
            assert Sod.parse(data).encapsulated_content == Sod.parse(good_sod).encapsulated_content
        return verdict

    _flip_every_byte(good_sod, verify)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_fuzz_parse_random_bytes(data: bytes) -> None:
    for candidate in (data, b"\x77" + data, _tlv77(data)):
        try:
            Sod.parse(candidate)
        except MalformedResponseError:
            pass


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(SPECIMEN_SODS)),
    edits=st.lists(
        st.tuples(st.integers(min_value=0), st.integers(0, 255)), min_size=1, max_size=8
    ),
    cut=st.one_of(st.none(), st.integers(min_value=0)),
)
def test_fuzz_mutated_specimens(name: str, edits: list[tuple[int, int]], cut: int | None) -> None:
    data = bytearray(SPECIMEN_SODS[name].read_bytes())
    for position, value in edits:
        data[position % len(data)] = value
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    try:
        Sod.parse(bytes(data))
    except MalformedResponseError:
        pass
    verdict = passive_authentication(bytes(data), {1: b"\x61\x00"}, None)
    assert not verdict.verified
