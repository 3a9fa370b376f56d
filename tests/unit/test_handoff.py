"""The browser hand-off service (assertion.md, "Browser hand-off"), against a fake portal.

The portal is an httpx MockTransport, the card and the token builder are
fakes that record what they were asked: these tests are about what the
service lets through — Host headers, origins, redirects, one workflow at a
time — not about the card (tests/e2e/test_browser_login.py does it all for real).
"""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from starlette.testclient import TestClient

from idcard import __version__
from idcard.errors import UsageError
from idcard.handoff import (
    AutoPrompt,
    HandoffError,
    HandoffServer,
    HandoffWorkflow,
    PortalClient,
    TerminalPrompt,
    UrlPolicy,
    create_app,
)
from idcard.handoff.request import MAX_BODY, with_error
from idcard.session import PIN, IdCard
from mock_card.card import EmulatedCard
from mock_card.personalize import personalize
from reader.emulated import EmulatedTransport

PORT = 24727
LOCAL = f"http://127.0.0.1:{PORT}"
PORTAL = "https://portal.example"
REQUEST_URL = f"{PORTAL}/idcard/request?session=s1"
NONCE = "q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c="


# -- fakes -------------------------------------------------------------------------
class FakePortal:
    """A portal as an httpx MockTransport; records every request it gets."""

    def __init__(self, body: dict[str, Any] | None = None, *, base: str = PORTAL) -> None:
        self.base = base
        self.body = body if body is not None else {
            "nonce": NONCE,
            "attributes": ["name", "nationalCode"],
            "submit": f"{base}/idcard/submit",
            "return": f"{base}/login",
        }
        self.requests: list[httpx.Request] = []
        self.submit_answer: tuple[int, dict[str, Any]] = (200, {"redirect": f"{base}/welcome"})
        self.routes: dict[str, Callable[[httpx.Request], httpx.Response]] = {}

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        route = self.routes.get(request.url.path)
        if route is not None:
            return route(request)
        if request.method == "GET" and request.url.path == "/idcard/request":
            return httpx.Response(200, json=self.body)
        if request.method == "POST" and request.url.path == "/idcard/submit":
            status, answer = self.submit_answer
            return httpx.Response(status, json=answer)
        return httpx.Response(404, text="no")

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handler))

    @property
    def submitted(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests if r.method == "POST"]


class FakeCard(IdCard):
    """A real `IdCard` on an emulated card, so the hand-off runs the card's own PIN dialogue."""

    def __init__(self, pin: str = "123456", tries: int = 3) -> None:
        image = personalize(pin=pin)
        image.counters.pin_tries = tries
        self.emulated = EmulatedCard(image)
        super().__init__(EmulatedTransport(self.emulated))
        self.closed = False

    @property
    def tries(self) -> int:
        return self.emulated.image.counters.pin_tries

    @property
    def unlocked(self) -> bool:
        return self.unlocked_with == PIN

    def __exit__(self, *exc: object) -> None:
        self.closed = True  # the harness hands the same card to the next hand-off


class FakePrompt:
    def __init__(self, consent: bool | set[str] = True, pins: list[str | None] | None = None) -> None:
        self.answer = consent
        self.pins = list(pins) if pins is not None else ["123456"]
        self.consents: list[tuple[str, list[str]]] = []
        self.pin_asks: list[tuple[str, int | None]] = []
        self.finished: list[tuple[str | None, bool, str]] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        self.release.set()

    def consent(self, origin: str, attributes: list[str]) -> bool | set[str]:
        self.consents.append((origin, list(attributes)))
        self.entered.set()
        assert self.release.wait(10)
        return self.answer

    def pin(self, origin: str, tries_left: int | None) -> str | None:
        self.pin_asks.append((origin, tries_left))
        return self.pins.pop(0) if self.pins else None

    def progress(self, step: str, percent: int) -> None:
        pass

    def done(self, origin: str | None, ok: bool, message: str) -> None:
        self.finished.append((origin, ok, message))


