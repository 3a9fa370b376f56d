"""`idcard read` on an emulated Mav4 card (issue 12 done-when), over every transport.

The card sits behind the in-process emulator, real pcscd + vpcd, or nfcpy's
udp radio; the trust anchors are the TEST look-alike written by `mock-card
pki`; the key service is the emulated registry on 127.0.0.1.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from idcard import cli
from mock_card.registry_service import RegistryService

ALL = pytest.mark.parametrize("mock_card_reader", ["inprocess", "vpcd", "nfc-udp"], indirect=True)
MAV4 = pytest.mark.mock_card(profile="mav4", citizen_ca="gold")


@pytest.fixture
def registry(mock_registry: RegistryService) -> RegistryService:
    return mock_registry


@pytest.fixture
def iran_trust(iran_test_anchors: Path) -> Path:
    return iran_test_anchors


def read_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str, pin: str = "5679"
) -> tuple[int, dict]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(pin + "\n"))
    code = cli.main(["read", *args, "--pin-stdin", "--json"])
    return code, json.loads(capsys.readouterr().out)


def checks(body: dict) -> dict[str, str]:
    return {c["code"]: c["result"] for c in body["verdict"]["checks"]}


@ALL
@MAV4
def test_read_without_key_service(mock_card_reader, iran_trust, monkeypatch, capsys) -> None:
    code, body = read_json(monkeypatch, capsys, "--reader", mock_card_reader.name, "--trust", str(iran_trust))
    card = body["card"]
    assert (card["family"], card["chipType"], card["crn"]) == ("mav4", "0004", "9876543210")
    assert card["csn"] == "6012A5B4C3D20017"
    assert body["certificate"]["givenName"] == "SARA" and body["certificate"]["surname"] == "REZAEI"
    assert body["dates"] == {"issue": "2026/01/15", "expiry": "2036/01/14"}
    assert body["pin"]["triesLeft"] == 3 and body["pin"]["verified"] is True
    assert body["assuranceLevel"] == 3
    assert checks(body)["certificate.chain"] == "passed"
    assert body["chip"]["genuine"] == "not_performed"
    assert "registry's card-authentication service" in body["chip"]["reason"]
    assert body["personalData"] is None
    assert body["verdict"]["verified"] is False and code != 0


@ALL
@MAV4
def test_read_with_the_emulated_registry(mock_card_reader, iran_trust, registry, monkeypatch, capsys) -> None:
    code, body = read_json(
        monkeypatch, capsys, "--reader", mock_card_reader.name, "--trust", str(iran_trust),
        "--key-service", registry.url,
    )
    assert body["chip"]["genuine"] == "passed"
    assert checks(body)["personal_data.signature"] == "passed"
    assert body["personalData"]["nationalCode"] == "0012345679"
    assert body["verdict"]["verified"] is True and code == 0


@pytest.mark.mock_card(profile="mav4", variant="clone")
def test_clone_fails_with_the_registry(mock_card_reader, iran_trust, registry, monkeypatch, capsys) -> None:
    code, body = read_json(
        monkeypatch, capsys, "--reader", mock_card_reader.name, "--trust", str(iran_trust),
        "--key-service", registry.url,
    )
    assert body["chip"]["genuine"] == "failed" and code == 1


@pytest.mark.mock_card(profile="mav4", variant="lookalike-root")
def test_lookalike_root_is_untrusted(mock_card_reader, iran_trust, monkeypatch, capsys) -> None:
    _, body = read_json(monkeypatch, capsys, "--reader", mock_card_reader.name, "--trust", str(iran_trust))
    assert checks(body)["certificate.chain"] in ("untrusted", "failed")
    assert body["assuranceLevel"] is None


@pytest.mark.mock_card(profile="mav4", variant="expired")
def test_expired_certificate_fails(mock_card_reader, iran_trust, monkeypatch, capsys) -> None:
    _, body = read_json(monkeypatch, capsys, "--reader", mock_card_reader.name, "--trust", str(iran_trust))
    assert checks(body)["certificate.validity"] == "failed"
    assert checks(body)["certificate.chain"] == "failed"


@pytest.mark.mock_card(profile="mav4", variant="pin-blocked")
def test_blocked_pin_is_a_typed_error(mock_card_reader, iran_trust, monkeypatch, capsys) -> None:
    code, body = read_json(monkeypatch, capsys, "--reader", mock_card_reader.name)
    assert body["error"]["code"] == "pin.blocked" and code == cli.EXIT_PIN


@pytest.mark.mock_card(profile="mav4")
def test_root_ca1_card_has_no_assurance_level(mock_card_reader, iran_trust, monkeypatch, capsys) -> None:
    _, body = read_json(monkeypatch, capsys, "--reader", mock_card_reader.name, "--trust", str(iran_trust))
    assert checks(body)["certificate.chain"] == "passed"
    assert body["assuranceLevel"] is None


@ALL
@pytest.mark.mock_card(profile="pardis")
def test_pardis_reads_what_it_can(mock_card_reader, iran_trust, monkeypatch, capsys) -> None:
    _, body = read_json(monkeypatch, capsys, "--reader", mock_card_reader.name, "--trust", str(iran_trust))
    assert body["card"]["family"] == "pardis" and body["card"]["crn"] is None
    assert body["certificate"]["givenName"] == "SARA"
    assert checks(body)["certificate.issued_by_card_ca"] == "not_performed"
    assert body["chip"]["genuine"] == "not_performed"
    assert {u["operation"] for u in body["unsupported"]} >= {"authenticate", "sign", "pin_status"}


@pytest.mark.parametrize("mock_card_reader", ["vpcd", "nfc-udp"], indirect=True)
@MAV4
def test_readers_names_family_and_chip_type(mock_card_reader, monkeypatch, capsys) -> None:
    if mock_card_reader.transport == "nfc-udp":
        # nfc udp readers are not discovered by listing; the card description is what counts.
        from idcard.cards.describe import describe_card

        card = describe_card(mock_card_reader.name)
    else:
        assert cli.main(["readers", "--json"]) == 0
        listed = {r["name"]: r for r in json.loads(capsys.readouterr().out)["readers"]}
        card = listed[mock_card_reader.name]["card"]
    assert card is not None
    assert (card["family"], card["chipType"], card["crn"]) == ("mav4", "0004", "9876543210")
    assert card["csn"] == "6012A5B4C3D20017"


@pytest.mark.mock_card(profile="mav4")
def test_key_service_must_be_a_url(mock_card_reader, monkeypatch, capsys) -> None:
    code, body = read_json(monkeypatch, capsys, "--reader", mock_card_reader.name, "--key-service", "registry")
    assert code == cli.EXIT_USAGE and body["error"]["code"] == "usage"


@ALL
@pytest.mark.mock_card(profile="omid")
def test_omid_is_recognised_and_honest(mock_card_reader, monkeypatch, capsys) -> None:
    code, body = read_json(monkeypatch, capsys, "--reader", mock_card_reader.name)
    assert body["card"]["family"] == "omid" and body["certificate"] is None
    assert body["chip"]["genuine"] == "not_performed" and code == 1
