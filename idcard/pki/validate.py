"""The one validator for citizens' login and signing certificates (and national PKI CAs).

Path building and RFC 5280 §6 path validation are done by pyhanko-certvalidator,
a maintained implementation (name chaining and key identifiers, signatures,
validity of every certificate at a chosen time, basicConstraints and path
length, keyUsage keyCertSign of every CA, unknown critical extensions, the
certificate-policy tree, algorithm policy with RSA keys below 2048 bits
refused). We do not write our own: three hand-written copies of this logic
had drifted apart and two of their checks were never tested (issue 13).

Around it, this module adds what RFC 5280 leaves to the application and what
our verdicts need:

* Trust anchors come from a role-aware `TrustStore`: only anchors of `role`
  (CITIZEN_CA by default) are roots, so a CSCA never vouches for a login
  certificate. Anchors are used with their own validity and must be CAs
  (RFC 5280 would take a bare key); a CA certificate read from a card is
  passed in `intermediates` and is never trusted by itself.
* The leaf's profile for its purpose (`usage`): keyUsage and EKU, `cA:TRUE`
  refused, weak public keys (RSA < 2048, EC < 256 bits) refused.
* Certificate policies allowed / forbidden by configuration, and the
  **assurance level** of Iran's governmental hierarchy: the level N of
  policy 2.16.364.101.1.1.N in the path's valid policy set (Bronze 1 …
  Platinum 4), with `min_assurance` giving its own error codes.
* Revocation as one named check (`cert.revocation`), with a `revocation`
  switch: "crl" checks the supplied CRLs (authenticated with the issuer the
  path found, `idcard.pki.crl`), "off" says it was not done, "ocsp" asks the
  leaf's responder through `idcard.pki.ocsp` (AIA responder, response signature,
  freshness, nonce; `offline` asks nobody and says so).

Each step is a `Check` whose `details["error"]` is a stable error code
(`cert.expired`, `cert.untrusted`, `cert.ca_invalid` …) that callers such as
the portal turn into typed errors.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from asn1crypto import x509 as asn1_x509
from cryptography.exceptions import UnsupportedAlgorithm
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.authority import CertTrustAnchor, derive_quals_from_cert
from pyhanko_certvalidator.errors import (
    DisallowedAlgorithmError,
    ExpiredError,
    NotYetValidError,
    PathBuildingError,
    PathValidationError,
    ValidationError,
)
from pyhanko_certvalidator.path import ValidationPath
from pyhanko_certvalidator.policy_decl import DisallowWeakAlgorithmsPolicy

from idcard.errors import IdCardError
from idcard.pki.certcache import certificate_info, x509_certificate
from idcard.pki.crl import Crl, check_revocation
from idcard.pki.keys import ASN1_ERRORS
from idcard.pki.ocsp import revocation_check
from idcard.pki.trust import CITIZEN_CA, CertificateInfo, TrustStore, ca_problem, validity_check
from idcard.verdict import Check, Result

Usage = Literal["auth", "sign", "ca"]
Revocation = Literal["crl", "ocsp", "off"]

#: Iran's national signature policy: 2.16.364.101.1.1.N is assurance level N.
ASSURANCE_POLICY_ARC = "2.16.364.101.1.1."
ASSURANCE_NAMES = {1: "Bronze", 2: "Silver", 3: "Gold", 4: "Platinum"}

#: Smallest public keys accepted anywhere in a path (bits).
MIN_RSA_BITS = 2048
MIN_EC_BITS = 256
#: Digests too weak for a certificate signature today (SHA-1: chosen-prefix collisions).
WEAK_HASHES = frozenset({"md2", "md5", "sha1"})

_T = TypeVar("_T")


@dataclass
class CertificateValidation:
    """The checks on one certificate, the path found (leaf first) and its assurance level."""

    checks: list[Check] = field(default_factory=list)
    path: list[CertificateInfo] = field(default_factory=list)
    assurance_level: int | None = None

    @property
    def result(self) -> Result:
        results = {c.result for c in self.checks}
        if Result.FAILED in results:
            return Result.FAILED
        if Result.UNTRUSTED in results:
            return Result.UNTRUSTED
        if Result.PASSED in results:
            return Result.PASSED
        return Result.NOT_PERFORMED

    @property
    def first_problem(self) -> Check | None:
        """The first failed or untrusted check (the one a fail-fast caller reports)."""
        for check in self.checks:
            if check.result in (Result.FAILED, Result.UNTRUSTED):
                return check
        return None

    def get(self, code: str) -> Check | None:
        for check in self.checks:
            if check.code == code:
                return check
        return None

    def to_json(self) -> dict[str, object]:
        return {
            "result": self.result.value,
            "assuranceLevel": self.assurance_level,
            "path": [
                {
                    "subject": c.subject_dn,
                    "issuer": c.issuer_dn,
                    "serialNumber": format(c.serial_number, "X"),
                    "notBefore": c.not_before.isoformat(),
                    "notAfter": c.not_after.isoformat(),
                }
                for c in self.path
            ],
            "checks": [c.to_json() for c in self.checks],
        }


#: Public key algorithms whose size asn1crypto can tell (and this project can verify with).
_SIZED_KEY_ALGORITHMS = frozenset({"rsa", "rsassa_pss", "ec", "dsa"})


def validate_certificate(
    leaf_der: bytes,
    *,
    trust: TrustStore | None,
    usage: Usage = "auth",
    intermediates: Iterable[bytes] = (),
    at: datetime | None = None,
    crls: Iterable[Crl | bytes] = (),
    min_assurance: int | None = None,
    revocation: Revocation = "crl",
    allowed_policies: Iterable[str] | None = None,
    forbidden_policies: Iterable[str] = (),
    role: str = CITIZEN_CA,
    offline: bool = False,
) -> CertificateValidation:
    """Validate `leaf_der` for `usage` at `at` (default now) against `trust`'s `role` anchors.

    `usage`: "auth" (login: digitalSignature, clientAuth if an EKU is present), "sign"
    (nonRepudiation or digitalSignature) or "ca" (a CA certificate listed on its own, as
    `idcard trust` does). Never raises for a bad certificate: every problem is a check.
    `revocation="ocsp"` asks the leaf's OCSP responder (`idcard.pki.ocsp`; CRLs given too
    are checked as well); `offline` then asks nobody and the check says so.
    """
    when = _aware(at or datetime.now(UTC))
    out = CertificateValidation()
    try:
        # Parsed once per process per certificate (a portal sees the same ones all day).
        leaf = certificate_info(leaf_der)
        leaf_asn1 = x509_certificate(leaf_der)
        policies = _policies(leaf_asn1)
        algorithm = leaf_asn1.public_key.algorithm
        if algorithm not in _SIZED_KEY_ALGORITHMS:
            # asn1crypto's bit_size fails with UnboundLocalError on other algorithms (fuzzing).
            return _unreadable(out, f"the certificate's public key algorithm {algorithm} is not supported")
        key_bits = (algorithm, leaf_asn1.public_key.bit_size)
    except IdCardError as exc:
        return _unreadable(out, exc.message)
    except ASN1_ERRORS as exc:
        return _unreadable(out, str(exc))
    out.path = [leaf]
    out.checks.append(
        Check(
            "cert.parse",
            Result.PASSED,
            leaf.subject_dn,
            {"issuer": leaf.issuer_dn, "serial": leaf.serial_number},
        )
    )
    out.checks.extend(_profile(leaf, usage, key_bits))
    out.checks.append(validity_check(leaf, when))
    path = _path(out, leaf, leaf_asn1, trust, role, intermediates, when)
    out.checks.append(_revocation(revocation, out.path, crls, when, path is not None, offline))
    out.checks.append(_policy(policies, allowed_policies, forbidden_policies))
    if path is not None:
        out.assurance_level = path.level
    assurance = _assurance(out.assurance_level, min_assurance)
    if assurance is not None:
        out.checks.append(assurance)
    return out


def _unreadable(out: CertificateValidation, message: str) -> CertificateValidation:
    out.checks.append(_fail("cert.parse", "cert.parse", f"The certificate is unreadable: {message}"))
    return out


# --- the leaf's profile ----------------------------------------------------------------


def _profile(leaf: CertificateInfo, usage: Usage, key_bits: tuple[str, int]) -> list[Check]:
    checks = []
    if usage == "ca":
        checks.append(
            Check("cert.basic_constraints", Result.PASSED, "a CA certificate")
            if leaf.is_ca
            else _fail("cert.basic_constraints", "cert.not_a_ca", f"{leaf.subject_dn} is not a CA")
        )
    elif leaf.is_ca:
        checks.append(
            _fail(
                "cert.basic_constraints",
                "cert.leaf_is_ca",
                "The certificate is a CA certificate (basicConstraints cA is true); "
                "a CA's key does not log in or sign for a person.",
            )
        )
    else:
        checks.append(Check("cert.basic_constraints", Result.PASSED, "an end-entity certificate"))

    ku = leaf.key_usage
    if usage == "auth":
        ok = ku is not None and "digital_signature" in ku
        want = "digitalSignature"
    elif usage == "sign":
        ok = ku is not None and bool({"digital_signature", "non_repudiation"} & ku)
        want = "nonRepudiation or digitalSignature"
    else:
        ok = ku is None or "key_cert_sign" in ku
        want = "keyCertSign"
    checks.append(
        Check("cert.key_usage", Result.PASSED, f"keyUsage has {want}")
        if ok
        else _fail(
            "cert.key_usage",
            "cert.key_usage",
            f"The certificate may not be used for this purpose (keyUsage lacks {want}).",
        )
    )
    if usage == "auth":
        eku = leaf.extended_key_usage
        if eku is not None and "1.3.6.1.5.5.7.3.2" not in eku and "2.5.29.37.0" not in eku:
            checks.append(
                _fail(
                    "cert.eku",
                    "cert.eku",
                    "The certificate is not for client authentication "
                    "(extendedKeyUsage lacks clientAuth).",
                )
            )
        else:
            checks.append(
                Check("cert.eku", Result.PASSED, "clientAuth" if eku else "no extendedKeyUsage")
            )

    algorithm, bits = key_bits
    minimum = MIN_RSA_BITS if algorithm == "rsa" else MIN_EC_BITS if algorithm == "ec" else 0
    if bits < minimum:
        checks.append(
            _fail(
                "cert.key",
                "cert.weak_key",
                f"The certificate's {algorithm.upper()} key has {bits} bits; "
                f"at least {minimum} are required.",
                bits=bits,
            )
        )
    else:
        checks.append(Check("cert.key", Result.PASSED, f"{algorithm.upper()} {bits} bits"))
    return checks


# --- the path ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Found:
    """A validated path (leaf first), its `cert.chain` check and assurance level."""

    path: tuple[CertificateInfo, ...]
    chain: Check
    level: int | None


#: How many validated paths a store remembers (see `_path`).
PATH_CACHE_SIZE = 4096


def _trust_anchor(cert: asn1_x509.Certificate) -> CertTrustAnchor:
    """A trust anchor with the limits its own certificate sets (RFC 5280 §6.2).

    pyhanko-certvalidator (0.33) leaves the AA-controls path length unset when the
    anchor has a pathLenConstraint, then fails with a TypeError on the first intermediate
    below it — e.g. a G3 level CA (Gold …) trusted on its own, with a citizen CA under
    it. Setting both limits from the certificate gives the same checks without the crash.
    """
    quals = derive_quals_from_cert(cert)
    if quals.max_path_length is not None and quals.max_aa_path_length is None:
        quals = replace(quals, max_aa_path_length=quals.max_path_length)
    return CertTrustAnchor(cert, quals=quals)



def _path(
    out: CertificateValidation,
    leaf: CertificateInfo,
    leaf_asn1: asn1_x509.Certificate,
    trust: TrustStore | None,
    role: str,
    intermediates: Iterable[bytes],
    at: datetime,
) -> _Found | None:
    """Append `cert.chain`; on success set `out.path` (leaf first) and return what was found.

    A path found once is remembered by its store (for the same leaf, intermediates and
    role): a portal sees the same login certificates all day, and the only part of the
    answer that changes with time is the CAs' validity, checked again on every use."""
    # An expired (or not yet valid) leaf is reported by cert.validity; the path is still
    # judged, at the last (first) moment the leaf was valid, so that "expired" and "from a
    # look-alike root" stay distinguishable.
    moment = min(max(at, leaf.not_before), leaf.not_after)
    key = (role, leaf.der, tuple(bytes(d) for d in intermediates))
    hit = trust.path_cache.get(key) if trust is not None else None
    if isinstance(hit, _Found) and all(c.valid_at(moment) for c in hit.path[1:]):
        out.path = list(hit.path)
        out.checks.append(hit.chain)
        return hit
    anchors = [c for c in trust or () if trust is not None and trust.role_of(c) == role]
    if not anchors:
        out.checks.append(
            _untrusted("cert.chain", f"No trusted {role} anchors to check {leaf.issuer_dn} against.")
        )
        return None
    if any(a.der == leaf.der for a in anchors):
        out.checks.append(Check("cert.chain", Result.PASSED, "the certificate is itself a trust anchor"))
        return None
    if leaf.is_self_issued:
        out.checks.append(
            _untrusted("cert.chain", f"{leaf.subject_dn} is self-signed and not a trust anchor.")
        )
        return None
    assert trust is not None  # there are anchors
    context = ValidationContext(
        trust_roots=[_trust_anchor(_asn1(a.der)) for a in anchors],
        other_certs=[_asn1(d) for d in key[2]],
        moment=moment,
        allow_fetching=False,
        revocation_mode="soft-fail",
        algorithm_usage_policy=DisallowWeakAlgorithmsPolicy(
            weak_hash_algos=WEAK_HASHES, rsa_key_size_threshold=MIN_RSA_BITS
        ),
    )
    validator = CertificateValidator(leaf_asn1, validation_context=context)
    try:
        path = _run(validator.async_validate_path())
    except PathBuildingError:
        broken = _broken_anchor(leaf, trust, role)
        if broken is not None:
            out.checks.append(_fail("cert.chain", "cert.ca_invalid", broken, issuer=leaf.issuer_dn))
            return None
        out.checks.append(
            _untrusted(
                "cert.chain",
                f"The certificate's issuer {leaf.issuer_dn} does not chain to a trusted {role} "
                "anchor.",
                issuer=leaf.issuer_dn,
            )
        )
        return None
    except (ExpiredError, NotYetValidError) as exc:
        out.checks.append(_fail("cert.chain", "cert.ca_invalid", _ca_message(exc), issuer=leaf.issuer_dn))
        return None
    except DisallowedAlgorithmError as exc:
        out.checks.append(
            _fail("cert.chain", "cert.weak_algorithm", exc.failure_msg, issuer=leaf.issuer_dn)
        )
        return None
    except PathValidationError as exc:
        # A path to an anchor's name whose signature does not verify: the anchor we hold
        # did not issue it (a look-alike). Anything else on the path is a broken CA.
        if "signature" in exc.failure_msg.lower() and len(exc.current_path) <= 2:
            out.checks.append(
                _untrusted(
                    "cert.chain",
                    f"The certificate's issuer {leaf.issuer_dn} is not a trusted CA "
                    "(no trusted key verifies its signature).",
                    issuer=leaf.issuer_dn,
                )
            )
        else:
            out.checks.append(
                _fail("cert.chain", "cert.ca_invalid", exc.failure_msg, issuer=leaf.issuer_dn)
            )
        return None
    except ValidationError as exc:
        out.checks.append(_fail("cert.chain", "cert.ca_invalid", exc.failure_msg))
        return None
    except (UnsupportedAlgorithm, ValueError, TypeError) as exc:
        # A key `cryptography` cannot load (explicit EC parameters of a custom curve …) or
        # a structure the validator trips over: never an exception out of this function.
        out.checks.append(
            _fail("cert.chain", "cert.ca_invalid", f"The path cannot be checked: {exc}")
        )
        return None
    certs = [CertificateInfo.from_der(c.dump()) for c in path.iter_certs(include_root=True)]
    out.path = list(reversed(certs))
    anchor = out.path[-1]
    issuing = out.path[1] if len(out.path) > 1 else anchor
    level = _assurance_level(path)
    chain = Check(
        "cert.chain",
        Result.PASSED,
        f"issued by {issuing.subject_dn}, trusted through {anchor.subject_dn}",
        # The level too, for callers that pass `cert.chain` on.
        {"ca": issuing.subject_dn, "root": anchor.subject_dn, "length": len(out.path),
         "assuranceLevel": level},
    )
    out.checks.append(chain)
    found = _Found(tuple(out.path), chain, level)
    if len(trust.path_cache) < PATH_CACHE_SIZE:
        trust.path_cache[key] = found
    return found


