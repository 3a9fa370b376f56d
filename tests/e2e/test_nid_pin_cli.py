"""`idcard pin` on the real card families (issue 12): the ID PIN through each family's driver,
and for what a family cannot do, `card.unsupported_operation` with its reason before any
secret is asked for. Cards are the emulated families (`emulator:<profile>[:variant]`, a fresh
card per process); the Pardis counters go through the emulated registry service."""

from __future__ import annotations

import json

import pytest

from mock_card.registry_service import RegistryService
from tests.e2e.test_cli import idcard

EXIT_OK, EXIT_CARD, EXIT_PIN = 0, 3, 4


def _json(result) -> dict:  # noqa: ANN001
    return json.loads(result.stdout)


def test_mav4_status_costs_no_try_and_names_each_pin_object() -> None:
    result = idcard("pin", "status", "--reader", "emulator:mav4", "--json")
    assert result.returncode == EXIT_OK, result.stderr
    body = _json(result)
    assert body["card"]["family"] == "mav4" and body["card"]["crn"] == "9876543210"
    assert body["pin"] == {"triesLeft": 3, "state": "ok", "objects": {"mpcos": 3, "ev": 3, "ias": 3}}
    assert body["signaturePin"] is None and "not public" in body["signaturePinHint"]


def test_mav4_verify_right_and_wrong_pin() -> None:
    right = idcard("pin", "verify", "--reader", "emulator:mav4", "--pin-stdin", "--json", stdin="5679\n")
    assert right.returncode == EXIT_OK, right.stderr
    assert _json(right)["pin"]["verified"] is True
    wrong = idcard("pin", "verify", "--reader", "emulator:mav4", "--pin-stdin", "--json", stdin="1111\n")
    assert wrong.returncode == EXIT_PIN
    error = _json(wrong)["error"]
    assert error["code"] == "pin.wrong" and error["triesLeft"] == 2
    assert "1111" not in wrong.stdout + wrong.stderr


def test_mav4_blocked_pin_is_unblocked_with_the_puk() -> None:
    reader = "emulator:mav4:pin-blocked"
    status = idcard("pin", "status", "--reader", reader, "--json")
    assert _json(status)["pin"]["state"] == "blocked" and _json(status)["pin"]["triesLeft"] == 0
    # The counters after the unblock are read back from the card, not assumed.
    done = idcard("pin", "unblock", "--reader", reader, "--puk-stdin", "--json", stdin="1234\n4321\n")
    assert done.returncode == EXIT_OK, done.stderr
    pin = _json(done)["pin"]
    assert pin["unblocked"] is True and pin["triesLeft"] == 3 and pin["state"] == "ok"
    wrong_puk = idcard("pin", "unblock", "--reader", reader, "--puk-stdin", "--json", stdin="9999\n4321\n")
    assert wrong_puk.returncode == EXIT_PIN and _json(wrong_puk)["error"]["code"] == "puk.wrong"


@pytest.mark.parametrize(
    ("reader", "action", "flags", "operation", "reason"),
    [
        ("emulator:mav4", "change", (), "change_pin", "its APDUs are not public"),
        ("emulator:mav4", "status", ("--signature-pin",), "pin_status", "signature PIN's commands"),
        ("emulator:pardis", "unblock", ("--puk-stdin",), "unblock_pin", "its APDUs are not public"),
        ("emulator:pardis", "status", (), "pin_status", "registry's card-authentication service"),
        ("emulator:omid", "verify", ("--pin-stdin",), "verify_pin", "its APDUs are not public"),
    ],
)
def test_what_a_family_cannot_do_is_refused_with_its_reason(
    reader: str, action: str, flags: tuple[str, ...], operation: str, reason: str
) -> None:
    # No secret on stdin: the refusal comes before anything is asked for.
    result = idcard("pin", action, "--reader", reader, *flags, "--json")
    assert result.returncode == EXIT_CARD
    error = _json(result)["error"]
    assert error["code"] == "card.unsupported_operation" and error["operation"] == operation
    assert reason in error["reason"]


def test_pardis_counters_through_the_registry_service(mock_registry: RegistryService) -> None:
    result = idcard("pin", "status", "--reader", "emulator:pardis", "--key-service", mock_registry.url, "--json")
    assert result.returncode == EXIT_OK, result.stderr
    body = _json(result)
    assert body["card"]["family"] == "pardis"
    assert body["pin"] == {"triesLeft": 3, "state": "ok", "objects": {"matia1": 3, "matia2": 3, "pardis": 3}}
