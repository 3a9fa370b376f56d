"""A login token from an emulated Mav4 card through the registry service verifies in the portal.

Without the service, the hand-off refuses the card with a typed error that says why.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from idcard.cards.base import NEEDS_REGISTRY, UnsupportedOperationError
from idcard.cards.dispatch import nid_driver
from idcard.cards.keyservice_http import HttpCardKeyService
from idcard.cards.login import LOGIN_NOT_POSSIBLE, login_token, refuse_without_service
from idcard.cards.mav import Mav4Driver
from idcard.errors import AuthenticationError
from idcard.pki.trust import TrustStore
from idcard.portal.verifier import TokenVerifier
from mock_card.profiles.cardfile import make_profile_card
from mock_card.registry_service import RegistryService
from reader.emulated import EmulatedTransport

ORIGIN = "https://portal.example"
NONCE = base64.b64encode(bytes(range(32))).decode("ascii")


@pytest.fixture
def registry(mock_registry: RegistryService) -> RegistryService:
    return mock_registry


@pytest.fixture
def trusted(iran_test_anchors: Path) -> TrustStore:
    store = TrustStore()
    store.load_path(iran_test_anchors)
    return store


def _token(card: object, url: str | None) -> dict[str, object]:
    driver = Mav4Driver(EmulatedTransport(card))  # type: ignore[arg-type]
    return login_token(driver, HttpCardKeyService(url) if url else None, "5679", ORIGIN, NONCE)


def test_token_through_the_service_verifies(registry: RegistryService, trusted: TrustStore) -> None:
    token = _token(make_profile_card("mav4", citizen_ca="gold"), registry.url)
    assert token["algorithm"] == "RS256"
    identity = TokenVerifier(trusted, require_evidence=False, min_assurance=3).verify(
        json.dumps(token), origin=ORIGIN, nonce=NONCE
    )
    assert "9876543210 - AUTH" in str(identity.certificate_subject)


def test_token_for_another_nonce_fails(registry: RegistryService, trusted: TrustStore) -> None:
    from idcard.portal.errors import TokenError

    token = _token(make_profile_card("mav4"), registry.url)
    with pytest.raises(TokenError):
        other = base64.b64encode(bytes(range(1, 33))).decode("ascii")
        TokenVerifier(trusted, require_evidence=False).verify(json.dumps(token), origin=ORIGIN, nonce=other)


def test_clone_cannot_log_in(registry: RegistryService) -> None:
    with pytest.raises(AuthenticationError) as caught:
        _token(make_profile_card("mav4", variant="clone"), registry.url)
    assert caught.value.code == "chip.not_genuine"


def test_without_the_service_login_is_refused_with_its_reason() -> None:
    with pytest.raises(UnsupportedOperationError) as caught:
        _token(make_profile_card("mav4"), None)
    assert caught.value.code == "card.unsupported_operation"
    with pytest.raises(UnsupportedOperationError) as refused:
        refuse_without_service(nid_driver(EmulatedTransport(make_profile_card("pardis"))))
    assert refused.value.reason == LOGIN_NOT_POSSIBLE and refused.value.family == "pardis"



def test_a_pardis_card_cannot_log_in_even_with_the_service(registry: RegistryService) -> None:
    """Only Mav4's login flow is public: `idcard token` refuses a Pardis card before the PIN."""
    from tests.e2e.test_cli import idcard

    args = ("token", "--reader", "emulator:pardis", "--origin", ORIGIN, "--nonce", NONCE, "--pin-stdin")
    refused = idcard(*args, "--key-service", registry.url, "--json")  # no PIN on stdin: never asked
    assert refused.returncode == 3
    error = json.loads(refused.stdout)["error"]
    assert error["code"] == "card.unsupported_operation" and error["reason"] == NEEDS_REGISTRY


def test_min_assurance_refuses_a_card_without_a_level(registry: RegistryService, trusted: TrustStore) -> None:
    from idcard.portal.errors import TokenError

    token = _token(make_profile_card("mav4"), registry.url)  # Root CA1 citizen CA: no level
    with pytest.raises(TokenError) as caught:
        TokenVerifier(trusted, require_evidence=False, min_assurance=3).verify(
            json.dumps(token), origin=ORIGIN, nonce=NONCE
        )
    assert caught.value.code == "cert.assurance_unknown"


