"""The verdict as badges a citizen understands, built from the library's checks.

Four badges: issuer (passive authentication), chip (AA / CA), document
(check digits, expiry) and the card's certificate. A badge is green only
when every check it stands for passed; a failed or untrusted check makes it
red with the reason; a check that could not be done makes it amber. A last
safety net: if the library's own `Verdict.verified` is False while no badge
is red, a red badge says which required check did not pass — nothing looks
verified that the library did not verify.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

from gui.i18n import I18n
from gui.trust import CertificateReport
from idcard.document import Document
from idcard.marking import anchors_marked_test
from idcard.verdict import Check, Result, Verdict

OK, BAD, WARN = "ok", "bad", "warn"

ISSUER_CODES = (
    "sod.signature",
    "ds.validity",
    "csca.chain",
    "crl",
    "sod.parse",
    "lds.parse",
    "lds.face",
)
CHIP_CODES = ("chip.active_auth", "chip.chip_auth", "chip.pace_cam", "chip.genuine")
DOCUMENT_CODES = ("mrz.check_digits", "national_code.check_digit", "document.expired")


translate = QCoreApplication.translate


@dataclass(frozen=True)
class Badge:
    group: str  # issuer | chip | document | certificate | verdict
    level: str  # ok | bad | warn
    title: str
    reason: str = ""


def _dg_label(code: str) -> str:
    number = code.rsplit("dg", 1)[-1]
    labels = {
        "1": translate("Verdict", "document data"),
        "2": translate("Verdict", "photo"),
        "11": translate("Verdict", "personal details"),
        "12": translate("Verdict", "issuance details"),
        "14": translate("Verdict", "chip keys"),
        "15": translate("Verdict", "chip keys"),
    }
    return labels.get(number, translate("Verdict", "data group {n}").format(n=number))


def check_reason(check: Check, i18n: I18n) -> str:
    """A plain-words reason for a check that did not pass (translated)."""
    code, result = check.code, check.result
    if code.startswith("sod.hash."):
        return translate(
            "Verdict", "Data on the chip was changed after the registry signed it ({what})."
        ).format(what=_dg_label(code))
    if code == "sod.signature" or code == "sod.parse":
        return translate("Verdict", "The registry's signature on the data is not valid.")
    if code == "ds.validity":
        return translate("Verdict", "The registry's signing certificate is not valid at this date.")
    if code == "csca.chain":
        if result is Result.UNTRUSTED:
            return translate("Verdict", "The issuer is not in this app's list of trusted issuers.")
        return translate("Verdict", "The data was signed by an unknown or false issuer.")
    if code == "crl":
        return translate(
            "Verdict",
            "The registry's signing certificate is revoked, or its revocation list is unreadable.",
        )
    if code in ("lds.parse", "lds.face"):
        return translate("Verdict", "Some data on the card cannot be read.")
    if code in ("chip.active_auth", "chip.chip_auth", "chip.pace_cam"):
        if result is Result.NOT_PERFORMED:
            return translate("Verdict", "The chip's genuineness could not be checked.")
        return translate(
            "Verdict", "The chip could not prove it is the original chip; it may be a copy."
        )
    if code == "chip.genuine":
        return translate("Verdict", "The chip's genuineness could not be checked.")
    if code == "mrz.check_digits":
        return translate("Verdict", "The check digits of the document data are wrong.")
    if code == "national_code.check_digit":
        return translate("Verdict", "The national code on the card is not a valid national code.")
    if code == "document.expired":
        return translate("Verdict", "The card has expired or its expiry date cannot be read.")
    if code == "cert.validity":
        return translate("Verdict", "The card's certificate is not valid at this date.")
    if code == "cert.chain":
        if result is Result.UNTRUSTED:
            return translate(
                "Verdict", "The card's certificate was not issued by a trusted authority."
            )
        return translate("Verdict", "The card's certificate chain does not verify.")
    if code == "cert.national_code":
        return translate("Verdict", "The card's certificate names another national code.")
    if code == "cert.parse":
        return translate("Verdict", "The card's certificate cannot be read.")
    return translate("Verdict", "Check {code} did not pass.").format(code=code)


def check_title(code: str) -> str:
    """What a check establishes, for the details list (translated)."""
    if code.startswith("sod.hash."):
        return translate("Verdict", "Unchanged since issue: {what}").format(what=_dg_label(code))
    titles = {
        "sod.signature": translate("Verdict", "Registry's signature on the data"),
        "sod.parse": translate("Verdict", "Security object readable"),
        "ds.validity": translate("Verdict", "Registry's signing certificate valid"),
        "csca.chain": translate("Verdict", "Signing certificate issued by a trusted registry"),
        "crl": translate("Verdict", "Signing certificate not revoked"),
        "lds.parse": translate("Verdict", "Card data readable"),
        "lds.face": translate("Verdict", "Photo readable"),
        "chip.active_auth": translate("Verdict", "Genuine chip (active authentication)"),
        "chip.chip_auth": translate("Verdict", "Genuine chip (chip authentication)"),
        "chip.pace_cam": translate("Verdict", "Genuine chip (PACE-CAM)"),
        "chip.genuine": translate("Verdict", "Genuine chip"),
        "mrz.check_digits": translate("Verdict", "Document data check digits"),
        "national_code.check_digit": translate("Verdict", "National code check digit"),
        "document.expired": translate("Verdict", "Card not expired"),
        "cert.validity": translate("Verdict", "Card certificate valid"),
        "cert.chain": translate("Verdict", "Card certificate issued by a trusted authority"),
        "cert.national_code": translate("Verdict", "Card certificate names the same national code"),
        "cert.parse": translate("Verdict", "Card certificate readable"),
        "desk.record_hash": translate("Verdict", "Record unchanged since it was saved"),
        "desk.challenge": translate("Verdict", "Chip signed this desk's challenge"),
        "desk.identity": translate("Verdict", "Stored identity matches the chip data"),
    }
    return titles.get(code, code)


def result_label(result: Result) -> str:
    return {
        Result.PASSED: translate("Verdict", "passed"),
        Result.FAILED: translate("Verdict", "failed"),
        Result.UNTRUSTED: translate("Verdict", "untrusted"),
        Result.NOT_PERFORMED: translate("Verdict", "not performed"),
    }[result]


def _level(checks: list[Check]) -> str:
    if any(c.result in (Result.FAILED, Result.UNTRUSTED) for c in checks):
        return BAD
    if not checks or any(c.result is Result.NOT_PERFORMED for c in checks):
        return WARN
    return OK


def _first_problem(checks: list[Check], i18n: I18n) -> str:
    bad = [c for c in checks if c.result in (Result.FAILED, Result.UNTRUSTED)]
    pending = [c for c in checks if c.result is Result.NOT_PERFORMED]
    reasons = dict.fromkeys(check_reason(c, i18n) for c in (bad or pending))
    return " ".join(reasons)


def badges(
    document: Document,
    certificate: CertificateReport | None,
    i18n: I18n,
    *,
    test_anchors: bool = False,
) -> list[Badge]:
    """Issuer, chip, document and certificate badges, and a red "not verified" if none of them is red."""
    out = [
        issuer_badge(document, i18n, test_anchors=test_anchors),
        chip_badge(document.verdict, i18n),
        document_badge(document, i18n),
        certificate_badge(certificate, i18n),
    ]
    safety_net = verdict_badge(document.verdict, out, i18n)
    if safety_net is not None:
        out.append(safety_net)
    return out


def issuer_badge(document: Document, i18n: I18n, *, test_anchors: bool = False) -> Badge:
    """Passive authentication: the registry signed this data and nothing changed since."""
    verdict = document.verdict
    issuer = [c for c in verdict.checks if c.code in ISSUER_CODES or c.code.startswith("sod.hash.")]
    # Needed: the SOD signature, its signer's chain, and the hash of every data group that was
    # read. A data group not read ("not performed") and "no CRL supplied" are not problems.
    needed = ["sod.signature", "ds.validity", "csca.chain"] + [
        f"sod.hash.dg{n}" for n in sorted(document.files.dgs)
    ]
    problems = [c for c in issuer if c.result in (Result.FAILED, Result.UNTRUSTED)]
    missing = [verdict.get(code) for code in needed]
    pending = [c for c in missing if c is not None and c.result is Result.NOT_PERFORMED]
    if not problems and not pending and all(c is not None for c in missing):
        chain = verdict.get("csca.chain")
        csca = str(chain.details.get("csca", "")) if chain else ""
        if test_anchors and "TEST" in csca:
            return Badge("issuer", OK, translate("Verdict", "Issued by the TEST registry (demo) — verified"))
        return Badge("issuer", OK, translate("Verdict", "Issued by the national registry — verified"))
    title = translate("Verdict", "Not verified as issued by the national registry")
    reason = _first_problem(problems or pending, i18n) or translate(
        "Verdict", "A required check is missing."
    )
    return Badge("issuer", BAD if problems else WARN, title, reason)


def chip_badge(verdict: Verdict, i18n: I18n) -> Badge:
    """Active / Chip Authentication: the chip is the one the registry issued, not a copy."""
    chip = [c for c in verdict.checks if c.code in CHIP_CODES]
    level = _level(chip)
    if level == OK:
        return Badge("chip", OK, translate("Verdict", "Genuine chip — verified"))
    if level == BAD:
        return Badge("chip", BAD, translate("Verdict", "Chip not genuine"), _first_problem(chip, i18n))
    return Badge(
        "chip", WARN, translate("Verdict", "Chip genuineness not checked"), _first_problem(chip, i18n)
    )


def document_badge(document: Document, i18n: I18n) -> Badge:
    """The document's own rules: check digits, national code, expiry."""
    checks = [c for c in document.verdict.checks if c.code in DOCUMENT_CODES]
    level = _level(checks)
    identity = document.identity
    if level == OK and identity is not None and identity.expiry_date is not None:
        title = translate("Verdict", "Card valid until {date}").format(
            date=i18n.short_date(identity.expiry_date)
        )
        return Badge("document", OK, title)
    return Badge(
        "document",
        BAD if level != WARN else WARN,
        translate("Verdict", "Card data not valid"),
        _first_problem(checks, i18n) or translate("Verdict", "The card's data cannot be read."),
    )


