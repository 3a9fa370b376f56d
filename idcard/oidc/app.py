"""The provider's HTTP endpoints (Starlette): discovery, JWKS, authorize, the card login, token, userinfo.

The login, as the browser sees it:

1. ``GET /authorize?...`` from the relying party: Authlib checks the client,
   the exact redirect URI and the PKCE challenge; the provider remembers the
   request under a login id (in the shared store) and shows the login page,
   whose link goes to the citizen's ID card app (the hand-off).
2. The app fetches ``/idcard/request?session=<login id>`` and posts the card's
   token to ``/idcard/submit``; `idcard.portal.Portal` verifies it for this
   provider's origin and nonce. The answer sends the browser to
   ``/idcard/finish?code=…``.
3. ``/idcard/finish`` completes only in the browser holding the cookie that
   started step 1 (as the demo portal does, so nobody can finish a login in
   someone else's browser), and redirects to the relying party with the code.
"""

from __future__ import annotations

import html
import json
import logging
import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, quote

from authlib.oauth2 import OAuth2Error
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from idcard.errors import IdCardError
from idcard.oidc.authserver import (
    ID_TOKEN_ALG,
    PreparedRequest,
    build_server,
    query_of,
    user_claims,
)
from idcard.oidc.claims import identity_claims
from idcard.oidc.clients import SCOPES, Client
from idcard.oidc.store import OidcStore
from idcard.portal.errors import TokenError
from idcard.portal.server import Portal
from idcard.portal.verifier import MAX_TOKEN_SIZE

__all__ = ["Provider", "create_app", "discovery_document"]

log = logging.getLogger("idcard.oidc")

COOKIE = "idcard_oidc_login"
LOGIN_TTL = 300
ATTRIBUTES = ("name", "nationalCode", "birthDate")
_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
}


def discovery_document(issuer: str) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "jwks_uri": f"{issuer}/jwks.json",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["pairwise", "public"],
        "id_token_signing_alg_values_supported": [ID_TOKEN_ALG],
        "scopes_supported": list(SCOPES),
        "claims_supported": ["sub", "name", "given_name", "family_name", "birthdate", "national_code",
                             "acr", "amr", "auth_time", "nonce", "iss", "aud", "exp", "iat"],
        "acr_values_supported": ["0", "1", "2", "3", "4"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
    }


