"""Active Authentication (ICAO 9303-11 §6.1): both roles.

The terminal sends INTERNAL AUTHENTICATE `00 88 00 00` with an 8-byte
challenge; the chip signs it with the private key whose public half is in
DG15 (which the SOD signs). A copy of the data on another chip cannot.

Signatures:

* ECDSA: plain r||s (BSI TR-03111 §5.2.1), each half as long as the group
  order, over H(challenge). H is SHA-256 for the nid-v1 profile, or what
  DG14's ActiveAuthenticationInfo names (ecdsa-plain-SHA1/224/256/384/512).
* RSA: ISO/IEC 9796-2 digital signature scheme 1 with partial message
  recovery. The chip picks M1, the challenge is M2 (not recoverable), and
  the representative is F = 6A || M1 || H(M1 || M2) || trailer with trailer
  BC (hash implied: SHA-1) or xx CC (hash named by xx, ISO/IEC 10118-3).
  The terminal recovers F = s^e mod n and checks every part of it.

`verify_active_auth_signature` is the bare check (the portal reuses it for
tokens); `active_authentication` runs the exchange and returns a `Check`;
`ActiveAuthChip` is the chip side for the emulator.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
from dataclasses import dataclass, field
from typing import Literal, cast

from asn1crypto import keys as asn1_keys
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.hazmat.primitives.asymmetric.utils import (
    Prehashed,
    decode_dss_signature,
    encode_dss_signature,
)
from ecdsa import SigningKey
from ecdsa.util import sigencode_string

from idcard.apdu.channel import CardChannel
from idcard.apdu.command import LE_MAX_EXTENDED, LE_MAX_SHORT, CommandAPDU
from idcard.apdu.response import SW_OK, status_error
from idcard.apdu.tlv import parse_single
from idcard.asn1 import HASHES
from idcard.errors import (
    CardStatusError,
    IdCardError,
    MalformedResponseError,
    UnsupportedCardError,
    UsageError,
)
from idcard.lds.security_infos import ActiveAuthenticationInfo, SecurityInfos
from idcard.pki.keys import (
    HashName,
    InvalidSignatureError,
    PublicKey,
    SignatureAlgorithm,
    load_public_key,
)
from idcard.protocol.chip_auth import domain_of_ec_key
from idcard.protocol.pace.params import Rng, random_scalar
from idcard.verdict import Check, Result

__all__ = [
    "AA_SIGNATURE_HASHES",
    "CHECK_CODE",
    "ActiveAuthChip",
    "AaPublicKey",
    "active_authentication",
    "check_active_auth_signature",
    "internal_authenticate",
    "load_aa_public_key",
    "verify_active_auth_signature",
]

CHECK_CODE = "chip.active_auth"
CHALLENGE_LENGTH = 8
INS_INTERNAL_AUTHENTICATE = 0x88

#: Largest response data a short Le gets back under secure messaging (card-profile.md).
_SHORT_SM_DATA = 223

DEFAULT_EC_HASH = "sha256"
DEFAULT_RSA_HASH = "sha1"  # trailer BC: the hash is implied, and ICAO implies SHA-1

_ECDSA_PLAIN = "0.4.0.127.0.7.1.1.4.1"  # BSI TR-03111 ecdsa-plain-signatures
#: ActiveAuthenticationInfo.signatureAlgorithm -> hash. ecdsa-with-SHA* (X9.62)
#: appear in some DG14s in the wild; the signature is still plain r||s.
AA_SIGNATURE_HASHES: dict[str, str] = {
    f"{_ECDSA_PLAIN}.1": "sha1",
    f"{_ECDSA_PLAIN}.2": "sha224",
    f"{_ECDSA_PLAIN}.3": "sha256",
    f"{_ECDSA_PLAIN}.4": "sha384",
    f"{_ECDSA_PLAIN}.5": "sha512",
    "1.2.840.10045.4.1": "sha1",
    "1.2.840.10045.4.3.1": "sha224",
    "1.2.840.10045.4.3.2": "sha256",
    "1.2.840.10045.4.3.3": "sha384",
    "1.2.840.10045.4.3.4": "sha512",
}

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}

# ISO/IEC 9796-2 scheme 1 ------------------------------------------------------------
_TRAILER_IMPLICIT = 0xBC
_TRAILER_EXPLICIT = 0xCC
#: Hash identifiers of the explicit trailer xx CC (ISO/IEC 10118-3 numbering).
_TRAILER_HASH_IDS = {0x33: "sha1", 0x34: "sha256", 0x35: "sha512", 0x36: "sha384", 0x38: "sha224"}
_HEADER_MASK, _HEADER = 0xC0, 0x40  # the representative starts with bits 01
_PARTIAL_RECOVERY = 0x20  # then 1: part of the message (M2) is not recoverable
_PAD_END = 0x0A  # low nibble A: M1 starts in the next byte
_PAD_MORE = 0x0B  # low nibble B: padding bytes BB … BA follow
_ID_RSA = "1.2.840.113549.1.1.1"


def _hash_name(name: str) -> str:
    normalized = name.lower().replace("-", "").replace("_", "")
    if normalized not in _HASHES:
        raise UsageError(f"Unsupported hash {name!r} for active authentication.")
    return normalized


def _digest(name: str, data: bytes) -> bytes:
    return hashlib.new(name, data).digest()


# --- public keys ---------------------------------------------------------------------


@dataclass(frozen=True)
class AaPublicKey:
    """A DG15 key, normalised for verification."""

    algorithm: Literal["RSA", "ECDSA"]
    #: RSA modulus bits, or the EC group order bits.
    bits: int
    #: cryptography RSAPublicNumbers / EllipticCurvePublicKey, or an idcard.pki.keys
    #: PublicKey for EC keys cryptography refuses (explicit curve parameters).
    _key: rsa.RSAPublicNumbers | ec.EllipticCurvePublicKey | PublicKey = field(repr=False)

    @property
    def signature_length(self) -> int:
        nbytes = (self.bits + 7) // 8
        return nbytes if self.algorithm == "RSA" else 2 * nbytes

    def describe(self, hash_name: str | None = None) -> str:
        if self.algorithm == "RSA":
            return f"RSA-{self.bits} ISO/IEC 9796-2 scheme 1"
        return f"ECDSA-{(hash_name or DEFAULT_EC_HASH).upper()} ({self.bits}-bit curve)"

    def verify(self, challenge: bytes, signature: bytes, *, hash_name: str | None = None) -> bool:
        """True iff `signature` is this key's AA signature over `challenge`."""
        name = _hash_name(hash_name) if hash_name is not None else None
        if self.algorithm == "RSA":
            assert isinstance(self._key, rsa.RSAPublicNumbers)
            return _verify_iso9796_2(self._key.n, self._key.e, challenge, signature, name)
        return self._verify_ecdsa(challenge, signature, name or DEFAULT_EC_HASH)

    def _verify_ecdsa(self, challenge: bytes, signature: bytes, name: str) -> bool:
        half = (self.bits + 7) // 8
        if len(signature) != 2 * half:
            return False
        r = int.from_bytes(signature[:half], "big")
        s = int.from_bytes(signature[half:], "big")
        if not r or not s:
            return False
        if isinstance(self._key, ec.EllipticCurvePublicKey):
            try:
                self._key.verify(encode_dss_signature(r, s), challenge, ec.ECDSA(_HASHES[name]()))
            except InvalidSignature:
                return False
            return True
        assert isinstance(self._key, PublicKey)
        return _verify_with_pki_key(self._key, challenge, signature, name)


