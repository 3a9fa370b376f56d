"""The DocumentTypeList a document signer certificate may carry (ICAO 9303-12, 7.1.1.3).

A state that uses one signer per document type lists those types in the DS
certificate; a DS key then vouches only for documents of those types. Where
the extension is present, the document's MRZ code must be one of them — else a
signer issued for, say, visas could vouch for an identity card.
"""

from __future__ import annotations

from asn1crypto import core as asn1
from cryptography import x509

from idcard.asn1 import ASN1_ERRORS
from idcard.pki.certcache import per_bytes, x509_certificate
from idcard.verdict import Check, Result

__all__ = ["CHECK_CODE", "OID_DOCUMENT_TYPE_LIST", "DocumentTypeList", "document_type_check", "document_types"]

OID_DOCUMENT_TYPE_LIST = x509.ObjectIdentifier("2.23.136.1.1.6.2")
CHECK_CODE = "ds.document_type"


class DocumentTypeList(asn1.Sequence):
    """DocumentTypeListSyntax ::= SEQUENCE { version INTEGER (v0), docTypeList SET OF DocumentType }."""

    _fields = [
        ("version", asn1.Integer),
        ("doc_type_list", asn1.SetOf, {"spec": asn1.PrintableString}),
    ]


@per_bytes  # a portal sees the same few signers in every token
def document_types(ds_der: bytes) -> frozenset[str] | None:
    """The document types the DS certificate names, None when it has no such extension.

    Raises ValueError when the extension is there but unreadable (a failed check, not a pass).
    """
    cert = x509_certificate(ds_der)
    extensions = cert["tbs_certificate"]["extensions"]
    for extension in extensions if extensions.native is not None else []:
        if extension["extn_id"].dotted != OID_DOCUMENT_TYPE_LIST.dotted_string:
            continue
        try:
            parsed = DocumentTypeList.load(extension["extn_value"].native, strict=True)
            return frozenset(str(t).strip("<") for t in parsed["doc_type_list"].native)
        except ASN1_ERRORS as exc:
            raise ValueError(f"the DocumentTypeList extension is malformed: {exc}") from None
    return None


def _listed(code: str, types: frozenset[str]) -> bool:
    # A one-letter type ("P", "I") stands for every code that starts with it (ICAO 9303-3).
    return any(code == t or (len(t) == 1 and code.startswith(t)) for t in types)


def document_type_check(ds_der: bytes | None, document_code: str) -> Check:
    """`ds.document_type`: the MRZ's document code is one the signer may sign for."""
    if ds_der is None:
        return Check(CHECK_CODE, Result.NOT_PERFORMED, "no document signer certificate")
    try:
        types = document_types(ds_der)
    except ValueError as exc:
        return Check(CHECK_CODE, Result.FAILED, str(exc))
    code = document_code.strip("<")
    if types is None:
        return Check(CHECK_CODE, Result.NOT_PERFORMED, "the document signer certificate lists no document types")
    details: dict[str, object] = {"documentCode": code, "documentTypes": sorted(types)}
    if _listed(code, types):
        return Check(CHECK_CODE, Result.PASSED, f"the signer may sign {code} documents", details)
    return Check(
        CHECK_CODE,
        Result.FAILED,
        f"the document signer may sign only {', '.join(sorted(types))} documents, not {code}",
        details,
    )
