"""Public keys: RSA (PKCS#1 v1.5, PSS with parameters), ECDSA (DER and plain r||s),
named curves cryptography lacks, and explicit curve parameters (matched or not)."""

from __future__ import annotations

import hashlib

import ecdsa
import pytest
from asn1crypto import algos, keys
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from ecdsa.ellipticcurve import PointJacobi

from idcard.errors import MalformedResponseError
from idcard.pki.keys import (
    InvalidSignatureError,
    SignatureAlgorithm,
    UnsupportedAlgorithmError,
    load_public_key,
    public_key_from_certificate,
    signature_algorithm_from_der,
    signature_algorithm_from_oid,
)

MESSAGE = b"data group hashes"


def _spki(key) -> bytes:
    return key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


@pytest.mark.parametrize(
    "curve", [ecdsa.BRAINPOOLP224r1, ecdsa.BRAINPOOLP320r1, ecdsa.BRAINPOOLP192r1]
)
@pytest.mark.parametrize("encoding", ["named_curve", "explicit"])
def test_curves_cryptography_lacks_verify_with_ecdsa(curve, encoding) -> None:
    sk = ecdsa.SigningKey.generate(curve=curve)
    key = load_public_key(sk.verifying_key.to_der(curve_parameters_encoding=encoding))
    assert key.backend == "ecdsa" and key.curve == curve.openssl_name
    assert key.explicit_parameters is (encoding == "explicit")
    der_sig = sk.sign(MESSAGE, hashfunc=hashlib.sha256, sigencode=ecdsa.util.sigencode_der)
    key.verify(der_sig, MESSAGE, SignatureAlgorithm.ecdsa("sha256"))
    plain = sk.sign(MESSAGE, hashfunc=hashlib.sha512, sigencode=ecdsa.util.sigencode_string)
    key.verify(plain, MESSAGE, SignatureAlgorithm.ecdsa("sha512"), signature_format="plain")
    with pytest.raises(InvalidSignatureError):
        key.verify(der_sig, MESSAGE + b"!", SignatureAlgorithm.ecdsa("sha256"))
    with pytest.raises(InvalidSignatureError):
        key.verify(plain, MESSAGE, SignatureAlgorithm.ecdsa("sha256"), signature_format="plain")


@pytest.mark.parametrize(
    ("curve", "name"),
    [
        (ecdsa.NIST256p, "secp256r1"),
        (ecdsa.NIST384p, "secp384r1"),
        (ecdsa.NIST521p, "secp521r1"),
        (ecdsa.BRAINPOOLP256r1, "brainpoolP256r1"),
        (ecdsa.BRAINPOOLP512r1, "brainpoolP512r1"),
    ],
)
@pytest.mark.parametrize("point_encoding", ["uncompressed", "compressed"])
def test_explicit_parameters_of_a_named_curve_load_as_that_curve(
    curve, name, point_encoding
) -> None:
    sk = ecdsa.SigningKey.generate(curve=curve)
    spki = sk.verifying_key.to_der(
        point_encoding=point_encoding, curve_parameters_encoding="explicit"
    )
    assert keys.PublicKeyInfo.load(spki)["algorithm"]["parameters"].name == "specified"
    key = load_public_key(spki)
    assert (key.curve, key.explicit_parameters, key.backend) == (name, True, "cryptography")
    sig = sk.sign(MESSAGE, hashfunc=hashlib.sha384, sigencode=ecdsa.util.sigencode_der)
    key.verify(sig, MESSAGE, SignatureAlgorithm.ecdsa("sha384"))


def test_explicit_parameters_matching_no_named_curve_use_ecdsa() -> None:
    # P-256's field and equation, but generator 2G: a different (unnamed) domain.
    p256 = ecdsa.NIST256p
    g2 = p256.generator * 2
    generator = PointJacobi(p256.curve, g2.x(), g2.y(), 1, p256.order, generator=True)
    custom = ecdsa.curves.Curve("custom", p256.curve, generator, None)
    sk = ecdsa.SigningKey.generate(curve=custom)
    key = load_public_key(sk.verifying_key.to_der(curve_parameters_encoding="explicit"))
    assert (key.curve, key.explicit_parameters, key.backend) == ("explicit", True, "ecdsa")
    sig = sk.sign(MESSAGE, hashfunc=hashlib.sha1, sigencode=ecdsa.util.sigencode_der)
    key.verify(sig, MESSAGE, SignatureAlgorithm.ecdsa("sha1"))
    with pytest.raises(InvalidSignatureError):
        key.verify(sig, MESSAGE, SignatureAlgorithm.ecdsa("sha256"))


