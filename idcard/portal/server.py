"""The two calls a portal makes, in the style of WebAuthn servers (assertion.md).

```python
portal = Portal(TokenVerifier(cas, csca=cscas), SqliteNonceStore("nonces.db"),
                base_url="https://portal.example")
request = portal.begin(session_id, ["name", "photo"])   # JSON for the app's GET
identity = portal.complete(session_id, token_json, "https://portal.example")
```

Chip evidence is required unless both the portal and its verifier are told
otherwise (``require_evidence=False``); a token accepted without evidence says
so in its verdict (check ``evidence``: "evidence: not requested") and in
``VerifiedIdentity.evidence_status``.

`begin` issues a nonce bound to the browser session (and remembers what was
asked for) and returns the hand-off request JSON: ``{"nonce", "attributes",
"submit", "return"}``. `complete` verifies a token against the nonce the
session was given, consuming it atomically at step 3, so a token is accepted
once by any of the workers sharing the nonce store.
"""

from __future__ import annotations

import datetime as dt
import time
import urllib.parse
from collections.abc import Callable, Sequence

from idcard.assertion.messages import normalize_attributes, origin_of_url
from idcard.errors import UsageError
from idcard.portal.errors import TokenError
from idcard.portal.nonces import DEFAULT_TTL, NonceStore
from idcard.portal.verifier import TokenVerifier, VerifiedIdentity, assurance_minimum

__all__ = ["Portal"]

#: Stands in for a nonce the store does not know; step 3 refuses before it is used.
_NO_NONCE = "unknown"


class Portal:
    def __init__(
        self,
        verifier: TokenVerifier,
        nonce_store: NonceStore,
        *,
        ttl: float = DEFAULT_TTL,
        base_url: str | None = None,
        submit_path: str = "/idcard/submit",
        return_path: str = "/idcard/return",
        clock: Callable[[], float] = time.time,
        require_evidence: bool = True,
        min_assurance: int | None = None,
    ) -> None:
        """`require_evidence`: chip evidence is required unless this is False (and the
        verifier agrees); a plain token's result then says "evidence: not requested".
        `min_assurance`: the lowest assurance level (1 Bronze … 4 Platinum) of the login
        certificate's chain this portal accepts, besides the verifier's own minimum; a lower
        one is refused with ``cert.assurance_too_low``, none with ``cert.assurance_unknown``."""
        # Evidence optional must be a decision, not a default inherited from a lax verifier.
        if require_evidence and not verifier.require_evidence:
            raise UsageError(
                "This portal requires chip evidence, but its TokenVerifier does not "
                "(require_evidence=False). Pass require_evidence=False to Portal as well to "
                "accept tokens without chip evidence; results then say 'evidence: not requested'."
            )
        self.require_evidence = require_evidence
        self.verifier = verifier
        self.min_assurance = assurance_minimum(min_assurance)
        self.nonces = nonce_store
        self.ttl = ttl
        self.base_url = None if base_url is None else self._base(base_url)
        self.submit_path = submit_path
        self.return_path = return_path
        self.clock = clock

    def _base(self, base_url: str) -> str:
        origin_of_url(base_url, allow_http_loopback=self.verifier.allow_http_loopback)
        parts = urllib.parse.urlsplit(base_url)
        if parts.query or parts.fragment:
            raise UsageError("The portal's base URL has no query or fragment.")
        return base_url.rstrip("/")

    def begin(
        self, session_id: str, attributes: Sequence[str] = (), *, base_url: str | None = None
    ) -> dict[str, object]:
        """A fresh nonce for this browser session, as the hand-off request JSON."""
        wanted = normalize_attributes(attributes)
        base = self._base(base_url) if base_url is not None else self.base_url
        if base is None:
            raise UsageError(
                "Give the portal's base URL (Portal(base_url=…) or begin(base_url=…))."
            )
        nonce = self.nonces.issue(session_id, self.ttl, attributes=wanted)
        return {
            "nonce": nonce,
            "attributes": wanted,
            "submit": base + self.submit_path,
            "return": base + self.return_path,
        }

    def complete(
        self,
        session_id: str,
        token_json: str | bytes,
        origin: str,
        *,
        nonce: str | None = None,
        at: dt.datetime | None = None,
    ) -> VerifiedIdentity:
        """Verify the token against the session's nonce; TokenError (with its code) on refusal.

        The token does not carry the nonce: by default it is the one this
        session was issued last. A portal that learns the nonce another way
        (e.g. its submit URL names the login) passes it as `nonce`; a nonce
        of another session then fails with ``nonce.session``.
        """
        record = self.nonces.latest(session_id) if nonce is None else self.nonces.find(nonce)

        def consume() -> None:
            if record is None:  # refused at step 3, after the token and certificate checks, before the signature
                raise TokenError(
                    "nonce.unknown",
                    "This portal issued no such nonce for this login. Start the login again.",
                )
            self.nonces.consume(record.nonce, session_id, self.clock())

        return self.verifier.verify(
            token_json,
            origin=origin,
            nonce=record.nonce if record is not None else _NO_NONCE,
            requested_attributes=record.attributes if record is not None else (),
            at=at,
            consume_nonce=consume,
            nonce_issued=record is not None,
            min_assurance=self.min_assurance,
        )
