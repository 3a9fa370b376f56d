"""Every APDU of a full read + verify (`idcard read` with photo), each with why it is sent.

Taken from the emulator's wire transcript, so the list is what a real card
would see. The lower bound beside it counts, for the same card, the APDUs no
reader can avoid: the protocol steps plus ceil(file size / largest response)
READ BINARYs per file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from idcard.apdu.command import CommandAPDU
from idcard.apdu.tlv import iter_tlv

#: Short APDUs under secure messaging: 256 response bytes hold DO'87' (4-byte
#: header + padded cryptogram), DO'99' (4) and DO'8E' (10): 224 bytes of
#: cryptogram, so 223 bytes of file data at most.
SHORT_SM_DATA = 223

_FILES = {0x1C: "EF.CardAccess", 0x1D: "EF.SOD", 0x1E: "EF.COM"} | {n: f"DG{n}" for n in range(1, 17)}

_PACE_STEPS = (
    "PACE step 1: encrypted nonce",
    "PACE step 2: map the nonce (generic mapping keys)",
    "PACE step 3: ephemeral key agreement",
    "PACE step 4: mutual authentication tokens",
)


@dataclass(frozen=True)
class ApduLine:
    header: str  # CLA INS P1 P2 as sent (SM commands have CLA 0C)
    le: int | None
    sent: int
    received: int
    reason: str


@dataclass(frozen=True)
class ReadTranscript:
    extended: bool
    lines: list[ApduLine]
    minimum: int
    verified: bool


def _le_of(command: CommandAPDU) -> int | None:
    """Le as the card reads it: DO'97' inside secure messaging, the Le field otherwise."""
    if command.cla & 0x0C:
        for tlv in iter_tlv(command.data):
            if tlv.tag == 0x97:
                return int.from_bytes(tlv.value, "big") or (65536 if len(tlv.value) > 1 else 256)
        return None
    return command.le


class _Explainer:
    """Names each APDU from its header and what came before it."""

    def __init__(self) -> None:
        self.pace_step = 0
        self.file = ""
        self.selected = False
        self.ca_started = False

    def reason(self, command: CommandAPDU, le: int | None) -> str:
        ins, p1, p2 = command.ins, command.p1, command.p2
        want = f" (Le {le})" if le else ""
        if ins == 0xB0 and p1 & 0x80:
            self.file = _FILES.get(p1 & 0x1F, f"SFI {p1 & 0x1F:02X}")
            why = "before PACE, in the clear" if not command.cla & 0x0C else "selected by SFI in the same APDU"
            return f"read {self.file}, first block: {why}{want}"
        if ins in (0xB0, 0xB1):
            return f"read {self.file}, next block at offset {(p1 << 8) | p2}{want}"
        if ins == 0x22 and (p1, p2) == (0xC1, 0xA4):
            return "MSE:SET AT for PACE (also reports the PIN counter)"
        if ins == 0x22 and (p1, p2) == (0x41, 0xA4):
            self.ca_started = True
            return "MSE:SET AT for Chip Authentication (DG14 key)"
        if ins == 0x86 and not self.ca_started:
            step = _PACE_STEPS[min(self.pace_step, 3)]
            self.pace_step += 1
            return step
        if ins == 0x86:
            return "GENERAL AUTHENTICATE: CA ephemeral key; new session keys"
        if ins == 0xA4 and not self.selected:
            self.selected = True
            return "SELECT the LDS application (once, after PACE)"
        if ins == 0xA4:
            return "SELECT again: confirms the Chip Authentication keys"
        if ins == 0x88:
            if self.ca_started:
                return "INTERNAL AUTHENTICATE (AA) under the CA keys: its MAC also proves CA"
            return "INTERNAL AUTHENTICATE (Active Authentication)"
        return f"INS {ins:02X}"


def explain(transcript: list[tuple[bytes, bytes]]) -> list[ApduLine]:
    explainer = _Explainer()
    lines = []
    for raw, response in transcript:
        command = CommandAPDU.parse(raw)
        le = _le_of(command)
        header = raw[:4].hex(" ").upper()
        lines.append(ApduLine(header, le, len(raw), len(response), explainer.reason(command, le)))
    return lines


def minimum_apdus(file_sizes: list[int], block: int, protocol_steps: int) -> int:
    return protocol_steps + sum(math.ceil(size / block) for size in file_sizes)


def full_read(extended: bool) -> ReadTranscript:
    """One `idcard read` with photo against a fresh demo card, in process."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from idcard.document import read_document
    from idcard.pki.trust import TrustStore
    from idcard.session import PIN, IdCard
    from mock_card.pytest_plugin import make_card
    from mock_card.testpki import test_pki
    from reader.emulated import EmulatedTransport

    card = make_card(extended_length=extended)
    trust = TrustStore([test_pki().csca_cert.public_bytes(Encoding.DER)])
    with IdCard(EmulatedTransport(card)) as session:
        session.unlock(PIN, "123456")
        document = read_document(session, trust)
    lines = explain([(e.command, e.response) for e in card.transcript])
    files = document.files
    block = card.image.settings.max_response if extended else SHORT_SM_DATA
    # EF.CardAccess travels in the clear before PACE and is counted as a protocol step.
    file_sizes = [len(files.sod or b"")] + [len(data) for data in files.dgs.values()]
    protocol = 1 + 1 + 4 + 1  # EF.CardAccess, MSE PACE, 4 x GA, SELECT LDS
    protocol += 2 if 14 in files.dgs else 0  # MSE CA + GA
    protocol += 1 if 15 in files.dgs else 0  # INTERNAL AUTHENTICATE (proves CA too)
    return ReadTranscript(extended, lines, minimum_apdus(file_sizes, block, protocol), document.verdict.verified)


def print_table(transcript: ReadTranscript, *, collapse: bool) -> None:
    mode = "extended length" if transcript.extended else "short APDUs only"
    print(f"APDUs of a full read + verify with photo, {mode}: {len(transcript.lines)} "
          f"(lower bound for this card {transcript.minimum}; verified: {transcript.verified})")
    print(f"{'#':>4} {'header':11} {'sent':>5} {'recv':>5}  reason")
    print("-" * 100)
    rows: list[tuple[int, ApduLine, int]] = []
    for number, line in enumerate(transcript.lines, 1):
        same = rows and collapse and "next block" in line.reason and "next block" in rows[-1][1].reason
        if same and line.reason.split(",")[0] == rows[-1][1].reason.split(",")[0]:
            first, shown, count = rows[-1]
            rows[-1] = (first, shown, count + 1)
        else:
            rows.append((number, line, 1))
    for number, line, count in rows:
        label = f"{number}" if count == 1 else f"{number}+"
        reason = line.reason if count == 1 else f"{line.reason.split(',')[0]}, {count} more blocks of up to {line.le}"
        print(f"{label:>4} {line.header:11} {line.sent:5d} {line.received:5d}  {reason}")


def apdu_tables() -> list[ReadTranscript]:
    out = []
    for extended in (True, False):
        transcript = full_read(extended)
        print_table(transcript, collapse=not extended)
        print()
        out.append(transcript)
    return out


if __name__ == "__main__":
    apdu_tables()
