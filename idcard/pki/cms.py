"""Verifying one CMS SignerInfo (RFC 5652 §5.4, §5.6) over an encapsulated content.

Shared by EF.SOD (passive authentication) and CSCA master lists: both are
SignedData whose signer signs DER signed attributes carrying content-type and
message-digest.
"""

from __future__ import annotations

import functools
import hmac
from dataclasses import dataclass

from asn1crypto import algos, cms, core

from idcard.errors import MalformedResponseError
from idcard.pki.keys import (
    ASN1_ERRORS,
    InvalidSignatureError,
    SignatureAlgorithm,
    certificate_public_key,
    digest,
    hash_name,
    signature_algorithm_from_der,
)

_ATTR_CONTENT_TYPE = "1.2.840.113549.1.9.3"
_ATTR_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
_ATTR_ALGORITHM_PROTECTION = "1.2.840.113549.1.9.52"


@dataclass(frozen=True)
class SignerFields:
    """What signature verification needs from a SignerInfo, already decoded."""

    digest_algorithm: str  # dotted OID
    signature_algorithm_der: bytes
    #: Attribute OID -> DER values; None when the SignerInfo has no signed attributes.
    signed_attributes: dict[str, tuple[bytes, ...]] | None
    #: Signed attributes re-tagged as SET (31), as RFC 5652 §5.4 has them signed.
    signed_attributes_der: bytes | None
    signature: bytes

    @classmethod
    def from_asn1(cls, si: cms.SignerInfo) -> SignerFields:
        try:
            attrs: dict[str, tuple[bytes, ...]] | None = None
            attrs_der = None
            if si["signed_attrs"].native is not None:
                attrs = {}
                for attr in si["signed_attrs"]:
                    oid = attr["type"].dotted
                    if oid in attrs:
                        raise MalformedResponseError(f"signed attribute {oid} appears twice")
                    attrs[oid] = tuple(v.dump() for v in attr["values"])
                attrs_der = b"\x31" + si["signed_attrs"].dump()[1:]
            return cls(
                digest_algorithm=si["digest_algorithm"]["algorithm"].dotted,
                signature_algorithm_der=si["signature_algorithm"].dump(),
                signed_attributes=attrs,
                signed_attributes_der=attrs_der,
                signature=si["signature"].native,
            )
        except ASN1_ERRORS as exc:
            raise MalformedResponseError(f"malformed SignerInfo: {exc}") from exc


def verify_signer(
    signer: SignerFields, econtent_type: str, econtent: bytes, certificate_der: bytes
) -> SignatureAlgorithm:
    """Raise unless `signer` signed `econtent` with the key of `certificate_der`.

    Raises InvalidSignatureError (with a reason), UnsupportedAlgorithmError or
    MalformedResponseError; returns the signature algorithm that verified.
    """
    hash_alg = hash_name(signer.digest_algorithm)
    algorithm = signature_algorithm_from_der(
        signer.signature_algorithm_der, digest_algorithm=hash_alg
    )
    if signer.signed_attributes is None or signer.signed_attributes_der is None:
        # No signed attributes: the signature is directly over the content.
        signed_bytes = econtent
    else:
        _check_attributes(signer.signed_attributes, econtent_type, digest(hash_alg, econtent))
        _check_algorithm_protection(signer)
        signed_bytes = signer.signed_attributes_der
    key = certificate_public_key(certificate_der)
    key.verify(signer.signature, signed_bytes, algorithm)
    return algorithm


def _check_attributes(
    attrs: dict[str, tuple[bytes, ...]], econtent_type: str, expected: bytes
) -> None:
    content_type = attrs.get(_ATTR_CONTENT_TYPE)
    digest_values = attrs.get(_ATTR_MESSAGE_DIGEST)
    if not digest_values or len(digest_values) != 1:
        raise InvalidSignatureError("signed attributes carry no single message-digest")
    if not content_type or len(content_type) != 1:
        raise InvalidSignatureError("signed attributes carry no single content-type")
    signed_type, signed_digest = _decoded_attributes(content_type[0], digest_values[0])
    if signed_type != econtent_type:
        raise InvalidSignatureError(
            f"signed content-type {signed_type} differs from eContentType {econtent_type}"
        )
    if not hmac.compare_digest(signed_digest, expected):
        raise InvalidSignatureError("message-digest does not match the encapsulated content")


@functools.lru_cache(maxsize=256)
def _decoded_attributes(content_type_der: bytes, digest_der: bytes) -> tuple[str, bytes]:
    """The signed content-type OID and message digest; once per distinct DER (a portal
    sees the same EF.SOD from a returning citizen). Failures raise and are not cached."""
    try:
        signed_type = core.ObjectIdentifier.load(content_type_der, strict=True).dotted
        signed_digest = core.OctetString.load(digest_der, strict=True).native
    except ASN1_ERRORS as exc:
        raise InvalidSignatureError(f"signed attributes do not decode: {exc}") from exc
    return signed_type, signed_digest


def _check_algorithm_protection(signer: SignerFields) -> None:
    # RFC 6211: when present, it pins the algorithms so they cannot be swapped unsigned.
    values = (signer.signed_attributes or {}).get(_ATTR_ALGORITHM_PROTECTION)
    if values is None:
        return
    try:
        if len(values) != 1:
            raise ValueError("more than one value")
        protection = cms.CMSAlgorithmProtection.load(values[0], strict=True)
        signed_digest = protection["digest_algorithm"]["algorithm"].dotted
        signed_sig = protection["signature_algorithm"]
        actual_sig = algos.SignedDigestAlgorithm.load(signer.signature_algorithm_der, strict=True)
        same_signature = signed_sig.native is not None and (
            signed_sig["algorithm"].dotted == actual_sig["algorithm"].dotted
            and signed_sig["parameters"].native == actual_sig["parameters"].native
        )
    except ASN1_ERRORS as exc:
        raise InvalidSignatureError(
            f"CMSAlgorithmProtection attribute does not decode: {exc}"
        ) from exc
    if signed_digest != signer.digest_algorithm or not same_signature:
        raise InvalidSignatureError("CMSAlgorithmProtection does not match the signer's algorithms")
