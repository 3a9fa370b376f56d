"""The deterministic test PKI (mock_card.testpki): reproducible, well-formed, evil where meant."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtensionOID, NameOID
from pytest_mock import MockerFixture

from mock_card import testpki
from mock_card.testpki import TestPki, write_anchors

REPO = Path(__file__).resolve().parents[2]
UTC = dt.UTC
#: A fixed "now" for validity checks: the demo card's issue period.
NOW = dt.datetime(2026, 6, 1, tzinfo=UTC)

CERTS = [
    "csca_cert",
    "ds_cert",
    "root_cert",
    "citizen_ca_cert",
    "unknown_ds_cert",
    "expired_ds_cert",
    "rogue_csca_cert",
]
KEYS = [c.replace("_cert", "_key") for c in CERTS]

#: SHA-256 over the DER of every certificate of seed 1, in CERTS order. DER and RFC 6979 are
#: canonical, so this holds on every machine; change it only when the profile is changed on
#: purpose (and say so: every stored card and anchor made from seed 1 changes with it).
SEED1_FINGERPRINT = "04d1071db92359ef4e3a19d579980c3f8c36458a55fd8e4fb9706c2904309148"

_DUMP = """
import dataclasses, json, sys
from cryptography.hazmat.primitives import serialization
from mock_card.testpki import test_pki
pki = test_pki(int(sys.argv[1]))
out = {}
for f in dataclasses.fields(pki):
    v = getattr(pki, f.name)
    if f.name.endswith("_cert"):
        out[f.name] = v.public_bytes(serialization.Encoding.DER).hex()
    elif f.name.endswith("_key"):
        out[f.name] = v.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).hex()
