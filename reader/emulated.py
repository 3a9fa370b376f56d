"""The in-process transport: APDUs go straight to an emulated card object."""

from __future__ import annotations

from reader.base import CardBackend, Transport
from reader.errors import CardRemovedError

_LIVE_CARDS: dict[str, CardBackend] = {}


def register_card(card: CardBackend, label: str | None = None) -> str:
    """Make a card object reachable by reader name (`emulator:<label>`), for tests."""
    label = label or f"mem{len(_LIVE_CARDS) + 1}"
    _LIVE_CARDS[label] = card
    return f"emulator:{label}"


def unregister_card(name: str) -> None:
    _LIVE_CARDS.pop(name.removeprefix("emulator:"), None)


def registered_card(label: str) -> CardBackend | None:
    return _LIVE_CARDS.get(label)


class EmulatedTransport(Transport):
    def __init__(self, card: CardBackend, name: str = "emulator:demo") -> None:
        self.card = card
        self.name = name
        self._present = True
        card.power_on()

    @property
    def atr(self) -> bytes:
        return self.card.atr

    def transmit(self, apdu: bytes) -> bytes:
        if not self._present:
            raise CardRemovedError()
        return self.card.process(bytes(apdu))

    def remove_card(self) -> None:
        """Pull the card out of the (virtual) reader, as a test or a demo would."""
        self._present = False
        self.card.power_off()

    def card_present(self) -> bool:
        return self._present

    def close(self) -> None:
        if self._present:
            self.card.power_off()
        self._present = False
