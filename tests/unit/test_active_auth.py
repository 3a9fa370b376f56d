"""Active Authentication: ECDSA plain and RSA ISO/IEC 9796-2 in both roles, specimens, emulator."""

from __future__ import annotations

import hashlib
import os

import pytest
from asn1crypto import core
from asn1crypto import keys as asn1_keys
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from ecdsa import SigningKey
from ecdsa.util import sigencode_string

from idcard.apdu.command import CommandAPDU
from idcard.apdu.tlv import parse_single
from idcard.errors import MalformedResponseError, UsageError
from idcard.lds.security_infos import ID_AA, ActiveAuthenticationInfo, parse_dg14
from idcard.protocol.active_auth import (
    ActiveAuthChip,
    active_authentication,
    load_aa_public_key,
    verify_active_auth_signature,
)
from idcard.protocol.pace.oids import PasswordRef
from idcard.protocol.pace.params import domain_by_id
from idcard.session import IdCard
from idcard.verdict import Result
from mock_card.card import EmulatedCard
from mock_card.chip_keys import add_chip_keys, generate_chip_keys
from mock_card.filesystem import dg_fid
from mock_card.image import PROFILE_PASSPORT_BAC
from mock_card.personalize import DEMO_CITIZEN, personalize
from reader.emulated import EmulatedTransport
from reader.errors import CardRemovedError
from tests.vectors import VECTORS

LDS = VECTORS / "lds"
SPECIMEN_DG15 = {
    "loes2006": LDS / "loes2006" / "ef010F.bin",
    "bsi2008": LDS / "bsi2008-mustermann" / "Datagroup15.bin",
    "tr03105-5": LDS / "bsi-tr03105-5" / "Datagroup15.bin",
    "etsi": LDS / "etsi-tr103200" / "ETSI_TR103200_EACAA_EF_DG15.bin",
}
CHALLENGE = bytes.fromhex("0123456789ABCDEF")


def spki_of(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def dg15_spki(path) -> bytes:  # noqa: ANN001
    return parse_single(path.read_bytes(), 0x6F).value


@pytest.fixture(scope="module")
def rsa1024() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 1024)


@pytest.fixture(scope="module")
def rsa2048() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 2048)


def flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


def raw_rsa(key: rsa.RSAPrivateKey, representative: bytes) -> bytes:
    """Sign an arbitrary representative F with the private exponent (to forge structures)."""
    numbers = key.private_numbers()
    n = numbers.public_numbers.n
    return pow(int.from_bytes(representative, "big"), numbers.d, n).to_bytes(
        len(representative), "big"
    )


def representative(
    key: rsa.RSAPrivateKey,
    challenge: bytes,
    *,
    header: int = 0x6A,
    trailer: bytes = b"\xbc",
    hash_name: str = "sha1",
    padding: int = 0,
) -> bytes:
    k = key.key_size // 8
    h_len = hashlib.new(hash_name).digest_size
    m1 = os.urandom(k - 1 - padding - h_len - len(trailer))
    pad = b"" if not padding else b"\xbb" * (padding - 1) + b"\xba"
    digest = hashlib.new(hash_name, m1 + challenge).digest()
    return bytes([header]) + pad + m1 + digest + trailer


# --- ECDSA, both roles ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("curve", "hash_name"),
    [
        (ec.SECP256R1(), None),
        (ec.BrainpoolP256R1(), None),
        (ec.SECP384R1(), "sha384"),
        (ec.BrainpoolP512R1(), "sha512"),
        (ec.SECP521R1(), "sha256"),
        (ec.SECP256K1(), None),  # not a standardized domain: cryptography signs
    ],
    ids=["p256", "bp256", "p384", "bp512", "p521", "k256"],
)
def test_ecdsa_plain_both_roles(curve: ec.EllipticCurve, hash_name: str | None) -> None:
    key = ec.generate_private_key(curve)
    chip = ActiveAuthChip(key, hash_name=hash_name)
    signature = chip.sign(CHALLENGE)
    half = (curve.key_size + 7) // 8
    assert len(signature) == 2 * half  # plain r||s, TR-03111
    assert verify_active_auth_signature(spki_of(key), CHALLENGE, signature, hash_name=hash_name)
    assert not verify_active_auth_signature(
        spki_of(key), CHALLENGE[::-1], signature, hash_name=hash_name
    )


