"""`idcard -v` APDU traces: nothing in them lets a reader of the log recover a secret.

Every exchange is recorded beside the trace; for each one that carries a
secret (decided here from the bytes, independently of the channel's own
rule), neither its command data nor the card's answer data may appear in the
trace. The secrets themselves (PIN, CAN, PUK, PIN2, MRZ) are grepped for too.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator

import pytest

from idcard.apdu.channel import redact, redact_response
from idcard.session import CAN, PIN, IdCard
from mock_card.card import EmulatedCard
from mock_card.image import PROFILE_PASSPORT_BAC
from mock_card.personalize import DEMO_CITIZEN, personalize
from reader.emulated import EmulatedTransport

SECRETS = {"pin": "246813", "can": "975310", "puk": "86420975", "pin2": "13579"}


class RecordingTransport(EmulatedTransport):
    def __init__(self, card: EmulatedCard) -> None:
        super().__init__(card)
        self.exchanges: list[tuple[bytes, bytes]] = []

    def transmit(self, apdu: bytes) -> bytes:
        answer = super().transmit(apdu)
        self.exchanges.append((apdu, answer))
        return answer


def _must_hide(command: bytes) -> bool:
    """The rule this test holds the trace to, written out on its own."""
    cla, ins, p1, p2 = command[:4]
    secure_messaging = bool(cla & 0x0C)
    pin_or_key_agreement = ins in (0x20, 0x24, 0x2C, 0x86, 0x87, 0x82, 0x84)
    pace_mse = ins == 0x22 and (p1, p2) == (0xC1, 0xA4)
    return secure_messaging or pin_or_key_agreement or pace_mse


def _chunks(data: bytes) -> Iterator[str]:
    # Any 6-byte window of a secret field is enough to call it leaked.
    for i in range(0, max(len(data) - 5, 1)):
        yield data[i : i + 6].hex()


def _assert_trace_hides(trace: str, transport: RecordingTransport, extra: list[str]) -> None:
    assert ">> " in trace and "<< " in trace, "the trace is empty: nothing was checked"
    hidden = 0
    for command, answer in transport.exchanges:
        if not _must_hide(command):
            continue
        hidden += 1
        if command[1] == 0x22:
            # MSE's data is public but for the password reference it ends with;
            # the OID before it also appears in EF.CardAccess, so look at its lines.
            lines = [line for line in trace.splitlines() if command[:4].hex() in line]
            assert lines and all(line.endswith("bytes redacted>") for line in lines)
            continue
        body = command[5:]  # past CLA INS P1 P2 Lc (short APDUs in these scenarios)
        for chunk in _chunks(body) if len(body) >= 6 else ():
            assert chunk not in trace, f"command {command[:4].hex()} leaked its data"
        for chunk in _chunks(answer[:-2]) if len(answer) >= 8 else ():
            assert chunk not in trace, f"answer to {command[:4].hex()} leaked its data"
    assert hidden, "no secret-bearing exchange happened: nothing was checked"
    for secret in extra:
        assert secret not in trace
        assert secret.encode().hex() not in trace


@pytest.fixture
def trace(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="idcard.apdu.channel")
    return caplog


def test_bac_trace_hides_the_challenge_and_both_cryptograms(trace: pytest.LogCaptureFixture) -> None:
    transport = RecordingTransport(EmulatedCard(personalize(profile=PROFILE_PASSPORT_BAC)))
    mrz = DEMO_CITIZEN.mrz_information
    with IdCard(transport) as card:
        card.unlock_bac(mrz)
        card.read_dg(1)
    ins = [c[1] for c, _ in transport.exchanges]
    assert 0x84 in ins and 0x82 in ins  # GET CHALLENGE and EXTERNAL AUTHENTICATE ran
    k_seed = hashlib.sha1(mrz.encode()).digest()[:16]
    _assert_trace_hides(trace.text, transport, [mrz, k_seed.hex()])


def test_pace_pin_can_pin2_and_pin_change_are_hidden(trace: pytest.LogCaptureFixture) -> None:
    transport = RecordingTransport(EmulatedCard(personalize(**SECRETS)))  # type: ignore[arg-type]
    with IdCard(transport) as card:
        card.unlock(CAN, SECRETS["can"])
        card.verify_signature_pin(SECRETS["pin2"])
        card.unlock(PIN, SECRETS["pin"])
        card.change_pin(SECRETS["pin"], "802468")
        card.read_dg(1)
    assert any(c[0] & 0x0C and c[1] == 0x2C for c, _ in transport.exchanges)  # SM CHANGE ran
    _assert_trace_hides(trace.text, transport, [*SECRETS.values(), "802468"])


def test_redaction_rules_one_by_one() -> None:
    # Secure messaging hides any INS: here a READ BINARY, whose plaintext is harmless,
    # because the rule cannot know what the plaintext of other SM commands carries.
    sm_read = bytes.fromhex("0cb000000d970101") + bytes(5)
    assert redact(sm_read) == "0cb00000 <9 bytes redacted>"
    mse_pace = bytes.fromhex("0022c1a40f800a04007f00070202040202830103")
    assert "830103" not in redact(mse_pace)
    mse_ca = bytes.fromhex("002241a40f800a04007f0007020203020184010d")
    assert redact(mse_ca) == mse_ca.hex()  # chip authentication names no password
    get_challenge = bytes.fromhex("0084000008")
    assert redact(get_challenge) == "0084000008"  # nothing but a header to hide
    assert redact_response(bytes.fromhex("0102030405060708") + b"\x90\x00", True) == "<8 bytes redacted> 9000"
    assert redact_response(bytes.fromhex("6982"), True) == "6982"
    plain = bytes(range(10)) + b"\x90\x00"
    assert redact_response(plain, False) == plain.hex()
    long = bytes(100) + b"\x90\x00"
    assert redact_response(long, False).endswith("…9000") and len(redact_response(long, False)) < 140


@pytest.mark.parametrize("mock_card_reader", ["inprocess", "vpcd", "nfc-udp"], indirect=True)
@pytest.mark.mock_card(pin="246813", can="975310")
def test_no_layer_logs_the_pin_on_any_transport(mock_card_reader, caplog: pytest.LogCaptureFixture) -> None:  # noqa: ANN001
    """Every logger at DEBUG (what `idcard -v` sets): transports and drivers must not leak either."""
    caplog.set_level(logging.DEBUG)
    with IdCard.open(mock_card_reader.name) as card:
        card.unlock(CAN, "975310")
        card.unlock(PIN, "246813")
        card.read_dg(1)
    text = caplog.text
    assert ">> " in text and "redacted" in text
    for secret in ("246813", "975310"):
        assert secret not in text and secret.encode().hex() not in text
