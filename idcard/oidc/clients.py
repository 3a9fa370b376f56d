"""Relying parties (clients) from the provider's configuration file, as Authlib client models.

```json
{"clients": [{
    "client_id": "tax-portal",
    "client_secret": "a long random string",          // omit for a public client (PKCE only)
    "redirect_uris": ["https://tax.example/oidc/callback"],
    "national_code": false,                           // true: sub = the national code
    "sector": "tax.example"                           // optional pairwise sector (default: client_id)
}]}
```
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from authlib.oauth2.rfc6749 import ClientMixin

from idcard.errors import UsageError

__all__ = ["Client", "load_clients", "SCOPES"]

SCOPES = ("openid", "profile", "national_code")


@dataclass(frozen=True)
class Client(ClientMixin):
    client_id: str
    redirect_uris: tuple[str, ...]
    client_secret: str | None = field(default=None, repr=False)
    #: May see the national code itself as `sub` (and the `national_code` claim).
    national_code: bool = False
    sector: str | None = None

    @property
    def auth_methods(self) -> tuple[str, ...]:
        return ("client_secret_basic", "client_secret_post") if self.client_secret else ("none",)

    # -- authlib ClientMixin ------------------------------------------------------------
    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return self.redirect_uris[0] if len(self.redirect_uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return ""
        return " ".join(s for s in scope.split() if s in SCOPES)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris  # exact match (OAuth 2.0 Security BCP)

    def check_client_secret(self, client_secret: str) -> bool:
        if not self.client_secret or not client_secret:
            return False
        return hmac.compare_digest(self.client_secret.encode(), client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint != "token" or method in self.auth_methods

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


def _client(entry: Mapping[str, Any]) -> Client:
    try:
        uris = entry["redirect_uris"]
        client = Client(
            client_id=str(entry["client_id"]),
            redirect_uris=tuple(str(u) for u in uris),
            client_secret=entry.get("client_secret"),
            national_code=bool(entry.get("national_code", False)),
            sector=entry.get("sector"),
        )
    except (KeyError, TypeError) as exc:
        raise UsageError(f"A client entry lacks {exc}: each needs client_id and redirect_uris.") from None
    if not client.redirect_uris or isinstance(uris, str):
        raise UsageError(f"Client {client.client_id!r}: redirect_uris is a non-empty list.")
    for uri in client.redirect_uris:
        if "#" in uri or not uri.startswith(("https://", "http://127.0.0.1", "http://localhost", "http://[::1]")):
            raise UsageError(f"Client {client.client_id!r}: {uri!r} is no https:// (or loopback) redirect URI.")
    return client


def load_clients(source: str | Path | Sequence[Mapping[str, Any]]) -> dict[str, Client]:
    if isinstance(source, (str, Path)):
        try:
            data = json.loads(Path(source).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UsageError(f"Cannot read the clients file {source}: {exc}") from None
        entries = data.get("clients") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise UsageError(f"{source} holds no \"clients\" list.")
    else:
        entries = list(source)
    clients = {c.client_id: c for c in map(_client, entries)}
    if len(clients) != len(entries):
        raise UsageError("Two clients share a client_id.")
    return clients
