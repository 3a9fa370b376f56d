"""PAdES signatures made with the card (ETSI EN 319 142-1): B-B, B-T, B-LT.

* B-B: the signature dictionary (/SubFilter /ETSI.CAdES.detached) with the
  signing certificate and the chain given by the caller embedded in the CMS;
* B-T: plus an RFC 3161 signature time-stamp from `tsa_url`;
* LTV (`ltv=True`): plus a document security store with the chain and the
  CRLs, so the signature validates later without the network; with a TSA this
  is B-LT.

The PDF is appended to (an incremental update): the bytes before the
signature stay as they were, so earlier signatures keep validating.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

from idcard.errors import IdCardError, UsageError
from idcard.pdf.der import certificates
from idcard.pdf.der import crls as load_crls
from idcard.pdf.signer import DIGEST_ALGORITHM, CardSigner
from idcard.pdf.stamp import stamp_style
from idcard.signing import check_signing_certificate

if TYPE_CHECKING:
    from idcard.session import IdCard

__all__ = ["PdfSignOptions", "SignedPdf", "VisibleField", "sign_pdf", "FIELD_NAME"]

FIELD_NAME = "IdCardSignature"


@dataclass(frozen=True)
class VisibleField:
    """Where the signature's appearance goes: page (1-based, -1 = last) and a box in points."""

    page: int = 1
    box: tuple[int, int, int, int] = (36, 36, 286, 116)
    #: The signer's name as it is written on the card (Persian), shown in the field.
    name: str | None = None

    @classmethod
    def parse(cls, spec: str) -> VisibleField:
        """`PAGE:X1,Y1,X2,Y2`, `PAGE` or empty (the defaults)."""
        page_text, _, box_text = spec.partition(":")
        try:
            page = int(page_text) if page_text else 1
            box = tuple(int(v) for v in box_text.split(",")) if box_text else cls.box
        except ValueError:
            raise UsageError(f"--field takes PAGE:X1,Y1,X2,Y2 (points), not {spec!r}.") from None
        if page == 0 or len(box) != 4 or box[0] >= box[2] or box[1] >= box[3]:
            raise UsageError(f"--field takes PAGE:X1,Y1,X2,Y2 with X1<X2 and Y1<Y2, not {spec!r}.")
        return cls(page, (box[0], box[1], box[2], box[3]))


@dataclass(frozen=True)
class PdfSignOptions:
    #: Certificates to embed beside the signing certificate (DER): the citizen CA, the root.
    chain: Sequence[bytes] = ()
    #: Anchors the chain ends at (DER); needed for LTV (the path is validated to embed it).
    trust: Sequence[bytes] = ()
    tsa_url: str | None = None
    ltv: bool = False
    #: CRLs (DER) to embed with LTV, beside what the certificates' distribution points give.
    crls: Sequence[bytes] = ()
    #: Fetch CRLs/OCSP and missing issuers over the network for LTV.
    allow_fetching: bool = True
    visible: VisibleField | None = None
    reason: str | None = None
    location: str | None = None


@dataclass(frozen=True)
class SignedPdf:
    data: bytes = field(repr=False)
    level: str
    signer: str
    field_name: str


def _level(options: PdfSignOptions) -> str:
    if options.tsa_url and options.ltv:
        return "B-LT"
    if options.tsa_url:
        return "B-T"
    return "B-B"


def _validation_context(options: PdfSignOptions) -> ValidationContext:
    return ValidationContext(
        trust_roots=certificates(options.trust, "trust anchor"),
        other_certs=certificates(options.chain, "chain certificate"),
        crls=load_crls(options.crls),
        allow_fetching=options.allow_fetching,
        # Embedding a path without the revocation status of every certificate on
        # it would produce a file that claims long-term validation and cannot deliver it.
        revocation_mode="require",
    )


def sign_pdf(card: IdCard, pdf: bytes, pin2: str, options: PdfSignOptions = PdfSignOptions()) -> SignedPdf:  # noqa: B008
    """Sign `pdf` with the card's signing key (the card unlocked; `pin2` for this one signature).

    Raises `UsageError` for a file that is not a PDF pyHanko can update, and
    `IdCardError` codes `pdf.ltv` (chain or revocation data missing) and
    `pdf.tsa` (the time-stamp authority failed). Nothing is returned half-done.
    """
    if options.ltv and not options.trust:
        raise UsageError("--ltv needs the trust anchors the chain ends at (--trust).")
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError, KeyError) as exc:
        raise UsageError(f"The file is not a PDF that can be signed: {exc}") from None
    if writer.security_handler is not None:
        raise UsageError("Encrypted PDFs are not supported; sign the decrypted file.")

    signer = CardSigner(card, pin2, chain=certificates(options.chain, "chain certificate"))
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm=DIGEST_ALGORITHM,
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=options.reason,
        location=options.location,
        embed_validation_info=options.ltv,
        validation_context=_validation_context(options) if options.ltv else None,
    )
    new_field = fields.SigFieldSpec(sig_field_name=FIELD_NAME)
    style = None
    if options.visible is not None:
        page = options.visible.page
        new_field = fields.SigFieldSpec(
            sig_field_name=FIELD_NAME, on_page=page - 1 if page > 0 else page, box=options.visible.box
        )
        style = stamp_style(options.visible.name)
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer,
        timestamper=HTTPTimeStamper(options.tsa_url, timeout=15) if options.tsa_url else None,
        stamp_style=style,
        new_field_spec=new_field,
    )
    output = io.BytesIO()
    try:
        pdf_signer.sign_pdf(writer, output=output)
    except TimestampRequestError as exc:
        raise IdCardError(f"The time-stamp authority did not answer with a time-stamp: {exc}", code="pdf.tsa") from None
    except (PathBuildingError, PathValidationError, SigningError) as exc:
        raise IdCardError(
            f"Long-term validation data could not be gathered for the signing certificate: {exc}",
            code="pdf.ltv",
        ) from None
    except PdfError as exc:
        raise UsageError(f"The PDF cannot be signed: {exc}") from None
    if signer.signatures_made != 1:
        raise IdCardError("The card made no signature; no file was written.", code="sign.incomplete")
    subject = check_signing_certificate(signer.cert_der).subject.native
    return SignedPdf(
        data=output.getvalue(),
        level=_level(options),
        signer=str(subject.get("common_name", "")),
        field_name=FIELD_NAME,
    )
