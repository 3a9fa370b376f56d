"""Standardized domain parameters (ICAO 9303-11 §9.5.1 Table 12) as typed groups.

Both groups expose the same small interface (`generator`, `exp`, `combine`,
`encode`, `decode`, `secret`) so that the mappings, the key agreement and the
tokens are written once. EC arithmetic is the `ecdsa` package's; nothing here
does point arithmetic by hand.

`decode` is where hostile peer keys are stopped: every received public value
is validated (on the curve and not the neutral element for ECDH, TR-03111;
inside the order-q subgroup for DH, RFC 2631 §2.1.5) before it is used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

from ecdsa import curves as _curves
from ecdsa.ellipticcurve import INFINITY, CurveFp, Point, PointJacobi

from idcard.errors import MalformedResponseError, UnsupportedCardError

Rng = Callable[[int], bytes]
#: ecdsa returns PointJacobi for finite points and the affine INFINITY singleton.
EcPoint: TypeAlias = PointJacobi | Point


def random_scalar(rng: Rng, order: int) -> int:
    """Uniform integer in [1, order-1] by rejection sampling.

    Rejection rather than `mod order` keeps it unbiased, and it means an rng
    that returns the published private key bytes reproduces that key exactly
    (which is how the ICAO worked examples are replayed).
    """
    nbytes = (order.bit_length() + 7) // 8
    for _ in range(1000):
        raw = rng(nbytes)
        if len(raw) != nbytes:
            raise ValueError("rng returned the wrong number of bytes")
        k = int.from_bytes(raw, "big") & ((1 << order.bit_length()) - 1)
        if 0 < k < order:
            return k
    raise RuntimeError("rng produced no usable scalar in 1000 draws")


@dataclass(frozen=True, eq=False)
class EcDomain:
    """A prime curve from the standardized list, over the `ecdsa` package's curve object."""

    parameter_id: int
    name: str
    curve: _curves.Curve

    @property
    def field(self) -> CurveFp:
        return self.curve.curve

    @property
    def p(self) -> int:
        return self.field.p()

    @property
    def order(self) -> int:
        return int(self.curve.order)

    @property
    def field_bytes(self) -> int:
        return (self.p.bit_length() + 7) // 8

    @property
    def order_bytes(self) -> int:
        return (self.order.bit_length() + 7) // 8

    #: DO tag of the public point in a public key data object (ICAO 9303-11 §9.4.4).
    public_key_tag = 0x86

    @property
    def generator(self) -> PointJacobi:
        return self.curve.generator

    def random_private(self, rng: Rng) -> int:
        return random_scalar(rng, self.order)

    def exp(self, base: EcPoint, k: int) -> EcPoint:
        """k·base (the group is written multiplicatively here to share code with DH)."""
        return base * k

    def combine(self, a: EcPoint, b: EcPoint) -> EcPoint:
        return a + b

    def is_identity(self, element: EcPoint) -> bool:
        return element == INFINITY

    def point(self, x: int, y: int) -> PointJacobi:
        """An affine point; ValueError unless it lies on the curve."""
        if not (0 <= x < self.p and 0 <= y < self.p) or not self.field.contains_point(x, y):
            raise ValueError("point not on the curve")
        return PointJacobi(self.field, x, y, 1, self.order)

    def encode(self, element: EcPoint) -> bytes:
        """Uncompressed point 04 || X || Y (TR-03111), fixed field length."""
        if element == INFINITY:
            raise ValueError("the point at infinity has no encoding")
        n = self.field_bytes
        return b"\x04" + element.x().to_bytes(n, "big") + element.y().to_bytes(n, "big")

    def decode(self, data: bytes) -> PointJacobi:
        """A received public point, validated; MalformedResponseError if it is not one."""
        n = self.field_bytes
        if len(data) != 1 + 2 * n or data[0] != 0x04:
            raise MalformedResponseError(
                f"Public key is not an uncompressed {self.name} point ({len(data)} bytes)."
            )
        x = int.from_bytes(data[1 : 1 + n], "big")
        y = int.from_bytes(data[1 + n :], "big")
        try:
            point = self.point(x, y)
        except ValueError:
            raise MalformedResponseError(f"Public key is not a point on {self.name}.") from None
        if self.field.cofactor() != 1 and self.order * point != INFINITY:
            raise MalformedResponseError("Public key is outside the prime-order subgroup.")
        return point

    def secret(self, element: EcPoint) -> bytes:
        """Shared secret octets: FE2OS of the x-coordinate (ICAO 9303-11 §9.7.1 note)."""
        return element.x().to_bytes(self.field_bytes, "big")


