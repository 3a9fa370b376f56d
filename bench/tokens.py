"""The whole browser hand-off with the demo portal, per card transport.

Token verification on its own is `bench.verifier` (beside its bare-crypto
limit); this is the login as the citizen waits for it.
"""

from __future__ import annotations

import time

from mock_card.pytest_plugin import make_card


def handoff_table(repeat: int = 3) -> None:
    """The whole hand-off (fetch request, PACE-PIN, token with evidence, submit, verify)."""
    from urllib.parse import parse_qs, urlsplit

    from starlette.testclient import TestClient

    from idcard.handoff import AutoPrompt, HandoffWorkflow, PortalClient, UrlPolicy
    from mock_card.demo_portal import create_app
    from mock_card.testing.readers import TransportUnavailable, serve_card

    demo_url = "http://127.0.0.1:8000"
    app = create_app(public_url=demo_url, handoff_url="http://127.0.0.1:24727")
    prompt = AutoPrompt({"IDCARD_TEST_PIN": "123456"})
    print(f"{'browser hand-off with the demo portal (in process)':56} {'ms/login':>9}")
    print("-" * 66)
    for transport in ("inprocess", "vpcd", "nfc-udp"):
        try:
            with serve_card(make_card(), transport) as reader:
                times = []
                for _ in range(repeat + 1):
                    browser = TestClient(app, base_url=demo_url, follow_redirects=False)
                    page = browser.get("/")
                    link = page.text.split('id="login-idcard" href="')[1].split('"')[0].replace("&amp;", "&")
                    request_url = parse_qs(urlsplit(link).query)["request"][0]
                    client = PortalClient(UrlPolicy(dev=True), client=TestClient(app, base_url=demo_url, follow_redirects=False))
                    workflow = HandoffWorkflow(prompt, reader=reader, client=client)
                    t0 = time.perf_counter()
                    outcome = workflow.run(request_url)
                    times.append((time.perf_counter() - t0) * 1000)
                    assert outcome.ok, outcome
        except TransportUnavailable as exc:
            print(f"skipped {transport}: {exc}")
            continue
        times = sorted(times[1:])
        print(f"{'login, card ' + transport:56} {times[len(times) // 2]:9.1f}")
