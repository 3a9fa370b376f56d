"""PACE terminal against PaceChip in process: every supported combination, and hostility.

The chip sits behind a minimal card (MSE:Set AT starts a run, GENERAL
AUTHENTICATE feeds it) that answers like the emulator: a wrong terminal
token is 63Cx/6300, bad data 6A80, a step out of order 6985.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from idcard.apdu.channel import CardChannel
from idcard.apdu.command import CommandAPDU
from idcard.apdu.tlv import encode_tlv, parse_all
from idcard.errors import (
    AuthenticationError,
    CardStatusError,
    IdCardError,
    MalformedResponseError,
    PinError,
    UnsupportedCardError,
    UsageError,
)
from idcard.protocol.pace import (
    PaceChip,
    PasswordRef,
    domain_by_id,
    mse_set_at,
    pace_password_key,
    perform_pace,
)
from idcard.protocol.pace.oids import oid_from_bytes
from reader.base import Transport

ECDH_GM = "0.4.0.127.0.7.2.2.4.2"
ECDH_IM = "0.4.0.127.0.7.2.2.4.4"
ECDH_CAM = "0.4.0.127.0.7.2.2.4.6"
DH_GM = "0.4.0.127.0.7.2.2.4.1"
DH_IM = "0.4.0.127.0.7.2.2.4.3"
SUITES = {1: "3DES", 2: "AES-128", 3: "AES-192", 4: "AES-256"}
CAN = "123456"


class ChipTransport(Transport):
    """A minimal card around PaceChip, with hooks to play a hostile chip."""

    name = "pace-chip"

    def __init__(
        self,
        password: tuple[PasswordRef, str] = (PasswordRef.CAN, CAN),
        *,
        tries_left: int | None = None,
        mse_sw: bytes = b"\x90\x00",
        tamper: Callable[[int, bytes], bytes] | None = None,
        **chip_kwargs: object,
    ) -> None:
        self.seed = pace_password_key(*password)
        self.tries_left = tries_left
        self.mse_sw = mse_sw
        self.tamper = tamper  # (GA step 1..4, response data) -> response data
        self.chip_kwargs = chip_kwargs
        self.chip: PaceChip | None = None
        self.mse_data = b""
        self.step = 0

    @property
    def atr(self) -> bytes:
        return b""

    def transmit(self, apdu: bytes) -> bytes:
        command = CommandAPDU.parse(apdu)
        if command.ins == 0x22:
            self.mse_data = command.data
            objects = {t.tag: t.value for t in parse_all(command.data)}
            oid = oid_from_bytes(objects[0x80])
            kwargs: dict = self.chip_kwargs
            self.chip = PaceChip(oid, objects[0x84][0], self.seed, **kwargs)
            self.step = 0
            return self.mse_sw
        assert self.chip is not None and command.ins == 0x86
        assert command.cla == (0x00 if self.step == 3 else 0x10), "chaining bit wrong"
        try:
            data = self.chip.general_authenticate(command.data)
        except AuthenticationError:
            if self.tries_left is None:
                return b"\x63\x00"
            self.tries_left = max(0, self.tries_left - 1)
            return bytes([0x63, 0xC0 | self.tries_left])
        except MalformedResponseError:
            return b"\x6a\x80"
        except CardStatusError as exc:
            return exc.sw.to_bytes(2, "big")
        self.step += 1
        if self.tamper is not None:
            data = self.tamper(self.step, data)
        return data + b"\x90\x00"

    def close(self) -> None:
        pass


def run(
    transport: ChipTransport,
    oid: str,
    parameter_id: int,
    password: tuple[PasswordRef, str] = (PasswordRef.CAN, CAN),
    **kwargs: object,
):  # noqa: ANN201
    options: dict = kwargs
    return perform_pace(CardChannel(transport), oid, parameter_id, *password, **options)


def assert_same_keys(transport: ChipTransport, result) -> None:  # noqa: ANN001
    chip = transport.chip
    assert chip is not None and chip.established
    assert (result.ks_enc, result.ks_mac) == (chip.ks_enc, chip.ks_mac)
    assert len(result.ks_enc) == result.cipher.key_length
    assert chip.terminal_public_key == result.terminal_public_key
    assert chip.chip_public_key == result.chip_public_key


# --- every supported combination ---------------------------------------------------------

COMBINATIONS = [
    *[(f"{ECDH_GM}.{s}", p) for s in SUITES for p in (13, 12, 15, 16, 17)],
    *[(f"{ECDH_GM}.2", p) for p in (8, 9, 10, 11, 14, 18)],
    (f"{DH_GM}.2", 0),
    (f"{DH_GM}.1", 0),
    (f"{DH_GM}.4", 2),
    (f"{ECDH_IM}.2", 13),
    (f"{ECDH_IM}.1", 13),
    (f"{ECDH_IM}.3", 12),
    (f"{ECDH_IM}.4", 17),
    (f"{DH_IM}.2", 0),
]


@pytest.mark.parametrize(("oid", "parameter_id"), COMBINATIONS)
def test_both_sides_derive_the_same_keys(oid: str, parameter_id: int) -> None:
    transport = ChipTransport()
    result = run(transport, oid, parameter_id)
    assert_same_keys(transport, result)
    assert result.algorithm_oid == oid and result.parameter_id == parameter_id


@pytest.mark.parametrize("suite", [2, 3, 4])
def test_chip_authentication_mapping(suite: int) -> None:
    domain = domain_by_id(13)
    static_private = 0x1234567890ABCDEF
    transport = ChipTransport(chip_authentication_private_key=static_private)
    result = run(transport, f"{ECDH_CAM}.{suite}", 13)
    assert_same_keys(transport, result)
    result.verify_chip_authentication(domain.encode(domain.exp(domain.generator, static_private)))
    other = domain.encode(domain.exp(domain.generator, static_private + 1))
    with pytest.raises(AuthenticationError) as err:
        result.verify_chip_authentication(other)
    assert err.value.code == "auth.chip"


def test_generic_mapping_run_is_not_cam() -> None:
    result = run(ChipTransport(), f"{ECDH_GM}.2", 13)
    with pytest.raises(UsageError):
        result.verify_chip_authentication(b"\x04" + bytes(64))


def test_secure_messaging_objects_share_keys() -> None:
    sm = pytest.importorskip("idcard.protocol.sm")
    transport = ChipTransport()
    result = run(transport, f"{ECDH_GM}.2", 13)
    terminal, chip = result.secure_messaging(), transport.chip.secure_messaging()
    assert isinstance(terminal, sm.SecureMessaging) and isinstance(chip, sm.ChipSecureMessaging)
    protected = terminal.wrap(CommandAPDU(0x00, 0xB0, 0, 0, le=4))
    assert chip.unwrap_command(protected).ins == 0xB0


def test_cars_are_passed_through() -> None:
    transport = ChipTransport(cars=[b"DETESTCVCA00003", b"DETESTCVCA00002"])
    # id-IS role with all access bits set, as ICAO 9303-11 §4.4.4.1 asks.
    chat_body = encode_tlv(0x06, bytes.fromhex("04007F000703010201")) + encode_tlv(0x53, b"\x03")
    chat = encode_tlv(0x7F4C, chat_body)
    result = run(transport, f"{ECDH_GM}.2", 13, chat=chat)
    assert (result.car, result.previous_car) == (b"DETESTCVCA00003", b"DETESTCVCA00002")
    assert transport.mse_data.endswith(chat)


# --- wrong passwords and MSE:Set AT status --------------------------------------------------


def test_wrong_can_is_an_authentication_error() -> None:
    transport = ChipTransport((PasswordRef.CAN, "654321"))
    with pytest.raises(AuthenticationError) as err:
        run(transport, f"{ECDH_GM}.2", 13)
    assert err.value.code == "auth.password"


def test_wrong_pin_reports_tries_left() -> None:
    transport = ChipTransport((PasswordRef.PIN, "111111"), tries_left=3)
    with pytest.raises(PinError) as err:
        run(transport, f"{ECDH_GM}.2", 13, (PasswordRef.PIN, "222222"))
    assert err.value.tries_left == 2 and err.value.code == "pin.wrong"


def test_mse_retry_counter_warning_does_not_stop_pace() -> None:
    transport = ChipTransport((PasswordRef.PIN, "123456"), mse_sw=b"\x63\xc2")
    result = run(transport, f"{ECDH_GM}.2", 13, (PasswordRef.PIN, "123456"))
    assert result.mse_status == 0x63C2
    assert_same_keys(transport, result)


@pytest.mark.parametrize(
    ("sw", "error", "code"),
    [
        (b"\x63\xc0", PinError, "pin.blocked"),
        (b"\x69\x83", PinError, "pin.blocked"),
        (b"\x69\x85", CardStatusError, "card.conditions"),
        (b"\x6a\x80", CardStatusError, "card.wrong_data"),
    ],
)
def test_mse_errors_stop_pace(sw: bytes, error: type, code: str) -> None:
    with pytest.raises(error) as err:
        run(ChipTransport(mse_sw=sw), f"{ECDH_GM}.2", 13)
    assert err.value.code == code


def test_caller_sent_mse_set_at_itself() -> None:
    transport = ChipTransport((PasswordRef.PIN, "123456"), mse_sw=b"\x63\xc1")
    channel = CardChannel(transport)
    assert mse_set_at(channel, f"{ECDH_GM}.2", PasswordRef.PIN, 13) == 0x63C1
    result = perform_pace(
        channel, f"{ECDH_GM}.2", 13, PasswordRef.PIN, "123456", skip_mse=True
    )
    assert result.mse_status is None
    assert channel.stats.apdus == 5
    assert_same_keys(transport, result)


# --- a chip that is not genuine (terminal side) ---------------------------------------------


def _replace_object(tag: int, value: bytes) -> Callable[[bytes], bytes]:
    return lambda data: encode_tlv(0x7C, encode_tlv(tag, value))


def _tamper_at(step: int, change: Callable[[bytes], bytes]) -> Callable[[int, bytes], bytes]:
    return lambda n, data: change(data) if n == step else data


def test_tampered_chip_token() -> None:
    def flip_last_byte(data: bytes) -> bytes:
        return data[:-1] + bytes([data[-1] ^ 1])

    with pytest.raises(AuthenticationError) as err:
        run(ChipTransport(tamper=_tamper_at(4, flip_last_byte)), f"{ECDH_GM}.2", 13)
    assert err.value.code == "auth.chip"


def _off_curve(domain_id: int) -> bytes:
    domain = domain_by_id(domain_id)
    g = domain.encode(domain.generator)
    return g[:-1] + bytes([g[-1] ^ 1])


@pytest.mark.parametrize(
    ("step", "change"),
    [
        (1, lambda d: d[:-3]),  # truncated TLV
        (1, lambda d: b"\x7d" + d[1:]),  # wrong template tag
        (1, _replace_object(0x80, b"\x01" * 15)),  # nonce not a block multiple
        (1, lambda d: encode_tlv(0x7C, b"")),  # nonce missing
        (2, _replace_object(0x82, _off_curve(13))),
        (2, _replace_object(0x82, b"\x00")),  # point at infinity
        (2, _replace_object(0x82, b"\x04" + bytes(64))),  # (0, 0) is not on the curve
        (2, _replace_object(0x82, b"\x02" + bytes(32))),  # compressed: not allowed
        (3, _replace_object(0x84, _off_curve(13))),
        (3, _replace_object(0x84, b"\x00")),
        (3, lambda d: d + b"\x00\x01"),  # trailing garbage after the template
        (4, _replace_object(0x87, b"CAR")),  # token missing
    ],
)
def test_terminal_rejects_hostile_chip_data(step: int, change: Callable[[bytes], bytes]) -> None:
    with pytest.raises(MalformedResponseError):
        run(ChipTransport(tamper=_tamper_at(step, change)), f"{ECDH_GM}.2", 13)


class ReflectingTransport(ChipTransport):
    """Answers the terminal's own public key back at one step."""

    def __init__(self, reflect_step: int) -> None:
        super().__init__()
        self.reflect_step = reflect_step

    def transmit(self, apdu: bytes) -> bytes:
        command = CommandAPDU.parse(apdu)
        answer = super().transmit(apdu)
        if command.ins == 0x86 and self.step == self.reflect_step:
            (sent,) = parse_all(parse_all(command.data)[0].value)
            tag = {2: 0x82, 3: 0x84}[self.reflect_step]
            return encode_tlv(0x7C, encode_tlv(tag, sent.value)) + b"\x90\x00"
        return answer


