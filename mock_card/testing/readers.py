"""Put an emulated card behind a reader of any kind, and give back its name.

Shared by the pytest plugin and the benchmarks, so both reach the card
exactly the way a user's reader would.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from mock_card import scheme
from mock_card.backend import CardBackend
from mock_card.frontends.nfc_udp import NfcUdpTarget
from mock_card.frontends.vpcd import VpcdClient
from mock_card.testing.pcscd import PcscdService, skip_reason, use_private_socket
from reader.emulated import register_card, unregister_card

TRANSPORTS = ("inprocess", "vpcd", "nfc-udp")


class TransportUnavailable(RuntimeError):
    """The system pieces for a transport (pcscd, vpcd driver, nfcpy) are missing."""


def pcscd_service() -> PcscdService:
    reason = skip_reason()
    if reason:
        raise TransportUnavailable(reason)
    use_private_socket()
    return PcscdService.shared()


@contextmanager
def serve_card(card: CardBackend, transport: str) -> Iterator[str]:
    """Serve `card` over `transport` for the duration of the block; yield the reader name."""
    if transport == "inprocess":
        scheme.install()  # `emulator:` names open in this process (benches, scripts)
        name = register_card(card)
        try:
            yield name
        finally:
            unregister_card(name)
    elif transport == "vpcd":
        service = pcscd_service()
        client = VpcdClient(card, port=service.vpcd_port)
        client.start()
        try:
            if not client.wait_connected(10):
                raise TransportUnavailable("pcscd's vpcd driver did not accept the emulated card")
            yield service.wait_for_card(timeout=10)
        finally:
            client.stop()
            service.wait_for_removal(timeout=10)
    elif transport == "nfc-udp":
        try:
            import nfc  # noqa: F401
        except ImportError:
            raise TransportUnavailable("nfcpy is not installed (pip install 'idcard[nfc]')") from None

        with NfcUdpTarget(card, host="127.0.0.1", port=0) as target:
            yield f"nfc:udp:127.0.0.1:{target.port}"
    else:
        raise ValueError(f"unknown transport {transport!r}; choose from {TRANSPORTS}")
