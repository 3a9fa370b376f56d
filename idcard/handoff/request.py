"""The portal side of a hand-off as the app sees it: fetch the request, submit the token.

assertion.md, "Browser hand-off": the app GETs the request URL the browser
brought, and the **origin is the one of the URL fetched** — never anything
the response says. `submit`, `return` and the portal's final `redirect` must
all be on that origin, so a page cannot send the citizen's token, or the
browser, anywhere else.

Only `https://` request URLs are accepted; `dev=True` also accepts
`http://` for loopback hosts (a portal under development on this machine).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import idna

from idcard import __version__
from idcard.assertion.messages import normalize_attributes
from idcard.budget import Budget, BudgetTransport
from idcard.errors import IdCardError, UsageError
from idcard.origin import origin_of_url

__all__ = [
    "AuthRequest",
    "HandoffError",
    "PortalClient",
    "ReturnableError",
    "UrlPolicy",
    "origin_of",
    "with_error",
]

log = logging.getLogger("idcard.handoff")

MAX_URL_LENGTH = 4096
#: Largest request JSON / submit answer the app reads (a real one is < 1 KB).
MAX_BODY = 64 * 1024
MAX_REDIRECTS = 3
FETCH_TIMEOUT = 10.0
#: The whole request fetch (redirects, headers and body together), however the server paces it.
FETCH_DEADLINE = 15.0
SUBMIT_TIMEOUT = 30.0
MAX_ATTRIBUTES = 16
_ATTRIBUTE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")
#: The nonce is base64 text (standard or URL-safe alphabet).
_NONCE = re.compile(r"[A-Za-z0-9+/=_\-.~]{16,512}")
#: Error codes a portal may hand back, relayed to its `return` URL as they are.
_ERROR_CODE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*")


class HandoffError(IdCardError):
    """A hand-off failed for a reason other than the card or the PIN."""

    code = "request.invalid"


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def origin_of(url: httpx.URL | str) -> str:
    """The web origin of `url` as the token carries it (`idcard.origin`, the one rule).

    Lower-case `scheme://host[:port]`, IDN hosts in punycode, IPv6 in
    brackets, default ports left out. Call it on URLs `UrlPolicy.check` has
    passed (that is where http:// is allowed or not).
    """
    try:
        return origin_of_url(str(url), allow_http_loopback=True)
    except UsageError as exc:
        raise HandoffError(exc.message) from None


@dataclass(frozen=True)
class UrlPolicy:
    """Which URLs the app talks to: https anywhere; plain http on loopback with `dev`."""

    dev: bool = False

    def check(self, url: str | httpx.URL, what: str = "request URL") -> httpx.URL:
        text = str(url)
        if len(text) > MAX_URL_LENGTH:
            raise HandoffError(f"The {what} is longer than {MAX_URL_LENGTH} characters.")
        try:
            parsed = httpx.URL(text)
            host = parsed.host  # decodes an IDN host: a bad A-label (xn--a) fails here
        except (httpx.InvalidURL, idna.IDNAError, TypeError, ValueError):
            raise HandoffError(f"The {what} is not a valid URL.") from None
        if parsed.scheme not in ("https", "http") or not host:
            raise HandoffError(f"The {what} must be an https:// URL.")
        if parsed.userinfo:
            # https://bank.example@evil.example/ — the host is evil.example.
            raise HandoffError(f"The {what} must not contain a user name or password.")
        if parsed.scheme == "http":
            if not self.dev:
                raise HandoffError(
                    f"The {what} uses plain http://; only https:// is accepted "
                    "(start the app with --dev to allow http:// on this computer).",
                    code="request.insecure",
                )
            if not _is_loopback(host):
                raise HandoffError(
                    f"The {what} uses plain http:// to {host}; in development mode "
                    "http:// is allowed only for this computer (127.0.0.1, [::1], localhost).",
                    code="request.insecure",
                )
        return parsed.copy_with(fragment=None)

    def same_origin(self, origin: str, url: object, what: str, *, base: httpx.URL | None = None) -> httpx.URL:
        """`url` (absolute, or relative to `base`) checked, and on `origin`."""
        if not isinstance(url, str) or not url:
            raise HandoffError(f"The portal's {what} URL is missing.")
        try:
            target = base.join(url) if base is not None else url
        except (httpx.InvalidURL, idna.IDNAError, TypeError, ValueError):
            raise HandoffError(f"The portal's {what} URL is not a valid URL.") from None
        parsed = self.check(target, f"portal's {what} URL")
        if origin_of(parsed) != origin:
            raise HandoffError(
                f"The portal's {what} URL is on {origin_of(parsed)}, not on {origin} that asked; refused."
            )
        return parsed


def with_error(return_url: str, code: str) -> str:
    """`return_url` with `error=<code>` (replacing any `error` parameter it had)."""
    parts = urlsplit(return_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "error"]
    query.append(("error", code))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


@dataclass(frozen=True)
class AuthRequest:
    """A portal's request, checked. `origin` comes from `url`, the URL fetched."""

    url: str
    origin: str
    nonce: str
    attributes: tuple[str, ...]
    submit: str
    return_url: str

    def error_location(self, code: str) -> str:
        return with_error(self.return_url, code)


def parse_request(url: httpx.URL, body: Any, policy: UrlPolicy) -> AuthRequest:
    """Check the request JSON fetched from `url` (which alone fixes the origin)."""

    origin = origin_of(url)
    if not isinstance(body, dict):
        raise HandoffError("The portal's request is not a JSON object.")
    # `return` first: once it is known good, every later problem can be sent there.
    return_url = str(policy.same_origin(origin, body.get("return"), "return", base=url))
    try:
        nonce = body.get("nonce")
        if not isinstance(nonce, str) or not _NONCE.fullmatch(nonce):
            raise HandoffError("The portal's nonce is missing or not base64 text of 16 to 512 characters.")
        attributes = body.get("attributes", [])
        if (
            not isinstance(attributes, list)
            or len(attributes) > MAX_ATTRIBUTES
            or not all(isinstance(a, str) and _ATTRIBUTE.fullmatch(a) for a in attributes)
        ):
            raise HandoffError("The portal's attribute list is not a list of attribute names.")
        try:
            attributes = normalize_attributes(attributes)
        except UsageError as exc:
            raise HandoffError(f"The portal asks for something this app cannot give: {exc.message}") from None
        submit = str(policy.same_origin(origin, body.get("submit"), "submit", base=url))
    except HandoffError as exc:
        raise ReturnableError(return_url, exc.message, code="request.invalid") from None
    return AuthRequest(
        url=str(url),
        origin=origin,
        nonce=nonce,
        attributes=tuple(attributes),
        submit=submit,
        return_url=return_url,
    )


class ReturnableError(HandoffError):
    """A bad request whose `return` URL is known good: the browser can be sent back."""

    def __init__(self, return_url: str, message: str, *, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.return_url = return_url

    @property
    def error_location(self) -> str:
        return with_error(self.return_url, self.code)


class PortalClient:
    """HTTP to the portal: GET the request, POST the token. No cookies, no foreign redirects.

    `client` may be any `httpx.Client` (tests pass a Starlette TestClient or
    one with a MockTransport); by default a fresh one per call, which keeps
    no cookies between hand-offs.
    """

    def __init__(self, policy: UrlPolicy | None = None, *, client: httpx.Client | None = None) -> None:
        self.policy = policy or UrlPolicy()
        self._client = client

    def _http(self, budget: Budget | None = None) -> httpx.Client:
        if self._client is not None:
            return self._client
        return httpx.Client(
            follow_redirects=False,
            headers={"User-Agent": f"idcard-handoff/{__version__}"},
            timeout=FETCH_TIMEOUT,
            transport=BudgetTransport(budget) if budget is not None else None,
        )

    def fetch(self, request_url: str, budget: Budget | None = None) -> AuthRequest:
        """GET the request; same-origin redirects are followed (at most 3).

        The whole fetch ends by `budget`'s deadline (its own FETCH_DEADLINE
        when none is given) or as soon as the budget is cancelled.
        """
        url = self.policy.check(request_url)
        origin = origin_of(url)
        budget = budget or Budget(FETCH_DEADLINE)
        client = self._http(budget)
        try:
            for _ in range(MAX_REDIRECTS + 1):
                status, headers, body = self._exchange(client, "GET", url, timeout=FETCH_TIMEOUT, budget=budget)
                if status in (301, 302, 303, 307, 308):
                    url = self.policy.same_origin(origin, headers.get("location", ""), "redirect", base=url)
                    continue
                break
            else:
                raise HandoffError("The portal redirected the request too many times.")
        finally:
            if client is not self._client:
                client.close()
        if status != 200:
            raise HandoffError(f"The portal answered the request with HTTP {status}.", code="request.unavailable")
        data = _json_body(headers, body, "request")
        return parse_request(url, data, self.policy)

    def submit(self, request: AuthRequest, token: Mapping[str, Any]) -> str:
        """POST the token to `submit`; the portal's same-origin `redirect`."""
        url = httpx.URL(request.submit)
        payload = json.dumps(token, ensure_ascii=False, separators=(",", ":")).encode()
        client = self._http()
        try:
            status, headers, body = self._exchange(
                client,
                "POST",
                url,
                timeout=SUBMIT_TIMEOUT,
                content=payload,
                headers={"Content-Type": "application/json"},
            )
        finally:
            if client is not self._client:
                client.close()
        if 300 <= status < 400:
            # Following it would re-send the token (307/308) somewhere not agreed on.
            raise HandoffError("The portal redirected the token submission; refused.", code="submit.failed")
        if status != 200:
            code = "submit.rejected"
            try:
                data = _json_body(headers, body, "error")
                err = data.get("error") if isinstance(data, dict) else None
                portal_code = err.get("code") if isinstance(err, dict) else err
                if isinstance(portal_code, str) and len(portal_code) <= 64 and _ERROR_CODE.fullmatch(portal_code):
                    code = portal_code
            except HandoffError:
                pass  # no usable body: the generic code stands
            raise HandoffError(f"The portal did not accept the login (HTTP {status}, {code}).", code=code)
        data = _json_body(headers, body, "answer")
        redirect = data.get("redirect") if isinstance(data, dict) else None
        try:
            target = self.policy.same_origin(request.origin, redirect, "redirect", base=url)
        except HandoffError as exc:
            raise HandoffError(exc.message, code="submit.failed") from None
        return str(target)

    @staticmethod
    def _exchange(
        client: httpx.Client,
        method: str,
        url: httpx.URL,
        *,
        timeout: float,
        budget: Budget | None = None,
        **kwargs: Any,
    ) -> tuple[int, httpx.Headers, bytes]:
        """One request, the body read up to MAX_BODY (and, with `budget`, by its deadline)."""
        unavailable = "request.unavailable" if method == "GET" else "submit.failed"
        try:
            with client.stream(method, url, timeout=timeout, follow_redirects=False, **kwargs) as response:
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    if budget is not None and budget.expired:
                        # Also covers clients without the budget transport (tests' own clients).
                        raise httpx.ReadTimeout("the login's time budget is spent")
                    size += len(chunk)
                    if size > MAX_BODY:
                        raise HandoffError(f"The portal's answer is larger than {MAX_BODY} bytes.")
                    chunks.append(chunk)
                return response.status_code, response.headers, b"".join(chunks)
        except httpx.TimeoutException:
            if budget is not None and budget.cancelled:
                raise HandoffError("A newer login replaced this one.", code="handoff.cancelled") from None
            raise HandoffError(f"The portal at {origin_of(url)} did not answer in time.", code=unavailable) from None
        except httpx.HTTPError as exc:
            log.info("hand-off: %s %s failed: %s", method, origin_of(url), type(exc).__name__)
            raise HandoffError(f"Cannot reach the portal at {origin_of(url)}.", code=unavailable) from None


def _json_body(headers: httpx.Headers, body: bytes, what: str) -> Any:
    media = headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise HandoffError(f"The portal's {what} is not JSON (Content-Type {media or 'missing'}).")
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise HandoffError(f"The portal's {what} is not valid JSON.") from None