def _wrap_key(key: PublicKeyTypes) -> AaPublicKey:
    if isinstance(key, rsa.RSAPublicKey):
        numbers = key.public_numbers()
        return AaPublicKey("RSA", numbers.n.bit_length(), numbers)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return AaPublicKey("ECDSA", key.curve.key_size, key)
    raise UnsupportedCardError(f"The DG15 key type {type(key).__name__} is not supported.")


def _wrap_pki_key(key: PublicKey) -> AaPublicKey:
    """An `idcard.pki.keys.PublicKey` (reached only for EC keys `cryptography` refuses)."""
    if key.kind != "ec":
        raise UnsupportedCardError("The DG15 key is not a usable EC key.")
    return AaPublicKey("ECDSA", int(key.key_size), key)


def load_aa_public_key(dg15: bytes) -> AaPublicKey:
    """The Active Authentication key from DG15's SubjectPublicKeyInfo (or the whole 6F file).

    `cryptography` loads ordinary keys. Two things it refuses are real: RSA
    keys whose modulus is DER-encoded as a negative INTEGER (the BSI 2008
    specimen passport does this; the bytes are the unsigned modulus) and EC
    keys with explicit curve parameters. Raises MalformedResponseError when
    the bytes are no key, UnsupportedCardError for other key types.
    """
    spki = bytes(dg15)
    if spki[:1] == b"\x6f":
        spki = parse_single(spki, 0x6F).value
    if len(spki) > MAX_SPKI_BYTES:
        # Refused before any parsing: a huge key costs time at every step.
        raise MalformedResponseError(
            f"The DG15 key is {len(spki)} bytes; keys over {MAX_RSA_BITS} bits are not accepted."
        )
    key = _load_aa_public_key(spki)
    if key.algorithm == "RSA" and key.bits > MAX_RSA_BITS:
        raise MalformedResponseError(
            f"The DG15 RSA key has {key.bits} bits; at most {MAX_RSA_BITS} are accepted."
        )
    return key


