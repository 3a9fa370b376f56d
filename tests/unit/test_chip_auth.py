"""Chip Authentication v1: terminal against the emulator and ChipAuthChip, specimens, chip keys."""

from __future__ import annotations

import json
import os
from typing import Unpack

import pytest
from asn1crypto import algos, core
from asn1crypto import keys as asn1_keys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from idcard.apdu.channel import CardChannel
from idcard.apdu.command import CommandAPDU
from idcard.apdu.response import ResponseAPDU
from idcard.apdu.tlv import encode_tlv, parse_single
from idcard.errors import (
    CardStatusError,
    MalformedResponseError,
    SecureMessagingError,
    UnsupportedCardError,
    UsageError,
)
from idcard.lds.security_infos import (
    STANDARDIZED_DOMAIN_PARAMETERS,
    ActiveAuthenticationInfo,
    AlgorithmIdentifier,
    ChipAuthenticationInfo,
    ChipAuthenticationPublicKeyInfo,
    PaceInfo,
    SecurityInfos,
    SubjectPublicKeyInfo,
    encode_security_infos,
    parse_dg14,
    parse_security_infos,
)
from idcard.protocol.active_auth import load_aa_public_key
from idcard.protocol.chip_auth import (
    CA_ALGORITHMS,
    CLONE_REASON,
    ChipAuthChip,
    chip_authentication,
    choose_chip_authentication,
    confirm_chip_authentication,
    domain_from_algorithm,
)
from idcard.protocol.ciphers import AES128, DES3, BlockCipher
from idcard.protocol.pace.oids import PasswordRef
from idcard.protocol.pace.params import DhDomain, EcDomain, domain_by_id
from idcard.protocol.sm import ChipSecureMessaging, SecureMessaging
from idcard.session import IdCard
from idcard.verdict import Result
from mock_card.card import EmulatedCard
from mock_card.chip_keys import ChipKeyOptions, add_chip_keys, generate_chip_keys
from mock_card.filesystem import FID_COM, dg_fid
from mock_card.image import PROFILE_PASSPORT_BAC, CardImage
from mock_card.personalize import DEMO_CITIZEN, personalize
from reader.base import Transport
from reader.emulated import EmulatedTransport
from tests.vectors import VECTORS

LDS = VECTORS / "lds"
CA = "0.4.0.127.0.7.2.2.3"
ECDH_3DES, ECDH_AES128, ECDH_AES192, ECDH_AES256 = (f"{CA}.2.{i}" for i in (1, 2, 3, 4))
DH_3DES, DH_AES128 = f"{CA}.1.1", f"{CA}.1.2"
ID_PK_DH, ID_PK_ECDH = "0.4.0.127.0.7.2.2.1.1", "0.4.0.127.0.7.2.2.1.2"
SPECIMEN_DG14 = {
    "bsi2008": LDS / "bsi2008-mustermann" / "Datagroup14.bin",
    "tr03105-5": LDS / "bsi-tr03105-5" / "Datagroup14.bin",
    "etsi": LDS / "etsi-tr103200" / "ETSI_TR103200_EACAA_EF_DG14.bin",
}


def keyed_card(
    seed: bytes = b"ca-test",
    *,
    dg14_seed: bytes | None = None,
    profile: str = "nid-v1",
    **options: Unpack[ChipKeyOptions],
) -> EmulatedCard:
    """A demo card with chip keys from `seed`; `dg14_seed` puts another chip's DG14 on it."""
    image = personalize(profile=profile)
    add_chip_keys(image, seed, **options)
    if dg14_seed is not None:
        image.files["lds"][dg_fid(14)] = generate_chip_keys(dg14_seed, **options).dg14
    return EmulatedCard(image)


def unlocked(card: EmulatedCard) -> IdCard:
    session = IdCard(EmulatedTransport(card))
    if card.image.settings.profile == PROFILE_PASSPORT_BAC:
        session.unlock_bac(DEMO_CITIZEN.mrz_information)
    else:
        session.unlock(PasswordRef.PIN, "123456")
    return session


