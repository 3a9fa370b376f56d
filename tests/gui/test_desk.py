"""Service desk: read (citizen types the PIN), record, search, PDF receipt, JSON bundle re-verified offline."""

from __future__ import annotations

import base64
import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from gui.trust import build_trust
from idcard.desk.records import PURPOSES, Record, files_of, verify_bundle
from idcard.desk.store import SqliteStore
from mock_card.testpki import test_pki as make_test_pki
from tests.gui.conftest import DEMO_PIN, type_secret, wait_page


def desk_read_and_record(qtbot, window, purpose: str = "identity") -> Record:  # noqa: ANN001
    window.nav_to("desk")
    desk = window.desk
    desk.purpose.setCurrentIndex(desk.purpose.findData(purpose))
    desk.read.click()
    wait_page(qtbot, window, window.pinpad)
    assert window.pinpad.context_label.text() == "Service desk"
    type_secret(qtbot, window, DEMO_PIN)
    qtbot.waitUntil(
        lambda: window.stack.currentWidget() is desk and desk.result is not None, timeout=30000
    )
    assert desk.view.headline.text().startswith("✓")
    assert "TEST" in desk.view.headline.text()  # verified, but only against the demo's TEST PKI
    assert desk.record.isEnabled()
    count = len(desk.records)
    desk.record.click()
    qtbot.waitUntil(
        lambda: not desk.record.isEnabled() and len(desk.records) == count + 1, timeout=10000
    )
    assert "Recorded" in desk.result_message.text()
    return desk.records[0]


def test_desk_record_receipt_bundle_reverified(
    qtbot, make_window, demo_card, tmp_path: Path
) -> None:  # noqa: ANN001
    window = make_window(demo_card)
    record = desk_read_and_record(qtbot, window)

    body = record.body
    assert (
        body["desk"] == "Desk 7"
        and body["operator"] == "clerk-ali"
        and body["purpose"] == "identity"
    )
    assert body["verdict"]["verified"] is True
    # Only what the purpose needs: no photo, no address, birthplace or father's name.
    assert sorted(body["evidence"]["dataGroups"]) == ["1", "11", "14", "15"]
    assert set(body["identity"]) == set(PURPOSES["identity"].fields)
    assert body["identity"]["nationalCode"] == "0012345679"
    assert body["identity"]["familyName"] == {"fa": "رضایی", "latin": "REZAEI"}
    aa = body["evidence"]["activeAuthentication"]
    assert len(base64.b64decode(aa["challenge"])) == 8 and base64.b64decode(aa["signature"])

    # Stored in SQLite, found by the search (Persian digits work too).
    store = SqliteStore(tmp_path / "desk.sqlite3")
    assert store.get(record.id).hash == record.hash
    window.desk.search.setText("۰۰۱۲۳۴")
    qtbot.waitUntil(lambda: len(window.desk.records) == 1, timeout=5000)
    window.desk.search.setText("nobody-like-this")
    qtbot.waitUntil(lambda: len(window.desk.records) == 0, timeout=5000)
    window.desk.search.setText("rezaei")
    qtbot.waitUntil(lambda: len(window.desk.records) == 1, timeout=5000)
    window.desk.select_row(0)
    assert window.desk.receipt.isEnabled()

    # Exports: the PDF receipt and the JSON evidence bundle (file dialogs replaced).
    pdf, bundle_path = tmp_path / "receipt.pdf", tmp_path / "evidence.json"
    answers = iter([str(pdf), str(bundle_path)])
    window.ask_save_path = lambda *_a: next(answers)
    window.desk.receipt.click()
    window.desk.bundle.click()
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 5000
    # The demo card is checked against the TEST PKI: the receipt says so in its text.
    printed = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    assert "TEST" in printed.stdout.split("Identity")[0]  # above the title
    assert "national registry" in printed.stdout
    assert (
        b"/NotoSansArabic" in pdf.read_bytes()
    )  # the Persian name is set in a shaping Persian font
    # Photo, national code: readable by the desk's account only, whatever the umask.
    for private in (pdf, bundle_path, tmp_path / "desk.sqlite3"):
        assert stat.S_IMODE(private.stat().st_mode) == 0o600, private
    bundle = json.loads(bundle_path.read_text(encoding="utf-8"))
    assert bundle["hash"] == f"sha256:{record.hash}"

    # Re-verified offline from the exported file, with only the trust anchors.
    trust = build_trust(test_anchors=True)
    verdict, _ = verify_bundle(bundle_path.read_text(encoding="utf-8"), trust.documents)
    assert verdict.verified, [c.to_json() for c in verdict.checks if c.result.value != "passed"]
    codes = {c.code: c.result.value for c in verdict.checks}
    assert codes["desk.record_hash"] == "passed"
    assert codes["desk.challenge"] == "passed"
    assert codes["chip.active_auth"] == "passed"
    assert codes["desk.identity"] == "passed"
    assert codes["sod.signature"] == "passed" and codes["csca.chain"] == "passed"

    # And through the GUI: "Check again" and "Check an evidence file…".
    window.desk.reverify.click()
    assert window.desk_controller.last_reverification.verified
    window.desk_controller.reverify_dialog.close()
    window.ask_open_path = lambda *_a: str(bundle_path)
    window.desk.check_file.click()
    assert window.desk_controller.last_reverification.verified
    window.desk_controller.reverify_dialog.close()

    # Without the TEST anchors the same bundle is untrusted, never verified.
    untrusted, _ = verify_bundle(bundle_path.read_text(encoding="utf-8"), build_trust().documents)
    assert not untrusted.verified and untrusted.is_untrusted