@pytest.mark.parametrize("step", [2, 3])
def test_terminal_rejects_its_own_key_reflected(step: int) -> None:
    with pytest.raises(AuthenticationError) as err:
        run(ReflectingTransport(step), f"{ECDH_GM}.2", 13)
    assert err.value.code == "auth.chip"


@pytest.mark.parametrize(
    "value",
    [
        b"\x01",  # the neutral element
        b"\x00",
        (domain_by_id(0).p - 1).to_bytes(128, "big"),  # order 2
        domain_by_id(0).p.to_bytes(128, "big"),  # not reduced
        b"\x02",  # 2 is not in the order-q subgroup of this group
        b"\x01" * 129,  # longer than p
    ],
)
def test_terminal_rejects_hostile_dh_values(value: bytes) -> None:
    assert pow(2, domain_by_id(0).q, domain_by_id(0).p) != 1
    with pytest.raises(MalformedResponseError):
        run(ChipTransport(tamper=_tamper_at(2, _replace_object(0x82, value))), f"{DH_GM}.2", 0)


def test_integrated_mapping_answer_must_be_empty() -> None:
    with pytest.raises(MalformedResponseError):
        run(ChipTransport(tamper=_tamper_at(2, _replace_object(0x82, b"\x00"))), f"{ECDH_IM}.2", 13)