def test_cryptography_ec_key_der_and_plain() -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    key = load_public_key(_spki(private))
    der_sig = private.sign(MESSAGE, ec.ECDSA(hashes.SHA224()))
    key.verify(der_sig, MESSAGE, SignatureAlgorithm.ecdsa("sha224"))
    r, s = decode_dss_signature(der_sig)
    plain = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    key.verify(plain, MESSAGE, SignatureAlgorithm.ecdsa("sha224"), signature_format="plain")
    for bad in (b"", plain[:-1], b"\x30\x00", der_sig[:-2], b"\x30\x06\x02\x01\x00\x02\x01\x00"):
        with pytest.raises(InvalidSignatureError):
            key.verify(bad, MESSAGE, SignatureAlgorithm.ecdsa("sha224"))
    with pytest.raises(InvalidSignatureError):
        key.verify(
            plain[:-1], MESSAGE, SignatureAlgorithm.ecdsa("sha224"), signature_format="plain"
        )
    with pytest.raises(InvalidSignatureError):  # an RSA scheme with an EC key
        key.verify(der_sig, MESSAGE, SignatureAlgorithm.rsa_pkcs1("sha224"))


RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pss_identifier(hash_name: str, mgf_hash: str, salt: int) -> bytes:
    return algos.SignedDigestAlgorithm(
        {
            "algorithm": "rsassa_pss",
            "parameters": {
                "hash_algorithm": {"algorithm": hash_name},
                "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": mgf_hash}},
                "salt_length": salt,
                "trailer_field": 1,
            },
        }
    ).dump()


def test_rsa_pss_parameters_come_from_the_algorithm_identifier() -> None:
    key = load_public_key(_spki(RSA))
    pad = padding.PSS(mgf=padding.MGF1(hashes.SHA1()), salt_length=20)
    sig = RSA.sign(MESSAGE, pad, hashes.SHA256())
    algorithm = signature_algorithm_from_der(_pss_identifier("sha256", "sha1", 20))
    assert (algorithm.scheme, algorithm.hash, algorithm.mgf1_hash, algorithm.salt_length) == (
        "rsa-pss",
        "sha256",
        "sha1",
        20,
    )
    key.verify(sig, MESSAGE, algorithm)
    with pytest.raises(InvalidSignatureError):
        key.verify(
            sig, MESSAGE, signature_algorithm_from_der(_pss_identifier("sha256", "sha1", 32))
        )
    with pytest.raises(InvalidSignatureError):
        key.verify(
            sig, MESSAGE, signature_algorithm_from_der(_pss_identifier("sha256", "sha256", 20))
        )


def test_rsa_pss_defaults_and_pkcs1() -> None:
    defaults = signature_algorithm_from_der(
        algos.SignedDigestAlgorithm({"algorithm": "rsassa_pss"}).dump()
    )
    assert (defaults.hash, defaults.mgf1_hash, defaults.salt_length) == ("sha1", "sha1", 20)
    key = load_public_key(_spki(RSA))
    sig = RSA.sign(MESSAGE, padding.PKCS1v15(), hashes.SHA512())
    key.verify(sig, MESSAGE, SignatureAlgorithm.rsa_pkcs1("sha512"))
    with pytest.raises(InvalidSignatureError):
        key.verify(sig, MESSAGE, SignatureAlgorithm.rsa_pkcs1("sha256"))
    with pytest.raises(InvalidSignatureError):
        key.verify(sig, MESSAGE, SignatureAlgorithm.ecdsa("sha512"))


def test_rsassa_pss_typed_spki_loads() -> None:
    spki = keys.PublicKeyInfo.load(_spki(RSA))
    pss_spki = keys.PublicKeyInfo(
        {"algorithm": {"algorithm": "rsassa_pss"}, "public_key": spki["public_key"].parsed}
    ).dump()
    assert load_public_key(pss_spki).kind == "rsa"


