"""The signed assertion a card hands to a portal (assertion.md): token, messages, builder."""

from idcard.assertion.builder import (
    CardEvidence,
    CardSigner,
    EvidenceSource,
    SoftwareSigner,
    TokenSigner,
    build_token,
    build_token_with_signer,
)
from idcard.assertion.messages import (
    ATTRIBUTES,
    aa_challenge,
    normalize_attributes,
    normalize_origin,
    origin_of_url,
    signed_message,
)
from idcard.assertion.token import FORMAT, AuthToken, Evidence, TokenFormatError

__all__ = [
    "ATTRIBUTES",
    "FORMAT",
    "AuthToken",
    "CardEvidence",
    "CardSigner",
    "Evidence",
    "EvidenceSource",
    "SoftwareSigner",
    "TokenFormatError",
    "TokenSigner",
    "aa_challenge",
    "build_token",
    "build_token_with_signer",
    "normalize_attributes",
    "normalize_origin",
    "origin_of_url",
    "signed_message",
]
