"""The one PIN/CAN/PUK dialogue on IdCard (secret_request / answer), on the emulated card.

The GUI's unlock flow and the hand-off both run it; these tests walk every
state through real PACE runs against the emulator's PIN rules.
"""

from __future__ import annotations

import pytest

from idcard.errors import AuthenticationError, PinError, UsageError
from idcard.protocol.pace.oids import PasswordRef
from idcard.session import CAN, PIN, PUK, IdCard, SecretRequest
from mock_card.card import EmulatedCard
from mock_card.personalize import personalize
from reader.base import CardBackend
from reader.emulated import EmulatedTransport

GOOD_PIN, GOOD_CAN, GOOD_PUK = "123456", "654321", "12345678"


def _card(tries: int = 3, backend: CardBackend | None = None) -> tuple[IdCard, EmulatedCard]:
    image = personalize(pin=GOOD_PIN, can=GOOD_CAN, puk=GOOD_PUK)
    image.counters.pin_tries = tries
    emulated = EmulatedCard(image)
    return IdCard(EmulatedTransport(backend or emulated)), emulated


def _step(request: SecretRequest | None) -> tuple[PasswordRef, int | None, str] | None:
    return None if request is None else (request.kind, request.tries_left, request.reason)


def test_every_state_of_the_pin_dialogue() -> None:
    card, emulated = _card()
    request = card.secret_request()
    assert _step(request) == (PIN, 3, "start")

    request = card.answer(request, "000000")
    assert _step(request) == (PIN, 2, "pin.wrong")
    assert request is not None and request.error is not None and request.error.code == "pin.wrong"

    request = card.answer(request, "000000")  # the second wrong PIN suspends it
    assert _step(request) == (CAN, 1, "pin.suspended")

    assert request is not None
    request = card.answer(request, "111111")
    assert _step(request) == (CAN, 1, "can.wrong")
    assert request is not None and request.error is not None and request.error.code == "can.wrong"

    request = card.answer(request, GOOD_CAN)
    assert _step(request) == (PIN, 1, "can.ok")

    assert request is not None
    request = card.answer(request, "000000")  # the last try: blocked
    assert request is not None and (request.kind, request.reason) == (PUK, "pin.blocked")
    assert request.tries_left == emulated.image.counters.puk_uses == 10

    request = card.answer(request, "00000000")
    assert _step(request) == (PUK, 9, "puk.wrong")

    assert request is not None
    request = card.answer(request, GOOD_PUK)
    assert _step(request) == (PIN, 3, "unblocked")

    assert request is not None
    assert card.answer(request, GOOD_PIN) is None
    assert card.unlocked_with is PIN
    assert emulated.image.counters.pin_tries == 3


@pytest.mark.parametrize(("tries", "expected"), [(1, (CAN, 1, "suspended")), (0, (PUK, 10, "blocked"))])
def test_the_first_request_follows_the_counter(tries: int, expected: tuple) -> None:
    card, emulated = _card(tries)
    assert _step(card.secret_request()) == expected
    assert emulated.image.counters.pin_tries == tries  # asking costs no try


def test_a_used_up_puk_raises() -> None:
    card, emulated = _card(0)
    emulated.image.counters.puk_uses = 1
    request = card.secret_request()
    with pytest.raises(PinError) as caught:
        card.answer(request, "00000000")
    assert caught.value.code == "puk.blocked"


class _LyingChip:
    """A chip that answers PACE's last step with a wrong authentication token (a fake card).

    A fault a real card cannot be asked to make: the emulator's answer to the
    final GENERAL AUTHENTICATE gets one byte of its token flipped.
    """

    def __init__(self, card: EmulatedCard) -> None:
        self.card = card

    @property
    def atr(self) -> bytes:
        return self.card.atr

    def power_on(self) -> None:
        self.card.power_on()

    def power_off(self) -> None:
        self.card.power_off()

    def process(self, apdu: bytes) -> bytes:
        response = self.card.process(apdu)
        if apdu[:2] == b"\x00\x86" and response[-2:] == b"\x90\x00" and b"\x86\x08" in response:
            at = response.index(b"\x86\x08") + 2
            response = response[:at] + bytes([response[at] ^ 1]) + response[at + 1 :]
        return response


def test_a_chip_failing_pace_on_the_can_is_not_a_wrong_can() -> None:
    _, emulated = _card(1)
    card = IdCard(EmulatedTransport(_LyingChip(emulated)))
    request = card.secret_request()
    assert request.kind == CAN
    with pytest.raises(AuthenticationError) as caught:
        card.answer(request, GOOD_CAN)  # the right CAN: the chip, not the citizen, is wrong
    assert caught.value.code == "auth.chip"
    assert "genuine" in caught.value.message


def test_unlock_takes_only_the_password_enum() -> None:
    card, _ = _card()
    with pytest.raises(UsageError):
        card.unlock("PIN", GOOD_PIN)  # type: ignore[arg-type]  # a caller without types