@pytest.mark.parametrize(
    ("oid", "digest", "expected"),
    [
        ("1.2.840.113549.1.1.1", "2.16.840.1.101.3.4.2.1", ("rsa-pkcs1", "sha256", "der")),
        ("1.2.840.10045.2.1", "sha384", ("ecdsa", "sha384", "der")),
        ("1.2.840.10045.4.1", None, ("ecdsa", "sha1", "der")),
        ("0.4.0.127.0.7.1.1.4.1.3", None, ("ecdsa", "sha256", "plain")),
        ("1.3.14.3.2.29", None, ("rsa-pkcs1", "sha1", "der")),
    ],
)
def test_signature_algorithm_oids(oid, digest, expected) -> None:
    algorithm = signature_algorithm_from_oid(oid, digest_algorithm=digest)
    assert (algorithm.scheme, algorithm.hash, algorithm.signature_format) == expected


def test_unsupported_and_malformed() -> None:
    with pytest.raises(UnsupportedAlgorithmError):
        signature_algorithm_from_oid("1.2.840.10045.2.1")  # no hash anywhere
    with pytest.raises(UnsupportedAlgorithmError):
        signature_algorithm_from_oid("1.2.840.113549.1.1.4")  # md5WithRSA
    with pytest.raises(UnsupportedAlgorithmError):
        signature_algorithm_from_oid("1.2.840.113549.1.1.1", digest_algorithm="1.2.840.113549.2.5")
    with pytest.raises(MalformedResponseError):
        signature_algorithm_from_der(b"\x30\x03\x06\x01")
    dsa_key = dsa.generate_private_key(key_size=1024)
    with pytest.raises(UnsupportedAlgorithmError):
        load_public_key(_spki(dsa_key))
    for junk in (b"", b"\x30", b"\x30\x00", b"\x00" * 64, b"\x30\x82\xff\xff" + b"\x00" * 10):
        with pytest.raises(MalformedResponseError):
            load_public_key(junk)
        with pytest.raises(MalformedResponseError):
            public_key_from_certificate(junk)


def test_point_off_the_curve_and_unknown_curve() -> None:
    sk = ecdsa.SigningKey.generate(curve=ecdsa.BRAINPOOLP224r1)
    spki = keys.PublicKeyInfo.load(sk.verifying_key.to_der())
    point = bytearray(spki["public_key"].native)
    point[-1] ^= 1
    for params in ({"named": "1.3.36.3.3.2.8.1.1.5"}, {"named": "1.2.840.10045.3.1.7"}):
        bad = keys.PublicKeyInfo(
            {
                "algorithm": {
                    "algorithm": "ec",
                    "parameters": keys.ECDomainParameters(name="named", value=params["named"]),
                },
                "public_key": bytes(point),
            }
        ).dump()
        with pytest.raises(MalformedResponseError):
            load_public_key(bad)
    unknown = keys.PublicKeyInfo(
        {
            "algorithm": {
                "algorithm": "ec",
                "parameters": keys.ECDomainParameters(name="named", value="1.2.3.4"),
            },
            "public_key": spki["public_key"].native,
        }
    ).dump()
    with pytest.raises(UnsupportedAlgorithmError):
        load_public_key(unknown)


def test_rsa_modulus_encoded_as_negative_integer_loads() -> None:
    """The BSI 2008 specimen's DG15 AA key has a "negative" DER modulus; it is still the key."""
    from tests.vectors import VECTORS

    dg15 = (VECTORS / "lds" / "bsi2008-mustermann" / "Datagroup15.bin").read_bytes()
    assert dg15[:3] == b"\x6f\x81\xa1"
    spki = dg15[3:]  # the SubjectPublicKeyInfo inside tag 6F
    modulus = keys.PublicKeyInfo.load(spki)["public_key"].parsed["modulus"]
    assert modulus.native < 0  # the quirk this test is about
    key = load_public_key(spki)
    assert key.kind == "rsa" and key.key_size == len(modulus.contents) * 8
