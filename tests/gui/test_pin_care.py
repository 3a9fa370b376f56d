"""Wrong PIN → warning → suspended → CAN (with the card picture) → blocked → PUK → unblocked → read."""

from __future__ import annotations

import logging
import re

from idcard.protocol.pace.oids import PasswordRef
from tests.gui.conftest import DEMO_CAN, DEMO_PIN, DEMO_PUK, type_secret, wait_page


def _wait_request(qtbot, window, kind: PasswordRef, reason: str):  # noqa: ANN001, ANN202
    pad = window.pinpad
    qtbot.waitUntil(
        lambda: (
            window.stack.currentWidget() is pad
            and pad.request is not None
            and (pad.request.kind, pad.request.reason) == (kind, reason)
        ),
        timeout=20000,
    )
    return pad.request


def test_wrong_pin_suspended_can_blocked_puk(qtbot, make_window, demo_card, caplog) -> None:  # noqa: ANN001
    caplog.set_level(logging.DEBUG)
    window = make_window(demo_card)
    pad = window.pinpad
    window.start_read()
    request = _wait_request(qtbot, window, PasswordRef.PIN, "start")
    assert request.tries_left == 3

    # 1st wrong PIN: 2 left, and the warning says the next wrong one suspends the PIN.
    type_secret(qtbot, window, "000000")
    request = _wait_request(qtbot, window, PasswordRef.PIN, "pin.wrong")
    assert request.tries_left == 2
    assert pad.warning.isVisible()
    assert "suspended" in pad.warning.text() and "CAN" in pad.warning.text()
    assert pad.tries_label.text() == "2 tries left"

    # 2nd wrong PIN: suspended → the CAN, with the picture of where it is printed.
    type_secret(qtbot, window, "111111")
    request = _wait_request(qtbot, window, PasswordRef.CAN, "pin.suspended")
    assert pad.picture.isVisible()
    assert "suspended" in pad.warning.text()
    assert pad.title.text() == "Enter your CAN"
    assert demo_card.card.image.counters.pin_tries == 1

    # A wrong CAN costs nothing and says so.
    type_secret(qtbot, window, "999999")
    _wait_request(qtbot, window, PasswordRef.CAN, "can.wrong")
    assert "Wrong CAN" in pad.warning.text()

    # The right CAN: one more PIN try, with the "last try" warning.
    type_secret(qtbot, window, DEMO_CAN)
    request = _wait_request(qtbot, window, PasswordRef.PIN, "can.ok")
    assert request.tries_left == 1
    assert "Last try" in pad.warning.text() and "PUK" in pad.warning.text()
    assert not pad.picture.isVisible()

    # 3rd wrong PIN: blocked → the PUK.
    type_secret(qtbot, window, "222222")
    request = _wait_request(qtbot, window, PasswordRef.PUK, "pin.blocked")
    assert request.tries_left == 10  # PUK uses left
    assert "blocked" in pad.warning.text()
    assert demo_card.card.image.counters.pin_tries == 0
    assert pad.field.maxLength() == 8

    # A wrong PUK: one use fewer.
    type_secret(qtbot, window, "00000000")
    request = _wait_request(qtbot, window, PasswordRef.PUK, "puk.wrong")
    assert request.tries_left == 9
    assert "9 more times" in pad.warning.text()

    # The PUK unblocks: 3 tries again, then the PIN reads the card.
    type_secret(qtbot, window, DEMO_PUK)
    request = _wait_request(qtbot, window, PasswordRef.PIN, "unblocked")
    assert request.tries_left == 3
    assert "unblocked" in pad.explanation.text()
    type_secret(qtbot, window, DEMO_PIN)
    wait_page(qtbot, window, window.identity)
    assert window.identity.view.headline.text().startswith("✓")
    assert demo_card.card.image.counters.pin_tries == 3

    # Every secret typed above, right or wrong, stays out of the logs (APDU
    # traces included, which are hex: a secret counts when it stands alone or
    # appears as the hex of its ASCII digits).
    typed = ["000000", "111111", "999999", DEMO_CAN, "222222", "00000000", DEMO_PUK, DEMO_PIN]
    logged = "\n".join(caplog.text.splitlines() + [r.getMessage() for r in caplog.records])
    assert len(caplog.records) > 20  # the card traffic was logged, so the check means something
    for secret in typed:
        assert not re.search(rf"(?<![0-9a-fA-F]){secret}(?![0-9a-fA-F])", logged), secret
        assert secret.encode().hex() not in logged.lower(), secret


def test_suspended_card_starts_with_the_can(qtbot, card_factory, make_window) -> None:  # noqa: ANN001
    slot = card_factory(pin_tries=1)
    window = make_window(slot, language="fa")
    window.start_read()
    _wait_request(qtbot, window, PasswordRef.CAN, "suspended")
    assert window.pinpad.picture.isVisible()
    assert window.pinpad.title.text() == "کد CAN را وارد کنید"


def test_blocked_card_starts_with_the_puk(qtbot, card_factory, make_window) -> None:  # noqa: ANN001
    slot = card_factory(pin_tries=0)
    window = make_window(slot)
    window.start_read()
    request = _wait_request(qtbot, window, PasswordRef.PUK, "blocked")
    assert request.tries_left == 10


def test_used_up_puk_is_a_dead_end_said_plainly(qtbot, card_factory, make_window) -> None:  # noqa: ANN001
    slot = card_factory(pin_tries=0, puk_uses=1)
    window = make_window(slot)
    window.start_read()
    _wait_request(qtbot, window, PasswordRef.PUK, "blocked")
    type_secret(qtbot, window, "00000000")
    qtbot.waitUntil(
        lambda: window.stack.currentWidget() is window.status and window.status.kind == "failed",
        timeout=20000,
    )
    assert "PUK is used up" in window.status.message.text()


def test_a_chip_failing_pace_on_the_can_is_not_called_a_wrong_can(
    qtbot, card_factory, make_window  # noqa: ANN001
) -> None:
    from reader.emulated import register_card
    from tests.unit.test_pin_dialogue import _LyingChip

    slot = card_factory(pin_tries=1)
    register_card(_LyingChip(slot.card), slot.label)  # the same card, now answering PACE falsely
    window = make_window(slot)
    window.start_read()
    _wait_request(qtbot, window, PasswordRef.CAN, "suspended")
    type_secret(qtbot, window, DEMO_CAN)  # the right CAN
    qtbot.waitUntil(
        lambda: window.stack.currentWidget() is window.status and window.status.kind == "failed",
        timeout=20000,
    )
    text = window.status.message.text()
    assert "genuine" in text and "Wrong CAN" not in text
    assert window.pinpad.request is None or window.pinpad.request.reason != "can.wrong"
