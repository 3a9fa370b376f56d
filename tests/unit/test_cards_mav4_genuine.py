"""Mav4 card authentication (§6) end to end: emulated card, emulated registry over real HTTP.

The registry service runs on 127.0.0.1 (uvicorn); the client fetches keys with
its HTTP client, authenticates the chip, signs under secure messaging and
reads the protected personal data and SOD1. Every step has a failing twin.
"""

from __future__ import annotations

import pytest

from idcard.cards.genuine import check_genuine
from idcard.cards.keyservice import CardKeyRequest, CardKeys, KeyServiceError
from idcard.cards.keyservice_http import HttpCardKeyService
from idcard.cards.mav import Mav4Driver
from idcard.cards.mav_auth import (
    MSE_SET_AUTH,
    MSE_SET_DST,
    SN_IFD,
    authenticate,
    card_key_request,
    mutual_auth_command,
    pso_hash_command,
)
from idcard.errors import PinError
from mock_card.profiles.mav4 import Mav4Card, Mav4Personalisation
from mock_card.registry_service import RegistryService
from reader.emulated import EmulatedTransport

H = bytes.fromhex


@pytest.fixture
def registry(mock_registry: RegistryService) -> RegistryService:
    return mock_registry


def _run(card: Mav4Card, url: str | None, pin: str = "5679") -> dict[str, str]:
    driver = Mav4Driver(EmulatedTransport(card))
    signing = driver.read_signing_certificate()
    ca = driver.read_ca_certificate()
    result = check_genuine(driver, HttpCardKeyService(url) if url else None, pin, signing, ca)
    out = {c.code: c.result.value for c in result.checks}
    if result.personal_info:
        out["nationalCode"] = result.personal_info.national_code
    return out


def test_spec_command_bytes() -> None:
    """§6 steps 3, 4, 8, 9 and the MUTUAL AUTHENTICATE frame, against the spec's hex."""
    assert MSE_SET_AUTH == H("002241A406830101950180")
    assert MSE_SET_DST == H("002241B6068001028401" "03")
    assert SN_IFD == H("AABBCCDD44668877")
    digest_cmd = pso_hash_command(b"terminal data")
    assert digest_cmd[:7] == H("002A90A0229020") and len(digest_cmd) == 7 + 32
    keys = CardKeys(bytes(range(16)), bytes(range(16, 32)), bytes(32), bytes(8))
    command = mutual_auth_command(keys, bytes(8), bytes(8))
    assert command[:5] == H("8082000048") and command[-1:] == H("48") and len(command) == 5 + 72 + 1


def test_genuine_card_passes_with_the_registry(registry: RegistryService) -> None:
    out = _run(Mav4Card(), registry.url)
    assert out["chip.genuine"] == "passed"
    assert out["personal_data.signature"] == "passed"
    assert out["nationalCode"] == "0012345679"


def test_without_a_service_it_is_not_performed() -> None:
    out = _run(Mav4Card(), None)
    assert out["chip.genuine"] == "not_performed"
    assert out["personal_data.signature"] == "not_performed"


def test_unreachable_service_is_not_performed_never_passed() -> None:
    out = _run(Mav4Card(), "http://127.0.0.1:9")
    assert out["chip.genuine"] == "not_performed"


def test_clone_without_the_registry_keys_fails(registry: RegistryService) -> None:
    clone = Mav4Card(Mav4Personalisation(registry_master=b"\x01" * 32))
    assert _run(clone, registry.url)["chip.genuine"] == "failed"


def test_certificate_copied_onto_a_keyed_chip_fails(registry: RegistryService) -> None:
    card = Mav4Card(Mav4Personalisation(foreign_signing_key=True))
    out = _run(card, registry.url)
    assert out["chip.genuine"] == "failed"
    assert "personal_data.signature" in out and out["personal_data.signature"] == "not_performed"


