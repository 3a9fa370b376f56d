"""OCSP revocation status of one certificate (RFC 6960), as the `cert.ocsp` check.

`ocsp_check` asks the responder named in the certificate's AIA extension (or
a given URL) over HTTP POST and accepts the answer only when it is sound:

* signed by the issuer itself, or by a delegated responder certificate that
  the issuer signed, that carries id-kp-OCSPSigning and is valid now, and that
  matches the response's ResponderID;
* about this certificate (the CertID — hash algorithm, issuer name and key
  hashes, serial — matches);
* fresh: thisUpdate not in the future, nextUpdate (when given) not passed,
  and thisUpdate no older than `max_age`;
* echoing our nonce when we sent one (a replayed answer to another request
  does not).

"good" passes; "revoked" fails with the time and reason; an unsound answer
fails. "unknown", a responder error status, an unreachable responder and
offline use are `not_performed` with `details["status"]` saying which: the
status is not known, which is not the same as "not revoked".
"""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from asn1crypto import keys
from asn1crypto import ocsp as asn1_ocsp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

from idcard.budget import Budget, BudgetTransport
from idcard.errors import IdCardError
from idcard.pki.keys import ASN1_ERRORS, load_public_key, signature_algorithm_from_der
from idcard.verdict import Check, Result

__all__ = ["OCSP_CODE", "ocsp_check", "evaluate_response", "responder_urls", "build_request"]

OCSP_CODE = "cert.ocsp"

#: Responders answer in a few hundred bytes plus certificates; more is not an answer.
MAX_RESPONSE_SIZE = 64 * 1024
#: Clock difference between us and the responder that is tolerated on thisUpdate.
CLOCK_SKEW = timedelta(minutes=5)
NONCE_SIZE = 32


class OcspResponseError(IdCardError):
    """The responder's answer is not a sound OCSP response for our request."""

    code = "cert.ocsp"


@dataclass(frozen=True)
class OcspRequest:
    der: bytes
    nonce: bytes | None


def responder_urls(cert: x509.Certificate) -> list[str]:
    """The http(s) OCSP responder URLs of the certificate's AIA extension, in order."""
    try:
        aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return []
    return [
        d.access_location.value
        for d in aia
        if d.access_method == AuthorityInformationAccessOID.OCSP
        and isinstance(d.access_location, x509.UniformResourceIdentifier)
        and d.access_location.value.lower().startswith(("http://", "https://"))
    ]


def build_request(
    cert: x509.Certificate, issuer: x509.Certificate, *, use_nonce: bool = True
) -> OcspRequest:
    # SHA-1 CertIDs are what RFC 5019 responders index by; the hash only names the cert.
    builder = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1())
    nonce = os.urandom(NONCE_SIZE) if use_nonce else None
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    request = builder.build()
    return OcspRequest(request.public_bytes(serialization.Encoding.DER), nonce)


def ocsp_check(
    cert: x509.Certificate,
    issuer: x509.Certificate,
    *,
    url: str | None = None,
    at: datetime | None = None,
    max_age: timedelta = timedelta(days=7),
    timeout: float = 5.0,
    use_nonce: bool = True,
    offline: bool = False,
) -> Check:
    """The `cert.ocsp` check for `cert` (issued by `issuer`), asking its OCSP responder."""
    serial = cert.serial_number
    if offline:
        return _not_performed("offline", "offline: the OCSP responder was not asked", serial)
    urls = [url] if url else responder_urls(cert)
    if not urls:
        return _not_performed(
            "no_responder", "the certificate names no OCSP responder (AIA) and none was given", serial
        )
    request = build_request(cert, issuer, use_nonce=use_nonce)
    target = urls[0]
    try:
        der = _post(target, request.der, timeout)
    except _Unreachable as exc:
        return _not_performed(
            "unreachable", f"the OCSP responder {target} could not be reached: {exc}", serial, url=target
        )
    check = evaluate_response(der, cert, issuer, at=at, max_age=max_age, nonce=request.nonce)
    return Check(check.code, check.result, check.reason, {**check.details, "url": target})


