"""Claims about the citizen, per client: pairwise `sub` unless the client may see the national code."""

from __future__ import annotations

import base64
import hashlib
import hmac

from idcard.oidc.clients import Client
from idcard.portal.verifier import VerifiedIdentity

__all__ = ["identity_claims", "pairwise_subject", "AMR"]

#: RFC 8176: smart card, and a PIN (the card's PIN unlocked it).
AMR = ["sc", "pin"]


def pairwise_subject(secret: bytes, client: Client, national_code: str) -> str:
    """OIDC Core §8.1: the same citizen gets unrelated identifiers at unrelated clients."""
    sector = client.sector or client.client_id
    mac = hmac.new(secret, f"{sector}\x00{national_code}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def identity_claims(identity: VerifiedIdentity, client: Client, secret: bytes, level: int | None) -> dict[str, object]:
    code = identity.national_code or identity.personal_code or ""
    given = identity.given_name.fa or identity.given_name.latin
    family = identity.family_name.fa or identity.family_name.latin
    claims: dict[str, object] = {
        "sub": code if client.national_code else pairwise_subject(secret, client, code),
        "name": " ".join(n for n in (given, family) if n) or None,
        "given_name": given,
        "family_name": family,
        "birthdate": identity.birth_date.isoformat() if identity.birth_date else None,
        # "0": the issuing CA asserts no assurance level (policy 2.16.364.101.1.1.N).
        "acr": str(level or 0),
        "amr": AMR,
    }
    if client.national_code:
        claims["national_code"] = code
    return {k: v for k, v in claims.items() if v is not None}
