"""The one interface every card-family driver implements.

A driver says up front what it can do (`Capabilities`); anything it cannot do
raises `UnsupportedOperationError` naming what is missing, so callers and the
verdict can say honestly why a step was not performed.
"""

from __future__ import annotations

import abc
import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from idcard.apdu.channel import is_secret, redact, redact_response
from idcard.apdu.response import ResponseAPDU
from idcard.apdu.tlv import header_length
from idcard.cards.keyservice import CardKeyService
from idcard.errors import CardStatusError, IdCardError, MalformedResponseError
from reader.base import Transport

log = logging.getLogger(__name__)

#: Why most protected operations of real NID cards are out of reach (spec §6-§7).
NEEDS_REGISTRY = "needs the registry's card-authentication service"
#: Why an operation whose APDUs were never published cannot be offered (spec §8).
NOT_PUBLIC = "its APDUs are not public"

_SW_END_OF_FILE = 0x6B00


def der_length(head: bytes) -> int:
    """Total length of the DER certificate starting `head`, from its header (spec §3.2)."""
    if not head or head[0] != 0x30:
        raise MalformedResponseError("The certificate file does not start with a DER SEQUENCE.")
    return header_length(head)



def checked_cplc(cplc: bytes) -> bytes:
    """The GlobalPlatform CPLC record as NID cards return it: 45 bytes with header 9F7F2A (§3.1)."""
    if len(cplc) != 45 or cplc[:3] != bytes.fromhex("9F7F2A"):
        raise MalformedResponseError("The card's CPLC is not the 45-byte 9F7F2A record.")
    return cplc


class Operation(enum.Enum):
    """What a caller may ask of a card; the value is the stable name used in errors."""

    READ_IDENTITY = "read identity"
    READ_CERTIFICATES = "read certificates"
    PIN_STATUS = "read the PIN counters without spending a try"
    VERIFY_PIN = "verify PIN"
    CHANGE_PIN = "change PIN"
    UNBLOCK_PIN = "unblock PIN"
    AUTHENTICATE = "authenticate the chip"
    SIGN = "sign"
    READ_SIGNED_DATA = "read signed data groups"


