"""APDU layer: command/response encoding, status words, BER-TLV, the card channel."""

from idcard.apdu.command import CommandAPDU
from idcard.apdu.response import ResponseAPDU, status_error

__all__ = ["CommandAPDU", "ResponseAPDU", "status_error"]
