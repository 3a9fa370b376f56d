"""Home: the readers, whether a card is in, and what to do next, in plain words."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui import theme
from gui.cardio import ReaderState
from gui.i18n import I18n
from gui.widgets import button, label, panel


class ReaderPicture(QWidget):
    """A reader with (or without) a card on it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.present: bool | None = None
        self.removed = False
        self.setFixedSize(QSize(170, 150))
        self.setLayoutDirection(Qt.LayoutDirection.LeftToRight)

    def set_state(self, present: bool | None, removed: bool = False) -> None:
        self.present, self.removed = present, removed
        self.update()

    def paintEvent(self, event: object) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        reader = QRectF(20, 88, 130, 46)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#37474f"))
        p.drawRoundedRect(reader, 10, 10)
        p.setBrush(QColor("#263238"))
        p.drawRoundedRect(QRectF(36, 96, 98, 8), 4, 4)
        led = (
            QColor(theme.OK)
            if self.present
            else QColor(theme.BAD)
            if self.removed
            else QColor("#90a4ae")
        )
        p.setBrush(led)
        p.drawEllipse(QRectF(128, 116, 10, 10))
        card = QRectF(40, 14 if not self.present else 40, 90, 57)
        path = QPainterPath()
        path.addRoundedRect(card, 7, 7)
        if self.present:
            p.fillPath(path, QColor("#eaf3ee"))
            p.setPen(QPen(QColor(theme.ACCENT), 2))
        else:
            p.fillPath(path, QColor(255, 255, 255, 140))
            p.setPen(QPen(QColor("#90a4ae"), 2, Qt.PenStyle.DashLine))
        p.drawPath(path)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(theme.ACCENT) if self.present else QColor("#cfd8dc"))
        p.drawRoundedRect(QRectF(card.left(), card.top(), card.width(), 12), 6, 6)
        p.setBrush(QColor("#d4af37") if self.present else QColor("#e0e0e0"))
        p.drawRoundedRect(QRectF(card.left() + 10, card.top() + 22, 18, 14), 3, 3)
        if not self.present:
            p.setPen(QPen(QColor("#90a4ae"), 2.5))
            mid = card.center().x()
            p.drawLine(int(mid), int(card.bottom() + 4), int(mid), int(reader.top() - 6))
            p.drawLine(int(mid), int(reader.top() - 6), int(mid - 6), int(reader.top() - 12))
            p.drawLine(int(mid), int(reader.top() - 6), int(mid + 6), int(reader.top() - 12))
        p.end()


