"""Portal-side cost: token verifications per second on one core.

With and without chip evidence, with the certificate-signature cache warm and
off, beside the bare signature checks the verification is built from —
all measured in the same run, so the ratios hold on any machine.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from cryptography.hazmat.primitives.serialization import Encoding

from idcard.assertion import build_token
from idcard.assertion.messages import signed_message
from idcard.pki import trust as trust_module
from idcard.pki.keys import SignatureAlgorithm, load_public_key
from idcard.pki.trust import CertificateInfo, TrustStore
from idcard.portal import TokenVerifier
from idcard.session import PIN, IdCard
from mock_card.pytest_plugin import make_card
from mock_card.testpki import test_pki
from reader.emulated import EmulatedTransport

ORIGIN = "https://portal.example"
NONCE = "bench-nonce-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


def _rate(fn: Callable[[], object], seconds: float = 1.0) -> tuple[float, float]:
    fn()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        fn()
        n += 1
    per = (time.perf_counter() - t0) / n
    return per * 1000, 1 / per


def token_table(seconds: float = 1.0) -> None:
    pki = test_pki()
    cas = TrustStore([pki.citizen_ca_cert.public_bytes(Encoding.DER)])
    csca = TrustStore([pki.csca_cert.public_bytes(Encoding.DER)])
    with IdCard(EmulatedTransport(make_card())) as card:
        card.unlock(PIN, "123456")
        with_evidence = json.dumps(build_token(card, ORIGIN, NONCE))
        plain = json.dumps(build_token(card, ORIGIN, NONCE, evidence=False))
        auth_cert = card.read_auth_certificate()

    def verifier(evidence: bool) -> Callable[[], object]:
        v = TokenVerifier(cas, csca=csca, require_evidence=evidence)
        token = with_evidence if evidence else plain
        return lambda: v.verify(token, origin=ORIGIN, nonce=NONCE, requested_attributes=["name"])

    cert = CertificateInfo.from_der(auth_cert)
    ca = CertificateInfo.from_der(pki.citizen_ca_cert.public_bytes(Encoding.DER))
    key = load_public_key(cert.spki_der)
    token = json.loads(plain)
    import base64

    signature = base64.b64decode(token["signature"])
    message = signed_message(ORIGIN, NONCE, "sha384")
    es384 = SignatureAlgorithm.ecdsa("sha384", signature_format="plain")

    rows: list[tuple[str, float, float]] = []
    rows.append(("bare ES384 check of the token signature", *_rate(lambda: key.verify(signature, message, es384), seconds)))
    trust_module.SIGNATURE_CACHE_SIZE = 0
    trust_module.clear_signature_cache()
    rows.append(("bare check of the citizen CA's certificate signature", *_rate(lambda: cert.verify_issued_by(ca), seconds)))
    rows.append(("token, no evidence, chain not cached", *_rate(verifier(False), seconds)))
    rows.append(("token + chip evidence, chain not cached", *_rate(verifier(True), seconds)))
    trust_module.SIGNATURE_CACHE_SIZE = 4096
    rows.append(("token, no evidence, chain cached", *_rate(verifier(False), seconds)))
    rows.append(("token + chip evidence, chain cached", *_rate(verifier(True), seconds)))

    base = rows[0][1]
    print(f"{'token verification (one core)':56} {'ms/op':>8} {'ops/s':>8} {'vs bare sig':>11}")
    print("-" * 86)
    for name, ms, per_s in rows:
        print(f"{name:56} {ms:8.2f} {per_s:8.0f} {ms / base:10.1f}x")


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