class Harness:
    def __init__(self, *, dev: bool = False, portal: FakePortal | None = None, prompt: FakePrompt | None = None,
                 card: FakeCard | None = None) -> None:
        self.portal = portal or FakePortal()
        self.prompt = prompt or FakePrompt()
        self.card = card or FakeCard()
        self.opened: list[str] = []
        self.built: list[tuple[str, str, list[str]]] = []
        self.workflow = HandoffWorkflow(
            self.prompt,
            reader="emulator:fake",
            client=PortalClient(UrlPolicy(dev=dev), client=self.portal.client()),
            open_card=self._open,
            token_builder=self._build,
        )
        self.app = create_app(self.workflow, port=PORT)

    def _open(self, name: str) -> FakeCard:
        self.opened.append(name)
        return self.card

    def _build(self, card: FakeCard, origin: str, nonce: str, *, attributes: list[str]) -> dict[str, Any]:
        assert card.unlocked, "the token is built only on an unlocked card"
        self.built.append((origin, nonce, list(attributes)))
        return {"format": "web-eid:1.0", "signature": "c2ln"}

    def client(self, base_url: str = LOCAL) -> TestClient:
        return TestClient(self.app, base_url=base_url, follow_redirects=False)

    def authenticate(self, request_url: str = REQUEST_URL, **kw: Any) -> httpx.Response:
        return self.client().get(f"/authenticate?request={quote(request_url, safe='')}", **kw)


def error_of(location: str) -> str:
    return parse_qs(urlsplit(location).query)["error"][0]


# -- Host header, /status ------------------------------------------------------------
@pytest.mark.parametrize("host", ["127.0.0.1:24727", "[::1]:24727", "localhost:24727", "LOCALHOST:24727"])
def test_loopback_hosts_with_our_port_are_served(host: str) -> None:
    response = Harness().client().get("/status", headers={"Host": host})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "host",
    ["evil.example:24727", "evil.example", "127.0.0.1", "127.0.0.1:80", "localhost:24728", "127.0.0.2:24727",
     "[::1]", "0.0.0.0:24727", "localhost.evil.example:24727", ""],
)
def test_other_hosts_are_refused_dns_rebinding(host: str) -> None:
    h = Harness()
    client = h.client()
    assert client.get("/status", headers={"Host": host}).status_code == 421
    response = client.get(f"/authenticate?request={quote(REQUEST_URL, safe='')}", headers={"Host": host})
    assert response.status_code == 421
    assert h.portal.requests == [] and h.prompt.consents == []


