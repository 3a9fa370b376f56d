"""Small building blocks: panels, badges, the tries indicator, the drawn card, the PIN field and keypad."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QRegularExpression, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeySequence,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QRegularExpressionValidator,
    QShortcut,
)
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from gui import theme
from gui.i18n import DIGIT_CLASS, to_persian_digits
from idcard.digits import to_latin_digits


def panel(parent: QWidget | None = None) -> QFrame:
    frame = QFrame(parent)
    frame.setObjectName("Panel")
    return frame


def label(
    text: str = "",
    *,
    size: int | None = None,
    bold: bool = False,
    name: str | None = None,
    wrap: bool = True,
) -> QLabel:
    widget = QLabel(text)
    widget.setWordWrap(wrap)
    if size is not None or bold:
        widget.setFont(theme.font(size or theme.BASE_POINT_SIZE, bold=bold))
    if name:
        widget.setObjectName(name)
    widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return widget


def button(text: str = "", *, primary: bool = False, name: str | None = None) -> QPushButton:
    widget = QPushButton(text)
    if primary:
        widget.setObjectName("Primary")
        widget.setFont(
            theme.font(theme.BASE_POINT_SIZE, bold=True)
        )  # in the font, so the size hint counts it
    elif name:
        widget.setObjectName(name)
    widget.setCursor(Qt.CursorShape.PointingHandCursor)
    widget.setAutoDefault(True)
    return widget


class BadgeWidget(QFrame):
    """A verdict badge: a coloured mark, a title and (when not OK) the reason."""

    COLORS = {
        "ok": (theme.OK, theme.OK_SOFT, "✓"),
        "bad": (theme.BAD, theme.BAD_SOFT, "✕"),
        "warn": (theme.WARN, theme.WARN_SOFT, "!"),
    }

    def __init__(
        self, level: str, title: str, reason: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.level = level
        color, soft, mark = self.COLORS[level]
        self.setObjectName(f"Badge_{level}")
        self.setStyleSheet(
            f"QFrame#Badge_{level} {{ background: {soft}; border: 1px solid {color}; border-radius: 10px; }}"
            f"QLabel {{ color: {color}; background: transparent; border: none; }}"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(10)
        icon = QLabel(mark)
        icon.setFont(theme.font(15, bold=True))
        icon.setFixedWidth(22)
        icon.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(icon)
        texts = QVBoxLayout()
        texts.setSpacing(2)
        self.title = label(title, bold=True, size=12)
        texts.addWidget(self.title)
        self.reason = label(reason, size=10)
        self.reason.setVisible(bool(reason))
        texts.addWidget(self.reason)
        texts.addStretch(1)
        layout.addLayout(texts, 1)


class TriesIndicator(QWidget):
    """Filled / empty dots for the tries left (PIN: 3)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tries: int | None = None
        self.total = 3
        self.setFixedHeight(22)
        self.setMinimumWidth(3 * 22)

    def set_tries(self, tries: int | None, total: int = 3) -> None:
        self.tries, self.total = tries, total
        self.setMinimumWidth(max(total, 1) * 22)
        self.update()

    def paintEvent(self, event: object) -> None:  # noqa: N802
        if self.tries is None:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        color = QColor(
            theme.OK if self.tries >= 3 else theme.WARN if self.tries == 2 else theme.BAD
        )
        rtl = self.layoutDirection() == Qt.LayoutDirection.RightToLeft
        for i in range(self.total):
            x = self.width() - 18 - i * 22 if rtl else 4 + i * 22
            rect = QRectF(x, 4, 14, 14)
            p.setPen(QPen(color, 2))
            p.setBrush(color if i < self.tries else Qt.GlobalColor.transparent)
            p.drawEllipse(rect)
        p.end()