def certificate_badge(certificate: CertificateReport | None, i18n: I18n) -> Badge:
    """The card's authentication certificate: issued by a trusted CA, valid, naming this person."""
    if certificate is None:
        return Badge(
            "certificate",
            WARN,
            translate("Verdict", "No certificate on this card"),
            translate("Verdict", "This card has no certificate for logging in or signing."),
        )
    level = _level(certificate.checks)
    if level == OK and certificate.not_after is not None:
        title = translate("Verdict", "Certificate valid until {date}").format(
            date=i18n.short_date(certificate.not_after.date())
        )
        return Badge("certificate", OK, title)
    return Badge(
        "certificate",
        level,
        translate("Verdict", "Certificate not valid"),
        _first_problem(certificate.checks, i18n),
    )


def verdict_badge(verdict: Verdict, shown: list[Badge], i18n: I18n) -> Badge | None:
    """The safety net: nothing looks verified that the library did not verify."""
    if verdict.verified or any(b.level == BAD for b in shown):
        return None
    missing = [c for c in verdict.checks if c.code in verdict.required and c.result is not Result.PASSED]
    reason = (
        _first_problem(missing, i18n)
        if missing
        else translate("Verdict", "A required check is missing.")
    )
    return Badge("verdict", BAD, translate("Verdict", "Not verified"), reason)


