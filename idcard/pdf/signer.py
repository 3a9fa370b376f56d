"""A pyHanko `Signer` whose private key is the card's signing key (like pyhanko-beid-plugin).

pyHanko builds the CMS and the signed attributes; only the raw signature comes
from the card. The nid-v1 signing key is a P-384 ECDSA key and the card signs
a SHA-384 digest it is given, so the mechanism is fixed to ecdsa-with-SHA384
and any other digest is refused before the PIN is spent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from asn1crypto import algos
from asn1crypto import x509 as asn1_x509
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore

from idcard.errors import IdCardError
from idcard.signing import check_signing_certificate, der_signature, signature_matches

if TYPE_CHECKING:
    from idcard.session import IdCard

__all__ = ["CardSigner", "DIGEST_ALGORITHM"]

#: The only digest the card's PSO: COMPUTE DIGITAL SIGNATURE takes (card-profile.md).
DIGEST_ALGORITHM = "sha384"

#: Size pyHanko reserves while it measures the CMS (dry run): the longest DER
#: ECDSA-Sig-Value for P-384 (two 49-byte INTEGERs with their headers).
_P384_MAX_DER = 2 + 2 * (2 + 49)


class CardSigner(Signer):
    """Signs with the card's signing key; one PIN2 verification per real signature.

    `card` must already be unlocked (PACE). `chain` are the certificates to embed
    beside the signing certificate (the citizen CA, optionally the root).
    """

    def __init__(
        self,
        card: IdCard,
        pin2: str,
        *,
        chain: Iterable[asn1_x509.Certificate] = (),
        signing_cert_der: bytes | None = None,
    ) -> None:
        cert_der = signing_cert_der if signing_cert_der is not None else card.read_sign_certificate()
        self.cert_der = cert_der
        cert = check_signing_certificate(cert_der)
        registry = SimpleCertificateStore()
        registry.register_multiple(list(chain))
        super().__init__(
            signing_cert=cert,
            cert_registry=registry,
            signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": "sha384_ecdsa"}),
        )
        self._card = card
        self._pin2: str | None = pin2
        self.signatures_made = 0

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        if digest_algorithm != DIGEST_ALGORITHM:
            raise IdCardError(
                f"The card signs SHA-384 digests only, not {digest_algorithm}.", code="sign.digest"
            )
        if dry_run:
            # pyHanko only measures the CMS here: never spend a PIN2 try on it.
            return bytes(_P384_MAX_DER)
        if self._pin2 is None:
            raise IdCardError("One signature per signature PIN entry.", code="sign.pin2_used")
        pin2, self._pin2 = self._pin2, None  # one PIN2 authorises one signature
        raw = self._card.sign_digest(hashlib.sha384(data).digest(), pin2)
        signature = der_signature(raw)
        if not signature_matches(self.cert_der, signature, data):
            raise IdCardError(
                "The card's signature does not match its signing certificate; no file was written.",
                code="sign.mismatch",
            )
        self.signatures_made += 1
        return signature
