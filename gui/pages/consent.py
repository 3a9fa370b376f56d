"""Portal login: who asks and for what (consent), then the progress over the steps, then the result."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from gui import theme
from gui.i18n import I18n
from gui.messages import error_text
from gui.widgets import add_escape, button, label, page_panel
from idcard.origin import display_origin

translate = QCoreApplication.translate


def attribute_label(name: str) -> str:
    return {
        "name": translate("Attributes", "Your name (Persian and Latin)"),
        "nationalCode": translate("Attributes", "Your national code"),
        "birthDate": translate("Attributes", "Your date of birth"),
        "photo": translate("Attributes", "Your photo"),
    }.get(name, name)


class ConsentPage(QWidget):
    """Emits `answered(value)`: False (refused), True (all), or the set of attributes released."""

    answered = Signal(object)

    def __init__(self, i18n: I18n, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.i18n = i18n
        self.setObjectName("Page")
        self.origin = ""
        self.attributes: list[str] = []
        layout = page_panel(
            self,
            800,
            outer_margins=(32, 28, 32, 24),
            margins=(32, 26, 32, 26),
            spacing=12,
            min_width=600,
        )
        self.intro = label(size=13, name="Muted")
        layout.addWidget(self.intro)
        self.origin_label = QLabel()
        self.origin_label.setObjectName("Origin")
        self.origin_label.setFont(theme.font(24, bold=True))
        self.origin_label.setWordWrap(True)
        self.origin_label.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.origin_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.origin_label.setStyleSheet(
            f"color: {theme.ACCENT}; background: {theme.ACCENT_SOFT}; border-radius: 10px; padding: 12px 16px;"
        )
        self.origin_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.origin_label)
        self.asks = label(size=13, bold=True)
        layout.addWidget(self.asks)
        self.list = QVBoxLayout()
        self.list.setSpacing(6)
        layout.addLayout(self.list)
        self.photo = QCheckBox()
        layout.addWidget(self.photo)
        self.note = label(size=11, name="Muted")
        layout.addWidget(self.note)
        row = QHBoxLayout()
        self.accept = button(primary=True)
        self.refuse = button(name="Danger")
        row.addWidget(self.accept)
        row.addWidget(self.refuse)
        row.addStretch(1)
        layout.addLayout(row)
        self.accept.clicked.connect(self._accept)
        self.refuse.clicked.connect(lambda: self.answered.emit(False))
        add_escape(self, lambda: self.answered.emit(False))
        self._items: list[QLabel] = []
        i18n.changed.connect(self.retranslate)
        self.retranslate()

    def ask(self, origin: str, attributes: list[str]) -> None:
        self.origin = origin
        self.attributes = list(attributes)
        self.photo.setChecked(False)  # the photo is opt-in
        self.retranslate()
        self.accept.setFocus()

    def retranslate(self) -> None:
        self.intro.setText(self.tr("This website asks you to log in with your national ID card:"))
        self.origin_label.setText(display_origin(self.origin))  # Unicode name and its punycode
        self.asks.setText(self.tr("It will receive:"))
        for item in self._items:
            self.list.removeWidget(item)
            item.hide()
            item.setParent(None)
            item.deleteLater()
        self._items = []
        shown = [a for a in self.attributes if a != "photo"]
        lines = [attribute_label(a) for a in shown] or [
            self.tr("Only that you are the holder of your card")
        ]
        lines.insert(0, self.tr("Proof that you hold your card (your certificate)"))
        for text in lines:
            item = label("•  " + text, size=12)
            self.list.addWidget(item)
            self._items.append(item)
        self.photo.setText(self.tr("Also send my photo (asked for by the website)"))
        self.photo.setVisible("photo" in self.attributes)
        self.note.setText(
            self.tr(
                "Check the address above: only continue if it is the website you want to log in to. You will then enter your PIN."
            )
        )
        self.accept.setText(self.tr("Accept and continue"))
        self.refuse.setText(self.tr("Refuse"))

    def _accept(self) -> None:
        if "photo" in self.attributes and not self.photo.isChecked():
            self.answered.emit({a for a in self.attributes if a != "photo"})
        else:
            self.answered.emit(True)


#: The steps the citizen sees, and the workflow steps each covers.
STEPS = (
    ("connecting", ("fetch", "consent", "card")),
    ("unlocking", ("pin", "unlock")),
    ("reading", ("token",)),
    ("signing", ("token",)),
    ("sending", ("submit",)),
)
_ORDER = ["fetch", "consent", "card", "pin", "unlock", "token", "submit", "done"]


class HandoffProgressPage(QWidget):
    """A progress bar with the workflow's own percentages, and the steps ticked off; then the result."""

    close_requested = Signal()

    def __init__(self, i18n: I18n, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.i18n = i18n
        self.setObjectName("Page")
        self.origin = ""
        self.step = "fetch"
        self.result: tuple[bool, str, str | None] | None = None
        layout = page_panel(
            self,
            800,
            outer_margins=(32, 28, 32, 24),
            margins=(32, 26, 32, 26),
            spacing=12,
            min_width=600,
        )
        self.title = label(size=18, bold=True)
        layout.addWidget(self.title)
        self.origin_label = label(size=14, bold=True)
        self.origin_label.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.origin_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.origin_label.setStyleSheet(f"color: {theme.ACCENT};")
        layout.addWidget(self.origin_label)
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        layout.addWidget(self.bar)
        self.step_labels: list[QLabel] = []
        for _ in STEPS:
            item = label(size=12)
            layout.addWidget(item)
            self.step_labels.append(item)
        self.message = label(size=12)
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.close_button = button(primary=True)
        self.close_button.clicked.connect(self.close_requested.emit)
        row.addWidget(self.close_button)
        row.addStretch(1)
        layout.addLayout(row)
        i18n.changed.connect(self.retranslate)
        self.retranslate()

    def begin(self, origin: str) -> None:
        self.origin = origin
        self.result = None
        self.step = "consent"
        self.bar.setValue(0)
        self.retranslate()

    def set_progress(self, step: str, percent: int) -> None:
        if self.result is not None:
            return
        self.step = step
        self.bar.setValue(max(0, min(100, percent)))
        self.retranslate()

    def finish(self, ok: bool, message: str, code: str | None) -> None:
        self.result = (ok, message, code)
        if ok:
            self.bar.setValue(100)
        self.retranslate()
        self.close_button.setFocus()

    def retranslate(self) -> None:
        names = {
            "connecting": self.tr("Connecting to your card"),
            "unlocking": self.tr("Unlocking with your PIN"),
            "reading": self.tr("Reading your data"),
            "signing": self.tr("Signing the login"),
            "sending": self.tr("Sending to the website"),
        }
        self.origin_label.setText(display_origin(self.origin))  # Unicode name and its punycode
        value = self.bar.value()
        self.bar.setFormat(self.i18n.digits(value) + "٪" if self.i18n.rtl else f"{value}%")
        current = _ORDER.index(self.step) if self.step in _ORDER else 0
        for (key, covers), item in zip(STEPS, self.step_labels, strict=True):
            last = max(_ORDER.index(c) for c in covers)
            first = min(_ORDER.index(c) for c in covers)
            ok = self.result is not None and self.result[0]
            if current > last or ok:
                mark, color = "✓", theme.OK
            elif first <= current <= last and self.result is None:
                mark, color = "●", theme.ACCENT
            else:
                mark, color = "○", theme.MUTED
            item.setText(f"{mark}  {names[key]}")
            item.setStyleSheet(f"color: {color};")
        if self.result is None:
            self.title.setText(self.tr("Logging you in…"))
            self.message.setVisible(False)
            self.close_button.setVisible(False)
            return
        ok, message, code = self.result
        self.close_button.setVisible(True)
        self.close_button.setText(self.tr("Close"))
        self.message.setVisible(True)
        if ok:
            self.title.setText(self.tr("You are logged in to {origin}").format(origin=self.origin))
            self.title.setStyleSheet(f"color: {theme.OK};")
            self.message.setText(
                self.tr(
                    "Your browser continues to the website by itself. You can close this screen."
                )
            )
        else:
            self.title.setText(self.tr("The login did not complete"))
            self.title.setStyleSheet(f"color: {theme.BAD};")
            text = error_text(code, message) if code else message
            if code == "pin.suspended":
                text += " " + self.tr("Open “Read my card” to enter the CAN, then log in again.")
            elif code == "pin.blocked":
                text += " " + self.tr(
                    "Open “Read my card” to unblock it with your PUK, then log in again."
                )
            self.message.setText(text)
