"""Portal login through the app: the hand-off service runs while the window is open.

A browser (httpx with cookies) opens the reference portal and follows its
login link to the app's hand-off service; the app raises the consent
screen (origin, attributes, photo opt-in), then the PIN pad, a progress bar
over the steps, and "You are logged in to <origin>"; the browser is sent
on (303) and the portal shows the citizen's name.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.gui.conftest import DEMO_PIN, type_secret, wait_page


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def portal() -> Iterator[str]:
    """The reference portal (TEST anchors) on a real loopback port."""
    yield from _serve()


@pytest.fixture
def nid_portal(iran_test_anchors, tmp_path) -> Iterator[str]:  # noqa: ANN001
    """The reference portal trusting the TEST look-alike of the Iranian PKI (emulated real cards)."""
    from idcard.pki.trust import TrustStore
    from idcard.portal import Portal
    from idcard.portal.nonces import SqliteNonceStore
    from idcard.portal.verifier import TokenVerifier

    trust = TrustStore()
    trust.load_path(iran_test_anchors)
    verifier = TokenVerifier(trust, require_evidence=False, allow_http_loopback=True)

    def portal_for(url: str) -> Portal:
        nonces = SqliteNonceStore(str(tmp_path / "nonces.db"))
        return Portal(verifier, nonces, base_url=url, require_evidence=False)

    yield from _serve(portal_for)


def _serve(portal_for=None) -> Iterator[str]:  # noqa: ANN001
    import uvicorn

    from mock_card.demo_portal import create_app

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    portal = portal_for(url) if portal_for else None
    app = create_app(portal, public_url=url, handoff_url="http://127.0.0.1:1", dev=True)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the demo portal did not start"
    yield url
    server.should_exit = True
    thread.join(10)


class Browser:
    """Follows the portal's login link to the app and waits (in a thread) for the 303, as a browser does."""

    def __init__(self, portal: str, handoff: str) -> None:
        self.portal = portal
        self.handoff = handoff
        self.client = httpx.Client(
            base_url=portal, follow_redirects=False, trust_env=False, timeout=60
        )
        self.response: httpx.Response | None = None
        self.thread: threading.Thread | None = None

    def login(self) -> None:
        page = self.client.get("/")
        link = page.text.split('id="login-idcard" href="')[1].split('"')[0].replace("&amp;", "&")
        request = parse_qs(urlsplit(link).query)["request"][0]

        def navigate() -> None:
            with httpx.Client(trust_env=False, timeout=120, follow_redirects=False) as nav:
                self.response = nav.get(
                    f"{self.handoff}/authenticate",
                    params={"request": request},
                    headers={"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"},
                )

        self.thread = threading.Thread(target=navigate, daemon=True)
        self.thread.start()

    def finished(self) -> bool:
        return self.response is not None


@pytest.fixture
def logged_window(make_window, demo_card, portal):  # noqa: ANN001, ANN201
    window = make_window(demo_card, handoff=True, handoff_port=0, dev=True)
    assert window.handoff is not None, "the hand-off service did not start"
    return window, Browser(portal, window.handoff.address)