def sent_headers(card: EmulatedCard, since: int = 0) -> list[str]:
    return [entry.command[:4].hex() for entry in card.transcript[since:]]


# --- against the emulator ----------------------------------------------------------------


def test_aes_variant_mse_set_at_and_general_authenticate() -> None:
    card = keyed_card()
    session = unlocked(card)
    dg14 = session.read_dg(14)
    mark = len(card.transcript)
    check, sm = chip_authentication(session._channel, dg14)
    assert check.result is Result.PASSED, check.reason
    assert check.code == "chip.chip_auth"
    assert check.details == {
        "algorithm": "id-CA-ECDH-AES-CBC-CMAC-128",
        "domain": "brainpoolP256r1",
    }
    assert isinstance(sm, SecureMessaging) and session._channel.secure is sm
    assert sm.ssc == 2  # restarted at 0; the confirming SELECT used 1 and 2
    assert sent_headers(card, mark) == ["0c2241a4", "0c860000", "0ca4040c"]
    # Everything after travels under the new keys.
    assert session.read_ef_com() == card.image.files["lds"][FID_COM]
    assert session.read_dg(1) == card.image.files["lds"][dg_fid(1)]


def test_3des_variant_mse_set_kat() -> None:
    card = keyed_card(b"kat", ca_oid=ECDH_3DES)
    session = unlocked(card)
    dg14 = parse_dg14(session.read_dg(14))  # parsed SecurityInfos work as well as bytes
    mark = len(card.transcript)
    check, sm = chip_authentication(session._channel, dg14)
    assert check.result is Result.PASSED, check.reason
    assert check.details["algorithm"] == "id-CA-ECDH-3DES-CBC-CBC"
    assert sm.cipher is DES3  # type: ignore[attr-defined]
    assert sent_headers(card, mark) == ["0c2241a6", "0ca4040c"]
    assert session.read_ef_com() == card.image.files["lds"][FID_COM]


@pytest.mark.parametrize(
    ("ca_oid", "key_id"),
    [(ECDH_AES192, None), (ECDH_AES256, 3), (ECDH_3DES, 1), (ECDH_AES128, 300)],
)
def test_other_suites_and_key_ids(ca_oid: str, key_id: int | None) -> None:
    card = keyed_card(b"suites", ca_oid=ca_oid, ca_key_id=key_id)
    session = unlocked(card)
    check, _ = chip_authentication(session._channel, session.read_dg(14))
    assert check.result is Result.PASSED, check.reason
    assert check.details.get("keyId") == key_id
    assert session.read_dg(11) == card.image.files["lds"][dg_fid(11)]


@pytest.mark.parametrize("ca_oid", [ECDH_AES128, ECDH_3DES])
def test_wrong_chip_key_fails_as_a_clone(ca_oid: str) -> None:
    """The card's DG14 (of a genuine chip) declares a key the card does not hold."""
    card = keyed_card(b"clone", dg14_seed=b"genuine", ca_oid=ca_oid)
    session = unlocked(card)
    check, sm = chip_authentication(session._channel, session.read_dg(14))
    assert check.result is Result.FAILED
    assert check.reason == CLONE_REASON
    assert check.details["error"] == "sm.mac"
    assert not session.secure  # the card ended secure messaging
    assert isinstance(sm, SecureMessaging) and sm.closed
    session._channel.secure = sm  # what a caller that installs blindly gets:
    with pytest.raises(SecureMessagingError):
        session.read_ef_com()


def test_deferred_confirmation() -> None:
    card = keyed_card()
    session = unlocked(card)
    dg14 = session.read_dg(14)
    old = session._channel.secure
    check, sm = chip_authentication(session._channel, dg14, confirm=False)
    assert check.result is Result.NOT_PERFORMED
    assert session._channel.secure is old  # nothing installed, nothing sent under the new keys
    session._channel.secure = sm
    confirmed = confirm_chip_authentication(session._channel)
    assert confirmed.result is Result.PASSED, confirmed.reason
    assert session.read_ef_com() == card.image.files["lds"][FID_COM]


