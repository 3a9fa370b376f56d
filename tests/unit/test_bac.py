"""BAC (ICAO 9303-11 Appendix D.2/D.3), both roles, and a full BAC + SM session in-process."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable

import pytest

from idcard.apdu.channel import CardChannel
from idcard.apdu.command import CommandAPDU
from idcard.apdu.response import ResponseAPDU
from idcard.errors import (
    AuthenticationError,
    CardStatusError,
    MalformedResponseError,
    SecureMessagingError,
)
from idcard.lds.checkdigit import icao_check_digit, mrz_information
from idcard.protocol.bac import (
    BacChip,
    derive_bac_keys,
    perform_bac,
    session_keys,
    ssc_from_bac,
)
from idcard.protocol.ciphers import DES3
from idcard.protocol.sm import ChipSecureMessaging, SecureMessaging
from reader.base import Transport
from tests.vectors import h, load_icao

ICAO = load_icao()
BAC = ICAO["bac_D2_D3"]
SM = ICAO["sm_D4_3des"]
MRZ = BAC["mrz_information"]
RND_IC, RND_IFD = h(BAC["rnd_ic"]), h(BAC["rnd_ifd"])
K_IC, K_IFD = h(BAC["k_ic"]), h(BAC["k_ifd"])


def scripted_rng(*chunks: bytes) -> Callable[[int], bytes]:
    """An rng that hands out the given values in order (and checks the sizes asked for)."""
    queue = list(chunks)

    def rng(n: int) -> bytes:
        value = queue.pop(0)
        assert len(value) == n
        return value

    return rng


# -- MRZ information and keys -------------------------------------------------


def test_mrz_information_vector() -> None:
    assert (
        mrz_information(
            BAC["document_number"].rstrip("<"), BAC["date_of_birth"], BAC["date_of_expiry"]
        )
        == MRZ
    )
    assert (
        mrz_information(BAC["document_number"], BAC["date_of_birth"], BAC["date_of_expiry"]) == MRZ
    )


def test_check_digits() -> None:
    assert icao_check_digit(BAC["document_number"]) == int(MRZ[9])
    assert icao_check_digit(BAC["date_of_birth"]) == int(MRZ[16])
    assert icao_check_digit(BAC["date_of_expiry"]) == int(MRZ[23])
    assert icao_check_digit("") == 0
    assert icao_check_digit("<<<") == 0
    assert icao_check_digit("Z") == 35 * 7 % 10
    pace_mrz = ICAO["pace_ecdh_gm_G1"]["mrz"]
    assert (
        mrz_information(
            pace_mrz["document_number"], pace_mrz["date_of_birth"], pace_mrz["date_of_expiry"]
        )
        == pace_mrz["mrz_information"]
    )


@pytest.mark.parametrize("bad", ["l898902c", "L898-902", "L898 902", "Ä"])
def test_check_digit_rejects_other_characters(bad: str) -> None:
    with pytest.raises(ValueError):
        icao_check_digit(bad)


@pytest.mark.parametrize("birth,expiry", [("69080", "940623"), ("690806", "9406AB")])
def test_mrz_information_rejects_bad_dates(birth: str, expiry: str) -> None:
    with pytest.raises(ValueError):
        mrz_information("L898902C", birth, expiry)


def test_derive_bac_keys_vector() -> None:
    assert hashlib.sha1(MRZ.encode()).digest() == h(BAC["sha1_mrz_information"])
    assert derive_bac_keys(MRZ) == (h(BAC["k_enc"]), h(BAC["k_mac"]))


def test_session_keys_vector() -> None:
    keys = session_keys(K_IFD, K_IC, RND_IC, RND_IFD)
    assert (keys.ks_enc, keys.ks_mac) == (h(BAC["ks_enc"]), h(BAC["ks_mac"]))
    assert keys.ssc == ssc_from_bac(RND_IC, RND_IFD) == int(BAC["ssc"], 16)
    assert BAC["ks_enc"] not in repr(keys)


def test_vector_s_e_m_ifd_are_consistent() -> None:
    """The published S, E_IFD and M_IFD are what the terminal sends (checked via ciphers)."""
    k_enc, k_mac = derive_bac_keys(MRZ)
    s = RND_IFD + RND_IC + K_IFD
    assert s == h(BAC["s"])
    e_ifd = DES3.encrypt_cbc(k_enc, s)
    assert e_ifd == h(BAC["e_ifd"])
    assert DES3.mac(k_mac, DES3.pad(e_ifd)) == h(BAC["m_ifd"])
    assert h(BAC["ext_auth_cmd_data"]) == h(BAC["e_ifd"]) + h(BAC["m_ifd"])


# -- transports ----------------------------------------------------------------


class LoopbackTransport(Transport):
    """Hands every APDU to an in-process card and records the exchange."""

    name = "test:loopback"

    def __init__(self, card: Callable[[bytes], bytes]) -> None:
        self.card = card
        self.log: list[tuple[bytes, bytes]] = []

    @property
    def atr(self) -> bytes:
        return bytes.fromhex("3B8080018080")

    def transmit(self, apdu: bytes) -> bytes:
        answer = self.card(apdu)
        self.log.append((apdu, answer))
        return answer

    def close(self) -> None:
        pass


class FakeBacCard:
    """A tiny BAC passport: GET CHALLENGE, EXTERNAL AUTHENTICATE, SELECT, READ BINARY."""

    def __init__(self, mrz: str, rng: Callable[[int], bytes], files: dict[int, bytes]) -> None:
        self.mrz, self.rng, self.files = mrz, rng, files
        self.bac: BacChip | None = None
        self.sm: ChipSecureMessaging | None = None
        self.selected: bytes | None = None

    def __call__(self, raw: bytes) -> bytes:
        try:
            command = CommandAPDU.parse(raw)
        except MalformedResponseError:
            return b"\x67\x00"
        if not command.cla & 0x0C:
            self.sm = None  # a plain command ends SM
            return self.handle(command).encode()
        if self.sm is None:
            return b"\x69\x88"
        sm = self.sm
        try:
            plain = sm.unwrap_command(command)
        except SecureMessagingError:
            self.sm = None
            return b"\x69\x88"
        return sm.wrap_response(self.handle(plain)).encode()

    def handle(self, command: CommandAPDU) -> ResponseAPDU:
        if command.ins == 0x84:
            self.bac = BacChip(self.mrz, self.rng)
            return ResponseAPDU(self.bac.get_challenge(), 0x9000)
        if command.ins == 0x82:
            bac, self.bac = self.bac, None
            if bac is None:
                return ResponseAPDU(b"", 0x6985)
            try:
                answer, self.sm = bac.external_authenticate(command.data)
            except AuthenticationError:
                return ResponseAPDU(b"", 0x6300)
            return ResponseAPDU(answer, 0x9000)
        if self.sm is None:
            return ResponseAPDU(b"", 0x6982)
        if command.ins == 0xA4:
            fid = int.from_bytes(command.data, "big")
            if fid not in self.files:
                return ResponseAPDU(b"", 0x6A82)
            self.selected = self.files[fid]
            return ResponseAPDU(b"", 0x9000)
        if command.ins == 0xB0 and self.selected is not None:
            offset = (command.p1 << 8) | command.p2
            return ResponseAPDU(self.selected[offset : offset + (command.le or 0)], 0x9000)
        return ResponseAPDU(b"", 0x6D00)


def _fake_channel(card: Callable[[bytes], bytes]) -> tuple[CardChannel, LoopbackTransport]:
    transport = LoopbackTransport(card)
    return CardChannel(transport), transport


# -- terminal against the published card answers -------------------------------


def test_terminal_replays_d3() -> None:
    def card(raw: bytes) -> bytes:
        if raw == bytes.fromhex("0084000008"):
            return RND_IC + b"\x90\x00"
        assert raw == bytes.fromhex("0082000028") + h(BAC["ext_auth_cmd_data"]) + b"\x28"
        return h(BAC["ext_auth_resp_data"]) + b"\x90\x00"

    channel, _ = _fake_channel(card)
    sm = perform_bac(channel, MRZ, rng=scripted_rng(RND_IFD, K_IFD))
    assert isinstance(sm, SecureMessaging) and channel.secure is None
    assert sm.ssc == int(SM["ssc_start"], 16)
    first = SM["exchanges"][0]
    assert sm.wrap(CommandAPDU.parse(h(first["plain"]))).encode() == h(first["protected_capdu"])


def test_chip_replays_d3() -> None:
    chip = BacChip(MRZ, rng=scripted_rng(RND_IC, K_IC))
    assert chip.get_challenge() == RND_IC
    answer, sm = chip.external_authenticate(h(BAC["ext_auth_cmd_data"]))
    assert answer == h(BAC["ext_auth_resp_data"])
    assert sm.ssc == int(BAC["ssc"], 16)
    first = SM["exchanges"][0]
    assert sm.unwrap_command(CommandAPDU.parse(h(first["protected_capdu"]))) == CommandAPDU.parse(
        h(first["plain"])
    )


# -- terminal <-> chip in-process ------------------------------------------------


def test_full_session_reproduces_appendix_d_on_the_wire() -> None:
    card = FakeBacCard(MRZ, scripted_rng(RND_IC, K_IC), {0x011E: h(SM["ef_com"])})
    channel, transport = _fake_channel(card)
    channel.secure = perform_bac(channel, MRZ, rng=scripted_rng(RND_IFD, K_IFD))
    read = b""
    for ex in SM["exchanges"]:
        read += channel.send_checked(CommandAPDU.parse(h(ex["plain"])))
    assert read == h(SM["ef_com"])
    wire = transport.log
    assert wire[0] == (bytes.fromhex("0084000008"), RND_IC + b"\x90\x00")
    assert wire[1][1] == h(BAC["ext_auth_resp_data"]) + b"\x90\x00"
    for (sent, got), ex in zip(wire[2:], SM["exchanges"], strict=True):
        assert sent == h(ex["protected_capdu"])
        assert got == h(ex["rapdu"])
    assert channel.secure.ssc == card.sm.ssc == int(SM["ssc_end"], 16)  # type: ignore[union-attr]


def test_full_session_random_keys_and_errors() -> None:
    ef = os.urandom(1500)
    card = FakeBacCard(MRZ, os.urandom, {0x0101: ef})
    channel, _ = _fake_channel(card)
    channel.secure = perform_bac(channel, MRZ)
    channel.send_checked(CommandAPDU(0x00, 0xA4, 0x02, 0x0C, b"\x01\x01"))
    read = b""
    while len(read) < len(ef):
        read += channel.send_checked(
            CommandAPDU(0x00, 0xB0, len(read) >> 8, len(read) & 0xFF, le=256)
        )
    assert read == ef
    # A protected error status arrives as the typed error; the session goes on.
    with pytest.raises(CardStatusError) as info:
        channel.send_checked(CommandAPDU(0x00, 0xA4, 0x02, 0x0C, b"\x01\x1e"))
    assert info.value.code == "card.file_not_found"
    assert channel.send(CommandAPDU(0x00, 0xB0, 0, 0, le=4)).data == ef[:4]
    # A card that aborts SM (6988) ends the session on the channel.
    card.sm = None
    with pytest.raises(SecureMessagingError):
        channel.send(CommandAPDU(0x00, 0xB0, 0, 0, le=4))
    assert channel.secure is None


def test_wrong_mrz_is_the_users_problem() -> None:
    card = FakeBacCard(MRZ, os.urandom, {})
    channel, _ = _fake_channel(card)
    wrong = mrz_information("L898902C", "690806", "940624")
    with pytest.raises(AuthenticationError) as info:
        perform_bac(channel, wrong)
    assert info.value.code == "auth.failed"
    assert "did not accept" in info.value.message
    assert wrong not in info.value.message and "L898902C" not in info.value.message


def _chip_answering(transform: Callable[[bytes], bytes]) -> Callable[[bytes], bytes]:
    """A real BAC chip whose EXTERNAL AUTHENTICATE answer data is passed through `transform`."""
    card = FakeBacCard(MRZ, os.urandom, {})

    def process(raw: bytes) -> bytes:
        answer = card(raw)
        if raw[1] == 0x82 and answer.endswith(b"\x90\x00"):
            return transform(answer[:-2]) + b"\x90\x00"
        return answer

    return process


def _lying_nonce(data: bytes) -> bytes:
    """Re-encrypt the chip's answer with RND.IFD changed, under a valid MAC."""
    k_enc, k_mac = derive_bac_keys(MRZ)
    r = bytearray(DES3.decrypt_cbc(k_enc, data[:32]))
    r[8] ^= 0xFF
    cryptogram = DES3.encrypt_cbc(k_enc, bytes(r))
    return cryptogram + DES3.mac(k_mac, DES3.pad(cryptogram))


