"""A PACE-CAM card read end to end: proven genuine by PACE-CAM, without Chip Authentication.

Over the in-process emulator, real pcscd + vpcd and nfcpy's udp radio alike,
and once through the `idcard read` command on a card file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from idcard.document import read_document
from idcard.pki.trust import TrustStore
from idcard.session import PIN, IdCard
from idcard.verdict import Result
from mock_card.image import PACE_CAM_OID
from mock_card.testpki import test_pki
from tests.e2e.test_cli import idcard, mock_card

ALL = pytest.mark.parametrize("mock_card_reader", ["inprocess", "vpcd", "nfc-udp"], indirect=True)
INS_MSE = 0x22


@pytest.fixture(scope="module")
def trust() -> TrustStore:
    return TrustStore([test_pki().csca_cert.public_bytes(Encoding.DER)])


def _read(reader_name: str, trust: TrustStore):  # noqa: ANN202 - (Document, PACE algorithm name)
    with IdCard.open(reader_name) as card:
        card.unlock(PIN, "123456")
        run = card.pace_cam_run()
        return read_document(card, trust, photo=False), run.algorithm.name if run else None


def _chip_checks(doc) -> dict[str, Result]:  # noqa: ANN001
    return {c.code: c.result for c in doc.verdict.checks if c.code.startswith("chip.")}


def _ca_sent(card) -> bool:  # noqa: ANN001
    # Secure messaging keeps INS and P1-P2 in the clear: CA's MSE is 22 41 A4 / 41 A6.
    return any(e.command[1] == INS_MSE and e.command[2] == 0x41 for e in card.transcript)


@ALL
@pytest.mark.mock_card(pace_oid=PACE_CAM_OID)
def test_cam_card_is_proven_genuine_by_pace_cam(mock_card_reader, trust) -> None:  # noqa: ANN001
    doc, algorithm = _read(mock_card_reader.name, trust)
    assert algorithm == "id-PACE-ECDH-CAM-AES-CBC-CMAC-128"
    assert doc.verdict.verified, doc.verdict.to_json()
    assert _chip_checks(doc) == {"chip.active_auth": Result.PASSED, "chip.pace_cam": Result.PASSED}
    assert "PACE-CAM" in doc.verdict.get("chip.pace_cam").reason  # type: ignore[union-attr]
    assert not _ca_sent(mock_card_reader.card)


@ALL
@pytest.mark.mock_card(variant="cloned-cam")
def test_cloned_cam_card_is_caught(mock_card_reader, trust) -> None:  # noqa: ANN001
    doc, algorithm = _read(mock_card_reader.name, trust)
    assert algorithm is not None
    assert not doc.verdict.verified
    assert _chip_checks(doc) == {"chip.active_auth": Result.PASSED, "chip.pace_cam": Result.FAILED}
    assert not _ca_sent(mock_card_reader.card)


def test_idcard_read_reports_pace_cam(tmp_path: Path) -> None:
    card, anchors = tmp_path / "cam.json", tmp_path / "anchors"
    assert mock_card("create", "--out", str(card), "--pace-oid", PACE_CAM_OID).returncode == 0
    assert mock_card("pki", "--out", str(anchors)).returncode == 0
    read = idcard("read", "--reader", f"emulator:{card}", "--pin-stdin", "--json", "--trust", str(anchors),
                  stdin="123456\n")
    assert read.returncode == 0, read.stderr
    checks = {c["code"]: c for c in json.loads(read.stdout)["verdict"]["checks"]}
    assert checks["chip.pace_cam"]["result"] == "passed" and "PACE-CAM" in checks["chip.pace_cam"]["reason"]
    assert "chip.chip_auth" not in checks
