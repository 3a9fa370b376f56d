"""`idcard serve` stopped with Ctrl-C while it waits for the citizen's consent.

The service runs on a terminal (a pty, so it really asks), the demo portal
runs as its own process, and a browser-like client waits on /authenticate.
Ctrl-C must end the service at once, and the waiting browser must be sent
to the portal's error page, not left hanging or dropped.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import threading
import time

import httpx

from tests.e2e.test_browser_login import ROOT, _request_url, handoff_port, portal  # noqa: F401 - fixtures

__all__ = ["handoff_port", "portal"]


def test_ctrl_c_while_waiting_for_consent_sends_the_browser_back(portal: str, handoff_port: int) -> None:  # noqa: F811
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    proc = subprocess.Popen(
        [sys.executable, "-m", "idcard.cli", "serve", "--dev", "--port", str(handoff_port), "--reader", "emulator:demo"],
        stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)},
        start_new_session=True,
    )
    os.close(slave)
    screen = bytearray()

    def read_until(marker: bytes, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while marker not in screen and time.monotonic() < deadline:
            if select.select([master], [], [], 0.1)[0]:
                try:
                    screen.extend(os.read(master, 4096))
                except OSError:
                    return False
        return marker in screen

    answer: dict[str, httpx.Response | Exception] = {}

    def browser() -> None:
        url = f"http://127.0.0.1:{handoff_port}/authenticate"
        try:
            answer["response"] = httpx.get(url, params={"request": _request_url(portal)}, trust_env=False, timeout=30)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            answer["response"] = exc

    try:
        assert read_until(b"Ctrl-C stops it", 20), screen.decode(errors="replace")
        waiting = threading.Thread(target=browser)
        waiting.start()
        assert read_until(b"Allow? [y/N]", 20), screen.decode(errors="replace")
        interrupted = time.monotonic()
        proc.send_signal(signal.SIGINT)  # what Ctrl-C sends the foreground process
        waiting.join(10)
        proc.wait(10)
        stopped = time.monotonic() - interrupted
        read_until(b"\0", 0.3)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        os.close(master)
    text = screen.decode(errors="replace")
    response = answer.get("response")
    assert isinstance(response, httpx.Response), (response, text)
    assert response.status_code == 303, (response.status_code, response.text)
    assert response.headers["location"] == portal + "/idcard/return?error=user.refused"
    assert stopped < 4, f"took {stopped:.1f} s to stop"
    assert proc.returncode == 130
    assert "Traceback" not in text and "interrupted" in text


def test_port_in_use_is_a_message(handoff_port: int) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        out = subprocess.run([sys.executable, "-m", "idcard.cli", "serve", "--port", str(port)], capture_output=True,
                             text=True, timeout=30, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 3 and "Cannot listen" in out.stderr and "Traceback" not in out.stderr
