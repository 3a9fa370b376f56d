"""Fonts and colours.

Persian needs a font with Arabic-script shaping; a bare machine has none, so
the Makefile installs Debian's `fonts-noto-core` and the app loads Noto Sans
Arabic (and Noto Sans for Latin) from it explicitly through QFontDatabase,
rather than trusting whatever fontconfig would fall back to.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import QApplication

log = logging.getLogger("idcard.gui")

#: Where Debian's fonts-noto-core puts them; a bundled copy in gui/fonts wins.
FONT_DIRS = (
    Path(__file__).with_name("fonts"),
    Path("/usr/share/fonts/truetype/noto"),
    Path("/usr/share/fonts/noto"),
    Path("/usr/local/share/fonts"),
)
FONT_FILES = (
    "NotoSansArabic-Regular.ttf",
    "NotoSansArabic-Bold.ttf",
    "NotoSans-Regular.ttf",
    "NotoSans-Bold.ttf",
)
PERSIAN_FAMILY = "Noto Sans Arabic"
LATIN_FAMILY = "Noto Sans"
BASE_POINT_SIZE = 11
ASSETS = Path(__file__).with_name("assets").as_posix()

# Palette
INK = "#1c2733"
MUTED = "#5b6876"
PAPER = "#f4f6f9"
CARD = "#ffffff"
LINE = "#d9dee5"
ACCENT = "#0b6e4f"  # deep green: the national card's colour
ACCENT_DARK = "#08583f"
ACCENT_SOFT = "#e3f2ec"
OK = "#1b7f3b"
OK_SOFT = "#e6f4ea"
BAD = "#b3261e"
BAD_SOFT = "#fbe9e7"
WARN = "#8a5a00"
WARN_SOFT = "#fff4e0"


def load_fonts() -> list[str]:
    """Register the Noto fonts with Qt; returns the families loaded (warns when Persian is missing)."""
    families: set[str] = set()
    for name in FONT_FILES:
        for directory in FONT_DIRS:
            path = directory / name
            if path.is_file():
                font_id = QFontDatabase.addApplicationFont(str(path))
                if font_id >= 0:
                    families.update(QFontDatabase.applicationFontFamilies(font_id))
                break
    if PERSIAN_FAMILY not in families and PERSIAN_FAMILY not in QFontDatabase.families():
        log.warning(
            "Noto Sans Arabic not found: Persian text may not render. "
            "Install it with: sudo apt-get install fonts-noto-core"
        )
    return sorted(families)


def app_font(point_size: int = BASE_POINT_SIZE) -> QFont:
    font = QFont()
    # Latin first (its digits and letters), Persian glyphs from Noto Sans Arabic.
    font.setFamilies([LATIN_FAMILY, PERSIAN_FAMILY])
    font.setPointSize(point_size)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return font


def font(point_size: int, *, bold: bool = False) -> QFont:
    f = app_font(point_size)
    f.setBold(bold)
    return f


STYLESHEET = f"""
QMainWindow, QWidget#Page {{ background: {PAPER}; }}
QWidget {{ color: {INK}; }}
QFrame#Panel {{ background: {CARD}; border: 1px solid {LINE}; border-radius: 12px; }}
QFrame#TopBar {{ background: {ACCENT}; }}
QFrame#TopBar QLabel {{ color: white; }}
QFrame#DemoBanner {{ background: {WARN_SOFT}; border: 1px solid #f0c36d; border-radius: 8px; }}
QFrame#DemoBanner QLabel {{ color: {WARN}; }}
QLabel#Muted {{ color: {MUTED}; }}
QLabel#Warning {{ color: {BAD}; background: {BAD_SOFT}; border-radius: 8px; padding: 8px 12px; }}
QLabel#Notice {{ color: {WARN}; background: {WARN_SOFT}; border-radius: 8px; padding: 8px 12px; }}
QLabel#Success {{ color: {OK}; background: {OK_SOFT}; border-radius: 8px; padding: 8px 12px; }}
QPushButton {{
    background: {CARD}; border: 1px solid {LINE}; border-radius: 8px;
    padding: 8px 18px; min-height: 24px;
}}
QPushButton:hover {{ border-color: {ACCENT}; }}
QPushButton:focus {{ border: 2px solid {ACCENT}; }}
QPushButton:disabled {{ color: #9aa4ae; background: #eef0f3; }}
QPushButton#Primary {{ background: {ACCENT}; color: white; border: none; }}
QPushButton#Primary:hover {{ background: {ACCENT_DARK}; }}
QPushButton#Primary:focus {{ border: 2px solid #7cc4a8; }}
QPushButton#Primary:disabled {{ background: #9cbfb2; color: #eef5f2; }}
QPushButton#Danger {{ color: {BAD}; }}
QPushButton#NavButton {{
    background: transparent; color: white; border: none; border-radius: 6px; padding: 6px 14px;
}}
QPushButton#NavButton:checked {{ background: {ACCENT_DARK}; }}
QPushButton#NavButton:hover {{ background: {ACCENT_DARK}; }}
QPushButton#NavButton:focus {{ border: 1px solid white; }}
QPushButton#Key {{ font-size: 20px; min-width: 64px; min-height: 42px; border-radius: 10px; }}
QLineEdit, QComboBox, QPlainTextEdit {{
    background: {CARD}; border: 1px solid {LINE}; border-radius: 8px; padding: 6px 10px;
}}
QLineEdit:focus, QComboBox:focus {{ border: 2px solid {ACCENT}; }}
QComboBox::drop-down {{ border: none; width: 28px; }}
QComboBox::down-arrow {{ image: url({ASSETS}/down-arrow.svg); width: 12px; height: 8px; }}
QLineEdit#Secret {{ font-size: 22px; letter-spacing: 6px; padding: 8px 12px; }}
QProgressBar {{
    border: 1px solid {LINE}; border-radius: 8px; background: {CARD}; text-align: center; min-height: 22px;
}}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 7px; }}
QTableWidget {{ background: {CARD}; border: 1px solid {LINE}; border-radius: 8px; gridline-color: {LINE}; }}
QTableWidget::item {{ padding: 4px 12px; }}
QHeaderView::section {{ background: {PAPER}; border: none; border-bottom: 1px solid {LINE}; padding: 6px 12px; }}
QTreeWidget {{ background: {CARD}; border: 1px solid {LINE}; border-radius: 8px; }}
QCheckBox {{ spacing: 8px; }}
"""


def apply_theme(app: QApplication) -> None:
    load_fonts()
    app.setFont(app_font())
    app.setStyle("Fusion")
    palette = app.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor(PAPER))
    palette.setColor(QPalette.ColorRole.Base, QColor(CARD))
    palette.setColor(QPalette.ColorRole.Text, QColor(INK))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(INK))
    palette.setColor(QPalette.ColorRole.ButtonText, QColor(INK))
    palette.setColor(QPalette.ColorRole.Highlight, QColor(ACCENT))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("white"))
    app.setPalette(palette)
    app.setStyleSheet(STYLESHEET)