class Provider:
    def __init__(
        self,
        *,
        issuer: str,
        clients: Mapping[str, Client],
        store: OidcStore,
        portal: Portal,
        key: RSAKey,
        pairwise_secret: bytes,
        handoff_url: str,
        levels: Mapping[str, int] | None = None,
        code_ttl: int = 60,
        token_ttl: int = 600,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.clients = clients
        self.store = store
        self.portal = portal
        self.key = key
        self.pairwise_secret = pairwise_secret
        self.handoff_url = handoff_url.rstrip("/")
        #: Issuing CA subject (as the verifier reports it) -> assurance level.
        self.levels = dict(levels or {})
        self.secure_cookie = self.issuer.startswith("https://")
        self.server = build_server(issuer=self.issuer, clients=clients, store=store, key=key,
                                   code_ttl=code_ttl, token_ttl=token_ttl)
        self.origin = self.issuer.split("/", 3)[0] + "//" + self.issuer.split("/", 3)[2]

    # -- helpers ---------------------------------------------------------------------
    @staticmethod
    def _prepared(request: Request, form: Mapping[str, str] | None = None) -> PreparedRequest:
        return PreparedRequest(request.method, str(request.url), request.headers,
                               dict(request.query_params), dict(form or {}))

    @staticmethod
    def _respond(status: int, body: Any, headers: Sequence[tuple[str, str]]) -> Response:
        hdrs = {**dict(headers), "Cache-Control": "no-store"}
        if status in (301, 302, 303) and "Location" in hdrs:
            return RedirectResponse(hdrs.pop("Location"), status_code=302, headers=hdrs)
        text = body if isinstance(body, str) else json.dumps(body)
        hdrs.setdefault("Content-Type", "application/json")
        return Response(text, status_code=status, headers=hdrs)

    def _page(self, title: str, body: str, status: int = 200) -> HTMLResponse:
        page = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title><style>body{{font-family:system-ui,sans-serif;max-width:36rem;"
            "margin:2rem auto;padding:0 1rem}a.button{display:inline-block;background:#0b5cad;color:#fff;"
            "padding:.7rem 1.2rem;border-radius:.4rem;text-decoration:none}.error{border-left:4px solid #b3261e;"
            f"padding:.2rem 1rem;background:#fbeeed}}</style></head><body>{body}</body></html>"
        )
        return HTMLResponse(page, status_code=status, headers=_HEADERS)

    def _error_page(self, code: str, message: str, status: int = 400) -> HTMLResponse:
        return self._page("Login failed", f'<h1>Login failed</h1><div class="error"><p id="error">{html.escape(message)}</p></div>'
                          f'<p>Error code: <code id="error-code">{html.escape(code)}</code></p>', status)

    # -- discovery ---------------------------------------------------------------------
    async def discovery(self, request: Request) -> Response:
        return JSONResponse(discovery_document(self.issuer), headers={"Cache-Control": "max-age=300"})

    async def jwks(self, request: Request) -> Response:
        public: dict[str, object] = {**self.key.as_dict(private=False), "use": "sig", "alg": ID_TOKEN_ALG}
        return JSONResponse({"keys": [public]}, headers={"Cache-Control": "max-age=300"})

    # -- authorize -------------------------------------------------------------------
    async def authorize(self, request: Request) -> Response:
        prepared = self._prepared(request)
        try:
            grant = await run_in_threadpool(self.server.get_consent_grant, prepared)
        except OAuth2Error as error:
            status, body, headers = self.server.handle_error_response(None, error)
            if status == 302:
                return self._respond(status, body, headers)
            # No valid client or redirect URI: never redirect anywhere (RFC 6749 §4.1.2.1).
            return self._error_page(error.error, error.get_error_description() or error.error)
        session = request.cookies.get(COOKIE) or secrets.token_urlsafe(32)
        login_id = secrets.token_urlsafe(24)
        self.store.put("login", login_id, {"authorize": str(request.url), "session": session,
                                           "client_id": grant.client.client_id}, LOGIN_TTL)
        request_url = f"{self.issuer}/idcard/request?session={login_id}"
        link = f"{self.handoff_url}/authenticate?request={quote(request_url, safe='')}"
        body = (
            "<h1>Log in with your national ID card</h1>"
            f"<p><strong>{html.escape(grant.client.client_id)}</strong> asks who you are.</p>"
            f'<p><a class="button" id="login-idcard" href="{html.escape(link)}">Log in with national ID card</a></p>'
            "<p>You need the ID card app on this computer, a card reader and your card PIN.</p>"
        )
        response = self._page("Log in", body)
        response.set_cookie(COOKIE, session, max_age=LOGIN_TTL, httponly=True, samesite="lax", secure=self.secure_cookie)
        return response

    # -- the hand-off (as the demo portal) -----------------------------------------------
    async def idcard_request(self, request: Request) -> Response:
        login_id = request.query_params.get("session", "")
        if self.store.get("login", login_id) is None:
            return JSONResponse({"error": {"code": "login.expired", "message": "No such login, or it expired."}}, 404)
        data = await run_in_threadpool(self.portal.begin, login_id, ATTRIBUTES, base_url=self.issuer)
        data["submit"] = f"{data['submit']}?session={quote(login_id, safe='')}"
        return JSONResponse(data, headers={"Cache-Control": "no-store"})

    async def idcard_submit(self, request: Request) -> Response:
        login_id = request.query_params.get("session", "")
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            return JSONResponse({"error": {"code": "token.format", "message": "Send application/json."}}, 415)
        body = await request.body()
        if len(body) > 4 * MAX_TOKEN_SIZE:
            return JSONResponse({"error": {"code": "token.size", "message": "The token is too large."}}, 413)
        login = self.store.take("login", login_id)
        if login is None:
            return JSONResponse({"error": {"code": "login.expired", "message": "No such login, or it expired."}}, 404)
        try:
            identity = await run_in_threadpool(self.portal.complete, login_id, body, self.origin)
        except TokenError as exc:
            log.info("oidc: token refused: %s", exc.code)
            return JSONResponse({"error": exc.to_json(), "redirect": f"{self.issuer}/idcard/return?error={exc.code}"}, 400)
        except IdCardError as exc:
            return JSONResponse({"error": exc.to_json()}, 400)
        client = self.clients[login["client_id"]]
        user = identity_claims(identity, client, self.pairwise_secret, self.levels.get(identity.certificate_issuer))
        user["auth_time"] = int(time.time())
        code = secrets.token_urlsafe(24)
        self.store.put("finish", code, {"login": login, "user": user}, 120)
        return JSONResponse({"redirect": f"{self.issuer}/idcard/finish?code={code}"}, headers={"Cache-Control": "no-store"})

    async def idcard_finish(self, request: Request) -> Response:
        finished = self.store.take("finish", request.query_params.get("code", ""))
        if finished is None:
            return self._error_page("login.expired", "This login expired or was already used. Start again at the portal.")
        login = finished["login"]
        cookie = request.cookies.get(COOKIE, "")
        if not cookie or not secrets.compare_digest(cookie, login["session"]):
            return self._error_page("login.other_browser", "This login was started in another browser.")
        authorize = login["authorize"]

        prepared = PreparedRequest("GET", authorize, request.headers, query_of(authorize))

        def complete() -> tuple[int, Any, list[tuple[str, str]]]:
            grant = self.server.get_consent_grant(prepared)
            return self.server.create_authorization_response(grant.request, grant_user=finished["user"], grant=grant)

        try:
            return self._respond(*await run_in_threadpool(complete))
        except OAuth2Error as error:
            return self._error_page(error.error, error.get_error_description() or error.error)

    async def idcard_return(self, request: Request) -> Response:
        code = request.query_params.get("error", "unknown")[:64]
        return self._error_page(code, "The ID card login did not complete.", 200)

    # -- token, userinfo ---------------------------------------------------------------
    async def token(self, request: Request) -> Response:
        # RFC 6749 §4.1.3: application/x-www-form-urlencoded (parsed here: no multipart dependency).
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
            return JSONResponse({"error": "invalid_request", "error_description": "Send a form."}, 400)
        body = await request.body()
        if len(body) > 16 * 1024:
            return JSONResponse({"error": "invalid_request", "error_description": "Too large."}, 413)
        pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        if len({k for k, _ in pairs}) != len(pairs):
            return JSONResponse({"error": "invalid_request", "error_description": "A parameter is repeated."}, 400)
        prepared = self._prepared(request, dict(pairs))
        return self._respond(*await run_in_threadpool(self.server.create_token_response, prepared))

    async def userinfo(self, request: Request) -> Response:
        auth = request.headers.get("authorization", "")
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        record = self.store.get("access", token) if token else None
        if record is None or "openid" not in record["scope"].split():
            return Response(status_code=401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"', "Cache-Control": "no-store"})
        return JSONResponse(user_claims(record["user"], record["scope"]), headers={"Cache-Control": "no-store"})


def create_app(provider: Provider) -> Starlette:
    app = Starlette(
        routes=[
            Route("/.well-known/openid-configuration", provider.discovery),
            Route("/jwks.json", provider.jwks),
            Route("/authorize", provider.authorize),
            Route("/idcard/request", provider.idcard_request),
            Route("/idcard/submit", provider.idcard_submit, methods=["POST"]),
            Route("/idcard/finish", provider.idcard_finish),
            Route("/idcard/return", provider.idcard_return),
            Route("/token", provider.token, methods=["POST"]),
            Route("/userinfo", provider.userinfo, methods=["GET", "POST"]),
        ]
    )
    app.state.provider = provider
    return app


