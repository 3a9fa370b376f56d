"""The `emulator:` reader scheme: emulated cards behind `reader.open_reader`.

`reader` knows nothing of this package; `install()` plugs the scheme in. It
is declared as the `idcard.reader_schemes` entry point (so the `idcard` CLI
and the GUI find it) and called directly by the pytest plugin.

    emulator:demo        the built-in demo card (fresh each time it is opened)
    emulator:<label>     a card object registered with `reader.emulated.register_card`
    emulator:<path>      a card file; counter changes are written back to it
"""

from __future__ import annotations

from cryptography.hazmat.primitives.serialization import Encoding

from mock_card.card import EmulatedCard
from mock_card.personalize import demo_card
from mock_card.profiles.cardfile import open_card_spec
from mock_card.testpki import test_pki
from reader.base import ReaderInfo, Transport
from reader.emulated import EmulatedTransport, registered_card
from reader.errors import ReaderNotFoundError
from reader.registry import EMULATOR_DEMO, register_scheme

SCHEME = "emulator"
DEMO_READER = ReaderInfo(EMULATOR_DEMO, "emulator", "Built-in demo card", True)


def open_emulator(card: str) -> Transport:
    """Open `emulator:<card>` (see the module docstring)."""
    card = card or "demo"
    live = registered_card(card)
    if live is not None:
        return EmulatedTransport(live, f"{SCHEME}:{card}")
    if card == "demo":
        return EmulatedTransport(EmulatedCard(demo_card()), EMULATOR_DEMO)
    try:
        backend = open_card_spec(card)
    except FileNotFoundError:
        raise ReaderNotFoundError(f"No card file at {card!r}.") from None
    except ValueError as exc:
        raise ReaderNotFoundError(f"{card}: {exc}") from None
    return EmulatedTransport(backend, f"{SCHEME}:{card}")


def install() -> None:
    """Register the `emulator:` scheme (idempotent)."""
    register_scheme(SCHEME, open_emulator, listed=(DEMO_READER,))


def demo_csca() -> bytes:
    """DER of the TEST CSCA that issues the demo card (the `idcard.demo_anchors` entry point)."""
    return test_pki().csca_cert.public_bytes(Encoding.DER)


def demo_citizen_ca() -> bytes:
    """DER of the TEST citizen CA that issues the demo card's certificates (`idcard.demo_anchors`)."""
    return test_pki().citizen_ca_cert.public_bytes(Encoding.DER)