class UnsupportedOperationError(IdCardError):
    """The card family (or this client without the registry) cannot do the operation."""

    code = "card.unsupported_operation"

    def __init__(self, family: str, operation: Operation, reason: str) -> None:
        super().__init__(f"This {family} card cannot {operation.value} here: {reason}.")
        self.family = family
        self.operation = operation
        self.reason = reason

    def to_json(self) -> dict[str, object]:
        out = super().to_json()
        out["operation"] = self.operation.name.lower()
        out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class Capabilities:
    """Operations a driver offers; every other operation maps to the reason it is missing."""

    supported: frozenset[Operation]
    missing: dict[Operation, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        lacking = set(Operation) - self.supported - set(self.missing)
        if lacking:
            names = ", ".join(sorted(op.name for op in lacking))
            raise ValueError(f"capabilities give no reason for missing operations: {names}")

    def supports(self, operation: Operation) -> bool:
        return operation in self.supported

    def to_json(self) -> dict[str, object]:
        return {
            op.name.lower(): True if op in self.supported else self.missing[op]
            for op in Operation
        }


#: Reasons shared by every NID family: these operations run only with the registry's keys.
REGISTRY_ONLY: dict[Operation, str] = {
    Operation.AUTHENTICATE: NEEDS_REGISTRY,
    Operation.SIGN: NEEDS_REGISTRY,
    Operation.READ_SIGNED_DATA: NEEDS_REGISTRY,
}


class PinCounters(Protocol):
    """Tries left of a family's ID-PIN objects (one PIN is often held by several objects)."""

    @property
    def tries_left(self) -> int | None: ...

    def objects(self) -> dict[str, int | None]: ...


def pin_counters_json(counters: PinCounters) -> dict[str, object]:
    """`pin` of `idcard pin status --json` for a NID card: the same keys as for nid-v1, plus objects."""
    tries = counters.tries_left
    # NID cards have no suspended state (§5): 3 tries, then the PUK.
    state = "unknown" if tries is None else "blocked" if tries == 0 else "ok"
    return {"triesLeft": tries, "state": state, "objects": counters.objects()}


@dataclass(frozen=True)
class CardInfo:
    """Identifiers a card gives without keys."""

    family: str
    #: Chip type as the vendor numbers it (e.g. "0004"), or None when not established.
    chip_type: str | None
    csn: str | None
    crn: str | None
    #: How the chip type was established: "queried" or "assumed" (the query is not public).
    chip_type_basis: str = "assumed"

    def to_json(self) -> dict[str, object]:
        return {
            "family": self.family,
            "chipType": self.chip_type,
            "chipTypeBasis": self.chip_type_basis,
            "csn": self.csn,
            "crn": self.crn,
        }


class CardDriver(abc.ABC):
    """Protocol code for one card family over any transport."""

    family: str = ""
    capabilities: Capabilities

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def require(self, operation: Operation) -> None:
        """Raise `UnsupportedOperationError` unless the driver offers `operation`."""
        if not self.capabilities.supports(operation):
            raise self.unsupported(operation)

    def _transmit(self, apdu: bytes, secret: bool) -> ResponseAPDU:
        """One round trip, traced like the ICAO channel's (`idcard -v`): secrets redacted."""
        if log.isEnabledFor(logging.DEBUG):
            log.debug(">> %s", redact(apdu))
        answer = self.transport.transmit(apdu)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("<< %s", redact_response(answer, secret))
        return ResponseAPDU.parse(answer)

    def exchange(self, apdu: bytes) -> ResponseAPDU:
        """Send raw command bytes; follow `61xx` with GET RESPONSE (spec §1, iOS/T=0 links)."""
        # The answer to a secret-bearing command, and every GET RESPONSE chunk of it, stays hidden.
        secret = is_secret(apdu)
        response = self._transmit(apdu, secret)
        data = response.data
        while response.sw1 == 0x61:
            response = self._transmit(bytes([0x00, 0xC0, 0x00, 0x00, response.sw2]), secret)
            data += response.data
        return ResponseAPDU(data, response.sw)

    # -- plumbing shared by the NID families and their protocol modules ---------------------------------
    def checked(self, apdu: bytes) -> bytes:
        """The answer's data; any status word but 9000 raises `CardStatusError`."""
        response = self.exchange(apdu)
        if not response.ok:
            raise CardStatusError(
                f"The card refused a command ({response.sw:04X}).", response.sw
            )
        return response.data

    def run(self, *apdus: bytes) -> None:
        """Send commands in order (selects, mostly); the first refused one raises."""
        for apdu in apdus:
            self.checked(apdu)

    def _read_block(self, p1p2: int, le: int) -> ResponseAPDU:
        command = bytes([0x00, 0xB0, p1p2 >> 8, p1p2 & 0xFF, le])
        response = self.exchange(command)
        if response.sw1 == 0x6C:  # wrong Le: resend at the same offset with the card's (§2)
            response = self.exchange(command[:4] + bytes([response.sw2]))
        return response

    def _read_file(
        self,
        *,
        le: int,
        unit: int,
        limit: int | None = None,
        read_block: Callable[[int, int], ResponseAPDU] | None = None,
    ) -> bytes:
        """READ BINARY from offset 0 until a short block, 62xx, 6B00 or `limit` bytes.

        `unit` is the offset unit: 1 byte in IAS, 4 bytes in the data application (§2).
        `read_block` replaces the plain READ BINARY (e.g. by a secure-messaging one).
        """
        read = read_block or self._read_block
        data = b""
        while limit is None or len(data) < limit:
            response = read(len(data) // unit, le)
            if response.sw == _SW_END_OF_FILE:
                break
            if response.sw1 != 0x62 and not response.ok:
                raise CardStatusError(
                    f"The card refused to read the file ({response.sw:04X}).", response.sw
                )
            data += response.data
            if response.sw1 == 0x62 or len(response.data) < le:
                break
        return data if limit is None else data[:limit]

    def _read_certificate(self, block: int) -> bytes:
        """A DER certificate from the selected EF, cut at its DER length (spec §3.2)."""
        first = self._read_file(le=block, unit=1, limit=block)
        total = der_length(first[:6])
        if total <= len(first):
            return first[:total]
        rest = b""
        while len(first) + len(rest) < total:
            response = self._read_block(len(first) + len(rest), min(block, total - len(first) - len(rest)))
            if not response.ok or not response.data:
                raise MalformedResponseError("The certificate file ends before its DER length.")
            rest += response.data
        return (first + rest)[:total]

    def unsupported(self, operation: Operation) -> UnsupportedOperationError:
        """The error for an operation this family does not offer, with its reason."""
        return UnsupportedOperationError(self.family, operation, self.capabilities.missing[operation])

    # -- the ID PIN (§5): each family that can, overrides; the others say why not -----------------------
    def id_pin_status(self, service: CardKeyService | None = None) -> PinCounters:
        """Tries left of the ID PIN without spending one (`service`: a family may need its keys)."""
        raise self.unsupported(Operation.PIN_STATUS)

    def verify_id_pin(self, pin: str) -> PinCounters:
        """Verify the ID PIN; a wrong or blocked PIN raises `PinError` with its code."""
        raise self.unsupported(Operation.VERIFY_PIN)

    def unblock_id_pin(self, puk: str, new_pin: str) -> None:
        """Reset the ID PIN with the PUK."""
        raise self.unsupported(Operation.UNBLOCK_PIN)

    @abc.abstractmethod
    def card_info(self) -> CardInfo:
        """Family, chip type, CSN and CRN as far as this family gives them without keys."""
