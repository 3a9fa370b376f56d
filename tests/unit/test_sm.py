"""Secure messaging (ICAO 9303-11 §9.8): both roles against Appendix D.4, then hostile input."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives import cmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from idcard.apdu.command import CommandAPDU
from idcard.apdu.response import ResponseAPDU
from idcard.apdu.tlv import encode_tlv
from idcard.errors import IdCardError, MalformedResponseError, SecureMessagingError
from idcard.protocol.ciphers import AES128, AES192, AES256, DES3, BlockCipher
from idcard.protocol.sm import ChipSecureMessaging, SecureMessaging
from tests.vectors import h, load_icao

SM = load_icao()["sm_D4_3des"]
KS_ENC, KS_MAC = h(SM["ks_enc"]), h(SM["ks_mac"])
SSC_START = int(SM["ssc_start"], 16)
SSC_END = int(SM["ssc_end"], 16)
EXCHANGES = SM["exchanges"]

hyp_settings = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _terminal() -> SecureMessaging:
    return SecureMessaging(DES3, KS_ENC, KS_MAC, SSC_START)


def _chip() -> ChipSecureMessaging:
    return ChipSecureMessaging(DES3, KS_ENC, KS_MAC, SSC_START)


# -- Appendix D.4, byte for byte ---------------------------------------------


def test_terminal_replays_d4_exchanges() -> None:
    sm = _terminal()
    read = b""
    for ex in EXCHANGES:
        protected = sm.wrap(CommandAPDU.parse(h(ex["plain"])))
        assert protected.encode() == h(ex["protected_capdu"])
        plain = sm.unwrap(ResponseAPDU.parse(h(ex["rapdu"])))
        assert plain == ResponseAPDU(h(ex["plain_rdata"]), 0x9000)
        read += plain.data
    assert read == h(SM["ef_com"])
    assert sm.ssc == SSC_END


def test_chip_replays_d4_exchanges() -> None:
    chip = _chip()
    for ex in EXCHANGES:
        command = chip.unwrap_command(CommandAPDU.parse(h(ex["protected_capdu"])))
        assert command == CommandAPDU.parse(h(ex["plain"]))
        answer = chip.wrap_response(ResponseAPDU(h(ex["plain_rdata"]), 0x9000))
        assert answer.encode() == h(ex["rapdu"])
    assert chip.ssc == SSC_END


# -- AES (no published vector: an independent construction, then round trips) --


def _pad(data: bytes, block: int) -> bytes:
    data += b"\x80"
    return data + bytes(-len(data) % block)


def test_aes_wrap_matches_independent_construction() -> None:
    """9303-11 §9.8 AES from the text: IV = E(KSenc, SSC), MAC = CMAC over padded input."""
    ks_enc, ks_mac = os.urandom(16), os.urandom(16)
    data = bytes(range(20))
    sm = SecureMessaging(AES128, ks_enc, ks_mac)
    protected = sm.wrap(CommandAPDU(0x00, 0x22, 0xC1, 0xA4, data, le=16))

    ssc = (1).to_bytes(16, "big")
    ecb = Cipher(algorithms.AES(ks_enc), modes.ECB()).encryptor()
    iv = ecb.update(ssc) + ecb.finalize()
    cbc = Cipher(algorithms.AES(ks_enc), modes.CBC(iv)).encryptor()
    cryptogram = cbc.update(_pad(data, 16)) + cbc.finalize()
    dos = bytes([0x87, 1 + len(cryptogram), 0x01]) + cryptogram + bytes.fromhex("970110")
    mac = cmac.CMAC(algorithms.AES(ks_mac))
    mac.update(_pad(ssc + _pad(bytes.fromhex("0C22C1A4"), 16) + dos, 16))
    expected = bytes.fromhex("0C22C1A4") + bytes([len(dos) + 10]) + dos + b"\x8e\x08"
    assert protected.encode() == expected + mac.finalize()[:8] + b"\x00"
    assert sm.ssc == 1


COMMANDS = [
    CommandAPDU(0x00, 0x44, 0x00, 0x00),  # case 1
    CommandAPDU(0x00, 0x84, 0x00, 0x00, le=8),  # case 2
    CommandAPDU(0x00, 0xB0, 0x00, 0x00, le=256),  # case 2, Le 00
    CommandAPDU(0x00, 0xA4, 0x02, 0x0C, b"\x01\x1e"),  # case 3
    CommandAPDU(0x00, 0x22, 0xC1, 0xA4, bytes(range(16)), le=200),  # case 4, block-aligned
    CommandAPDU(0x10, 0x86, 0x00, 0x00, b"\x7c\x00", le=256),  # command chaining
    CommandAPDU(0x00, 0x2A, 0x00, 0xBE, os.urandom(3000)),  # extended body
    CommandAPDU(0x00, 0xB0, 0x00, 0x00, le=65536),  # extended Le 0000
    CommandAPDU(0x00, 0xB0, 0x00, 0x00, le=257),
    CommandAPDU(0x00, 0xB1, 0x01, 0x1E, bytes.fromhex("54020000"), le=65536),  # odd INS
    CommandAPDU(0x00, 0x2A, 0x00, 0xBE, os.urandom(3000), le=65536),  # extended case 4
]

RESPONSES = [
    ResponseAPDU(b"", 0x9000),
    ResponseAPDU(os.urandom(7), 0x9000),
    ResponseAPDU(os.urandom(16), 0x9000),
    ResponseAPDU(os.urandom(3000), 0x9000),
    ResponseAPDU(os.urandom(65536), 0x9000),
    ResponseAPDU(b"", 0x6A82),
    ResponseAPDU(os.urandom(5), 0x6282),
]


@pytest.mark.parametrize(
    "cipher", [DES3, AES128, AES192, AES256], ids=lambda c: f"{c.name}-{c.key_length * 8}"
)
def test_round_trip_both_roles(cipher: BlockCipher) -> None:
    ks_enc, ks_mac = os.urandom(cipher.key_length), os.urandom(cipher.key_length)
    terminal = SecureMessaging(cipher, ks_enc, ks_mac)
    chip = ChipSecureMessaging(cipher, ks_enc, ks_mac)
    for command in COMMANDS:
        for response in RESPONSES:
            wire = terminal.wrap(command).encode()
            assert chip.unwrap_command(CommandAPDU.parse(wire)) == command
            back = ResponseAPDU.parse(chip.wrap_response(response).encode())
            assert terminal.unwrap(back) == response
    assert terminal.ssc == chip.ssc == 2 * len(COMMANDS) * len(RESPONSES)


@pytest.mark.parametrize("cipher", [DES3, AES128])
def test_ssc_wraps_around(cipher: BlockCipher) -> None:
    top = (1 << (8 * cipher.block_size)) - 1
    keys = os.urandom(cipher.key_length), os.urandom(cipher.key_length)
    terminal, chip = SecureMessaging(cipher, *keys, top), ChipSecureMessaging(cipher, *keys, top)
    command = CommandAPDU(0x00, 0xB0, 0, 0, le=4)
    assert chip.unwrap_command(terminal.wrap(command)) == command
    assert terminal.unwrap(chip.wrap_response(ResponseAPDU(b"abcd", 0x9000))).data == b"abcd"
    assert terminal.ssc == chip.ssc == 1


# -- extended length -----------------------------------------------------------


@pytest.mark.parametrize("cipher", [AES128, AES192, AES256])
def test_extended_le_65536(cipher: BlockCipher) -> None:
    sm = SecureMessaging(cipher, os.urandom(cipher.key_length), os.urandom(cipher.key_length))
    protected = sm.wrap(CommandAPDU(0x00, 0xB0, 0x00, 0x00, le=65536))
    assert protected.data.startswith(bytes.fromhex("97020000"))
    assert protected.is_extended
    raw = protected.encode()
    assert raw[4:7] == b"\x00\x00" + bytes([len(protected.data)])  # extended Lc
    assert raw.endswith(b"\x00\x00")  # extended Le = all


@pytest.mark.parametrize("cipher", [AES128, AES192, AES256])
def test_extended_body_3000_bytes(cipher: BlockCipher) -> None:
    keys = os.urandom(cipher.key_length), os.urandom(cipher.key_length)
    terminal, chip = SecureMessaging(cipher, *keys), ChipSecureMessaging(cipher, *keys)
    body = os.urandom(3000)
    protected = terminal.wrap(CommandAPDU(0x00, 0xDA, 0x01, 0x02, body))
    raw = protected.encode()
    assert protected.is_extended and raw[4] == 0 and raw.endswith(b"\x00\x00")
    assert chip.unwrap_command(CommandAPDU.parse(raw)).data == body
    big = ResponseAPDU(os.urandom(5000), 0x9000)
    assert terminal.unwrap(ResponseAPDU.parse(chip.wrap_response(big).encode())) == big


def test_short_le_stays_short() -> None:
    sm = _terminal()
    protected = sm.wrap(CommandAPDU(0x00, 0xB0, 0x00, 0x00, le=256))
    assert protected.data.startswith(bytes.fromhex("970100"))
    assert not protected.is_extended and protected.encode().endswith(b"\x00")
    protected = sm.wrap(CommandAPDU(0x00, 0xB0, 0x00, 0x00, le=257))
    assert protected.data.startswith(bytes.fromhex("97020101")) and protected.is_extended


def test_odd_ins_uses_do85() -> None:
    terminal, chip = _terminal(), _chip()
    command = CommandAPDU(0x00, 0xB1, 0x01, 0x1E, bytes.fromhex("540100"), le=0x20)
    protected = terminal.wrap(command)
    assert protected.data[0] == 0x85 and protected.data[1] == 8  # one 3DES block, no indicator
    assert chip.unwrap_command(protected) == command


def test_wrap_refuses_already_protected() -> None:
    with pytest.raises(ValueError):
        _terminal().wrap(CommandAPDU(0x0C, 0xB0, 0, 0, le=4))


# -- hostile responses ---------------------------------------------------------

EX2 = EXCHANGES[1]  # READ BINARY: DO'87' + DO'99' + DO'8E'
RAPDU2 = ResponseAPDU.parse(h(EX2["rapdu"]))
D = RAPDU2.data


def _terminal_before_response2() -> SecureMessaging:
    sm = SecureMessaging(DES3, KS_ENC, KS_MAC, SSC_START + 2)
    sm.wrap(CommandAPDU.parse(h(EX2["plain"])))
    return sm


def _signed(dos: bytes, sw: int = 0x9000) -> ResponseAPDU:
    """A response with a correct MAC over `dos` in the slot of exchange 2's answer."""
    ssc = (SSC_START + 4).to_bytes(8, "big")
    return ResponseAPDU(dos + b"\x8e\x08" + DES3.mac(KS_MAC, DES3.pad(ssc + dos)), sw)


