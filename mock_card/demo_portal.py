"""The reference portal: the whole national-ID-card login in a small ASGI app.

    python -m mock_card.demo_portal --dev                 # test trust anchors, http on 127.0.0.1:8000
    python -m mock_card.demo_portal --trust anchors/ --public-url https://portal.example

The login, as the browser sees it:

1. ``GET /`` — the login page; its link goes (a plain navigation) to the
   hand-off service: ``http://127.0.0.1:24727/authenticate?request=<this
   portal>/idcard/request?session=<login id>``.
2. The app fetches ``/idcard/request?session=…`` (`Portal.begin`), asks the
   citizen, and POSTs the token to ``/idcard/submit?session=…``
   (`Portal.complete`). The portal answers ``{"redirect": "/idcard/finish?code=…"}``.
3. The app sends the browser there with a 303; ``/idcard/finish`` logs the
   browser in — only if it carries the session cookie that started the login
   — and goes on to ``/welcome``. Errors go to ``/idcard/return?error=<code>``.

Why the extra ``finish`` step: the app fetches and submits without the
browser's cookies, so the login id in the URLs is what ties the token to a
login. Were ``submit`` itself to log a session in, a page could make a
citizen's app complete a login an attacker started (with the attacker's
login id) and the attacker's browser would be signed in as the citizen.
Completing only in the browser that holds the starting cookie, with a
one-time code that only ever travels in the citizen's browser, prevents it.

The login id is not the session cookie: it appears in URLs (the app's
address bar, logs), the cookie never does.
"""

from __future__ import annotations

import argparse
import atexit
import base64
import html
import io
import logging
import os
import re
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import uvicorn
from PIL import Image
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from idcard.assertion.messages import normalize_attributes, origin_of_url
from idcard.errors import IdCardError, UsageError
from idcard.marking import TEST_NOTICE, rests_on_test_anchors
from idcard.portal.anchors import dev_verifier, load_trust_dir
from idcard.portal.errors import CODES, TokenError, http_status
from idcard.portal.nonces import DEFAULT_TTL, NonceStore, SqliteNonceStore
from idcard.portal.server import Portal
from idcard.portal.verifier import MAX_TOKEN_SIZE, TokenVerifier, VerifiedIdentity

__all__ = ["DemoPortal", "create_app", "load_trust_dir", "main", "dev_verifier"]

log = logging.getLogger("mock_card.demo_portal")

DEFAULT_PORT = 8000
DEFAULT_HANDOFF_PORT = 24727
DEFAULT_ATTRIBUTES = ("name", "nationalCode", "birthDate", "photo")
COOKIE = "idcard_demo_session"
#: How long a logged-in demo session lasts.
SESSION_TTL = 3600.0
_CODE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*")

_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}

#: What the error page says, by code (families by prefix after the exact codes).
MESSAGES = {
    "pin.wrong": "The PIN was wrong. Nothing was shared with this portal. Log in again and enter "
    "your card PIN carefully — after three wrong PINs the card locks it.",
    "pin.suspended": "Your PIN is suspended after two wrong entries. Resume it with the CAN printed "
    "on your card in the ID card app, then log in again.",
    "pin.blocked": "Your PIN is blocked. Unblock it with your PUK in the ID card app, then log in again.",
    "user.refused": "You cancelled the login in the ID card app. Nothing was shared with this portal.",
    "card.absent": "No ID card was found. Put your card on the reader and log in again.",
    "request.invalid": "The ID card app refused this portal's login request.",
    "login.expired": "This login has expired or was already used. Please log in again.",
    "login.other_browser": "This login was started in another browser. Please log in again here.",
}
_FAMILY_MESSAGES = {
    "card": "The ID card app could not use your card. Check that it lies on the reader and log in again.",
    "reader": "The ID card app could not use your card reader. Check it is connected and log in again.",
    "pin": "There is a problem with your PIN; the ID card app can tell you more.",
    "nonce": "This login is no longer valid (it expired or was already used). Please log in again.",
}