#: Largest AA RSA modulus accepted, and a byte bound that holds every key up
#: to that size (a 4096-bit RSA or explicit-parameter P-521 SPKI is ~600 bytes).
MAX_RSA_BITS = 4096
MAX_SPKI_BYTES = 1024


def _load_aa_public_key(spki: bytes) -> AaPublicKey:
    try:
        return _wrap_key(serialization.load_der_public_key(spki))
    except (ValueError, UnsupportedAlgorithm):
        pass
    try:
        info = asn1_keys.PublicKeyInfo.load(spki, strict=True)
        algorithm = info["algorithm"]["algorithm"].dotted
        if algorithm == _ID_RSA:
            return _load_lenient_rsa(info)
    except IdCardError:
        raise
    except Exception as exc:  # noqa: BLE001 - asn1crypto raises many types on bad input
        raise MalformedResponseError(f"The DG15 public key does not parse: {exc}") from None
    try:
        return _wrap_pki_key(load_public_key(spki))
    except IdCardError as exc:
        if isinstance(exc, MalformedResponseError | UnsupportedCardError):
            raise
        # idcard.pki's own "unsupported algorithm" error
        raise UnsupportedCardError(f"The DG15 key is not supported: {exc.message}") from None


def _load_lenient_rsa(info: asn1_keys.PublicKeyInfo) -> AaPublicKey:
    key = info["public_key"].parsed
    # The contents octets, read unsigned: a modulus with its top bit set but no
    # leading 00 is "negative" in DER, yet unambiguous.
    n = int.from_bytes(key["modulus"].contents, "big")
    e = int.from_bytes(key["public_exponent"].contents, "big")
    if n.bit_length() < 512 or not n & 1 or e < 3 or not e & 1:
        raise MalformedResponseError("The DG15 RSA key is not a usable RSA key.")
    return AaPublicKey("RSA", n.bit_length(), rsa.RSAPublicNumbers(e, n))


def _verify_with_pki_key(key: PublicKey, challenge: bytes, signature: bytes, name: str) -> bool:
    if name not in HASHES:
        return False
    algorithm = SignatureAlgorithm.ecdsa(cast(HashName, name), signature_format="plain")
    try:
        key.verify(signature, challenge, algorithm)
    except InvalidSignatureError:
        return False
    return True


# --- ISO/IEC 9796-2 scheme 1 ------------------------------------------------------------