def test_tampered_personal_data_fails_its_sod(registry: RegistryService) -> None:
    card = Mav4Card()
    ef = card.apps["data"].children[H("0200")].children[H("0201")]  # type: ignore[union-attr]
    ef.data = ef.data.replace(b"0012345679", b"0099999999")  # type: ignore[union-attr]
    out = _run(card, registry.url)
    assert out["chip.genuine"] == "passed"
    assert out["personal_data.signature"] == "failed"


def test_wrong_pin_is_a_pin_error(registry: RegistryService) -> None:
    with pytest.raises(PinError) as caught:
        _run(Mav4Card(), registry.url, pin="0000")
    assert caught.value.code == "pin.wrong" and caught.value.tries_left == 2


def test_protected_files_refuse_plain_reads_and_signing_without_sm(registry: RegistryService) -> None:
    card = Mav4Card()
    driver = Mav4Driver(EmulatedTransport(card))
    driver.run(H("00A4040010A0000000183003010000000000000000"), H("00A40000023F00"), H("00A40100020200"), H("00A40200020201"))
    assert driver.exchange(H("00B00000F4")).sw == 0x6982
    driver.run(H("00A404000CA0000000180C000001634200"))
    assert driver.exchange(H("0020008110") + b"5679".ljust(16, b"\0")).sw == 0x9000
    driver.run(MSE_SET_DST, pso_hash_command(b"x"))
    assert driver.exchange(H("002A9E9A028100")).sw == 0x6982


def test_registry_refuses_an_unserved_chip_type(registry: RegistryService) -> None:
    driver = Mav4Driver(EmulatedTransport(Mav4Card()))
    request = card_key_request(driver, driver.read_signing_certificate())
    bad = CardKeyRequest(**{**request.__dict__, "chip_type": "0101"})
    with pytest.raises(KeyServiceError) as caught:
        HttpCardKeyService(registry.url).card_keys(bad)
    assert caught.value.code == "keyservice.refused"


def test_signature_under_sm_verifies(registry: RegistryService) -> None:
    from idcard.cards.genuine import signature_matches

    driver = Mav4Driver(EmulatedTransport(Mav4Card()))
    signing = driver.read_signing_certificate()
    auth = driver.read_auth_certificate()
    session = authenticate(driver, HttpCardKeyService(registry.url), card_key_request(driver, signing), "5679")
    assert signature_matches(auth, b"hello", session.sign(b"hello"))
    assert not signature_matches(auth, b"other", session.sign(b"hello"))
    assert not signature_matches(signing, b"hello", session.sign(b"hello"))


def test_emulator_answers_the_spec_sequence() -> None:
    """§6 steps 1-4 and 8 as raw spec hex against the emulated card, then a bad MUTUAL AUTHENTICATE."""
    card = Mav4Card()

    def send(hex_apdu: str) -> bytes:
        return card.process(H(hex_apdu))

    assert send("00A4040008A000000018434D00")[-2:] == H("9000")
    cplc = send("80CA9F7F2D")
    assert cplc[:3] == H("9F7F2A") and cplc[13:21] == card.perso.csn
    assert send("00A404000CA0000000180C000001634200")[-2:] == H("9000")
    assert send("00A40000023F00")[-2:] == H("9000")
    assert send("00200001" "10" + b"5679".ljust(16, b"\0").hex())[-2:] == H("9000")
    assert send("002241A406830101950180")[-2:] == H("9000")
    challenge = send("8084000008")
    assert len(challenge) == 10 and challenge[-2:] == H("9000")
    # A MUTUAL AUTHENTICATE sealed with keys the registry never issued is refused.
    wrong = CardKeys(bytes(16), bytes(16), bytes(32), bytes(8))
    answer = card.process(mutual_auth_command(wrong, challenge[:8], card.perso.csn))
    assert answer == H("6300")
    assert send("002241B6068001028401" "03")[-2:] == H("9000")
    # PSO:CDS without the SM session is refused.
    assert send("002A90A0229020" + "00" * 32)[-2:] == H("9000")
    assert send("002A9E9A028100")[-2:] == H("6982")


