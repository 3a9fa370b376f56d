"""Names shared by every DER parser: what asn1crypto raises, and the hash algorithms by name.

A leaf module so that lds/ (EF.SOD) and pki/ (keys, chains) use one table
without importing each other.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes

#: What asn1crypto may raise on hostile DER (it parses lazily, so also on access).
ASN1_ERRORS: tuple[type[BaseException], ...] = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    OverflowError,
    RecursionError,
    UnicodeDecodeError,
)

HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