def test_ecdsa_rejects_tampering_and_other_keys() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    spki = spki_of(key)
    signature = ActiveAuthChip(key).sign(CHALLENGE)
    assert verify_active_auth_signature(spki, CHALLENGE, signature)
    for index in (0, 31, 32, 63):
        assert not verify_active_auth_signature(spki, CHALLENGE, flip(signature, index))
    assert not verify_active_auth_signature(spki, CHALLENGE, signature[:-1])
    assert not verify_active_auth_signature(spki, CHALLENGE, signature + b"\x00")
    assert not verify_active_auth_signature(spki, CHALLENGE, bytes(64))
    assert not verify_active_auth_signature(spki, CHALLENGE, b"")
    # The same challenge signed by another chip: the "cloned card" case.
    other = ActiveAuthChip(ec.generate_private_key(ec.SECP256R1())).sign(CHALLENGE)
    assert not verify_active_auth_signature(spki, CHALLENGE, other)
    # DER is not the TR-03111 plain format.
    der = key.sign(CHALLENGE, ec.ECDSA(hashes.SHA256()))
    assert not verify_active_auth_signature(spki, CHALLENGE, der)


def test_ecdsa_hash_must_match() -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    signature = ActiveAuthChip(key, hash_name="sha384").sign(CHALLENGE)
    assert verify_active_auth_signature(spki_of(key), CHALLENGE, signature, hash_name="SHA-384")
    assert not verify_active_auth_signature(spki_of(key), CHALLENGE, signature)  # SHA-256
    with pytest.raises(UsageError):
        verify_active_auth_signature(spki_of(key), CHALLENGE, signature, hash_name="md5")


def test_ecdsa_signature_is_reproducible_from_the_rng() -> None:
    key = ec.generate_private_key(ec.BrainpoolP256R1())

    def fixed(n: int) -> bytes:
        return b"\x42" * n

    first = ActiveAuthChip(key, rng=fixed).sign(CHALLENGE)
    assert ActiveAuthChip(key, rng=fixed).sign(CHALLENGE) == first
    assert ActiveAuthChip(key).sign(CHALLENGE) != first


def _explicit_ec_spki(parameters_der: bytes, point: bytes) -> bytes:
    return asn1_keys.PublicKeyInfo(
        {
            "algorithm": {
                "algorithm": "ec",
                "parameters": asn1_keys.ECDomainParameters.load(parameters_der),
            },
            "public_key": point,
        }
    ).dump()


