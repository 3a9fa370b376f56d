"""The German CSCA master list (real trust anchors, many with explicit EC parameters)."""

from __future__ import annotations

import base64
import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from asn1crypto import cms, core

from idcard.pki.trust import TrustStore
from tests.vectors import VECTORS

MASTER_LIST = VECTORS / "trust" / "DE_masterlist_2026-05-28.ml"
AT = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def _entries_in_file() -> int:
    """Count the list's certificates independently of the code under test."""
    signed = cms.ContentInfo.load(MASTER_LIST.read_bytes())["content"]
    ml = core.Sequence.load(bytes(signed["encap_content_info"]["content"]))
    return len(core.SetOf.load(ml[1].dump(), spec=core.Any))


@pytest.fixture(scope="module")
def store() -> TrustStore:
    return TrustStore()


@pytest.fixture(scope="module")
def first_import(store: TrustStore):
    return store.import_master_list(MASTER_LIST.read_bytes(), source=MASTER_LIST.name, at=AT)


def test_every_certificate_is_loaded(store, first_import, record_property) -> None:
    expected = _entries_in_file()
    record_property("master_list_loaded", first_import.loaded)
    record_property("master_list_skipped", len(first_import.skipped_with_reason))
    print(
        f"\nDE master list: {first_import.loaded} loaded of {expected}, "
        f"{len(first_import.skipped_with_reason)} skipped"
    )
    assert expected == 588
    assert first_import.skipped_with_reason == [], first_import.skipped_with_reason
    assert first_import.loaded == expected == len(store), f"loaded {first_import.loaded}"


def test_signer_verified_but_not_trusted_from_an_empty_store(first_import) -> None:
    assert first_import.signer_verified, first_import.signer_reason
    # The list brings csca-germany itself; that proves nothing about the list.
    assert not first_import.signer_trusted
    assert "was not in the trust store before" in first_import.signer_reason
    assert first_import.signer_subject and "CSCA Master List Signer" in first_import.signer_subject


def test_signer_trusted_once_its_csca_is_already_anchored(store, first_import) -> None:
    again = store.import_master_list(MASTER_LIST.read_bytes(), at=AT)
    assert again.signer_verified and again.signer_trusted, again.signer_reason
    assert "csca-germany" in again.signer_reason
    assert again.loaded == again.already_present == first_import.loaded
    assert len(store) == first_import.loaded


def test_explicit_parameter_keys_load_and_map(store, first_import, record_property) -> None:
    kinds = Counter()
    for cert in store:
        key = cert.public_key()
        if key.kind == "ec" and key.explicit_parameters:
            kinds[(key.curve, key.backend)] += 1
    explicit = sum(kinds.values())
    named = sum(n for (curve, _), n in kinds.items() if curve != "explicit")
    via_ecdsa = sum(n for (_, backend), n in kinds.items() if backend == "ecdsa")
    record_property("explicit_parameter_keys", explicit)
    record_property("explicit_mapped_to_named_curve", named)
    record_property("explicit_verified_via_ecdsa", via_ecdsa)
    print(
        f"\nexplicit-parameter EC keys: {explicit}; matched a named curve: {named}; "
        f"pure-Python ecdsa backend: {via_ecdsa}; by curve: {dict(kinds)}"
    )
    assert explicit == 160, dict(kinds)
    assert named == explicit  # every one is a standard curve spelled out
    assert {curve for curve, _ in kinds} >= {"brainpoolP256r1", "brainpoolP384r1", "secp384r1"}


def test_self_signed_certificates_verify_their_own_signature(store, first_import) -> None:
    verified = Counter()
    for cert in store:
        if not cert.is_self_issued:
            continue
        aki = cert.authority_key_identifier
        if aki is not None and aki != cert.subject_key_identifier:
            continue  # a link certificate: signed by the previous key, same DN
        cert.verify_issued_by(cert)  # raises if not
        key = cert.public_key()
        verified["explicit" if key.explicit_parameters else key.kind] += 1
    print(f"\nself-signed certificates verified: {dict(verified)}")
    assert sum(verified.values()) == 375
    assert verified["explicit"] == 97


def test_link_certificates_verify_with_a_stored_predecessor(store, first_import) -> None:
    """Issuer lookup by DN + key identifier finds the old key for most link certificates."""
    found = missing = 0
    for cert in store:
        if cert.is_self_issued and cert.authority_key_identifier in (
            None,
            cert.subject_key_identifier,
        ):
            continue
        for candidate in store.issuer_candidates(cert):
            try:
                cert.verify_issued_by(candidate)
            except Exception:  # noqa: BLE001 - wrong candidate, try the next
                continue
            found += 1
            break
        else:
            missing += 1  # the predecessor is no longer on the list
    print(f"\nnon-self-signed certificates whose issuer is on the list: {found}, not: {missing}")
    assert found == 201 and missing == 12


def test_tampered_master_list_imports_nothing() -> None:
    data = bytearray(MASTER_LIST.read_bytes())
    data[len(data) // 2] ^= 0x01  # inside some CSCA certificate of the signed content
    store = TrustStore()
    result = store.import_master_list(bytes(data), at=AT)
    assert not result.signer_verified
    assert result.loaded == 0 and len(store) == 0
    assert "does not verify" in result.signer_reason or "malformed" in result.signer_reason


def test_require_trusted_signer_refuses_an_unanchored_list() -> None:
    store = TrustStore()
    result = store.import_master_list(MASTER_LIST.read_bytes(), at=AT, require_trusted_signer=True)
    assert result.signer_verified and not result.signer_trusted
    assert result.loaded == 0 and len(store) == 0


def test_garbage_is_not_a_master_list() -> None:
    store = TrustStore()
    for data in (b"", b"\x30\x03\x02\x01\x00", b"\x00" * 1000, MASTER_LIST.read_bytes()[:5000]):
        result = store.import_master_list(data)
        assert result.loaded == 0 and not result.signer_verified
        assert result.skipped_with_reason
    assert len(store) == 0


def test_folder_load_skips_non_certificates(tmp_path: Path) -> None:
    store = TrustStore()
    store.import_master_list(MASTER_LIST.read_bytes(), at=AT)
    some = store.certificates[:3]
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "de.ml").write_bytes(MASTER_LIST.read_bytes())
    (tmp_path / "nested" / "deeper").mkdir(parents=True)
    (tmp_path / "nested" / "deeper" / "one.cer").write_bytes(some[0].der)
    pem = b"".join(
        b"-----BEGIN CERTIFICATE-----\n"
        + base64.encodebytes(c.der)
        + b"-----END CERTIFICATE-----\n"
        for c in some[1:]
    )
    (tmp_path / "two.pem").write_bytes(b"comment line\n" + pem)
    (tmp_path / "README.txt").write_text("not a certificate")
    (tmp_path / "empty.der").write_bytes(b"")
    (tmp_path / "broken.pem").write_bytes(
        b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n"
    )

    fresh = TrustStore()
    report = fresh.load_path(tmp_path)
    skipped = {Path(where.split("#")[0]).name for where, _ in report.skipped_with_reason}
    assert skipped == {"README.txt", "empty.der", "broken.pem"}, report.skipped_with_reason
    assert len(report.master_lists) == 1 and report.master_lists[0].loaded == 588
    assert len(fresh) == 588  # the loose certificates are on the list too
    assert report.loaded == 588 + 3
    assert len(fresh.warnings) == 3