@dataclass(frozen=True, eq=False)
class DhDomain:
    """A MODP group with a prime-order subgroup (RFC 5114 §2.1-2.3)."""

    parameter_id: int
    name: str
    p: int
    g: int
    q: int

    @property
    def order(self) -> int:
        return self.q

    @property
    def field_bytes(self) -> int:
        return (self.p.bit_length() + 7) // 8

    #: DO tag of the public value y in a DH public key data object (ICAO 9303-11 §9.4.3).
    public_key_tag = 0x84

    @property
    def generator(self) -> int:
        return self.g

    def random_private(self, rng: Rng) -> int:
        return random_scalar(rng, self.q)

    def exp(self, base: int, k: int) -> int:
        return pow(base, k, self.p)

    def combine(self, a: int, b: int) -> int:
        return a * b % self.p

    def is_identity(self, element: int) -> bool:
        return element == 1

    def encode(self, element: int) -> bytes:
        """Unsigned integer, minimal octets (ICAO 9303-11 §9.4.1)."""
        return element.to_bytes(max(1, (element.bit_length() + 7) // 8), "big")

    def decode(self, data: bytes) -> int:
        """A received public value, validated per RFC 2631 §2.1.5."""
        if not 0 < len(data) <= self.field_bytes:
            raise MalformedResponseError(f"DH public value has {len(data)} bytes.")
        y = int.from_bytes(data, "big")
        if not 1 < y < self.p - 1 or pow(y, self.q, self.p) != 1:
            raise MalformedResponseError("DH public value is outside the prime-order subgroup.")
        return y

    def secret(self, element: int) -> bytes:
        """Shared secret octets: PKCS#3 output, padded to the length of p."""
        return element.to_bytes(self.field_bytes, "big")


Domain = EcDomain | DhDomain


def _hex(*parts: str) -> int:
    return int("".join(parts), 16)


# RFC 5114 §2.1-2.3 (identical to OpenSSL's dh_1024_160 / dh_2048_224 / dh_2048_256).
_RFC5114_1024_160 = DhDomain(
    0,
    "1024-bit MODP group with 160-bit prime order subgroup",
    p=_hex(
        "B10B8F96A080E01DDE92DE5EAE5D54EC52C99FBCFB06A3C69A6A9DCA52D23B61",
        "6073E28675A23D189838EF1E2EE652C013ECB4AEA906112324975C3CD49B83BF",
        "ACCBDD7D90C4BD7098488E9C219A73724EFFD6FAE5644738FAA31A4FF55BCCC0",
        "A151AF5F0DC8B4BD45BF37DF365C1A65E68CFDA76D4DA708DF1FB2BC2E4A4371",
    ),
    g=_hex(
        "A4D1CBD5C3FD34126765A442EFB99905F8104DD258AC507FD6406CFF14266D31",
        "266FEA1E5C41564B777E690F5504F213160217B4B01B886A5E91547F9E2749F4",
        "D7FBD7D3B9A92EE1909D0D2263F80A76A6A24C087A091F531DBF0A0169B6A28A",
        "D662A4D18E73AFA32D779D5918D08BC8858F4DCEF97C2A24855E6EEB22B3B2E5",
    ),
    q=_hex("F518AA8781A8DF278ABA4E7D64B7CB9D49462353"),
)

_RFC5114_2048_224 = DhDomain(
    1,
    "2048-bit MODP group with 224-bit prime order subgroup",
    p=_hex(
        "AD107E1E9123A9D0D660FAA79559C51FA20D64E5683B9FD1B54B1597B61D0A75",
        "E6FA141DF95A56DBAF9A3C407BA1DF15EB3D688A309C180E1DE6B85A1274A0A6",
        "6D3F8152AD6AC2129037C9EDEFDA4DF8D91E8FEF55B7394B7AD5B7D0B6C12207",
        "C9F98D11ED34DBF6C6BA0B2C8BBC27BE6A00E0A0B9C49708B3BF8A3170918836",
        "81286130BC8985DB1602E714415D9330278273C7DE31EFDC7310F7121FD5A074",
        "15987D9ADC0A486DCDF93ACC44328387315D75E198C641A480CD86A1B9E587E8",
        "BE60E69CC928B2B9C52172E413042E9B23F10B0E16E79763C9B53DCF4BA80A29",
        "E3FB73C16B8E75B97EF363E2FFA31F71CF9DE5384E71B81C0AC4DFFE0C10E64F",
    ),
    g=_hex(
        "AC4032EF4F2D9AE39DF30B5C8FFDAC506CDEBE7B89998CAF74866A08CFE4FFE3",
        "A6824A4E10B9A6F0DD921F01A70C4AFAAB739D7700C29F52C57DB17C620A8652",
        "BE5E9001A8D66AD7C17669101999024AF4D027275AC1348BB8A762D0521BC98A",
        "E247150422EA1ED409939D54DA7460CDB5F6C6B250717CBEF180EB34118E98D1",
        "19529A45D6F834566E3025E316A330EFBB77A86F0C1AB15B051AE3D428C8F8AC",
        "B70A8137150B8EEB10E183EDD19963DDD9E263E4770589EF6AA21E7F5F2FF381",
        "B539CCE3409D13CD566AFBB48D6C019181E1BCFE94B30269EDFE72FE9B6AA4BD",
        "7B5A0F1C71CFFF4C19C418E1F6EC017981BC087F2A7065B384B890D3191F2BFA",
    ),
    q=_hex("801C0D34C58D93FE997177101F80535A4738CEBCBF389A99B36371EB"),
)

_RFC5114_2048_256 = DhDomain(
    2,
    "2048-bit MODP group with 256-bit prime order subgroup",
    p=_hex(
        "87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00",
        "E00DF8F1D61957D4FAF7DF4561B2AA3016C3D91134096FAA3BF4296D830E9A7C",
        "209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C022E0B1EF4275BF7B",
        "6C5BFC11D45F9088B941F54EB1E59BB8BC39A0BF12307F5C4FDB70C581B23F76",
        "B63ACAE1CAA6B7902D52526735488A0EF13C6D9A51BFA4AB3AD8347796524D8E",
        "F6A167B5A41825D967E144E5140564251CCACB83E6B486F6B3CA3F7971506026",
        "C0B857F689962856DED4010ABD0BE621C3A3960A54E710C375F26375D7014103",
        "A4B54330C198AF126116D2276E11715F693877FAD7EF09CADB094AE91E1A1597",
    ),
    g=_hex(
        "3FB32C9B73134D0B2E77506660EDBD484CA7B18F21EF205407F4793A1A0BA125",
        "10DBC15077BE463FFF4FED4AAC0BB555BE3A6C1B0C6B47B1BC3773BF7E8C6F62",
        "901228F8C28CBB18A55AE31341000A650196F931C77A57F2DDF463E5E9EC144B",
        "777DE62AAAB8A8628AC376D282D6ED3864E67982428EBC831D14348F6F2F9193",
        "B5045AF2767164E1DFC967C1FB3F2E55A4BD1BFFE83B9C80D052B985D182EA0A",
        "DB2A3B7313D3FE14C8484B1E052588B9B7D2BBD2DF016199ECD06E1557CD0915",
        "B3353BBB64E0EC377FD028370DF92B52C7891428CDC67EB6184B523D1DB246C3",
        "2F63078490F00EF8D647D148D47954515E2327CFEF98C582664B4C0F6CC41659",
    ),
    q=_hex("8CF83642A709A097B447997640129DA299B1A47D1EB3750BA308B0FE64F5FBD3"),
)

#: parameterId -> group (ICAO 9303-11 Table 12; 3-7 and 19-31 are RFU).
STANDARDIZED_DOMAINS: dict[int, Domain] = {
    0: _RFC5114_1024_160,
    1: _RFC5114_2048_224,
    2: _RFC5114_2048_256,
    8: EcDomain(8, "NIST P-192", _curves.NIST192p),
    9: EcDomain(9, "brainpoolP192r1", _curves.BRAINPOOLP192r1),
    10: EcDomain(10, "NIST P-224", _curves.NIST224p),
    11: EcDomain(11, "brainpoolP224r1", _curves.BRAINPOOLP224r1),
    12: EcDomain(12, "NIST P-256", _curves.NIST256p),
    13: EcDomain(13, "brainpoolP256r1", _curves.BRAINPOOLP256r1),
    14: EcDomain(14, "brainpoolP320r1", _curves.BRAINPOOLP320r1),
    15: EcDomain(15, "NIST P-384", _curves.NIST384p),
    16: EcDomain(16, "brainpoolP384r1", _curves.BRAINPOOLP384r1),
    17: EcDomain(17, "brainpoolP512r1", _curves.BRAINPOOLP512r1),
    18: EcDomain(18, "NIST P-521", _curves.NIST521p),
}


def domain_by_id(parameter_id: int) -> Domain:
    """The standardized group for a PACEInfo parameterId; UnsupportedCardError otherwise."""
    try:
        return STANDARDIZED_DOMAINS[parameter_id]
    except KeyError:
        raise UnsupportedCardError(
            f"Domain parameter {parameter_id} is not a standardized PACE group."
        ) from None