def evaluate_response(
    der: bytes,
    cert: x509.Certificate,
    issuer: x509.Certificate,
    *,
    at: datetime | None = None,
    max_age: timedelta = timedelta(days=7),
    nonce: bytes | None = None,
) -> Check:
    """The `cert.ocsp` check from a DER OCSPResponse (`nonce`: the one we sent, if any)."""
    when = _aware(at or datetime.now(UTC))
    serial = cert.serial_number
    try:
        response = ocsp.load_der_ocsp_response(der)
    except ValueError as exc:
        return _failed(f"the OCSP response does not parse: {exc}", serial)
    if response.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
        answer = response.response_status.name.lower()
        return _not_performed("error", f"the OCSP responder answered {answer}", serial)
    try:
        signer = _verify_signature(der, response, issuer, when)
        single = _single_response(response, cert, issuer)
        freshness = _freshness(single, when, max_age)
        _check_nonce(response, nonce)
    except OcspResponseError as exc:
        return _failed(exc.message, serial)
    except ValueError as exc:  # cryptography parses parts (certificates, extensions) lazily
        return _failed(f"the OCSP response is malformed: {exc}", serial)
    details: dict[str, object] = {
        "serial": serial,
        "responder": signer,
        "produced_at": response.produced_at_utc.isoformat(),
        **freshness,
    }
    status = single.certificate_status
    if status is ocsp.OCSPCertStatus.GOOD:
        return Check(
            OCSP_CODE, Result.PASSED, "the OCSP responder says the certificate is not revoked",
            {"status": "good", **details},
        )
    if status is ocsp.OCSPCertStatus.REVOKED:
        revoked_at = single.revocation_time_utc
        reason = single.revocation_reason
        why = reason.name if reason is not None else "unspecified"
        when_text = f"{revoked_at:%Y-%m-%d %H:%M} UTC" if revoked_at else "an unknown time"
        return Check(
            OCSP_CODE,
            Result.FAILED,
            f"the certificate (serial {serial:x}) was revoked on {when_text}, reason: {why}",
            {
                "status": "revoked",
                "revoked": revoked_at.isoformat() if revoked_at else None,
                "revocation_reason": why,
                **details,
            },
        )
    return Check(
        OCSP_CODE,
        Result.NOT_PERFORMED,
        "the OCSP responder does not know the certificate (status unknown)",
        {"status": "unknown", **details},
    )


# --- the parts of a sound answer ---------------------------------------------------


def _verify_signature(
    der: bytes, response: ocsp.OCSPResponse, issuer: x509.Certificate, at: datetime
) -> str:
    """Check who signed the response and that the signature verifies; return the signer."""
    signer = next(
        (c for c in [issuer, *response.certificates] if _is_responder(response, c)), None
    )
    if signer is None:
        raise OcspResponseError(
            "the OCSP response is signed by a responder that is neither the issuer "
            "nor a certificate the response carries"
        )
    if signer != issuer:
        _check_delegate(signer, issuer, at)
    try:
        basic = asn1_ocsp.OCSPResponse.load(der)["response_bytes"]["response"].parsed
        algorithm = signature_algorithm_from_der(basic["signature_algorithm"].dump())
        key = load_public_key(_spki(signer))
        key.verify(response.signature, response.tbs_response_bytes, algorithm)
    except IdCardError as exc:
        raise OcspResponseError(
            f"the OCSP response signature is not valid: {exc.message}"
        ) from exc
    except ASN1_ERRORS as exc:
        raise OcspResponseError(
            f"the OCSP response signature could not be checked: {exc}"
        ) from exc
    return signer.subject.rfc4514_string()


def _is_responder(response: ocsp.OCSPResponse, cert: x509.Certificate) -> bool:
    if response.responder_name is not None:
        return response.responder_name == cert.subject
    key_hash = response.responder_key_hash
    if key_hash is None:
        return False
    # ResponderID byKey: SHA-1 of the subjectPublicKey BIT STRING's value (RFC 6960 §4.2.1).
    digest = hashes.Hash(hashes.SHA1())
    digest.update(keys.PublicKeyInfo.load(_spki(cert))["public_key"].contents[1:])
    return hmac.compare_digest(digest.finalize(), key_hash)


def _spki(cert: x509.Certificate) -> bytes:
    return cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _check_delegate(responder: x509.Certificate, issuer: x509.Certificate, at: datetime) -> None:
    """RFC 6960 §4.2.2.2: a delegated responder is issued by the CA, for OCSP signing."""
    name = responder.subject.rfc4514_string()
    try:
        responder.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature) as exc:
        raise OcspResponseError(
            f"the OCSP responder certificate {name} is not issued by the certificate's issuer"
        ) from exc
    try:
        usages = responder.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        usages = None
    if usages is None or ExtendedKeyUsageOID.OCSP_SIGNING not in usages:
        raise OcspResponseError(
            f"the OCSP responder certificate {name} is not authorised (no id-kp-OCSPSigning)"
        )
    if not responder.not_valid_before_utc <= at <= responder.not_valid_after_utc:
        raise OcspResponseError(
            f"the OCSP responder certificate {name} is not valid at {at:%Y-%m-%d %H:%M} UTC"
        )


