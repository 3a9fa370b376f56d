"""Persian first (RTL, Persian digits, Solar Hijri), English at runtime, Qt translation files, the font, screenshots."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtGui import QFontDatabase, QImage

import gui
from gui.i18n import TRANSLATIONS, I18n, to_persian_digits
from idcard.digits import to_latin_digits

GUI_DIR = Path(gui.__file__).parent
BIN = Path(sys.executable).parent


def test_digits_and_dates(app) -> None:  # noqa: ANN001
    assert to_persian_digits("0012345679") == "۰۰۱۲۳۴۵۶۷۹"
    assert to_latin_digits("۱۲۳۴۵۶") == "123456"
    assert to_latin_digits("١٢٣٤٥٦") == "123456"  # Arabic-Indic digits too
    fa, en = I18n("fa"), I18n("en")
    born = dt.date(1990, 8, 3)
    assert fa.solar_date(born) == "۱۲ مرداد ۱۳۶۹"
    assert fa.date(born) == "۱۲ مرداد ۱۳۶۹ (۳ اوت ۱۹۹۰)"
    assert en.date(born) == "3 August 1990 (12 Mordad 1369 SH)"
    assert fa.digits(42) == "۴۲" and en.digits(42) == "42"
    assert fa.date(dt.date(2024, 3, 20)).startswith("۱ فروردین ۱۴۰۳")  # Nowruz
    en.set_language("en")


def test_language_switch_and_direction(app, qtbot, make_window, demo_card) -> None:  # noqa: ANN001
    from PySide6.QtCore import Qt

    window = make_window(demo_card, language="fa")
    assert app.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert window.windowTitle() == "کارت هوشمند ملی"
    assert window.home.read.text() == "خواندن کارت من"
    assert window.language.text() == "English"
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(
        window.home.read, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier
    )  # keyboard: Ctrl+L
    assert window.i18n.language == "en"
    assert app.layoutDirection() == Qt.LayoutDirection.LeftToRight
    assert window.windowTitle() == "National ID Card"
    assert window.home.read.text() == "Read my card"
    assert window.language.text() == "فارسی"
    window.language.click()
    assert window.home.read.text() == "خواندن کارت من"


def test_persian_font_is_loaded(app) -> None:  # noqa: ANN001
    from gui import theme

    families = theme.load_fonts()
    assert theme.PERSIAN_FAMILY in families or theme.PERSIAN_FAMILY in QFontDatabase.families(), (
        "Noto Sans Arabic is missing: install Debian's fonts-noto-core (the Makefile does)"
    )
    assert theme.PERSIAN_FAMILY in app.font().families()


def _messages(ts: Path) -> dict[tuple[str, str], ET.Element]:
    root = ET.parse(ts).getroot()
    out = {}
    for context in root.iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            out[(name, message.findtext("source") or "")] = message.find("translation")
    return out


def test_every_string_has_a_persian_translation(tmp_path: Path) -> None:
    """lupdate over gui/ finds no string the shipped .ts lacks, and none is unfinished."""
    lupdate = BIN / "pyside6-lupdate"
    if not lupdate.exists() and not shutil.which("pyside6-lupdate"):
        pytest.skip("pyside6-lupdate is not installed (PySide6's tools)")
    shipped = TRANSLATIONS / "idcard_fa.ts"
    fresh = tmp_path / "fresh.ts"
    sources = sorted(str(p) for p in GUI_DIR.rglob("*.py"))
    subprocess.run(
        [
            str(lupdate if lupdate.exists() else "pyside6-lupdate"),
            "-no-obsolete",
            *sources,
            "-ts",
            str(fresh),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    found = set(_messages(fresh))
    translated = {
        key: t
        for key, t in _messages(shipped).items()
        if t is not None and t.text and t.get("type") is None
    }
    missing = sorted(found - set(translated))
    assert not missing, (
        f"strings without a Persian translation (run lupdate, translate, lrelease): {missing[:10]}"
    )
    for (context, source), translation in translated.items():
        for placeholder in (
            "{n}",
            "{date}",
            "{origin}",
            "{file}",
            "{detail}",
            "{what}",
            "{code}",
            "{name}",
            "{id}",
            "{location}",
            "{address}",
        ):
            assert (placeholder in source) == (placeholder in translation.text), (context, source)


def test_compiled_qm_matches_the_ts(tmp_path: Path) -> None:
    lrelease = BIN / "pyside6-lrelease"
    if not lrelease.exists():
        pytest.skip("pyside6-lrelease is not installed (PySide6's tools)")
    out = tmp_path / "fa.qm"
    subprocess.run(
        [str(lrelease), str(TRANSLATIONS / "idcard_fa.ts"), "-qm", str(out)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert out.read_bytes() == (TRANSLATIONS / "idcard_fa.qm").read_bytes(), (
        "idcard_fa.qm is stale: run pyside6-lrelease"
    )


def test_ts_fallback_when_qm_is_missing(app) -> None:  # noqa: ANN001
    from PySide6.QtCore import QCoreApplication

    from gui.i18n import TsTranslator

    translator = TsTranslator(TRANSLATIONS / "idcard_fa.ts")
    app.installTranslator(translator)
    try:
        assert QCoreApplication.translate("HomePage", "Read my card") == "خواندن کارت من"
        assert QCoreApplication.translate("HomePage", "not in the file") == "not in the file"
    finally:
        app.removeTranslator(translator)


def test_screenshots_of_every_main_screen(app, tmp_path: Path) -> None:  # noqa: ANN001
    """`idcard-gui --demo --screenshot DIR`: home, PIN, identity, consent, desk history — Persian and English."""
    from gui.config import AppConfig
    from gui.screenshots import SCREENS, take_screenshots

    i18n = I18n("fa")
    written = take_screenshots(
        AppConfig(desk_db=str(tmp_path / "desk.sqlite3")), tmp_path / "shots", i18n
    )
    names = sorted(p.name for p in written)
    assert names == sorted(f"{screen}-{lang}.png" for screen in SCREENS for lang in ("fa", "en"))
    for path in written:
        image = QImage(str(path))
        assert image.width() >= 980 and image.height() >= 700, path.name
        # Not a blank picture: many different colours.
        colours = {
            image.pixel(x, y)
            for x in range(0, image.width(), 37)
            for y in range(0, image.height(), 23)
        }
        assert len(colours) > 8, path.name
    i18n.set_language("en")


@pytest.mark.parametrize("language", ["fa", "en"])
def test_nothing_clipped_on_the_main_screens(qtbot, make_window, demo_card, language: str) -> None:  # noqa: ANN001
    from gui.screenshots import clipped
    from tests.gui.conftest import DEMO_PIN, type_secret, wait_page

    window = make_window(demo_card, language=language)
    window.resize(1120, 800)

    def check() -> None:
        qtbot.wait(50)
        problems = clipped(window)
        assert not problems, problems

    check()
    window.start_read()
    wait_page(qtbot, window, window.pinpad)
    check()
    type_secret(qtbot, window, DEMO_PIN)
    wait_page(qtbot, window, window.identity)
    check()
    window.consent.ask("https://portal.example.ir", ["name", "nationalCode", "birthDate", "photo"])
    window.go(window.consent)
    check()
    for key in ("pins", "sign", "desk"):
        window.nav_to(key)
        check()
    window.desk.tabs.setCurrentIndex(1)  # the history
    check()
