"""The PIN pad: tries left before typing, the warning after a wrong PIN, the CAN picture, the PUK,
and a real national card's ID PIN, which the citizen may skip."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui.flow import NidPinRequest, Request
from gui.i18n import I18n
from gui.messages import pad_text
from gui.widgets import (
    CardPicture,
    Keypad,
    SecretField,
    TriesIndicator,
    add_escape,
    button,
    label,
    page_panel,
)
from idcard.session import CAN, PIN, PUK


class PinPadPage(QWidget):
    """Emits `submitted(secret)` once per OK and wipes the field at once; `cancelled` on Cancel / Esc;
    `skipped` when the citizen reads a real card without its (optional) ID PIN."""

    submitted = Signal(str)
    cancelled = Signal()
    skipped = Signal()

    def __init__(self, i18n: I18n, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.i18n = i18n
        self.setObjectName("Page")
        self.request: Request | None = None
        self.context = ""  # e.g. "to log in to https://…"
        self.tries_total = 3

        layout = page_panel(
            self,
            860,
            outer_margins=(24, 14, 24, 10),
            margins=(30, 20, 30, 20),
            spacing=10,
            scroll=True,
        )

        self.context_label = label(size=12, name="Muted")
        layout.addWidget(self.context_label)
        self.title = label(size=20, bold=True)
        layout.addWidget(self.title)
        top = QHBoxLayout()
        top.setSpacing(20)
        texts = QVBoxLayout()
        texts.setSpacing(10)
        self.explanation = label(size=12)
        texts.addWidget(self.explanation)
        tries_row = QHBoxLayout()
        self.tries = TriesIndicator()
        tries_row.addWidget(self.tries)
        self.tries_label = label(size=12, bold=True)
        tries_row.addWidget(self.tries_label, 1)
        texts.addLayout(tries_row)
        self.warning = label(size=12, name="Warning")
        texts.addWidget(self.warning)
        texts.addStretch(1)
        top.addLayout(texts, 1)
        self.picture = CardPicture()
        top.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)

        entry = QHBoxLayout()
        entry.setSpacing(24)
        left = QVBoxLayout()
        self.field_label = QLabel()
        left.addWidget(self.field_label)
        self.field = SecretField()
        self.field.setMinimumWidth(260)
        self.field_label.setBuddy(self.field)
        left.addWidget(self.field)
        self.hint = label(size=10, name="Muted")
        left.addWidget(self.hint)
        left.addStretch(1)
        buttons = QHBoxLayout()
        self.ok = button(primary=True)
        self.ok.setDefault(True)
        self.cancel = button()
        self.skip = button()
        self.skip.setVisible(False)
        buttons.addWidget(self.ok)
        buttons.addWidget(self.skip)
        buttons.addWidget(self.cancel)
        buttons.addStretch(1)
        left.addLayout(buttons)
        entry.addLayout(left, 1)
        self.keypad = Keypad()
        entry.addWidget(self.keypad)
        layout.addLayout(entry)

        self.field.textChanged.connect(self._update_ok)
        self.field.returnPressed.connect(self._submit)
        self.ok.clicked.connect(self._submit)
        self.cancel.clicked.connect(self._cancel)
        self.skip.clicked.connect(self._skip)
        self.keypad.digit.connect(self._type)
        self.keypad.backspace.connect(self.field.backspace)
        add_escape(self, self._cancel)
        i18n.changed.connect(self.retranslate)
        self.retranslate()

    def retranslate(self) -> None:
        self.ok.setText(self.tr("OK"))
        self.cancel.setText(self.tr("Cancel"))
        self.skip.setText(self.tr("Skip: read without the PIN"))
        self.hint.setText(
            self.tr("Type with the keyboard (Persian or Latin digits) or the keys on the screen.")
        )
        self.keypad.set_persian(self.i18n.rtl)
        self._fill()

    def show_request(self, request: Request, context: str = "", purpose: str = "") -> None:
        self.request = request
        self.context = context
        self.purpose = purpose
        self.field.wipe()
        self._fill()
        self.field.setFocus()

    def _fill(self) -> None:
        request = self.request
        if request is None:
            return
        text = pad_text(request, self.i18n, purpose=getattr(self, "purpose", ""))
        self.context_label.setText(self.context)
        self.context_label.setVisible(bool(self.context))
        self.title.setText(text.title)
        self.explanation.setText(text.explanation)
        self.warning.setText(text.warning)
        self.warning.setVisible(bool(text.warning))
        self.picture.setVisible(text.show_card)
        self.tries_label.setText(text.tries)
        self.field.set_length(text.low, text.high)
        self.skip.setVisible(isinstance(request, NidPinRequest) and request.optional)
        if isinstance(request, NidPinRequest):
            self.tries.set_tries(request.tries_left, 3)
            self.tries.setVisible(request.tries_left is not None)
            self.field_label.setText(
                self.tr("ID PIN ({low} to {high} digits)").format(
                    low=self.i18n.digits(text.low), high=self.i18n.digits(text.high)
                )
            )
        else:
            total = 10 if request.kind == PUK else 3
            self.tries.set_tries(None if request.kind == PUK else request.tries_left, total)
            self.tries.setVisible(request.kind != PUK and request.tries_left is not None)
            names = {PIN: self.tr("PIN"), CAN: self.tr("CAN"), PUK: self.tr("PUK")}
            self.field_label.setText(
                self.tr("{name} ({n} digits)").format(
                    name=names.get(request.kind, request.kind.name), n=self.i18n.digits(text.low)
                )
            )
        self._update_ok()

    def _type(self, digit: str) -> None:
        if len(self.field.text()) < self.field.high:
            self.field.insert(digit)
        self.field.setFocus()

    def _update_ok(self) -> None:
        self.ok.setEnabled(self.field.complete())

    def _submit(self) -> None:
        if not self.field.complete() or self.request is None:
            return
        secret = self.field.value()
        self.field.wipe()
        self.request = None
        self.submitted.emit(secret)
        del secret

    def _skip(self) -> None:
        if not isinstance(self.request, NidPinRequest) or not self.request.optional:
            return
        self.field.wipe()
        self.request = None
        self.skipped.emit()

    def _cancel(self) -> None:
        self.field.wipe()
        self.request = None
        self.cancelled.emit()
