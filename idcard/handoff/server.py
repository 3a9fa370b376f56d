"""The local web hand-off service on 127.0.0.1:24727 and [::1]:24727 (assertion.md).

    GET /status                         {"version": ...}, readable by any page (CORS *)
    GET /authenticate?request=<url>     runs one hand-off; answers 303 to where the browser goes

Rules enforced here:

* The Host header must be `127.0.0.1:<port>`, `[::1]:<port>` or
  `localhost:<port>`, else 421: a page on a rebound DNS name
  (evil.example → 127.0.0.1) cannot talk to the service as "its" origin.
* One hand-off at a time; a second `/authenticate` gets 409 while one runs
  (from its consent on). One still fetching its request is stale: the
  newer login cancels it and takes its place. The request fetch has a
  total deadline (`request.FETCH_DEADLINE`), so no portal can hold
  the service by answering slowly.
* A connection that has not sent its request head within HEADER_TIMEOUT
  seconds is closed (uvicorn itself only reaps idle keep-alive ones).
* `/authenticate` is a top-level navigation: when the browser says what a
  request is (Sec-Fetch-Mode / Sec-Fetch-Dest), anything but a document
  navigation (fetch, XHR, image, iframe) is refused with 403.
* No access log: the request URL carries the portal's session handle.
"""

from __future__ import annotations

import asyncio
import html
import logging
import socket
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

import h11
import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from idcard import __version__
from idcard.errors import IdCardError
from idcard.handoff.workflow import HandoffWorkflow, Outcome

__all__ = ["DEFAULT_PORT", "HandoffServer", "HostCheck", "allowed_hosts", "create_app"]

log = logging.getLogger("idcard.handoff")

#: The port AusweisApp uses for the same job (eID-Client, BSI TR-03124-1).
DEFAULT_PORT = 24727
#: Seconds a client has to send a request's line and headers.
HEADER_TIMEOUT = 5.0
#: Seconds a newer login waits for the stale one it cancelled to let go.
TAKEOVER_WAIT = 3.0

_SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_PAGE_HEADERS = {
    **_SECURITY_HEADERS,
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
}
_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET",
    # Chrome's Private Network Access preflight: a public portal may ask whether we run.
    "Access-Control-Allow-Private-Network": "true",
    "Access-Control-Max-Age": "600",
}


def allowed_hosts(port: int) -> frozenset[str]:
    names = ("127.0.0.1", "[::1]", "localhost")
    hosts = {f"{name}:{port}" for name in names}
    if port == 80:
        hosts.update(names)  # browsers leave the default port out of Host
    return frozenset(hosts)


class HostCheck:
    """ASGI middleware: only loopback Host headers with our port (defeats DNS rebinding)."""

    def __init__(self, app: ASGIApp, port: int) -> None:
        self.app = app
        self.allowed = allowed_hosts(port)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            hosts = [v for k, v in scope.get("headers", []) if k == b"host"]
            host = hosts[0].decode("latin-1").strip().lower() if len(hosts) == 1 else ""
            if host not in self.allowed:
                response = Response(
                    "This service answers only as 127.0.0.1, [::1] or localhost.\n",
                    status_code=421,
                    media_type="text/plain",
                    headers=_SECURITY_HEADERS,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _page(status: int, title: str, message: str) -> HTMLResponse:
    body = (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}</style>"
        f"</head><body><h1>{html.escape(title)}</h1><p>{html.escape(message)}</p></body></html>"
    )
    return HTMLResponse(body, status_code=status, headers=_PAGE_HEADERS)


#: HTTP status of the local error page when there is no portal page to go back to.
_STATUS_BY_CODE = {"request.unavailable": 502, "app.error": 500}