def test_deferred_confirmation_of_a_clone() -> None:
    session = unlocked(keyed_card(b"clone", dg14_seed=b"genuine"))
    check, sm = chip_authentication(session._channel, session.read_dg(14), confirm=False)
    session._channel.secure = sm
    confirmed = confirm_chip_authentication(session._channel)
    assert (confirmed.result, confirmed.reason) == (Result.FAILED, CLONE_REASON)


def test_chip_authentication_twice_and_active_authentication_after_it() -> None:
    from idcard.protocol.active_auth import active_authentication

    card = keyed_card()
    session = unlocked(card)
    dg14, dg15 = session.read_dg(14), session.read_dg(15)
    for _ in range(2):
        check, _sm = chip_authentication(session._channel, dg14)
        assert check.result is Result.PASSED, check.reason
    assert active_authentication(session._channel, dg15).result is Result.PASSED


@pytest.mark.parametrize("ca_oid", [ECDH_3DES, ECDH_AES128])
def test_bac_passport_with_chip_authentication(ca_oid: str) -> None:
    card = keyed_card(b"passport", profile=PROFILE_PASSPORT_BAC, ca_oid=ca_oid)
    session = unlocked(card)
    assert not session.extended_length
    check, _ = chip_authentication(session._channel, session.read_dg(14))
    assert check.result is Result.PASSED, check.reason
    assert session.read_dg(2) == card.image.files["lds"][dg_fid(2)]


def test_card_without_a_ca_key_refuses_with_its_status() -> None:
    image = personalize()
    image.keys = {}  # no CA key: the engine answers 41 A4 as before keys existed
    card = EmulatedCard(image)
    session = unlocked(card)
    dg14 = generate_chip_keys(b"other").dg14
    check, channel_sm = chip_authentication(session._channel, dg14)
    assert check.result is Result.FAILED and "6A86" in check.reason
    assert check.details["sw"] == "6A86"
    assert channel_sm is session._channel.secure  # unchanged and still working
    assert session.read_ef_com() == card.image.files["lds"][FID_COM]


def test_chip_authentication_needs_secure_messaging() -> None:
    card = keyed_card()
    session = IdCard(EmulatedTransport(card))
    with pytest.raises(UsageError):
        chip_authentication(session._channel, card.image.files["lds"][dg_fid(14)])
    # And the card refuses CA outside secure messaging.
    data = encode_tlv(0x80, bytes.fromhex("04007F000702020302"))
    assert session._channel.send(CommandAPDU(0x00, 0x22, 0x41, 0xA4, data)).sw == 0x6982


def test_dg14_without_chip_authentication_is_not_performed() -> None:
    session = unlocked(keyed_card())
    only_aa = SecurityInfos(
        [ActiveAuthenticationInfo("2.23.136.1.1.5", 1, "0.4.0.127.0.7.1.1.4.1.3")]
    )
    check, sm = chip_authentication(session._channel, only_aa)
    assert check.result is Result.NOT_PERFORMED
    assert sm is session._channel.secure
    check, _ = chip_authentication(session._channel, b"\x6e\x03\x31\x01\x00")
    assert check.result is Result.FAILED and "DG14" in check.reason


def test_pace_after_an_armed_chip_authentication_is_pace() -> None:
    """GENERAL AUTHENTICATE belongs to whichever MSE:Set AT came last."""
    card = keyed_card()
    session = unlocked(card)
    data = encode_tlv(0x80, bytes.fromhex("04007F00070202030202"))
    assert session._channel.send(CommandAPDU(0x00, 0x22, 0x41, 0xA4, data)).sw == 0x9000
    session.unlock(PasswordRef.CAN, "123456")  # a PACE MSE:Set AT disarms CA; its GAs are PACE's
    assert session.read_ef_com() == card.image.files["lds"][FID_COM]
    check, _ = chip_authentication(session._channel, session.read_dg(14))
    assert check.result is Result.PASSED, check.reason