@pytest.mark.parametrize(
    "transform",
    [
        lambda d: d[:-1] + bytes([d[-1] ^ 1]),  # MAC byte
        lambda d: bytes([d[0] ^ 1]) + d[1:],  # cryptogram byte
        lambda d: d[:32],  # no MAC
        lambda d: d + b"\x00",  # too long
        lambda d: b"",  # nothing
        _lying_nonce,
    ],
    ids=["mac", "cryptogram", "truncated", "too-long", "empty", "wrong-rnd-ifd"],
)
def test_fake_chip_is_the_chips_problem(transform: Callable[[bytes], bytes]) -> None:
    channel, _ = _fake_channel(_chip_answering(transform))
    with pytest.raises(AuthenticationError) as info:
        perform_bac(channel, MRZ)
    assert info.value.code == "auth.chip"


def test_get_challenge_errors_are_typed() -> None:
    channel, _ = _fake_channel(lambda raw: b"\x6d\x00")
    with pytest.raises(CardStatusError):
        perform_bac(channel, MRZ)
    channel, _ = _fake_channel(lambda raw: b"\x01\x02\x03\x90\x00")
    with pytest.raises(MalformedResponseError):
        perform_bac(channel, MRZ)


def test_bac_runs_plain_even_with_a_session_open() -> None:
    card = FakeBacCard(MRZ, os.urandom, {})
    channel, transport = _fake_channel(card)
    channel.secure = perform_bac(channel, MRZ)
    fresh = perform_bac(channel, MRZ)
    assert transport.log[-2][0] == bytes.fromhex("0084000008")
    assert fresh is not channel.secure


