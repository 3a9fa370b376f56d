"""Verify the signatures in a PDF (pyHanko + pyhanko-certvalidator) as a verdict check list.

Checks, per signature (each carries the field name in its details):

* ``pdf.integrity``      the signed byte ranges hash to the signed digest and the
                         CMS signature verifies with the signer's key;
* ``pdf.signer``         who signed (subject, serialNumber, national code);
* ``pdf.chain``          RFC 5280 path from the signer to a trust anchor
                         (``untrusted`` when it ends at no anchor);
* ``pdf.revocation``     CRL/OCSP status, from the file's own validation data,
                         CRLs given by the caller, or the network when allowed;
* ``pdf.signing_time``   an RFC 3161 time-stamp, when there is one;
* ``pdf.assurance``      level of the issuing CA (policy 2.16.364.101.1.1.N);
* ``pdf.modifications``  what changed after signing: nothing, validation data
                         only (DSS / document time-stamps), or form filling and
                         annotations (allowed only with ``allow_incremental``).

`verify_pdf` is the one entry point; the desk calls it on a file a citizen brings.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import ModificationLevel, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

import idcard.pdf  # noqa: F401 - refreshes asn1crypto's OID names before pyHanko parses CMS
from idcard.pdf.assurance import LEVEL_NAMES, assurance_level
from idcard.pdf.der import certificates
from idcard.pdf.der import crls as load_crls
from idcard.verdict import Result, Verdict

__all__ = ["PdfSignatureReport", "PdfVerification", "verify_pdf"]

REQUIRED = ("pdf.integrity", "pdf.chain", "pdf.modifications")


@dataclass
class PdfSignatureReport:
    field_name: str
    signer: dict[str, object]
    level: int | None
    signing_time: str | None
    timestamped: bool

    def to_json(self) -> dict[str, object]:
        return {
            "field": self.field_name,
            "signer": self.signer,
            "assuranceLevel": self.level,
            "assuranceName": LEVEL_NAMES.get(self.level) if self.level else None,
            "signingTime": self.signing_time,
            "timestamped": self.timestamped,
        }


@dataclass
class PdfVerification:
    verdict: Verdict
    signatures: list[PdfSignatureReport] = field(default_factory=list)

    @property
    def result(self) -> Result:
        if self.verdict.failures:
            return Result.FAILED
        if self.verdict.is_untrusted:
            return Result.UNTRUSTED
        return Result.PASSED if self.verdict.verified else Result.FAILED

    @property
    def status(self) -> str:
        return {Result.PASSED: "verified", Result.UNTRUSTED: "untrusted"}.get(self.result, "failed")

    def to_json(self) -> dict[str, object]:
        return {
            "status": self.status,
            **self.verdict.to_json(),
            "signatures": [s.to_json() for s in self.signatures],
        }


def _signer(cert: asn1_x509.Certificate) -> dict[str, object]:
    subject = cert.subject.native
    serial = str(subject.get("serial_number", ""))
    return {
        "subject": cert.subject.human_friendly,
        "commonName": subject.get("common_name"),
        "serialNumber": serial or None,
        "nationalCode": serial[len("PNOIR-"):] if serial.startswith("PNOIR-") else None,
        "issuer": cert.issuer.human_friendly,
    }


def verify_pdf(
    data: bytes,
    trust: Iterable[bytes],
    *,
    crls: Sequence[bytes] = (),
    intermediates: Sequence[bytes] = (),
    at: dt.datetime | None = None,
    allow_incremental: bool = False,
    online: bool = False,
) -> PdfVerification:
    """Every signature in `data` against the anchors `trust` (DER certificates).

    Revocation is checked when there is data for it (the file's DSS or CMS
    revocation attribute, `crls`, or the network with `online`); then it is
    required for every certificate on the path. A PDF without signatures, or
    that does not parse, is a `failed` verdict, not an exception.
    """
    verdict = Verdict(required=REQUIRED)
    report = PdfVerification(verdict)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_regular_signatures
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        verdict.failed("pdf.parse", f"The file is not a readable PDF: {exc}")
        return report
    if not signatures:
        verdict.failed("pdf.signatures", "The PDF holds no signature.")
        return report

    anchors = certificates(trust, "trust anchor")
    given_crls = load_crls(crls)
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except (PdfError, ValueError, KeyError, TypeError):
        dss = None
    has_dss_revinfo = dss is not None and bool(dss.crls or dss.ocsps)
    check_revocation = bool(given_crls) or has_dss_revinfo or online
    kwargs: dict[str, object] = {
        "trust_roots": anchors,
        "other_certs": certificates(intermediates, "chain certificate"),
        "crls": given_crls,
        "allow_fetching": online,
        "revocation_mode": "require" if check_revocation else "soft-fail",
        "moment": at,
    }
    if dss is not None:
        context = dss.as_validation_context(kwargs)
    else:
        context = ValidationContext(**kwargs)  # type: ignore[arg-type]
    for embedded in signatures:
        report.signatures.append(
            _verify_one(verdict, embedded, context, check_revocation, allow_incremental, online, has_dss_revinfo)
        )
    return report


def _verify_one(  # noqa: C901, PLR0912 - one branch per check keeps the mapping readable
    verdict: Verdict,
    embedded: EmbeddedPdfSignature,
    context: ValidationContext,
    check_revocation: bool,
    allow_incremental: bool,
    online: bool,
    has_dss: bool,
) -> PdfSignatureReport:
    name = embedded.field_name
    where = {"field": name}
    try:
        status = validate_pdf_signature(embedded, signer_validation_context=context, ts_validation_context=context)
    except (SignatureValidationError, ValueError, KeyError, TypeError) as exc:
        verdict.failed("pdf.integrity", f"Signature {name!r} cannot be validated: {exc}", **where)
        return PdfSignatureReport(name, {}, None, None, False)

    signer = _signer(status.signing_cert)
    if status.intact and status.valid:
        verdict.passed(
            "pdf.integrity",
            f"The signed bytes of {name!r} are unchanged and the signature verifies "
            f"({status.pkcs7_signature_mechanism}, {status.md_algorithm}).",
            **where,
        )
    elif not status.intact:
        verdict.failed("pdf.integrity", f"The signed bytes of {name!r} were changed after signing.", **where)
    else:
        verdict.failed("pdf.integrity", f"The signature of {name!r} does not verify with the signer's key.", **where)
    verdict.passed("pdf.signer", f"Signed by {signer['subject']}.", **where, **signer)

    problem = status.trust_problem_indic
    path = status.validation_path
    if status.revoked:
        verdict.failed("pdf.chain", "A certificate on the signer's path is revoked.", **where)
    elif problem is None and path is not None:
        anchor = next(iter(path.iter_certs(include_root=True))).subject.human_friendly
        verdict.passed("pdf.chain", f"The signer's certificate chains to {anchor}.", **where, anchor=anchor)
    elif problem is AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND:
        verdict.untrusted("pdf.chain", "The signer's certificate chains to no trusted anchor.", **where)
    else:
        verdict.failed("pdf.chain", f"The signer's certificate path is not valid ({problem or 'no path'}).", **where)

    # Revocation
    if status.revoked:
        details = status.revocation_details
        verdict.failed("pdf.revocation", f"Revoked on {details.revocation_date:%Y-%m-%d}." if details else "Revoked.", **where)
    elif not check_revocation:
        verdict.not_performed("pdf.revocation", "No revocation data in the file or given, and the network is not used.", **where)
    elif problem is None and path is not None:
        source = "the file's validation data" if has_dss else "the network" if online else "the given CRLs"
        verdict.passed("pdf.revocation", f"Not revoked, according to {source}.", **where)
    elif problem in (AdESIndeterminate.TRY_LATER, AdESIndeterminate.CERTIFICATE_CHAIN_GENERAL_FAILURE, AdESIndeterminate.REVOCATION_OUT_OF_BOUNDS_NO_POE):
        verdict.failed("pdf.revocation", "Revocation status of a certificate on the path could not be established.", **where)
    elif problem is AdESFailure.REVOKED:
        verdict.failed("pdf.revocation", "A certificate on the path is revoked.", **where)
    else:
        verdict.not_performed("pdf.revocation", "No trusted path to check revocation on.", **where)

    # Signing time
    ts = status.timestamp_validity
    claimed = status.signer_reported_dt
    signing_time = claimed.isoformat() if claimed else None
    if ts is not None:
        signing_time = ts.timestamp.isoformat()
        if ts.intact and ts.valid and ts.trusted:
            verdict.passed("pdf.signing_time", f"Time-stamped {ts.timestamp:%Y-%m-%d %H:%M:%S %Z} by {ts.signing_cert.subject.human_friendly}.", **where, time=signing_time)
        elif ts.intact and ts.valid:
            verdict.untrusted("pdf.signing_time", "The time-stamp verifies but its authority is not trusted.", **where, time=signing_time)
        else:
            verdict.failed("pdf.signing_time", "The time-stamp does not verify.", **where)
    else:
        verdict.not_performed("pdf.signing_time", f"No time-stamp; the signer's computer claims {signing_time or 'no time'}.", **where, claimed=signing_time)

    # Assurance level
    level = assurance_level(reversed(list(path.iter_certs(include_root=True)))) if path is not None else None
    if level is not None:
        verdict.passed("pdf.assurance", f"Issued under assurance level {level} ({LEVEL_NAMES[level]}).", **where, level=level, name=LEVEL_NAMES[level])
    else:
        verdict.not_performed("pdf.assurance", "No CA on the path asserts an assurance level policy (2.16.364.101.1.1.N).", **where)

    # Modifications after signing
    coverage = status.coverage
    mod = status.modification_level
    if coverage is SignatureCoverageLevel.ENTIRE_FILE:
        verdict.passed("pdf.modifications", "Nothing was added after signing.", **where, level="none")
    elif coverage is not SignatureCoverageLevel.ENTIRE_REVISION or mod is None or mod is ModificationLevel.OTHER:
        verdict.failed("pdf.modifications", "The file was changed after signing in ways a signer cannot have allowed.", **where, level="other")
    elif status.docmdp_ok is False:
        verdict.failed("pdf.modifications", "Changes after signing break the document's modification permissions.", **where, level=mod.name.lower())
    elif mod is ModificationLevel.LTA_UPDATES:
        verdict.passed("pdf.modifications", "Only validation data and time-stamps were added after signing.", **where, level="validation_data")
    elif allow_incremental:
        verdict.passed("pdf.modifications", f"Incremental updates after signing ({mod.name.lower()}), allowed.", **where, level=mod.name.lower())
    else:
        verdict.failed("pdf.modifications", f"Incremental updates after signing ({mod.name.lower()}); not allowed.", **where, level=mod.name.lower())
    return PdfSignatureReport(name, signer, level, signing_time, ts is not None)