def _broken_anchor(leaf: CertificateInfo, trust: TrustStore | None, role: str) -> str | None:
    """Why the anchor that did sign `leaf` cannot issue it (the path builder only says "no
    path"): a held anchor that is no CA is a broken configuration, not a stranger."""
    if trust is None:
        return None
    for candidate in trust.issuer_candidates(leaf):
        if trust.role_of(candidate) != role:
            continue
        try:
            leaf.verify_issued_by(candidate)
        except (IdCardError, ValueError):
            continue
        # Its validity is checked by the validator (trust qualifiers from the certificate).
        problem = ca_problem(candidate, label="the trusted CA")
        if problem is not None:
            return problem
    return None


def _ca_message(exc: ExpiredError | NotYetValidError) -> str:
    return (
        "an issuing CA certificate is not valid at the time of validation: "
        + exc.failure_msg.removeprefix("The path could not be validated because ")
    )


# --- revocation, policies, assurance --------------------------------------------------


def _revocation(
    mode: Revocation,
    path: Sequence[CertificateInfo],
    crls: Iterable[Crl | bytes],
    at: datetime,
    have_path: bool,
    offline: bool = False,
) -> Check:
    code = "cert.revocation"
    if mode == "off":
        return Check(code, Result.NOT_PERFORMED, "revocation checking is switched off")
    if mode == "ocsp":
        issuer_der = path[1].der if have_path and len(path) > 1 else None
        by_ocsp = revocation_check(path[0].der, issuer_der, at=at, offline=offline, code=code)
        given = list(crls)
        if by_ocsp.result is Result.FAILED or not given:
            return by_ocsp
        # CRLs given as well: a revocation they list is not overruled by the responder.
        by_crl = _revocation("crl", path, given, at, have_path)
        return by_crl if by_crl.result is Result.FAILED else by_ocsp
    loaded: list[Crl] = []
    for item in crls:
        try:
            loaded.append(item if isinstance(item, Crl) else Crl.load(item))
        except IdCardError as exc:
            return _fail(code, "cert.crl", f"A supplied CRL is unreadable: {exc.message}")
    if not loaded:
        return Check(code, Result.NOT_PERFORMED, "no CRL configured (OCSP is off)")
    if not have_path or len(path) < 2:
        return Check(code, Result.NOT_PERFORMED, "no trusted issuer to authenticate a CRL with")
    # Every certificate below the anchor, each against the CRLs of the issuer the path found.
    first: Check | None = None
    for cert, issuer in zip(path, path[1:], strict=False):
        what = "certificate" if cert is path[0] else f"CA certificate {cert.subject_dn}"
        check = check_revocation(cert, [issuer], loaded, at, code=code, what=what)
        if check.result is Result.FAILED:
            error = "cert.revoked" if "revoked" in check.details else "cert.crl"
            return Check(code, Result.FAILED, check.reason, {**check.details, "error": error})
        first = first or check
    assert first is not None
    return first


