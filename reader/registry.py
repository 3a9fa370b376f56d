"""Reader names (architecture.md) to transports, and discovery across kinds."""

from __future__ import annotations

from reader.base import ReaderInfo, Transport
from reader.errors import ReaderNotFoundError

EMULATOR_DEMO = "emulator:demo"


def open_reader(name: str, *, timeout: float = 5.0) -> Transport:
    """Open the reader called `name` and connect to the card in it."""
    kind, _, rest = name.partition(":")
    if kind == "pcsc":
        from reader.pcsc import PcscTransport

        target: str | int | None = rest or None
        if rest.isdigit():
            target = int(rest)
        return PcscTransport(target, timeout=timeout)
    if kind == "nfc":
        from reader.nfc import NfcTransport, parse_nfc_reader_name

        try:
            path = parse_nfc_reader_name(name)
        except ValueError:
            raise ReaderNotFoundError(
                f"Not an NFC reader name: {_printable(name)}. Use nfc:usb, nfc:usb:<bus>:<device> "
                "or nfc:udp:<host>:<port> (the port is required, 1 to 65535).",
                code=BAD_NAME,
            ) from None
        return NfcTransport(path, timeout=timeout)
    if kind == "emulator":
        return open_emulator(rest or "demo")
    raise ReaderNotFoundError(
        f"Unknown reader name {_printable(name)}: use pcsc:<name>, nfc:usb, nfc:udp:<host>:<port> "
        "or emulator:demo (see `idcard readers`).",
        code=BAD_NAME,
    )


#: A reader name that cannot name any reader: the user's mistake, not the hardware's.
BAD_NAME = "reader.bad_name"


def _printable(name: str) -> str:
    # A name pasted with control characters must not drive the terminal.
    return repr(name[:80])


def open_emulator(card: str) -> Transport:
    from mock_card.card import EmulatedCard
    from mock_card.image import CardImage
    from mock_card.personalize import demo_card
    from reader.emulated import EmulatedTransport, registered_card

    live = registered_card(card)
    if live is not None:
        return EmulatedTransport(live, f"emulator:{card}")
    if card == "demo":
        return EmulatedTransport(EmulatedCard(demo_card()), EMULATOR_DEMO)
    try:
        image = CardImage.load(card)
    except FileNotFoundError:
        raise ReaderNotFoundError(f"No card file at {card!r}.") from None
    except ValueError as exc:
        raise ReaderNotFoundError(f"{card}: {exc}") from None
    # Counter changes go back to the card file, as on a real chip.
    return EmulatedTransport(EmulatedCard(image, store=card), f"emulator:{card}")


def list_readers(*, include_demo: bool = True) -> list[ReaderInfo]:
    """Every reader of every kind; drivers that are missing are skipped quietly."""
    from reader.nfc import list_nfc_readers
    from reader.pcsc import list_pcsc_readers

    readers = list_pcsc_readers() + list_nfc_readers()
    if include_demo:
        readers.append(ReaderInfo(EMULATOR_DEMO, "emulator", "Built-in demo card", True))
    return readers


def wait_for_card_event(name: str, timeout: float) -> bool | None:
    """Block until a card arrives (True) or leaves (False) the named reader; None on timeout.

    PC/SC readers report events themselves; for other kinds the card's
    presence is polled, which is what their drivers offer.
    """
    import time

    if name.startswith("pcsc:"):
        from reader.pcsc import wait_for_card_event as pcsc_wait

        return pcsc_wait(name, timeout)
    if name.startswith("emulator:"):
        # The built-in card never leaves; an in-process test pulls it explicitly.
        time.sleep(timeout)
        return None
    present = _present(name)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(min(0.25, max(deadline - time.monotonic(), 0)))
        now = _present(name)
        if now != present:
            return now
    return None


def _present(name: str) -> bool:
    from reader.errors import TransportError

    try:
        with open_reader(name, timeout=0.5):
            return True
    except TransportError:
        return False
