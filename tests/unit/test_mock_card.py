"""The emulator's own rules: PIN state machine, card files, APDU engine robustness."""

from __future__ import annotations

import json

import pytest

from idcard.protocol.pace.oids import PasswordRef
from mock_card.card import EmulatedCard
from mock_card.image import CardImage, Counters, Secrets
from mock_card.personalize import DEMO_CITIZEN, personalize, td1_mrz
from mock_card.pins import PinRules, PinSession, PinState


def rules(pin_tries: int = 3, puk_uses: int = 10) -> PinRules:
    return PinRules(Secrets(), Counters(pin_tries=pin_tries, puk_uses=puk_uses))


def test_mse_reports_counter_without_spending_it() -> None:
    r = rules()
    assert r.mse_status(PasswordRef.PIN) == 0x9000
    r.counters.pin_tries = 2
    assert r.mse_status(PasswordRef.PIN) == 0x63C2
    assert r.counters.pin_tries == 2
    assert r.mse_status(PasswordRef.CAN) == 0x9000
    assert r.mse_status(PasswordRef.PUK) == 0x63CA


def test_suspended_pin_needs_can_first() -> None:
    r, s = rules(pin_tries=1), PinSession()
    assert r.pin_state is PinState.SUSPENDED
    assert r.may_start(PasswordRef.PIN, s) == 0x6985
    r.pace_succeeded(PasswordRef.CAN, s)
    assert r.may_start(PasswordRef.PIN, s) == 0x9000
    assert r.pace_failed(PasswordRef.PIN, s) == 0x63C0
    assert r.pin_state is PinState.BLOCKED
    assert r.may_start(PasswordRef.PIN, s) == 0x6983


def test_blocked_pin_is_reset_only_after_puk() -> None:
    r, s = rules(pin_tries=0), PinSession()
    assert r.reset_retry_counter(s) == 0x6982
    r.pace_succeeded(PasswordRef.PUK, s)
    assert r.reset_retry_counter(s) == 0x9000
    assert r.counters.pin_tries == 3
    assert r.counters.puk_uses == 9


def test_every_puk_attempt_costs_a_use() -> None:
    r, s = rules(puk_uses=1), PinSession()
    assert r.pace_failed(PasswordRef.PUK, s) == 0x63C0
    assert r.may_start(PasswordRef.PUK, s) == 0x6983
    assert r.mse_status(PasswordRef.PUK) == 0x6983


def test_pin2_counter_and_unblock() -> None:
    r, s = rules(), PinSession()
    assert r.verify_pin2(b"00000", s) == 0x63C2
    assert r.verify_pin2(b"00000", s) == 0x63C1
    assert r.verify_pin2(b"00000", s) == 0x63C0
    assert r.verify_pin2(b"12345", s) == 0x6983  # blocked: even the right one
    assert r.set_pin2(b"55555", s) == 0x6982
    r.pace_succeeded(PasswordRef.PUK, s)
    assert r.set_pin2(b"55555", s) == 0x9000
    assert r.verify_pin2(b"55555", s) == 0x9000 and s.pin2_verified


@pytest.mark.parametrize("new_pin", [b"12345", b"1234567", b"12a456", b""])
def test_new_pin_format_is_enforced(new_pin: bytes) -> None:
    r, s = rules(), PinSession()
    r.pace_succeeded(PasswordRef.PIN, s)
    assert r.set_pin(new_pin, s) == 0x6A80


def test_demo_mrz_has_valid_check_digits() -> None:
    mrz = td1_mrz(DEMO_CITIZEN)
    assert len(mrz) == 90
    assert mrz.startswith("IDIRNA12345678")
    assert "0012345679" in mrz[:30]
    assert mrz[60:].startswith("REZAEI<<SARA<")


def test_card_file_round_trip(tmp_path) -> None:
    image = personalize()
    path = tmp_path / "card.json"
    image.save(path)
    loaded = CardImage.load(path)
    assert loaded.files == image.files
    assert loaded.secrets.pin == "123456"
    assert "123456" not in repr(loaded.secrets)