def _message(code: str) -> str:
    if code in MESSAGES:
        return MESSAGES[code]
    if code in CODES:
        return f"Your card's answer could not be verified: {CODES[code]}."
    family = code.split(".")[0]
    return _FAMILY_MESSAGES.get(family, "The login did not complete. Please log in again.")


# -- trust -----------------------------------------------------------------------------
# -- state -------------------------------------------------------------------------------
@dataclass
class _Login:
    session: str
    expires: float


@dataclass
class _Finished:
    session: str
    identity: VerifiedIdentity
    expires: float


@dataclass
class _State:
    logins: dict[str, _Login] = field(default_factory=dict)
    finished: dict[str, _Finished] = field(default_factory=dict)
    users: dict[str, tuple[VerifiedIdentity, float]] = field(default_factory=dict)

    def prune(self, now: float) -> None:
        for table in (self.logins, self.finished):
            for key in [k for k, v in table.items() if v.expires < now]:
                del table[key]
        for key in [k for k, (_, exp) in self.users.items() if exp < now]:
            del self.users[key]


class DemoPortal:
    """The reference portal's routes around a `Portal`. State lives in memory (one process)."""

    def __init__(
        self,
        portal: Portal,
        *,
        public_url: str,
        handoff_url: str = f"http://127.0.0.1:{DEFAULT_HANDOFF_PORT}",
        attributes: Sequence[str] = DEFAULT_ATTRIBUTES,
        ttl: float = DEFAULT_TTL,
        title: str = "Demo portal",
    ) -> None:
        self.portal = portal
        self.public_url = public_url.rstrip("/")
        allow_http = portal.verifier.allow_http_loopback
        self.origin = origin_of_url(self.public_url, allow_http_loopback=allow_http)
        self.public_host = urlsplit(self.public_url).netloc.lower()
        self.secure_cookie = self.public_url.startswith("https://")
        self.handoff_url = handoff_url.rstrip("/")
        self.attributes = normalize_attributes(attributes)
        self.ttl = ttl
        self.title = title
        self.state = _State()
        self._lock = threading.Lock()  # held only between awaits, never across one

    # -- helpers ----------------------------------------------------------------------
    def _session(self, request: Request) -> str | None:
        value = request.cookies.get(COOKIE)
        return value if value and len(value) <= 64 else None

    def _page(self, title: str, body: str, *, status: int = 200, session: str | None = None) -> HTMLResponse:
        page = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{html.escape(title)} · {html.escape(self.title)}</title><style>"
            "body{font-family:system-ui,'Noto Sans','Vazirmatn',sans-serif;max-width:40rem;margin:2rem auto;"
            "padding:0 1rem;color:#1d232b;line-height:1.5}"
            "header{border-bottom:1px solid #d8dde3;margin-bottom:1.5rem;padding-bottom:.5rem;color:#56606b}"
            "a.button,button{display:inline-block;background:#0b5cad;color:#fff;border:0;border-radius:.4rem;"
            "padding:.7rem 1.2rem;font-size:1rem;text-decoration:none;cursor:pointer}"
            "button.secondary{background:#56606b}"
            ".fa{font-size:1.8rem;margin:.2rem 0}.latin{color:#56606b;margin:0 0 1rem}"
            "dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}dt{color:#56606b}dd{margin:0}"
            "img.photo{max-width:9rem;border-radius:.3rem;border:1px solid #d8dde3;float:right;margin-left:1rem}"
            ".error{border-left:4px solid #b3261e;padding:.2rem 1rem;background:#fbeeed}"
            ".note{color:#56606b;font-size:.9rem}code{font-size:.9rem}"
            "</style></head><body>"
            f"<header>{html.escape(self.title)}</header>{body}</body></html>"
        )
        response = HTMLResponse(page, status_code=status, headers=_HEADERS)
        if session is not None:
            response.set_cookie(
                COOKIE, session, max_age=int(SESSION_TTL), httponly=True, samesite="lax", secure=self.secure_cookie
            )
        return response

    def _json(self, data: dict[str, Any], status: int = 200) -> JSONResponse:
        return JSONResponse(data, status_code=status, headers={"Cache-Control": "no-store"})

    def _error(self, code: str, message: str, status: int) -> JSONResponse:
        return self._json({"error": {"code": code, "message": message}}, status)

    def _to(self, path: str) -> RedirectResponse:
        return RedirectResponse(self.public_url + path, status_code=303, headers=_HEADERS)

    # -- pages ------------------------------------------------------------------------
    async def login_page(self, request: Request) -> Response:
        now = time.time()
        session = self._session(request)
        new_cookie = None
        if session is None:
            session = new_cookie = secrets.token_urlsafe(32)
        with self._lock:
            self.state.prune(now)
            if session in self.state.users:
                return self._to("/welcome")
            login_id = secrets.token_urlsafe(24)
            self.state.logins[login_id] = _Login(session, now + self.ttl)
        request_url = f"{self.public_url}/idcard/request?session={login_id}"
        link = f"{self.handoff_url}/authenticate?request={quote(request_url, safe='')}"
        wanted = ", ".join({"name": "name", "nationalCode": "national code", "birthDate": "date of birth",
                            "photo": "photo"}[a] for a in self.attributes)
        body = (
            "<h1>Log in</h1>"
            f"<p>This portal asks your ID card for: {html.escape(wanted)}.</p>"
            f'<p><a class="button" id="login-idcard" href="{html.escape(link)}">Log in with national ID card</a></p>'
            '<p class="note">You need the ID card app running on this computer, a card reader and your card PIN. '
            "The app shows you who asks and what for before anything is shared.</p>"
        )
        return self._page("Log in", body, session=new_cookie)

    async def welcome(self, request: Request) -> Response:
        session = self._session(request)
        with self._lock:
            self.state.prune(time.time())
            entry = self.state.users.get(session) if session else None
        if entry is None:
            return self._to("/")
        return self._page("Welcome", _identity_html(entry[0]))

    async def error_page(self, request: Request) -> Response:
        code = request.query_params.get("error", "")
        if not (len(code) <= 64 and _CODE.fullmatch(code)):
            code = "unknown"
        body = (
            "<h1>Login failed</h1>"
            f'<div class="error" id="error"><p>{html.escape(_message(code))}</p></div>'
            f'<p class="note">Error code: <code id="error-code">{html.escape(code)}</code></p>'
            f'<p><a class="button" href="{html.escape(self.public_url)}/">Back to the login page</a></p>'
        )
        return self._page("Login failed", body, status=200)

    async def logout(self, request: Request) -> Response:
        session = self._session(request)
        with self._lock:
            if session:
                self.state.users.pop(session, None)
        response = self._to("/")
        response.delete_cookie(COOKIE)
        return response

    # -- the hand-off endpoints ------------------------------------------------------
    async def idcard_request(self, request: Request) -> Response:
        """The app's GET: the request JSON, with a nonce bound to this login."""
        login_id = request.query_params.get("session", "")
        with self._lock:
            self.state.prune(time.time())
            login = self.state.logins.get(login_id)
        if login is None:
            return self._error("login.expired", "No such login, or it has expired. Start again.", 404)
        data = await run_in_threadpool(self.portal.begin, login_id, self.attributes, base_url=self.public_url)
        data["submit"] = f"{data['submit']}?session={quote(login_id, safe='')}"
        return self._json(data)

    async def idcard_submit(self, request: Request) -> Response:
        """The app's POST of the token: verify; hand back a one-time finish URL."""
        login_id = request.query_params.get("session", "")
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json":
            return self._error("token.format", "Send the token as application/json.", 415)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > 4 * MAX_TOKEN_SIZE:
                return self._error("token.size", "The token is too large.", 413)
        with self._lock:
            login = self.state.logins.get(login_id)
        if login is None or login.expires < time.time():
            return self._error("login.expired", "No such login, or it has expired. Start again.", 404)
        try:
            identity = await run_in_threadpool(self.portal.complete, login_id, bytes(body), self.origin)
        except TokenError as exc:
            log.info("demo portal: token refused: %s", exc.code)
            return self._error(exc.code, exc.message, http_status(exc))
        except IdCardError as exc:  # e.g. a nonce store failure: a coded error, not a crash
            log.warning("demo portal: login failed: %s", exc.code)
            return self._error(exc.code, exc.message, 400)
        code = secrets.token_urlsafe(24)
        with self._lock:
            self.state.logins.pop(login_id, None)
            self.state.finished[code] = _Finished(login.session, identity, time.time() + 120)
        return self._json({"redirect": f"{self.public_url}/idcard/finish?code={code}"})

    async def idcard_finish(self, request: Request) -> Response:
        """The browser, sent by the app: logged in only if it holds the cookie that started the login."""
        code = request.query_params.get("code", "")
        session = self._session(request)
        with self._lock:
            finished = self.state.finished.pop(code, None)
            if finished is None or finished.expires < time.time():
                return self._to("/idcard/return?error=login.expired")
            if session is None or not secrets.compare_digest(session, finished.session):
                return self._to("/idcard/return?error=login.other_browser")
            self.state.users[session] = (finished.identity, time.time() + SESSION_TTL)
        return self._to("/welcome")

    # -- canonical host ------------------------------------------------------------------
    def canonical(self, app: Any) -> Any:
        """ASGI wrapper: pages are served on the public host only (the cookie lives there)."""
        public_host = self.public_host
        public_url = self.public_url

        async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                host = dict(scope.get("headers", [])).get(b"host", b"").decode("latin-1").lower()
                if host != public_host and not self.secure_cookie:
                    if scope["method"] in ("GET", "HEAD"):
                        target = public_url + scope.get("path", "/")
                        if scope.get("query_string"):
                            target += "?" + scope["query_string"].decode("latin-1")
                        response: Response = RedirectResponse(target, status_code=307)
                    else:
                        response = Response("Use " + public_url + "\n", status_code=421, media_type="text/plain")
                    await response(scope, receive, send)
                    return
            await app(scope, receive, send)

        return wrapped


