"""PDF signatures with the card (PAdES, on pyHanko) and their verification."""

from __future__ import annotations

from asn1crypto import cms, tsp  # noqa: F401 - tsp adds signing_certificate_v2 to the OID maps


def _refresh_oid_names() -> None:
    # asn1crypto builds an OID type's name->OID map on first use; names that
    # asn1crypto.tsp and pyHanko add to `_map` later (signing_certificate_v2 …)
    # are missing from it when our CMS code ran first in this process.
    for oid_type in (cms.CMSAttributeType, cms.ContentType):
        if oid_type._reverse_map is not None:
            for dotted, name in oid_type._map.items():
                oid_type._reverse_map.setdefault(name, dotted)


_refresh_oid_names()