def _cryptogram(plain_padded: bytes) -> bytes:
    return DES3.encrypt_cbc(KS_ENC, plain_padded)


def _rejects(response: ResponseAPDU) -> None:
    sm = _terminal_before_response2()
    with pytest.raises(SecureMessagingError):
        sm.unwrap(response)
    assert sm.closed
    with pytest.raises(SecureMessagingError):  # the session stays dead
        sm.wrap(CommandAPDU(0x00, 0xB0, 0, 0, le=1))


def test_signed_helper_reproduces_vector() -> None:
    assert _signed(D[:-10]) == RAPDU2
    assert _terminal_before_response2().unwrap(RAPDU2).data == h(EX2["plain_rdata"])


def _flip(data: bytes, index: int) -> bytes:
    out = bytearray(data)
    out[index] ^= 0x01
    return bytes(out)


TAMPERED = {
    "mac byte": _flip(D, len(D) - 1),
    "ciphertext byte": _flip(D, 5),
    "padding indicator": D[:2] + b"\x02" + D[3:],
    "do99 removed": D[:11] + D[15:],
    "do87 length short": D[:1] + b"\x08" + D[2:],
    "do87 length long": D[:1] + b"\x30" + D[2:],
    "do87 5-byte length field": D[:1] + b"\x85\x00\x00\x00\x00\x09" + D[2:],
    "do87 lying long form": D[:1] + b"\x84\xff\xff\xff\xff" + D[2:],
    "do8e length 9": D[:-9] + b"\x09" + D[-8:],
    "do8e length 4": D[:-9] + b"\x04" + D[-8:-4],
    "do99 length 3": D[:12] + b"\x03" + D[13:],
    "trailing byte": D + b"\x00",
    "leading padding byte": b"\x00" + D,
    "do8e missing": D[:-10],
    "do99 twice": D[:-10] + D[11:15] + D[-10:],
}


