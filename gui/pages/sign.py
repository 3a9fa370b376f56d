"""Signing: pick a file, enter the CAN and the signature PIN (PIN2), get FILE.p7s beside it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QWidget,
)

from gui.i18n import I18n
from gui.widgets import CardPicture, SecretField, button, label, page_panel, show_message


@dataclass(frozen=True)
class SignRequest:
    path: Path
    can: str
    pin2: str


def signature_path(path: Path) -> Path:
    return path.with_name(path.name + ".p7s")


class SignPage(QWidget):
    sign_requested = Signal(object)  # SignRequest

    def __init__(self, i18n: I18n, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.i18n = i18n
        self.setObjectName("Page")
        layout = page_panel(
            self, 860, outer_margins=(32, 24, 32, 24), margins=(28, 22, 28, 22), spacing=12
        )
        self.title = label(size=18, bold=True)
        layout.addWidget(self.title)
        self.explanation = label(size=12, name="Muted")
        layout.addWidget(self.explanation)
        body = QHBoxLayout()
        body.setSpacing(24)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter)
        file_row = QHBoxLayout()
        self.file = QLineEdit()
        self.file.setMinimumWidth(280)
        self.browse = button()
        file_row.addWidget(self.file, 1)
        file_row.addWidget(self.browse)
        self.file_label, self.can_label, self.pin2_label = QLabel(), QLabel(), QLabel()
        self.file_label.setBuddy(self.file)
        form.addRow(self.file_label, file_row)
        self.can = SecretField()
        self.can_label.setBuddy(self.can)
        form.addRow(self.can_label, self.can)
        self.pin2 = SecretField()
        self.pin2.set_length(5, 12)
        self.pin2_label.setBuddy(self.pin2)
        form.addRow(self.pin2_label, self.pin2)
        body.addLayout(form, 1)
        self.picture = CardPicture()
        self.picture.setMinimumSize(260, 164)
        body.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(body)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setVisible(False)
        layout.addWidget(self.bar)
        self.message = label(size=12)
        self.message.setVisible(False)
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.sign = button(primary=True)
        row.addWidget(self.sign)
        row.addStretch(1)
        layout.addLayout(row)
        self.browse.clicked.connect(self._browse)
        self.sign.clicked.connect(self._sign)
        self.pin2.returnPressed.connect(self._sign)
        i18n.changed.connect(self.retranslate)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Sign a document"))
        self.explanation.setText(
            self.tr(
                "Your card signs the file with your signing key. The signature is saved beside the file as a .p7s file; the file itself is not changed."
            )
        )
        self.file_label.setText(self.tr("File"))
        self.browse.setText(self.tr("Choose…"))
        self.can_label.setText(self.tr("CAN (on your card)"))
        self.pin2_label.setText(self.tr("Signature PIN"))
        self.sign.setText(self.tr("Sign"))
        self.file.setPlaceholderText(self.tr("The file to sign"))

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Choose the file to sign"))
        if path:
            self.file.setText(path)
            self.can.setFocus()

    def set_busy(self, busy: bool) -> None:
        self.bar.setVisible(busy)
        self.sign.setEnabled(not busy)
        self.browse.setEnabled(not busy)

    def show_message(self, text: str, ok: bool) -> None:
        show_message(self.message, text, ok)

    def _sign(self) -> None:
        path = Path(self.file.text().strip()).expanduser()
        if not self.file.text().strip() or not path.is_file():
            self.show_message(self.tr("Choose a file to sign."), False)
            return
        if not (self.can.complete() and self.pin2.complete()):
            self.show_message(
                self.tr("Enter the 6-digit CAN and your signature PIN (5 to 12 digits)."), False
            )
            return
        request = SignRequest(path, self.can.value(), self.pin2.value())
        self.can.wipe()
        self.pin2.wipe()
        self.sign_requested.emit(request)