def test_status_is_readable_by_any_page() -> None:
    client = Harness().client()
    response = client.get("/status", headers={"Origin": "https://portal.example"})
    assert response.status_code == 200
    assert response.json() == {"version": __version__}
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = client.options(
        "/status",
        headers={"Origin": "https://portal.example", "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Private-Network": "true"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert preflight.headers["access-control-allow-private-network"] == "true"


def test_authenticate_is_not_readable_cross_origin_and_unknown_paths_404() -> None:
    h = Harness()
    response = h.authenticate()
    assert "access-control-allow-origin" not in response.headers
    assert h.client().get("/nothing").status_code == 404


# -- the happy path, and where the origin comes from ----------------------------------
def test_login_redirects_the_browser_to_the_portals_redirect() -> None:
    h = Harness()
    response = h.authenticate()
    assert response.status_code == 303
    assert response.headers["location"] == f"{PORTAL}/welcome"
    assert response.headers["cache-control"] == "no-store"
    assert h.built == [(PORTAL, NONCE, ["name", "nationalCode"])]
    submit = [r for r in h.portal.requests if r.method == "POST"]
    assert len(submit) == 1 and str(submit[0].url) == f"{PORTAL}/idcard/submit"
    assert submit[0].headers["content-type"] == "application/json"
    assert "cookie" not in submit[0].headers
    assert h.portal.submitted == [{"format": "web-eid:1.0", "signature": "c2ln"}]
    assert h.opened == ["emulator:fake"] and h.card.closed
    assert h.prompt.finished[-1][:2] == (PORTAL, True)


def test_origin_is_the_fetched_urls_not_the_bodys() -> None:
    portal = FakePortal()
    portal.body["origin"] = "https://bank.example"  # a lie in the body changes nothing
    h = Harness(portal=portal)
    assert h.authenticate("https://PORTAL.example:443/idcard/request?session=s1").status_code == 303
    assert h.prompt.consents == [(PORTAL, ["name", "nationalCode"])]
    assert h.prompt.pin_asks == [(PORTAL, 3)]
    assert h.built[0][0] == PORTAL


def test_origin_keeps_a_non_default_port() -> None:
    base = "https://portal.example:8443"
    h = Harness(portal=FakePortal(base=base))
    response = h.authenticate(f"{base}/idcard/request")
    assert response.headers["location"] == f"{base}/welcome"
    assert h.built[0][0] == base


def test_same_origin_redirect_of_the_request_is_followed_cross_origin_is_not() -> None:
    portal = FakePortal()
    portal.routes["/old"] = lambda r: httpx.Response(302, headers={"Location": "/idcard/request"})
    portal.routes["/away"] = lambda r: httpx.Response(302, headers={"Location": "https://evil.example/idcard/request"})
    h = Harness(portal=portal)
    assert h.authenticate(f"{PORTAL}/old").status_code == 303
    assert h.built[0][0] == PORTAL

    h = Harness(portal=portal)
    response = h.authenticate(f"{PORTAL}/away")
    assert response.status_code == 400 and "location" not in response.headers
    assert not any(r.url.host == "evil.example" for r in portal.requests)
    assert h.prompt.consents == []


def test_relative_submit_and_return_resolve_against_the_request_url() -> None:
    portal = FakePortal()
    portal.body.update(submit="/idcard/submit", **{"return": "/login?x=1"})
    portal.submit_answer = (200, {"redirect": "/welcome"})
    h = Harness(portal=portal)
    assert h.authenticate().headers["location"] == f"{PORTAL}/welcome"
    h = Harness(portal=portal, prompt=FakePrompt(consent=False))
    location = h.authenticate().headers["location"]
    assert location.startswith(f"{PORTAL}/login?") and parse_qs(urlsplit(location).query) == {
        "x": ["1"], "error": ["user.refused"]}


# -- refusals and errors go back to `return` ---------------------------------------------
def test_refusal_sends_the_browser_back_with_user_refused() -> None:
    h = Harness(prompt=FakePrompt(consent=False))
    response = h.authenticate()
    assert response.status_code == 303
    assert response.headers["location"] == f"{PORTAL}/login?error=user.refused"
    assert h.opened == [] and h.built == [] and h.portal.submitted == []


def test_cancelled_pin_is_a_refusal_too() -> None:
    h = Harness(prompt=FakePrompt(pins=[None]))
    assert error_of(h.authenticate().headers["location"]) == "user.refused"
    assert h.portal.submitted == [] and h.card.closed


def test_consent_to_fewer_attributes_releases_only_those() -> None:
    portal = FakePortal()
    portal.body["attributes"] = ["photo", "name", "name"]
    h = Harness(portal=portal, prompt=FakePrompt(consent={"name"}))
    assert h.authenticate().status_code == 303
    assert h.prompt.consents[0][1] == ["name", "photo"]
    assert h.built[0][2] == ["name"]


def test_wrong_pin_is_asked_again_then_reported() -> None:
    h = Harness(prompt=FakePrompt(pins=["000000", None]))
    response = h.authenticate()
    assert error_of(response.headers["location"]) == "pin.wrong"
    assert h.prompt.pin_asks == [(PORTAL, 3), (PORTAL, 2)]
    assert h.card.tries == 2 and h.portal.submitted == []
    assert "2 tries left" in h.prompt.finished[-1][2]

    h = Harness(prompt=FakePrompt(pins=["000000", "123456"]))
    assert h.authenticate().headers["location"] == f"{PORTAL}/welcome"


@pytest.mark.parametrize(("tries", "code"), [(1, "pin.suspended"), (0, "pin.blocked")])
def test_suspended_or_blocked_pin_is_not_asked_for(tries: int, code: str) -> None:
    h = Harness(card=FakeCard(tries=tries))
    assert error_of(h.authenticate().headers["location"]) == code
    assert h.prompt.pin_asks == []


def test_no_card_is_card_absent() -> None:
    from reader.errors import NoCardError

    h = Harness()

    def no_card(name: str) -> FakeCard:
        raise NoCardError("No card in the reader.")

    h.workflow.open_card = no_card
    assert error_of(h.authenticate().headers["location"]) == "card.absent"


def test_a_bug_still_answers_the_browser() -> None:
    h = Harness()

    def broken(*args: object, **kwargs: object) -> dict[str, Any]:
        raise RuntimeError("boom")

    h.workflow.token_builder = broken
    assert error_of(h.authenticate().headers["location"]) == "app.error"


def test_portal_refusal_code_is_relayed_to_return() -> None:
    portal = FakePortal()
    portal.submit_answer = (401, {"error": {"code": "nonce.expired", "message": "too late"}})
    assert error_of(Harness(portal=portal).authenticate().headers["location"]) == "nonce.expired"
    portal.submit_answer = (401, {"error": {"code": "<script>", "message": "x"}})
    assert error_of(Harness(portal=portal).authenticate().headers["location"]) == "submit.rejected"


def test_submit_redirected_elsewhere_is_refused() -> None:
    portal = FakePortal()
    portal.submit_answer = (200, {"redirect": "https://evil.example/welcome"})
    location = Harness(portal=portal).authenticate().headers["location"]
    assert location == f"{PORTAL}/login?error=submit.failed"
    portal.routes["/idcard/submit"] = lambda r: httpx.Response(307, headers={"Location": "https://evil.example/x"})
    location = Harness(portal=portal).authenticate().headers["location"]
    assert location == f"{PORTAL}/login?error=submit.failed"
    assert not any(r.url.host == "evil.example" for r in portal.requests)


# -- submit / return must be on the request's origin ---------------------------------------
@pytest.mark.parametrize(
    "submit",
    ["https://evil.example/idcard/submit", "http://portal.example/idcard/submit",
     "https://portal.example:8443/idcard/submit", "https://sub.portal.example/idcard/submit",
     "https://portal.example@evil.example/idcard/submit", "javascript:alert(1)", 42, None],
)
def test_cross_origin_submit_is_refused_and_nothing_is_sent(submit: object) -> None:
    portal = FakePortal()
    portal.body["submit"] = submit
    h = Harness(portal=portal)
    response = h.authenticate()
    assert response.status_code == 303
    assert response.headers["location"] == f"{PORTAL}/login?error=request.invalid"
    assert h.prompt.consents == [] and h.opened == [] and portal.submitted == []


@pytest.mark.parametrize("ret", ["https://evil.example/login", "http://portal.example/login", "//evil.example/x", None])
def test_cross_origin_return_is_refused_without_redirecting(ret: object) -> None:
    portal = FakePortal()
    portal.body["return"] = ret
    h = Harness(portal=portal)
    response = h.authenticate()
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "return" in response.text
    assert h.prompt.consents == [] and portal.submitted == []


@pytest.mark.parametrize(
    "body",
    [{"nonce": "short"}, {"nonce": "has spaces in it, which base64 has not"},
     {"attributes": "name"}, {"attributes": ["address"]}, {"attributes": [1]}],
)
def test_malformed_request_fields_go_back_as_request_invalid(body: dict[str, Any]) -> None:
    portal = FakePortal()
    portal.body.update(body)
    h = Harness(portal=portal)
    assert h.authenticate().headers["location"] == f"{PORTAL}/login?error=request.invalid"
    assert h.prompt.consents == []


def test_unusable_answers_give_a_local_error_page() -> None:
    portal = FakePortal()
    portal.routes["/html"] = lambda r: httpx.Response(200, text="<html>", headers={"Content-Type": "text/html"})
    portal.routes["/big"] = lambda r: httpx.Response(200, content=b'{"a":"' + b"x" * MAX_BODY + b'"}',
                                                      headers={"Content-Type": "application/json"})
    portal.routes["/gone"] = lambda r: httpx.Response(500, json={})
    portal.routes["/array"] = lambda r: httpx.Response(200, json=[1, 2])
    for path, status in (("/html", 400), ("/big", 400), ("/gone", 502), ("/array", 400)):
        h = Harness(portal=portal)
        response = h.authenticate(f"{PORTAL}{path}")
        assert response.status_code == status, path
        assert response.headers["content-security-policy"].startswith("default-src 'none'")
        assert h.prompt.consents == []


def test_unreachable_portal() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    h = Harness()
    h.workflow.client = PortalClient(UrlPolicy(), client=httpx.Client(transport=httpx.MockTransport(down)))
    response = h.authenticate()
    assert response.status_code == 502 and "Cannot reach" in response.text


# -- http:// only with --dev, and then only for this computer --------------------------------
@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/idcard/request", "http://localhost:8000/r",
                                 "http://portal.example/idcard/request", "ftp://portal.example/r",
                                 "file:///etc/passwd", "not a url", "https:///nohost",
                                 "https://user:pw@portal.example/idcard/request"])