@pytest.mark.parametrize("data", TAMPERED.values(), ids=TAMPERED.keys())
def test_tampered_response_rejected(data: bytes) -> None:
    _rejects(ResponseAPDU(data, 0x9000))


@pytest.mark.parametrize("cut", range(len(D)))
def test_truncated_response_rejected(cut: int) -> None:
    _rejects(ResponseAPDU(D[:cut], 0x9000))


def test_outer_sw_disagrees_with_do99() -> None:
    _rejects(ResponseAPDU(D, 0x6A82))
    _rejects(_signed(bytes.fromhex("99026A82"), 0x9000))


SIGNED_BAD = {
    "do99 missing": lambda: _signed(D[:11]),
    "do99 3 bytes": lambda: _signed(bytes.fromhex("9903900000")),
    "bad padding": lambda: _signed(encode_tlv(0x87, b"\x01" + _cryptogram(b"\x01" * 8)) + D[11:15]),
    "padding over a block": lambda: _signed(
        encode_tlv(0x87, b"\x01" + _cryptogram(b"ab\x80" + bytes(13))) + D[11:15]
    ),
    "cryptogram not whole blocks": lambda: _signed(
        encode_tlv(0x87, b"\x01" + _cryptogram(_pad(b"x", 8))[:7]) + D[11:15]
    ),
    "empty do87": lambda: _signed(b"\x87\x00" + D[11:15]),
    "indicator only": lambda: _signed(b"\x87\x01\x01" + D[11:15]),
    "indicator 02": lambda: _signed(D[:2] + b"\x02" + D[3:15]),
    "unknown object": lambda: _signed(bytes.fromhex("810100") + D[:15]),
    "objects swapped": lambda: _signed(D[11:15] + D[:11]),
}


