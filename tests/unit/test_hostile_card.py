"""A malformed or hostile card answer gives a typed error: never a hang,
an IndexError or a silent success.

Faults real hardware can't produce on demand are injected between the
session and a real emulated card, after a genuine PACE, so every fault hits
live secure messaging.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from idcard.errors import IdCardError, MalformedResponseError, SecureMessagingError
from idcard.session import PIN, IdCard
from mock_card.pytest_plugin import make_card
from reader.base import Transport
from reader.emulated import EmulatedTransport
from reader.errors import CardRemovedError, CardTimeoutError, TransportError

Fault = Callable[[bytes], bytes]


class FaultyTransport(Transport):
    """Passes APDUs to a real emulated card; corrupts the answer once armed."""

    name = "faulty"

    def __init__(self, inner: EmulatedTransport) -> None:
        self.inner = inner
        self.fault: Fault | None = None

    @property
    def atr(self) -> bytes:
        return self.inner.atr

    def transmit(self, apdu: bytes) -> bytes:
        answer = self.inner.transmit(apdu)
        return self.fault(answer) if self.fault else answer

    def close(self) -> None:
        self.inner.close()


def flip(index: int) -> Fault:
    def fault(answer: bytes) -> bytes:
        b = bytearray(answer)
        b[index % len(b)] ^= 0x01
        return bytes(b)

    return fault


def pulled(_: bytes) -> bytes:
    raise CardRemovedError("The card was removed. Put it back to continue.")


def silent(_: bytes) -> bytes:
    raise CardTimeoutError("The card stopped answering.")


FAULTS: dict[str, tuple[Fault, type[Exception]]] = {
    "wrong MAC": (flip(-3), SecureMessagingError),
    "flipped ciphertext": (flip(5), SecureMessagingError),
    "truncated TLV": (lambda a: a[:7] + a[-2:], SecureMessagingError),
    "length larger than data": (lambda a: a[:1] + b"\x82\xff\xff" + a[4:], SecureMessagingError),
    "unknown status word": (lambda a: b"\x6f\x42", IdCardError),
    "plain 9000 under SM": (lambda a: b"\x90\x00", SecureMessagingError),
    "one byte": (lambda a: b"\x90", MalformedResponseError),
    "empty": (lambda a: b"", MalformedResponseError),
    "card pulled mid-transfer": (pulled, CardRemovedError),
    "no answer": (silent, CardTimeoutError),
}


@pytest.fixture
def unlocked() -> tuple[IdCard, FaultyTransport]:
    transport = FaultyTransport(EmulatedTransport(make_card()))
    card = IdCard(transport)
    card.unlock(PIN, "123456")
    return card, transport


@pytest.mark.parametrize("name", list(FAULTS))
def test_fault_during_file_read_is_typed(unlocked, name: str) -> None:
    card, transport = unlocked
    card.select(bytes.fromhex("A0000002471001"))
    fault, expected = FAULTS[name]
    transport.fault = fault
    with pytest.raises(expected) as caught:
        card.read_dg(2)
    assert isinstance(caught.value, IdCardError | TransportError)
    assert caught.value.code
    assert not isinstance(caught.value, IndexError | ValueError | KeyError)


def test_broken_mac_ends_the_secure_channel(unlocked) -> None:
    card, transport = unlocked
    transport.fault = flip(-3)
    with pytest.raises(SecureMessagingError):
        card.read_ef_com()
    transport.fault = None
    assert not card.secure
    # Nothing more is sent under a channel the card has closed; the user unlocks again.
    with pytest.raises(IdCardError):
        card.read_ef_com()
    card.unlock(PIN, "123456")
    assert card.read_ef_com()


def test_file_shorter_than_its_header_is_typed(unlocked, mocker) -> None:
    card, transport = unlocked
    real = transport.inner.card.image.files["lds"]
    # A card whose DG1 header promises more than the file holds.
    lying = b"\x61\x82\x10\x00" + real[0x0101][2:]
    mocker.patch.dict(transport.inner.card.fs.applications[0].files[0x0101].__dict__, {"content": lying})
    with pytest.raises(MalformedResponseError, match="ended after"):
        card.read_dg(1)


def test_file_announcing_huge_length_is_refused(unlocked, mocker) -> None:
    card, transport = unlocked
    ef = transport.inner.card.fs.applications[0].files[0x0101]
    mocker.patch.dict(ef.__dict__, {"content": b"\x61\x84\x7f\xff\xff\xff" + b"\x00" * 10})
    with pytest.raises(MalformedResponseError, match="refusing"):
        card.read_dg(1)


@pytest.mark.parametrize("card_access", [b"", b"\x31\x05\x30\x03", b"\x30\x00", b"\xff" * 40, b"\x31\x82\xff\xff"])
def test_hostile_card_access_is_typed(card_access: bytes) -> None:
    emulated = make_card()
    emulated.fs.mf.files[0x011C].content = card_access
    with IdCard(EmulatedTransport(emulated)) as card, pytest.raises(IdCardError):
        card.unlock(PIN, "123456")


class FirstPaceAnswerFlipped(FaultyTransport):
    """One flipped bit in the chip's first GENERAL AUTHENTICATE answer (the encrypted nonce)."""

    def __init__(self, inner: EmulatedTransport) -> None:
        super().__init__(inner)
        self.armed = True

    def transmit(self, apdu: bytes) -> bytes:
        answer = self.inner.transmit(apdu)
        if self.armed and apdu[1] == 0x86:
            self.armed = False
            return flip(5)(answer)
        return answer


def test_link_error_during_pace_does_not_read_as_a_plain_wrong_pin() -> None:
    from idcard.errors import PinError

    transport = FirstPaceAnswerFlipped(EmulatedTransport(make_card()))
    card = IdCard(transport)
    with pytest.raises(PinError) as caught:
        card.unlock(PIN, "123456")  # the right PIN
    error = caught.value
    assert error.code == "pin.wrong" and error.tries_left == 2
    assert "2 tries left" in error.message
    assert "connection" in error.message and "still" in error.message
    assert not error.message.startswith("Wrong PIN")
    # The right PIN, over an undisturbed link, then works.
    card.unlock(PIN, "123456")
    assert card.read_ef_com()
