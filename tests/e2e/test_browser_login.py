"""The whole browser login, as a citizen would do it: Chromium, the demo portal, the hand-off service, the card.

* the demo portal (`python -m mock_card.demo_portal --dev`) and the hand-off
  service (`idcard serve --dev --test-auto-consent`) run as the processes a
  user starts, on free loopback ports;
* the emulated card sits behind a real pcscd through the vsmartcard vpcd
  driver, and the hand-off service reaches it as `pcsc:Virtual PCD 00 00`;
* headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) clicks
  "Log in with national ID card" and follows the redirects.

Skipped with the reason when chromium, Playwright or pcscd is missing, unless
IDCARD_REQUIRE_SYSTEM_TESTS is set (then they fail).
`test_idcard_auth_*` need neither: they run the same hand-off without a browser.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from mock_card.pytest_plugin import unavailable

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WELCOME_SCREENSHOT = Path("/tmp/portal_welcome.png")
ERROR_SCREENSHOT = Path("/tmp/portal_error.png")
NATIONAL_CODE = "0012345679"


def _free_port() -> int:
    """A port free on both 127.0.0.1 and ::1 (the hand-off service listens on both)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        try:
            with socket.socket(socket.AF_INET6) as probe6:
                probe6.bind(("::1", port))
        except OSError as exc:
            if exc.errno == 99:  # EADDRNOTAVAIL: no IPv6 loopback here; the service copes
                return port
            continue
        return port
    raise RuntimeError("no free port")


class Process:
    """A command started by the test, its output in a file; stopped by its own pid."""

    def __init__(self, name: str, args: list[str], log_dir: Path, env: dict[str, str] | None = None) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "wb")
        full_env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", **(env or {})}
        for proxy in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
            full_env.pop(proxy, None)  # everything here is on loopback
        self.proc = subprocess.Popen(
            [sys.executable, "-m", *args], cwd=ROOT, env=full_env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def wait_http(self, url: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.output()}")
            try:
                if httpx.get(url, trust_env=False, timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer at {url} within {timeout} s:\n{self.output()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log.close()


# -- fixtures --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def handoff_port() -> int:
    return _free_port()


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory, handoff_port: int) -> Iterator[str]:
    """The demo portal with the TEST anchors, linking to the hand-off service's port."""
    port = _free_port()
    logs = tmp_path_factory.mktemp("portal")
    process = Process(
        "portal",
        ["mock_card.demo_portal", "--dev", "--port", str(port), "--handoff-port", str(handoff_port)],
        logs,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        process.wait_http(url + "/")
        yield url
    finally:
        process.stop()
        for secret in ("123456", "000000"):
            assert secret not in process.output(), "a PIN reached the portal's log"


@pytest.fixture
def handoff(tmp_path: Path, handoff_port: int) -> Iterator[Callable[[str, str], Process]]:
    """start(reader, pin) -> `idcard serve --dev --test-auto-consent` with $IDCARD_TEST_PIN=pin."""
    started: list[Process] = []

    def start(reader: str, pin: str) -> Process:
        process = Process(
            "handoff",
            ["idcard.cli", "serve", "--dev", "--port", str(handoff_port), "--reader", reader, "--test-auto-consent"],
            tmp_path,
            env={"IDCARD_TEST_PIN": pin},
        )
        started.append(process)
        process.wait_http(f"http://127.0.0.1:{handoff_port}/status")
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[object]:
    """A headless Chromium page with a fresh profile."""
    if not os.path.exists(CHROMIUM):
        unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed (pip install playwright)")
    profile = tmp_path / "chromium-profile"
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 900, "height": 640},
            locale="en-US",
        )
        try:
            page = context.new_page()
            page.set_default_timeout(60_000)
            yield page
        finally:
            context.close()


# -- the browser tests -------------------------------------------------------------------
@pytest.mark.pcsc
@pytest.mark.parametrize("mock_card_reader", ["vpcd"], indirect=True)
def test_browser_login_lands_on_welcome(chromium, mock_card_reader, portal: str, handoff, handoff_port: int) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    page = chromium
    service = handoff(mock_card_reader.name, "123456")
    page.goto(portal + "/")
    link = page.locator("#login-idcard")
    expect(link).to_have_text("Log in with national ID card")
    href = link.get_attribute("href") or ""
    assert href.startswith(f"http://127.0.0.1:{handoff_port}/authenticate?request=")
    assert parse_qs(urlsplit(href).query)["request"][0].startswith(portal + "/idcard/request?session=")

    link.click()
    page.wait_for_url(portal + "/welcome")
    name = page.locator("#name-fa")
    expect(name).to_contain_text("رضایی")
    expect(name).to_contain_text("سارا")
    assert name.get_attribute("lang") == "fa" and name.get_attribute("dir") == "rtl"
    expect(page.locator("#national-code")).to_have_text(NATIONAL_CODE)
    expect(page.locator("#name-latin")).to_contain_text("REZAEI")
    photo = page.locator("#photo")
    expect(photo).to_be_visible()
    assert page.evaluate("document.getElementById('photo').naturalWidth") > 0
    page.screenshot(path=str(WELCOME_SCREENSHOT), full_page=True)

    # The card really was used through pcscd, and the service kept the PIN to itself.
    assert mock_card_reader.name.startswith("pcsc:")
    log = service.output()
    assert "TEST MODE" in log and "123456" not in log and "session=" not in log


@pytest.mark.pcsc
@pytest.mark.parametrize("mock_card_reader", ["vpcd"], indirect=True)
def test_browser_login_with_wrong_pin_shows_the_portals_error(chromium, mock_card_reader, portal: str, handoff) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    page = chromium
    service = handoff(mock_card_reader.name, "000000")
    page.goto(portal + "/")
    page.locator("#login-idcard").click()
    page.wait_for_url(re.compile(re.escape(portal) + r"/idcard/return\?error=pin\.wrong$"))
    expect(page.locator("h1")).to_have_text("Login failed")
    expect(page.locator("#error")).to_contain_text("The PIN was wrong.")
    expect(page.locator("#error-code")).to_have_text("pin.wrong")
    page.screenshot(path=str(ERROR_SCREENSHOT), full_page=True)
    # One wrong PIN costs exactly one try (the auto prompt never retries by itself).
    assert mock_card_reader.card.image.counters.pin_tries == 2
    assert "000000" not in service.output()
    # Not logged in.
    page.goto(portal + "/welcome")
    assert page.url == portal + "/"


# -- the same hand-off without a browser: `idcard auth` ------------------------------------------
def _request_url(portal: str) -> str:
    """What the browser would carry: the request URL from the login page's link (with its cookie)."""
    with httpx.Client(trust_env=False) as browser:
        page = browser.get(portal + "/")
        href = re.search(r'id="login-idcard" href="([^"]+)"', page.text)
        assert href, page.text
        return parse_qs(urlsplit(href.group(1).replace("&amp;", "&")).query)["request"][0]


def _idcard_auth(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    return subprocess.run(
        [sys.executable, "-m", "idcard.cli", "auth", *args],
        input=stdin, capture_output=True, text=True, timeout=60, cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)},
    )