def _single_response(
    response: ocsp.OCSPResponse, cert: x509.Certificate, issuer: x509.Certificate
) -> ocsp.OCSPSingleResponse:
    """The SingleResponse whose CertID names `cert` (computed with the responder's hash)."""
    for single in response.responses:
        ours = (
            ocsp.OCSPRequestBuilder()
            .add_certificate(cert, issuer, single.hash_algorithm)
            .build()
        )
        if (
            single.serial_number == ours.serial_number
            and hmac.compare_digest(single.issuer_name_hash, ours.issuer_name_hash)
            and hmac.compare_digest(single.issuer_key_hash, ours.issuer_key_hash)
        ):
            return single
    raise OcspResponseError(
        f"the OCSP response is not about this certificate (no CertID for serial "
        f"{cert.serial_number:x} from this issuer)"
    )


def _freshness(
    single: ocsp.OCSPSingleResponse, at: datetime, max_age: timedelta
) -> dict[str, object]:
    this_update = single.this_update_utc
    next_update = single.next_update_utc
    window: dict[str, object] = {"this_update": this_update.isoformat(), "at": at.isoformat()}
    if next_update is not None:
        window["next_update"] = next_update.isoformat()
    if this_update > at + CLOCK_SKEW:
        raise OcspResponseError(
            f"the OCSP response is dated in the future (thisUpdate {this_update:%Y-%m-%d %H:%M} UTC)"
        )
    if next_update is not None and at > next_update:
        raise OcspResponseError(
            f"the OCSP response is stale: its nextUpdate {next_update:%Y-%m-%d %H:%M} UTC has passed"
        )
    if at - this_update > max_age:
        raise OcspResponseError(
            f"the OCSP response is stale: thisUpdate {this_update:%Y-%m-%d %H:%M} UTC is older "
            f"than {max_age}"
        )
    return window


def _check_nonce(response: ocsp.OCSPResponse, nonce: bytes | None) -> None:
    if nonce is None:
        return
    try:
        echoed = response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    except x509.ExtensionNotFound:
        raise OcspResponseError(
            "the OCSP response does not echo our nonce (it may be a replay)"
        ) from None
    if not hmac.compare_digest(echoed, nonce):
        raise OcspResponseError("the OCSP response carries another request's nonce (a replay)")


# --- transport ---------------------------------------------------------------------


class _Unreachable(Exception):
    pass


def _post(url: str, body: bytes, timeout: float) -> bytes:
    """POST the request; the whole exchange, trickling or not, ends within `timeout`."""
    headers = {"Content-Type": "application/ocsp-request", "Accept": "application/ocsp-response"}
    try:
        with (
            httpx.Client(transport=BudgetTransport(Budget(timeout)), timeout=timeout) as client,
            client.stream("POST", url, content=body, headers=headers) as reply,
        ):
            if reply.status_code != 200:
                raise _Unreachable(f"HTTP {reply.status_code}")
            data = bytearray()
            for chunk in reply.iter_bytes():
                data += chunk
                if len(data) > MAX_RESPONSE_SIZE:
                    raise _Unreachable(f"the answer is larger than {MAX_RESPONSE_SIZE} bytes")
            return bytes(data)
    except httpx.HTTPError as exc:
        raise _Unreachable(str(exc) or type(exc).__name__) from exc


def _failed(reason: str, serial: int) -> Check:
    return Check(OCSP_CODE, Result.FAILED, reason, {"status": "invalid", "serial": serial})


def _not_performed(status: str, reason: str, serial: int, **details: object) -> Check:
    return Check(
        OCSP_CODE, Result.NOT_PERFORMED, reason, {"status": status, "serial": serial, **details}
    )


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


# --- the validator's revocation step ----------------------------------------------


def revocation_check(
    leaf_der: bytes,
    issuer_der: bytes | None,
    *,
    at: datetime | None = None,
    offline: bool = False,
    code: str = "cert.revocation",
) -> Check:
    """`idcard.pki.validate`'s revocation step by OCSP for the leaf, under its `code`.

    OCSP was asked for, so only "good" passes: revoked is ``cert.revoked``; an unsound
    answer, "unknown", or no answer at all is ``cert.ocsp`` (failed, not a silent pass).
    Offline use is not performed, and says so.
    """
    if issuer_der is None:
        return Check(code, Result.NOT_PERFORMED, "OCSP: no trusted issuer to ask about")
    try:
        leaf = x509.load_der_x509_certificate(leaf_der)
        issuer = x509.load_der_x509_certificate(issuer_der)
    except ValueError as exc:
        return Check(code, Result.FAILED, f"OCSP: a certificate is unreadable: {exc}", {"error": "cert.ocsp"})
    check = ocsp_check(leaf, issuer, at=at, offline=offline)
    details = {**check.details, "method": "ocsp"}
    if check.result is Result.PASSED:
        return Check(code, Result.PASSED, check.reason, details)
    if details.get("status") == "offline":
        return Check(code, Result.NOT_PERFORMED, check.reason, details)
    error = "cert.revoked" if details.get("status") == "revoked" else "cert.ocsp"
    return Check(code, Result.FAILED, check.reason, {**details, "error": error})
