"""Mav4 driver command bytes against the exact hex of iran-nid-cards.md (not our emulator)."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from idcard.cards.base import Operation, UnsupportedOperationError, der_length
from idcard.cards.mav import Mav4Driver, parse_versions
from idcard.errors import CardStatusError, MalformedResponseError, PinError
from tests.unit.cards_script import Answer, ScriptedTransport

OK = "9000"
CPLC = "9F7F2A" + "4790" + "5040" + "4791" + "1234" + "0001" + "6123" + "CAFEBABE" + "0042" + "00" * 24
CSN = "6123CAFEBABE0042"  # CPLC bytes 13..20 (§3.1)
TAG_0101 = "010112" + "31323334353637383930".upper() + "00" * 8  # CRN "1234567890" at bytes 3..12


def r(hex_data: str, sw: str = OK) -> bytes:
    return bytes.fromhex(hex_data + sw)


def run(answers: Mapping[str, Answer]) -> tuple[Mav4Driver, ScriptedTransport]:
    transport = ScriptedTransport(answers)
    return Mav4Driver(transport), transport


# §3.1: SELECT CM, GET DATA CPLC, GET DATA tag 0101.
def test_csn_crn_commands_and_offsets() -> None:
    driver, t = run(
        {
            "00A4040008A000000018434D00": r(""),
            "80CA9F7F2D": r(CPLC),
            "80CA010115": r(TAG_0101),
        }
    )
    info = driver.card_info()
    assert t.sent_hex == ["00A4040008A000000018434D00", "80CA9F7F2D", "80CA010115"]
    assert (info.csn, info.crn, info.family) == (CSN, "1234567890", "mav4")
    assert info.chip_type_basis == "assumed"


def test_crn_not_digits_is_malformed() -> None:
    bad = "010112" + "41" * 10 + "00" * 8
    driver, _ = run({"00A4040008A000000018434D00": r(""), "80CA9F7F2D": r(CPLC), "80CA010115": r(bad)})
    with pytest.raises(MalformedResponseError):
        driver.card_info()


def test_short_cplc_is_malformed() -> None:
    driver, _ = run({"00A4040008A000000018434D00": r(""), "80CA9F7F2D": r(CPLC[:-2])})
    with pytest.raises(MalformedResponseError):
        driver.read_cplc()


# §3.2 "ReadSign_Certificate": the exact select sequence, then READ BINARY by DER length.
SIGN_SELECTS = [
    "00A4040008A000000018434D00",
    "80CA9F7F2D",
    "00A404000CA0000000180C000001634200",
    "00A40000023F00",
    "00A40000025100",
    "00A4020C025040",
    "00A4000C023F00",
    "00A4000C025100",
    "00A4020C025040",
]
CERT = bytes.fromhex("308201F4") + bytes(range(250)) * 2  # 504 bytes by its DER header


def _cert_answers(selects: list[str], cert: bytes, *, trailing: bytes = b"\xff" * 40) -> dict[str, bytes]:
    stored = cert + trailing  # the EF may be longer than the certificate (§3.2)
    answers = {c: r(CPLC if c == "80CA9F7F2D" else "") for c in selects}

    def read(apdu: bytes) -> bytes:
        offset, le = int.from_bytes(apdu[2:4], "big"), apdu[4] or 256
        return stored[offset : offset + le] + b"\x90\x00"

    for offset in range(0, len(stored), 1):
        for le in (0xFF, len(cert) - offset):
            if 0 < le <= 0xFF:
                answers[f"00B0{offset:04X}{le:02X}"] = read  # type: ignore[assignment]
    return answers


def test_signing_certificate_commands_and_der_length() -> None:
    driver, t = run(_cert_answers(SIGN_SELECTS, CERT))
    assert driver.read_signing_certificate() == CERT
    assert t.sent_hex == SIGN_SELECTS + ["00B00000FF", "00B000FFF9"]


# §3.2 "ReadAuth_Certificate": file 3F00/5000/0303 = the issuing CA's certificate.
CA_SELECTS = [
    "00A404000CA0000000180C000001634200",
    "00A4040008A000000018434D00",
    "80CA9F7F2D",
    "00A404000CA0000000180C000001634200",
    "00A40000023F00",
    "00A40000025000",
    "00A4020C025040",
    "00A4000C023F00",
    "00A4000C025000",
    "00A4020C025040",
    "00A4020C020303",
]


def test_ca_certificate_commands() -> None:
    small = bytes.fromhex("30817A") + bytes(0x7A)
    driver, t = run(_cert_answers(CA_SELECTS, small))
    assert driver.read_ca_certificate() == small
    assert t.sent_hex == CA_SELECTS + ["00B00000FF"]


def test_certificate_not_der_is_malformed() -> None:
    driver, _ = run(_cert_answers(SIGN_SELECTS, b"\x04\x02ab"))
    with pytest.raises(MalformedResponseError):
        driver.read_signing_certificate()


def test_certificate_file_shorter_than_der_length_is_malformed() -> None:
    stored = CERT[:300]
    answers = {c: r(CPLC if c == "80CA9F7F2D" else "") for c in SIGN_SELECTS}
    answers["00B00000FF"] = stored[:255] + b"\x90\x00"
    answers["00B000FFF9"] = stored[255:] + b"\x62\x82"
    driver, _ = run(answers)
    with pytest.raises(MalformedResponseError):
        driver.read_signing_certificate()


def test_der_length_forms() -> None:
    assert der_length(bytes.fromhex("3082044C")) == 4 + 0x44C
    assert der_length(bytes.fromhex("30817A")) == 3 + 0x7A
    assert der_length(bytes.fromhex("3005")) == 7
    with pytest.raises(MalformedResponseError):
        der_length(bytes.fromhex("3180"))


# §3.3 dates: exact SELECTs and READ BINARY 00B00000F8, with a 6Cxx resend.
DATES_SELECTS = [
    "00A4040010A0000000183003010000000000000000",
    "00A40000023F00",
    "00A40100020300",
    "00A40200020303",
]


def test_dates_commands_and_6cxx_resend() -> None:
    issue, expiry = "1399/05/12".encode("utf-16-be"), "1406/05/11".encode("utf-16-be")
    content = b"\xb2" + bytes([len(issue)]) + issue + b"\xb3" + bytes([len(expiry)]) + expiry
    answers = {c: r("") for c in DATES_SELECTS}
    answers["00B00000F8"] = bytes.fromhex(f"6C{len(content):02X}")
    answers[f"00B00000{len(content):02X}"] = content + b"\x90\x00"
    driver, t = run(answers)
    dates = driver.read_dates()
    assert t.sent_hex == DATES_SELECTS + ["00B00000F8", f"00B00000{len(content):02X}"]
    assert (dates.issue, dates.expiry) == ("1399/05/12", "1406/05/11")
    assert dates.issue_raw == issue


def test_dates_without_b3_is_malformed() -> None:
    answers = {c: r("") for c in DATES_SELECTS}
    answers["00B00000F8"] = bytes.fromhex("B2020031" + "6282")
    driver, _ = run(answers)
    with pytest.raises(MalformedResponseError):
        driver.read_dates()


# §3.4 versions, §3.5 AFIS flag.
def test_versions_commands_and_tags() -> None:
    selects = DATES_SELECTS[:2] + ["00A40100020600", "00A40200020601"]
    answers = {c: r("") for c in selects}
    answers["00B00000F8"] = r("CC0003D50001D60002D701", "6282")
    driver, t = run(answers)
    versions = driver.read_versions()
    assert t.sent_hex == selects + ["00B00000F8"]
    assert (versions.perso_key, versions.sod1_key, versions.sod2_key) == ("0003", "0001", "0002")
    assert (versions.pin_algorithm, versions.key_algorithm) == ("01", "0a")
    with pytest.raises(MalformedResponseError):
        parse_versions(bytes.fromhex("CC0003D50001"))


@pytest.mark.parametrize(("flag", "required"), [("00", False), ("01", True)])
def test_afis_flag_commands(flag: str, required: bool) -> None:
    selects = ["00A4040008A000000018300301", "00A40000023F00", "00A40100020300", "00A40200020302"]
    answers = {c: r("") for c in selects}
    answers["00B00000F8"] = r("AD01" + flag, "6282")
    driver, t = run(answers)
    assert driver.read_afis_required() is required
    assert t.sent_hex == selects + ["00B00000F8"]


# §5 ID-PIN status without spending a try.
STATUS_COMMANDS = [
    "00A4040C10A0000000183003010000000000000000",
    "00A4000C023F00",
    "00A4010C020200",
    "00A4020C022F01",
    "80C002050C",
    "00A4010C020500",
    "00A4020C025F04",
    "80C002050C",
    "00A4040C0CA0000000180C000001634200",
    "0020008100",
]


def test_pin_status_commands_spend_no_try() -> None:
    answers = {c: r("") for c in STATUS_COMMANDS}
    infos = iter([r("0001" + "00" * 10), r("0003" + "00" * 10)])
    answers["80C002050C"] = lambda _apdu: next(infos)  # type: ignore[assignment]
    answers["0020008100"] = bytes.fromhex("63C2")
    driver, t = run(answers)
    status = driver.id_pin_status()
    assert t.sent_hex == STATUS_COMMANDS
    assert (status.mpcos, status.ev, status.ias, status.tries_left) == (2, 1, 2, 2)
    assert all(not c.startswith("00200000") and not c.startswith("0020008110") for c in t.sent_hex)


# §5 verify ID PIN: EV, MPCOS, IAS objects with the PIN as 00-padded ASCII.
PIN8 = "35363739" + "00" * 4  # "5679"
PIN16 = "35363739" + "00" * 12
VERIFY_SEQUENCE = [
    "00A4040010A0000000183003010000000000000000",
    "00A40000023F00",
    "00A40100020500",
    "0020000008" + PIN8,
    "00A40000023F00",
    "00A40100020200",
    "0020000008" + PIN8,
    "00A404000CA0000000180C000001634200",
    "0020008110" + PIN16,
]


def _verify_answers(ev: str, mpcos: str, ias: str) -> dict[str, bytes]:
    answers = {c: r("") for c in VERIFY_SEQUENCE}
    answers[VERIFY_SEQUENCE[3]] = bytes.fromhex(ev)
    answers[VERIFY_SEQUENCE[8]] = bytes.fromhex(ias)
    # EV and MPCOS VERIFY are the same bytes; the script answers both alike unless ev != mpcos.
    if ev != mpcos:
        answers_seq = iter([bytes.fromhex(ev), bytes.fromhex(mpcos)])
        answers[VERIFY_SEQUENCE[3]] = lambda _a: next(answers_seq)  # type: ignore[assignment]
    return answers


def test_verify_id_pin_commands() -> None:
    driver, t = run(_verify_answers(OK, OK, OK))
    status = driver.verify_id_pin("5679")
    assert t.sent_hex == VERIFY_SEQUENCE
    assert status.tries_left == 3


@pytest.mark.parametrize(
    ("answers", "code", "tries"),
    [
        (("63C2", "63C2", "63C2"), "pin.wrong", 2),
        (("63C1", "63C0", "63C1"), "pin.wrong", 1),
        (("6983", "63C0", "6984"), "pin.blocked", 0),
    ],
)
def test_verify_id_pin_status_words(answers: tuple[str, str, str], code: str, tries: int) -> None:
    driver, _ = run(_verify_answers(*answers))
    with pytest.raises(PinError) as caught:
        driver.verify_id_pin("5679")
    assert (caught.value.code, caught.value.tries_left) == (code, tries)
    assert "5679" not in str(caught.value)


def test_verify_id_pin_unknown_answers_are_an_error_not_success() -> None:
    driver, _ = run(_verify_answers("6F00", "6F00", "6F00"))
    with pytest.raises(CardStatusError):
        driver.verify_id_pin("5679")


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "١٢٣٤"])
def test_bad_pin_format_sends_nothing(pin: str) -> None:
    driver, t = run({})
    with pytest.raises(PinError) as caught:
        driver.verify_id_pin(pin)
    assert caught.value.code == "pin.format"
    assert t.sent == []


@pytest.mark.parametrize("operation", [Operation.SIGN, Operation.AUTHENTICATE, Operation.READ_SIGNED_DATA])
def test_registry_operations_are_unsupported_with_reason(operation: Operation) -> None:
    driver, _ = run({})
    with pytest.raises(UnsupportedOperationError) as caught:
        driver.require(operation)
    assert caught.value.code == "card.unsupported_operation"
    assert "registry" in caught.value.reason


# §5 unblock ID PIN with PUK: EF 0010 journal, 8024 on DF 0200 and 0500, RESET RETRY COUNTER on IAS.
PUK4, NEW4 = "31323334", "34333231"  # PUK 1234, new PIN 4321 as ASCII
UNBLOCK_SEQUENCE = [
    "00A4040010A0000000183003010000000000000000",
    "00A40000023F00",
    "00A40200020010",
    "00B0000201",
    "00D600020101",
    "00A40100020200",
    "8024010008" + PUK4 + NEW4,
    "00A40000023F00",
    "00A40200020010",
    "00D60002010F",
    "00B0000702",
    "00D60007020201",
    "00A40000023F00",
    "00A40100020500",
    "8024010008" + PUK4 + NEW4,
    "00A40000023F00",
    "00A40200020010",
    "00D6000702020F",
    "00B0000301",
    "00D600030101",
    "00A404000CA0000000180C000001634200",
    "002C008120" + PUK4 + "00" * 12 + NEW4 + "00" * 12,
    "00A4040010A0000000183003010000000000000000",
    "00A40000023F00",
    "00A40200020010",
    "00D60003010F",
    "00D600000100",
    "00D600010100",
    "00D600020100",
    "00D600030100",
    "00D600060100",
    "00D60007020200",
]


def test_unblock_commands_and_journal() -> None:
    answers: dict[str, Answer] = {c: r("") for c in UNBLOCK_SEQUENCE}
    answers.update({"00B0000201": r("00"), "00B0000301": r("00"), "00B0000702": r("0200")})
    driver, t = run(answers)
    driver.unblock_id_pin("1234", "4321")
    assert t.sent_hex == UNBLOCK_SEQUENCE


def test_unblock_skips_objects_the_journal_marks_done_and_stops_on_wrong_puk() -> None:
    answers: dict[str, Answer] = {c: r("") for c in UNBLOCK_SEQUENCE}
    answers.update({"00B0000201": r("0F"), "00B0000702": r("0200")})
    answers["8024010008" + PUK4 + NEW4] = bytes.fromhex("63C1")
    driver, t = run(answers)
    with pytest.raises(PinError) as caught:
        driver.unblock_id_pin("1234", "4321")
    assert (caught.value.code, caught.value.tries_left) == ("puk.wrong", 1)
    assert "00A40100020200" not in t.sent_hex  # MPCOS already done
    assert t.sent_hex[-1] == "8024010008" + PUK4 + NEW4  # nothing after the refusal
    assert "1234" not in str(caught.value) and "4321" not in str(caught.value)


@pytest.mark.parametrize(("puk", "pin"), [("123", "4321"), ("1234", "43210"), ("12a4", "4321")])
def test_unblock_bad_format_sends_nothing(puk: str, pin: str) -> None:
    driver, t = run({})
    with pytest.raises(PinError):
        driver.unblock_id_pin(puk, pin)
    assert t.sent == []
