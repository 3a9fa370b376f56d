"""Pardis ID-PIN status with the registry's SMD key (§5), against the emulated card and registry."""

from __future__ import annotations

import pytest

from idcard.cards.keyservice_http import HttpCardKeyService
from idcard.cards.pardis import PardisDriver
from idcard.cards.pardis_pin import pin_status, session_keys, smd_key_request, verify_status_command
from idcard.cards.reading import read_nid_card
from mock_card.profiles.pardis import PardisCard, PardisPersonalisation
from mock_card.registry_service import RegistryService
from reader.emulated import EmulatedTransport

H = bytes.fromhex


class _Recording(EmulatedTransport):
    def __init__(self, card: PardisCard) -> None:
        super().__init__(card)
        self.sent: list[str] = []

    def transmit(self, apdu: bytes) -> bytes:
        self.sent.append(apdu.hex().upper())
        return super().transmit(apdu)


@pytest.fixture
def registry(mock_registry: RegistryService) -> RegistryService:
    return mock_registry


def _status(card: PardisCard, url: str):  # noqa: ANN202
    driver = PardisDriver(_Recording(card))
    key = HttpCardKeyService(url).smd_key(smd_key_request(driver, driver.read_signing_certificate()))
    return pin_status(driver, key), driver.transport


def test_pin_status_with_the_registry_key(registry: RegistryService) -> None:
    card = PardisCard()
    card.apps["matia2"].pin.tries = 1  # type: ignore[union-attr]
    card.apps["pardis"].children[H("5000")].pin.tries = 0  # type: ignore[union-attr]
    status, transport = _status(card, registry.url)
    assert status.key_ok and status.tries == {"matia1": 3, "matia2": 1, "pardis": 0}
    assert status.tries_left == 3
    sent = transport.sent[-14:]  # type: ignore[attr-defined]
    # The spec's commands: SELECT matia1, GET CHALLENGE, VERIFY under MAC, GET RESPONSE 00C000000E …
    assert sent[0] == "00A404000AA0000000D785013A0428" and sent[1] == "0084000008"
    assert sent[2].startswith("0C2000010A8E08") and len(sent[2]) == 30 and sent[3] == "00C000000E"
    assert sent[8:11] == ["00A404000F5041524449532C4D41544952414E20", "00A4000C023F00", "00A40000025000"]
    assert sent[12].startswith("0C2000810A8E08")


def test_a_card_the_registry_never_keyed_refuses_the_key(registry: RegistryService) -> None:
    status, _ = _status(PardisCard(PardisPersonalisation(registry_master=b"\x02" * 32)), registry.url)
    assert not status.key_ok and status.tries_left is None


def test_session_keys_and_mac_follow_the_spec() -> None:
    smd, rnd = bytes(range(16)), bytes(range(8))
    sk_enc, sk_mac = session_keys(smd, rnd)
    assert sk_enc != sk_mac and len(sk_enc) == len(sk_mac) == 16
    command = verify_status_command(sk_mac, 0x81)
    assert command[:7] == H("0C2000810A8E08") and len(command) == 15
    assert verify_status_command(sk_enc, 0x81) != command


def test_read_reports_pardis_pin_counters_through_the_service(registry: RegistryService) -> None:
    reading = read_nid_card(
        PardisDriver(EmulatedTransport(PardisCard())), pin=None, trust=None,
        key_service=HttpCardKeyService(registry.url),
    )
    body = reading.to_json()
    assert body["pin"]["triesLeft"] == 3 and body["pin"]["objects"] == {"matia1": 3, "matia2": 3, "pardis": 3}
    assert "pin_status" not in {u["operation"] for u in body["unsupported"]}