def test_notice() -> str:
    """The TEST mark for any verdict that rests on the demo/test PKI (idcard.marking)."""
    return translate("Verdict", "TEST certificates (demo): not a verification against the national registry")


def shows_test_verdict(document: Document, certificate: CertificateReport | None) -> bool:
    """Whether this verdict rests on a TEST anchor (the document's CSCA or the certificate's root)."""
    checks = list(document.verdict.checks) + (list(certificate.checks) if certificate else [])
    return bool(anchors_marked_test(checks))


def overall_verified(document: Document, certificate: CertificateReport | None) -> bool:
    """Green headline only when the library says verified and the certificate (if any) checks out."""
    if not document.verdict.verified:
        return False
    return certificate is None or certificate.verified


def genuineness_note(chip: Check | None) -> str | None:
    """Plain words for a real card whose chip could not be proven genuine (issue 12); None if it was."""
    if chip is not None and chip.result is Result.PASSED:
        return None
    if chip is not None and chip.result is Result.FAILED:
        return translate(
            "Verdict",
            "This chip failed the registry's card check: it may be a copy. Do not rely on this card.",
        )
    if chip is not None and "ID PIN" in chip.reason:
        # The service is there; the citizen skipped the PIN card authentication needs.
        return translate(
            "Verdict",
            "The certificate on this card was read, but the chip was not checked: the registry's card check needs your ID PIN. Read the card again and enter it.",
        )
    return translate(
        "Verdict",
        "The certificate on this card was read, but whether the chip itself is genuine could not be "
        "checked here: that needs the registry's card-authentication service. A copied chip would "
        "look the same.",
    )
