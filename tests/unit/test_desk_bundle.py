"""Desk records without the GUI: build one from the emulated card, then `idcard verify-bundle` it offline."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from idcard.desk.challenge import sign_desk_challenge
from idcard.desk.records import PURPOSES, Record, build_record, record_hash, verify_bundle
from idcard.document import read_files, verify_files
from idcard.pki.trust import TrustStore
from idcard.session import PIN, IdCard
from mock_card.card import EmulatedCard
from mock_card.personalize import personalize
from mock_card.testpki import test_pki
from reader.emulated import EmulatedTransport

ROOT = Path(__file__).resolve().parents[2]
DESK, OPERATOR = "Desk 3", "operator-7"


@pytest.fixture(scope="module")
def csca_der() -> bytes:
    return test_pki().csca_cert.public_bytes(Encoding.DER)


@pytest.fixture(scope="module")
def record(csca_der: bytes) -> Record:
    purpose = PURPOSES["identity"]
    when = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with IdCard(EmulatedTransport(EmulatedCard(personalize()))) as card:
        card.unlock(PIN, "123456")
        signed = sign_desk_challenge(card, DESK, OPERATOR, when)
        files, chip = read_files(card, data_groups=purpose.data_groups)
    document = verify_files(files, TrustStore([csca_der]), at=when, chip_checks=chip)
    assert document.verdict.verified, document.verdict.failures
    return build_record(document, signed, None, desk=DESK, operator=OPERATOR, purpose=purpose, challenge_time=when)


def _bundle(record: Record, change=None, *, rehash: bool = True) -> str:  # noqa: ANN001
    """The exported bundle, optionally edited (and re-hashed, as a forger who knows the format would)."""
    body = json.loads(json.dumps(record.body))
    if change is not None:
        change(body)
    digest = record_hash(body) if rehash else record.hash
    return json.dumps({**body, "hash": f"sha256:{digest}"})


def _verify_cli(tmp_path: Path, text: str, csca_der: bytes | None, *extra: str) -> tuple[int, dict]:
    bundle = tmp_path / "bundle.json"
    bundle.write_text(text, encoding="utf-8")
    args = [sys.executable, "-m", "idcard.cli", "verify-bundle", str(bundle), "--json", *extra]
    if csca_der is not None:
        anchor = tmp_path / "csca.der"
        anchor.write_bytes(csca_der)
        args += ["--trust", str(anchor)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=60, cwd=ROOT)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout)


def _results(data: dict) -> dict[str, str]:
    return {c["code"]: c["result"] for c in data["verdict"]["checks"]}


def test_a_genuine_bundle_verifies_offline(tmp_path: Path, record: Record, csca_der: bytes) -> None:
    code, data = _verify_cli(tmp_path, record.bundle_json(), csca_der, "--hash", record.hash)
    assert code == 0 and data["verdict"]["verified"] is True
    results = _results(data)
    for check in ("desk.record_hash", "desk.challenge", "desk.identity", "chip.active_auth", "sod.signature"):
        assert results[check] == "passed", check
    assert data["record"]["desk"] == DESK and data["record"]["identity"]["nationalCode"]


def test_no_trust_anchor_is_untrusted_not_verified(tmp_path: Path, record: Record) -> None:
    code, data = _verify_cli(tmp_path, record.bundle_json(), None)
    assert code == 5 and data["verdict"]["verified"] is False


def _edit_identity(body: dict) -> None:
    body["identity"]["nationalCode"] = "0000000000"


def _flip_dg1(body: dict) -> None:
    dg1 = bytearray(base64.b64decode(body["evidence"]["dataGroups"]["1"]))
    dg1[-1] ^= 1
    body["evidence"]["dataGroups"]["1"] = base64.b64encode(bytes(dg1)).decode()


def _other_operator(body: dict) -> None:
    body["operator"] = "someone-else"


def _other_signature(body: dict) -> None:
    signature = bytearray(base64.b64decode(body["evidence"]["activeAuthentication"]["signature"]))
    signature[5] ^= 0x40
    body["evidence"]["activeAuthentication"]["signature"] = base64.b64encode(bytes(signature)).decode()


@pytest.mark.parametrize(
    ("change", "rehash", "failed"),
    [
        (_edit_identity, False, "desk.record_hash"),  # changed after saving
        (_edit_identity, True, "desk.identity"),  # a forger who re-hashes: the signed DGs disagree
        (_flip_dg1, True, "sod.hash.dg1"),
        (_other_operator, True, "desk.challenge"),
        (_other_signature, True, "chip.active_auth"),
    ],
)
def test_a_tampered_bundle_fails(tmp_path: Path, record: Record, csca_der: bytes, change, rehash: bool, failed: str) -> None:  # noqa: ANN001
    code, data = _verify_cli(tmp_path, _bundle(record, change, rehash=rehash), csca_der)
    assert code == 1 and data["verdict"]["verified"] is False
    assert _results(data)[failed] == "failed"


def test_a_hash_other_than_the_receipts_fails(tmp_path: Path, record: Record, csca_der: bytes) -> None:
    code, data = _verify_cli(tmp_path, record.bundle_json(), csca_der, "--hash", "0" * 64)
    assert code == 1 and _results(data)["desk.record_hash"] == "failed"


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        json.dumps({"format": "something-else"}),
        json.dumps({"format": "idcard-desk-record:1", "hash": "sha256:00", "evidence": []}),
        json.dumps({"format": "idcard-desk-record:1", "hash": "sha256:00",
                    "evidence": {"sod": "AA==", "dataGroups": {"x": "AA=="}}}),
    ],
)
def test_what_is_no_bundle_is_a_typed_failure(tmp_path: Path, csca_der: bytes, text: str) -> None:
    code, data = _verify_cli(tmp_path, text, csca_der)
    assert code == 1 and _results(data) == {"desk.bundle": "failed"}


def test_the_library_and_the_command_agree(record: Record, csca_der: bytes) -> None:
    verdict, body = verify_bundle(record.bundle_json(), TrustStore([csca_der]), expected_hash=record.hash)
    assert verdict.verified and body["id"] == record.id