class CardPicture(QWidget):
    """The front of the card, drawn, with the CAN's place highlighted (bottom corner, 6 digits)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption_fa = True
        self.setMinimumSize(QSize(280, 176))
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setLayoutDirection(Qt.LayoutDirection.LeftToRight)  # the card itself does not mirror

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(300, 190)

    def paintEvent(self, event: object) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w = min(self.width() - 8, int((self.height() - 8) * 85.6 / 54))
        h = w * 54 / 85.6
        x0 = (self.width() - w) / 2
        y0 = (self.height() - h) / 2
        card = QRectF(x0, y0, w, h)
        path = QPainterPath()
        path.addRoundedRect(card, w * 0.04, w * 0.04)
        p.fillPath(path, QColor("#eaf3ee"))
        p.setPen(QPen(QColor("#9bb8a9"), 1.5))
        p.drawPath(path)
        # header band, clipped to the card's rounded corners
        band = QRectF(x0, y0, w, h * 0.2)
        p.save()
        p.setClipPath(path)
        p.fillRect(band, QColor(theme.ACCENT))
        p.restore()
        absolute = Qt.AlignmentFlag.AlignAbsolute | Qt.AlignmentFlag.AlignVCenter
        p.setPen(QColor("white"))
        p.setFont(theme.font(max(7, int(w / 34)), bold=True))
        p.drawText(
            band.adjusted(w * 0.05, 0, -w * 0.05, 0),
            int(absolute | Qt.AlignmentFlag.AlignRight),
            "کارت هوشمند ملی",
        )
        p.setFont(theme.font(max(6, int(w / 46))))
        p.drawText(
            band.adjusted(w * 0.05, 0, -w * 0.05, 0),
            int(absolute | Qt.AlignmentFlag.AlignLeft),
            "NATIONAL ID CARD",
        )
        # photo (right, as on a Persian card) and text lines
        photo = QRectF(x0 + w * 0.72, y0 + h * 0.28, w * 0.22, h * 0.5)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#c9d6cf"))
        p.drawRoundedRect(photo, 4, 4)
        p.setBrush(QColor("#9fb4a8"))
        head = QRectF(
            photo.center().x() - photo.width() * 0.2,
            photo.top() + photo.height() * 0.15,
            photo.width() * 0.4,
            photo.width() * 0.4,
        )
        p.drawEllipse(head)
        shoulders = QRectF(
            photo.left() + photo.width() * 0.12,
            photo.top() + photo.height() * 0.62,
            photo.width() * 0.76,
            photo.height() * 0.6,
        )
        p.save()
        p.setClipRect(photo)
        p.drawEllipse(shoulders)
        p.restore()
        p.setBrush(QColor("#c3d2ca"))
        for i, frac in enumerate((0.55, 0.45, 0.5, 0.35)):
            line = QRectF(x0 + w * 0.66 - w * frac, y0 + h * (0.32 + i * 0.1), w * frac, h * 0.045)
            p.drawRoundedRect(line, 3, 3)
        # the CAN: 6 digits, bottom left of the front
        can = QRectF(x0 + w * 0.05, y0 + h * 0.76, w * 0.36, h * 0.16)
        p.setBrush(QColor("#fff4c2"))
        p.setPen(QPen(QColor("#d93025"), 2.5))
        p.drawRoundedRect(can.adjusted(-4, -4, 4, 4), 6, 6)
        p.setPen(QColor(theme.INK))
        mono = QFont("DejaVu Sans Mono")
        mono.setPointSizeF(max(7.0, w / 30))
        mono.setBold(True)
        p.setFont(mono)
        p.drawText(can, int(Qt.AlignmentFlag.AlignCenter), "CAN 123456")  # the demo card's CAN
        # arrow pointing at it
        p.setPen(QPen(QColor("#d93025"), 2.5))
        tip = QPointF(can.right() + 8, can.center().y())
        tail = QPointF(can.right() + w * 0.16, can.center().y())
        p.drawLine(tail, tip)
        p.drawLine(tip, QPointF(tip.x() + 8, tip.y() - 6))
        p.drawLine(tip, QPointF(tip.x() + 8, tip.y() + 6))
        p.end()


class SecretField(QLineEdit):
    """A masked digits field: Latin, Persian and Arabic-Indic digits; `value()` gives ASCII digits."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Secret")
        self.setEchoMode(QLineEdit.EchoMode.Password)
        self.setInputMethodHints(
            Qt.InputMethodHint.ImhDigitsOnly
            | Qt.InputMethodHint.ImhSensitiveData
            | Qt.InputMethodHint.ImhNoPredictiveText
        )
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)  # no copy / paste of secrets
        self.set_length(6, 6)

    def set_length(self, low: int, high: int) -> None:
        self.low, self.high = low, high
        self.setMaxLength(high)
        self.setValidator(
            QRegularExpressionValidator(QRegularExpression(f"[{DIGIT_CLASS}]{{0,{high}}}"), self)
        )

    def value(self) -> str:
        return to_latin_digits(self.text())

    def complete(self) -> bool:
        return self.low <= len(self.text()) <= self.high

    def wipe(self) -> None:
        self.clear()
        self.setModified(False)


