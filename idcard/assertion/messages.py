"""What the card signs for a portal, and the Active Authentication challenge (assertion.md).

* Signed message: ``H(origin) || H(nonce)``; the card signs ``H(message)``.
  H is SHA-256 for ES256 / RS256 / PS256, SHA-384 for the *384 algorithms,
  SHA-512 for the *512 ones (the Web eID ``web-eid:1.0`` rule).
* AA challenge: the first 8 bytes of ``SHA-256(SHA-256(origin) || SHA-256(nonce))``,
  so the chip's genuineness proof is bound to the same portal and nonce.

The origin is the portal's web origin as a browser serialises it
(``https://host[:port]``: lower-case, no default port, no path, no trailing
slash; IDNA 2008 / UTS #46 hosts). `normalize_origin` validates and
normalises one; `origin_of_url` derives it from a full URL (the hand-off
takes the origin from the URL it fetched, never from a response body). Both
live in `idcard.origin`, the one origin rule.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from idcard.errors import UsageError
from idcard.origin import normalize_origin, origin_of_url  # the one origin rule, re-exported

__all__ = [
    "AA_CHALLENGE_LENGTH",
    "ALGORITHMS",
    "ATTRIBUTES",
    "MAX_NONCE_LENGTH",
    "aa_challenge",
    "data_groups_for",
    "hash_for_algorithm",
    "normalize_attributes",
    "normalize_origin",
    "origin_of_url",
    "signed_message",
    "validate_nonce",
]

AA_CHALLENGE_LENGTH = 8

#: JOSE-style algorithm name -> hash of the signed message and of the signature.
ALGORITHMS: dict[str, str] = {
    "ES256": "sha256",
    "ES384": "sha384",
    "ES512": "sha512",
    "RS256": "sha256",
    "RS384": "sha384",
    "RS512": "sha512",
    "PS256": "sha256",
    "PS384": "sha384",
    "PS512": "sha512",
}

#: What a portal may ask for, and the data groups that carry it.
ATTRIBUTES: dict[str, tuple[int, ...]] = {
    "name": (1, 11),
    "nationalCode": (1, 11),
    "birthDate": (1, 11),
    "photo": (2,),
}
#: Sent whenever evidence is: the identity (DG1, DG11) and the AA key (DG15).
ALWAYS_WITH_EVIDENCE: tuple[int, ...] = (1, 11, 15)

#: A portal nonce is base64 text; ours are 44 characters (32 random bytes).
MAX_NONCE_LENGTH = 512
_NONCE_CHARS = re.compile(r"[A-Za-z0-9+/=_\-.~]+")



def hash_for_algorithm(algorithm: str) -> str:
    """The hash name ("sha384") for a token algorithm ("ES384"); UsageError if unknown."""
    try:
        return ALGORITHMS[algorithm]
    except (KeyError, TypeError):
        raise UsageError(f"Unsupported token algorithm {algorithm!r}.") from None


def _h(hash_name: str, text: str) -> bytes:
    return hashlib.new(hash_name, text.encode("utf-8")).digest()


def signed_message(origin: str, nonce: str, hash_name: str = "sha384") -> bytes:
    """``H(origin) || H(nonce)`` over the UTF-8 text exactly as given (normalise the origin first)."""
    if hash_name not in ("sha256", "sha384", "sha512"):
        raise UsageError(f"The signed message uses SHA-256/384/512, not {hash_name!r}.")
    return _h(hash_name, origin) + _h(hash_name, nonce)


def aa_challenge(origin: str, nonce: str) -> bytes:
    """The 8-byte Active Authentication challenge bound to `origin` and `nonce`."""
    inner = _h("sha256", origin) + _h("sha256", nonce)
    return hashlib.sha256(inner).digest()[:AA_CHALLENGE_LENGTH]


def validate_nonce(nonce: str) -> str:
    """The nonce text, if it looks like one a portal issued (printable base64-ish, not huge)."""
    if not isinstance(nonce, str) or not nonce:
        raise UsageError("The nonce is empty.")
    if len(nonce) > MAX_NONCE_LENGTH:
        raise UsageError(f"The nonce is longer than {MAX_NONCE_LENGTH} characters.")
    if not _NONCE_CHARS.fullmatch(nonce):
        raise UsageError("The nonce must be base64 text (no spaces or other characters).")
    return nonce


def normalize_attributes(attributes: Iterable[str]) -> list[str]:
    """The requested attributes in vocabulary order, without duplicates; UsageError on unknown."""
    if isinstance(attributes, str):
        raise UsageError("Attributes are a list of names, not one string.")
    wanted = set()
    for attribute in attributes:
        if attribute not in ATTRIBUTES:
            raise UsageError(
                f"Unknown attribute {attribute!r}; choose from {', '.join(ATTRIBUTES)}."
            )
        wanted.add(attribute)
    return [a for a in ATTRIBUTES if a in wanted]


def data_groups_for(attributes: Iterable[str]) -> list[int]:
    """The data groups a token's evidence carries for these (consented) attributes."""
    groups = set(ALWAYS_WITH_EVIDENCE)
    for attribute in normalize_attributes(attributes):
        groups.update(ATTRIBUTES[attribute])
    return sorted(groups)