def test_plain_http_and_odd_urls_are_refused_without_dev(url: str) -> None:
    h = Harness()
    response = h.authenticate(url)
    assert response.status_code == 400
    assert h.portal.requests == [] and h.prompt.consents == []


def test_dev_allows_http_on_loopback_only() -> None:
    base = "http://127.0.0.1:8000"
    h = Harness(dev=True, portal=FakePortal(base=base))
    response = h.authenticate(f"{base}/idcard/request?session=s1")
    assert response.status_code == 303 and response.headers["location"] == f"{base}/welcome"
    assert h.built[0][0] == base

    for url in ("http://portal.example/idcard/request", "http://10.0.0.1/idcard/request",
                "http://127.0.0.1.nip.io/idcard/request"):
        h = Harness(dev=True, portal=FakePortal(base="http://portal.example"))
        response = h.authenticate(url)
        assert response.status_code == 400, url
        assert "only for this computer" in response.text
        assert h.portal.requests == []

    for base in ("http://localhost:8000", "http://[::1]:8000"):
        h = Harness(dev=True, portal=FakePortal(base=base))
        assert h.authenticate(f"{base}/idcard/request").headers["location"] == f"{base}/welcome"


def test_dev_still_refuses_an_http_submit_for_an_https_request() -> None:
    portal = FakePortal()
    portal.body["submit"] = "http://127.0.0.1:8000/idcard/submit"
    h = Harness(dev=True, portal=portal)
    assert error_of(h.authenticate().headers["location"]) == "request.invalid"