def test_card_answers_to_bad_chip_authentication_commands() -> None:
    session = unlocked(keyed_card(ca_key_id=5))
    send = session._channel.send
    oid = encode_tlv(0x80, bytes.fromhex("04007F00070202030202"))
    assert send(CommandAPDU(0x00, 0x22, 0x41, 0xA4, oid + encode_tlv(0x84, b"\x06"))).sw == 0x6A88
    wrong_oid = encode_tlv(0x80, bytes.fromhex("04007F00070202030204"))
    assert send(CommandAPDU(0x00, 0x22, 0x41, 0xA4, wrong_oid)).sw == 0x6A80
    kat = encode_tlv(0x91, b"\x04" + bytes(64))
    assert send(CommandAPDU(0x00, 0x22, 0x41, 0xA6, kat)).sw == 0x6985  # KAT is for 3DES
    assert send(CommandAPDU(0x00, 0x22, 0x41, 0xA4, oid)).sw == 0x9000
    bad_point = encode_tlv(0x7C, encode_tlv(0x80, b"\x04" + bytes(64)))
    assert send(CommandAPDU(0x00, 0x86, 0x00, 0x00, bad_point, le=256)).sw == 0x6A80
    # The failed GA disarmed CA: the next GA is PACE's, with no PACE set up.
    assert send(CommandAPDU(0x00, 0x86, 0x00, 0x00, bad_point, le=256)).sw == 0x6985
    assert session.read_ef_com()  # the old secure messaging is intact


# --- ChipAuthChip and the terminal in process: DH, explicit parameters --------------------


class CaChipTransport(Transport):
    """A minimal chip: an open SM session with ChipAuthChip behind it."""

    name = "ca-chip"

    def __init__(self, chip: ChipAuthChip, cipher: BlockCipher = AES128) -> None:
        ks_enc, ks_mac = os.urandom(cipher.key_length), os.urandom(cipher.key_length)
        self.terminal_sm = SecureMessaging(cipher, ks_enc, ks_mac)
        self.sm = ChipSecureMessaging(cipher, ks_enc, ks_mac)
        self.chip = chip

    @property
    def atr(self) -> bytes:
        return b""

    def transmit(self, apdu: bytes) -> bytes:
        try:
            cmd = self.sm.unwrap_command(CommandAPDU.parse(apdu))
        except SecureMessagingError:
            return b"\x69\x88"
        pending: ChipSecureMessaging | None = None
        response = ResponseAPDU(b"", 0x9000)
        try:
            if (cmd.ins, cmd.p1, cmd.p2) == (0x22, 0x41, 0xA6):
                pending = self.chip.mse_set_kat(cmd.data)
            elif (cmd.ins, cmd.p1, cmd.p2) == (0x22, 0x41, 0xA4):
                self.chip.mse_set_at(cmd.data)
            elif cmd.ins == 0x86:
                data, pending = self.chip.general_authenticate(cmd.data)
                response = ResponseAPDU(data, 0x9000)
        except CardStatusError as exc:
            response = ResponseAPDU(b"", exc.sw)
        except MalformedResponseError:
            response = ResponseAPDU(b"", 0x6A80)
        answer = self.sm.wrap_response(response).encode()
        if pending is not None:
            self.sm = pending
        return answer

    def close(self) -> None:
        pass


def dh_public_key_info(domain_algorithm: AlgorithmIdentifier, y: int, key_id: int | None = None):  # noqa: ANN201
    spki = SubjectPublicKeyInfo(domain_algorithm, core.Integer(y).dump())
    return ChipAuthenticationPublicKeyInfo(ID_PK_DH, spki, key_id)


def run_in_process(chip: ChipAuthChip, infos: SecurityInfos) -> tuple[Result, object]:
    transport = CaChipTransport(chip)
    channel = CardChannel(transport, extended_length=True)
    channel.secure = transport.terminal_sm
    check, sm = chip_authentication(channel, infos)
    return check.result, sm


def _standardized(parameter_id: int) -> AlgorithmIdentifier:
    return AlgorithmIdentifier(STANDARDIZED_DOMAIN_PARAMETERS, core.Integer(parameter_id).dump())


