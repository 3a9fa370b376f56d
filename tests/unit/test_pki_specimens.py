"""Passive authentication of the public specimen documents (ground truth, see vectors README).

Their CSCA certificates are not public, so a correct verifier says: SOD
signature passed, every supplied DG hash passed, chain *untrusted*.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from idcard.lds.sod import Sod
from idcard.pki.passive import passive_authentication
from idcard.pki.trust import CertificateInfo, TrustStore
from idcard.verdict import Result
from tests.vectors import VECTORS

LDS = VECTORS / "lds"
BSI2008 = LDS / "bsi2008-mustermann"
TR03105 = LDS / "bsi-tr03105-5"
ETSI = LDS / "etsi-tr103200"
LOES = LDS / "loes2006"

#: specimen -> (EF.SOD, {DG number: file}) as the README's "what verifies" column has it.
SPECIMENS: dict[str, tuple[Path, dict[int, Path]]] = {
    "bsi2008-mustermann": (
        BSI2008 / "EF_SOD.bin",
        {
            1: BSI2008 / "Datagroup1.bin",
            2: BSI2008 / "Datagroup2.bin",
            3: BSI2008 / "Datagroup3.bin",
            14: BSI2008 / "Datagroup14.bin",
        },
    ),
    "bsi-tr03105-5": (
        TR03105 / "EF_SOD.bin",
        {
            1: TR03105 / "Datagroup1.bin",
            14: TR03105 / "Datagroup14.bin",
            # The reference data set reuses the 2008 passport's biometrics.
            2: BSI2008 / "Datagroup2.bin",
            3: BSI2008 / "Datagroup3.bin",
            4: BSI2008 / "Datagroup4.bin",
        },
    ),
    "etsi-tr103200": (
        ETSI / "ETSI_TR103200_EACAA_EF_SOD.bin",
        {
            1: ETSI / "ETSI_TR103200_EACAA_EF_DG1.bin",
            14: ETSI / "ETSI_TR103200_EACAA_EF_DG14.bin",
            15: ETSI / "ETSI_TR103200_EACAA_EF_DG15.bin",
        },
    ),
    "loes2006": (
        LOES / "ef011D.bin",
        {1: LOES / "ef0101.bin", 2: LOES / "ef0102.bin", 15: LOES / "ef010F.bin"},
    ),
}

EXPECTED_ALGORITHM = {
    "bsi2008-mustermann": "ecdsa-der-sha1",
    "bsi-tr03105-5": "rsassa-pss(sha256, mgf1-sha256, salt 32)",
    "etsi-tr103200": "rsassa-pss(sha256, mgf1-sha256, salt 32)",
    "loes2006": "sha256WithRSAEncryption",
}


def _load(name: str) -> tuple[bytes, dict[int, bytes]]:
    sod_file, dg_files = SPECIMENS[name]
    return sod_file.read_bytes(), {n: p.read_bytes() for n, p in dg_files.items()}


def _inside_ds_validity(sod_bytes: bytes) -> dt.datetime:
    ds = CertificateInfo.from_der(Sod.parse(sod_bytes).ds_certificate or b"")
    return ds.not_before + (ds.not_after - ds.not_before) / 2


@pytest.fixture(scope="module")
def german_master_list() -> TrustStore:
    store = TrustStore()
    store.load_path(VECTORS / "trust" / "DE_masterlist_2026-05-28.ml")
    return store


@pytest.mark.parametrize("name", sorted(SPECIMENS))
@pytest.mark.parametrize("trust_kind", ["none", "empty", "german-master-list"])
def test_specimen_passive_authentication(name: str, trust_kind: str, german_master_list) -> None:
    sod_bytes, dgs = _load(name)
    trust = {"none": None, "empty": TrustStore(), "german-master-list": german_master_list}[
        trust_kind
    ]
    verdict = passive_authentication(sod_bytes, dgs, trust, at=_inside_ds_validity(sod_bytes))
    report = verdict.to_json()

    signature = verdict.get("sod.signature")
    assert signature is not None and signature.result is Result.PASSED, report
    assert signature.details["algorithm"] == EXPECTED_ALGORITHM[name]
    for number in dgs:
        check = verdict.get(f"sod.hash.dg{number}")
        assert check is not None and check.result is Result.PASSED, report
    listed_not_read = set(Sod.parse(sod_bytes).dg_hashes) - set(dgs)
    for number in listed_not_read:
        assert verdict.get(f"sod.hash.dg{number}").result is Result.NOT_PERFORMED
    assert verdict.get("ds.validity").result is Result.PASSED, report
    chain = verdict.get("csca.chain")
    assert chain.result is Result.UNTRUSTED, report
    assert chain.reason.startswith("no trust anchor for issuer ")
    assert verdict.get("crl").result is Result.NOT_PERFORMED
    assert not verdict.failures, report
    assert not verdict.verified  # untrusted is never "verified"


@pytest.mark.parametrize("name", sorted(SPECIMENS))
def test_specimen_ds_certificates_have_expired_by_now(name: str) -> None:
    sod_bytes, dgs = _load(name)
    verdict = passive_authentication(sod_bytes, dgs, None)
    assert verdict.get("sod.signature").result is Result.PASSED
    assert verdict.get("ds.validity").result is Result.FAILED
    assert "expired" in verdict.get("ds.validity").reason


def test_bsi2008_files_outside_the_sod_are_reported() -> None:
    """DG4 and DG15 are in the folder but not hashed in this SOD: a DG read but unlisted fails."""
    sod_bytes, dgs = _load("bsi2008-mustermann")
    dgs[4] = (BSI2008 / "Datagroup4.bin").read_bytes()
    dgs[15] = (BSI2008 / "Datagroup15.bin").read_bytes()
    verdict = passive_authentication(sod_bytes, dgs, None, at=_inside_ds_validity(sod_bytes))
    for number in (4, 15):
        check = verdict.get(f"sod.hash.dg{number}")
        assert check.result is Result.FAILED and "does not list" in check.reason


def test_bsi2008_ds_key_has_explicit_brainpool_parameters() -> None:
    """The 2008 DS key is brainpoolP224r1 spelled out as explicit parameters (ecdsa path)."""
    sod = Sod.parse(SPECIMENS["bsi2008-mustermann"][0].read_bytes())
    key = CertificateInfo.from_der(sod.ds_certificate or b"").public_key()
    assert (key.kind, key.curve, key.explicit_parameters) == ("ec", "brainpoolP224r1", True)
    assert key.backend == "ecdsa"  # cryptography has no brainpoolP224r1


def test_bsi2008_face_does_not_match_another_documents_sod() -> None:
    """Cross-check the cross-match: the same DG2 must not verify under an unrelated SOD."""
    sod_bytes, _ = _load("loes2006")
    verdict = passive_authentication(
        sod_bytes, {2: (BSI2008 / "Datagroup2.bin").read_bytes()}, None
    )
    assert verdict.get("sod.hash.dg2").result is Result.FAILED