def test_idcard_auth_submits_and_prints_the_redirect(portal: str) -> None:
    request = _request_url(portal)
    result = _idcard_auth("--request", request, "--yes", "--pin-stdin", "--dev", "--reader", "emulator:demo",
                          "--json", stdin="123456\n")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["ok"] is True and data["origin"] == portal
    assert data["redirect"].startswith(portal + "/idcard/finish?code=")
    assert "123456" not in result.stdout + result.stderr
    # The nonce is single use: the same request URL cannot log in twice.
    again = _idcard_auth("--request", request, "--yes", "--pin-stdin", "--dev", "--reader", "emulator:demo",
                         "--json", stdin="123456\n")
    assert again.returncode != 0


def test_idcard_auth_wrong_pin_and_plain_http_without_dev(portal: str, tmp_path: Path) -> None:
    card = tmp_path / "card.json"
    made = subprocess.run([sys.executable, "-m", "mock_card.cli", "create", "--out", str(card)],
                          capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert made.returncode == 0, made.stderr
    wrong = _idcard_auth("--request", _request_url(portal), "--yes", "--pin-stdin", "--dev",
                         "--reader", f"emulator:{card}", "--json", stdin="000000\n")
    assert wrong.returncode == 4, wrong.stderr
    data = json.loads(wrong.stdout)
    assert data["error"]["code"] == "pin.wrong"
    assert data["return"] == portal + "/idcard/return?error=pin.wrong"
    assert "000000" not in wrong.stdout + wrong.stderr

    insecure = _idcard_auth("--request", _request_url(portal), "--yes", "--pin-stdin", "--reader", "emulator:demo",
                            stdin="123456\n")
    assert insecure.returncode == 2
    assert "only https://" in insecure.stderr
