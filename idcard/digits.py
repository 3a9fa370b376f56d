"""Persian and Arabic-Indic digits to ASCII: what cards and record searches expect."""

from __future__ import annotations

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
_TO_LATIN = str.maketrans(PERSIAN_DIGITS + ARABIC_INDIC_DIGITS, "0123456789" * 2)


def to_latin_digits(text: str) -> str:
    """Persian and Arabic-Indic digits to ASCII (what the card expects)."""
    return text.translate(_TO_LATIN)