print(json.dumps(out, sort_keys=True))
"""


def dump(pki: TestPki) -> dict[str, str]:
    out = {}
    for name in CERTS:
        out[name] = getattr(pki, name).public_bytes(serialization.Encoding.DER).hex()
    for name in KEYS:
        out[name] = (
            getattr(pki, name)
            .private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            .hex()
        )
    return out


def dump_in_subprocess(seed: int, hash_seed: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    proc = subprocess.run(
        [sys.executable, "-c", _DUMP, str(seed)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(proc.stdout)


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


@pytest.fixture(scope="module")
def pki() -> TestPki:
    return testpki.test_pki(1)


# --- determinism -------------------------------------------------------------------------


def test_same_seed_gives_identical_bytes_across_processes(pki: TestPki) -> None:
    first = dump_in_subprocess(1, "1")
    second = dump_in_subprocess(1, "4242")
    assert set(first) == set(CERTS) | set(KEYS)
    assert first == second
    assert first == dump(pki)


def test_rebuilding_without_the_cache_gives_identical_bytes(pki: TestPki) -> None:
    rebuilt = testpki._make_pki(1)
    assert rebuilt is not pki
    assert dump(rebuilt) == dump(pki)


def test_seed_1_fingerprint_is_pinned(pki: TestPki) -> None:
    digest = hashlib.sha256(b"".join(der(getattr(pki, name)) for name in CERTS)).hexdigest()
    assert digest == SEED1_FINGERPRINT


def test_cached_per_seed(pki: TestPki) -> None:
    assert testpki.test_pki(1) is pki
    assert testpki.test_pki() is pki


def test_different_seeds_give_different_material(pki: TestPki) -> None:
    other = dump(testpki.test_pki(2))
    mine = dump(pki)
    for name in CERTS + KEYS:
        assert other[name] != mine[name], name


def test_every_key_is_distinct(pki: TestPki) -> None:
    scalars = [getattr(pki, name).private_numbers().private_value for name in KEYS]
    assert len(set(scalars)) == len(KEYS)
    serials = [getattr(pki, name).serial_number for name in CERTS]
    assert len(set(serials)) == len(CERTS)
    assert all(0 < s < 2**159 for s in serials)  # positive, at most 20 octets


def test_seed_must_be_an_int() -> None:
    with pytest.raises(TypeError):
        testpki.test_pki("1")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        testpki.test_pki(True)


def test_not_collected_by_pytest() -> None:
    assert TestPki.__test__ is False
    assert testpki.test_pki.__test__ is False  # type: ignore[attr-defined]


# --- chains ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cert", "issuer"),
    [
        ("csca_cert", "csca_cert"),
        ("ds_cert", "csca_cert"),
        ("expired_ds_cert", "csca_cert"),
        ("rogue_csca_cert", "rogue_csca_cert"),
        ("unknown_ds_cert", "rogue_csca_cert"),
        ("root_cert", "root_cert"),
        ("citizen_ca_cert", "root_cert"),
    ],
)
def test_chain_signatures_verify(pki: TestPki, cert: str, issuer: str) -> None:
    child, parent = getattr(pki, cert), getattr(pki, issuer)
    child.verify_directly_issued_by(parent)
    aki = child.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = parent.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.digest


@pytest.mark.parametrize("name", CERTS)
def test_keys_match_certificates(pki: TestPki, name: str) -> None:
    cert = getattr(pki, name)
    key = getattr(pki, name.replace("_cert", "_key"))
    assert cert.public_key() == key.public_key()
    sig = key.sign(b"probe", ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    cert.public_key().verify(sig, b"probe", ec.ECDSA(hashes.SHA256()))


def test_certificate_signatures_are_deterministic_ecdsa(pki: TestPki) -> None:
    # RFC 6979: the same key and message give the same signature, so re-signing the CSCA's
    # TBS with its key reproduces the certificate's signature.
    again = pki.csca_key.sign(
        pki.csca_cert.tbs_certificate_bytes,
        ec.ECDSA(hashes.SHA384(), deterministic_signing=True),
    )
    assert again == pki.csca_cert.signature


# --- profile -----------------------------------------------------------------------------


def cn(name: x509.Name) -> str:
    return str(name.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)


def country(name: x509.Name) -> str:
    return str(name.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value)


@pytest.mark.parametrize(
    ("name", "subject", "issuer", "curve", "not_before", "not_after"),
    [
        (
            "csca_cert",
            "IR CSCA TEST",
            "IR CSCA TEST",
            "brainpoolP384r1",
            (2025, 1, 1),
            (2040, 1, 1),
        ),
        ("ds_cert", "IR DS TEST", "IR CSCA TEST", "brainpoolP256r1", (2025, 1, 1), (2036, 12, 31)),
        (
            "root_cert",
            "IR NID ROOT TEST",
            "IR NID ROOT TEST",
            "secp384r1",
            (2025, 1, 1),
            (2045, 1, 1),
        ),
        (
            "citizen_ca_cert",
            "IR NID CITIZEN CA TEST",
            "IR NID ROOT TEST",
            "secp384r1",
            (2025, 1, 1),
            (2040, 1, 1),
        ),
    ],
)
def test_names_curves_validity(
    pki: TestPki,
    name: str,
    subject: str,
    issuer: str,
    curve: str,
    not_before: tuple[int, int, int],
    not_after: tuple[int, int, int],
) -> None:
    cert = getattr(pki, name)
    assert cn(cert.subject) == subject and country(cert.subject) == "IR"
    assert cn(cert.issuer) == issuer and country(cert.issuer) == "IR"
    assert cert.public_key().curve.name == curve
    assert cert.version is x509.Version.v3
    assert isinstance(cert.signature_hash_algorithm, hashes.SHA384)
    assert cert.not_valid_before_utc.date() == dt.date(*not_before)
    assert cert.not_valid_after_utc.date() == dt.date(*not_after)
    assert cert.not_valid_before_utc <= NOW <= cert.not_valid_after_utc


@pytest.mark.parametrize(
    ("name", "path_length"),
    [("csca_cert", 0), ("root_cert", 1), ("citizen_ca_cert", 0), ("rogue_csca_cert", 0)],
)
def test_ca_extensions(pki: TestPki, name: str, path_length: int) -> None:
    exts = getattr(pki, name).extensions
    bc = exts.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca and bc.value.path_length == path_length
    ku = exts.get_extension_for_class(x509.KeyUsage)
    assert ku.critical
    assert ku.value.key_cert_sign and ku.value.crl_sign
    assert not ku.value.digital_signature and not ku.value.content_commitment
    ski = exts.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = getattr(pki, name)
    assert ski == x509.SubjectKeyIdentifier.from_public_key(cert.public_key())


def test_csca_private_key_usage_period(pki: TestPki) -> None:
    pkup = pki.csca_cert.extensions.get_extension_for_class(x509.PrivateKeyUsagePeriod).value
    assert pkup.not_before == dt.datetime(2025, 1, 1)
    assert pkup.not_after == dt.datetime(2030, 1, 1)


@pytest.mark.parametrize("name", ["ds_cert", "unknown_ds_cert", "expired_ds_cert"])
def test_document_signer_extensions(pki: TestPki, name: str) -> None:
    exts = getattr(pki, name).extensions
    ku = exts.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature
    assert not (ku.value.key_cert_sign or ku.value.crl_sign or ku.value.content_commitment)
    with pytest.raises(x509.ExtensionNotFound):
        exts.get_extension_for_class(x509.BasicConstraints)
    assert exts.get_extension_for_oid(ExtensionOID.AUTHORITY_KEY_IDENTIFIER)
    assert exts.get_extension_for_oid(ExtensionOID.SUBJECT_KEY_IDENTIFIER)
    doc_types = exts.get_extension_for_oid(testpki.OID_DOCUMENT_TYPE_LIST)
    assert not doc_types.critical
    assert doc_types.value.value == bytes.fromhex("3009020100310413024944")  # v0, {"ID"}


# --- evil variants -----------------------------------------------------------------------


def test_rogue_csca_has_the_real_name_but_another_key(pki: TestPki) -> None:
    assert pki.rogue_csca_cert.subject.public_bytes() == pki.csca_cert.subject.public_bytes()
    assert pki.rogue_csca_cert.public_key() != pki.csca_cert.public_key()
    with pytest.raises(InvalidSignature):
        pki.ds_cert.verify_directly_issued_by(pki.rogue_csca_cert)
    with pytest.raises(InvalidSignature):
        pki.rogue_csca_cert.verify_directly_issued_by(pki.csca_cert)


def test_unknown_ds_looks_like_the_real_ds_but_does_not_chain(pki: TestPki) -> None:
    unknown = pki.unknown_ds_cert
    assert unknown.subject == pki.ds_cert.subject
    assert unknown.issuer == pki.csca_cert.subject  # a lookup by name finds the real CSCA...
    with pytest.raises(InvalidSignature):  # ...and the signature does not verify with it
        unknown.verify_directly_issued_by(pki.csca_cert)
    aki = unknown.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    csca_ski = pki.csca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier != csca_ski.digest  # a lookup by key id finds nothing
    assert unknown.public_key() != pki.ds_cert.public_key()
    assert unknown.not_valid_before_utc <= NOW <= unknown.not_valid_after_utc


def test_expired_ds_is_genuine_but_expired(pki: TestPki) -> None:
    expired = pki.expired_ds_cert
    assert expired.subject == pki.ds_cert.subject
    expired.verify_directly_issued_by(pki.csca_cert)
    assert expired.not_valid_after_utc == dt.datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert expired.not_valid_after_utc < NOW
    assert expired.public_key() != pki.ds_cert.public_key()


# --- trust anchors -----------------------------------------------------------------------


def private_scalars(pki: TestPki) -> list[bytes]:
    out = []
    for name in KEYS:
        key = getattr(pki, name)
        out.append(key.private_numbers().private_value.to_bytes((key.curve.key_size + 7) // 8))
    return out


def test_write_anchors_writes_public_certificates_only(pki: TestPki, tmp_path: Path) -> None:
    out = tmp_path / "anchors"
    paths = write_anchors(pki, out)
    assert [p.name for p in paths] == ["csca.pem", "csca.der", "nid-root.pem", "nid-citizen-ca.pem"]
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths)  # no leftovers
    assert x509.load_pem_x509_certificate(paths[0].read_bytes()) == pki.csca_cert
    assert paths[1].read_bytes() == der(pki.csca_cert)
    assert x509.load_pem_x509_certificate(paths[2].read_bytes()) == pki.root_cert
    assert x509.load_pem_x509_certificate(paths[3].read_bytes()) == pki.citizen_ca_cert
    secrets = private_scalars(pki)
    for path in paths:
        data = path.read_bytes()
        assert b"PRIVATE" not in data
        assert not any(s in data for s in secrets)
        assert path.stat().st_mode & 0o777 == 0o644
    # idempotent: writing again replaces the files with identical bytes
    before = {p: p.read_bytes() for p in paths}
    assert write_anchors(pki, out) == paths
    assert {p: p.read_bytes() for p in paths} == before


def test_failed_write_leaves_nothing_half_written(
    pki: TestPki, tmp_path: Path, mocker: MockerFixture
) -> None:
    (tmp_path / "csca.pem").write_bytes(b"previous anchor")
    real_fdopen = os.fdopen
    calls = 0

    class HalfWriter:
        """A file that writes half of the data, then hits a full disk."""

        def __init__(self, fh: BinaryIO) -> None:
            self.fh = fh

        def __enter__(self) -> HalfWriter:
            return self

        def __exit__(self, *exc: object) -> None:
            self.fh.close()

        def write(self, data: bytes) -> int:
            self.fh.write(data[: len(data) // 2])
            self.fh.flush()
            raise OSError(28, "No space left on device")

    def flaky_fdopen(fd: int, *args: Any, **kwargs: Any) -> BinaryIO | HalfWriter:
        nonlocal calls
        calls += 1
        fh = real_fdopen(fd, *args, **kwargs)
        return HalfWriter(fh) if calls == 3 else fh

    mocker.patch("mock_card.testpki.os.fdopen", side_effect=flaky_fdopen)
    with pytest.raises(OSError, match="No space"):
        write_anchors(pki, tmp_path)
    assert calls == 3
    # nothing new appeared, the old file is untouched, no temporary files are left
    assert [p.name for p in tmp_path.iterdir()] == ["csca.pem"]
    assert (tmp_path / "csca.pem").read_bytes() == b"previous anchor"


def test_failed_rename_leaves_only_complete_files(
    pki: TestPki, tmp_path: Path, mocker: MockerFixture
) -> None:
    real_replace = os.replace
    calls = 0

    def flaky_replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError(5, "I/O error")
        real_replace(src, dst)

    mocker.patch("mock_card.testpki.os.replace", side_effect=flaky_replace)
    with pytest.raises(OSError, match="I/O error"):
        write_anchors(pki, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["csca.pem"]
    assert x509.load_pem_x509_certificate((tmp_path / "csca.pem").read_bytes()) == pki.csca_cert


def test_citizen_names_read_as_short_names() -> None:
    from asn1crypto import x509 as asn1_x509

    from idcard.pki.trust import dn_text

    name = asn1_x509.Name.build(
        {"country_name": "IR", "surname": "REZAEI", "given_name": "SARA", "serial_number": "PNOIR-0012345679"}
    )
    text = dn_text(name)
    for part in ("C=IR", "SN=REZAEI", "GN=SARA", "serialNumber=PNOIR-0012345679"):
        assert part in text
    assert "2.5.4." not in text
