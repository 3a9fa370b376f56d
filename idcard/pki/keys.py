"""Public keys of document PKI certificates and the signature schemes they verify.

Real CSCA, DS and DG15 keys are often EC keys with *explicit* curve
parameters (SEC 1 SpecifiedECDomain), which OpenSSL and `cryptography`
refuse. `load_public_key` compares those parameters with the named curves
it knows and loads a match as the named curve with `cryptography`; a curve
`cryptography` cannot load (e.g. brainpoolP224r1/P320r1, or parameters that
match no named curve) is verified with the pure-Python `ecdsa` package.

SubjectPublicKeyInfo is parsed with asn1crypto, never with
`cryptography.x509`, because the latter raises on explicit parameters.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Literal

import ecdsa
import ecdsa.curves
import ecdsa.ellipticcurve
import ecdsa.errors
from asn1crypto import algos, core, keys, x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.x509 import ObjectIdentifier

from idcard.asn1 import ASN1_ERRORS, HASHES
from idcard.errors import IdCardError, MalformedResponseError
from idcard.pki.lru import BoundedCache

HashName = Literal["sha1", "sha224", "sha256", "sha384", "sha512"]
Scheme = Literal["rsa-pkcs1", "rsa-pss", "ecdsa"]
SignatureFormat = Literal["der", "plain"]

#: No real CSCA/DS key is larger; bigger ones only cost CPU (hostile input).
_MAX_RSA_BITS = 16384
_MAX_EC_FIELD_BITS = 1024


DIGEST_OIDS: dict[str, HashName] = {
    "1.3.14.3.2.26": "sha1",
    "2.16.840.1.101.3.4.2.4": "sha224",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}
HASH_OID_BY_NAME: dict[str, str] = {name: oid for oid, name in DIGEST_OIDS.items()}

_RSA_ENCRYPTION = "1.2.840.113549.1.1.1"
_RSASSA_PSS = "1.2.840.113549.1.1.10"
_EC_PUBLIC_KEY = "1.2.840.10045.2.1"
_MGF1 = "1.2.840.113549.1.1.8"

_RSA_PKCS1_OIDS: dict[str, HashName] = {
    "1.2.840.113549.1.1.5": "sha1",
    "1.3.14.3.2.29": "sha1",  # OIW sha1WithRSASignature, seen on old certificates
    "1.2.840.113549.1.1.14": "sha224",
    "1.2.840.113549.1.1.11": "sha256",
    "1.2.840.113549.1.1.12": "sha384",
    "1.2.840.113549.1.1.13": "sha512",
}
_ECDSA_OIDS: dict[str, HashName] = {
    "1.2.840.10045.4.1": "sha1",
    "1.2.840.10045.4.3.1": "sha224",
    "1.2.840.10045.4.3.2": "sha256",
    "1.2.840.10045.4.3.3": "sha384",
    "1.2.840.10045.4.3.4": "sha512",
}
#: BSI TR-03111 ecdsa-plain-signatures: r||s instead of a DER SEQUENCE.
_ECDSA_PLAIN_OIDS: dict[str, HashName] = {
    "0.4.0.127.0.7.1.1.4.1.1": "sha1",
    "0.4.0.127.0.7.1.1.4.1.2": "sha224",
    "0.4.0.127.0.7.1.1.4.1.3": "sha256",
    "0.4.0.127.0.7.1.1.4.1.4": "sha384",
    "0.4.0.127.0.7.1.1.4.1.5": "sha512",
}


class InvalidSignatureError(IdCardError):
    """The signature does not verify with this key."""

    code = "signature.invalid"


class UnsupportedAlgorithmError(IdCardError):
    """A key type, curve, hash or signature scheme this verifier does not implement."""

    code = "crypto.unsupported"


def hash_name(oid: str) -> HashName:
    try:
        return DIGEST_OIDS[oid]
    except KeyError:
        raise UnsupportedAlgorithmError(f"unsupported hash algorithm {oid}") from None


def digest(name: str, data: bytes) -> bytes:
    try:
        algorithm = HASHES[name]()
    except KeyError:
        raise UnsupportedAlgorithmError(f"unsupported hash algorithm {name}") from None
    h = hashes.Hash(algorithm)
    h.update(data)
    return h.finalize()


# --- signature algorithms ----------------------------------------------------------


@dataclass(frozen=True)
class SignatureAlgorithm:
    scheme: Scheme
    hash: HashName
    #: RSASSA-PSS only; None elsewhere.
    mgf1_hash: HashName | None = None
    salt_length: int | None = None
    #: How an ECDSA signature is encoded when the caller does not say.
    signature_format: SignatureFormat = "der"

    @classmethod
    def ecdsa(
        cls, hash: HashName, *, signature_format: SignatureFormat = "der"
    ) -> SignatureAlgorithm:
        return cls("ecdsa", hash, signature_format=signature_format)

    @classmethod
    def rsa_pkcs1(cls, hash: HashName) -> SignatureAlgorithm:
        return cls("rsa-pkcs1", hash)

    @classmethod
    def rsa_pss(
        cls, hash: HashName, *, mgf1_hash: HashName | None = None, salt_length: int | None = None
    ) -> SignatureAlgorithm:
        return cls(
            "rsa-pss",
            hash,
            mgf1_hash=mgf1_hash or hash,
            salt_length=HASHES[hash]().digest_size if salt_length is None else salt_length,
        )

    @property
    def name(self) -> str:
        if self.scheme == "rsa-pss":
            return f"rsassa-pss({self.hash}, mgf1-{self.mgf1_hash}, salt {self.salt_length})"
        if self.scheme == "ecdsa":
            return f"ecdsa-{self.signature_format}-{self.hash}"
        return f"{self.hash}WithRSAEncryption"


def signature_algorithm_from_der(
    algorithm_identifier: bytes, *, digest_algorithm: str | None = None
) -> SignatureAlgorithm:
    """The scheme of a DER AlgorithmIdentifier (X.509 / CMS signatureAlgorithm).

    `digest_algorithm` (a hash name or OID) supplies the hash when the OID names only
    the key type (rsaEncryption, ecPublicKey), as CMS allows and some SODs do.
    """
    # A handful of distinct identifiers occur in practice; parsing one costs more
    # than an ECDSA hash, so each is parsed once (failures are not cached).
    return _signature_algorithm(bytes(algorithm_identifier), digest_algorithm)


@functools.lru_cache(maxsize=256)
def _signature_algorithm(
    algorithm_identifier: bytes, digest_algorithm: str | None
) -> SignatureAlgorithm:
    try:
        parsed = algos.SignedDigestAlgorithm.load(algorithm_identifier, strict=True)
        oid = parsed["algorithm"].dotted
        params = parsed["parameters"]
        params_der = params.dump() if params is not None and params.contents is not None else b""
    except ASN1_ERRORS as exc:
        raise MalformedResponseError(f"malformed signature AlgorithmIdentifier: {exc}") from exc
    return signature_algorithm_from_oid(oid, params_der, digest_algorithm=digest_algorithm)


def signature_algorithm_from_oid(
    oid: str, parameters_der: bytes = b"", *, digest_algorithm: str | None = None
) -> SignatureAlgorithm:
    if oid in _RSA_PKCS1_OIDS:
        return SignatureAlgorithm.rsa_pkcs1(_RSA_PKCS1_OIDS[oid])
    if oid in _ECDSA_OIDS:
        return SignatureAlgorithm.ecdsa(_ECDSA_OIDS[oid])
    if oid in _ECDSA_PLAIN_OIDS:
        return SignatureAlgorithm.ecdsa(_ECDSA_PLAIN_OIDS[oid], signature_format="plain")
    if oid == _RSASSA_PSS:
        return _pss_from_parameters(parameters_der)
    if oid in (_RSA_ENCRYPTION, _EC_PUBLIC_KEY):
        if digest_algorithm is None:
            raise UnsupportedAlgorithmError(f"signature algorithm {oid} names no hash")
        name = digest_algorithm if digest_algorithm in HASHES else hash_name(digest_algorithm)
        if oid == _RSA_ENCRYPTION:
            return SignatureAlgorithm.rsa_pkcs1(name)  # type: ignore[arg-type]
        return SignatureAlgorithm.ecdsa(name)  # type: ignore[arg-type]
    raise UnsupportedAlgorithmError(f"unsupported signature algorithm {oid}")


def _pss_from_parameters(parameters_der: bytes) -> SignatureAlgorithm:
    # RFC 4055 defaults: SHA-1, MGF1-SHA-1, salt 20, trailer 1.
    if not parameters_der or parameters_der == b"\x05\x00":
        return SignatureAlgorithm.rsa_pss("sha1", mgf1_hash="sha1", salt_length=20)
    try:
        params = algos.RSASSAPSSParams.load(parameters_der, strict=True)
        hash_oid = params["hash_algorithm"]["algorithm"].dotted
        mgf_oid = params["mask_gen_algorithm"]["algorithm"].dotted
        mgf_params = params["mask_gen_algorithm"]["parameters"]
        mgf_hash_oid = mgf_params["algorithm"].dotted if mgf_params.native is not None else None
        salt = params["salt_length"].native
        trailer = params["trailer_field"].native
    except ASN1_ERRORS as exc:
        raise MalformedResponseError(f"malformed RSASSA-PSS parameters: {exc}") from exc
    if mgf_oid != _MGF1:
        raise UnsupportedAlgorithmError(f"unsupported RSASSA-PSS mask generation {mgf_oid}")
    if trailer not in ("trailer_field_bc", 1):
        raise UnsupportedAlgorithmError(f"unsupported RSASSA-PSS trailer field {trailer}")
    if not isinstance(salt, int) or not 0 <= salt <= 1024:
        raise MalformedResponseError(f"implausible RSASSA-PSS salt length {salt}")
    return SignatureAlgorithm.rsa_pss(
        hash_name(hash_oid),
        mgf1_hash=hash_name(mgf_hash_oid) if mgf_hash_oid else "sha1",
        salt_length=salt,
    )


# --- public keys -------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PublicKey:
    """An RSA or EC public key that verifies signatures, whatever its curve encoding."""

    kind: Literal["rsa", "ec"]
    key_size: int
    #: Named curve ("secp256r1", "brainpoolP384r1" …), "explicit" when the
    #: parameters match no named curve, None for RSA.
    curve: str | None
    #: The SPKI carried the curve as explicit parameters (matched or not).
    explicit_parameters: bool
    backend: Literal["cryptography", "ecdsa"]
    _crypto: rsa.RSAPublicKey | ec.EllipticCurvePublicKey | None = field(repr=False)
    _ecdsa: ecdsa.VerifyingKey | None = field(repr=False, default=None)

    def verify(
        self,
        signature: bytes,
        data: bytes,
        algorithm: SignatureAlgorithm,
        *,
        signature_format: SignatureFormat | None = None,
    ) -> None:
        """Raise InvalidSignatureError unless `signature` over `data` verifies."""
        if algorithm.hash not in HASHES:
            raise UnsupportedAlgorithmError(f"unsupported hash algorithm {algorithm.hash}")
        if algorithm.scheme == "ecdsa":
            if self.kind != "ec":
                raise InvalidSignatureError("an ECDSA signature cannot verify with an RSA key")
            self._verify_ecdsa(
                signature, data, algorithm, signature_format or algorithm.signature_format
            )
            return
        if self.kind != "rsa" or not isinstance(self._crypto, rsa.RSAPublicKey):
            raise InvalidSignatureError("an RSA signature cannot verify with an EC key")
        hash_algorithm = HASHES[algorithm.hash]()
        pad: padding.AsymmetricPadding
        if algorithm.scheme == "rsa-pss":
            mgf_hash = HASHES[algorithm.mgf1_hash or algorithm.hash]()
            salt = (
                algorithm.salt_length
                if algorithm.salt_length is not None
                else hash_algorithm.digest_size
            )
            pad = padding.PSS(mgf=padding.MGF1(mgf_hash), salt_length=salt)
        else:
            pad = padding.PKCS1v15()
        try:
            self._crypto.verify(signature, data, pad, hash_algorithm)
        except InvalidSignature:
            raise InvalidSignatureError(f"{algorithm.name} signature does not verify") from None
        except ValueError as exc:  # e.g. a salt longer than the modulus allows
            raise InvalidSignatureError(
                f"{algorithm.name} signature does not verify: {exc}"
            ) from exc

    def _verify_ecdsa(
        self, signature: bytes, data: bytes, algorithm: SignatureAlgorithm, fmt: SignatureFormat
    ) -> None:
        r, s = _decode_ecdsa_signature(signature, fmt)
        if isinstance(self._crypto, ec.EllipticCurvePublicKey):
            try:
                self._crypto.verify(
                    encode_dss_signature(r, s), data, ec.ECDSA(HASHES[algorithm.hash]())
                )
            except InvalidSignature:
                raise InvalidSignatureError(f"{algorithm.name} signature does not verify") from None
            return
        assert self._ecdsa is not None
        try:
            ok = self._ecdsa.verify_digest(
                b"",
                digest(algorithm.hash, data),
                sigdecode=lambda _sig, _order: (r, s),
                allow_truncate=True,
            )
        except ecdsa.BadSignatureError:
            ok = False
        if not ok:
            raise InvalidSignatureError(f"{algorithm.name} signature does not verify")


def _decode_ecdsa_signature(signature: bytes, fmt: SignatureFormat) -> tuple[int, int]:
    if fmt == "plain":
        if not signature or len(signature) % 2:
            raise InvalidSignatureError("plain ECDSA signature r||s has an odd length")
        half = len(signature) // 2
        return int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
    try:
        # cryptography's strict DER reader (trailing bytes refused), in Rust: issue 10's verifier budget.
        r, s = decode_dss_signature(signature)
    except ValueError:
        raise InvalidSignatureError(
            "ECDSA signature is not a DER SEQUENCE of two integers"
        ) from None
    if not isinstance(r, int) or not isinstance(s, int) or r <= 0 or s <= 0:
        raise InvalidSignatureError("ECDSA signature values are out of range")
    return r, s


def load_public_key(spki_der: bytes) -> PublicKey:
    """A PublicKey from a DER SubjectPublicKeyInfo (RSA, RSASSA-PSS or EC, named or explicit)."""
    try:
        spki = keys.PublicKeyInfo.load(spki_der, strict=True)
        return _load_spki(spki)
    except (MalformedResponseError, UnsupportedAlgorithmError):
        raise
    except ASN1_ERRORS as exc:
        raise MalformedResponseError(f"malformed SubjectPublicKeyInfo: {exc}") from exc


def public_key_from_certificate(cert_der: bytes) -> PublicKey:
    try:
        cert = x509.Certificate.load(cert_der, strict=True)
        spki = cert["tbs_certificate"]["subject_public_key_info"]
        spki_der = spki.dump()
    except ASN1_ERRORS as exc:
        raise MalformedResponseError(f"malformed certificate: {exc}") from exc
    return load_public_key(spki_der)


#: Certificate DER -> its public key; `certcache.clear()` empties it with the other caches.
KEYS: BoundedCache[bytes, PublicKey] = BoundedCache()


def certificate_public_key(der: bytes) -> PublicKey:
    """`public_key_from_certificate`, once per distinct certificate (raises as it does)."""
    der = bytes(der)
    return KEYS.get(der, lambda: public_key_from_certificate(der))


def _load_spki(spki: keys.PublicKeyInfo) -> PublicKey:
    oid = spki["algorithm"]["algorithm"].dotted
    if oid in (_RSA_ENCRYPTION, _RSASSA_PSS):
        return _load_rsa(spki["public_key"])
    if oid == _EC_PUBLIC_KEY:
        return _load_ec(spki["algorithm"]["parameters"], spki["public_key"])
    raise UnsupportedAlgorithmError(f"unsupported public key algorithm {oid}")


def _load_rsa(bit_string: core.Asn1Value) -> PublicKey:
    # Parsed by hand so RSASSA-PSS-typed keys load too (the SPKI OID only restricts use).
    numbers = keys.RSAPublicKey.load(bytes(bit_string), strict=True)
    # Read unsigned: some issuers DER-encode a modulus with its top bit set and no
    # leading 00 (a "negative" INTEGER, e.g. the BSI 2008 specimen's DG15); it is unambiguous.
    n = int.from_bytes(numbers["modulus"].contents, "big")
    e = int.from_bytes(numbers["public_exponent"].contents, "big")
    if n.bit_length() > _MAX_RSA_BITS:
        raise UnsupportedAlgorithmError("RSA modulus larger than 16384 bits")
    try:
        key = rsa.RSAPublicNumbers(e, n).public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise MalformedResponseError(f"unusable RSA public key: {exc}") from exc
    return PublicKey("rsa", key.key_size, None, False, "cryptography", key)


# --- EC: named and explicit curves -----------------------------------------------


@dataclass(frozen=True)
class _Domain:
    p: int
    a: int
    b: int
    gx: int
    gy: int
    n: int
    h: int | None


def _weierstrass_curves() -> dict[tuple[int, int, int], ecdsa.curves.Curve]:
    table: dict[tuple[int, int, int], ecdsa.curves.Curve] = {}
    for curve in ecdsa.curves.curves:
        fp = curve.curve
        if isinstance(fp, ecdsa.ellipticcurve.CurveFp):
            p = fp.p()
            # ecdsa stores NIST's a as -3: normalise so it compares with DER values.
            table[(p, fp.a() % p, fp.b() % p)] = curve
    return table


_KNOWN_CURVES = _weierstrass_curves()
_ECDSA_BY_OID = {".".join(map(str, c.oid)): c for c in ecdsa.curves.curves if c.oid}


def _load_ec(params: keys.ECDomainParameters, bit_string: core.Asn1Value) -> PublicKey:
    point = bytes(bit_string)
    if params.name == "named":
        oid = params.chosen.dotted
        return _named_ec_key(oid, point, explicit=False)
    if params.name != "specified":
        raise UnsupportedAlgorithmError("EC key with implicitCA parameters (no curve given)")
    domain = _specified_domain(params.chosen)
    named = _match_named_curve(domain)
    if named is not None:
        return _named_ec_key(".".join(map(str, named.oid)), point, explicit=True)
    return _ecdsa_key(_custom_curve(domain), point, explicit=True, name="explicit")


def _specified_domain(spec: keys.SpecifiedECDomain) -> _Domain:
    if spec["field_id"]["field_type"].native != "prime_field":
        raise UnsupportedAlgorithmError("EC curve over a characteristic-two field")
    p = spec["field_id"]["parameters"].native
    if not isinstance(p, int) or p < 5 or p % 2 == 0 or p.bit_length() > _MAX_EC_FIELD_BITS:
        raise MalformedResponseError("EC field prime out of range")
    a = int.from_bytes(spec["curve"]["a"].native, "big") % p
    b = int.from_bytes(spec["curve"]["b"].native, "big") % p
    n = spec["order"].native
    h = spec["cofactor"].native
    if not isinstance(n, int) or n < 2 or n.bit_length() > _MAX_EC_FIELD_BITS + 1:
        raise MalformedResponseError("EC group order out of range")
    try:
        # The base point may be compressed; decoding it needs the curve.
        g = ecdsa.ellipticcurve.Point.from_bytes(
            ecdsa.ellipticcurve.CurveFp(p, a, b, h or 1), spec["base"].native
        )
    except (ValueError, ecdsa.errors.MalformedPointError, AssertionError) as exc:
        raise MalformedResponseError(f"EC base point does not decode: {exc}") from exc
    return _Domain(p, a, b, g.x(), g.y(), n, h)


def _match_named_curve(d: _Domain) -> ecdsa.curves.Curve | None:
    curve = _KNOWN_CURVES.get((d.p, d.a, d.b))
    if curve is None:
        return None
    gen = curve.generator
    if (gen.x(), gen.y(), gen.order()) != (d.gx, d.gy, d.n):
        return None
    if d.h is not None and d.h != curve.curve.cofactor():
        return None
    return curve


def _named_ec_key(oid: str, point: bytes, *, explicit: bool) -> PublicKey:
    try:
        curve_class = ec.get_curve_for_oid(ObjectIdentifier(oid))
    except LookupError:
        curve_class = None
    if curve_class is not None:
        try:
            key = ec.EllipticCurvePublicKey.from_encoded_point(curve_class(), point)
        except UnsupportedAlgorithm:
            pass  # an OpenSSL build without this curve: fall through to ecdsa
        except ValueError as exc:
            raise MalformedResponseError(f"EC public point is not on {curve_class.name}") from exc
        else:
            return PublicKey(
                "ec", key.curve.key_size, key.curve.name, explicit, "cryptography", key
            )
    named = _ECDSA_BY_OID.get(oid)
    if named is None or not isinstance(named.curve, ecdsa.ellipticcurve.CurveFp):
        raise UnsupportedAlgorithmError(f"unsupported named curve {oid}")
    return _ecdsa_key(named, point, explicit=explicit, name=named.openssl_name or named.name)


def _custom_curve(d: _Domain) -> ecdsa.curves.Curve:
    fp = ecdsa.ellipticcurve.CurveFp(d.p, d.a, d.b, d.h or 1)
    if not fp.contains_point(d.gx, d.gy):
        raise MalformedResponseError("EC base point is not on the curve")
    generator = ecdsa.ellipticcurve.PointJacobi(fp, d.gx, d.gy, 1, d.n, generator=True)
    return ecdsa.curves.Curve("explicit", fp, generator, None)


def _ecdsa_key(curve: ecdsa.curves.Curve, point: bytes, *, explicit: bool, name: str) -> PublicKey:
    try:
        vk = ecdsa.VerifyingKey.from_string(point, curve=curve, validate_point=True)
    except (ValueError, AssertionError, ecdsa.errors.MalformedPointError) as exc:
        raise MalformedResponseError(f"EC public point is not on {name}: {exc}") from exc
    return PublicKey("ec", curve.order.bit_length(), name, explicit, "ecdsa", None, vk)
