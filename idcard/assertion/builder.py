"""Build the authentication token for a portal (assertion.md).

`build_token` works on an `IdCard` already unlocked with PACE-PIN (whatever
transport it sits on): it reads the authentication certificate, has the card
sign ``SHA-384(SHA-384(origin) || SHA-384(nonce))`` (ES384, raw r||s), and,
with evidence, reads EF.SOD and the released data groups (DG1, DG11, DG15;
DG2 only when "photo" is among the consented attributes) and runs Active
Authentication over the challenge derived from the same origin and nonce.

The two halves are protocols so that tests and integrators can make tokens
without a card: `TokenSigner` (certificate + signature; `SoftwareSigner`
wraps a `cryptography` private key, e.g. a foreign Web eID card's) and
`EvidenceSource` (SOD, data groups, AA signature).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature

from idcard.assertion.messages import (
    aa_challenge,
    data_groups_for,
    hash_for_algorithm,
    normalize_attributes,
    normalize_origin,
    signed_message,
    validate_nonce,
)
from idcard.assertion.token import APP_VERSION, AuthToken, Evidence
from idcard.errors import IdCardError, UsageError
from idcard.protocol.active_auth import load_aa_public_key
from idcard.session import SFI_SOD, IdCard

__all__ = [
    "CardEvidence",
    "CardSigner",
    "EvidenceSource",
    "SoftwareSigner",
    "TokenSigner",
    "build_token",
    "build_token_with_signer",
]

Rng = Callable[[int], bytes]

_CRYPTO_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
_EC_ALGORITHMS = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}


@runtime_checkable
class TokenSigner(Protocol):
    """Who signs: the holder's authentication certificate and key."""

    @property
    def algorithm(self) -> str:
        """ "ES384", "RS256", "PS512" …"""
        ...

    def certificate(self) -> bytes:
        """The authentication certificate, DER."""
        ...

    def sign_digest(self, digest: bytes) -> bytes:
        """Sign ``H(message)`` (H of the algorithm); ECDSA as raw r||s."""
        ...


@runtime_checkable
class EvidenceSource(Protocol):
    """Where the chip evidence comes from (a live chip, or recorded files in tests)."""

    def read_sod(self) -> bytes: ...

    def read_data_group(self, number: int) -> bytes: ...

    def active_authentication(self, challenge: bytes, dg15: bytes) -> bytes:
        """The chip's raw AA signature over the 8-byte `challenge` (`dg15`: its key)."""
        ...


class CardSigner:
    """The card's authentication key (ref 81): ES384 over a SHA-384 digest, after PACE-PIN."""

    algorithm = "ES384"

    def __init__(self, card: IdCard) -> None:
        self.card = card
        self._certificate: bytes | None = None

    def certificate(self) -> bytes:
        if self._certificate is None:
            self._certificate = self.card.read_auth_certificate()
        return self._certificate

    def sign_digest(self, digest: bytes) -> bytes:
        return self.card.authenticate_digest(digest)


class CardEvidence:
    """EF.SOD, data groups and Active Authentication from the card's LDS application."""

    def __init__(self, card: IdCard) -> None:
        self.card = card

    def read_sod(self) -> bytes:
        return self.card.read_lds_file(SFI_SOD)

    def read_data_group(self, number: int) -> bytes:
        return self.card.read_dg(number)

    def active_authentication(self, challenge: bytes, dg15: bytes) -> bytes:
        try:
            length: int | None = load_aa_public_key(dg15).signature_length
        except IdCardError:
            length = None  # the portal will judge DG15; ask with a short Le
        return self.card.internal_authenticate(challenge, signature_length=length)