# -- the service itself --------------------------------------------------------------------
def test_second_workflow_gets_409_while_one_runs() -> None:
    prompt = FakePrompt()
    prompt.release.clear()
    h = Harness(prompt=prompt)
    first: list[httpx.Response] = []
    worker = threading.Thread(target=lambda: first.append(h.authenticate()))
    worker.start()
    try:
        assert prompt.entered.wait(10), "the first hand-off never reached the consent"
        second = h.authenticate()
        assert second.status_code == 409
        assert "busy" in second.text
        assert len(h.prompt.consents) == 1
    finally:
        prompt.release.set()
        worker.join(10)
    assert first[0].status_code == 303 and first[0].headers["location"] == f"{PORTAL}/welcome"
    # ...and once it is over, the next one runs.
    assert h.authenticate().status_code == 303


def test_only_a_page_navigation_starts_a_hand_off() -> None:
    h = Harness()
    client = h.client()
    url = f"/authenticate?request={quote(REQUEST_URL, safe='')}"
    assert client.get(url, headers={"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"}).status_code == 403
    assert client.get(url, headers={"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe"}).status_code == 403
    assert client.get(url, headers={"Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"}).status_code == 403
    assert client.head(url).status_code == 405
    assert client.post(url).status_code == 405
    assert h.portal.requests == []
    assert client.get(url, headers={"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}).status_code == 303


def test_missing_or_repeated_request_parameter() -> None:
    client = Harness().client()
    assert client.get("/authenticate").status_code == 400
    q = quote(REQUEST_URL, safe="")
    assert client.get(f"/authenticate?request={q}&request={q}").status_code == 400


def test_no_secret_reaches_the_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    h = Harness(prompt=FakePrompt(pins=["000000", "123456"]))
    assert h.authenticate().status_code == 303
    assert "hand-off requested by https://portal.example" in caplog.text
    # httpx's own INFO lines (the test client's and, at -v, the service's) are
    # not the service's log: `idcard serve` keeps the httpx logger at WARNING.
    # The APDU trace is hex (its redaction is tested in test_apdu): "000000" occurs in it by chance.
    ours = "\n".join(
        r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "idcard.apdu"))
    )
    for secret in ("123456", "000000", NONCE, "session=s1", "c2ln"):
        assert secret not in ours
    trace = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("idcard.apdu"))
    for secret in (b"123456", b"000000"):
        assert secret.hex() not in trace


def test_server_listens_on_both_loopback_addresses() -> None:
    h = Harness()
    server = HandoffServer(h.workflow, port=0)
    with server:
        assert server.addresses[0] == f"http://127.0.0.1:{server.port}"
        for address in server.addresses:
            response = httpx.get(f"{address}/status", trust_env=False, timeout=5)
            assert response.json() == {"version": __version__}
        wrong = httpx.get(f"http://127.0.0.1:{server.port}/status", headers={"Host": f"evil.example:{server.port}"},
                          trust_env=False, timeout=5)
        assert wrong.status_code == 421


def test_with_error_replaces_an_earlier_error() -> None:
    assert with_error("https://p.example/r?error=x&a=b#frag", "pin.wrong") == "https://p.example/r?a=b&error=pin.wrong"


# -- prompts ----------------------------------------------------------------------------------
def test_auto_prompt_needs_the_test_pin_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(UsageError):
        AutoPrompt({})
    caplog.set_level(logging.WARNING)
    prompt = AutoPrompt({"IDCARD_TEST_PIN": "123456"})
    assert "TEST MODE" in caplog.text
    assert prompt.consent(PORTAL, ["name", "photo"]) is True
    assert prompt.pin(PORTAL, 3) == "123456"
    assert prompt.pin(PORTAL, 2) is None  # never a second try on its own
    assert "123456" not in caplog.text