def _identity_html(identity: VerifiedIdentity) -> str:
    given, family = identity.given_name, identity.family_name
    fa = " ".join(n for n in (given.fa, family.fa) if n)
    latin = " ".join(n for n in (given.latin, family.latin) if n)
    photo = ""
    if identity.photo is not None:
        uri = _photo_uri(identity.photo, identity.photo_mime)
        if uri:
            photo = f'<img class="photo" id="photo" src="{uri}" alt="Photo from the ID card">'
    rows = [("National code", identity.national_code, "national-code")]
    if identity.birth_date is not None:
        rows.append(("Date of birth", f"{identity.birth_date.isoformat()} ({identity.birth_date_solar_hijri} SH)", "birth-date"))
    if identity.document_number:
        rows.append(("Card number", identity.document_number, "document-number"))
    dl = "".join(
        f'<dt>{html.escape(label)}</dt><dd id="{key}">{html.escape(str(value))}</dd>'
        for label, value, key in rows
        if value
    )
    passed = sum(1 for c in identity.verdict.checks if c.result.value == "passed")
    evidence = (
        "card signature and chip evidence verified"
        if identity.evidence
        else "card signature verified; chip evidence not requested"
    )
    test = ""
    if rests_on_test_anchors(identity.verdict):
        test = f'<p class="error" id="test-certificates"><strong>{html.escape(TEST_NOTICE)}</strong></p>'
    return (
        f"<h1>Welcome</h1>{test}{photo}"
        + (f'<p class="fa" id="name-fa" lang="fa" dir="rtl">{html.escape(fa)}</p>' if fa else "")
        + (f'<p class="latin" id="name-latin">{html.escape(latin)}</p>' if latin else "")
        + f"<dl>{dl}</dl>"
        + f'<p class="note" id="verdict">Logged in with the national ID card: {evidence} ({passed} checks passed).</p>'
        + '<form method="post" action="/logout"><button class="secondary" type="submit">Log out</button></form>'
    )