# --- a terminal that is hostile (chip side) ---------------------------------------------------


def _chip(oid: str = f"{ECDH_GM}.2", parameter_id: int = 13, **kwargs: object) -> PaceChip:
    options: dict = kwargs
    return PaceChip(oid, parameter_id, pace_password_key(PasswordRef.CAN, CAN), **options)


def _ga(tag: int, value: bytes) -> bytes:
    return encode_tlv(0x7C, encode_tlv(tag, value))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x7c",
        b"\x7c\x05\x81\x03",  # length beyond the data
        b"\x7d\x00",  # wrong tag
        _ga(0x83, _off_curve(13)),  # wrong step's tag
        _ga(0x81, _off_curve(13)),
        _ga(0x81, b"\x00"),
        _ga(0x81, b"\x04" + bytes(64)),
        encode_tlv(0x7C, encode_tlv(0x81, _off_curve(13)) + encode_tlv(0x81, _off_curve(13))),
    ],
)
def test_chip_rejects_hostile_mapping_data(data: bytes) -> None:
    chip = _chip()
    chip.general_authenticate(b"\x7c\x00")
    with pytest.raises(MalformedResponseError):
        chip.general_authenticate(data)
    # A failed run is over: nothing more is answered until a new MSE:Set AT.
    with pytest.raises(CardStatusError) as err:
        chip.general_authenticate(_ga(0x81, domain_by_id(13).encode(domain_by_id(13).generator)))
    assert err.value.sw == 0x6985