@pytest.mark.parametrize("build", SIGNED_BAD.values(), ids=SIGNED_BAD.keys())
def test_correctly_signed_but_invalid_rejected(build) -> None:  # type: ignore[no-untyped-def]
    _rejects(build())


def test_protected_error_status_passes_through() -> None:
    sm = _terminal_before_response2()
    assert sm.unwrap(_signed(bytes.fromhex("99026A82"), 0x6A82)) == ResponseAPDU(b"", 0x6A82)
    assert not sm.closed


@pytest.mark.parametrize("sw", [0x6987, 0x6988])
def test_plain_sm_abort_raises(sw: int) -> None:
    _rejects(ResponseAPDU(b"", sw))


def test_plain_success_without_mac_raises() -> None:
    _rejects(ResponseAPDU(b"", 0x9000))


def test_plain_error_status_is_returned_for_the_caller() -> None:
    sm = _terminal_before_response2()
    answer = sm.unwrap(ResponseAPDU(b"", 0x6A82))
    assert answer == ResponseAPDU(b"", 0x6A82) and not sm.closed
    assert sm.ssc == SSC_START + 4  # counted like a protected answer
    with pytest.raises(IdCardError) as info:
        answer.check()
    assert info.value.code == "card.file_not_found"


def test_replayed_response_rejected() -> None:
    sm = _terminal_before_response2()
    sm.unwrap(RAPDU2)
    with pytest.raises(SecureMessagingError):
        sm.unwrap(RAPDU2)

    sm = _terminal_before_response2()
    sm.unwrap(RAPDU2)
    sm.wrap(CommandAPDU.parse(h(EX2["plain"])))
    with pytest.raises(SecureMessagingError):
        sm.unwrap(RAPDU2)


# -- hostile commands (chip role) ---------------------------------------------

PCAPDU2 = h(EX2["protected_capdu"])


def _chip_before_command2() -> ChipSecureMessaging:
    return ChipSecureMessaging(DES3, KS_ENC, KS_MAC, SSC_START + 2)


def _signed_command(header: bytes, dos: bytes) -> CommandAPDU:
    ssc = (SSC_START + 3).to_bytes(8, "big")
    mac = DES3.mac(KS_MAC, DES3.pad(ssc + DES3.pad(header) + dos))
    return CommandAPDU(*header, data=dos + b"\x8e\x08" + mac, le=256)