class _Recording(EmulatedTransport):
    def __init__(self, card: Mav4Card) -> None:
        super().__init__(card)
        self.sent: list[bytes] = []

    def transmit(self, apdu: bytes) -> bytes:
        self.sent.append(bytes(apdu))
        return super().transmit(apdu)


def test_client_sends_the_spec_sequence(registry: RegistryService) -> None:
    """§6 steps 1-11 as the client sends them, compared with the spec's hex (not with our emulator)."""
    card = Mav4Card()
    transport = _Recording(card)
    driver = Mav4Driver(transport)
    request = card_key_request(driver, driver.read_signing_certificate())
    transport.sent.clear()
    session = authenticate(driver, HttpCardKeyService(registry.url), request, "5679")
    session.sign(b"terminal data")
    sent = [c.hex().upper() for c in transport.sent]
    assert sent[:4] == [
        "00A4040008A000000018434D00",
        "80CA9F7F2D",
        "00A404000CA0000000180C000001634200",
        "00A40000023F00",
    ]
    assert sent[4] == "0020000110" + b"5679".hex().upper() + "00" * 12
    assert sent[5:7] == ["002241A406830101950180", "8084000008"]
    assert sent[7].startswith("8082000048") and sent[7].endswith("48") and len(sent[7]) == 2 * 78
    assert sent[8] == "002241B6068001028401" "03"
    import hashlib

    assert sent[9] == "002A90A0229020" + hashlib.sha256(b"terminal data").hexdigest().upper()
    pso = transport.sent[10]
    # 0C2A9E9A Lc ‖ DO87 (01 ‖ one 3DES block: 8100 padded) ‖ DO8E (8 bytes) ‖ Le 00
    assert pso[:4] == H("0C2A9E9A") and pso[4] == len(pso) - 6 and pso[-1] == 0
    assert pso[5:8] == H("870901") and pso[16:18] == H("8E08")
    # The protected answer (signature DO87 > 256 bytes) is fetched with GET RESPONSE 00C00000xx.
    assert sent[11].startswith("00C00000") and len(sent) == 12


def test_apdu_trace_hides_pin_and_card_authentication(registry: RegistryService, caplog: pytest.LogCaptureFixture) -> None:
    """`idcard -v` traces NID exchanges too; the PIN, the nonces and the SM traffic stay hidden."""
    import logging

    caplog.set_level(logging.DEBUG, logger="idcard.cards.base")
    assert _run(Mav4Card(), registry.url)["chip.genuine"] == "passed"
    messages = [r.getMessage() for r in caplog.records if r.name == "idcard.cards.base"]
    assert ">> 00a4040008a000000018434d00" in messages  # plain commands are traced as they are
    assert b"5679".hex() not in " ".join(messages)
    secret_ins = {0x20, 0x24, 0x2C, 0x82, 0x84}
    hidden_answer = False
    for sent, answer in zip(messages, messages[1:], strict=False):
        if not sent.startswith(">> "):
            continue
        command = bytes.fromhex(sent[3:11])
        if command[0] & 0x0C or command[1] in secret_ins:
            assert len(sent) <= 3 + 10 or "redacted" in sent, sent
            assert answer.startswith("<< ") and (len(answer) <= 3 + 4 or "redacted" in answer), answer
            hidden_answer = hidden_answer or "redacted" in answer
    assert hidden_answer  # the MUTUAL AUTHENTICATE and SM answers had data to hide


def test_missing_or_garbled_auth_certificate(registry: RegistryService) -> None:
    card = Mav4Card()
    df5000 = card.apps["ias"].children[H("5000")]
    df5000.children[H("5040")].data = H("3082000400000000")  # type: ignore[union-attr]  # DER header, junk body
    assert _run(card, registry.url)["chip.genuine"] == "failed"
    df5000.children[H("5040")].protected = True  # type: ignore[union-attr]  # 6982 to a plain read
    out = _run(card, registry.url)
    assert out["chip.genuine"] == "not_performed"
