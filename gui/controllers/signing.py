"""The signing page: a detached CMS signature of a file with the card's signing key."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication

from gui.controllers.pins import tries_left_text
from gui.messages import error_text
from gui.pages.sign import SignRequest, signature_path
from idcard.files import write_atomically
from idcard.session import CAN
from idcard.signing import sign_detached

if TYPE_CHECKING:
    from gui.window import MainWindow

translate = QCoreApplication.translate


class SignController:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.page = window.sign
        self.page.sign_requested.connect(self.sign)

    def sign(self, request: SignRequest) -> None:
        reader = self.window.current_reader()
        if not reader:
            self.page.show_message(error_text("card.absent"), False)
            return
        opener = self.window.opener

        def job(_report: Any, request: SignRequest = request) -> Path:
            try:
                data = request.path.read_bytes()
                with opener(reader) as card:
                    card.unlock(CAN, request.can)
                    signature = sign_detached(card, data, request.pin2)
                target = signature_path(request.path)
                write_atomically(target, signature)
                return target
            finally:
                del request

        del request
        self.page.set_busy(True)
        self.page.show_message("", True)
        self.window.worker.run(job, done=self._signed, error=self._failed)

    def _signed(self, target: Path) -> None:
        self.page.set_busy(False)
        self.page.show_message(
            translate("MainWindow", "Signed. The signature is saved as {file}").format(
                file=self.window.i18n.ltr(str(target))
            ),
            True,
        )

    def _failed(self, exc: BaseException) -> None:
        self.page.set_busy(False)
        code = getattr(exc, "code", "app.error")
        tries = getattr(exc, "tries_left", None)
        if code == "auth.password":
            text = error_text("can.wrong")
        elif code == "pin2.wrong" and tries is not None:
            text = tries_left_text(code, tries, self.window)
        elif isinstance(exc, OSError):
            text = error_text("app.error", str(exc))
        else:
            text = error_text(code, getattr(exc, "message", str(exc)))
        self.page.show_message(text, False)