def test_portal_consent_pin_progress_done(qtbot, logged_window) -> None:  # noqa: ANN001
    window, browser = logged_window
    assert window.home.service.text().startswith(
        "Portal login service: running at http://127.0.0.1:"
    )
    status = httpx.get(f"{browser.handoff}/status", trust_env=False)
    assert status.status_code == 200 and status.headers["access-control-allow-origin"] == "*"

    steps: list[tuple[str, int]] = []
    window.prompt.progressed.connect(lambda step, pct: steps.append((step, pct)))
    browser.login()
    wait_page(qtbot, window, window.consent)
    consent = window.consent
    assert consent.origin_label.text() == browser.portal  # the requesting origin, in large type
    assert consent.origin_label.font().pointSize() >= 20
    shown = " ".join(item.text() for item in consent._items)
    assert "Your name" in shown and "Your national code" in shown and "Your date of birth" in shown
    assert consent.photo.isVisible() and not consent.photo.isChecked()  # the photo is opt-in
    assert not window.nav_buttons["desk"].isEnabled()  # one thing at a time

    consent.photo.setChecked(True)
    consent.accept.click()
    wait_page(qtbot, window, window.pinpad)
    pad = window.pinpad
    assert pad.context_label.text() == f"To log in to {browser.portal}"
    assert pad.request.tries_left == 3
    type_secret(qtbot, window, DEMO_PIN)

    qtbot.waitUntil(lambda: window.handoff_page.result is not None, timeout=60000)
    page = window.handoff_page
    assert window.stack.currentWidget() is page
    assert page.title.text() == f"You are logged in to {browser.portal}"
    assert page.bar.value() == 100
    assert all(label.text().startswith("✓") for label in page.step_labels)
    # Honest percentages: the workflow's own, rising, ending at 100.
    percents = [pct for _step, pct in steps]
    assert percents == sorted(percents) and percents[-1] == 100
    assert [s for s, _ in steps][-2:] == ["submit", "done"]

    # The browser continues: 303 to the portal, which logs this browser in.
    qtbot.waitUntil(browser.finished, timeout=30000)
    assert browser.response.status_code == 303
    finish = browser.response.headers["location"]
    assert finish.startswith(f"{browser.portal}/idcard/finish?code=")
    landed = browser.client.get(finish)
    assert landed.status_code == 303 and landed.headers["location"].endswith("/welcome")
    welcome = browser.client.get("/welcome")
    assert "سارا رضایی" in welcome.text and "0012345679" in welcome.text
    assert 'src="data:image/jpeg;base64,' in welcome.text  # the photo was released
    assert 'id="test-certificates"' in welcome.text  # the demo portal trusts only the TEST PKI

    page.close_button.click()
    wait_page(qtbot, window, window.home)
    assert window.nav_buttons["desk"].isEnabled()


def test_photo_stays_home_unless_ticked(qtbot, logged_window) -> None:  # noqa: ANN001
    window, browser = logged_window
    browser.login()
    wait_page(qtbot, window, window.consent)
    window.consent.accept.click()  # photo box left unticked
    wait_page(qtbot, window, window.pinpad)
    type_secret(qtbot, window, DEMO_PIN)
    qtbot.waitUntil(browser.finished, timeout=60000)
    landed = browser.client.get(browser.response.headers["location"])
    welcome = browser.client.get(landed.headers["location"])
    assert "سارا رضایی" in welcome.text
    assert "data:image/jpeg;base64," not in welcome.text


def test_refusing_sends_the_browser_back_with_an_error(qtbot, logged_window) -> None:  # noqa: ANN001
    window, browser = logged_window
    browser.login()
    wait_page(qtbot, window, window.consent)
    window.consent.refuse.click()
    qtbot.waitUntil(browser.finished, timeout=30000)
    assert browser.response.status_code == 303
    assert "error=user.refused" in browser.response.headers["location"]
    qtbot.waitUntil(lambda: window.handoff_page.result is not None, timeout=10000)
    assert window.handoff_page.title.text() == "The login did not complete"
    assert "refused" in window.handoff_page.message.text()


def test_wrong_pin_then_cancel_in_persian(qtbot, make_window, demo_card, portal) -> None:  # noqa: ANN001
    window = make_window(demo_card, handoff=True, handoff_port=0, dev=True, language="fa")
    browser = Browser(portal, window.handoff.address)
    browser.login()
    wait_page(qtbot, window, window.consent)
    window.consent.accept.click()
    wait_page(qtbot, window, window.pinpad)
    type_secret(qtbot, window, "000000")
    # Asked again, with the warning that the next wrong PIN suspends it.
    qtbot.waitUntil(
        lambda: (
            window.stack.currentWidget() is window.pinpad
            and window.pinpad.request is not None
            and window.pinpad.request.tries_left == 2
        ),
        timeout=30000,
    )
    assert window.pinpad.warning.isVisible() and "معلق" in window.pinpad.warning.text()
    window.pinpad.cancel.click()
    qtbot.waitUntil(browser.finished, timeout=30000)
    assert "error=pin.wrong" in browser.response.headers["location"]
    qtbot.waitUntil(lambda: window.handoff_page.result is not None, timeout=10000)
    assert window.handoff_page.title.text() == "ورود انجام نشد"