def test_tampered_bundle_fails(qtbot, make_window, demo_card, tmp_path: Path) -> None:  # noqa: ANN001
    window = make_window(demo_card)
    record = desk_read_and_record(qtbot, window)
    trust = build_trust(test_anchors=True).documents
    bundle = record.bundle()

    changed = json.loads(json.dumps(bundle))
    changed["identity"]["nationalCode"] = "0012345670"
    verdict, _ = verify_bundle(json.dumps(changed), trust)
    assert not verdict.verified
    assert verdict.get("desk.record_hash").result.value == "failed"

    # Even with the hash recomputed, the identity no longer matches the signed data.
    from idcard.desk.records import record_hash

    changed.pop("hash")
    changed["hash"] = f"sha256:{record_hash(changed)}"
    verdict, _ = verify_bundle(json.dumps(changed), trust)
    assert verdict.get("desk.record_hash").result.value == "passed"
    assert verdict.get("desk.identity").result.value == "failed"
    assert not verdict.verified

    # A different operator or time: the chip's signature was over another challenge.
    other = json.loads(json.dumps(bundle))
    other["operator"] = "someone-else"
    other.pop("hash")
    other["hash"] = f"sha256:{record_hash(other)}"
    verdict, _ = verify_bundle(json.dumps(other), trust)
    assert verdict.get("desk.challenge").result.value == "failed"
    assert not verdict.verified

    # A signature from another chip (or altered) fails Active Authentication.
    forged = json.loads(json.dumps(bundle))
    sig = bytearray(base64.b64decode(forged["evidence"]["activeAuthentication"]["signature"]))
    sig[5] ^= 0xFF
    forged["evidence"]["activeAuthentication"]["signature"] = base64.b64encode(bytes(sig)).decode()
    forged.pop("hash")
    forged["hash"] = f"sha256:{record_hash(forged)}"
    verdict, _ = verify_bundle(json.dumps(forged), trust)
    assert verdict.get("chip.active_auth").result.value == "failed"
    assert not verdict.verified


def test_bundle_files_pass_idcard_verify_document(
    qtbot, make_window, demo_card, tmp_path: Path
) -> None:  # noqa: ANN001
    """The bundle carries the SOD and DGs as read: `idcard verify-document` re-checks them too."""
    window = make_window(demo_card)
    record = desk_read_and_record(qtbot, window, purpose="identity-photo")
    assert "2" in record.body["evidence"]["dataGroups"]  # the photo purpose keeps the photo
    files = files_of(record.bundle())
    (tmp_path / "EF_SOD.bin").write_bytes(files.sod)
    args = [
        sys.executable,
        "-m",
        "idcard.cli",
        "verify-document",
        "--sod",
        str(tmp_path / "EF_SOD.bin"),
    ]
    for number, data in files.dgs.items():
        path = tmp_path / f"DG{number}.bin"
        path.write_bytes(data)
        args += ["--dg", f"{number}={path}"]
    csca = tmp_path / "csca.der"
    csca.write_bytes(make_test_pki().csca_cert.public_bytes(Encoding.DER))
    args += ["--trust", str(csca), "--at", record.body["createdAt"], "--json"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr + done.stdout
    out = json.loads(done.stdout)
    assert out["verdict"]["verified"] is True


def test_document_purpose_stores_only_mrz_data(qtbot, make_window, demo_card) -> None:  # noqa: ANN001
    window = make_window(demo_card)
    record = desk_read_and_record(qtbot, window, purpose="document")
    assert sorted(record.body["evidence"]["dataGroups"]) == ["1", "14", "15"]
    assert set(record.identity) == {
        "givenNameLatin",
        "familyNameLatin",
        "nationalCode",
        "documentNumber",
        "expiryDate",
    }
    verdict, _ = verify_bundle(record.bundle_json(), build_trust(test_anchors=True).documents)
    assert verdict.verified


@pytest.mark.parametrize("variant", ["cloned", "tampered-dg"])
def test_evil_card_is_recorded_as_not_verified(
    qtbot, make_window, card_factory, variant: str
) -> None:  # noqa: ANN001
    slot = card_factory(variant=variant)
    window = make_window(slot)
    window.nav_to("desk")
    window.desk.read.click()
    wait_page(qtbot, window, window.pinpad)
    type_secret(qtbot, window, DEMO_PIN)
    qtbot.waitUntil(lambda: window.desk.result is not None, timeout=30000)
    assert window.desk.view.headline.text().startswith("✕")
    window.desk.record.click()
    qtbot.waitUntil(lambda: len(window.desk.records) == 1, timeout=10000)
    record = window.desk.records[0]
    assert record.verified is False
    assert window.desk.table.item(0, 3).text() == "not verified"
    verdict, _ = verify_bundle(record.bundle_json(), build_trust(test_anchors=True).documents)
    assert not verdict.verified
