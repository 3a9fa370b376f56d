"""A sample relying party for the OIDC tests, built on Authlib's client side.

* `RelyingParty.authorization_url()` / `.redeem(callback_url)`: Authlib's
  `OAuth2Session` (requests) with PKCE S256, state and nonce; the ID token is
  verified with the provider's JWKS (joserfc) and its claims by Authlib's
  `CodeIDToken` (iss, aud, exp, nonce, at_hash).
* `rp_app(rp)`: the same as a tiny Starlette site (``/login`` -> provider,
  ``/callback`` -> welcome page with the claims), for the browser test.
"""

from __future__ import annotations

import html
import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.pdf_support import serve

__all__ = ["RelyingParty", "new_secret", "rp_app", "serve"]

ALGORITHMS = ["RS256"]


@dataclass
class RelyingParty:
    issuer: str
    client_id: str
    redirect_uri: str
    client_secret: str | None = None
    pending: dict[str, tuple[str, str]] = field(default_factory=dict)  # state -> (verifier, nonce)

    def session(self):  # noqa: ANN201 - authlib OAuth2Session
        from authlib.integrations.requests_client import OAuth2Session

        session = OAuth2Session(
            self.client_id, self.client_secret, scope="openid profile national_code",
            redirect_uri=self.redirect_uri, code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic" if self.client_secret else "none",
        )
        session.trust_env = False
        return session

    def metadata(self) -> dict[str, Any]:
        return httpx.get(f"{self.issuer}/.well-known/openid-configuration", trust_env=False).json()

    def authorization_url(self) -> str:
        from authlib.common.security import generate_token

        verifier, nonce = generate_token(48), generate_token(20)
        url, state = self.session().create_authorization_url(
            self.metadata()["authorization_endpoint"], code_verifier=verifier, nonce=nonce
        )
        self.pending[state] = (verifier, nonce)
        return url

    def exchange(self, callback_url: str, *, verifier: str | None = None, endpoint: str | None = None) -> dict[str, Any]:
        """The token endpoint's JSON for the code in `callback_url` (raises on an OAuth error)."""
        from urllib.parse import parse_qs, urlsplit

        state = parse_qs(urlsplit(callback_url).query)["state"][0]
        real_verifier, _ = self.pending[state]
        return dict(self.session().fetch_token(
            endpoint or self.metadata()["token_endpoint"], authorization_response=callback_url,
            code_verifier=verifier or real_verifier, state=state,
        ))

    def id_claims(self, token: dict[str, Any], state_nonce: str | None, *, client_id: str | None = None) -> dict[str, Any]:
        """Verify the ID token (signature with the JWKS, then iss/aud/exp/nonce/at_hash)."""
        from authlib.oidc.core import CodeIDToken
        from joserfc import jwt
        from joserfc.jwk import KeySet

        jwks = httpx.get(self.metadata()["jwks_uri"], trust_env=False).json()
        decoded = jwt.decode(token["id_token"], KeySet.import_key_set(jwks), algorithms=ALGORITHMS)
        claims = CodeIDToken(
            decoded.claims, decoded.header,
            options={"iss": {"essential": True, "value": self.issuer},
                     "aud": {"essential": True, "value": client_id or self.client_id}},
            params={"nonce": state_nonce, "access_token": token.get("access_token")},
        )
        claims.validate(leeway=5)
        return dict(claims)

    def redeem(self, callback_url: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """(ID token claims, userinfo) for a successful callback."""
        from urllib.parse import parse_qs, urlsplit

        state = parse_qs(urlsplit(callback_url).query)["state"][0]
        token = self.exchange(callback_url)
        claims = self.id_claims(token, self.pending[state][1])
        info = httpx.get(self.metadata()["userinfo_endpoint"], trust_env=False,
                         headers={"Authorization": f"Bearer {token['access_token']}"}).json()
        return claims, info


def rp_app(rp: RelyingParty):  # noqa: ANN201 - Starlette
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, RedirectResponse
    from starlette.routing import Route

    async def login(request: Request) -> RedirectResponse:
        return RedirectResponse(await run_in_threadpool(rp.authorization_url), status_code=302)

    async def callback(request: Request) -> HTMLResponse:
        if "error" in request.query_params:
            return HTMLResponse(f'<h1>Refused</h1><p id="error">{html.escape(request.query_params["error"])}</p>')
        claims, info = await run_in_threadpool(rp.redeem, str(request.url))
        rows = "".join(f'<dt>{html.escape(k)}</dt><dd id="claim-{html.escape(k)}">{html.escape(str(v))}</dd>'
                       for k, v in sorted(claims.items()))
        return HTMLResponse(
            f'<h1>Welcome</h1><p id="name" lang="fa" dir="rtl">{html.escape(str(info.get("name", "")))}</p>'
            f"<dl>{rows}</dl>"
        )

    return Starlette(routes=[Route("/login", login), Route("/callback", callback)])


def new_secret() -> str:
    return secrets.token_urlsafe(24)