def _verify_iso9796_2(
    n: int, e: int, challenge: bytes, signature: bytes, hash_name: str | None
) -> bool:
    k = (n.bit_length() + 7) // 8
    if not signature or len(signature) > k:
        return False
    s = int.from_bytes(signature, "big")
    if not 0 < s < n:
        return False
    f = pow(s, e, n).to_bytes(k, "big")
    if f[0] & _HEADER_MASK != _HEADER or not f[0] & _PARTIAL_RECOVERY:
        return False
    # Trailer: BC (hash implied) or xx CC (hash xx).
    if f[-1] == _TRAILER_IMPLICIT:
        trailer_length, name = 1, hash_name or DEFAULT_RSA_HASH
    elif f[-1] == _TRAILER_EXPLICIT:
        named = _TRAILER_HASH_IDS.get(f[-2])
        if named is None or (hash_name is not None and named != hash_name):
            return False
        trailer_length, name = 2, named
    else:
        return False
    # Padding: 6A M1 …, or 6B BB … BB BA M1 … when M1 does not fill the block.
    if f[0] & 0x0F == _PAD_END:
        m1_start = 1
    elif f[0] & 0x0F == _PAD_MORE:
        m1_start = 1
        while m1_start < k and f[m1_start] == 0xBB:
            m1_start += 1
        if m1_start >= k or f[m1_start] != 0xBA:
            return False
        m1_start += 1
    else:
        return False
    hash_end = k - trailer_length
    hash_start = hash_end - hashlib.new(name).digest_size
    if hash_start < m1_start:
        return False
    m1 = f[m1_start:hash_start]
    return hmac.compare_digest(f[hash_start:hash_end], _digest(name, m1 + challenge))


def _sign_iso9796_2(key: rsa.RSAPrivateKey, challenge: bytes, hash_name: str, rng: Rng) -> bytes:
    numbers = key.private_numbers()
    n, d = numbers.public_numbers.n, numbers.d
    if n.bit_length() % 8:
        raise UsageError("ISO/IEC 9796-2 signing here needs a modulus of whole bytes.")
    k = n.bit_length() // 8
    if hash_name == DEFAULT_RSA_HASH:
        trailer = bytes([_TRAILER_IMPLICIT])
    else:
        ids = {v: k_ for k_, v in _TRAILER_HASH_IDS.items()}
        trailer = bytes([ids[hash_name], _TRAILER_EXPLICIT])
    h_len = hashlib.new(hash_name).digest_size
    m1_length = k - 1 - h_len - len(trailer)
    if m1_length < 1:
        raise UsageError("The RSA key is too short for this hash.")
    m1 = rng(m1_length)
    if len(m1) != m1_length:
        raise ValueError("rng returned the wrong number of bytes")
    f = (
        bytes([_HEADER | _PARTIAL_RECOVERY | _PAD_END])
        + m1
        + _digest(hash_name, m1 + challenge)
        + trailer
    )
    return pow(int.from_bytes(f, "big"), d, n).to_bytes(k, "big")


# --- terminal ------------------------------------------------------------------------


def verify_active_auth_signature(
    dg15_spki: bytes, challenge: bytes, signature: bytes, *, hash_name: str | None = None
) -> bool:
    """True iff `signature` is the DG15 key's AA signature over `challenge`.

    `hash_name` ("sha256", …): the ECDSA hash (default SHA-256), or for RSA
    the hash an implicit BC trailer stands for (default SHA-1); an explicit
    trailer must then name the same hash. A wrong or malformed signature is
    False; a DG15 that holds no usable key raises (MalformedResponseError /
    UnsupportedCardError), since that is a fault of the document, not of the
    chip.
    """
    return load_aa_public_key(dg15_spki).verify(challenge, signature, hash_name=hash_name)


def _hash_from_dg14(
    aa_info: ActiveAuthenticationInfo | SecurityInfos | None,
) -> str | None:
    if isinstance(aa_info, SecurityInfos):
        found = aa_info.of_type(ActiveAuthenticationInfo)
        aa_info = found[0] if found else None
    if aa_info is None:
        return None
    name = AA_SIGNATURE_HASHES.get(aa_info.signature_algorithm)
    if name is None:
        raise UnsupportedCardError(
            f"DG14 names an unsupported AA signature algorithm {aa_info.signature_algorithm}."
        )
    return name