@pytest.mark.parametrize(
    "content", ["", "{", "[]", '{"format": "other"}', '{"format": "idcard-mock-card/1", "files": 3}']
)
def test_corrupt_card_file_is_a_clear_error(tmp_path, content: str) -> None:
    path = tmp_path / "card.json"
    path.write_text(content)
    with pytest.raises(ValueError, match="mock card file"):
        CardImage.load(path)


@pytest.mark.parametrize(
    ("section", "change"),
    [
        ("settings", {"pace_parameter_id": "13"}),
        ("settings", {"extended_length": 1}),
        ("settings", {"max_response": True}),
        ("settings", {"unknown": 1}),
        ("secrets", {"pin": 123456}),
        ("counters", {"pin_tries": None}),
        ("counters", []),
    ],
)
def test_card_file_sections_are_type_checked(section: str, change: object) -> None:
    data = personalize().to_json()
    section_data = data[section]
    assert isinstance(section_data, dict)
    data[section] = {**section_data, **change} if isinstance(change, dict) else change
    with pytest.raises(ValueError, match="corrupt mock card file"):
        CardImage.from_json(data)


def test_card_file_sections_keep_defaults_and_read_int_latency() -> None:
    data = personalize().to_json()
    data["settings"] = {"latency": 2}
    data["counters"] = {"pin_tries": 1}
    image = CardImage.from_json(data)
    assert image.settings.latency == 2.0 and isinstance(image.settings.latency, float)
    assert image.settings.max_response == 4096 and image.settings.extended_length is True
    assert (image.counters.pin_tries, image.counters.puk_uses) == (1, 10)


def test_save_is_atomic(tmp_path, mocker) -> None:
    path = tmp_path / "card.json"
    personalize().save(path)
    before = path.read_bytes()
    # A crash in the middle of writing (disk full) must leave the old file intact.
    mocker.patch("idcard.files.os.fsync", side_effect=OSError("disk full"))
    with pytest.raises(OSError):
        personalize(pin="999999").save(path)
    assert path.read_bytes() == before
    assert json.loads(before)["secrets"]["pin"] == "123456"
    assert list(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize(
    "apdu",
    ["", "00", "00b0", "00b000", "0cb0000000", "00a4040c09f049", "ffffffffffffffff", "00860000027c", "00b08500" "00"],
)
def test_engine_answers_junk_with_a_status_word(apdu: str) -> None:
    card = EmulatedCard(personalize())
    answer = card.process(bytes.fromhex(apdu))
    assert len(answer) >= 2
    assert answer[-2:] != b"\x90\x00"


def test_nothing_but_card_access_before_pace() -> None:
    card = EmulatedCard(personalize())
    assert card.process(bytes.fromhex("00b09c0000"))[-2:] == b"\x90\x00"  # EF.CardAccess by SFI
    assert card.process(bytes.fromhex("00a4040c07a0000002471001"))[-2:] == b"\x90\x00"
    assert card.process(bytes.fromhex("00b0810000"))[-2:] == b"\x69\x82"  # DG1
    assert card.process(bytes.fromhex("00b09e0000"))[-2:] == b"\x69\x82"  # EF.COM


def test_short_only_card_refuses_extended_apdus() -> None:
    card = EmulatedCard(personalize(extended_length=False))
    assert card.process(bytes.fromhex("00b09c00000000"))[-2:] == b"\x67\x00"


def test_transcript_records_every_exchange() -> None:
    card = EmulatedCard(personalize())
    card.process(bytes.fromhex("00b09c0000"))
    card.process(bytes.fromhex("00b0810000"))
    assert [e.command.hex() for e in card.transcript] == ["00b09c0000", "00b0810000"]
    assert card.transcript[1].response == b"\x6a\x82"  # DG1 is not in the MF
