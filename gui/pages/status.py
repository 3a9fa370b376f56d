"""Progress while the card works, and the message pages (card removed, failed, done)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QWidget

from gui.i18n import I18n
from gui.widgets import add_escape, button, label, page_panel, set_style_name

translate = QCoreApplication.translate


def step_text(step: str) -> str:
    return {
        "fetch": translate("Steps", "Contacting the portal…"),
        "consent": translate("Steps", "Waiting for your consent…"),
        "card": translate("Steps", "Connecting to your card…"),
        "connecting": translate("Steps", "Connecting to your card…"),
        "pin": translate("Steps", "Waiting for your PIN…"),
        "unlock": translate("Steps", "Unlocking your card…"),
        "unlocking": translate("Steps", "Unlocking your card…"),
        "reading": translate("Steps", "Reading your card…"),
        "token": translate("Steps", "Reading and signing with your card…"),
        "signing": translate("Steps", "Signing with your card…"),
        "verifying": translate("Steps", "Checking the data…"),
        "submit": translate("Steps", "Sending to the portal…"),
        "sending": translate("Steps", "Sending to the portal…"),
        "saving": translate("Steps", "Saving…"),
        "done": translate("Steps", "Done"),
    }.get(step, step)


class StatusPage(QWidget):
    """A title, a message, optionally a progress bar, and up to two buttons."""

    primary_clicked = Signal()
    secondary_clicked = Signal()

    def __init__(self, i18n: I18n, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.i18n = i18n
        self.setObjectName("Page")
        self.kind = ""
        layout = page_panel(
            self,
            760,
            outer_margins=(32, 40, 32, 24),
            margins=(32, 28, 32, 28),
            spacing=14,
            min_width=560,
        )
        self.context = label(size=12, name="Muted")
        layout.addWidget(self.context)
        self.title = label(size=20, bold=True)
        layout.addWidget(self.title)
        self.message = label(size=12)
        layout.addWidget(self.message)
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        layout.addWidget(self.bar)
        self.step = label(size=11, name="Muted")
        layout.addWidget(self.step)
        row = QHBoxLayout()
        self.primary = button(primary=True)
        self.secondary = button()
        row.addWidget(self.primary)
        row.addWidget(self.secondary)
        row.addStretch(1)
        layout.addLayout(row)
        self.primary.clicked.connect(self.primary_clicked.emit)
        self.secondary.clicked.connect(self.secondary_clicked.emit)
        add_escape(self, self._escape)

    def _escape(self) -> None:
        if self.secondary.isVisible():
            self.secondary_clicked.emit()
        elif self.primary.isVisible():
            self.primary_clicked.emit()

    def show_state(
        self,
        kind: str,
        title: str,
        message: str = "",
        *,
        context: str = "",
        progress: int | None = None,
        step: str = "",
        primary: str = "",
        secondary: str = "",
        style: str = "",
    ) -> None:
        self.kind = kind
        self.context.setText(context)
        self.context.setVisible(bool(context))
        self.title.setText(title)
        set_style_name(self.title, style)
        self.message.setText(message)
        self.message.setVisible(bool(message))
        self.bar.setVisible(progress is not None)
        if progress is not None:
            self.bar.setValue(max(0, min(100, progress)))
            self.bar.setFormat(
                self.i18n.digits(f"{self.bar.value()}") + "٪"
                if self.i18n.rtl
                else f"{self.bar.value()}%"
            )
        self.step.setText(step)
        self.step.setVisible(bool(step))
        self.primary.setText(primary)
        self.primary.setVisible(bool(primary))
        self.secondary.setText(secondary)
        self.secondary.setVisible(bool(secondary))
        if primary:
            self.primary.setFocus()
        elif secondary:
            self.secondary.setFocus()

    def set_progress(self, step: str, percent: int) -> None:
        self.bar.setValue(max(self.bar.value(), min(100, percent)))
        self.bar.setFormat(
            self.i18n.digits(f"{self.bar.value()}") + "٪"
            if self.i18n.rtl
            else f"{self.bar.value()}%"
        )
        self.step.setText(step_text(step))
        self.step.setVisible(True)
