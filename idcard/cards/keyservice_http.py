"""The HTTP client of the registry's card-keys service (its JSON protocol: idcard.cards.keyservice).

Apart from the interface so that opening a card never loads an HTTP stack.
"""

from __future__ import annotations

import httpx

from idcard.cards.keyservice import (
    CARD_KEYS_PATH,
    SMD_KEY_PATH,
    CardKeyRequest,
    CardKeys,
    KeyServiceError,
)


class HttpCardKeyService:
    """Client of the card-keys endpoint at `url` (our JSON protocol, see module docstring)."""

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise KeyServiceError("The key service URL must start with http:// or https://.", code="keyservice.url")
        self.url = url.rstrip("/")
        self.timeout = timeout

    def card_keys(self, request: CardKeyRequest) -> CardKeys:
        return CardKeys.from_json(self._post(CARD_KEYS_PATH, request))

    def smd_key(self, request: CardKeyRequest) -> bytes:
        body = self._post(SMD_KEY_PATH, request)
        try:
            if not isinstance(body, dict):
                raise ValueError("not a JSON object")
            key = bytes.fromhex(str(body["smdKey"]))
        except (KeyError, ValueError) as exc:
            raise KeyServiceError("The SMD-key answer is not the expected JSON.", code="keyservice.malformed") from exc
        if len(key) != 16:
            raise KeyServiceError("The SMD key is not 16 bytes.", code="keyservice.malformed")
        return key

    def _post(self, path: str, request: CardKeyRequest) -> object:
        try:
            answer = httpx.post(self.url + path, json=request.to_json(), timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise KeyServiceError(
                f"The card-authentication service at {self.url} cannot be reached ({type(exc).__name__})."
            ) from exc
        if answer.status_code != 200:
            reason = ""
            try:
                reason = str(answer.json().get("error", ""))
            except ValueError:
                pass
            raise KeyServiceError(
                f"The card-authentication service refused this card ({answer.status_code}{': ' + reason if reason else ''}).",
                code="keyservice.refused",
            )
        try:
            return answer.json()
        except ValueError as exc:
            raise KeyServiceError("The key service's answer is not JSON.", code="keyservice.malformed") from exc