@pytest.mark.parametrize("ca_oid", [DH_AES128, DH_3DES])
def test_dh_with_a_standardized_group(ca_oid: str) -> None:
    domain = domain_by_id(2)
    assert isinstance(domain, DhDomain)
    x = domain.random_private(os.urandom)
    chip = ChipAuthChip(x, 2, ca_oid)
    infos = SecurityInfos(
        [
            ChipAuthenticationInfo(ca_oid, 1),
            dh_public_key_info(_standardized(2), pow(domain.g, x, domain.p)),
        ]
    )
    assert run_in_process(chip, infos)[0] is Result.PASSED
    wrong = ChipAuthChip(domain.random_private(os.urandom), 2, ca_oid)
    assert run_in_process(wrong, infos)[0] is Result.FAILED


def test_dh_with_explicit_pkcs3_parameters_of_the_specimen() -> None:
    """The spec sample's DH group (not RFC 5114, no q) with our own chip key."""
    sample = parse_dg14((LDS / "spec_sample_encoded_dg14.bin").read_bytes())
    algorithm = sample.chip_authentication_public_keys[0].public_key.algorithm
    domain = domain_from_algorithm(algorithm)
    assert isinstance(domain, DhDomain) and domain.parameter_id == -1
    assert domain.p.bit_length() == 1024
    x = domain.random_private(os.urandom)
    infos = SecurityInfos([dh_public_key_info(algorithm, pow(domain.g, x, domain.p))])
    choice = choose_chip_authentication(infos)  # no ChipAuthenticationInfo: 3DES implied
    assert choice.algorithm.oid == DH_3DES
    assert run_in_process(ChipAuthChip(x, domain, DH_3DES), infos)[0] is Result.PASSED


def test_dh_x942_parameters_match_the_standardized_group() -> None:
    group = domain_by_id(1)
    assert isinstance(group, DhDomain)
    params = asn1_keys.DomainParameters({"p": group.p, "g": group.g, "q": group.q}).dump()
    domain = domain_from_algorithm(AlgorithmIdentifier("1.2.840.10046.2.1", params))
    assert domain is group
    pkcs3 = algos.DHParameters({"p": group.p, "g": group.g}).dump()
    assert domain_from_algorithm(AlgorithmIdentifier("1.2.840.113549.1.3.1", pkcs3)) is group


def _ec_public_key_info(parameter_id: int, explicit: bool, point: bytes, key_id: int | None = None):  # noqa: ANN201
    domain = domain_by_id(parameter_id)
    assert isinstance(domain, EcDomain)
    if explicit:
        f, n = domain.field, domain.field_bytes
        params = asn1_keys.ECDomainParameters(
            name="specified",
            value={
                "version": "ecdpVer1",
                "field_id": {"field_type": "prime_field", "parameters": int(f.p())},
                "curve": {"a": (f.a() % f.p()).to_bytes(n, "big"), "b": f.b().to_bytes(n, "big")},
                "base": domain.encode(domain.generator),
                "order": int(domain.order),
                "cofactor": 1,
            },
        ).dump()
    else:
        oid = ".".join(map(str, domain.curve.oid))
        params = asn1_keys.ECDomainParameters(name="named", value=oid).dump()
    algorithm = AlgorithmIdentifier("1.2.840.10045.2.1", params)
    return ChipAuthenticationPublicKeyInfo(
        ID_PK_ECDH, SubjectPublicKeyInfo(algorithm, point), key_id
    )


@pytest.mark.parametrize("explicit", [True, False], ids=["explicit", "named"])
@pytest.mark.parametrize("parameter_id", [11, 12, 16])
def test_ecdh_keys_with_curve_parameters(parameter_id: int, explicit: bool) -> None:
    domain = domain_by_id(parameter_id)
    private = domain.random_private(os.urandom)
    chip = ChipAuthChip(private, parameter_id, ECDH_AES128, key_id=2)
    infos = SecurityInfos(
        [
            ChipAuthenticationInfo(ECDH_AES128, 1, 2),
            _ec_public_key_info(parameter_id, explicit, chip.public_key, key_id=2),
        ]
    )
    assert (
        domain_from_algorithm(infos.chip_authentication_public_keys[0].public_key.algorithm)
        is domain
    )
    assert run_in_process(chip, infos)[0] is Result.PASSED


