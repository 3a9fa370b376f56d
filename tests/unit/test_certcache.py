"""Parse-once caches: bounded, keyed by the whole bytes, never caching a failure, never stale."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from idcard.errors import IdCardError
from idcard.pki import certcache
from idcard.pki.trust import TrustStore
from mock_card.testpki import test_pki


def test_lru_keeps_at_most_its_bound_and_forgets_the_oldest() -> None:
    cache: certcache.BoundedCache[int, str] = certcache.BoundedCache(size=2)
    built: list[int] = []

    def get(key: int) -> str:
        return cache.get(key, lambda: built.append(key) or f"v{key}")  # type: ignore[func-returns-value]

    assert [get(1), get(2), get(1), get(3)] == ["v1", "v2", "v1", "v3"]
    assert len(cache) == 2
    get(1)  # still there: it was used after 2
    get(2)  # 2 was the least recently used: evicted, built again
    assert built == [1, 2, 3, 2]


def test_zero_size_turns_the_cache_off() -> None:
    cache: certcache.BoundedCache[int, int] = certcache.BoundedCache(size=0)
    assert cache.get(1, lambda: 5) == 5
    assert len(cache) == 0


def test_same_certificate_is_parsed_once_and_failures_are_not_cached() -> None:
    certcache.clear()
    der = test_pki().citizen_ca_cert.public_bytes(Encoding.DER)
    first = certcache.certificate_info(der)
    assert certcache.certificate_info(bytearray(der)) is first
    assert certcache.x509_certificate(der) is certcache.x509_certificate(der)
    broken = der[:-1] + bytes([der[-1] ^ 1])  # same length, other signature: another entry
    assert certcache.certificate_info(broken) is not first
    junk = b"\x30\x03\x02\x01"
    for _ in range(2):
        with pytest.raises(IdCardError):
            certcache.certificate_info(junk)
    assert certcache._CERTIFICATES.misses == 4  # der, broken, junk twice (never stored)


def test_issuer_candidates_follow_the_store_as_it_grows() -> None:
    pki = test_pki()
    der = lambda cert: cert.public_bytes(Encoding.DER)  # noqa: E731
    store = TrustStore([der(pki.root_cert)])
    ds = certcache.certificate_info(der(pki.ds_cert))
    assert certcache.issuer_candidates(store, ds) == ()
    store.add(der(pki.csca_cert))
    after = certcache.issuer_candidates(store, ds)
    assert [c.der for c in after] == [der(pki.csca_cert)]
    assert certcache.issuer_candidates(store, ds) is after  # remembered while the store is unchanged
    other = TrustStore([der(pki.root_cert)])  # another store: its own answers
    assert certcache.issuer_candidates(other, ds) == ()


def test_parsed_sod_is_shared_and_bad_sods_still_raise() -> None:
    from mock_card.pytest_plugin import make_card

    sod = make_card().image.files["lds"][0x011D]
    assert certcache.parsed_sod(sod) is certcache.parsed_sod(bytearray(sod))
    for _ in range(2):
        with pytest.raises(IdCardError):
            certcache.parsed_sod(sod[:-3])


def test_large_base64_is_decoded_once_and_bad_text_always_refused() -> None:
    import base64

    from idcard.assertion.token import TokenFormatError, unb64

    data = bytes(range(256)) * 40  # 10 KB: a face image's size class
    text = base64.b64encode(data).decode()
    assert unb64(text, "dg2") == data
    assert unb64(text, "dg2") is unb64(text, "dg2")
    for bad in (text[:-1] + "!", text + "A", " " + text):
        for _ in range(2):
            with pytest.raises(TokenFormatError):
                unb64(bad, "dg2")
