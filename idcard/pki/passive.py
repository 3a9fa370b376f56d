"""Passive authentication (ICAO 9303-11 §5.1): is the data what the issuer signed?

1. EF.SOD parses; its signer info's signature verifies with the DS certificate
   inside it (`sod.signature`).
2. Every data group read hashes to the value in the SOD (`sod.hash.dgN`).
3. The DS certificate chains to a trusted CSCA at `at` (`ds.validity`,
   `csca.chain`, `crl`).

All of it comes back as checks in a Verdict; hostile bytes end as failed
checks with a reason, never as an exception.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from idcard.errors import IdCardError
from idcard.lds.sod import SignerInfo, Sod, find_certificate
from idcard.pki.certcache import certificate_info, parsed_sod, signer_certificate
from idcard.pki.chain import validate_chain
from idcard.pki.cms import SignerFields, verify_signer
from idcard.pki.crl import Crl
from idcard.pki.doctype import document_type_check
from idcard.pki.keys import ASN1_ERRORS, HASHES, digest
from idcard.pki.trust import TrustStore
from idcard.verdict import Verdict

#: Without these, passing DG hashes prove nothing (anyone can hash data).
REQUIRED_CHECKS = ("sod.signature", "sod.signer_role", "ds.validity", "csca.chain")


def passive_authentication(
    sod_bytes: bytes,
    data_groups: Mapping[int, bytes],
    trust: TrustStore | None,
    *,
    at: datetime | None = None,
    crls: Iterable[Crl | bytes] = (),
    document_code: str | None = None,
) -> Verdict:
    """`document_code` (the MRZ's, when known) is checked against the signer's
    DocumentTypeList where the DS certificate has one (`ds.document_type`)."""
    verdict = Verdict(required=REQUIRED_CHECKS)
    when = at or datetime.now(UTC)
    try:
        sod = parsed_sod(sod_bytes)
    except IdCardError as exc:
        _unparsed(verdict, exc.message, data_groups)
        return verdict
    ds_der = _signature_check(verdict, sod, trust)
    _hash_checks(verdict, sod, data_groups)
    if ds_der is None:
        reason = "no document signer certificate to validate"
        verdict.not_performed("sod.signer_role", reason)
        verdict.not_performed("ds.validity", reason)
        verdict.not_performed("csca.chain", reason)
        verdict.not_performed("crl", reason)
    else:
        verdict.extend(validate_chain(ds_der, trust, at=when, crls=crls))
        if document_code is not None:
            verdict.extend([document_type_check(ds_der, document_code)])
    return verdict


def _unparsed(verdict: Verdict, message: str, data_groups: Mapping[int, bytes]) -> None:
    reason = message if message.startswith("EF.SOD") else f"EF.SOD is malformed: {message}"
    verdict.failed("sod.parse", reason)
    reason = "EF.SOD could not be parsed"
    verdict.not_performed("sod.signature", reason)
    for number in sorted(data_groups):
        verdict.not_performed(f"sod.hash.dg{number}", reason)
    for code in ("sod.signer_role", "ds.validity", "csca.chain", "crl"):
        verdict.not_performed(code, reason)


def _signature_check(verdict: Verdict, sod: Sod, trust: TrustStore | None) -> bytes | None:
    """Add `sod.signature`; return the DS certificate it names (even if the signature fails)."""
    code = "sod.signature"
    if len(sod.signer_infos) != 1:
        verdict.failed(
            code, f"EF.SOD has {len(sod.signer_infos)} signer infos; ICAO 9303 needs one"
        )
        return None
    signer = sod.signer_infos[0]
    ds_der = signer_certificate(signer, sod.certificates, embedded=True)
    if ds_der is None and trust is not None:
        # Some states leave the DS certificate out of the SOD; a store may hold it.
        ds_der = find_certificate(signer, [c.der for c in trust])
    if ds_der is None:
        # ICAO 9303-10 requires the DS certificate in the SOD; without it nothing is proven.
        verdict.failed(
            code, "EF.SOD does not carry the document signer certificate its signer info names"
        )
        return None
    try:
        subject = certificate_info(ds_der).subject_dn
        algorithm = verify_signer(
            _fields(signer), sod.content_type, sod.encapsulated_content, ds_der
        )
    except IdCardError as exc:
        verdict.failed(code, f"EF.SOD signature is not valid: {exc.message}")
        return ds_der
    except ASN1_ERRORS as exc:  # a path the typed wrappers missed: still a verdict, not a crash
        verdict.failed(code, f"EF.SOD signature could not be checked: {exc!r}")
        return ds_der
    verdict.passed(
        code,
        f"EF.SOD is signed by document signer {subject}",
        algorithm=algorithm.name,
        signer=subject,
    )
    return ds_der


def _fields(signer: SignerInfo) -> SignerFields:
    has_attrs = signer.signed_attributes_der is not None
    return SignerFields(
        digest_algorithm=signer.digest_algorithm,
        signature_algorithm_der=signer.signature_algorithm_der,
        signed_attributes=signer.signed_attributes if has_attrs else None,
        signed_attributes_der=signer.signed_attributes_der,
        signature=signer.signature,
    )


def _hash_checks(verdict: Verdict, sod: Sod, data_groups: Mapping[int, bytes]) -> None:
    supported = sod.hash_algorithm in HASHES
    for number in sorted(set(sod.dg_hashes) | set(data_groups)):
        code = f"sod.hash.dg{number}"
        expected = sod.dg_hashes.get(number)
        content = data_groups.get(number)
        if expected is None:
            verdict.failed(code, f"DG{number} was read but EF.SOD does not list it")
        elif content is None:
            verdict.not_performed(code, f"DG{number} is listed in EF.SOD but was not read")
        elif not supported:
            verdict.failed(code, f"EF.SOD uses an unsupported hash algorithm {sod.hash_algorithm}")
        elif hmac.compare_digest(digest(sod.hash_algorithm, bytes(content)), expected):
            verdict.passed(code, f"DG{number} matches its {sod.hash_algorithm} hash in EF.SOD")
        else:
            verdict.failed(code, f"DG{number} does not match its hash in EF.SOD (altered data)")
