"""Response APDUs and the mapping of status words to typed errors."""

from __future__ import annotations

from dataclasses import dataclass

from idcard.errors import (
    CardStatusError,
    MalformedResponseError,
    PinError,
    SecureMessagingError,
)

SW_OK = 0x9000
SW_END_OF_FILE = 0x6282
SW_WRONG_LENGTH = 0x6700
SW_SECURITY_NOT_SATISFIED = 0x6982
SW_BLOCKED = 0x6983
SW_REF_DATA_NOT_USABLE = 0x6984
SW_CONDITIONS_NOT_SATISFIED = 0x6985
SW_SM_MISSING = 0x6987
SW_SM_INCORRECT = 0x6988
SW_WRONG_DATA = 0x6A80
SW_FILE_NOT_FOUND = 0x6A82
SW_WRONG_P1P2 = 0x6A86
SW_WRONG_OFFSET = 0x6B00
SW_INS_NOT_SUPPORTED = 0x6D00
SW_CLA_NOT_SUPPORTED = 0x6E00

#: status word -> (stable code, message). 63Cx, 61xx and 6Cxx are families.
STATUS_WORDS: dict[int, tuple[str, str]] = {
    SW_END_OF_FILE: ("card.end_of_file", "The file ended before the requested length."),
    SW_WRONG_LENGTH: ("card.wrong_length", "The card rejected the command length."),
    SW_SECURITY_NOT_SATISFIED: (
        "card.access_denied",
        "The card refused: this needs the card to be unlocked first.",
    ),
    SW_BLOCKED: ("pin.blocked", "The PIN is blocked. Unblock it with the PUK."),
    SW_REF_DATA_NOT_USABLE: (
        "card.reference_unusable",
        "The card cannot use this key or password any more.",
    ),
    SW_CONDITIONS_NOT_SATISFIED: (
        "card.conditions",
        "The card refused the command in its current state.",
    ),
    SW_SM_MISSING: (
        "sm.missing",
        "The secure channel to the card broke (protection missing). Start again.",
    ),
    SW_SM_INCORRECT: (
        "sm.mac",
        "The secure channel to the card broke (bad checksum). Start again.",
    ),
    SW_WRONG_DATA: ("card.wrong_data", "The card rejected the command data."),
    SW_FILE_NOT_FOUND: ("card.file_not_found", "The card does not have this file."),
    SW_WRONG_P1P2: ("card.wrong_parameters", "The card rejected the command parameters."),
    SW_WRONG_OFFSET: ("card.wrong_offset", "Read past the end of the file."),
    SW_INS_NOT_SUPPORTED: ("card.unsupported", "The card does not support this command."),
    SW_CLA_NOT_SUPPORTED: ("card.unsupported", "The card does not support this command class."),
}


@dataclass(frozen=True)
class ResponseAPDU:
    data: bytes
    sw: int

    @property
    def sw1(self) -> int:
        return self.sw >> 8

    @property
    def sw2(self) -> int:
        return self.sw & 0xFF

    @property
    def ok(self) -> bool:
        return self.sw == SW_OK

    def encode(self) -> bytes:
        return self.data + self.sw.to_bytes(2, "big")

    @classmethod
    def parse(cls, raw: bytes) -> ResponseAPDU:
        if len(raw) < 2:
            raise MalformedResponseError(
                f"The card answered {len(raw)} byte(s); a response needs at least a status word."
            )
        return cls(bytes(raw[:-2]), int.from_bytes(raw[-2:], "big"))

    def check(self) -> ResponseAPDU:
        """Return self if 9000, else raise the typed error for the status word."""
        if self.sw != SW_OK:
            raise status_error(self.sw)
        return self


def status_error(sw: int) -> Exception:
    """The typed error for a non-9000 status word."""
    if sw & 0xFFF0 == 0x63C0:
        tries = sw & 0x0F
        return PinError(
            f"Wrong PIN. {tries} tr{'y' if tries == 1 else 'ies'} left.",
            code="pin.wrong" if tries else "pin.blocked",
            tries_left=tries,
        )
    if sw == SW_BLOCKED:
        return PinError(STATUS_WORDS[sw][1], code="pin.blocked", tries_left=0)
    if sw in (SW_SM_INCORRECT, SW_SM_MISSING):
        code, message = STATUS_WORDS[sw]
        return SecureMessagingError(message, code=code)
    known = STATUS_WORDS.get(sw)
    if known is not None:
        return CardStatusError(known[1], sw, code=known[0])
    return CardStatusError(f"The card answered with unknown status {sw:04X}.", sw, code="card.status")
