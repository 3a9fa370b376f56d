"""Issue 12's done-when as processes: `mock-card create --profile mav4`, `mock-card serve` behind
pcscd (vpcd), `mock-card registry`, `mock-card pki`, then `idcard read ... --json`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.test_cli import ROOT, idcard, mock_card


def _reader_with_card(env: dict[str, str], server: subprocess.Popen[str]) -> str:
    # Generous: on a loaded machine the card process first builds its TEST PKI.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"mock-card serve ended: {server.stderr.read() if server.stderr else ''}")
        listing = idcard("readers", "--json", env=env)
        assert listing.returncode == 0, listing.stderr
        for r in json.loads(listing.stdout)["readers"]:
            if r["kind"] == "pcsc" and "Virtual PCD" in r["name"] and r["cardPresent"] and r.get("card"):
                return str(r["name"])
        time.sleep(0.3)
    raise AssertionError("the vpcd reader with the emulated Mav4 card never showed up")


@pytest.mark.pcsc
def test_idcard_read_mav4_behind_pcscd(pcscd_service, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **pcscd_service.env}
    card_file = tmp_path / "mav4.json"
    made = mock_card("create", "--profile", "mav4", "--citizen-ca", "gold", "--out", str(card_file))
    assert made.returncode == 0, made.stderr
    assert mock_card("pki", "--out", str(tmp_path / "pki")).returncode == 0
    trust = tmp_path / "pki" / "iran-test"
    server = subprocess.Popen(
        [sys.executable, "-m", "mock_card.cli", "serve", str(card_file), "--vpcd", f"127.0.0.1:{pcscd_service.vpcd_port}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    registry = subprocess.Popen(
        [sys.executable, "-m", "mock_card.cli", "registry"], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert registry.stdout is not None
        url = re.search(r"http://127\.0\.0\.1:\d+", registry.stdout.readline())
        assert url, "the registry service did not print its URL"
        reader = _reader_with_card(pcscd_service.env, server)
        plain = idcard("read", "--reader", reader, "--pin-stdin", "--trust", str(trust), "--json",
                       stdin="5679\n", env=pcscd_service.env)
        body = json.loads(plain.stdout)
        assert body["card"]["family"] == "mav4" and body["card"]["crn"] == "9876543210"
        assert body["certificate"]["givenName"] == "SARA" and body["assuranceLevel"] == 3
        assert body["pin"]["triesLeft"] == 3
        assert body["chip"]["genuine"] == "not_performed" and plain.returncode == 1
        keyed = idcard("read", "--reader", reader, "--pin-stdin", "--trust", str(trust), "--json",
                       "--key-service", url.group(0), stdin="5679\n", env=pcscd_service.env)
        assert keyed.returncode == 0, keyed.stdout + keyed.stderr
        body = json.loads(keyed.stdout)
        assert body["chip"]["genuine"] == "passed" and body["personalData"]["nationalCode"] == "0012345679"
    finally:
        for process in (server, registry):
            process.terminate()
            process.wait(10)