def internal_authenticate(
    channel: CardChannel, challenge: bytes, *, signature_length: int | None = None
) -> bytes:
    """INTERNAL AUTHENTICATE `00 88 00 00`: the chip's raw AA signature over `challenge`.

    `signature_length` (the DG15 key's, when known) decides whether an
    extended Le is needed. Checks nothing: verify the result with
    `verify_active_auth_signature`. A refusal raises `CardStatusError` with
    the status word; transport and secure-messaging failures raise as usual.
    """
    challenge = bytes(challenge)
    if len(challenge) != CHALLENGE_LENGTH:
        raise UsageError(f"The AA challenge must be {CHALLENGE_LENGTH} bytes.")
    # Le 00 whenever the protected answer fits a short APDU (every card takes
    # that); an extended Le only for long RSA signatures on cards that allow it.
    extended = channel.extended_length and (signature_length or 0) > _SHORT_SM_DATA
    le = LE_MAX_EXTENDED if extended else LE_MAX_SHORT
    command = CommandAPDU(0x00, INS_INTERNAL_AUTHENTICATE, 0x00, 0x00, challenge, le=le)
    response = channel.send(command)
    if response.sw != SW_OK:
        error = status_error(response.sw)
        raise CardStatusError(str(error), response.sw, code=getattr(error, "code", None))
    return response.data


AaInfo = ActiveAuthenticationInfo | SecurityInfos | None


# A portal judges the same citizens' DG15 again and again: each key is loaded once
# (AaPublicKey is frozen; a DG15 that does not load raises every time, uncached).
@functools.lru_cache(maxsize=1024)
def _loaded_aa_key(dg15: bytes) -> AaPublicKey:
    return load_aa_public_key(dg15)


def _aa_key(dg15_spki: bytes, dg14_aa_info: AaInfo) -> tuple[AaPublicKey, str | None] | Check:
    """DG15's key and the ECDSA hash DG14 names, or the check that says why there is none.

    An algorithm this client does not support is not_performed; bytes that
    are no key fail (a fault of the document). The details say `stage: key`
    so a caller can tell a bad DG15 from a bad signature.
    """
    try:
        key = _loaded_aa_key(bytes(dg15_spki))
        hash_name = _hash_from_dg14(dg14_aa_info) if key.algorithm == "ECDSA" else None
    except UnsupportedCardError as exc:
        return Check(CHECK_CODE, Result.NOT_PERFORMED, exc.message, {"stage": "key"})
    except MalformedResponseError as exc:
        return Check(
            CHECK_CODE, Result.FAILED, f"DG15 holds no usable key: {exc.message}", {"stage": "key"}
        )
    return key, hash_name


def _judge(
    key: AaPublicKey, hash_name: str | None, challenge: bytes, signature: bytes, details: dict[str, object]
) -> Check:
    if key.verify(challenge, signature, hash_name=hash_name):
        return Check(
            CHECK_CODE, Result.PASSED, "The chip signed the challenge with the DG15 key.", details
        )
    return Check(
        CHECK_CODE,
        Result.FAILED,
        "The chip's signature does not verify with the DG15 key (another chip, or a cloned one).",
        details,
    )


def check_active_auth_signature(
    dg15_spki: bytes, challenge: bytes, signature: bytes, *, dg14_aa_info: AaInfo = None
) -> Check:
    """Judge a signature the chip gave earlier (a token's evidence, a desk record) as a live AA would.

    The same `chip.active_auth` check as `active_authentication`, from the
    stored challenge and signature instead of a card.
    """
    loaded = _aa_key(dg15_spki, dg14_aa_info)
    if isinstance(loaded, Check):
        return loaded
    key, hash_name = loaded
    details: dict[str, object] = {"algorithm": key.describe(hash_name), "challenge": challenge.hex()}
    return _judge(key, hash_name, bytes(challenge), bytes(signature), details)