def test_chip_rejects_its_own_mapping_key_reflected() -> None:
    domain = domain_by_id(13)
    map_private = 0x42
    rng_values = [bytes(16), map_private.to_bytes(32, "big")]
    chip = _chip(rng=lambda n: rng_values.pop(0))
    chip.general_authenticate(b"\x7c\x00")
    own = domain.encode(domain.exp(domain.generator, map_private))
    with pytest.raises(MalformedResponseError):
        chip.general_authenticate(_ga(0x81, own))


def test_chip_rejects_data_in_the_first_step() -> None:
    with pytest.raises(MalformedResponseError):
        _chip().general_authenticate(_ga(0x80, b"\x00" * 16))


def test_chip_rejects_wrong_terminal_token_and_stops() -> None:
    domain = domain_by_id(13)
    chip = _chip()
    chip.general_authenticate(b"\x7c\x00")
    chip.general_authenticate(_ga(0x81, domain.encode(domain.exp(domain.generator, 5))))
    chip.general_authenticate(_ga(0x83, domain.encode(domain.exp(domain.generator, 7))))
    with pytest.raises(AuthenticationError):
        chip.general_authenticate(_ga(0x85, bytes(8)))
    assert not chip.established
    with pytest.raises(UsageError):
        chip.secure_messaging()
    with pytest.raises(CardStatusError):
        chip.general_authenticate(_ga(0x85, bytes(8)))