class _HeaderDeadline(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, closing connections that trickle their request head."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._arm_header_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm_header_timer()

    def _arm_header_timer(self) -> None:
        self.loop.call_later(HEADER_TIMEOUT, self._reap_if_no_request)

    def _reap_if_no_request(self) -> None:
        # IDLE: no complete request head yet on this connection since it opened or since the last response.
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def _call_soon(loop: asyncio.AbstractEventLoop, func: Callable[..., None], *args: object) -> None:
    try:
        loop.call_soon_threadsafe(func, *args)
    except RuntimeError:  # the loop closed: the service stopped and nobody waits any more
        pass


class _Service:
    def __init__(self, workflow: HandoffWorkflow) -> None:
        self.workflow = workflow
        self._busy = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None

    def stop_running_login(self) -> None:
        """From any thread (or a signal handler): answer the waiting browser now, the service is stopping."""
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None:
            _call_soon(loop, stopping.set)

    async def _run_workflow(self, request_url: str) -> Outcome:
        """The workflow in a daemon thread, abandoned when the service stops.

        The thread may sit in a terminal read (consent, PIN) that nothing can
        interrupt; a daemon thread does not keep the process alive after Ctrl-C,
        and the browser is sent back to the portal instead of waiting on it.
        """
        loop = asyncio.get_running_loop()
        if self._stopping is None or self._loop is not loop:
            self._loop, self._stopping = loop, asyncio.Event()
        done: asyncio.Future[Outcome] = loop.create_future()

        def settle(result: Outcome | None, error: BaseException | None) -> None:
            if done.done():
                return
            if error is not None:
                done.set_exception(error)
            else:
                done.set_result(result)  # type: ignore[arg-type]

        def work() -> None:
            try:
                result = self.workflow.run(request_url)
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting request
                _call_soon(loop, settle, None, exc)
                return
            _call_soon(loop, settle, result, None)

        threading.Thread(target=work, name="idcard-handoff-login", daemon=True).start()
        stopping: asyncio.Future[Any] = asyncio.ensure_future(self._stopping.wait())
        waiters: set[asyncio.Future[Any]] = {done, stopping}
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if done.done():
            return done.result()
        log.info("hand-off: the service is stopping; sending the browser back to the portal")
        return self.workflow.interrupted()

    @property
    def busy(self) -> bool:
        return self._busy.locked()

    async def status(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={**_SECURITY_HEADERS, **_CORS})
        return JSONResponse({"version": __version__}, headers={**_SECURITY_HEADERS, **_CORS})

    async def authenticate(self, request: Request) -> Response:
        if request.method != "GET":  # not even HEAD: it would start a hand-off
            return Response(status_code=405, headers={**_SECURITY_HEADERS, "Allow": "GET"})
        mode = request.headers.get("sec-fetch-mode")
        dest = request.headers.get("sec-fetch-dest")
        if (mode is not None and mode != "navigate") or (dest is not None and dest != "document"):
            return _page(403, "Not a page navigation", "Open this address as a page (a link), not from a script or a frame.")
        values = request.query_params.getlist("request")
        if len(values) != 1 or not values[0]:
            return _page(400, "No login request", "The link must carry one request=<https URL of the portal's request>.")
        if not self._busy.acquire(blocking=False) and not await self._take_over():
            return _page(
                409,
                "Another login is in progress",
                "The ID card app is busy with another login. Finish or cancel it, then try again.",
            )
        try:
            # Card I/O and the citizen's answers block: a worker thread, which
            # the server waits for even if the browser goes away.
            outcome = await self._run_workflow(values[0])
        finally:
            self._busy.release()
        if outcome.location is not None:
            return RedirectResponse(outcome.location, status_code=303, headers=_SECURITY_HEADERS)
        status = _STATUS_BY_CODE.get(outcome.code or "", 400)
        return _page(status, "The login request cannot be used", outcome.message)

    async def _take_over(self) -> bool:
        """Cancel a stale running login and take the lock when it lets go."""
        if not self.workflow.cancel_stale():
            return False
        log.info("hand-off: a newer login cancels one still fetching its request")
        return await run_in_threadpool(self._busy.acquire, True, TAKEOVER_WAIT)

    async def not_found(self, request: Request, exc: Exception) -> Response:
        return Response("Not found\n", status_code=404, media_type="text/plain", headers=_SECURITY_HEADERS)


def create_app(workflow: HandoffWorkflow, *, port: int = DEFAULT_PORT) -> ASGIApp:
    """The hand-off ASGI app, answering only to loopback Host headers with `port`."""
    service = _Service(workflow)
    app = Starlette(
        routes=[
            Route("/status", service.status, methods=["GET", "OPTIONS"]),
            Route("/authenticate", service.authenticate, methods=["GET", "HEAD", "POST"]),
        ],
    )
    app.add_exception_handler(404, service.not_found)
    checked = HostCheck(app, port)
    checked.service = service  # type: ignore[attr-defined]  # for the GUI and tests: .busy
    return checked


def _bind(family: socket.AddressFamily, host: str, port: int) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind((host, port))
        sock.listen(64)
        sock.set_inheritable(True)
    except BaseException:
        sock.close()
        raise
    return sock


def bind_loopback(port: int, *, ipv6: bool = True) -> list[socket.socket]:
    """Listening sockets on 127.0.0.1:port and (when the system has IPv6) [::1]:port."""
    try:
        v4 = _bind(socket.AF_INET, "127.0.0.1", port)
    except OSError as exc:
        raise IdCardError(
            f"Cannot listen on 127.0.0.1:{port} ({exc.strerror}); is the ID card app already running?",
            code="handoff.port",
        ) from None
    sockets = [v4]
    if ipv6 and socket.has_ipv6:
        try:
            sockets.append(_bind(socket.AF_INET6, "::1", v4.getsockname()[1]))
        except OSError as exc:
            log.warning("hand-off service: not listening on [::1]:%d (%s)", v4.getsockname()[1], exc.strerror)
    return sockets


class _Server(uvicorn.Server):
    """uvicorn's server, telling the running login at once when Ctrl-C (or stop()) ends it."""

    def __init__(self, config: uvicorn.Config, *, on_exit: Callable[[], None]) -> None:
        super().__init__(config)
        self.on_exit = on_exit

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        self.on_exit()


class HandoffServer:
    """The service on loopback: `serve_forever()` (the CLI) or `start()`/`stop()` in a thread (the GUI).

    `port=0` picks a free port (see `.port` after `bind()`).
    """

    def __init__(self, workflow: HandoffWorkflow, *, port: int = DEFAULT_PORT, ipv6: bool = True) -> None:
        self.workflow = workflow
        self.requested_port = port
        self.ipv6 = ipv6
        self.sockets: list[socket.socket] = []
        self.port: int | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def addresses(self) -> list[str]:
        return [
            f"http://{'[' + s.getsockname()[0] + ']' if s.family == socket.AF_INET6 else s.getsockname()[0]}:{self.port}"
            for s in self.sockets
        ]

    def bind(self) -> HandoffServer:
        if not self.sockets:
            self.sockets = bind_loopback(self.requested_port, ipv6=self.ipv6)
            self.port = self.sockets[0].getsockname()[1]
        return self

    def _make_server(self) -> _Server:
        self.bind()
        assert self.port is not None
        app = create_app(self.workflow, port=self.port)
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            server_header=False,
            timeout_graceful_shutdown=5,
            http=_HeaderDeadline,
        )
        service: _Service = app.service  # type: ignore[attr-defined]
        self._server = _Server(config, on_exit=service.stop_running_login)
        return self._server

    def serve_forever(self) -> None:
        server = self._make_server()
        log.info("hand-off service listening on %s", ", ".join(self.addresses))
        try:
            server.run(sockets=self.sockets)
        finally:
            self._close_sockets()

    def start(self, timeout: float = 10.0) -> HandoffServer:
        server = self._make_server()
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": self.sockets}, daemon=True, name="idcard-handoff")
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started and time.monotonic() < deadline and self._thread.is_alive():
            time.sleep(0.02)
        if not server.started:
            self.stop()
            raise IdCardError("The hand-off service did not start.", code="handoff.start")
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._server.on_exit()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
        self._close_sockets()

    def _close_sockets(self) -> None:
        for sock in self.sockets:
            sock.close()
        self.sockets = []

    def __enter__(self) -> HandoffServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

