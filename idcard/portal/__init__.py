"""Portal side: verify tokens, keep nonces, the begin/complete API (assertion.md)."""

from idcard.portal.errors import CODES, TokenError, http_status
from idcard.portal.nonces import (
    NonceRecord,
    NonceStore,
    NonceStoreError,
    RedisNonceStore,
    SqliteNonceStore,
)
from idcard.portal.server import Portal
from idcard.portal.verifier import TokenVerifier, VerifiedIdentity

__all__ = [
    "CODES",
    "NonceRecord",
    "NonceStore",
    "NonceStoreError",
    "Portal",
    "RedisNonceStore",
    "SqliteNonceStore",
    "TokenError",
    "TokenVerifier",
    "VerifiedIdentity",
    "http_status",
]
