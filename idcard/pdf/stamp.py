"""The visible signature field: the signer's name as written on the card, in Persian.

Persian letters join, so each one has up to four forms; pyHanko's OpenType
engine (HarfBuzz) picks them and lays the line out right to left, and the
PDF carries the logical text as /ActualText so copy-paste and search work.
HarfBuzz does no bidi reordering: a digit run inside Persian text would come
out reversed, so the appearance holds no numbers (the signing time is in the
signature itself).
"""

from __future__ import annotations

import os

from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import TextStampStyle

from idcard.errors import UsageError

__all__ = ["FONT_PATH", "stamp_style", "stamp_text"]

#: Debian fonts-noto-core (in the Makefile's DEB_PACKAGES); $IDCARD_PDF_FONT overrides it.
FONT_PATH = "/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf"

_HEADING = "امضای دیجیتال با کارت هوشمند ملی"


def stamp_text(name: str | None) -> str:
    lines = [_HEADING]
    if name:
        lines.append(" ".join(name.split()))
    # pyHanko %-formats the template; a literal % must survive it.
    return "\n".join(lines).replace("%", "%%")


def stamp_style(name: str | None) -> TextStampStyle:
    font = os.environ.get("IDCARD_PDF_FONT", FONT_PATH)
    if not os.path.isfile(font):
        raise UsageError(
            f"No font for the visible signature at {font} (install fonts-noto-core, "
            "or set IDCARD_PDF_FONT to a font with Persian letters)."
        )
    factory = GlyphAccumulatorFactory(font, font_size=11, writing_direction="rtl")
    return TextStampStyle(
        stamp_text=stamp_text(name),
        text_box_style=TextBoxStyle(font=factory),
        border_width=1,
    )