def _photo_uri(data: bytes, mime: str | None) -> str | None:
    """A data: URI a browser can show (JPEG 2000 is converted to PNG when Pillow can read it)."""
    if mime in ("image/jpeg", "image/png"):
        return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    try:
        with Image.open(io.BytesIO(data)) as image:
            out = io.BytesIO()
            image.save(out, format="PNG")
    except (OSError, ValueError):
        return None
    return f"data:image/png;base64,{base64.b64encode(out.getvalue()).decode('ascii')}"


def create_app(
    portal: Portal | None = None,
    *,
    public_url: str = f"http://127.0.0.1:{DEFAULT_PORT}",
    handoff_url: str = f"http://127.0.0.1:{DEFAULT_HANDOFF_PORT}",
    dev: bool = True,
    attributes: Sequence[str] = DEFAULT_ATTRIBUTES,
    nonce_store: NonceStore | None = None,
    verifier: TokenVerifier | None = None,
) -> Any:
    """The demo portal as an ASGI app. Defaults: the TEST anchors and a SQLite nonce store in a temp file."""
    if portal is None:
        if verifier is None:
            if not dev:
                raise UsageError("Give a verifier (or trust anchors with --trust); the test anchors are for --dev only.")
            verifier = dev_verifier()
        if nonce_store is None:
            nonce_store = SqliteNonceStore(_temp_db())
        portal = Portal(verifier, nonce_store, ttl=DEFAULT_TTL, base_url=public_url)
    demo = DemoPortal(portal, public_url=public_url, handoff_url=handoff_url, attributes=attributes)
    app = Starlette(
        routes=[
            Route("/", demo.login_page),
            Route("/welcome", demo.welcome),
            Route("/logout", demo.logout, methods=["POST"]),
            Route("/idcard/request", demo.idcard_request),
            Route("/idcard/submit", demo.idcard_submit, methods=["POST"]),
            Route("/idcard/finish", demo.idcard_finish),
            Route("/idcard/return", demo.error_page),
        ]
    )
    wrapped = demo.canonical(app)
    wrapped.demo = demo
    return wrapped