def test_handoff_tells_why_a_real_card_cannot_log_in() -> None:
    from idcard.handoff import AutoPrompt
    from reader.emulated import register_card, unregister_card
    from tests.unit.test_handoff import DemoLogin

    demo = DemoLogin()
    request_url = demo.start()
    name = register_card(make_profile_card("mav4"))
    try:
        outcome = demo.workflow(AutoPrompt({"IDCARD_TEST_PIN": "5679"}), reader=name).run(request_url)
    finally:
        unregister_card(name)
    assert not outcome.ok and outcome.code == "card.unsupported_operation"
    assert "registry's card-authentication service" in outcome.message
    assert outcome.location is not None and "card.unsupported_operation" in outcome.location


def test_handoff_logs_in_with_a_real_card_through_the_service(
    registry: RegistryService, trusted: TrustStore, tmp_path: Path
) -> None:
    """The whole hand-off with an emulated Mav4 card: the portal gets a token signed by the
    card's authentication key after card authentication; a wrong PIN is asked again."""
    from idcard.handoff import HandoffWorkflow
    from idcard.handoff.request import PortalClient, UrlPolicy
    from idcard.portal import Portal
    from idcard.portal.nonces import SqliteNonceStore
    from mock_card.demo_portal import create_app
    from reader.emulated import register_card, unregister_card
    from tests.unit.test_handoff import DEMO, LOCAL, DemoLogin

    class Pins:
        """The citizen types a wrong PIN first, then the right one."""

        def __init__(self) -> None:
            self.asked: list[int | None] = []

        def consent(self, origin: str, attributes: list[str]) -> bool:
            return True

        def pin(self, origin: str, tries_left: int | None) -> str:
            self.asked.append(tries_left)
            return "0000" if len(self.asked) == 1 else "5679"

        def progress(self, step: str, percent: int) -> None:
            pass

        def done(self, origin: str | None, ok: bool, message: str) -> None:
            pass

    demo = DemoLogin()
    # A portal for real cards: their proof is the card's key (no ICAO chip evidence exists).
    verifier = TokenVerifier(trusted, require_evidence=False, allow_http_loopback=True)
    portal = Portal(verifier, SqliteNonceStore(str(tmp_path / "nonces.db")), base_url=DEMO, require_evidence=False)
    demo.app = create_app(portal=portal, public_url=DEMO, handoff_url=LOCAL)
    demo.browser = type(demo.browser)(demo.app, base_url=DEMO, follow_redirects=False)
    request_url = demo.start()
    prompt = Pins()
    name = register_card(make_profile_card("mav4", citizen_ca="gold"))
    try:
        client = PortalClient(UrlPolicy(dev=True), client=type(demo.browser)(demo.app, base_url=DEMO, follow_redirects=False))
        workflow = HandoffWorkflow(prompt, reader=name, client=client, key_service=HttpCardKeyService(registry.url))
        outcome = workflow.run(request_url)
    finally:
        unregister_card(name)
    assert outcome.ok, outcome
    assert prompt.asked == [None, 2]  # the second ask says how many tries are left
    welcome = demo.browser.get(outcome.location)
    assert welcome.status_code == 303 and welcome.headers["location"] == f"{DEMO}/welcome"
    page = demo.browser.get("/welcome").text
    # The holder's name comes from the card's certificate; the TEST PKI is marked as such.
    assert 'id="name-latin">SARA REZAEI<' in page and 'id="test-certificates"' in page


def test_idcard_token_with_a_real_card(registry: RegistryService, iran_test_anchors: Path, tmp_path: Path) -> None:
    from tests.e2e.test_cli import idcard

    args = ("token", "--reader", "emulator:mav4", "--origin", ORIGIN, "--nonce", NONCE, "--pin-stdin")
    refused = idcard(*args, "--json", stdin="5679\n")
    assert refused.returncode == 3 and json.loads(refused.stdout)["error"]["reason"] == LOGIN_NOT_POSSIBLE
    made = idcard(*args, "--key-service", registry.url, stdin="5679\n")
    assert made.returncode == 0, made.stderr
    token = tmp_path / "token.json"
    token.write_text(made.stdout)
    checked = idcard("verify-token", "--token", str(token), "--origin", ORIGIN, "--nonce", NONCE,
                     "--trust", str(iran_test_anchors), "--json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # Another card's token for the same nonce does not pass for this one's (tampered signature).
    body = json.loads(made.stdout)
    body["signature"] = body["signature"][:-8] + ("AAAAAAAA" if not body["signature"].endswith("AAAAAAAA") else "BBBBBBBB")
    token.write_text(json.dumps(body))
    tampered = idcard("verify-token", "--token", str(token), "--origin", ORIGIN, "--nonce", NONCE,
                      "--trust", str(iran_test_anchors), "--json")
    assert tampered.returncode != 0
