"""The demo's TEST anchors, from the card emulator package when it is installed.

The library ships no test PKI; `mock_card` declares its anchors in the
`idcard.demo_anchors` entry-point group ("csca", "citizen_ca").
"""

from __future__ import annotations

from importlib.metadata import entry_points

from idcard.errors import UsageError

DEMO_ANCHORS = "idcard.demo_anchors"


def demo_anchor(name: str) -> bytes:
    """DER of a TEST anchor ("csca", "citizen_ca") from the emulator package, if installed."""
    for entry in entry_points(group=DEMO_ANCHORS, name=name):
        return bytes(entry.load()())
    raise UsageError(
        "The TEST anchors of the demo come with the card emulator (the mock_card package), "
        "which is not installed."
    )
