"""Deterministic chip keys for the emulator: Active Authentication and Chip Authentication.

`generate_chip_keys(seed)` derives both key pairs from a seed (the same seed
always gives the same card, so test transcripts and screenshots are stable)
and returns what personalisation needs: the private keys for the card image
(`CardImage.keys`, PKCS#8 DER in hex) and the public files DG14 and DG15.
`add_chip_keys(image, seed)` puts all of it on a card image.

Test keys only: derived from a public seed, they protect nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from math import gcd
from typing import TypedDict, Unpack

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from idcard.apdu.tlv import encode_tlv, parse_single
from idcard.lds.security_infos import (
    ID_AA,
    STANDARDIZED_DOMAIN_PARAMETERS,
    ActiveAuthenticationInfo,
    AlgorithmIdentifier,
    ChipAuthenticationInfo,
    ChipAuthenticationPublicKeyInfo,
    SecurityInfos,
    SubjectPublicKeyInfo,
    encode_dg14,
)
from idcard.protocol.chip_auth import ca_algorithm
from idcard.protocol.pace.params import EcDomain, Rng, domain_by_id, random_scalar
from mock_card.filesystem import FID_COM, dg_fid
from mock_card.image import CardImage

__all__ = [
    "DEFAULT_AA_PARAMETER_ID",
    "DEFAULT_CA_OID",
    "DEFAULT_CA_PARAMETER_ID",
    "ChipKeyOptions",
    "ChipKeys",
    "add_chip_keys",
    "generate_chip_keys",
]

#: id-CA-ECDH-AES-CBC-CMAC-128
DEFAULT_CA_OID = "0.4.0.127.0.7.2.2.3.2.2"
DEFAULT_CA_PARAMETER_ID = 13  # brainpoolP256r1
DEFAULT_AA_PARAMETER_ID = 12  # NIST P-256 (card-profile.md: DG15 is ECDSA P-256)
ID_PK_ECDH = "0.4.0.127.0.7.2.2.1.2"
#: ecdsa-plain-SHA256 (BSI TR-03111): the nid-v1 AA signature.
ECDSA_PLAIN_SHA256 = "0.4.0.127.0.7.1.1.4.1.3"

_CURVES: dict[int, ec.EllipticCurve] = {
    8: ec.SECP192R1(),
    10: ec.SECP224R1(),
    12: ec.SECP256R1(),
    13: ec.BrainpoolP256R1(),
    15: ec.SECP384R1(),
    16: ec.BrainpoolP384R1(),
    17: ec.BrainpoolP512R1(),
    18: ec.SECP521R1(),
}

TAG_DG15 = 0x6F


class ChipKeyOptions(TypedDict, total=False):
    """`generate_chip_keys`'s keyword options, for callers that pass them on."""

    aa: str
    aa_parameter_id: int
    rsa_bits: int
    ca_oid: str
    ca_parameter_id: int
    ca_key_id: int | None


@dataclass(frozen=True)
class ChipKeys:
    """A chip's AA and CA key pairs: the private halves and the files that publish the public ones."""

    #: AA private key, PKCS#8 DER in hex (kept out of repr like `CardImage.keys`).
    aa: str = field(repr=False)
    #: CA private key, PKCS#8 DER in hex.
    ca: str = field(repr=False)
    ca_key_id: int | None
    ca_oid: str
    #: DER SubjectPublicKeyInfo of the AA key.
    aa_spki: bytes
    #: EF.DG15 (6F wrapping `aa_spki`).
    dg15: bytes
    #: DG14's SecurityInfos (the value inside 6E).
    security_infos: bytes
    #: EF.DG14.
    dg14: bytes

    @property
    def keys(self) -> dict[str, str | int | None]:
        """The entries for `CardImage.keys`."""
        return {"aa": self.aa, "ca": self.ca, "ca_key_id": self.ca_key_id, "ca_oid": self.ca_oid}


class _Stream:
    """A deterministic byte stream: SHA-256(seed | label | counter) blocks."""

    def __init__(self, seed: bytes, label: str) -> None:
        self._prefix = seed + b"|" + label.encode() + b"|"
        self._counter = 0
        self._buffer = b""

    def __call__(self, n: int) -> bytes:
        while len(self._buffer) < n:
            self._buffer += hashlib.sha256(self._prefix + self._counter.to_bytes(8, "big")).digest()
            self._counter += 1
        out, self._buffer = self._buffer[:n], self._buffer[n:]
        return out


def _ec_key(seed: bytes, label: str, parameter_id: int) -> ec.EllipticCurvePrivateKey:
    curve = _CURVES.get(parameter_id)
    domain = domain_by_id(parameter_id)
    if curve is None or not isinstance(domain, EcDomain):
        raise ValueError(f"no EC test key on domain parameter {parameter_id}")
    scalar = random_scalar(_Stream(seed, label), domain.order)
    return ec.derive_private_key(scalar, curve)


_SMALL_PRIMES = [p for p in range(3, 2000) if all(p % d for d in range(2, int(p**0.5) + 1))]


