"""Parse once per process: certificates, EF.SODs and issuer look-ups, in bounded caches.

A portal sees the same citizen CA and document signer certificates in every
token, and a returning citizen's certificate and EF.SOD again and again;
asn1crypto takes longer to build them than OpenSSL takes to check their
signatures. Everything cached here is a pure function of the bytes it is
keyed by (the whole DER, not a digest of it, so two inputs never share an
entry), and every value is immutable or treated as read-only by its users.
Parse failures are not cached: hostile bytes pay their own way each time.

Each cache holds at most `size` entries and forgets the least recently used.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from asn1crypto import x509 as asn1_x509

from idcard.lds.sod import SignerInfo, Sod, find_certificate
from idcard.pki.keys import KEYS, certificate_public_key
from idcard.pki.lru import BoundedCache
from idcard.pki.trust import CertificateInfo, TrustStore

V = TypeVar("V")

#: Caches made by `per_bytes`, forgotten by `clear` with the ones below.
_PER_BYTES: list[BoundedCache[bytes, Any]] = []


def per_bytes(build: Callable[[bytes], V]) -> Callable[[bytes], V]:
    """Decorate a pure function of one bytes argument to run once per distinct value.

    For parsers of immutable inputs (a certificate's extension, a signed
    attribute's DER); what it raises is not remembered.
    """
    cache: BoundedCache[bytes, V] = BoundedCache()
    _PER_BYTES.append(cache)

    @functools.wraps(build)
    def cached(data: bytes) -> V:
        data = bytes(data)
        return cache.get(data, lambda: build(data))

    return cached


_CERTIFICATES: BoundedCache[bytes, CertificateInfo] = BoundedCache()
_X509: BoundedCache[bytes, asn1_x509.Certificate] = BoundedCache()
_SODS: BoundedCache[bytes, Sod] = BoundedCache()
_SIGNER_CERTIFICATES: BoundedCache[tuple[object, ...], bytes | None] = BoundedCache()
#: Per trust store (dropped with it): (store size, certificate DER) -> issuer candidates.
_ISSUERS: weakref.WeakKeyDictionary[TrustStore, BoundedCache[tuple[int, bytes], tuple[CertificateInfo, ...]]]
_ISSUERS = weakref.WeakKeyDictionary()


def certificate_info(der: bytes) -> CertificateInfo:
    """`CertificateInfo.from_der`, once per distinct certificate (raises as it does)."""
    der = bytes(der)
    return _CERTIFICATES.get(der, lambda: CertificateInfo.from_der(der))


def x509_certificate(der: bytes) -> asn1_x509.Certificate:
    """asn1crypto's strict parse of `der`, once, with the parts readers use already decoded.

    asn1crypto decodes lazily and memoises on the object; decoding the subject,
    extensions and policies here, before the object is shared, leaves later
    (possibly concurrent) readers only reading.
    """
    der = bytes(der)

    def build() -> asn1_x509.Certificate:
        cert = asn1_x509.Certificate.load(der, strict=True)
        cert.subject.native  # noqa: B018 - decode now, while unshared
        eku = cert.extended_key_usage_value
        if eku is not None:
            eku.native  # noqa: B018
        for policy in cert.certificate_policies_value or ():
            policy["policy_identifier"].dotted  # noqa: B018
        cert.public_key.algorithm  # noqa: B018
        return cert

    return _X509.get(der, build)


def parsed_sod(data: bytes) -> Sod:
    """`Sod.parse`, once per distinct EF.SOD (raises as it does). Callers must not modify it."""
    data = bytes(data)
    return _SODS.get(data, lambda: Sod.parse(data))


def signer_certificate(
    signer: SignerInfo, certificates: list[bytes], *, embedded: bool = False
) -> bytes | None:
    """`find_certificate`, remembered for the same signer id and certificate list."""
    key = (signer.sid_key_identifier, signer.sid_issuer_der, signer.sid_serial, embedded, *certificates)
    return _SIGNER_CERTIFICATES.get(
        key, lambda: find_certificate(signer, certificates, embedded=embedded)
    )


def issuer_candidates(store: TrustStore, cert: CertificateInfo) -> tuple[CertificateInfo, ...]:
    """`store.issuer_candidates(cert)`, remembered until the store gains a certificate.

    Stores only grow (`add`), so their size tells whether an answer is stale.
    """
    per_store = _ISSUERS.get(store)
    if per_store is None:
        per_store = _ISSUERS[store] = BoundedCache()
    return per_store.get((len(store), cert.der), lambda: tuple(store.issuer_candidates(cert)))


def clear() -> None:
    """Forget everything (tests and benchmarks measuring a cold process)."""
    _CERTIFICATES.clear()
    _X509.clear()
    _SODS.clear()
    KEYS.clear()
    _SIGNER_CERTIFICATES.clear()
    _ISSUERS.clear()
    for cache in _PER_BYTES:
        cache.clear()


__all__ = [
    "BoundedCache",
    "certificate_info",
    "certificate_public_key",
    "clear",
    "issuer_candidates",
    "parsed_sod",
    "per_bytes",
    "signer_certificate",
    "x509_certificate",
]