def active_authentication(
    channel: CardChannel,
    dg15_spki: bytes,
    *,
    challenge: bytes | None = None,
    rng: Rng = os.urandom,
    dg14_aa_info: AaInfo = None,
) -> Check:
    """INTERNAL AUTHENTICATE with a fresh 8-byte challenge; check the signature with DG15.

    `dg15_spki` is DG15's SubjectPublicKeyInfo (the whole 6F file works too).
    `dg14_aa_info` (DG14's ActiveAuthenticationInfo, or all of DG14's
    SecurityInfos) selects the ECDSA hash; without it SHA-256 is used (the
    nid-v1 profile). Runs in the current secure messaging, if any.

    Returns `chip.active_auth` passed or failed (a wrong signature, a key
    DG15 does not hold, or the chip refusing the command: the status word is
    in the reason); not_performed when DG15/DG14 name an algorithm this client
    does not support. Transport errors and secure-messaging failures raise.
    """
    if challenge is None:
        challenge = rng(CHALLENGE_LENGTH)
    if len(challenge) != CHALLENGE_LENGTH:
        raise UsageError(f"The AA challenge must be {CHALLENGE_LENGTH} bytes.")
    loaded = _aa_key(dg15_spki, dg14_aa_info)
    if isinstance(loaded, Check):
        return loaded
    key, hash_name = loaded
    details: dict[str, object] = {"algorithm": key.describe(hash_name)}
    try:
        signature = internal_authenticate(channel, challenge, signature_length=key.signature_length)
    except CardStatusError as exc:
        details["sw"] = f"{exc.sw:04X}"
        reason = (
            f"The chip refused active authentication (status {exc.sw:04X}: {status_error(exc.sw)})"
        )
        return Check(CHECK_CODE, Result.FAILED, reason, details)
    return _judge(key, hash_name, challenge, signature, details)


# --- chip ----------------------------------------------------------------------------


class ActiveAuthChip:
    """The chip side: signs INTERNAL AUTHENTICATE challenges with the AA private key.

    EC keys give plain r||s over H(challenge) (SHA-256 unless `hash_name`
    says otherwise), with the nonce k drawn from `rng` so that a replayed rng
    reproduces a transcript. RSA keys give ISO/IEC 9796-2 scheme 1 signatures
    (SHA-1 with the implicit BC trailer by default; other hashes use the
    explicit trailer), with M1 from `rng`.
    """

    def __init__(
        self,
        private_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
        *,
        hash_name: str | None = None,
        rng: Rng = os.urandom,
    ) -> None:
        if isinstance(private_key, ec.EllipticCurvePrivateKey):
            default = DEFAULT_EC_HASH
        elif isinstance(private_key, rsa.RSAPrivateKey):
            default = DEFAULT_RSA_HASH
        else:
            raise UsageError("Active authentication needs an EC or RSA private key.")
        self._key = private_key
        self.hash_name = _hash_name(hash_name) if hash_name is not None else default
        self._rng = rng
        self._ecdsa_key: SigningKey | None = None
        if isinstance(private_key, ec.EllipticCurvePrivateKey):
            self._ecdsa_key = _ecdsa_signing_key(private_key)

    def __repr__(self) -> str:  # never show key material
        kind = "EC" if isinstance(self._key, ec.EllipticCurvePrivateKey) else "RSA"
        return f"ActiveAuthChip({kind}-{self._key.key_size}, {self.hash_name})"

    @property
    def public_key_info(self) -> bytes:
        """DER SubjectPublicKeyInfo: what DG15 carries."""
        return self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign(self, challenge: bytes) -> bytes:
        if isinstance(self._key, rsa.RSAPrivateKey):
            return _sign_iso9796_2(self._key, bytes(challenge), self.hash_name, self._rng)
        digest = _digest(self.hash_name, bytes(challenge))
        if self._ecdsa_key is not None:
            order = int(self._ecdsa_key.curve.order)
            k = random_scalar(self._rng, order)
            return bytes(
                self._ecdsa_key.sign_digest(
                    digest, sigencode=sigencode_string, k=k, allow_truncate=True
                )
            )
        # A curve outside the standardized list: cryptography signs (its own nonce).

        der = self._key.sign(digest, ec.ECDSA(Prehashed(_HASHES[self.hash_name]())))
        r, s = decode_dss_signature(der)
        half = (self._key.curve.key_size + 7) // 8
        return r.to_bytes(half, "big") + s.to_bytes(half, "big")


def _ecdsa_signing_key(key: ec.EllipticCurvePrivateKey) -> SigningKey | None:
    try:
        domain = domain_of_ec_key(key)
    except UnsupportedCardError:
        return None
    return SigningKey.from_secret_exponent(key.private_numbers().private_value, curve=domain.curve)
