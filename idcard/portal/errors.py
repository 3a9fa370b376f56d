"""Why a portal refused a token: one stable code per failure (assertion.md, "Verification").

A `TokenError` carries the code, a message a person can act on and, when
verification got that far, the `Verdict` of the checks performed so far
(the failed one last), so a portal can log or show exactly what happened.
"""

from __future__ import annotations

from idcard.errors import IdCardError
from idcard.verdict import Verdict

__all__ = ["CODES", "TokenError", "http_status"]

#: Every code a verifier or nonce store raises, with what it means.
CODES: dict[str, str] = {
    # 1. the token as a whole
    "token.size": "the token is shorter than 100 or longer than 200,000 characters",
    "token.json": "the token is not valid UTF-8 JSON",
    "token.format": "the token is not a web-eid:1 token of the documented shape",
    # 2. the authentication certificate
    "cert.parse": "the certificate is not readable X.509 DER",
    "cert.key_usage": "the certificate's keyUsage lacks digitalSignature",
    "cert.eku": "the certificate's extendedKeyUsage lacks clientAuth",
    "cert.not_yet_valid": "the certificate is not valid yet",
    "cert.expired": "the certificate has expired",
    "cert.untrusted": "the certificate is not issued by a trusted CA",
    "cert.ca_invalid": "the issuing CA is trusted but not valid now, or not a CA",
    "cert.revoked": "the certificate is revoked (CRL or OCSP)",
    "cert.ocsp": "OCSP could not establish that the certificate is not revoked (no sound, fresh answer)",
    "cert.crl": "a configured CRL for the issuer is not authentic or out of date",
    "cert.policy": "the certificate carries a forbidden policy, or none of the accepted ones",
    "cert.leaf_is_ca": "the certificate is a CA certificate (basicConstraints cA is true)",
    "cert.weak_key": "the certificate's public key is too small (RSA < 2048, EC < 256 bits)",
    "cert.weak_algorithm": "a certificate on the path is signed with a weak algorithm or key",
    "cert.assurance_too_low": "the certificate's chain has a lower assurance level than required",
    "cert.assurance_unknown": "an assurance level is required and the chain names none",
    # 3. the nonce
    "nonce.unknown": "the nonce was not issued by this portal (or is long gone)",
    "nonce.session": "the nonce was issued to another browser session",
    "nonce.expired": "the nonce has expired",
    "nonce.reused": "the nonce was already used (a replayed token)",
    "nonce.weak": "without a nonce store, the nonce must be base64 of at least 32 random bytes",
    # 4. the signature
    "token.algorithm": "the algorithm is unsupported or does not fit the certificate's key",
    "token.signature": "the signature over origin and nonce does not verify",
    # 5. chip evidence
    "evidence.missing": "chip evidence is required but absent or incomplete",
    "evidence.unrequested_dg": "the evidence holds a data group the portal did not ask for",
    "evidence.sod": "EF.SOD is unreadable or its signature does not verify",
    "evidence.chain": "the document signer does not chain to a trusted, valid CSCA",
    "evidence.hash": "a data group does not match its hash in EF.SOD (altered data)",
    "evidence.data": "a data group does not parse, or its MRZ check digits are wrong",
    "evidence.dg15": "DG15 (the chip's Active Authentication key) is missing or unusable",
    "evidence.aa": "the chip's Active Authentication signature does not verify",
    "evidence.national_code": "the document's national code has a wrong check digit",
    "evidence.identity_mismatch": "the document and the certificate name different people",
    "evidence.expired": "the document has expired",
}


class TokenError(IdCardError):
    """A token was refused. `code` is one of `CODES`."""

    code = "token.invalid"

    def __init__(
        self,
        code: str,
        message: str,
        *,
        verdict: Verdict | None = None,
        untrusted: bool | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.verdict = verdict
        #: No trust anchor (for the certificate or the document) rather than a forgery.
        self.untrusted = code == "cert.untrusted" if untrusted is None else untrusted

    def to_json(self) -> dict[str, object]:
        out = super().to_json()
        if self.verdict is not None:
            out["checks"] = [c.to_json() for c in self.verdict.checks]
        return out


def http_status(error: TokenError) -> int:
    """The HTTP status a portal answers with: 413 too large, 400 malformed, 401 otherwise."""
    if error.code == "token.size":
        return 413
    if error.code in ("token.json", "token.format"):
        return 400
    return 401