def _temp_db() -> str:
    folder = tempfile.mkdtemp(prefix="idcard-portal-")
    atexit.register(shutil.rmtree, folder, True)
    return os.path.join(folder, "nonces.sqlite")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mock_card.demo_portal", description="The reference portal")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--public-url", help="the portal's URL as browsers reach it (default http://HOST:PORT)")
    parser.add_argument("--trust", metavar="DIR", help="trust anchors as `mock-card pki --out DIR` writes them")
    parser.add_argument("--dev", action="store_true", help="http on loopback; the TEST anchors unless --trust")
    parser.add_argument("--handoff-port", type=int, default=DEFAULT_HANDOFF_PORT, help="the ID card app's port")
    parser.add_argument("--attributes", default=",".join(DEFAULT_ATTRIBUTES), help="what to ask the card for")
    parser.add_argument("--nonce-db", metavar="FILE", help="SQLite nonce store (default: a temporary file)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    host = f"[{args.host}]" if ":" in args.host else args.host
    public_url = args.public_url or f"http://{host}:{args.port}"
    try:
        verifier = None
        if args.trust:
            cas, cscas, crls = load_trust_dir(args.trust)
            verifier = TokenVerifier(cas, csca=cscas, crls=crls, require_evidence=True, allow_http_loopback=args.dev)
        elif not args.dev:
            raise UsageError("Give --trust DIR (trust anchors), or --dev to trust the TEST anchors.")
        else:
            print("demo portal: trusting the TEST anchors (IR CSCA TEST, IR NID CITIZEN CA TEST)", file=sys.stderr)
        store = SqliteNonceStore(args.nonce_db or _temp_db())
        app = create_app(
            public_url=public_url,
            handoff_url=f"http://127.0.0.1:{args.handoff_port}",
            dev=args.dev,
            attributes=[a for a in args.attributes.split(",") if a],
            nonce_store=store,
            verifier=verifier,
        )
    except IdCardError as exc:
        print(f"demo portal: {exc}", file=sys.stderr)
        return 2
    print(f"demo portal on {public_url} (ID card app expected on 127.0.0.1:{args.handoff_port})", file=sys.stderr, flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False, lifespan="off")
    return 0


if __name__ == "__main__":
    sys.exit(main())

