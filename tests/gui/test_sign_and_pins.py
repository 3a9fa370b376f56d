"""Signing a file (CAN + PIN2 → FILE.p7s beside it), the PIN counters, change PIN, change signature PIN."""

from __future__ import annotations

import hashlib
from pathlib import Path

from asn1crypto import cms

from idcard.protocol.pace.oids import PasswordRef
from idcard.session import IdCard
from tests.gui.conftest import DEMO_CAN, DEMO_PIN, DEMO_PIN2, type_text


def test_sign_a_file(qtbot, make_window, demo_card, tmp_path: Path) -> None:  # noqa: ANN001
    window = make_window(demo_card)
    window.nav_to("sign")
    page = window.sign
    document = tmp_path / "contract.pdf"
    document.write_bytes(b"%PDF-1.4 a contract\n")
    page.file.setText(str(document))
    type_text(page.can, "۱۲۳۴۵۶")  # Persian digits are fine here too
    type_text(page.pin2, DEMO_PIN2)
    assert page.can.complete() and page.pin2.complete(), (page.can.text(), page.pin2.text())
    page.sign.click()
    assert page.can.text() == "" and page.pin2.text() == "", (
        page.message.text()
    )  # the secrets left the form at once
    target = tmp_path / "contract.pdf.p7s"
    qtbot.waitUntil(lambda: "Signed" in page.message.text(), timeout=30000)
    assert str(target) in page.message.text()
    signed = cms.ContentInfo.load(target.read_bytes())["content"]
    attrs = {
        a["type"].native: a["values"][0].native for a in signed["signer_infos"][0]["signed_attrs"]
    }
    assert attrs["message_digest"] == hashlib.sha384(document.read_bytes()).digest()
    assert signed["encap_content_info"]["content"].native is None  # detached
    assert document.read_bytes() == b"%PDF-1.4 a contract\n"  # the file itself is untouched


def test_sign_with_wrong_pin2_writes_nothing(qtbot, make_window, demo_card, tmp_path: Path) -> None:  # noqa: ANN001
    window = make_window(demo_card)
    window.nav_to("sign")
    page = window.sign
    document = tmp_path / "letter.txt"
    document.write_text("hello")
    page.file.setText(str(document))
    type_text(page.can, DEMO_CAN)
    type_text(page.pin2, "99999")
    page.sign.click()
    qtbot.waitUntil(lambda: "Wrong signature PIN" in page.message.text(), timeout=30000)
    assert "2 tries left" in page.message.text()
    assert not (tmp_path / "letter.txt.p7s").exists()


def test_pin_counters_and_changes(qtbot, make_window, demo_card) -> None:  # noqa: ANN001
    window = make_window(demo_card)
    window.nav_to("pins")
    page = window.pins
    qtbot.waitUntil(lambda: page.counters is not None, timeout=10000)
    assert page.counters.pin_tries == 3 and page.counters.puk_uses == 10
    assert page.status.text() == "PIN: 3 tries left"

    # Change PIN: a wrong current PIN is reported with the tries left.
    for field, value in (
        (page.pin_current, "000000"),
        (page.pin_new, "654321"),
        (page.pin_repeat, "654321"),
    ):
        type_text(field, value)
    page.pin_go.click()
    qtbot.waitUntil(lambda: "Wrong PIN" in page.message.text(), timeout=10000)
    qtbot.waitUntil(
        lambda: page.counters is not None and page.counters.pin_tries == 2, timeout=10000
    )

    # Mismatched new PINs never reach the card.
    for field, value in (
        (page.pin_current, DEMO_PIN),
        (page.pin_new, "654321"),
        (page.pin_repeat, "654320"),
    ):
        type_text(field, value)
    page.pin_go.click()
    assert "not the same" in page.message.text()

    for field, value in (
        (page.pin_current, DEMO_PIN),
        (page.pin_new, "۶۵۴۳۲۱"),
        (page.pin_repeat, "654321"),
    ):
        type_text(field, value)
    page.pin_go.click()
    qtbot.waitUntil(lambda: page.message.text() == "Your PIN is changed.", timeout=10000)
    assert all(f.text() == "" for f in (page.pin_current, page.pin_new, page.pin_repeat))
    qtbot.waitUntil(
        lambda: not window.worker.busy, timeout=10000
    )  # one session at a time on the card
    with IdCard.open(demo_card.name) as card:
        card.unlock(PasswordRef.PIN, "654321")  # the card takes the new PIN

    # Change the signature PIN (CAN + current PIN2 + new).
    for field, value in (
        (page.can, DEMO_CAN),
        (page.pin2_current, DEMO_PIN2),
        (page.pin2_new, "987654"),
        (page.pin2_repeat, "987654"),
    ):
        type_text(field, value)
    page.pin2_go.click()
    qtbot.waitUntil(lambda: page.message.text() == "Your signature PIN is changed.", timeout=10000)
    qtbot.waitUntil(lambda: not window.worker.busy, timeout=10000)
    with IdCard.open(demo_card.name) as card:
        card.unlock(PasswordRef.CAN, DEMO_CAN)
        card.verify_signature_pin("987654")