def test_chip_rejects_wrong_im_nonce_length() -> None:
    chip = _chip(f"{ECDH_IM}.2")
    chip.general_authenticate(b"\x7c\x00")
    with pytest.raises(MalformedResponseError):
        chip.general_authenticate(_ga(0x81, bytes(15)))


# --- unsupported combinations and bad input -------------------------------------------------


@pytest.mark.parametrize(
    ("oid", "parameter_id"),
    [
        (f"{ECDH_IM}.2", 10),  # P-224 cannot do the IM point encoding
        (f"{DH_GM}.2", 13),  # DH OID with a curve
        (f"{ECDH_GM}.2", 0),  # ECDH OID with a MODP group
        (f"{ECDH_GM}.2", 5),  # RFU id
        (f"{ECDH_CAM}.1", 13),  # CAM has no 3DES variant
        ("0.4.0.127.0.7.2.2.4.9.2", 13),
    ],
)
def test_unsupported_combinations(oid: str, parameter_id: int) -> None:
    with pytest.raises(UnsupportedCardError):
        run(ChipTransport(), oid, parameter_id)
    with pytest.raises(UnsupportedCardError):
        _chip(oid, parameter_id)


def test_cam_chip_needs_its_static_key() -> None:
    with pytest.raises(UsageError):
        _chip(f"{ECDH_CAM}.2")


@pytest.mark.parametrize(
    ("ref", "secret"),
    [(PasswordRef.PIN, "12a456"), (PasswordRef.PUK, ""), (PasswordRef.CAN, "1234€")],
)
def test_bad_passwords_are_usage_errors(ref: PasswordRef, secret: str) -> None:
    with pytest.raises(UsageError) as err:
        pace_password_key(ref, secret)
    assert secret not in err.value.message or not secret


def test_invalid_chat_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        run(ChipTransport(), f"{ECDH_GM}.2", 13, chat=b"\x7f\x4c\x05\x00")


def test_every_error_is_typed() -> None:
    """Random garbage from the chip at every step never escapes as a bare exception."""
    import random

    rnd = random.Random(7)
    for _ in range(200):
        step = rnd.randint(1, 4)
        garbage = bytes(rnd.randrange(256) for _ in range(rnd.randint(0, 80)))
        transport = ChipTransport(tamper=_tamper_at(step, lambda d, g=garbage: d[:2] + g))
        with pytest.raises(IdCardError):
            run(transport, f"{ECDH_GM}.2", 13)