def test_chip_signed_helper_reproduces_vector() -> None:
    assert _signed_command(PCAPDU2[:4], PCAPDU2[5:8]).encode() == PCAPDU2


BAD_COMMANDS = {
    "mac byte": lambda: PCAPDU2[:-2] + bytes([PCAPDU2[-2] ^ 1]) + PCAPDU2[-1:],
    "header changed": lambda: PCAPDU2[:3] + b"\x01" + PCAPDU2[4:],
    "no sm bits": lambda: b"\x00" + PCAPDU2[1:],
    "only one sm bit": lambda: b"\x08" + PCAPDU2[1:],
    "do97 3 bytes": lambda: _signed_command(PCAPDU2[:4], bytes.fromhex("9703000004")).encode(),
    "do87 on odd ins": lambda: _signed_command(
        bytes.fromhex("0CB1011E"), encode_tlv(0x87, b"\x01" + _cryptogram(_pad(b"T", 8)))
    ).encode(),
    "do85 on even ins": lambda: _signed_command(
        bytes.fromhex("0CD60000"), encode_tlv(0x85, _cryptogram(_pad(b"T", 8)))
    ).encode(),
    "no mac": lambda: bytes.fromhex("0CB0000003970104"),
    "no data": lambda: bytes.fromhex("0CB00000"),
}


@pytest.mark.parametrize("build", BAD_COMMANDS.values(), ids=BAD_COMMANDS.keys())
def test_chip_rejects_bad_command(build) -> None:  # type: ignore[no-untyped-def]
    chip = _chip_before_command2()
    with pytest.raises(SecureMessagingError):
        chip.unwrap_command(CommandAPDU.parse(build()))
    assert chip.closed
    with pytest.raises(SecureMessagingError):
        chip.wrap_response(ResponseAPDU(b"", 0x6988))


def test_chip_rejects_replayed_command() -> None:
    chip = _chip_before_command2()
    chip.unwrap_command(CommandAPDU.parse(PCAPDU2))
    with pytest.raises(SecureMessagingError):
        chip.unwrap_command(CommandAPDU.parse(PCAPDU2))


# -- fuzzing: nothing but typed errors ----------------------------------------


@hyp_settings
@given(data=st.binary(max_size=300), sw=st.integers(0, 0xFFFF))
def test_fuzz_unwrap_random_response(data: bytes, sw: int) -> None:
    sm = _terminal_before_response2()
    try:
        answer = sm.unwrap(ResponseAPDU(data, sw))
    except SecureMessagingError:
        return
    # Only a bare non-success, non-SM-abort status word may come through.
    assert answer == ResponseAPDU(b"", sw) and not data
    assert sw >> 8 != 0x90 and sw not in (0x6987, 0x6988)


@hyp_settings
@given(raw=st.binary(max_size=300))
def test_fuzz_unwrap_raw_bytes(raw: bytes) -> None:
    sm = _terminal_before_response2()
    try:
        sm.unwrap(ResponseAPDU.parse(raw))
    except (SecureMessagingError, MalformedResponseError):
        pass


@hyp_settings
@given(
    index=st.integers(0, len(D) - 1),
    value=st.integers(0, 255),
    mode=st.sampled_from(["replace", "insert", "delete"]),
)
@example(index=16, value=0x81, mode="insert")  # 8E 81 08: the MAC object's length re-encoded
def test_fuzz_mutated_vector_response(index: int, value: int, mode: str) -> None:
    if mode == "replace":
        assume(D[index] != value)
        data = D[:index] + bytes([value]) + D[index + 1 :]
    elif mode == "insert":
        data = D[:index] + bytes([value]) + D[index:]
    else:
        data = D[:index] + D[index + 1 :]
    with pytest.raises(SecureMessagingError):
        _terminal_before_response2().unwrap(ResponseAPDU(data, 0x9000))


@hyp_settings
@given(raw=st.binary(min_size=4, max_size=300))
def test_fuzz_chip_unwrap_command(raw: bytes) -> None:
    chip = _chip_before_command2()
    try:
        chip.unwrap_command(CommandAPDU.parse(b"\x0c" + raw[1:]))
    except (SecureMessagingError, MalformedResponseError):
        pass