def test_terminal_prompt_asks_consent_and_photo_separately() -> None:
    out = io.StringIO()
    prompt = TerminalPrompt(input=io.StringIO("y\nn\n"), output=out)
    assert prompt.consent(PORTAL, ["name", "photo"]) == {"name"}
    assert "https://portal.example asks" in out.getvalue() and "your photo" in out.getvalue()
    assert TerminalPrompt(input=io.StringIO("n\n"), output=io.StringIO()).consent(PORTAL, ["name"]) is False
    assert TerminalPrompt(input=io.StringIO(""), output=io.StringIO(), assume_yes=True).consent(PORTAL, []) is True
    pin_prompt = TerminalPrompt(input=io.StringIO("123456\n"), output=out, pin_stdin=True)
    assert pin_prompt.pin(PORTAL, 3) == "123456"
    assert "123456" not in out.getvalue()


# -- with the reference portal, the emulated card and the real token, in process ---------------
DEMO = "http://127.0.0.1:8000"


class DemoLogin:
    """The demo portal in process: a browser (TestClient with cookies) and the app's HTTP client."""

    def __init__(self) -> None:
        from mock_card.demo_portal import create_app as create_demo

        self.app = create_demo(public_url=DEMO, handoff_url=LOCAL)
        self.browser = TestClient(self.app, base_url=DEMO, follow_redirects=False)

    def start(self, browser: TestClient | None = None) -> str:
        """Open the login page; the request URL its link carries."""
        page = (browser or self.browser).get("/")
        assert page.status_code == 200
        link = page.text.split('id="login-idcard" href="')[1].split('"')[0].replace("&amp;", "&")
        assert link.startswith(f"{LOCAL}/authenticate?request=")
        return parse_qs(urlsplit(link).query)["request"][0]

    def workflow(self, prompt: Any, reader: str = "emulator:demo") -> HandoffWorkflow:
        app_client = TestClient(self.app, base_url=DEMO, follow_redirects=False)  # no browser cookies
        return HandoffWorkflow(prompt, reader=reader, client=PortalClient(UrlPolicy(dev=True), client=app_client))


def test_full_login_with_the_demo_portal_and_the_emulated_card() -> None:
    demo = DemoLogin()
    request_url = demo.start()
    outcome = demo.workflow(AutoPrompt({"IDCARD_TEST_PIN": "123456"})).run(request_url)
    assert outcome.ok, outcome
    assert outcome.origin == DEMO and outcome.location.startswith(f"{DEMO}/idcard/finish?code=")
    finish = demo.browser.get(outcome.location)
    assert finish.status_code == 303 and finish.headers["location"] == f"{DEMO}/welcome"
    welcome = demo.browser.get("/welcome")
    assert welcome.status_code == 200
    assert '<p class="fa" id="name-fa" lang="fa" dir="rtl">سارا رضایی</p>' in welcome.text
    assert "0012345679" in welcome.text and 'src="data:image/jpeg;base64,' in welcome.text
    # The finish code is single use, and the request cannot be replayed.
    assert demo.browser.get(outcome.location).headers["location"].endswith("error=login.expired")
    replay = demo.workflow(AutoPrompt({"IDCARD_TEST_PIN": "123456"})).run(request_url)
    assert not replay.ok and replay.location is None and replay.code == "request.unavailable"


def test_demo_portal_finishes_only_in_the_browser_that_started() -> None:
    """A page cannot make a citizen's app complete a login an attacker started."""
    demo = DemoLogin()
    attacker = TestClient(demo.app, base_url=DEMO, follow_redirects=False)
    request_url = demo.start(attacker)  # the attacker's login id...
    outcome = demo.workflow(AutoPrompt({"IDCARD_TEST_PIN": "123456"})).run(request_url)  # ...the citizen's card
    assert outcome.ok
    # The app sends the *citizen's* browser to finish: it does not hold the attacker's cookie.
    refused = demo.browser.get(outcome.location)
    assert refused.headers["location"] == f"{DEMO}/idcard/return?error=login.other_browser"
    assert attacker.get("/welcome").headers["location"] == f"{DEMO}/"
    assert demo.browser.get("/welcome").headers["location"] == f"{DEMO}/"