class SoftwareSigner:
    """A `cryptography` private key and its certificate (tests, other countries' tokens).

    `algorithm` defaults to ES256/ES384/ES512 by curve for EC keys and RS256
    for RSA keys; PS* use a salt as long as the hash.
    """

    def __init__(
        self,
        private_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
        certificate: bytes,
        algorithm: str | None = None,
    ) -> None:
        if isinstance(private_key, ec.EllipticCurvePrivateKey):
            default = _EC_ALGORITHMS.get(private_key.curve.name)
        elif isinstance(private_key, rsa.RSAPrivateKey):
            default = "RS256"
        else:
            raise UsageError("A token signer needs an EC or RSA private key.")
        chosen = algorithm or default
        if chosen is None:
            raise UsageError(f"Name the algorithm for a {private_key.curve.name} key.")  # type: ignore[union-attr]
        hash_for_algorithm(chosen)
        self._key = private_key
        self._certificate = bytes(certificate)
        self._algorithm = chosen

    def __repr__(self) -> str:  # never show key material
        return f"SoftwareSigner({self._algorithm})"

    @property
    def algorithm(self) -> str:
        return self._algorithm

    def certificate(self) -> bytes:
        return self._certificate

    def sign_digest(self, digest: bytes) -> bytes:
        h = _CRYPTO_HASHES[hash_for_algorithm(self._algorithm)]()
        if len(digest) != h.digest_size:
            raise UsageError(f"{self._algorithm} signs a {h.digest_size}-byte digest.")
        family = self._algorithm[:2]
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            if family != "ES":
                raise UsageError(f"An EC key cannot make {self._algorithm} signatures.")
            r, s = decode_dss_signature(self._key.sign(digest, ec.ECDSA(Prehashed(h))))
            size = (self._key.curve.key_size + 7) // 8
            return r.to_bytes(size, "big") + s.to_bytes(size, "big")
        if family == "RS":
            return self._key.sign(digest, padding.PKCS1v15(), Prehashed(h))
        if family == "PS":
            pss = padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size)
            return self._key.sign(digest, pss, Prehashed(h))
        raise UsageError(f"An RSA key cannot make {self._algorithm} signatures.")


def build_token_with_signer(
    signer: TokenSigner,
    origin: str,
    nonce: str,
    *,
    evidence: EvidenceSource | None = None,
    attributes: Sequence[str] = (),
    app_version: str = APP_VERSION,
    allow_http_loopback: bool = True,
) -> dict[str, object]:
    """The token JSON object: signature by `signer`, chip evidence from `evidence` if given.

    The origin must be ``https://host[:port]``; ``http://`` only for loopback
    hosts (a portal in development on this machine), unless
    `allow_http_loopback` is False. Which origins a user may sign for is the
    caller's decision (the hand-off takes it from the URL it fetched).
    """
    origin = normalize_origin(origin, allow_http_loopback=allow_http_loopback)
    nonce = validate_nonce(nonce)
    wanted = normalize_attributes(attributes)
    algorithm = signer.algorithm
    hash_name = hash_for_algorithm(algorithm)
    certificate = signer.certificate()
    digest = hashlib.new(hash_name, signed_message(origin, nonce, hash_name)).digest()
    signature = signer.sign_digest(digest)
    chip: Evidence | None = None
    if evidence is not None:
        sod = evidence.read_sod()
        groups = {n: evidence.read_data_group(n) for n in data_groups_for(wanted)}
        aa = evidence.active_authentication(aa_challenge(origin, nonce), groups[15])
        chip = Evidence(sod=sod, data_groups=groups, active_authentication=aa)
    token = AuthToken(
        certificate=certificate,
        algorithm=algorithm,
        signature=signature,
        app_version=app_version,
        evidence=chip,
    )
    return token.to_json()


def build_token(
    card: IdCard,
    origin: str,
    nonce: str,
    *,
    attributes: Sequence[str] = (),
    evidence: bool = True,
    rng: Rng = os.urandom,
    app_version: str = APP_VERSION,
    allow_http_loopback: bool = True,
) -> dict[str, object]:
    """The token for `origin` and `nonce` from a card unlocked with PACE-PIN.

    `attributes` are those the portal asked for *and* the citizen allowed;
    they decide whether DG2 (photo) is sent. `rng` is accepted for the
    project's convention (randomness as a parameter); building a token draws
    none here: the AA challenge is derived from origin and nonce, and the
    card makes its own signature nonces.
    """
    del rng
    return build_token_with_signer(
        CardSigner(card),
        origin,
        nonce,
        evidence=CardEvidence(card) if evidence else None,
        attributes=attributes,
        app_version=app_version,
        allow_http_loopback=allow_http_loopback,
    )