def _is_probable_prime(n: int, rng: Rng, rounds: int = 40) -> bool:
    if any(n % p == 0 for p in _SMALL_PRIMES):
        return n in _SMALL_PRIMES
    d, r = n - 1, 0
    while not d & 1:
        d, r = d >> 1, r + 1
    nbytes = (n.bit_length() + 7) // 8
    for _ in range(rounds):
        a = 2 + int.from_bytes(rng(nbytes), "big") % (n - 3)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(bits: int, rng: Rng, e: int) -> int:
    while True:
        candidate = int.from_bytes(rng(bits // 8), "big")
        candidate |= (3 << (bits - 2)) | 1  # top two bits: p·q has exactly 2·bits bits
        if gcd(e, candidate - 1) == 1 and _is_probable_prime(candidate, rng):
            return candidate


@lru_cache(maxsize=8)
def _rsa_key_der(seed: bytes, bits: int) -> bytes:
    if bits % 16 or bits < 1024:
        raise ValueError("RSA test keys are at least 1024 bits, a multiple of 16")
    e = 65537
    rng = _Stream(seed, f"aa-rsa-{bits}")
    p = _prime(bits // 2, rng, e)
    q = _prime(bits // 2, rng, e)
    while q == p:
        q = _prime(bits // 2, rng, e)
    d = pow(e, -1, (p - 1) * (q - 1) // gcd(p - 1, q - 1))
    numbers = rsa.RSAPrivateNumbers(
        p,
        q,
        d,
        rsa.rsa_crt_dmp1(d, p),
        rsa.rsa_crt_dmq1(d, q),
        rsa.rsa_crt_iqmp(p, q),
        rsa.RSAPublicNumbers(e, p * q),
    )
    return _pkcs8(numbers.private_key())


def _pkcs8(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def generate_chip_keys(
    seed: bytes,
    *,
    aa: str = "ec",
    aa_parameter_id: int = DEFAULT_AA_PARAMETER_ID,
    rsa_bits: int = 2048,
    ca_oid: str = DEFAULT_CA_OID,
    ca_parameter_id: int = DEFAULT_CA_PARAMETER_ID,
    ca_key_id: int | None = None,
) -> ChipKeys:
    """AA and CA key pairs from `seed`, with the files that publish them.

    DG14's SecurityInfos are ChipAuthenticationInfo version 1 +
    ChipAuthenticationPublicKeyInfo with standardizedDomainParameters
    `ca_parameter_id`, plus ActiveAuthenticationInfo ecdsa-plain-SHA256 when
    the AA key is EC. `ChipKeys.keys` is what `CardImage.keys` takes.

    `aa` is "ec" (on `aa_parameter_id`, default P-256) or "rsa" (`rsa_bits`,
    ISO/IEC 9796-2 signatures). The CA key is ECDH on `ca_parameter_id`
    (default brainpoolP256r1) for `ca_oid` (default id-CA-ECDH-AES-CBC-CMAC-128).
    """
    seed = bytes(seed)
    if aa == "ec":
        aa_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey = _ec_key(
            seed, "aa", aa_parameter_id
        )
        aa_der = _pkcs8(aa_key)
    elif aa == "rsa":
        aa_der = _rsa_key_der(seed, rsa_bits)
        loaded = serialization.load_der_private_key(aa_der, password=None)
        if not isinstance(loaded, rsa.RSAPrivateKey):  # _rsa_key_der wrote it: cannot happen
            raise TypeError("RSA test key did not load as RSA")
        aa_key = loaded
    else:
        raise ValueError(f"unknown AA key kind {aa!r} (choose 'ec' or 'rsa')")
    if ca_algorithm(ca_oid).agreement != "ECDH":
        raise ValueError("the emulator's chip authentication keys are ECDH keys")
    ca_key = _ec_key(seed, "ca", ca_parameter_id)

    aa_spki = aa_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    ca_public = ca_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    parameters = AlgorithmIdentifier(
        STANDARDIZED_DOMAIN_PARAMETERS, encode_tlv(0x02, bytes([ca_parameter_id]))
    )
    infos: list = [
        ChipAuthenticationInfo(ca_oid, 1, ca_key_id),
        ChipAuthenticationPublicKeyInfo(
            ID_PK_ECDH, SubjectPublicKeyInfo(parameters, ca_public), ca_key_id
        ),
    ]
    if aa == "ec":
        infos.append(ActiveAuthenticationInfo(ID_AA, 1, ECDSA_PLAIN_SHA256))
    security_infos = SecurityInfos(infos)
    dg14 = encode_dg14(security_infos)
    return ChipKeys(
        aa=aa_der.hex(),
        ca=_pkcs8(ca_key).hex(),
        ca_key_id=ca_key_id,
        ca_oid=ca_oid,
        aa_spki=aa_spki,
        dg15=encode_tlv(TAG_DG15, aa_spki),
        security_infos=parse_single(dg14, 0x6E).value,
        dg14=dg14,
    )


def add_chip_keys(image: CardImage, seed: bytes, **options: Unpack[ChipKeyOptions]) -> ChipKeys:
    """Personalise `image` with chip keys from `seed`: keys, DG14, DG15, EF.COM's tag list.

    Call before the image becomes an `EmulatedCard` (the card lays out its
    files once). `options` are `generate_chip_keys`'s. Returns what that
    returned. (An EF.SOD, once the image has one, must be re-signed.)
    """
    generated = generate_chip_keys(seed, **options)
    image.keys = {**image.keys, **generated.keys}
    lds = image.files.setdefault("lds", {})
    lds[dg_fid(14)] = generated.dg14
    lds[dg_fid(15)] = generated.dg15
    if FID_COM in lds:
        lds[FID_COM] = _com_with(lds[FID_COM], [0x6E, 0x6F])
    return generated


def _com_with(ef_com: bytes, tags: list[int]) -> bytes:
    """EF.COM with `tags` added to its data group list (5C), other objects kept."""
    out = b""
    for item in parse_single(ef_com, 0x60).children():
        value = item.value
        if item.tag == 0x5C:
            value += bytes(t for t in tags if t not in value)
        out += encode_tlv(item.tag, value)
    return encode_tlv(0x60, out)
