"""Every error code the card-family drivers can raise has its own sentence in the app (not the
general "The operation failed"), in Persian and English; `card.unsupported_operation` is told
by its reason."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import idcard.cards
from gui.i18n import I18n
from gui.messages import DESK_REFUSAL, error_text, has_text
from idcard.cards.base import NEEDS_REGISTRY, NOT_PUBLIC, Operation, UnsupportedOperationError
from idcard.cards.login import LOGIN_NOT_POSSIBLE
from idcard.cards.pardis import PardisDriver
from reader.errors import CodedError
from tests.gui.conftest import wait_page


def _constant(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _codes_in(path: Path) -> set[str]:
    """`code="…"` at every call and `code = "…"` in every class of the module, and the class
    code of every error raised by name without one."""
    module = importlib.import_module(f"idcard.cards.{path.stem}")
    codes: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            given = next((_constant(k.value) for k in node.keywords if k.arg == "code"), None)
            if given:
                codes.add(given)
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "code" for t in node.targets
        ):
            value = _constant(node.value)
            if value:
                codes.add(value)
        elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            call = node.exc
            if any(k.arg == "code" for k in call.keywords) or not isinstance(call.func, ast.Name):
                continue
            raised = getattr(module, call.func.id, None)
            if isinstance(raised, type) and issubclass(raised, CodedError):
                codes.add(raised.code)
    return codes


def _card_codes() -> set[str]:
    folder = Path(idcard.cards.__file__).parent
    return set().union(*(_codes_in(p) for p in sorted(folder.glob("*.py"))))


def test_the_scan_finds_the_drivers_codes() -> None:
    codes = _card_codes()
    # The scan itself must work: these are raised in idcard/cards today.
    assert {"card.unsupported_operation", "pin.wrong", "pin.blocked", "keyservice.unavailable"} <= codes


@pytest.mark.parametrize("language", ["en", "fa"])
def test_every_code_raised_by_the_card_drivers_has_a_message(app, language: str) -> None:  # noqa: ANN001
    I18n(language)  # installs the translator
    missing = sorted(code for code in _card_codes() if not has_text(code))
    assert not missing, f"codes without a sentence in gui/messages.py: {missing}"
    general = error_text("no.such.code", "x")
    for code in _card_codes():
        text = error_text(code, "detail")
        assert text and text != general
        if language == "fa":
            assert any("\u0600" <= ch <= "\u06ff" for ch in text), (code, text)


def test_unsupported_operation_is_told_by_its_reason(app) -> None:  # noqa: ANN001
    I18n("en")

    def text(reason: str) -> str:
        exc = UnsupportedOperationError("mav4", Operation.AUTHENTICATE, reason)
        return error_text(exc.code, exc.message)

    assert text(LOGIN_NOT_POSSIBLE).startswith("Logging in with this national card is not possible")
    assert text(DESK_REFUSAL).startswith("The service desk cannot record this national card")
    assert text(NEEDS_REGISTRY).startswith("This card can do that only through the registry's")
    pardis_pin = PardisDriver.capabilities.missing[Operation.PIN_STATUS]  # worded its own way
    assert text(pardis_pin).startswith("This card can do that only through the registry's")
    assert "not been made public" in text(NOT_PUBLIC)
    assert text("some other reason") == "This card cannot do that here."


def test_reader_bad_name_has_its_sentence(app) -> None:  # noqa: ANN001
    I18n("fa")
    assert "کارت‌خوان" in error_text("reader.bad_name", "Unknown reader name x")
    I18n("en")
    assert error_text("reader.bad_name").startswith("That reader name cannot be used.")


def test_a_bad_reader_name_fails_with_its_message_not_as_a_removed_card(qtbot, make_window) -> None:  # noqa: ANN001
    window = make_window(None, readers=["nfc:udp:nowhere"], reader="nfc:udp:nowhere")
    qtbot.waitUntil(lambda: window.home.current_reader == "nfc:udp:nowhere", timeout=10000)
    window.start_read()
    wait_page(qtbot, window, window.status)
    qtbot.waitUntil(lambda: window.status.kind in ("failed", "removed"), timeout=20000)
    assert window.status.kind == "failed"
    assert window.status.message.text().startswith("That reader name cannot be used.")