def _policies(cert: asn1_x509.Certificate) -> list[str]:
    ext = cert.certificate_policies_value
    return [] if ext is None else [p["policy_identifier"].dotted for p in ext]


def _policy(
    policies: list[str], allowed: Iterable[str] | None, forbidden: Iterable[str]
) -> Check:
    bad = sorted(set(forbidden).intersection(policies))
    if bad:
        return _fail(
            "cert.policy",
            "cert.policy",
            f"The certificate carries a policy this verifier refuses: {', '.join(bad)}.",
            policies=policies,
        )
    if allowed is not None:
        wanted = set(allowed)
        if not wanted.intersection(policies):
            return _fail(
                "cert.policy",
                "cert.policy",
                "The certificate carries none of the accepted policies "
                f"({', '.join(sorted(wanted))}).",
                policies=policies,
            )
    return Check("cert.policy", Result.PASSED, "no forbidden policy", {"policies": policies})


def assurance_level_of(policies: Iterable[str]) -> int | None:
    """The lowest assurance level named by 2.16.364.101.1.1.N among `policies`."""
    levels = [
        int(p.removeprefix(ASSURANCE_POLICY_ARC))
        for p in policies
        if p.startswith(ASSURANCE_POLICY_ARC) and p.removeprefix(ASSURANCE_POLICY_ARC) in ("1", "2", "3", "4")
    ]
    return min(levels) if levels else None