def test_unknown_explicit_curve_and_garbage_parameters() -> None:
    domain = domain_by_id(12)
    assert isinstance(domain, EcDomain)
    f, n = domain.field, domain.field_bytes
    params = asn1_keys.ECDomainParameters(
        name="specified",
        value={
            "version": "ecdpVer1",
            "field_id": {"field_type": "prime_field", "parameters": int(f.p())},
            "curve": {"a": (f.a() % f.p()).to_bytes(n, "big"), "b": (f.b() + 1).to_bytes(n, "big")},
            "base": domain.encode(domain.generator),
            "order": int(domain.order),
        },
    ).dump()
    with pytest.raises(UnsupportedCardError):
        domain_from_algorithm(AlgorithmIdentifier("1.2.840.10045.2.1", params))
    with pytest.raises(MalformedResponseError):
        domain_from_algorithm(AlgorithmIdentifier("1.2.840.10045.2.1", b"\x30\x03\x02\x01"))
    with pytest.raises(UnsupportedCardError):
        domain_from_algorithm(AlgorithmIdentifier("1.2.3.4", None))


# --- ChipAuthChip on its own --------------------------------------------------------------


def _chip(ca_oid: str = ECDH_AES128, key_id: int | None = None) -> ChipAuthChip:
    key = ec.generate_private_key(ec.BrainpoolP256R1())
    return ChipAuthChip(key, None, ca_oid, key_id)


def _ephemeral(parameter_id: int = 13) -> bytes:
    domain = domain_by_id(parameter_id)
    return domain.encode(domain.exp(domain.generator, domain.random_private(os.urandom)))


def test_chip_refuses_hostile_input() -> None:
    oid = encode_tlv(0x80, bytes.fromhex("04007F00070202030202"))
    chip = _chip()
    with pytest.raises(CardStatusError) as caught:  # GA before MSE:Set AT
        chip.general_authenticate(encode_tlv(0x7C, encode_tlv(0x80, _ephemeral())))
    assert caught.value.sw == 0x6985
    with pytest.raises(CardStatusError) as caught:  # KAT is 3DES-only
        chip.mse_set_kat(encode_tlv(0x91, _ephemeral()))
    assert caught.value.sw == 0x6985
    with pytest.raises(MalformedResponseError):  # another algorithm
        chip.mse_set_at(encode_tlv(0x80, bytes.fromhex("04007F00070202030201")))
    with pytest.raises(MalformedResponseError):  # unexpected object
        chip.mse_set_at(oid + encode_tlv(0x83, b"\x03"))
    with pytest.raises(CardStatusError) as caught:  # a key id the chip does not have
        chip.mse_set_at(oid + encode_tlv(0x84, b"\x01"))
    assert caught.value.sw == 0x6A88
    for bad in (
        b"\x04" + bytes(64),  # not on the curve
        _ephemeral(12),  # a point of another curve
        chip.public_key,  # the chip's own key reflected
        b"",
    ):
        chip.mse_set_at(oid)
        with pytest.raises(MalformedResponseError):
            chip.general_authenticate(encode_tlv(0x7C, encode_tlv(0x80, bad)))
    chip.mse_set_at(oid)
    with pytest.raises(MalformedResponseError):  # not a 7C template
        chip.general_authenticate(encode_tlv(0x80, _ephemeral()))
    chip.mse_set_at(oid)
    answer, sm = chip.general_authenticate(encode_tlv(0x7C, encode_tlv(0x80, _ephemeral())))
    assert answer == b"\x7c\x00" and isinstance(sm, ChipSecureMessaging) and sm.ssc == 0