def _specified_parameters(parameter_id: int) -> bytes:
    domain = domain_by_id(parameter_id)
    f = domain.field
    n = domain.field_bytes
    return asn1_keys.ECDomainParameters(
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


def test_explicit_parameter_ec_key_verifies() -> None:
    """DG15 keys with explicit curve parameters (older `cryptography` refuses even these)."""
    key = ec.generate_private_key(ec.SECP256R1())
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    spki = _explicit_ec_spki(_specified_parameters(12), point)
    loaded = load_aa_public_key(spki)
    assert (loaded.algorithm, loaded.bits) == ("ECDSA", 256)
    signature = ActiveAuthChip(key).sign(CHALLENGE)
    assert verify_active_auth_signature(spki, CHALLENGE, signature)
    assert not verify_active_auth_signature(spki, CHALLENGE, flip(signature, 5))


def test_explicit_brainpool224_parameters_from_a_specimen_dg14() -> None:
    """The specimens' explicit brainpoolP224r1 encoding, with our own key pair on that curve."""
    dg14 = parse_dg14((LDS / "bsi2008-mustermann" / "Datagroup14.bin").read_bytes())
    parameters = dg14.chip_authentication_public_keys[0].public_key.algorithm.parameters
    assert parameters is not None
    domain = domain_by_id(11)
    signer = SigningKey.generate(curve=domain.curve)
    point = b"\x04" + signer.get_verifying_key().to_string()
    spki = _explicit_ec_spki(parameters, point)
    with pytest.raises((ValueError, UnsupportedAlgorithm)):  # cryptography has no brainpoolP224r1
        serialization.load_der_public_key(spki)
    digest = hashlib.sha256(CHALLENGE).digest()
    signature = signer.sign_digest(digest, sigencode=sigencode_string, allow_truncate=True)
    assert load_aa_public_key(spki).bits == 224
    assert verify_active_auth_signature(spki, CHALLENGE, signature)
    assert not verify_active_auth_signature(spki, CHALLENGE[::-1], signature)
    assert not verify_active_auth_signature(spki, CHALLENGE, signature[:-1])


# --- RSA ISO/IEC 9796-2 scheme 1, both roles ------------------------------------------------


@pytest.mark.parametrize("size", [1024, 2048])
def test_rsa_9796_2_both_roles(
    size: int, rsa1024: rsa.RSAPrivateKey, rsa2048: rsa.RSAPrivateKey
) -> None:
    key = rsa1024 if size == 1024 else rsa2048
    signature = ActiveAuthChip(key).sign(CHALLENGE)
    assert len(signature) == size // 8
    recovered = pow(int.from_bytes(signature, "big"), 65537, key.public_key().public_numbers().n)
    f = recovered.to_bytes(size // 8, "big")
    assert f[0] == 0x6A and f[-1] == 0xBC  # partial recovery, SHA-1 implied
    assert verify_active_auth_signature(spki_of(key), CHALLENGE, signature)
    assert not verify_active_auth_signature(spki_of(key), CHALLENGE[::-1], signature)


@pytest.mark.parametrize("hash_name", ["sha224", "sha256", "sha384", "sha512"])
def test_rsa_explicit_trailer_names_the_hash(hash_name: str, rsa2048: rsa.RSAPrivateKey) -> None:
    signature = ActiveAuthChip(rsa2048, hash_name=hash_name).sign(CHALLENGE)
    spki = spki_of(rsa2048)
    assert verify_active_auth_signature(spki, CHALLENGE, signature)
    assert verify_active_auth_signature(spki, CHALLENGE, signature, hash_name=hash_name)
    assert not verify_active_auth_signature(spki, CHALLENGE, signature, hash_name="sha1")


def test_rsa_rejects_wrong_key_flipped_bytes_and_bad_structure(rsa1024: rsa.RSAPrivateKey) -> None:
    spki = spki_of(rsa1024)
    good = ActiveAuthChip(rsa1024).sign(CHALLENGE)
    assert verify_active_auth_signature(spki, CHALLENGE, good)
    # Another chip's key (a clone with the right DG15 and its own private key).
    other = rsa.generate_private_key(65537, 1024)
    assert not verify_active_auth_signature(spki, CHALLENGE, ActiveAuthChip(other).sign(CHALLENGE))
    for index in (0, 64, 127):
        assert not verify_active_auth_signature(spki, CHALLENGE, flip(good, index))
    n = rsa1024.public_key().public_numbers().n
    assert not verify_active_auth_signature(spki, CHALLENGE, n.to_bytes(128, "big"))  # s = n
    assert not verify_active_auth_signature(spki, CHALLENGE, bytes(128))
    assert not verify_active_auth_signature(spki, CHALLENGE, b"\x01" + good)  # too long
    assert not verify_active_auth_signature(spki, CHALLENGE, b"")

    def forged(**kwargs: object) -> bytes:
        return raw_rsa(rsa1024, representative(rsa1024, CHALLENGE, **kwargs))  # type: ignore[arg-type]

    assert verify_active_auth_signature(spki, CHALLENGE, forged())  # the helper itself is right
    for bad in (
        forged(trailer=b"\xbd"),  # wrong trailer
        forged(trailer=b"\x99\xcc"),  # unknown hash id
        forged(trailer=b"\x34\xcc", hash_name="sha1"),  # trailer names another hash than used
        forged(header=0x4A),  # total recovery: the challenge would be part of M1
        forged(header=0x2A),  # header bits 00
        forged(header=0x6C),  # bad padding nibble
    ):
        assert not verify_active_auth_signature(spki, CHALLENGE, bad)


def test_rsa_9796_2_padding_form_is_accepted(rsa1024: rsa.RSAPrivateKey) -> None:
    """6B BB … BA M1 …: the standard's padding when M1 does not fill the block."""
    spki = spki_of(rsa1024)
    padded = representative(rsa1024, CHALLENGE, header=0x6B, padding=4)
    assert padded[:5] == bytes.fromhex("6BBBBBBBBA")
    assert verify_active_auth_signature(spki, CHALLENGE, raw_rsa(rsa1024, padded))
    broken = padded[:2] + b"\xbc" + padded[3:]
    assert not verify_active_auth_signature(spki, CHALLENGE, raw_rsa(rsa1024, broken))


# --- specimens ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SPECIMEN_DG15))
def test_specimen_dg15_keys_load(name: str) -> None:
    key = load_aa_public_key(SPECIMEN_DG15[name].read_bytes())  # the whole 6F file
    assert (key.algorithm, key.bits, key.signature_length) == ("RSA", 1024, 128)
    assert load_aa_public_key(dg15_spki(SPECIMEN_DG15[name])) == key


def test_loes2006_key_and_a_test_key_of_the_same_size() -> None:
    """The specimen's private key is not public: sign with a same-size test key instead."""
    specimen = dg15_spki(SPECIMEN_DG15["loes2006"])
    specimen_key = serialization.load_der_public_key(specimen)
    assert isinstance(specimen_key, rsa.RSAPublicKey)
    e = specimen_key.public_numbers().e
    test_key = rsa.generate_private_key(e, specimen_key.key_size)
    signature = ActiveAuthChip(test_key).sign(CHALLENGE)
    assert verify_active_auth_signature(spki_of(test_key), CHALLENGE, signature)
    # ... and a chip holding that test key does not pass for the specimen passport.
    assert not verify_active_auth_signature(specimen, CHALLENGE, signature)


def test_bsi2008_negative_modulus_is_read_as_unsigned() -> None:
    spki = dg15_spki(SPECIMEN_DG15["bsi2008"])
    with pytest.raises(ValueError):
        serialization.load_der_public_key(spki)
    key = load_aa_public_key(spki)
    info = asn1_keys.PublicKeyInfo.load(spki)
    modulus = info["public_key"].parsed["modulus"].contents
    assert key.bits == 1024 and modulus[0] & 0x80


@pytest.mark.parametrize(
    "data",
    [b"", b"\x30\x00", b"\x6f\x03\x30\x01\x00", core.Integer(5).dump(), b"\x30" + os.urandom(40)],
)
def test_garbage_dg15_raises_typed_error(data: bytes) -> None:
    with pytest.raises(MalformedResponseError):
        load_aa_public_key(data)


# --- against the emulator ----------------------------------------------------------------


def keyed_card(
    seed: bytes = b"aa-test", *, dg15_seed: bytes | None = None, **options: object
) -> EmulatedCard:
    """A demo card with chip keys from `seed`; `dg15_seed` puts another chip's DG15 on it."""
    profile = options.pop("profile", "nid-v1")
    extended = options.pop("extended_length", True)
    image = personalize(profile=profile, extended_length=extended)  # type: ignore[arg-type]
    add_chip_keys(image, seed, **options)
    if dg15_seed is not None:
        image.files["lds"][dg_fid(15)] = generate_chip_keys(dg15_seed, **options).dg15  # type: ignore[arg-type]
    return EmulatedCard(image)


def unlocked(card: EmulatedCard) -> IdCard:
    session = IdCard(EmulatedTransport(card))
    if card.image.settings.profile == PROFILE_PASSPORT_BAC:
        session.unlock_bac(DEMO_CITIZEN.mrz_information)
    else:
        session.unlock(PasswordRef.PIN, "123456")
    return session


def test_active_authentication_with_the_emulator() -> None:
    card = keyed_card()
    session = unlocked(card)
    dg14 = parse_dg14(session.read_dg(14))
    check = active_authentication(session._channel, session.read_dg(15), dg14_aa_info=dg14)
    assert check.result is Result.PASSED, check.reason
    assert check.code == "chip.active_auth"
    assert check.details["algorithm"] == "ECDSA-SHA256 (256-bit curve)"
    # The session goes on under the same secure messaging.
    assert session.read_dg(1) == card.image.files["lds"][dg_fid(1)]
    sent = [entry.command[:4].hex() for entry in card.transcript]
    assert "0c880000" in sent


def test_the_challenge_is_the_callers_and_the_rng_is_used() -> None:
    session = unlocked(keyed_card())
    dg15 = session.read_dg(15)
    assert active_authentication(session._channel, dg15, challenge=CHALLENGE).result is Result.PASSED
    drawn: list[int] = []

    def rng(n: int) -> bytes:
        drawn.append(n)
        return os.urandom(n)

    assert active_authentication(session._channel, dg15, rng=rng).result is Result.PASSED
    assert drawn == [8]
    with pytest.raises(UsageError):
        active_authentication(session._channel, dg15, challenge=b"\x00" * 7)


@pytest.mark.parametrize("bits", [1024, 2048])
def test_rsa_active_authentication_with_the_emulator(bits: int) -> None:
    session = unlocked(keyed_card(b"rsa-aa", aa="rsa", rsa_bits=bits))
    check = active_authentication(session._channel, session.read_dg(15))
    assert check.result is Result.PASSED, check.reason
    assert check.details["algorithm"] == f"RSA-{bits} ISO/IEC 9796-2 scheme 1"


def test_bac_passport_active_authentication() -> None:
    for options in ({}, {"aa": "rsa", "rsa_bits": 1024}):
        card = keyed_card(
            b"passport", profile=PROFILE_PASSPORT_BAC, extended_length=False, **options
        )
        session = unlocked(card)
        assert not session.extended_length
        check = active_authentication(session._channel, session.read_dg(15))
        assert check.result is Result.PASSED, check.reason


def test_cloned_chip_fails() -> None:
    """Right DG15 (of the genuine card), different private key in the chip."""
    card = keyed_card(b"clone", dg15_seed=b"genuine")
    session = unlocked(card)
    check = active_authentication(session._channel, session.read_dg(15))
    assert check.result is Result.FAILED
    assert "cloned" in check.reason


def test_dg14_hash_is_used() -> None:
    session = unlocked(keyed_card())
    dg15 = session.read_dg(15)
    sha384 = ActiveAuthenticationInfo(ID_AA, 1, "0.4.0.127.0.7.1.1.4.1.4")
    assert active_authentication(session._channel, dg15, dg14_aa_info=sha384).result is Result.FAILED
    unknown = ActiveAuthenticationInfo(ID_AA, 1, "1.2.3.4")
    check = active_authentication(session._channel, dg15, dg14_aa_info=unknown)
    assert check.result is Result.NOT_PERFORMED


def test_card_errors_fail_the_check_with_the_status() -> None:
    image = personalize()
    image.keys = {}  # a chip without AA: INS not supported
    plain = unlocked(EmulatedCard(image))
    dg15 = generate_chip_keys(b"x").dg15
    check = active_authentication(plain._channel, dg15)
    assert check.result is Result.FAILED and "6D00" in check.reason
    assert check.details["sw"] == "6D00"

    card = keyed_card()
    session = IdCard(EmulatedTransport(card))  # not unlocked: no secure messaging
    check = active_authentication(session._channel, card.image.files["lds"][dg_fid(15)])
    assert check.result is Result.FAILED and "6982" in check.reason


def test_internal_authenticate_parameters_on_the_card() -> None:
    session = unlocked(keyed_card())
    send = session._channel.send
    # P2 = 81 is the PKI authentication key (after PACE-PIN): a 96-byte r||s, not AA.
    pki_auth = send(CommandAPDU(0x00, 0x88, 0x00, 0x81, bytes(48), le=256))
    assert pki_auth.sw == 0x9000 and len(pki_auth.data) == 96
    assert send(CommandAPDU(0x00, 0x88, 0x00, 0x82, bytes(48), le=256)).sw in (0x6A86, 0x6A88)
    assert send(CommandAPDU(0x00, 0x88, 0x01, 0x00, bytes(8), le=256)).sw == 0x6A86
    assert send(CommandAPDU(0x00, 0x88, 0x00, 0x00, bytes(7), le=256)).sw == 0x6700
    assert send(CommandAPDU(0x00, 0x88, 0x00, 0x00, bytes(8), le=256)).sw == 0x9000


def test_a_transport_error_propagates() -> None:
    card = keyed_card()
    transport = EmulatedTransport(card)
    session = IdCard(transport)
    session.unlock(PasswordRef.CAN, "123456")
    dg15 = session.read_dg(15)
    transport.remove_card()
    with pytest.raises(CardRemovedError):
        active_authentication(session._channel, dg15)


def test_malformed_dg15_fails_without_sending() -> None:
    card = keyed_card()
    session = unlocked(card)
    before = len(card.transcript)
    check = active_authentication(session._channel, b"\x30\x03\x02\x01\x05")
    assert check.result is Result.FAILED and "DG15" in check.reason
    assert len(card.transcript) == before