def test_demo_portal_refuses_odd_submissions_and_names_errors() -> None:
    demo = DemoLogin()
    request_url = demo.start()
    login_id = parse_qs(urlsplit(request_url).query)["session"][0]
    app_client = TestClient(demo.app, base_url=DEMO)
    assert app_client.get(f"/idcard/request?session={login_id}").status_code == 200
    form = app_client.post(f"/idcard/submit?session={login_id}", content=b"x" * 200,
                           headers={"Content-Type": "text/plain"})
    assert form.status_code == 415
    bad = app_client.post(f"/idcard/submit?session={login_id}", json={"format": "web-eid:1.0", "x": "y" * 100})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "token.format"
    unknown = app_client.post("/idcard/submit?session=nope", json={})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "login.expired"
    assert app_client.get("/idcard/request?session=nope").status_code == 404

    page = demo.browser.get("/idcard/return?error=pin.wrong")
    assert "The PIN was wrong." in page.text
    assert "Nothing was shared" in demo.browser.get("/idcard/return?error=user.refused").text
    hostile = demo.browser.get("/idcard/return", params={"error": "<script>alert(1)</script>"})
    assert "<script>" not in hostile.text and "unknown" in hostile.text
    # Pages live on the public host only (the session cookie is there).
    other = TestClient(demo.app, base_url="http://localhost:8000", follow_redirects=False).get("/welcome?x=1")
    assert other.status_code == 307 and other.headers["location"] == f"{DEMO}/welcome?x=1"


def test_dev_verifier_and_trust_folder(tmp_path: Any) -> None:
    from mock_card.demo_portal import load_trust_dir
    from mock_card.testpki import test_pki, write_anchors

    write_anchors(test_pki(), tmp_path)
    cas, cscas, crls = load_trust_dir(tmp_path)
    assert len(cscas) >= 1 and len(cas) >= 1 and crls == []
    assert all("CSCA" in c.subject_dn for c in cscas)
    assert any("CITIZEN CA" in c.subject_dn for c in cas) and not any("CSCA" in c.subject_dn for c in cas)
    (tmp_path / "csca.pem").unlink()
    (tmp_path / "csca.der").unlink()
    with pytest.raises(UsageError):
        load_trust_dir(tmp_path)


def test_withholding_the_photo_still_logs_in_without_it() -> None:
    demo = DemoLogin()
    prompt = FakePrompt(consent={"name", "nationalCode", "birthDate"})
    outcome = demo.workflow(prompt).run(demo.start())
    assert outcome.ok, outcome
    assert prompt.consents[0][1] == ["name", "nationalCode", "birthDate", "photo"]
    demo.browser.get(outcome.location)
    welcome = demo.browser.get("/welcome").text
    assert "0012345679" in welcome and 'id="photo"' not in welcome


# -- a page cannot lock the hand-off (issue 9 item 2) -------------------------------
class Trickler:
    """A portal on 127.0.0.1 that answers one byte at a time, forever, to every connection."""

    def __init__(self, prefix: bytes = b"") -> None:
        import socket

        self.prefix = prefix
        self.stop = threading.Event()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/idcard/request"
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        conns = []
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            conns.append(conn)
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()
        for conn in conns:
            conn.close()

    def _trickle(self, conn: Any) -> None:
        import time

        try:
            conn.recv(65536)
            conn.sendall(self.prefix)
            while not self.stop.is_set():
                conn.sendall(b"X")
                time.sleep(0.05)
        except OSError:
            pass

    def __enter__(self) -> Trickler:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


TRICKLED_HEAD = b"HTTP/1.1 200 OK\r\nX-Slow: "
TRICKLED_BODY = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n"


@pytest.mark.parametrize("prefix", [TRICKLED_HEAD, TRICKLED_BODY], ids=["head", "body"])
def test_a_trickling_portal_is_cut_off_by_the_total_deadline(prefix: bytes) -> None:
    import time

    from idcard.budget import Budget

    with Trickler(prefix) as slow:
        started = time.monotonic()
        with pytest.raises(HandoffError) as err:
            PortalClient(UrlPolicy(dev=True)).fetch(slow.url, Budget(1.0))
        elapsed = time.monotonic() - started
    assert err.value.code == "request.unavailable"
    assert elapsed < 3.0, f"the fetch took {elapsed:.1f} s against a 1 s budget"


def test_a_trickled_body_over_the_size_cap_is_refused() -> None:
    from idcard.budget import Budget

    # 50 ms per byte would need an hour for MAX_BODY; a fast stream of junk hits the cap instead.
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + b"[" * (MAX_BODY + 10)
    with Trickler(head) as big:
        with pytest.raises(HandoffError) as err:
            PortalClient(UrlPolicy(dev=True)).fetch(big.url, Budget(5.0))
    assert "larger than" in err.value.message


