"""PINs: the counters (without spending a try), change PIN, change signature PIN."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui.i18n import I18n
from gui.widgets import SecretField, TriesIndicator, button, label, panel, show_message


@dataclass(frozen=True)
class PinCounters:
    pin_tries: int | None
    pin_state: str
    puk_uses: int | None
    #: The card family (a real national card's ID PIN is unblocked with `idcard pin unblock`).
    family: str = "nid-v1"


@dataclass(frozen=True)
class ChangeRequest:
    """Secrets for one change, handed to one card job; the fields are wiped at once."""

    kind: str  # pin | pin2
    current: str
    new: str
    can: str = ""


class PinsPage(QWidget):
    refresh_requested = Signal()
    change_requested = Signal(object)  # ChangeRequest
    back = Signal()

    def __init__(self, i18n: I18n, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.i18n = i18n
        self.setObjectName("Page")
        self.counters: PinCounters | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 24, 32, 24)
        outer.setSpacing(16)

        status = panel()
        sl = QVBoxLayout(status)
        sl.setContentsMargins(24, 18, 24, 18)
        self.title = label(size=18, bold=True)
        sl.addWidget(self.title)
        row = QHBoxLayout()
        self.tries = TriesIndicator()
        row.addWidget(self.tries)
        self.status = label(size=12, bold=True)
        row.addWidget(self.status, 1)
        self.refresh = button()
        row.addWidget(self.refresh)
        sl.addLayout(row)
        self.puk = label(size=11, name="Muted")
        sl.addWidget(self.puk)
        outer.addWidget(status)

        forms = QHBoxLayout()
        forms.setSpacing(16)
        self.pin_box, self.pin_title, self.pin_form = self._form()
        self.pin_current, self.pin_new, self.pin_repeat = (
            SecretField(),
            SecretField(),
            SecretField(),
        )
        self.pin_labels = [QLabel(), QLabel(), QLabel()]
        for lab, field in zip(
            self.pin_labels, (self.pin_current, self.pin_new, self.pin_repeat), strict=True
        ):
            lab.setBuddy(field)
            self.pin_form.addRow(lab, field)
        self.pin_go = button(primary=True)
        self.pin_form.addRow(self.pin_go)
        forms.addWidget(self.pin_box)

        self.pin2_box, self.pin2_title, self.pin2_form = self._form()
        self.can, self.pin2_current, self.pin2_new, self.pin2_repeat = (
            SecretField(),
            SecretField(),
            SecretField(),
            SecretField(),
        )
        for field in (self.pin2_current, self.pin2_new, self.pin2_repeat):
            field.set_length(5, 12)
        self.pin2_labels = [QLabel(), QLabel(), QLabel(), QLabel()]
        for lab, field in zip(
            self.pin2_labels,
            (self.can, self.pin2_current, self.pin2_new, self.pin2_repeat),
            strict=True,
        ):
            lab.setBuddy(field)
            self.pin2_form.addRow(lab, field)
        self.pin2_go = button(primary=True)
        self.pin2_form.addRow(self.pin2_go)
        forms.addWidget(self.pin2_box)
        outer.addLayout(forms)

        self.message = label(size=12)
        outer.addWidget(self.message)
        outer.addStretch(1)

        self.refresh.clicked.connect(self.refresh_requested.emit)
        self.pin_go.clicked.connect(self._change_pin)
        self.pin2_go.clicked.connect(self._change_pin2)
        for field in (self.pin_current, self.pin_new, self.pin_repeat):
            field.returnPressed.connect(self._change_pin)
        for field in (self.can, self.pin2_current, self.pin2_new, self.pin2_repeat):
            field.returnPressed.connect(self._change_pin2)
        i18n.changed.connect(self.retranslate)
        self.retranslate()

    def _form(self) -> tuple[QWidget, QLabel, QFormLayout]:
        box = panel()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(24, 18, 24, 18)
        title = label(size=14, bold=True)
        layout.addWidget(title)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter)
        layout.addLayout(form)
        layout.addStretch(1)
        return box, title, form

    def retranslate(self) -> None:
        self.title.setText(self.tr("Your PINs"))
        self.refresh.setText(self.tr("Check again"))
        self.pin_title.setText(self.tr("Change PIN"))
        for lab, text in zip(
            self.pin_labels,
            (self.tr("Current PIN"), self.tr("New PIN (6 digits)"), self.tr("New PIN again")),
            strict=True,
        ):
            lab.setText(text)
        self.pin_go.setText(self.tr("Change PIN"))
        self.pin2_title.setText(self.tr("Change signature PIN"))
        for lab, text in zip(
            self.pin2_labels,
            (
                self.tr("CAN (on your card)"),
                self.tr("Current signature PIN"),
                self.tr("New signature PIN (5–12 digits)"),
                self.tr("New signature PIN again"),
            ),
            strict=True,
        ):
            lab.setText(text)
        self.pin2_go.setText(self.tr("Change signature PIN"))
        self.show_counters(self.counters)

    def show_counters(self, counters: PinCounters | None) -> None:
        self.counters = counters
        if counters is None:
            self.status.setText(
                self.tr("Put your card on the reader to see how many PIN tries are left.")
            )
            self.tries.set_tries(None)
            self.puk.setText("")
            return
        n = self.i18n.digits(counters.pin_tries if counters.pin_tries is not None else "?")
        if counters.pin_state == "blocked" and counters.family != "nid-v1":
            text = self.tr("Your ID PIN is blocked: only your PUK can unblock it.")
        elif counters.pin_state == "blocked":
            text = self.tr("Your PIN is blocked. Use “Read my card” to unblock it with your PUK.")
        elif counters.pin_state == "suspended":
            text = self.tr(
                "Your PIN is suspended. Use “Read my card” to enter your CAN and try once more."
            )
        elif counters.pin_tries == 1:
            text = self.tr("PIN: 1 try left")
        else:
            text = self.tr("PIN: {n} tries left").format(n=n)
        self.status.setText(text)
        self.tries.set_tries(counters.pin_tries)
        if counters.puk_uses is not None:
            self.puk.setText(
                self.tr("Your PUK can be used {n} more times.").format(
                    n=self.i18n.digits(counters.puk_uses)
                )
            )
        else:
            self.puk.setText("")

    def show_message(self, text: str, ok: bool) -> None:
        show_message(self.message, text, ok)

    def set_busy(self, busy: bool) -> None:
        for w in (self.pin_go, self.pin2_go, self.refresh):
            w.setEnabled(not busy)

    def _wipe(self, *fields: SecretField) -> None:
        for field in fields:
            field.wipe()

    def _change_pin(self) -> None:
        fields = (self.pin_current, self.pin_new, self.pin_repeat)
        if not all(f.complete() for f in fields):
            self.show_message(self.tr("Fill in all three fields: each PIN has 6 digits."), False)
            return
        if self.pin_new.value() != self.pin_repeat.value():
            self._wipe(self.pin_new, self.pin_repeat)
            self.show_message(self.tr("The two new PINs are not the same."), False)
            return
        request = ChangeRequest("pin", self.pin_current.value(), self.pin_new.value())
        self._wipe(*fields)
        self.change_requested.emit(request)

    def _change_pin2(self) -> None:
        fields = (self.can, self.pin2_current, self.pin2_new, self.pin2_repeat)
        if not all(f.complete() for f in fields):
            self.show_message(
                self.tr("Fill in all four fields: the CAN has 6 digits, a signature PIN 5 to 12."),
                False,
            )
            return
        if self.pin2_new.value() != self.pin2_repeat.value():
            self._wipe(self.pin2_new, self.pin2_repeat)
            self.show_message(self.tr("The two new signature PINs are not the same."), False)
            return
        request = ChangeRequest(
            "pin2", self.pin2_current.value(), self.pin2_new.value(), can=self.can.value()
        )
        self._wipe(*fields)
        self.change_requested.emit(request)