def test_chip_key_id_and_kat() -> None:
    chip = _chip(ECDH_3DES, key_id=258)
    sm = chip.mse_set_kat(encode_tlv(0x91, _ephemeral()) + encode_tlv(0x84, b"\x01\x02"))
    assert sm.cipher is DES3
    with pytest.raises(CardStatusError):
        chip.mse_set_kat(encode_tlv(0x91, _ephemeral()) + encode_tlv(0x84, b"\x01"))
    with pytest.raises(MalformedResponseError):
        chip.mse_set_kat(encode_tlv(0x84, b"\x01\x02"))


def test_chip_construction_is_checked() -> None:
    with pytest.raises(UsageError):
        ChipAuthChip(5, 2, ECDH_AES128)  # ECDH suite on a DH group
    with pytest.raises(UsageError):
        ChipAuthChip(0, 13, ECDH_AES128)
    with pytest.raises(UsageError):
        ChipAuthChip(5, None, ECDH_AES128)
    with pytest.raises(UsageError):
        ChipAuthChip(ec.generate_private_key(ec.SECP256R1()), 13, ECDH_AES128)
    with pytest.raises(UnsupportedCardError):
        ChipAuthChip(5, 13, "1.2.3")
    assert "ECDH" in repr(_chip()) and "private" not in repr(_chip())


# --- DG14 specimens -----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SPECIMEN_DG14))
def test_specimen_dg14_choice(name: str) -> None:
    raw = SPECIMEN_DG14[name].read_bytes()
    infos = parse_dg14(raw)
    choice = choose_chip_authentication(infos)
    assert choice.algorithm.oid == ECDH_3DES
    assert choice.domain is domain_by_id(11)  # explicit parameters: brainpoolP224r1
    assert choice.key_id is None
    assert choice.info is infos.chip_authentication_infos[0]
    assert (
        choice.chip_public_key_bytes
        == infos.chip_authentication_public_keys[0].public_key.public_key
    )
    assert choose_chip_authentication(parse_security_infos(parse_single(raw, 0x6E).value)) == choice


def test_spec_sample_dh_dg14_choice() -> None:
    infos = parse_dg14((LDS / "spec_sample_encoded_dg14.bin").read_bytes())
    choice = choose_chip_authentication(infos)
    assert choice.algorithm.name == "id-CA-DH-3DES-CBC-CBC"
    assert isinstance(choice.domain, DhDomain)
    assert 1 < choice.chip_public_key < choice.domain.p  # type: ignore[operator]


def test_version_2_only_card_security_is_not_supported() -> None:
    from asn1crypto import cms

    raw = (VECTORS / "npa-example" / "ecdh" / "ef_cardsecurity").read_bytes()
    content = cms.ContentInfo.load(raw)["content"]["encap_content_info"]["content"].native
    with pytest.raises(UnsupportedCardError):
        choose_chip_authentication(parse_security_infos(content))


def test_choice_prefers_aes_and_pairs_key_ids() -> None:
    keys = {kid: _chip(key_id=kid) for kid in (1, 2)}
    infos = SecurityInfos(
        [
            ChipAuthenticationInfo(ECDH_3DES, 1, 1),
            ChipAuthenticationInfo(ECDH_AES256, 1, 2),
            ChipAuthenticationInfo(ECDH_AES128, 2, 1),  # version 2: not this protocol
            _ec_public_key_info(13, False, keys[1].public_key, key_id=1),
            _ec_public_key_info(13, False, keys[2].public_key, key_id=2),
            PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, 13),
        ]
    )
    choice = choose_chip_authentication(infos)
    assert (choice.algorithm.oid, choice.key_id) == (ECDH_AES256, 2)
    assert choice.chip_public_key_bytes == keys[2].public_key
    assert len(CA_ALGORITHMS) == 8
    with pytest.raises(UnsupportedCardError):
        choose_chip_authentication(SecurityInfos([ChipAuthenticationInfo(ECDH_AES128, 1)]))


# --- chip keys and the card image ----------------------------------------------------------