def test_a_real_login_cancels_a_stale_one_stuck_on_a_trickling_portal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Today: a page's trickling request URL keeps every real login at 409 for as long as it trickles."""
    import time

    import idcard.handoff.workflow as workflow_module

    monkeypatch.setattr(workflow_module, "FETCH_DEADLINE", 60.0)  # the stale one would hold a minute
    portal = FakePortal()
    good = PortalClient(UrlPolicy(dev=True), client=portal.client())

    class Routed(PortalClient):
        """The real network for the trickler, the fake portal for the real login."""

        def fetch(self, request_url: str, budget: Any = None) -> Any:
            if request_url.startswith(PORTAL):
                return good.fetch(request_url, budget)
            return super().fetch(request_url, budget)

        def submit(self, request: Any, token: Any) -> str:
            return good.submit(request, token)

    h = Harness(dev=True, portal=portal)
    h.workflow.client = Routed(UrlPolicy(dev=True))
    server = HandoffServer(h.workflow, port=0, ipv6=False)
    with Trickler(TRICKLED_HEAD) as slow, server:
        base = f"http://127.0.0.1:{server.port}"
        stale: list[httpx.Response] = []
        attacker = threading.Thread(
            target=lambda: stale.append(
                httpx.get(f"{base}/authenticate", params={"request": slow.url}, trust_env=False, timeout=30)
            )
        )
        attacker.start()
        deadline = time.monotonic() + 10
        while h.workflow._cancellable is None and time.monotonic() < deadline:  # the stale fetch is on
            time.sleep(0.02)
        time.sleep(0.3)
        assert h.workflow._cancellable is not None
        started = time.monotonic()
        real = httpx.get(f"{base}/authenticate", params={"request": REQUEST_URL}, trust_env=False, timeout=30)
        assert real.status_code == 303, real.text
        assert real.headers["location"] == f"{PORTAL}/welcome"
        assert time.monotonic() - started < 5
        attacker.join(10)
    assert stale and stale[0].status_code == 400
    assert "newer login" in stale[0].text


def test_a_login_at_its_consent_is_not_cancelled() -> None:
    h = Harness()
    h.prompt.release.clear()
    assert h.workflow.cancel_stale() is False  # nothing runs
    worker = threading.Thread(target=h.authenticate)
    worker.start()
    try:
        assert h.prompt.entered.wait(10)
        assert h.workflow.cancel_stale() is False
    finally:
        h.prompt.release.set()
        worker.join(10)
    assert h.built, "the login at its consent went through"


def test_a_connection_that_trickles_its_request_head_is_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket
    import time

    import idcard.handoff.server as server_module

    monkeypatch.setattr(server_module, "HEADER_TIMEOUT", 0.5)
    server = HandoffServer(Harness().workflow, port=0, ipv6=False)
    with server:
        conn = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        started = time.monotonic()
        closed = False
        try:
            conn.sendall(b"GET /status HTTP/1.1\r\n")
            while time.monotonic() - started < 4:
                conn.sendall(b"X")
                time.sleep(0.1)
        except OSError:
            closed = True
        else:
            conn.settimeout(2)
            closed = conn.recv(1) == b""
        finally:
            conn.close()
    assert closed, "the slow client was not disconnected"
    assert time.monotonic() - started < 4


# -- escapes found by fuzzing (issue 14 item 4) -------------------------------------
BAD_URLS = ["https://portal.example:9x/idcard/request", "https://xn--a.example/idcard/request"]


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_bad_port_or_a_bad_a_label_in_the_request_url_is_request_invalid(url: str) -> None:
    h = Harness()
    outcome = h.workflow.run(url)
    assert (outcome.ok, outcome.code, outcome.location) == (False, "request.invalid", None)
    assert h.portal.requests == []
    assert h.authenticate(url).status_code == 400


@pytest.mark.parametrize("field", ["submit", "return"])
@pytest.mark.parametrize("bad", ["https://portal.example:9x/s", "https://xn--a.example/s", "//xn--a.example/s", "//p:9x/"])
def test_a_bad_port_or_a_bad_a_label_in_the_request_json_is_request_invalid(field: str, bad: str) -> None:
    portal = FakePortal()
    portal.body[field] = bad
    h = Harness(portal=portal)
    outcome = h.workflow.run(REQUEST_URL)
    assert outcome.ok is False and outcome.code == "request.invalid"
    assert h.portal.submitted == [] and h.prompt.consents == []
    if field == "submit":  # `return` was good: the browser goes back there
        assert outcome.location == f"{PORTAL}/login?error=request.invalid"
