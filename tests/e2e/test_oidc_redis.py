"""Two provider workers behind one real redis-server: codes, logins and nonces are shared.

The login starts on worker A and finishes on worker B; the code B issued is
redeemed at A; a replay at B is refused; and two simultaneous redemptions of
one code at A and B give exactly one token.
"""

from __future__ import annotations

import json
import secrets
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.e2e.test_browser_login import _free_port, _idcard_auth
from tests.e2e.test_nonce_redis import redis_url  # noqa: F401 - fixture
from tests.e2e.test_oidc import _clients, start_provider
from tests.oidc_support import RelyingParty


def test_two_workers_share_codes_and_refuse_replays(tmp_path: Path, redis_url: str) -> None:  # noqa: F811
    import re

    from authlib.integrations.base_client.errors import OAuthError

    rp_port = _free_port()
    clients = _clients(rp_port)
    (tmp_path / "pairwise.key").write_bytes(secrets.token_bytes(32))
    shared = ["--store", redis_url, "--nonce-store", redis_url, "--key", str(tmp_path / "key.pem"),
              "--pairwise-secret-file", str(tmp_path / "pairwise.key")]
    worker_a, url_a = start_provider(tmp_path, clients, _free_port(), *shared, name="worker-a")
    worker_b = None
    try:
        # B serves the same issuer (A's URL, as behind one load balancer) with A's key.
        worker_b, url_b = start_provider(tmp_path, clients, _free_port(), *shared, "--issuer", url_a, name="worker-b")
        jwks_a = httpx.get(url_a + "/jwks.json", trust_env=False).json()
        assert httpx.get(url_b + "/jwks.json", trust_env=False).json() == jwks_a

        entry = clients["tax"]
        tax = RelyingParty(url_a, "tax", entry["redirect_uris"][0], entry["client_secret"])

        def login_finishing_on_b() -> str:
            with httpx.Client(trust_env=False) as browser:
                page = browser.get(tax.authorization_url())  # worker A
                href = re.search(r'id="login-idcard" href="([^"]+)"', page.text)
                request = parse_qs(urlsplit(href.group(1).replace("&amp;", "&")).query)["request"][0]
                result = _idcard_auth("--request", request, "--yes", "--pin-stdin", "--dev", "--reader",
                                      "emulator:demo", "--json", stdin="123456\n")
                assert result.returncode == 0, result.stdout + result.stderr
                finish = json.loads(result.stdout)["redirect"].replace(url_a, url_b)  # worker B
                answer = browser.get(finish)
                assert answer.status_code == 302, answer.text
                return answer.headers["location"]

        callback = login_finishing_on_b()
        token = tax.exchange(callback)  # redeemed at A, issued by B
        state = parse_qs(urlsplit(callback).query)["state"][0]
        claims = tax.id_claims(token, tax.pending[state][1])
        assert claims["iss"] == url_a and claims["amr"] == ["sc", "pin"]
        with pytest.raises(OAuthError) as replay:
            tax.exchange(callback, endpoint=url_b + "/token")
        assert "invalid_grant" in str(replay.value)

        # Simultaneous redemption of one code at both workers: exactly one token.
        callback = login_finishing_on_b()
        outcomes: list[str] = []

        def redeem(endpoint: str) -> None:
            try:
                tax.exchange(callback, endpoint=endpoint)
                outcomes.append("token")
            except OAuthError as exc:
                outcomes.append(exc.error)

        threads = [threading.Thread(target=redeem, args=(u + "/token",)) for u in (url_a, url_b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(outcomes) == ["invalid_grant", "token"], outcomes
    finally:
        worker_a.stop()
        if worker_b is not None:
            worker_b.stop()