def test_generate_chip_keys_is_deterministic_and_consistent() -> None:
    first = generate_chip_keys(b"seed")
    assert generate_chip_keys(b"seed") == first
    assert generate_chip_keys(b"other").keys != first.keys
    assert set(first.keys) == {"aa", "ca", "ca_key_id", "ca_oid"}
    assert first.aa not in repr(first) and first.ca not in repr(first)  # private keys stay out of repr
    aa = serialization.load_der_private_key(bytes.fromhex(first.aa), password=None)
    ca = serialization.load_der_private_key(bytes.fromhex(first.ca), password=None)
    assert isinstance(aa, ec.EllipticCurvePrivateKey) and aa.curve.name == "secp256r1"
    assert isinstance(ca, ec.EllipticCurvePrivateKey) and ca.curve.name == "brainpoolP256r1"
    assert first.dg15 == encode_tlv(0x6F, first.aa_spki)
    assert load_aa_public_key(first.dg15).algorithm == "ECDSA"
    dg14 = first.dg14
    infos = parse_dg14(dg14)
    assert encode_security_infos(infos) == first.security_infos
    assert parse_single(dg14, 0x6E).value == first.security_infos
    # The encoding round-trips from fields, not only from remembered bytes.
    rebuilt = SecurityInfos(
        [type(i)(**{k: v for k, v in vars(i).items() if k != "_der"}) for i in infos.infos]
    )
    assert encode_security_infos(rebuilt) == first.security_infos
    choice = choose_chip_authentication(infos)
    assert (choice.algorithm.oid, choice.domain.parameter_id) == (ECDH_AES128, 13)
    public = ca.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert choice.chip_public_key_bytes == public
    assert (
        infos.of_type(ActiveAuthenticationInfo)[0].signature_algorithm == "0.4.0.127.0.7.1.1.4.1.3"
    )
    rsa_keys = generate_chip_keys(b"seed", aa="rsa", rsa_bits=1024)
    assert load_aa_public_key(rsa_keys.dg15).bits == 1024
    assert not parse_dg14(rsa_keys.dg14).of_type(ActiveAuthenticationInfo)
    with pytest.raises(ValueError):
        generate_chip_keys(b"seed", aa="dsa")
    with pytest.raises(ValueError):
        generate_chip_keys(b"seed", ca_oid=DH_AES128)


def test_add_chip_keys_updates_ef_com() -> None:
    image = personalize()
    version = encode_tlv(0x5F01, b"0107") + encode_tlv(0x5F36, b"040000")
    image.files["lds"][FID_COM] = encode_tlv(0x60, version + encode_tlv(0x5C, b"\x61\x75\x6b\x6c"))
    add_chip_keys(image, b"seed")
    com = parse_single(image.files["lds"][FID_COM], 0x60)
    tags = com.find(0x5C)
    assert tags is not None and tags.value == bytes([0x61, 0x75, 0x6B, 0x6C, 0x6E, 0x6F])
    add_chip_keys(image, b"seed")  # idempotent
    assert parse_single(image.files["lds"][FID_COM], 0x60).find(0x5C) == tags


def test_card_image_keys_round_trip(tmp_path) -> None:  # noqa: ANN001
    image = personalize()
    add_chip_keys(image, b"json")
    assert image.keys["ca"] not in repr(image)  # private keys stay out of repr
    data = json.loads(json.dumps(image.to_json()))
    assert data["keys"] == image.keys
    again = CardImage.from_json(data)
    assert again.keys == image.keys and again.files == image.files
    image.save(tmp_path / "card.json")
    loaded = CardImage.load(tmp_path / "card.json")
    assert loaded.keys == image.keys
    session = unlocked(EmulatedCard(loaded))
    check, _ = chip_authentication(session._channel, session.read_dg(14))
    assert check.result is Result.PASSED


def test_card_image_without_keys_is_unchanged() -> None:
    plain = personalize()
    plain.keys = {}
    data = plain.to_json()
    assert "keys" not in data  # files written before keys existed look the same
    assert CardImage.from_json(data).keys == {}
    for bad in (["aa"], {"aa": 1.5}, {1: "x"}, "00"):
        corrupt = dict(data, keys=bad)
        with pytest.raises(ValueError):
            CardImage.from_json(corrupt)
