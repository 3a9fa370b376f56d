"""Language, direction, digits and dates: Persian first, English at runtime.

Source strings are English; Persian comes from Qt's translation file
(`translations/idcard_fa.ts`, compiled to `idcard_fa.qm`). Every widget that
shows text implements `retranslate()` and is connected to
`I18n.changed`, so switching the language redraws the whole window without
a restart. Numbers go through `I18n.digits()` (Persian digits in Persian),
dates through `I18n.date()` (Solar Hijri first in Persian, Gregorian first
in English, the other calendar beside it).
"""

from __future__ import annotations

import datetime as dt
import logging
import xml.etree.ElementTree as ET
from pathlib import Path

import jdatetime
from PySide6.QtCore import QCoreApplication, QLocale, QObject, Qt, QTranslator, Signal

from idcard.digits import PERSIAN_DIGITS

log = logging.getLogger("idcard.gui")

TRANSLATIONS = Path(__file__).with_name("translations")

LANGUAGES = ("fa", "en")
DEFAULT_LANGUAGE = "fa"

_TO_PERSIAN = str.maketrans("0123456789", PERSIAN_DIGITS)

#: A PIN, CAN or PUK field takes any of these (Latin, Persian, Arabic-Indic digits).
DIGIT_CLASS = "0-9\u06f0-\u06f9\u0660-\u0669"

SOLAR_MONTHS_FA = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)
SOLAR_MONTHS_EN = (
    "Farvardin",
    "Ordibehesht",
    "Khordad",
    "Tir",
    "Mordad",
    "Shahrivar",
    "Mehr",
    "Aban",
    "Azar",
    "Dey",
    "Bahman",
    "Esfand",
)
GREGORIAN_MONTHS_FA = (
    "ژانویه",
    "فوریه",
    "مارس",
    "آوریل",
    "مه",
    "ژوئن",
    "ژوئیه",
    "اوت",
    "سپتامبر",
    "اکتبر",
    "نوامبر",
    "دسامبر",
)
GREGORIAN_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def to_persian_digits(text: str) -> str:
    return text.translate(_TO_PERSIAN)


def solar_hijri(date: dt.date) -> tuple[int, int, int]:
    j = jdatetime.date.fromgregorian(date=date)
    return j.year, j.month, j.day


class TsTranslator(QTranslator):
    """Reads a `.ts` file directly: used only when the compiled `.qm` is missing.

    The package ships the `.qm`; this keeps a source checkout usable even if
    `pyside6-lrelease` was never run, instead of silently showing English.
    """

    def __init__(self, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._messages: dict[tuple[str, str], str] = {}
        root = ET.parse(path).getroot()
        for context in root.iter("context"):
            name = context.findtext("name") or ""
            for message in context.iter("message"):
                source = message.findtext("source") or ""
                translation = message.find("translation")
                if translation is None or translation.get("type") in (
                    "unfinished",
                    "obsolete",
                    "vanished",
                ):
                    continue
                if translation.text:
                    self._messages[(name, source)] = translation.text

    def translate(
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        # None (a null QString) lets Qt fall back to the source text.
        return self._messages.get((context, source))

    def isEmpty(self) -> bool:  # noqa: N802 - Qt's name
        return not self._messages


def load_translator(language: str, parent: QObject | None = None) -> QTranslator | None:
    """The translator for `language` (None for English, the source language)."""
    if language == "en":
        return None
    qm = TRANSLATIONS / f"idcard_{language}.qm"
    translator = QTranslator(parent)
    if qm.is_file() and translator.load(str(qm)):
        return translator
    ts = TRANSLATIONS / f"idcard_{language}.ts"
    if ts.is_file():
        log.warning("%s is missing; reading the translations from %s", qm.name, ts.name)
        return TsTranslator(ts, parent)
    raise FileNotFoundError(f"No translation for {language!r} in {TRANSLATIONS}")


#: The translator installed on the application (by any I18n).
_installed: QTranslator | None = None


class I18n(QObject):
    """The current language; `changed` fires after it switched (widgets retranslate)."""

    changed = Signal(str)

    def __init__(self, language: str = DEFAULT_LANGUAGE, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.language = ""
        self._translator: QTranslator | None = None
        self.set_language(language)

    @property
    def rtl(self) -> bool:
        return self.language == "fa"

    @property
    def direction(self) -> Qt.LayoutDirection:
        return Qt.LayoutDirection.RightToLeft if self.rtl else Qt.LayoutDirection.LeftToRight

    def set_language(self, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
        if language == self.language:
            return
        global _installed
        app = QCoreApplication.instance()
        # One app, one language: whichever I18n installed the last translator, it goes.
        if _installed is not None and app is not None:
            app.removeTranslator(_installed)
            _installed.deleteLater()
        _installed = None
        self._translator = load_translator(language, app)
        if self._translator is not None and app is not None:
            app.installTranslator(self._translator)
            _installed = self._translator
        self.language = language
        locale = (
            QLocale(QLocale.Language.Persian, QLocale.Country.Iran)
            if self.rtl
            else QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)
        )
        QLocale.setDefault(locale)
        if app is not None and hasattr(app, "setLayoutDirection"):
            app.setLayoutDirection(self.direction)
        self.changed.emit(language)

    # -- formatting -------------------------------------------------------------------
    def ltr(self, text: str) -> str:
        """A path, URL or code inside a Persian sentence: marked left-to-right so its slashes stay put."""
        return f"\u200e{text}\u200e" if self.rtl else text

    def digits(self, value: object) -> str:
        text = str(value)
        return to_persian_digits(text) if self.rtl else text

    def solar_date(self, date: dt.date) -> str:
        y, m, d = solar_hijri(date)
        if self.rtl:
            return to_persian_digits(f"{d} {SOLAR_MONTHS_FA[m - 1]} {y}")
        return f"{d} {SOLAR_MONTHS_EN[m - 1]} {y} SH"

    def gregorian_date(self, date: dt.date) -> str:
        if self.rtl:
            return to_persian_digits(
                f"{date.day} {GREGORIAN_MONTHS_FA[date.month - 1]} {date.year}"
            )
        return f"{date.day} {GREGORIAN_MONTHS_EN[date.month - 1]} {date.year}"

    def date(self, date: dt.date | None) -> str:
        """Both calendars: the reader's own first, the other in brackets."""
        if date is None:
            return "—"
        if self.rtl:
            return f"{self.solar_date(date)} ({self.gregorian_date(date)})"
        return f"{self.gregorian_date(date)} ({self.solar_date(date)})"

    def short_date(self, date: dt.date | None) -> str:
        """The reader's calendar only."""
        if date is None:
            return "—"
        return self.solar_date(date) if self.rtl else self.gregorian_date(date)

    def datetime(self, when: dt.datetime) -> str:
        local = when.astimezone() if when.tzinfo else when
        clock = f"{local.hour:02d}:{local.minute:02d}"
        return (
            f"{self.short_date(local.date())}، {self.digits(clock)}"
            if self.rtl
            else f"{self.short_date(local.date())}, {clock}"
        )
