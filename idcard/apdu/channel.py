"""The card channel: the one place APDUs go through on their way to a transport.

It handles what ISO 7816 asks of every client below the protocol code:
`61xx` (fetch the rest with GET RESPONSE), `6Cxx` (resend with the right Le),
secure-messaging wrap/unwrap when a secure channel is set, and counting of
APDUs and bytes for the benchmarks. Protocol code above never sees raw bytes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

from idcard.apdu.command import CommandAPDU
from idcard.apdu.response import ResponseAPDU
from idcard.errors import MalformedResponseError, SecureMessagingError
from reader.base import Transport

log = logging.getLogger(__name__)

#: A card that keeps answering 61xx forever must not hang the client.
MAX_GET_RESPONSE = 256

#: INS codes whose command data or answer are secrets, or key agreement
#: material from which a secret can be recovered offline: VERIFY, CHANGE
#: REFERENCE DATA, RESET RETRY COUNTER, GENERAL AUTHENTICATE (both INS), and
#: EXTERNAL/MUTUAL AUTHENTICATE (BAC: its answer plus the challenge lets
#: anyone holding the log search the MRZ key space offline).
_REDACTED_INS = {0x20, 0x24, 0x2C, 0x86, 0x87, 0x82}
#: GET CHALLENGE: the random the BAC cryptograms are computed over.
_GET_CHALLENGE = 0x84
#: MSE SET AT for PACE (P1P2 C1A4) names the password (MRZ, CAN, PIN, PUK).
_MSE, _MSE_SET_AT_PACE = 0x22, (0xC1, 0xA4)


class SecureChannel(Protocol):
    """Secure messaging as the channel needs it (see idcard.protocol.sm)."""

    def wrap(self, command: CommandAPDU) -> CommandAPDU: ...

    def unwrap(self, response: ResponseAPDU) -> ResponseAPDU: ...


@dataclass
class ChannelStats:
    apdus: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0

    def reset(self) -> None:
        self.apdus = self.bytes_sent = self.bytes_received = 0


@dataclass
class CardChannel:
    transport: Transport
    #: Use extended-length APDUs when the card announced support for them.
    extended_length: bool = False
    secure: SecureChannel | None = None
    stats: ChannelStats = field(default_factory=ChannelStats)

    def _exchange(self, raw: bytes, secret: bool) -> ResponseAPDU:
        """One transport round trip; `secret` hides the answer's data in the trace."""
        self.stats.apdus += 1
        self.stats.bytes_sent += len(raw)
        if log.isEnabledFor(logging.DEBUG):
            log.debug(">> %s", redact(raw))
        answer = self.transport.transmit(raw)
        self.stats.bytes_received += len(answer)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("<< %s", redact_response(answer, secret))
        return ResponseAPDU.parse(answer)

    def transmit_raw(self, command: CommandAPDU) -> ResponseAPDU:
        """Send one APDU as is (no SM); resolve 61xx and 6Cxx."""
        raw = command.encode()
        # The answer to a secret-bearing command (and every GET RESPONSE
        # chunk of it) is as secret as the command.
        secret = is_secret(raw)
        response = self._exchange(raw, secret)
        if response.sw1 == 0x6C:
            # Wrong Le: the card tells the right one; resend once, as ISO 7816-3 asks.
            response = self._exchange(command.with_(le=response.sw2 or 256).encode(), secret)
        if response.sw1 == 0x61:
            chunks = [response.data]
            for _ in range(MAX_GET_RESPONSE):
                # GET RESPONSE is a transport-level command: plain CLA, same logical channel.
                get = CommandAPDU(command.cla & 0x03, 0xC0, 0, 0, le=response.sw2 or 256)
                response = self._exchange(get.encode(), secret)
                chunks.append(response.data)
                if response.sw1 != 0x61:
                    break
            else:
                raise MalformedResponseError("The card kept announcing more data (61xx) without end.")
            response = ResponseAPDU(b"".join(chunks), response.sw)
        return response

    def send(self, command: CommandAPDU) -> ResponseAPDU:
        """Send a plain command, through secure messaging when a channel is open."""
        if self.secure is None:
            return self.transmit_raw(command)
        protected = self.secure.wrap(command)
        try:
            return self.secure.unwrap(self.transmit_raw(protected))
        except SecureMessagingError:
            # A broken MAC ends the session on both sides; forget the keys so
            # nothing is ever sent again under a channel the card has closed.
            self.secure = None
            raise

    def send_checked(self, command: CommandAPDU) -> bytes:
        """Send and return the response data; raise the typed error for any SW but 9000."""
        return self.send(command).check().data

    def close_secure_channel(self) -> None:
        self.secure = None


def is_secret(raw: bytes) -> bool:
    """Whether a command APDU, or the card's answer to it, may carry a secret.

    Secure-messaging commands (CLA bits b4b3) count whatever their INS: the
    plaintext inside may be a PIN, and the trace has no business with it.
    """
    if len(raw) < 4:
        return False
    cla, ins, p1, p2 = raw[:4]
    if cla & 0x0C or ins in _REDACTED_INS or ins == _GET_CHALLENGE:
        return True
    return ins == _MSE and (p1, p2) == _MSE_SET_AT_PACE


def redact(raw: bytes) -> str:
    """Hex of a command APDU for logs, with secret-bearing command data hidden."""
    if is_secret(raw) and len(raw) > 5:  # a lone Le byte hides nothing
        return raw[:4].hex() + f" <{len(raw) - 4} bytes redacted>"
    return raw.hex()


def redact_response(answer: bytes, secret: bool) -> str:
    """Hex of a response APDU for logs: the status word always, the data unless `secret`."""
    if secret and len(answer) > 2:
        return f"<{len(answer) - 2} bytes redacted> {answer[-2:].hex()}"
    if len(answer) > 64:
        return answer[:62].hex() + "…" + answer[-2:].hex()
    return answer.hex()
