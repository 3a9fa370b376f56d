"""What a card's ATR historical bytes say about the card's APDU abilities."""

from __future__ import annotations


def historical_bytes(atr: bytes) -> bytes:
    """The historical bytes of an ISO 7816-3 ATR (empty when the ATR is odd)."""
    if len(atr) < 2:
        return b""
    t0 = atr[1]
    count = t0 & 0x0F
    pos, td = 2, t0
    while True:
        for bit in (0x10, 0x20, 0x40):
            if td & bit:
                pos += 1
        if not td & 0x80:
            break
        if pos >= len(atr):
            return b""
        td = atr[pos]
        pos += 1
    return atr[pos : pos + count]


def supports_extended_length(atr: bytes) -> bool:
    """True when the card capabilities (compact-TLV tag 7) announce extended Lc/Le."""
    hist = historical_bytes(atr)
    if not hist or hist[0] != 0x80:
        return False
    pos = 1
    while pos < len(hist):
        tag, length = hist[pos] >> 4, hist[pos] & 0x0F
        value = hist[pos + 1 : pos + 1 + length]
        if tag == 7 and len(value) >= 3:
            return bool(value[2] & 0x40)
        pos += 1 + length
    return False
