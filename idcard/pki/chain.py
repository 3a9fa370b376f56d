"""Document signer -> CSCA path validation at a given time (ICAO 9303-11 §5.1, 9303-12).

ICAO's PKI has one level: a CSCA (or a CSCA link certificate) in the trust
store signs document signers directly, so validation is: the DS certificate
is valid at `at`, some stored CSCA with the DS's issuer DN / key identifier
verifies its signature and is itself valid at `at`, both certificates are
fit for their role, and — when CRLs are given — the DS is not revoked.

"No anchor for the issuer" is `untrusted`, not `failed`: a sound document of
a state whose CSCA the verifier lacks is not a forgery.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from idcard.errors import IdCardError
from idcard.pki.certcache import certificate_info, issuer_candidates
from idcard.pki.crl import Crl, check_revocation
from idcard.pki.trust import (
    CSCA,
    CertificateInfo,
    TrustStore,
    ca_problem,
    ds_profile_problem,
    validity_check,
)
from idcard.verdict import Check, Result


def validate_chain(
    ds_certificate_der: bytes,
    trust: TrustStore | None,
    *,
    at: datetime | None = None,
    crls: Iterable[Crl | bytes] = (),
) -> list[Check]:
    """The `ds.validity`, `csca.chain` and `crl` checks for one DS certificate."""
    when = _aware(at or datetime.now(UTC))
    try:
        ds = certificate_info(ds_certificate_der)
    except IdCardError as exc:
        reason = f"document signer certificate is unreadable: {exc.message}"
        return [
            Check("sod.signer_role", Result.FAILED, reason),
            Check("ds.validity", Result.FAILED, reason),
            Check("csca.chain", Result.FAILED, reason),
            Check("crl", Result.NOT_PERFORMED, reason),
        ]
    role_check = _signer_role(ds, trust)
    checks = [role_check, validity_check(ds, when, code="ds.validity", what="The document signer certificate")]
    if role_check.result is Result.FAILED:
        chain_check = Check("csca.chain", Result.FAILED, role_check.reason, role_check.details)
        anchors: list[CertificateInfo] = []
    else:
        chain_check, anchors = _csca_chain(ds, trust, when)
    checks.append(chain_check)
    crl_list, crl_errors = _load_crls(crls)
    if crl_errors:
        checks.append(Check("crl", Result.FAILED, "; ".join(crl_errors)))
    elif chain_check.result is not Result.PASSED and crl_list:
        checks.append(
            Check("crl", Result.NOT_PERFORMED, "no trusted CSCA to authenticate the CRL with")
        )
    else:
        checks.append(check_revocation(ds, anchors, crl_list, when))
    return checks


def _csca_chain(
    ds: CertificateInfo, trust: TrustStore | None, at: datetime
) -> tuple[Check, list[CertificateInfo]]:
    """The check, and the trusted certificates of the DS's issuer (for CRL signatures)."""
    no_anchor = f"no trust anchor for issuer {ds.issuer_dn}"
    details: dict[str, object] = {"issuer": ds.issuer_dn}
    if trust is None:
        return Check("csca.chain", Result.UNTRUSTED, no_anchor + " (no trust store)", details), []
    # Only CSCA anchors sign document signers: a citizen CA in the same store never does.
    candidates = [c for c in issuer_candidates(trust, ds) if trust.role_of(c) == CSCA]
    if not candidates:
        return Check("csca.chain", Result.UNTRUSTED, no_anchor, details), []
    signers: list[CertificateInfo] = []
    errors: list[str] = []
    for candidate in candidates:
        try:
            ds.verify_issued_by(candidate)
        except IdCardError as exc:
            errors.append(exc.message)
            continue
        signers.append(candidate)
    details["candidates"] = len(candidates)
    if not signers:
        return (
            Check(
                "csca.chain",
                Result.FAILED,
                f"the document signer certificate's signature does not verify with any of "
                f"{len(candidates)} CSCA certificate(s) for {ds.issuer_dn}",
                {**details, "errors": errors},
            ),
            [],
        )
    # The same CSCA key can sit in a self-signed and a link certificate with different
    # validity; any one that is valid and fit for the role is enough.
    problems = []
    for csca in signers:
        problem = ca_problem(csca, at, label="CSCA certificate")
        if problem is None:
            details.update(csca=csca.subject_dn, csca_serial=csca.serial_number)
            anchors = trust.with_subject_der(ds.issuer_der) or [csca]
            passed = Check(
                "csca.chain", Result.PASSED, f"issued by trusted CSCA {csca.subject_dn}", details
            )
            return passed, anchors
        problems.append(problem)
    return Check("csca.chain", Result.FAILED, "; ".join(problems), details), []


def _signer_role(ds: CertificateInfo, trust: TrustStore | None) -> Check:
    """`sod.signer_role`: the SOD's signer has the ICAO 9303-12 DS profile and its issuer,
    when the store knows it, is a CSCA (never a citizen CA: that is a citizen's own
    login or signing certificate presented as a document signer)."""
    details: dict[str, object] = {"subject": ds.subject_dn, "issuer": ds.issuer_dn}
    problem = ds_profile_problem(ds)
    if problem is None and trust is not None:
        roles = {trust.role_of(c) for c in issuer_candidates(trust, ds)}
        if roles and CSCA not in roles:
            problem = (
                f"the signer's issuer {ds.issuer_dn} is a {', '.join(sorted(r or '?' for r in roles))}"
                " trust anchor, not a CSCA: a citizen certificate is never a document signer"
            )
    if problem is not None:
        return Check("sod.signer_role", Result.FAILED, problem, details)
    return Check("sod.signer_role", Result.PASSED, "the signer has the document signer profile", details)


def _load_crls(crls: Iterable[Crl | bytes]) -> tuple[list[Crl], list[str]]:
    loaded: list[Crl] = []
    errors: list[str] = []
    for item in crls:
        if isinstance(item, Crl):
            loaded.append(item)
            continue
        try:
            loaded.append(Crl.load(item))
        except IdCardError as exc:
            errors.append(f"a supplied CRL is unreadable: {exc.message}")
    return loaded, errors


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)
