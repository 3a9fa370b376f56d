"""Portal-side token verification, every check of assertion.md in its order.

1. Size 100–200,000 characters, valid JSON, ``format`` starts with ``web-eid:1``.
2. Certificate: parses; keyUsage digitalSignature; EKU (if present) clientAuth;
   valid at the verification time; issued by a configured trusted CA that is
   valid and a CA; not revoked (CRL, when configured); no forbidden policy.
3. Nonce: the portal's store consumes it (issued here, this session, in time,
   once) — or, without a store, the caller vouches for it.
4. Signature over ``H(origin) || H(nonce)`` (ES/RS/PS 256/384/512).
5. Chip evidence, when required (or offered and a CSCA store is configured):
   only data groups the portal asked for; EF.SOD signature; DS → CSCA chain;
   DG hashes; DG15; Active Authentication over the challenge bound to origin
   and nonce; national code = the certificate's ``PNOIR-<code>`` with a valid
   check digit; document not expired. Passive authentication is
   `idcard.document.verify_files`, the same code `idcard read` uses.
6. A `VerifiedIdentity` with the list of checks performed.

The first failure raises `TokenError` with its own code (see
`idcard.portal.errors.CODES`) and the checks performed up to it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from idcard.assertion.messages import (
    ALGORITHMS,
    ATTRIBUTES,
    aa_challenge,
    normalize_attributes,
    signed_message,
    validate_nonce,
)
from idcard.assertion.token import AuthToken, Evidence, TokenFormatError, b64
from idcard.document import Document, DocumentFiles, dg14_security_infos, parsed_dg1, verify_files
from idcard.errors import IdCardError, UsageError
from idcard.lds import Identity
from idcard.lds.identity import Name, solar_hijri
from idcard.lds.national_code import is_valid_national_code
from idcard.origin import normalize_origin
from idcard.pki.certcache import per_bytes, x509_certificate
from idcard.pki.crl import Crl
from idcard.pki.keys import ASN1_ERRORS, PublicKey, SignatureAlgorithm
from idcard.pki.trust import CertificateInfo, TrustStore
from idcard.pki.validate import Revocation, validate_certificate
from idcard.portal.errors import TokenError
from idcard.portal.nonces import NONCE_BYTES
from idcard.protocol.active_auth import check_active_auth_signature
from idcard.verdict import Check, Result, Verdict

__all__ = ["MAX_TOKEN_SIZE", "MIN_TOKEN_SIZE", "TokenVerifier", "VerifiedIdentity"]

MIN_TOKEN_SIZE = 100
MAX_TOKEN_SIZE = 200_000
#: A UTF-8 character is at most 4 bytes: longer byte strings are refused unread.
_MAX_TOKEN_BYTES = 4 * MAX_TOKEN_SIZE

# Enum members read from module globals: any attribute read on an Enum class goes through
# EnumType's __getattr__ hook (~60 ns), and the checks of every token read these.
_PASSED, _NOT_PERFORMED = Result.PASSED, Result.NOT_PERFORMED
_EC_CURVE_OF = {"ES256": "secp256r1", "ES384": "secp384r1", "ES512": "secp521r1"}
#: The prefix of the certificate's subject serialNumber for Iranian national codes.
IR_SERIAL_PREFIX = "PNOIR-"
#: `VerifiedIdentity.evidence_status` values (also the `evidence` check's details["status"]).
EVIDENCE_VERIFIED = "verified"
EVIDENCE_NOT_REQUESTED = "not_requested"
#: Data groups a token may always carry with evidence (identity and the AA key).
_ALWAYS_ALLOWED = frozenset({1, 11, 15})


@dataclass(frozen=True)
class VerifiedIdentity:
    """Who signed in, as far as the checks in `verdict` establish it."""

    national_code: str | None
    family_name: Name
    given_name: Name
    birth_date: dt.date | None
    #: The certificate subject's serialNumber (PNOIR-<code>, PNOEE-<code> …).
    personal_code: str | None
    country: str | None
    certificate_subject: str
    certificate_issuer: str
    algorithm: str
    #: True when chip evidence (passive + active authentication) was verified.
    evidence: bool
    verdict: Verdict
    document_number: str | None = None
    document_expiry: dt.date | None = None
    #: The face image (JPEG / JPEG 2000 bytes), only when "photo" was asked for.
    photo: bytes | None = field(default=None, repr=False)
    photo_mime: str | None = None

    @property
    def evidence_status(self) -> str:
        """"verified", or "not_requested" when the portal accepted a token without it."""
        return EVIDENCE_VERIFIED if self.evidence else EVIDENCE_NOT_REQUESTED

    @property
    def birth_date_solar_hijri(self) -> str | None:
        return solar_hijri(self.birth_date)

    def to_json(self) -> dict[str, object]:
        return {
            "identity": {
                "nationalCode": self.national_code,
                "familyName": self.family_name.to_json(),
                "givenName": self.given_name.to_json(),
                "birthDate": self.birth_date.isoformat() if self.birth_date else None,
                "birthDateSolarHijri": self.birth_date_solar_hijri,
                "personalCode": self.personal_code,
                "country": self.country,
                "documentNumber": self.document_number,
                "documentExpiry": self.document_expiry.isoformat()
                if self.document_expiry
                else None,
                "photo": {"mime": self.photo_mime, "data": b64(self.photo)}
                if self.photo is not None
                else None,
            },
            "certificate": {"subject": self.certificate_subject, "issuer": self.certificate_issuer},
            "algorithm": self.algorithm,
            "evidence": self.evidence,
            "evidenceStatus": self.evidence_status,
            "verdict": self.verdict.to_json(),
        }


class _Run:
    """The checks of one verification; `fail` records the failed check and raises."""

    def __init__(self) -> None:
        self.verdict = Verdict()
        # Bound once: a token passes ~30 checks and a forwarding frame each is measurable.
        self.passed: Callable[..., Check] = self.verdict.passed

    def fail(
        self, check: str, error: str, reason: str, *, untrusted: bool = False, **details: Any
    ) -> TokenError:
        details["error"] = error
        if untrusted:
            self.verdict.untrusted(check, reason, **details)
        else:
            self.verdict.failed(check, reason, **details)
        return TokenError(error, reason, verdict=self.verdict, untrusted=untrusted)


class TokenVerifier:
    """Verifies ``web-eid:1`` tokens, with or without chip evidence, against trust anchors.

    `trusted_cas`: the CAs that issue authentication certificates (e.g. IR NID
    CITIZEN CA, or a foreign Web eID card's issuing CA); the certificate's
    direct issuer must be one of them. `csca`: CSCA anchors for the evidence's
    document signer. `crls`: CRLs (objects or DER/PEM bytes) for both the
    authentication certificates' CAs and the CSCAs. `forbidden_policies`:
    certificatePolicies OIDs that make a certificate unacceptable. `min_assurance`: the
    lowest assurance level (1 Bronze … 4 Platinum, from the path's 2.16.364.101.1.1.N
    policy) accepted; a lower level is `cert.assurance_too_low`, none `cert.assurance_unknown`.
    `intermediates`: CA certificates (DER) for building paths to `trusted_cas`, not trusted.
    `allowed_policies`: when given, the certificate must carry one of these policy OIDs.
    `revocation`: "crl" (default: the `crls` given), "ocsp" (the certificate's AIA responder,
    `idcard.pki.ocsp`) or "off"; `offline` asks no OCSP responder and the verdict says so.
    """

    def __init__(
        self,
        trusted_cas: TrustStore,
        *,
        csca: TrustStore | None = None,
        crls: Iterable[Crl | bytes] = (),
        require_evidence: bool = True,
        forbidden_policies: Iterable[str] = (),
        allow_http_loopback: bool = False,
        max_token_size: int = MAX_TOKEN_SIZE,
        min_assurance: int | None = None,
        intermediates: Iterable[bytes] = (),
        allowed_policies: Iterable[str] | None = None,
        revocation: Revocation = "crl",
        offline: bool = False,
    ) -> None:
        if not isinstance(trusted_cas, TrustStore):
            raise UsageError(
                "trusted_cas must be a TrustStore of the CAs that issue auth certificates."
            )
        self.trusted_cas = trusted_cas
        self.csca = csca
        self.crls: list[Crl] = []
        for item in crls:
            try:
                self.crls.append(item if isinstance(item, Crl) else Crl.load(item))
            except IdCardError as exc:
                raise UsageError(f"A configured CRL is unreadable: {exc.message}") from None
        if require_evidence and csca is None:
            raise UsageError("Requiring chip evidence needs CSCA trust anchors (csca=).")
        self.require_evidence = require_evidence
        self.forbidden_policies = frozenset(forbidden_policies)
        self.allowed_policies = None if allowed_policies is None else frozenset(allowed_policies)
        self.min_assurance = assurance_minimum(min_assurance)
        #: CA certificates to build paths with, never trusted by themselves.
        self.intermediates = [bytes(c) for c in intermediates]
        self.allow_http_loopback = allow_http_loopback
        self.max_token_size = max_token_size
        #: "crl" (the configured CRLs), "ocsp" (the certificate's responder) or "off".
        self.revocation: Revocation = revocation
        self.offline = offline

    # -- entry point -------------------------------------------------------------------
    def verify(
        self,
        token_json: str | bytes,
        *,
        origin: str,
        nonce: str,
        requested_attributes: Sequence[str] = (),
        at: dt.datetime | None = None,
        consume_nonce: Callable[[], None] | None = None,
        nonce_issued: bool = True,
        min_assurance: int | None = None,
    ) -> VerifiedIdentity:
        """Verify one token for `origin` and the `nonce` the portal issued.

        `consume_nonce` is step 3 (a nonce store's atomic use, raising
        TokenError), run once the signature verified; without it the caller
        vouches for the nonce (equality only, as `idcard verify-token`), which
        must then carry at least NONCE_BYTES of entropy. `nonce_issued=False`
        (the store knows no nonce for this login) runs step 3 before the
        signature, so the refusal names the nonce. `min_assurance` (a portal's own
        minimum) applies besides the verifier's; the stricter one wins.
        """
        origin = _normalized_origin(origin, self.allow_http_loopback)
        nonce = validate_nonce(nonce)
        requested = normalize_attributes(requested_attributes)
        when = at or dt.datetime.now(dt.UTC)
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        run = _Run()
        token = self._step1_token(run, token_json)
        levels = [m for m in (self.min_assurance, assurance_minimum(min_assurance)) if m is not None]
        cert, subject = self._step2_certificate(
            run, token.certificate, when, max(levels) if levels else None
        )
        if not nonce_issued:  # nothing to burn: the store's refusal comes before the signature
            self._step3_nonce(run, nonce, consume_nonce)
        # The signature before the nonce is used: a stranger who knows a login's
        # nonce (it travels through the browser) must not be able to burn it.
        self._step4_signature(run, token, cert, origin, nonce)
        if nonce_issued:
            self._step3_nonce(run, nonce, consume_nonce)
        document = self._step5_evidence(run, token, subject, origin, nonce, requested, when)
        return self._identity(run, token, cert, subject, document, requested)

    # -- 1 -----------------------------------------------------------------------------
    def _step1_token(self, run: _Run, token_json: str | bytes) -> AuthToken:
        if isinstance(token_json, (bytes, bytearray)):
            if len(token_json) > 4 * self.max_token_size:
                raise run.fail(
                    "token.size",
                    "token.size",
                    f"The token is {len(token_json)} bytes long; at most {self.max_token_size} characters are accepted.",
                )
            try:
                text = bytes(token_json).decode("utf-8")
            except UnicodeDecodeError:
                raise run.fail("token.json", "token.json", "The token is not UTF-8 text.") from None
        elif isinstance(token_json, str):
            text = token_json
        else:
            raise UsageError("The token is JSON text (str or bytes).")
        if not MIN_TOKEN_SIZE <= len(text) <= self.max_token_size:
            raise run.fail(
                "token.size",
                "token.size",
                f"The token is {len(text)} characters long; "
                f"{MIN_TOKEN_SIZE} to {self.max_token_size} are accepted.",
            )
        run.passed("token.size", f"{len(text)} characters")
        try:
            obj = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
        except (ValueError, RecursionError) as exc:
            raise run.fail(
                "token.json", "token.json", f"The token is not valid JSON: {exc}"
            ) from None
        run.passed("token.json", "valid JSON")
        fmt = obj.get("format") if isinstance(obj, dict) else None
        if not isinstance(fmt, str) or not fmt.startswith("web-eid:1"):
            raise run.fail(
                "token.format", "token.format", f"The token format {fmt!r} is not web-eid:1."
            )
        try:
            token = AuthToken.from_json(obj)
        except TokenFormatError as exc:
            raise run.fail("token.format", "token.format", exc.message) from None
        run.passed("token.format", f"format {fmt}", evidence=token.evidence is not None)
        return token

    # -- 2 -----------------------------------------------------------------------------
    def _step2_certificate(
        self, run: _Run, der: bytes, at: dt.datetime, min_assurance: int | None
    ) -> tuple[CertificateInfo, Mapping[str, str]]:
        """Every certificate check comes from the one validator (idcard.pki.validate)."""
        result = validate_certificate(
            der,
            trust=self.trusted_cas,
            usage="auth",
            intermediates=self.intermediates,
            at=at,
            crls=self.crls,
            min_assurance=min_assurance,
            forbidden_policies=self.forbidden_policies,
            allowed_policies=self.allowed_policies,
            revocation=self.revocation,
            offline=self.offline,
        )
        for check in result.checks:
            if check.result is _PASSED or check.result is _NOT_PERFORMED:
                run.verdict.checks.append(check)  # checks are immutable: the validator's own
            else:
                details = dict(check.details)
                error = str(details.pop("error", check.code))
                raise run.fail(
                    check.code,
                    error,
                    check.reason,
                    untrusted=check.result is Result.UNTRUSTED,
                    **details,
                )
        return result.path[0], _subject(der)

    # -- 3 -----------------------------------------------------------------------------
    def _step3_nonce(self, run: _Run, nonce: str, consume_nonce: Callable[[], None] | None) -> None:
        if consume_nonce is None:
            # Equality only: the nonce itself must be unguessable, as Portal.begin's are.
            try:
                entropy = len(base64.b64decode(nonce, validate=True))
            except (binascii.Error, ValueError):
                entropy = 0
            if entropy < NONCE_BYTES:
                raise run.fail(
                    "nonce",
                    "nonce.weak",
                    f"Without a nonce store the nonce must be base64 of at least {NONCE_BYTES} random "
                    "bytes (as Portal.begin issues); this one is not.",
                )
            run.passed(
                "nonce", "nonce supplied by the caller (no store: single use not checked here)"
            )
            return
        try:
            consume_nonce()
        except TokenError as exc:
            run.verdict.failed("nonce", exc.message, error=exc.code)
            exc.verdict = run.verdict
            raise
        run.passed("nonce", "issued to this session, in time, used once")

    # -- 4 -----------------------------------------------------------------------------
    def _step4_signature(
        self, run: _Run, token: AuthToken, cert: CertificateInfo, origin: str, nonce: str
    ) -> None:
        algorithm = token.algorithm
        if algorithm not in ALGORITHMS:
            raise run.fail(
                "token.algorithm",
                "token.algorithm",
                f"The algorithm {algorithm!r} is not supported (ES/RS/PS 256/384/512).",
            )
        key = cert.public_key()
        hash_name = ALGORITHMS[algorithm]
        problem = _algorithm_problem(algorithm, key)
        if problem:
            raise run.fail("token.algorithm", "token.algorithm", problem)
        run.passed("token.algorithm", algorithm)
        scheme = _scheme(algorithm, hash_name)
        if algorithm.startswith("ES"):
            size = 2 * ((key.key_size + 7) // 8)
            if len(token.signature) != size:
                raise run.fail(
                    "token.signature",
                    "token.signature",
                    f"An {algorithm} signature is {size} bytes (r||s), not {len(token.signature)}.",
                )
        try:
            key.verify(token.signature, signed_message(origin, nonce, hash_name), scheme)
        except IdCardError:
            raise run.fail(
                "token.signature",
                "token.signature",
                f"The signature does not verify for {origin} and this nonce "
                "(the token was made for another site or nonce, or forged).",
                origin=origin,
            ) from None
        run.passed("token.signature", f"{algorithm} signature over origin and nonce", origin=origin)

    # -- 5 -----------------------------------------------------------------------------
    def _step5_evidence(
        self,
        run: _Run,
        token: AuthToken,
        subject: Mapping[str, str],
        origin: str,
        nonce: str,
        requested: list[str],
        at: dt.datetime,
    ) -> Document | None:
        evidence = token.evidence
        if evidence is None:
            if self.require_evidence:
                raise run.fail(
                    "evidence",
                    "evidence.missing",
                    "This portal requires chip evidence (idcardEvidence), and the token has none.",
                )
            run.verdict.not_performed(
                "evidence",
                "evidence: not requested (this portal accepts tokens without chip evidence; "
                "only the card's certificate and signature were verified)",
                status=EVIDENCE_NOT_REQUESTED,
            )
            return None
        if self.csca is None:  # only when evidence is optional (see __init__)
            run.verdict.not_performed(
                "evidence",
                "evidence: not requested (no CSCA anchors configured: the token's chip "
                "evidence was ignored, not verified)",
                status=EVIDENCE_NOT_REQUESTED,
            )
            return None
        return self._evidence(run, evidence, subject, origin, nonce, requested, at)

    def _evidence(
        self,
        run: _Run,
        evidence: Evidence,
        subject: Mapping[str, str],
        origin: str,
        nonce: str,
        requested: list[str],
        at: dt.datetime,
    ) -> Document:
        """The evidence groups in the documented order; the first that fails ends the run."""
        _evidence_data_groups(run, evidence, requested)
        # Active Authentication first as a computation, so verify_files counts it as the chip check.
        aa_check = _evidence_aa_check(evidence, origin, nonce)
        chip_checks = [aa_check] if aa_check is not None and aa_check.details.get("stage") != "key" else []
        files = DocumentFiles(evidence.sod, dict(evidence.data_groups))
        document = verify_files(files, self.csca, at=at, crls=self.crls, chip_checks=chip_checks)
        run.verdict.extend(document.verdict.checks)
        doc = _first_by_code(document.verdict)
        _evidence_passive(run, doc, evidence)
        _evidence_chip(run, aa_check)
        identity = _evidence_data(run, document, doc)
        self._same_person(run, identity, files, subject)
        _evidence_validity(run, document.verdict, doc)
        run.passed("evidence", "chip evidence verified (passive and active authentication)")
        return document

    def _same_person(
        self, run: _Run, identity: Identity, files: DocumentFiles, subject: Mapping[str, str]
    ) -> None:
        serial = subject.get("serial_number")
        expected = f"{IR_SERIAL_PREFIX}{identity.national_code}"
        codes = {identity.national_code}
        mrz = parsed_dg1(files.dgs[1]).mrz
        if mrz.format == "TD1" and mrz.optional_data:
            codes.add(mrz.optional_data)
        if len(codes) != 1:
            raise run.fail(
                "evidence.identity",
                "evidence.identity_mismatch",
                "DG1 and DG11 carry different national codes.",
            )
        if serial != expected:
            raise run.fail(
                "evidence.identity",
                "evidence.identity_mismatch",
                f"The certificate belongs to {serial or 'someone without a national code'}, "
                f"the document to national code {identity.national_code}.",
            )
        run.passed(
            "evidence.identity", "the certificate and the document name the same national code"
        )

    # -- 6 -----------------------------------------------------------------------------
    def _identity(
        self,
        run: _Run,
        token: AuthToken,
        cert: CertificateInfo,
        subject: Mapping[str, str],
        document: Any,
        requested: list[str],
    ) -> VerifiedIdentity:
        serial = subject.get("serial_number")
        country = subject.get("country_name")
        if document is not None:
            ident = document.identity
            face = document.face if "photo" in requested else None
            return VerifiedIdentity(
                national_code=ident.national_code,
                family_name=ident.family_name,
                given_name=ident.given_name,
                birth_date=ident.birth_date,
                personal_code=serial,
                country=country,
                certificate_subject=cert.subject_dn,
                certificate_issuer=cert.issuer_dn,
                algorithm=token.algorithm,
                evidence=True,
                verdict=run.verdict,
                document_number=ident.document_number,
                document_expiry=ident.expiry_date,
                photo=face.data if face is not None else None,
                photo_mime=face.mime if face is not None else None,
            )
        code = None
        if isinstance(serial, str) and serial.startswith(IR_SERIAL_PREFIX):
            candidate = serial[len(IR_SERIAL_PREFIX) :]
            code = candidate if is_valid_national_code(candidate) else None
        return VerifiedIdentity(
            national_code=code,
            family_name=Name(None, subject.get("surname")),
            given_name=Name(None, subject.get("given_name")),
            birth_date=None,
            personal_code=serial,
            country=country,
            certificate_subject=cert.subject_dn,
            certificate_issuer=cert.issuer_dn,
            algorithm=token.algorithm,
            evidence=False,
            verdict=run.verdict,
        )


# --- helpers ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _normalized_origin(origin: str, allow_http_loopback: bool) -> str:
    # A portal verifies for a handful of origins; IDNA and URL parsing cost more than a signature.
    return normalize_origin(origin, allow_http_loopback=allow_http_loopback)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate member {key!r}")
        out[key] = value
    return out


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


@per_bytes  # the same citizens' certificates all day: their subjects are read once
def _subject(der: bytes) -> Mapping[str, str]:
    """Subject attributes by asn1crypto name; multi-valued ones keep the first value."""
    out: dict[str, Any] = {}
    try:
        for key, value in x509_certificate(der).subject.native.items():
            out[key] = value[0] if isinstance(value, list) else value
    except ASN1_ERRORS:
        return MappingProxyType({})
    return MappingProxyType({k: v for k, v in out.items() if isinstance(v, str)})


def assurance_minimum(level: int | None) -> int | None:
    """`level` if it is a valid minimum assurance level (None: no minimum), else UsageError."""
    if level is not None and (isinstance(level, bool) or level not in (1, 2, 3, 4)):
        raise UsageError("min_assurance is an assurance level from 1 (Bronze) to 4 (Platinum).")
    return level


def _algorithm_problem(algorithm: str, key: PublicKey) -> str | None:
    if algorithm.startswith("ES"):
        if key.kind != "ec":
            return f"{algorithm} needs an EC key; the certificate has an RSA key."
        if key.curve != _EC_CURVE_OF[algorithm]:
            return f"{algorithm} needs a {_EC_CURVE_OF[algorithm]} key; the certificate's is {key.curve}."
        return None
    if key.kind != "rsa":
        return f"{algorithm} needs an RSA key; the certificate has an EC key."
    return None


def _scheme(algorithm: str, hash_name: str) -> SignatureAlgorithm:
    if algorithm.startswith("ES"):
        return SignatureAlgorithm.ecdsa(hash_name, signature_format="plain")  # type: ignore[arg-type]
    if algorithm.startswith("PS"):
        return SignatureAlgorithm.rsa_pss(hash_name)  # type: ignore[arg-type]
    return SignatureAlgorithm.rsa_pkcs1(hash_name)  # type: ignore[arg-type]


# -- the groups of evidence checks (TokenVerifier._evidence runs them in this order) ----------


def _first_by_code(verdict: Verdict) -> dict[str, Check]:
    """The first check of each code (what `Verdict.get` answers), looked up once per token."""
    first: dict[str, Check] = {}
    for check in reversed(verdict.checks):
        first[check.code] = check
    return first


def _not_passed(doc: Mapping[str, Check], code: str) -> Check | None:
    check = doc.get(code)
    return check if check is not None and check.result is not _PASSED else None


def _evidence_data_groups(run: _Run, evidence: Evidence, requested: list[str]) -> None:
    """Only the data groups the portal asked for, and at least DG1 and DG11."""
    allowed = set(_ALWAYS_ALLOWED)
    for attribute in requested:
        allowed.update(ATTRIBUTES[attribute])
    extra = sorted(set(evidence.data_groups) - allowed)
    if extra:
        names = ", ".join(f"DG{n}" for n in extra)
        raise run.fail(
            "evidence.data_groups",
            "evidence.unrequested_dg",
            f"The token carries {names}, which this portal did not ask for.",
            data_groups=extra,
        )
    missing = [n for n in (1, 11) if n not in evidence.data_groups]
    if missing:
        raise run.fail(
            "evidence.data_groups",
            "evidence.missing",
            f"The evidence lacks {', '.join(f'DG{n}' for n in missing)}.",
        )
    run.passed(
        "evidence.data_groups", "only requested data groups", data_groups=sorted(evidence.data_groups)
    )


def _evidence_aa_check(evidence: Evidence, origin: str, nonce: str) -> Check | None:
    """The chip's AA signature over this origin's and nonce's challenge, judged by the one AA check."""
    dg15 = evidence.data_groups.get(15)
    if dg15 is None:
        return None
    return check_active_auth_signature(
        dg15,
        aa_challenge(origin, nonce),
        evidence.active_authentication,
        dg14_aa_info=dg14_security_infos(evidence.data_groups.get(14)),
    )


def _evidence_passive(run: _Run, doc: Mapping[str, Check], evidence: Evidence) -> None:
    """EF.SOD parses and verifies, its signer chains to a CSCA, every data group matches its hash."""
    for code in ("sod.parse", "sod.signature"):
        check = _not_passed(doc, code)
        if check is not None:
            raise run.fail("evidence.sod", "evidence.sod", f"EF.SOD: {check.reason}")
    for code in ("sod.signer_role", "ds.validity", "csca.chain", "crl"):
        check = _not_passed(doc, code)
        if check is not None and check.result is not Result.NOT_PERFORMED:
            raise run.fail(
                "evidence.chain",
                "evidence.chain",
                f"Document signer: {check.reason}",
                untrusted=check.result is Result.UNTRUSTED,
            )
    chain = doc.get("csca.chain")
    if chain is None or chain.result is not Result.PASSED:
        raise run.fail("evidence.chain", "evidence.chain", "The document signer's chain was not checked.")
    for number in sorted(evidence.data_groups):
        check = doc.get(f"sod.hash.dg{number}")
        if check is None or check.result is not _PASSED:
            reason = check.reason if check else f"DG{number} was not checked against EF.SOD"
            raise run.fail("evidence.hash", "evidence.hash", reason, data_group=number)


def _evidence_chip(run: _Run, aa_check: Check | None) -> None:
    """DG15 is there and holds a key, and the chip's signature verifies with it."""
    if aa_check is None:
        raise run.fail(
            "evidence.dg15", "evidence.dg15", "The evidence lacks DG15, the chip's Active Authentication key."
        )
    if aa_check.details.get("stage") == "key":
        raise run.fail(
            "evidence.dg15",
            "evidence.dg15",
            f"DG15 holds no usable Active Authentication key: {aa_check.reason}",
        )
    if aa_check.result is not Result.PASSED:
        raise run.fail("evidence.aa", "evidence.aa", aa_check.reason)


def _evidence_data(run: _Run, document: Document, doc: Mapping[str, Check]) -> Identity:
    """The data groups parse into an identity whose national code is well formed."""
    for code in ("lds.parse", "mrz.check_digits", "lds.face"):
        check = _not_passed(doc, code)
        if check is not None and check.result is not Result.NOT_PERFORMED:
            raise run.fail("evidence.data", "evidence.data", check.reason)
    identity = document.identity
    if identity is None:
        raise run.fail("evidence.data", "evidence.data", "DG1 does not give an identity.")
    if not identity.national_code_valid:
        raise run.fail(
            "evidence.national_code",
            "evidence.national_code",
            f"The national code {identity.national_code} has a wrong check digit.",
        )
    return identity


def _evidence_validity(run: _Run, verdict: Verdict, doc: Mapping[str, Check]) -> None:
    """The document has not expired, and nothing else in its verdict failed."""
    expired = _not_passed(doc, "document.expired")
    if expired is not None:
        raise run.fail("evidence.expired", "evidence.expired", expired.reason)
    if not verdict.verified:
        failure = verdict.failures or [c for c in verdict.checks if c.result is Result.UNTRUSTED]
        reason = failure[0].reason if failure else "the document's checks did not all pass"
        raise run.fail("evidence.data", "evidence.data", reason)