# -- chip-side checks ------------------------------------------------------------


def test_chip_rejects_wrong_terminal_mac() -> None:
    chip = BacChip(MRZ, rng=scripted_rng(RND_IC, K_IC))
    chip.get_challenge()
    data = bytearray(h(BAC["ext_auth_cmd_data"]))
    data[-1] ^= 1
    with pytest.raises(AuthenticationError):
        chip.external_authenticate(bytes(data))


def test_chip_rejects_answer_to_another_challenge() -> None:
    chip = BacChip(MRZ, rng=os.urandom)
    chip.get_challenge()  # not the vector's RND.IC
    with pytest.raises(AuthenticationError):
        chip.external_authenticate(h(BAC["ext_auth_cmd_data"]))


def test_chip_needs_a_challenge_per_attempt() -> None:
    chip = BacChip(MRZ, rng=scripted_rng(RND_IC, K_IC))
    with pytest.raises(AuthenticationError):
        chip.external_authenticate(h(BAC["ext_auth_cmd_data"]))
    chip.get_challenge()
    chip.external_authenticate(h(BAC["ext_auth_cmd_data"]))
    with pytest.raises(AuthenticationError):  # replaying the same answer
        chip.external_authenticate(h(BAC["ext_auth_cmd_data"]))


@pytest.mark.parametrize("data", [b"", b"\x00" * 39, b"\x00" * 41, b"\x00" * 40])
def test_chip_rejects_malformed_external_authenticate(data: bytes) -> None:
    chip = BacChip(MRZ)
    chip.get_challenge()
    with pytest.raises(AuthenticationError):
        chip.external_authenticate(data)