def _assurance_level(path: ValidationPath) -> int | None:
    # The RFC 5280 valid policy set: a level counts only when every certificate below the
    # anchor asserts it (or anyPolicy), so an intermediate's level does not leak to a leaf
    # issued outside its policy.
    qualified = path.qualified_policies() or frozenset()
    return assurance_level_of(p.user_domain_policy_id for p in qualified)


def _assurance(level: int | None, minimum: int | None) -> Check | None:
    if minimum is None:
        if level is None:
            return None
        return Check(
            "cert.assurance",
            Result.PASSED,
            f"assurance level {level} ({ASSURANCE_NAMES[level]})",
            {"level": level},
        )
    if level is None:
        return _fail(
            "cert.assurance",
            "cert.assurance_unknown",
            f"The certificate's path names no assurance level; at least {minimum} is required.",
            required=minimum,
        )
    if level < minimum:
        return _fail(
            "cert.assurance",
            "cert.assurance_too_low",
            f"The certificate has assurance level {level} ({ASSURANCE_NAMES[level]}); "
            f"at least {minimum} ({ASSURANCE_NAMES.get(minimum, minimum)}) is required.",
            level=level,
            required=minimum,
        )
    return Check(
        "cert.assurance",
        Result.PASSED,
        f"assurance level {level} ({ASSURANCE_NAMES[level]}), at least {minimum} required",
        {"level": level, "required": minimum},
    )


# --- helpers ----------------------------------------------------------------------------


def _fail(code: str, error: str, reason: str, **details: Any) -> Check:
    return Check(code, Result.FAILED, reason, {**details, "error": error})


def _untrusted(code: str, reason: str, **details: Any) -> Check:
    return Check(code, Result.UNTRUSTED, reason, {**details, "error": "cert.untrusted"})


def _asn1(der: bytes) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(der)


def _run(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run the validator's coroutine to completion, also from inside an event loop
    (the portal verifies inside Starlette handlers): then on a worker thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)