class HomePage(QWidget):
    read_requested = Signal()
    pins_requested = Signal()
    sign_requested = Signal()
    desk_requested = Signal()
    reader_selected = Signal(str)

    def __init__(self, i18n: I18n, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.i18n = i18n
        self.setObjectName("Page")
        self.readers: list[ReaderState] = []
        self.removed = False
        self.handoff_address = ""

        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 24, 32, 24)
        outer.setSpacing(18)
        box = panel()
        outer.addWidget(box)
        layout = QHBoxLayout(box)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(28)
        self.picture = ReaderPicture()
        layout.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignVCenter)
        right = QVBoxLayout()
        right.setSpacing(10)
        self.status = label(size=20, bold=True)
        self.status.setObjectName("Status")
        right.addWidget(self.status)
        self.detail = label(size=12, name="Muted")
        right.addWidget(self.detail)
        row = QHBoxLayout()
        self.reader_label = QLabel()
        row.addWidget(self.reader_label)
        self.reader_combo = QComboBox()
        self.reader_combo.setMinimumWidth(300)
        self.reader_label.setBuddy(self.reader_combo)
        row.addWidget(self.reader_combo, 1)
        right.addLayout(row)
        actions = QHBoxLayout()
        self.read = button(primary=True)
        self.read.setMinimumWidth(200)
        actions.addWidget(self.read)
        actions.addStretch(1)
        right.addLayout(actions)
        layout.addLayout(right, 1)

        tiles = QGridLayout()
        tiles.setSpacing(18)
        self.tile_buttons = []
        self.tile_texts = []
        for col, signal in enumerate(
            (self.pins_requested, self.sign_requested, self.desk_requested)
        ):
            tile = panel()
            tl = QVBoxLayout(tile)
            tl.setContentsMargins(20, 16, 20, 16)
            title = label(size=14, bold=True)
            text = label(size=11, name="Muted")
            go = button()
            go.clicked.connect(signal.emit)
            tl.addWidget(title)
            tl.addWidget(text, 1)
            tl.addWidget(go, 0, Qt.AlignmentFlag.AlignLeading)
            tiles.addWidget(tile, 0, col)
            self.tile_buttons.append(go)
            self.tile_texts.append((title, text))
        outer.addLayout(tiles)
        outer.addStretch(1)
        self.service = label(size=10, name="Muted")
        outer.addWidget(self.service)

        self.read.clicked.connect(self.read_requested.emit)
        self.reader_combo.activated.connect(self._chosen)
        i18n.changed.connect(self.retranslate)
        self.retranslate()

    # -- state ------------------------------------------------------------------------------
    @property
    def current_reader(self) -> str | None:
        data = self.reader_combo.currentData()
        return str(data) if data else None

    def current_state(self) -> ReaderState | None:
        name = self.current_reader
        return next((r for r in self.readers if r.name == name), None)

    def set_readers(self, readers: list[ReaderState], preferred: str | None = None) -> None:
        before = self.current_reader
        self.readers = readers
        want = before if before in [r.name for r in readers] else preferred
        if want not in [r.name for r in readers]:
            with_card = [r for r in readers if r.present and r.kind != "emulator"]
            found = with_card or [r for r in readers if r.present] or readers
            want = found[0].name if found else None
        self.reader_combo.blockSignals(True)
        self.reader_combo.clear()
        for r in readers:
            self.reader_combo.addItem(self._reader_text(r), r.name)
        if want is not None:
            self.reader_combo.setCurrentIndex(self.reader_combo.findData(want))
        self.reader_combo.blockSignals(False)
        state = self.current_state()
        if state is not None and state.present:
            self.removed = False
        self._refresh()
        if self.current_reader != before and self.current_reader:
            self.reader_selected.emit(self.current_reader)

    def set_removed(self, removed: bool) -> None:
        self.removed = removed
        self._refresh()

    def set_service(self, address: str) -> None:
        self.handoff_address = address
        self._refresh()

    def _chosen(self, index: int) -> None:
        self.removed = False
        self._refresh()
        if self.current_reader:
            self.reader_selected.emit(self.current_reader)

    def _reader_text(self, r: ReaderState) -> str:
        kinds = {
            "pcsc": self.tr("Card reader"),
            "nfc": self.tr("NFC reader"),
            "emulator": self.tr("Demo card"),
        }
        if r.name == "emulator:demo":
            name = self.tr("Built-in demo card")
        else:
            name = f"{kinds.get(r.kind, r.kind)}: {r.description}"
        if r.present is True:
            return name + " — " + self.tr("card in")
        if r.present is False:
            return name + " — " + self.tr("no card")
        return name

    def _refresh(self) -> None:
        state = self.current_state()
        present = state.present if state else None
        if not self.readers:
            status = self.tr("No card reader found")
            detail = self.tr("Connect a card reader (or an NFC reader) to this computer.")
            present = False
        elif self.removed and not present:
            status = self.tr("Card removed — put it back to continue")
            detail = self.tr("Put your card back on the reader; the app continues by itself.")
        elif present is True:
            if state is not None and state.name == "emulator:demo":
                status = self.tr("The demo card is ready")
                detail = self.tr(
                    "A fictional citizen's card built into the app, to try everything out. Its PIN is 123456."
                )
            else:
                status = self.tr("Card found")
                detail = self.tr("Press “Read my card” and enter your PIN to see your identity.")
        elif present is False:
            status = self.tr("Put your card on the reader")
            detail = self.tr("The app notices the card by itself.")
        else:
            status = self.tr("Put your card on the reader")
            detail = self.tr("Then press “Read my card”.")
        self.status.setText(status)
        self.detail.setText(detail)
        self.picture.set_state(present, self.removed)
        self.read.setEnabled(present is not False and bool(self.readers))
        self.service.setText(
            self.tr("Portal login service: running at {address}").format(
                address=self.i18n.ltr(self.handoff_address)
            )
            if self.handoff_address
            else ""
        )
        self.service.setVisible(bool(self.handoff_address))

    def retranslate(self) -> None:
        self.reader_label.setText(self.tr("&Reader:"))
        self.read.setText(self.tr("Read my card"))
        texts = [
            (
                self.tr("PINs"),
                self.tr("See how many tries are left; change your PIN or your signature PIN."),
                self.tr("Manage PINs"),
            ),
            (
                self.tr("Sign a document"),
                self.tr("Sign a file with your card; the signature is saved beside it."),
                self.tr("Sign a file"),
            ),
            (
                self.tr("Service desk"),
                self.tr("For clerks: verify a citizen's card and keep a record."),
                self.tr("Open the desk"),
            ),
        ]
        for (title, text), (t, d, b), go in zip(
            self.tile_texts, texts, self.tile_buttons, strict=True
        ):
            title.setText(t)
            text.setText(d)
            go.setText(b)
        for i, r in enumerate(self.readers):
            if i < self.reader_combo.count():
                self.reader_combo.setItemText(i, self._reader_text(r))
        self._refresh()
