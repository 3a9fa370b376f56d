"""The PIN page: counters, PIN and signature-PIN changes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication

from gui.messages import error_text, pad_text
from gui.pages.pins import ChangeRequest, PinCounters
from idcard.cards.base import CardDriver, Operation, pin_counters_json
from idcard.cards.keyservice import CardKeyService
from idcard.cards.keyservice_http import HttpCardKeyService
from idcard.session import CAN, PIN, SecretRequest

if TYPE_CHECKING:
    from gui.window import MainWindow

translate = QCoreApplication.translate


class PinsController:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.page = window.pins
        self.page.refresh_requested.connect(self.refresh)
        self.page.change_requested.connect(self.change)

    def refresh(self) -> None:
        reader = self.window.current_reader()
        if not reader:
            self.page.show_counters(None)
            return
        opener = self.window.opener
        url = self.window.config.key_service_url
        service = HttpCardKeyService(url) if url else None

        def job(_report: Any) -> PinCounters:
            with opener(reader) as card:
                driver = card.nid_driver()
                if driver is not None:
                    return _id_pin_counters(driver, service)
                status = card.pin_status()
                return PinCounters(status.tries_left, status.state, card.puk_uses_left())

        self.page.set_busy(True)
        self.window.worker.run(job, done=self._counted, error=self._count_failed)

    def _counted(self, counters: PinCounters) -> None:
        self.page.set_busy(False)
        self.page.show_counters(counters)

    def _count_failed(self, exc: BaseException) -> None:
        self.page.set_busy(False)
        self.page.show_counters(None)
        code = getattr(exc, "code", "app.error")
        if code not in ("card.absent", "card.removed"):
            self.page.show_message(error_text(code, getattr(exc, "message", str(exc))), False)

    def change(self, request: ChangeRequest) -> None:
        reader = self.window.current_reader()
        if not reader:
            self.page.show_message(error_text("card.absent"), False)
            return
        opener = self.window.opener

        def job(_report: Any, request: ChangeRequest = request) -> str:
            try:
                with opener(reader) as card:
                    driver = card.nid_driver()
                    if driver is not None:
                        # Changing a real card's PIN: its commands were never published (§8).
                        driver.require(Operation.CHANGE_PIN)
                    if request.kind == "pin":
                        card.change_pin(request.current, request.new)
                    else:
                        card.unlock(CAN, request.can)
                        card.change_signature_pin(request.current, request.new)
                return request.kind
            finally:
                del request

        del request
        self.page.set_busy(True)
        self.page.show_message("", True)
        self.window.worker.run(job, done=self._changed, error=self._change_failed)

    def _changed(self, kind: str) -> None:
        self.page.set_busy(False)
        text = (
            translate("MainWindow", "Your PIN is changed.")
            if kind == "pin"
            else translate("MainWindow", "Your signature PIN is changed.")
        )
        self.page.show_message(text, True)
        self.refresh()

    def _change_failed(self, exc: BaseException) -> None:
        self.page.set_busy(False)
        code = getattr(exc, "code", "app.error")
        tries = getattr(exc, "tries_left", None)
        if code == "pin.wrong" and tries is not None:
            text = pad_text(SecretRequest(PIN, tries, "pin.wrong"), self.window.i18n).warning
        elif code == "pin2.wrong" and tries is not None:
            text = tries_left_text(code, tries, self.window)
        elif code == "auth.password":
            text = error_text("can.wrong")
        else:
            text = error_text(code, getattr(exc, "message", str(exc)))
        self.page.show_message(text, False)
        self.refresh()


def _id_pin_counters(driver: CardDriver, service: CardKeyService | None) -> PinCounters:
    """A real card's ID-PIN tries, without spending one; raises `card.unsupported_operation`
    where the family cannot tell (Pardis without the registry's service)."""
    counters = driver.id_pin_status(service)
    state = str(pin_counters_json(counters)["state"])  # no suspended state on NID cards (§5)
    return PinCounters(counters.tries_left, state, None, family=driver.family)


def tries_left_text(code: str, tries: int, window: MainWindow) -> str:
    """"Wrong signature PIN. N tries left." in the citizen's language and digits."""
    left = translate("MainWindow", "{n} tries left.").format(n=window.i18n.digits(tries))
    return f"{error_text(code)} {left}"