class Keypad(QWidget):
    """On-screen digits (for a touch screen); always laid out 1-2-3 left to right."""

    digit = Signal(str)
    backspace = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        grid = QGridLayout(self)
        grid.setSpacing(8)
        grid.setContentsMargins(0, 0, 0, 0)
        self.keys: dict[str, QPushButton] = {}
        positions = [
            ("1", 0, 0),
            ("2", 0, 1),
            ("3", 0, 2),
            ("4", 1, 0),
            ("5", 1, 1),
            ("6", 1, 2),
            ("7", 2, 0),
            ("8", 2, 1),
            ("9", 2, 2),
            ("0", 3, 1),
        ]
        for d, r, c in positions:
            key = QPushButton(d)
            key.setObjectName("Key")
            key.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keyboard types into the field directly
            key.clicked.connect(lambda _=False, d=d: self.digit.emit(d))
            grid.addWidget(key, r, c)
            self.keys[d] = key
        back = QPushButton("⌫")
        back.setObjectName("Key")
        back.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        back.clicked.connect(self.backspace.emit)
        grid.addWidget(back, 3, 2)
        self.keys["back"] = back

    def set_persian(self, persian: bool) -> None:
        for d in "0123456789":
            self.keys[d].setText(to_persian_digits(d) if persian else d)


def align_to_language(widget: QLabel, rtl: bool) -> None:
    """Align by the UI's direction, whatever the text's own (a Latin code in a Persian screen)."""
    side = Qt.AlignmentFlag.AlignRight if rtl else Qt.AlignmentFlag.AlignLeft
    widget.setAlignment(Qt.AlignmentFlag.AlignAbsolute | Qt.AlignmentFlag.AlignVCenter | side)


def centered(widget: QWidget, max_width: int) -> QHBoxLayout:
    """A row that gives `widget` all the width up to `max_width`, centred beyond it."""
    widget.setMaximumWidth(max_width)
    widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    row.addStretch(0)
    row.addWidget(widget, 100)
    row.addStretch(0)
    return row


def scroll_holder() -> tuple[QScrollArea, QVBoxLayout]:
    """A frameless scroll area and the layout of the page-coloured widget inside it."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    holder = QWidget()
    holder.setObjectName("Page")
    area.setWidget(holder)
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    return area, layout


def set_style_name(widget: QWidget, name: str) -> None:
    """Change the object name the style sheet selects on, and apply it now."""
    widget.setObjectName(name)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def show_message(message: QLabel, text: str, ok: bool) -> None:
    """A one-line outcome under a form: green when done, amber when not; hidden when empty."""
    set_style_name(message, "Success" if ok else "Warning")
    message.setText(text)
    message.setVisible(bool(text))


def page_panel(
    page: QWidget,
    max_width: int,
    *,
    outer_margins: tuple[int, int, int, int],
    margins: tuple[int, int, int, int],
    spacing: int | None = None,
    min_width: int | None = None,
    scroll: bool = False,
) -> QVBoxLayout:
    """The common page scaffold: one centred panel at the top; returns its layout.

    `scroll` wraps it in a scroll area, a safety net for small windows (at the
    normal window size everything fits without it).
    """
    outer = QVBoxLayout(page)
    outer.setContentsMargins(*outer_margins)
    host = outer
    if scroll:
        area, host = scroll_holder()
        outer.addWidget(area)
    box = panel()
    if min_width is not None:
        box.setMinimumWidth(min_width)
    host.addLayout(centered(box, max_width))
    host.addStretch(1)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(*margins)
    if spacing is not None:
        layout.setSpacing(spacing)
    return layout


def photo_pixmap(png: bytes, height: int) -> QPixmap:
    pixmap = QPixmap()
    pixmap.loadFromData(png)
    if pixmap.isNull():
        return pixmap
    return pixmap.scaledToHeight(height, Qt.TransformationMode.SmoothTransformation)


def add_escape(widget: QWidget, slot: object) -> QShortcut:
    shortcut = QShortcut(QKeySequence(Qt.Key.Key_Escape), widget)
    shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    shortcut.activated.connect(slot)
    return shortcut


def clear_layout(layout: QLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        if item is None:
            break
        widget = item.widget()
        inner = item.layout()
        if widget is not None:
            widget.hide()
            widget.setParent(None)
            widget.deleteLater()
        elif inner is not None:
            clear_layout(inner)