def test_the_card_stays_on_the_card_thread_and_finished_comes_once(
    qtbot, logged_window, demo_card  # noqa: ANN001
) -> None:
    window, browser = logged_window
    threads: set[str] = set()
    process = demo_card.card.process

    def on_which_thread(apdu: bytes) -> bytes:
        threads.add(threading.current_thread().name)
        return process(apdu)

    demo_card.card.process = on_which_thread  # the emulator sees every APDU of the hand-off
    finished: list[tuple] = []
    window.prompt.finished.connect(lambda *args: finished.append(args))
    browser.login()
    wait_page(qtbot, window, window.consent)
    window.consent.accept.click()
    wait_page(qtbot, window, window.pinpad)
    type_secret(qtbot, window, DEMO_PIN)
    qtbot.waitUntil(browser.finished, timeout=60000)
    assert browser.response.status_code == 303
    qtbot.waitUntil(lambda: window.handoff_page.result is not None, timeout=10000)
    qtbot.wait(200)  # a second emission would arrive through the event loop by now
    assert len(finished) == 1 and finished[0][1] is True and finished[0][3] == ""
    assert threads and all(name.startswith("idcard-card") for name in threads), threads


@pytest.mark.parametrize("language", ["en", "fa"])
def test_a_real_card_says_plainly_why_login_is_not_possible_here(
    qtbot, make_window, real_card, portal, language: str
) -> None:  # noqa: ANN001
    """A real national card logs in only through the registry's card-authentication service
    (idcard.cards.login): without it the app asks for no PIN and says why, in plain words."""
    window = make_window(
        real_card("mav4"), handoff=True, handoff_port=0, dev=True, language=language
    )
    assert window.handoff is not None
    browser = Browser(portal, window.handoff.address)
    asked: list[object] = []
    window.prompt.asked.connect(lambda question: asked.append(question.kind))
    browser.login()
    wait_page(qtbot, window, window.consent)
    window.consent.accept.click()
    qtbot.waitUntil(lambda: window.handoff_page.result is not None, timeout=20000)
    page = window.handoff_page
    assert window.stack.currentWidget() is page
    ok, _message, code = page.result
    assert not ok and code == "card.unsupported_operation"
    assert asked == ["consent"]  # no PIN pad: the card cannot log in here anyway
    if language == "en":
        assert page.title.text() == "The login did not complete"
        assert page.message.text().startswith(
            "Logging in with this national card is not possible in this app"
        )
        assert "card-authentication service" in page.message.text()
    else:
        assert page.title.text() == "ورود انجام نشد"
        assert page.message.text().startswith("ورود با این کارت ملی در این برنامه ممکن نیست")
    qtbot.waitUntil(browser.finished, timeout=20000)
    assert browser.response is not None and browser.response.status_code in (302, 303)
    assert "error" in browser.response.headers["location"]


def test_a_real_card_logs_in_through_the_registry_service(
    qtbot, make_window, real_card, nid_portal, mock_registry
) -> None:  # noqa: ANN001
    """With the registry's service configured the app asks for the ID PIN (4-8 digits, no Skip:
    the login needs it), the chip authenticates and its key signs the login."""
    from gui.flow import NidPinRequest

    window = make_window(
        real_card("mav4"), handoff=True, handoff_port=0, dev=True, key_service=mock_registry.url
    )
    assert window.handoff is not None
    browser = Browser(nid_portal, window.handoff.address)
    browser.login()
    wait_page(qtbot, window, window.consent)
    window.consent.accept.click()
    wait_page(qtbot, window, window.pinpad)
    pad = window.pinpad
    assert isinstance(pad.request, NidPinRequest) and not pad.request.optional
    assert pad.title.text() == "Enter your ID PIN (first PIN)"
    assert pad.skip.isHidden() and pad.field.low == 4 and pad.field.high == 8
    assert pad.context_label.text() == f"To log in to {browser.portal}"
    type_secret(qtbot, window, "1111")
    qtbot.waitUntil(lambda: pad.request is not None and pad.request.reason == "pin.wrong", timeout=30000)
    assert pad.warning.text() == "Wrong ID PIN. 2 tries left."
    type_secret(qtbot, window, "5679")
    qtbot.waitUntil(lambda: window.handoff_page.result is not None, timeout=60000)
    page = window.handoff_page
    ok, message, code = page.result
    assert ok, (message, code)
    assert page.title.text() == f"You are logged in to {browser.portal}"
    qtbot.waitUntil(browser.finished, timeout=20000)
    assert browser.response is not None and browser.response.status_code == 303
