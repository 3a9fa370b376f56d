"""Reader names (architecture.md) to transports, and discovery across kinds.

`pcsc:` and `nfc:` are built in. Other schemes are plugged in with
`register_scheme` — the card emulator (`emulator:`) lives in `mock_card`,
above this package, and is registered by whoever wants it: the `idcard` CLI
and the GUI through the `idcard.reader_schemes` entry point
(`load_scheme_plugins`), the pytest plugin directly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points

from reader.base import ReaderInfo, Transport
from reader.errors import ReaderNotFoundError, TransportError
from reader.nfc import NfcTransport, list_nfc_readers, parse_nfc_reader_name
from reader.pcsc import PcscTransport, list_pcsc_readers
from reader.pcsc import wait_for_card_event as pcsc_wait

EMULATOR_DEMO = "emulator:demo"
#: Entry-point group whose entries are `name = "module:opener"` (see `register_scheme`).
PLUGIN_GROUP = "idcard.reader_schemes"

#: Opens a reader from the part of its name after `scheme:`.
Opener = Callable[[str], Transport]


@dataclass(frozen=True)
class Scheme:
    opener: Opener
    #: Readers of this scheme that discovery lists (e.g. the built-in demo card).
    listed: tuple[ReaderInfo, ...] = ()


_SCHEMES: dict[str, Scheme] = {}


def register_scheme(name: str, opener: Opener, *, listed: tuple[ReaderInfo, ...] = ()) -> None:
    """Make `name:<rest>` reader names open through `opener(rest)`; `listed` shows in discovery."""
    if name in ("pcsc", "nfc"):
        raise ValueError(f"{name}: is built in")
    _SCHEMES[name] = Scheme(opener, listed)


def unregister_scheme(name: str) -> None:
    _SCHEMES.pop(name, None)


def registered_schemes() -> list[str]:
    return sorted(_SCHEMES)


def load_scheme_plugins() -> None:
    """Register every scheme that an installed package declares in the entry-point group.

    An entry whose package is broken or absent is skipped: a missing plugin
    shows as an unknown reader name, not as a crash at start-up.
    """
    for entry in entry_points(group=PLUGIN_GROUP):
        if entry.name in _SCHEMES:
            continue
        try:
            install = entry.load()
        except (ImportError, AttributeError):
            continue
        install()


def open_reader(name: str, *, timeout: float = 5.0) -> Transport:
    """Open the reader called `name` and connect to the card in it."""
    kind, _, rest = name.partition(":")
    if kind == "pcsc":
        target: str | int | None = rest or None
        if rest.isdigit():
            target = int(rest)
        return PcscTransport(target, timeout=timeout)
    if kind == "nfc":
        try:
            path = parse_nfc_reader_name(name)
        except ValueError:
            raise ReaderNotFoundError(
                f"Not an NFC reader name: {_printable(name)}. Use nfc:usb, nfc:usb:<bus>:<device> "
                "or nfc:udp:<host>:<port> (the port is required, 1 to 65535).",
                code=BAD_NAME,
            ) from None
        return NfcTransport(path, timeout=timeout)
    scheme = _SCHEMES.get(kind)
    if scheme is not None:
        return scheme.opener(rest)
    if kind == "emulator":
        raise ReaderNotFoundError(
            f"{name}: the card emulator is not installed here (it comes with the mock_card package)."
        )
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


def list_readers(*, include_demo: bool = True) -> list[ReaderInfo]:
    """Every reader of every kind; drivers that are missing are skipped quietly."""
    readers = list_pcsc_readers() + list_nfc_readers()
    if include_demo:
        for scheme in _SCHEMES.values():
            readers.extend(scheme.listed)
    return readers


def wait_for_card_event(name: str, timeout: float) -> bool | None:
    """Block until a card arrives (True) or leaves (False) the named reader; None on timeout.

    PC/SC readers report events themselves; for other kinds the card's
    presence is polled, which is what their drivers offer.
    """
    if name.startswith("pcsc:"):
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
    try:
        with open_reader(name, timeout=0.5):
            return True
    except TransportError:
        return False
