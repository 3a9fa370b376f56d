"""Nonce mappings (ICAO 9303-11 §4.4.3.3): from the nonce s to the ephemeral generator.

Role-neutral: the terminal and the chip run the very same code, each with
its own key pair and the peer's (already validated) public value.

* Generic Mapping (also the mapping phase of CAM): Ĝ = s·G + H with
  H = KA(own map key, peer map key); for DH ĝ = g^s · h.
* Integrated Mapping: Ĝ = f_G(R_p(s, t)) with the pseudo-random function of
  §4.4.3.3.2 and, for ECDH, the point encoding of Appendix B (Brier et al.,
  "simplified SWU", affine variant B.2); for DH f_g(x) = x^((p-1)/q).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from idcard.errors import AuthenticationError, UnsupportedCardError
from idcard.protocol.ciphers import BlockCipher
from idcard.protocol.pace.params import DhDomain, Domain, EcDomain, EcPoint, Rng

#: R_p constants c0, c1 for l = 128 (3DES, AES-128) and l = 256 (AES-192/256).
_C0_128 = bytes.fromhex("a668892a7c41e3ca739f40b057d85904")
_C1_128 = bytes.fromhex("a4e136ac725f738b01c1f60217c188ad")
_C0_256 = bytes.fromhex("d463d65234124ef7897054986dca0a174e28df758cbaa03f240616414d5a1676")
_C1_256 = bytes.fromhex("54bd7255f0aaf831bec3423fcf39d69b6cbf066677d0faae5aadd99df8e53517")


def _degenerate(what: str) -> AuthenticationError:
    # Only reachable with negligible probability for honest peers (or with a
    # nonce forged to hit it); both sides then fail the same way and retry.
    return AuthenticationError(f"PACE mapping produced a degenerate {what}; start again.")


def nonce_length(cipher: BlockCipher) -> int:
    """Bytes of the chip's nonce s.

    The smallest multiple of the block size not shorter than the key: what the
    Integrated Mapping requires (§4.4.3.3), and a valid choice for the others.
    """
    block = cipher.block_size
    return -(-cipher.key_length // block) * block


def im_nonce_length(cipher: BlockCipher) -> int:
    """Bytes of the terminal's IM nonce t: the key size k (3DES counts as 128 bits)."""
    return cipher.key_length


# --- Generic Mapping -------------------------------------------------------------


@dataclass
class GenericMapping:
    """One side of the GM key agreement for H; `public` is that side's mapping data."""

    domain: Domain
    private: int = field(repr=False)

    @classmethod
    def generate(cls, domain: Domain, rng: Rng) -> GenericMapping:
        return cls(domain, domain.random_private(rng))

    @property
    def public(self) -> EcPoint | int:
        return self.domain.exp(self.domain.generator, self.private)

    def shared_element(self, peer_public: EcPoint | int) -> EcPoint | int:
        """H (ECDH) or h (DH) from the peer's validated mapping public key."""
        h = self.domain.exp(peer_public, self.private)
        if self.domain.is_identity(h):
            raise _degenerate("shared point H")
        return h

    def map(self, nonce: bytes, peer_public: EcPoint | int) -> EcPoint | int:
        """The ephemeral generator s·G + H (ECDH) / g^s·h (DH)."""
        h = self.shared_element(peer_public)
        s = int.from_bytes(nonce, "big")
        mapped = self.domain.combine(self.domain.exp(self.domain.generator, s), h)
        if self.domain.is_identity(mapped):
            raise _degenerate("generator")
        return mapped


# --- Integrated Mapping ------------------------------------------------------------


def pseudo_random(cipher: BlockCipher, s: bytes, t: bytes, p: int) -> int:
    """R_p(s, t) of ICAO 9303-11 §4.4.3.3.2 (Figure 2): an element of GF(p).

    k_1 = E(t, s); then k_{i+1} = E(k_i, c0), x_i = E(k_i, c1), all in CBC
    with a zero IV, keys truncated to the cipher's key size; output
    int(x_1 || ... || x_n) mod p with n·l ≥ log2(p) + 64.
    """
    return int.from_bytes(pseudo_random_bytes(cipher, s, t, p), "big") % p


def pseudo_random_bytes(cipher: BlockCipher, s: bytes, t: bytes, p: int) -> bytes:
    """x_1 || ... || x_n of R_p(s, t) (exposed for the worked example)."""
    l_bytes = len(s)
    if l_bytes != nonce_length(cipher):
        raise ValueError("IM nonce s must be the smallest block multiple not shorter than the key")
    if len(t) != im_nonce_length(cipher):
        raise ValueError("IM nonce t must have the cipher's key length")
    c0, c1 = (_C0_128, _C1_128) if l_bytes == 16 else (_C0_256, _C1_256)
    # ceil((log2 p + 64) / l) equals ceil((bitlen(p) + 64) / l) for any p that
    # is not a power of two, so the integer form is exact.
    n = -(-(p.bit_length() + 64) // (8 * l_bytes))
    key_size = cipher.key_length
    key = cipher.encrypt_cbc(t, s)[:key_size]
    out = bytearray()
    for _ in range(n):
        out += cipher.encrypt_cbc(key, c1)
        key = cipher.encrypt_cbc(key, c0)[:key_size]
    return bytes(out)


def ec_point_encoding(domain: EcDomain, t: int) -> EcPoint:
    """f_G(t): ICAO 9303-11 Appendix B.2 (affine), t in ]0, p[; needs p ≡ 3 mod 4."""
    p = domain.p
    a = domain.field.a() % p
    b = domain.field.b() % p
    if p % 4 != 3:
        raise UnsupportedCardError(f"{domain.name} cannot be used with the Integrated Mapping.")
    if not 0 < t < p:
        raise _degenerate("field element")
    alpha = -t * t % p
    alpha_sum = (alpha + alpha * alpha) % p
    if alpha_sum == 0 or a == 0:
        raise _degenerate("field element")
    x2 = -b * pow(a, -1, p) * (1 + pow(alpha_sum, -1, p)) % p
    x3 = alpha * x2 % p
    h2 = (pow(x2, 3, p) + a * x2 + b) % p
    u = pow(t, 3, p) * h2 % p
    big_a = pow(h2, p - 1 - (p + 1) // 4, p)
    if big_a * big_a % p * h2 % p == 1:
        x, y = x2, big_a * h2 % p
    else:
        x, y = x3, big_a * u % p
    point = domain.point(x, y)
    cofactor = domain.field.cofactor()
    return point * cofactor if cofactor != 1 else point


def integrated_map(domain: Domain, cipher: BlockCipher, s: bytes, t: bytes) -> EcPoint | int:
    """Ĝ = f_G(R_p(s, t)) for ECDH, ĝ = R_p(s, t)^((p-1)/q) mod p for DH."""
    x = pseudo_random(cipher, s, t, domain.p)
    if isinstance(domain, DhDomain):
        mapped = pow(x, (domain.p - 1) // domain.q, domain.p)
        if mapped in (0, 1):  # §4.4.3.3.2: "Implementations MUST check that ĝ ≠ 1"
            raise _degenerate("generator")
        return mapped
    mapped_point = ec_point_encoding(domain, x)
    if domain.is_identity(mapped_point):
        raise _degenerate("generator")
    return mapped_point


def supports_integrated_mapping(domain: Domain) -> bool:
    """ICAO 9303-11 Table 12: P-224 (p ≡ 1 mod 4) cannot do the ECDH point encoding."""
    return isinstance(domain, DhDomain) or domain.p % 4 == 3
