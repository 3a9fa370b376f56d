"""The OAuth 2.0 / OIDC protocol, by Authlib: authorization code grant, PKCE (S256), ID tokens.

Authlib has no Starlette integration, so this module gives it requests built
from what the Starlette handlers read (`PreparedRequest`) and returns its
(status, body, headers) as they are. Codes, OIDC nonces and access tokens
live in the shared `OidcStore`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from authlib.common.security import generate_token
from authlib.oauth2 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749 import InvalidRequestError, grants
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from joserfc.jwk import RSAKey

from idcard.oidc.clients import SCOPES, Client
from idcard.oidc.store import OidcStore

__all__ = ["PreparedRequest", "build_server", "ID_TOKEN_ALG", "StoredCode"]

#: OIDC Discovery 1.0 §3: RS256 MUST be supported, and one algorithm keeps every client working.
ID_TOKEN_ALG = "RS256"


@dataclass(frozen=True)
class PreparedRequest:
    method: str
    url: str
    headers: Mapping[str, str]
    query: Mapping[str, str] = field(default_factory=dict)
    form: Mapping[str, str] = field(default_factory=dict)


class _Request(OAuth2Request):
    def __init__(self, prepared: PreparedRequest) -> None:
        # Starlette headers: case-insensitive, as Authlib reads "Authorization".
        super().__init__(prepared.method, prepared.url, headers=prepared.headers)
        self._query = dict(prepared.query)
        self._form = dict(prepared.form)
        self.payload = BasicOAuth2Payload({**self._query, **self._form})

    @property
    def args(self) -> dict[str, str]:
        return self._query

    @property
    def form(self) -> dict[str, str]:
        return self._form


@dataclass
class StoredCode:
    """An authorization code's record (authlib's AuthorizationCodeMixin + OIDC's)."""

    client_id: str
    redirect_uri: str
    scope: str
    user: dict[str, Any]
    auth_time: int
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str | None:
        return self.user.get("acr")

    def get_amr(self) -> list[str] | None:
        return self.user.get("amr")


class _Server(AuthorizationServer):
    def __init__(self, clients: Mapping[str, Client], store: OidcStore, code_ttl: int, token_ttl: int) -> None:
        super().__init__(scopes_supported=list(SCOPES))
        self.clients = clients
        self.store = store
        self.code_ttl = code_ttl
        self.token_ttl = token_ttl
        self.register_token_generator(
            "default", BearerTokenGenerator(lambda *a, **k: generate_token(43), expires_generator=lambda *a, **k: token_ttl)
        )

    def query_client(self, client_id: str) -> Client | None:
        return self.clients.get(client_id)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        self.store.put(
            "access", token["access_token"],
            {"client_id": request.client.client_id, "scope": token.get("scope", ""), "user": request.user},
            self.token_ttl,
        )
        code = request.authorization_code
        if code is not None:
            # Remember which token a code bought: a replayed code revokes it (RFC 6749 §4.1.2).
            self.store.put("redeemed", code.code_value, {"access_token": token["access_token"]}, self.token_ttl)

    def create_oauth2_request(self, request: PreparedRequest) -> OAuth2Request:
        return _Request(request)

    def create_json_request(self, request: PreparedRequest):  # noqa: ANN201 - not used: no JSON endpoints
        raise NotImplementedError

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> tuple[int, Any, list[tuple[str, str]]]:
        return status, body, list(headers)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None


class _S256Only(CodeChallenge):
    """PKCE on every authorization request, confidential clients too (OAuth 2.0 Security BCP).

    "plain" gives no protection against a stolen code (RFC 7636 §7.2), and an
    absent method means plain: the method must be given, and be S256.
    """

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: grants.AuthorizationCodeGrant, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge and code_challenge_method=S256.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Unsupported 'code_challenge_method': only S256.")
        super().validate_code_challenge(grant, redirect_uri)


class _CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
    server: _Server

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        user = request.user
        record = {
            "client_id": request.client.client_id,
            "redirect_uri": request.payload.redirect_uri,
            "scope": request.scope,
            "user": user,
            "auth_time": user["auth_time"],
            "nonce": data.get("nonce"),
            "code_challenge": data.get("code_challenge"),
            "code_challenge_method": data.get("code_challenge_method"),
        }
        self.server.store.put("code", code, record, self.server.code_ttl)
        if data.get("nonce"):
            self.server.store.put("nonce", f"{request.client.client_id}:{data['nonce']}", {}, 86400)

    def query_authorization_code(self, code: str, client: Client) -> StoredCode | None:
        # Taken, not read: the code is spent by the first attempt, whatever follows.
        record = self.server.store.take("code", code)
        if record is None:
            spent = self.server.store.take("redeemed", code)
            if spent is not None:
                self.server.store.take("access", spent["access_token"])
            return None
        if record["client_id"] != client.client_id:
            return None
        stored = StoredCode(**record)
        stored.code_value = code  # type: ignore[attr-defined]
        return stored

    def delete_authorization_code(self, authorization_code: StoredCode) -> None:
        return None  # already taken from the store by query_authorization_code

    def authenticate_user(self, authorization_code: StoredCode) -> dict[str, Any]:
        return authorization_code.user


class _OpenIDCode(OpenIDCode):
    def __init__(self, server: _Server, issuer: str, key: RSAKey, id_token_ttl: int) -> None:
        super().__init__(require_nonce=False)
        self._server = server
        self.issuer = issuer
        self.key = key
        self.id_token_ttl = id_token_ttl

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return self._server.store.get("nonce", f"{request.payload.client_id}:{nonce}") is not None

    def resolve_client_private_key(self, client: Client) -> RSAKey:
        return self.key

    def get_client_algorithm(self, client: Client) -> str:
        return ID_TOKEN_ALG

    def get_encode_header(self, client: Client) -> dict[str, str]:
        return {"alg": ID_TOKEN_ALG, "kid": self.key.kid or "", "typ": "JWT"}

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        now = int(time.time())
        return {"iss": self.issuer, "aud": [client.client_id], "iat": now, "exp": now + self.id_token_ttl}

    def generate_user_info(self, user: dict[str, Any], scope: str) -> UserInfo:
        return UserInfo(user_claims(user, scope))


def user_claims(user: Mapping[str, Any], scope: str) -> dict[str, Any]:
    """The claims a token's scope allows: sub always; profile; national_code if granted."""
    scopes = set(scope.split())
    out = {"sub": user["sub"]}
    if "profile" in scopes:
        out.update({k: user[k] for k in ("name", "given_name", "family_name", "birthdate") if k in user})
    if "national_code" in scopes and "national_code" in user:
        out["national_code"] = user["national_code"]
    return out


def build_server(
    *, issuer: str, clients: Mapping[str, Client], store: OidcStore, key: RSAKey,
    code_ttl: int = 60, token_ttl: int = 600, id_token_ttl: int = 600,
) -> AuthorizationServer:
    server = _Server(clients, store, code_ttl, token_ttl)
    server.register_grant(
        _CodeGrant, [_S256Only(required=True), _OpenIDCode(server, issuer, key, id_token_ttl)]
    )
    return server


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def dumps(body: Any) -> str:
    return body if isinstance(body, str) else json.dumps(body)
