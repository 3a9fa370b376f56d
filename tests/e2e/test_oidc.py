"""The OpenID Connect provider (`python -m idcard.oidc`) end to end, with Authlib as the relying party.

* the provider runs as the process an operator starts, with a clients file;
* the login is the real hand-off: `idcard auth` (no browser) or headless
  Chromium + `idcard serve` with the emulated card behind pcscd (vpcd);
* the relying party is Authlib's OAuth2Session with PKCE, its ID token
  checked against the provider's JWKS and by Authlib's CodeIDToken.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.e2e.test_browser_login import (  # noqa: F401 - fixtures
    Process,
    _free_port,
    _idcard_auth,
    chromium,
    handoff,
    handoff_port,
)
from tests.oidc_support import RelyingParty, new_secret, rp_app, serve

NATIONAL_CODE = "0012345679"


@pytest.fixture(scope="module")
def rp_port() -> int:
    return _free_port()


def _clients(rp_port: int) -> dict[str, dict]:
    callback = f"http://127.0.0.1:{rp_port}/callback"
    return {
        "tax": {"client_id": "tax", "client_secret": new_secret(), "redirect_uris": [callback]},
        "health": {"client_id": "health", "client_secret": new_secret(), "redirect_uris": [callback]},
        "mobile": {"client_id": "mobile", "redirect_uris": [callback]},  # public: PKCE only
        "registry": {"client_id": "registry", "client_secret": new_secret(), "redirect_uris": [callback],
                     "national_code": True},
    }


def start_provider(tmp: Path, clients: dict[str, dict], handoff_port: int, *extra: str, name: str = "oidc") -> tuple[Process, str]:  # noqa: F811
    port = _free_port()
    (tmp / f"{name}-clients.json").write_text(json.dumps({"clients": list(clients.values())}))
    process = Process(
        name,
        ["idcard.oidc", "--dev", "--port", str(port), "--clients", str(tmp / f"{name}-clients.json"),
         "--handoff-url", f"http://127.0.0.1:{handoff_port}", *extra],
        tmp,
    )
    url = f"http://127.0.0.1:{port}"
    process.wait_http(url + "/.well-known/openid-configuration")
    return process, url


@pytest.fixture(scope="module")
def clients(rp_port: int) -> dict[str, dict]:
    return _clients(rp_port)


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory, clients: dict[str, dict], handoff_port: int) -> Iterator[str]:  # noqa: F811
    process, url = start_provider(tmp_path_factory.mktemp("oidc"), clients, handoff_port)
    try:
        yield url
    finally:
        process.stop()
        log = process.output()
        assert "123456" not in log and "Traceback" not in log, log


def rp(provider: str, clients: dict[str, dict], name: str, rp_port: int) -> RelyingParty:
    entry = clients[name]
    return RelyingParty(provider, entry["client_id"], entry["redirect_uris"][0], entry.get("client_secret"))


def card_login(authorize_url: str, *, reader: str = "emulator:demo") -> str:
    """A browser (httpx with cookies) + `idcard auth`: the relying party's callback URL with the code."""
    with httpx.Client(trust_env=False) as browser:
        page = browser.get(authorize_url)
        assert page.status_code == 200, page.text
        href = re.search(r'id="login-idcard" href="([^"]+)"', page.text)
        assert href, page.text
        request = parse_qs(urlsplit(href.group(1).replace("&amp;", "&")).query)["request"][0]
        result = _idcard_auth("--request", request, "--yes", "--pin-stdin", "--dev", "--reader", reader,
                              "--json", stdin="123456\n")
        assert result.returncode == 0, result.stdout + result.stderr
        finish = browser.get(json.loads(result.stdout)["redirect"])
        assert finish.status_code == 302, finish.text
        return finish.headers["location"]


# -- discovery ---------------------------------------------------------------------------
def test_discovery_document_validates(provider: str) -> None:
    from authlib.oidc.discovery import OpenIDProviderMetadata

    doc = httpx.get(provider + "/.well-known/openid-configuration", trust_env=False).json()
    metadata = OpenIDProviderMetadata(doc)
    metadata.validate()  # OIDC Discovery 1.0 §3: REQUIRED fields and their forms
    for required in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "response_types_supported",
                     "subject_types_supported", "id_token_signing_alg_values_supported"):
        assert doc[required], required
    assert doc["issuer"] == provider and doc["code_challenge_methods_supported"] == ["S256"]
    jwks = httpx.get(doc["jwks_uri"], trust_env=False).json()
    assert [k["kty"] for k in jwks["keys"]] == ["RSA"] and "d" not in jwks["keys"][0]

    broken = dict(doc)
    del broken["jwks_uri"]
    with pytest.raises(ValueError):
        OpenIDProviderMetadata(broken).validate()


# -- the whole login -------------------------------------------------------------------------
def test_login_gives_verified_id_token_and_userinfo(provider: str, clients: dict[str, dict], rp_port: int) -> None:
    tax = rp(provider, clients, "tax", rp_port)
    callback = card_login(tax.authorization_url())
    claims, info = tax.redeem(callback)
    assert claims["iss"] == provider and claims["aud"] == ["tax"]
    assert claims["amr"] == ["sc", "pin"] and claims["acr"] == "0"  # the TEST citizen CA asserts no level
    assert claims["given_name"] == "سارا" and claims["family_name"] == "رضایی"
    assert claims["birthdate"] and "national_code" not in claims
    # Pairwise: not the national code, stable per client, different across clients.
    assert claims["sub"] != NATIONAL_CODE and NATIONAL_CODE not in json.dumps(claims)
    assert info["sub"] == claims["sub"] and info["name"] == "سارا رضایی"

    health = rp(provider, clients, "health", rp_port)
    other, _ = health.redeem(card_login(health.authorization_url()))
    assert other["sub"] != claims["sub"]


def test_client_allowed_the_national_code_and_public_client(provider: str, clients: dict[str, dict], rp_port: int) -> None:
    registry = rp(provider, clients, "registry", rp_port)
    claims, info = registry.redeem(card_login(registry.authorization_url()))
    assert claims["sub"] == NATIONAL_CODE and info["national_code"] == NATIONAL_CODE
    mobile = rp(provider, clients, "mobile", rp_port)  # no secret: PKCE is the proof
    claims, _ = mobile.redeem(card_login(mobile.authorization_url()))
    assert claims["aud"] == ["mobile"]


# -- negative tests --------------------------------------------------------------------------
def test_wrong_redirect_uri_is_refused_without_redirecting(provider: str, clients: dict[str, dict], rp_port: int) -> None:
    tax = rp(provider, clients, "tax", rp_port)
    url = tax.authorization_url().replace(
        "redirect_uri=http%3A%2F%2F127.0.0.1", "redirect_uri=http%3A%2F%2Fattacker.example"
    )
    assert "attacker.example" in url
    answer = httpx.get(url, trust_env=False)
    assert answer.status_code == 400 and "location" not in answer.headers
    assert "redirect" in answer.text.lower()
    unknown = httpx.get(url.replace("client_id=tax", "client_id=nobody"), trust_env=False)
    assert unknown.status_code == 400 and "location" not in unknown.headers
    # Without PKCE the request goes back to the (valid) redirect URI with an error.
    no_pkce = re.sub(r"&code_challenge(_method)?=[^&]*", "", tax.authorization_url())
    answer = httpx.get(no_pkce, trust_env=False)
    assert answer.status_code == 302 and "error=invalid_request" in answer.headers["location"]


def _token_error(excinfo: pytest.ExceptionInfo) -> str:
    return str(excinfo.value)


def test_code_replay_wrong_audience_and_tampered_id_token(provider: str, clients: dict[str, dict], rp_port: int) -> None:
    from authlib.integrations.base_client.errors import OAuthError
    from joserfc.errors import BadSignatureError, InvalidClaimError

    tax = rp(provider, clients, "tax", rp_port)
    callback = card_login(tax.authorization_url())
    token = tax.exchange(callback)
    userinfo = provider + "/userinfo"
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    assert httpx.get(userinfo, headers=auth, trust_env=False).status_code == 200
    with pytest.raises(OAuthError) as excinfo:
        tax.exchange(callback)
    assert "invalid_grant" in _token_error(excinfo)
    assert httpx.get(userinfo, headers=auth, trust_env=False).status_code == 401

    # The ID token of that exchange, checked by relying parties.
    state = parse_qs(urlsplit(callback).query)["state"][0]
    nonce = tax.pending[state][1]
    assert tax.id_claims(token, nonce)["aud"] == ["tax"]
    with pytest.raises(InvalidClaimError):  # another client must not accept it: wrong audience
        tax.id_claims(token, nonce, client_id="health")
    with pytest.raises(InvalidClaimError):  # a token injected into another login: wrong nonce
        tax.id_claims(token, "another-nonce")
    # One claim changed (sub -> the national code): the signature no longer matches.
    header, payload, signature = token["id_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = NATIONAL_CODE
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(BadSignatureError):
        tax.id_claims({**token, "id_token": f"{header}.{forged}.{signature}"}, nonce)


def test_wrong_client_secret_then_pkce_mismatch_are_refused(provider: str, clients: dict[str, dict], rp_port: int) -> None:
    from authlib.integrations.base_client.errors import OAuthError

    tax = rp(provider, clients, "tax", rp_port)
    callback = card_login(tax.authorization_url())
    code = parse_qs(urlsplit(callback).query)["code"][0]
    answer = httpx.post(provider + "/token", trust_env=False, auth=("tax", "wrong"), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": tax.redirect_uri,
        "code_verifier": next(iter(tax.pending.values()))[0]})
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"
    # The right client with the wrong PKCE verifier (the code was not spent by a stranger).
    with pytest.raises(OAuthError) as excinfo:
        tax.exchange(callback, verifier="x" * 50)
    assert "invalid_grant" in _token_error(excinfo)
    with pytest.raises(OAuthError):  # and the code is spent by the failed attempt
        tax.exchange(callback)


def test_expired_code_is_refused(tmp_path: Path, clients: dict[str, dict], handoff_port: int, rp_port: int) -> None:  # noqa: F811
    from authlib.integrations.base_client.errors import OAuthError

    process, url = start_provider(tmp_path, clients, handoff_port, "--code-ttl", "1", name="oidc-short")
    try:
        tax = rp(url, clients, "tax", rp_port)
        callback = card_login(tax.authorization_url())
        time.sleep(2.2)
        with pytest.raises(OAuthError) as excinfo:
            tax.exchange(callback)
        assert "invalid_grant" in _token_error(excinfo)
    finally:
        process.stop()


def test_finish_in_another_browser_is_refused(provider: str, clients: dict[str, dict], rp_port: int) -> None:
    tax = rp(provider, clients, "tax", rp_port)
    with httpx.Client(trust_env=False) as victim:
        page = victim.get(tax.authorization_url())
        href = re.search(r'id="login-idcard" href="([^"]+)"', page.text)
        request = parse_qs(urlsplit(href.group(1).replace("&amp;", "&")).query)["request"][0]
    result = _idcard_auth("--request", request, "--yes", "--pin-stdin", "--dev", "--reader", "emulator:demo",
                          "--json", stdin="123456\n")
    with httpx.Client(trust_env=False) as attacker:  # no login cookie
        answer = attacker.get(json.loads(result.stdout)["redirect"])
    assert answer.status_code == 400 and "login.other_browser" in answer.text


# -- headless Chromium, card behind pcscd ------------------------------------------------------
@pytest.mark.pcsc
@pytest.mark.parametrize("mock_card_reader", ["vpcd"], indirect=True)
def test_browser_login_to_relying_party(chromium, mock_card_reader, provider: str, clients: dict[str, dict],  # noqa: ANN001, F811
                                        handoff, rp_port: int) -> None:  # noqa: ANN001, F811
    from playwright.sync_api import expect

    handoff(mock_card_reader.name, "123456")
    tax = rp(provider, clients, "tax", rp_port)
    with serve(rp_app(tax), rp_port) as site:
        page = chromium
        page.goto(site + "/login")
        page.wait_for_url(re.compile(re.escape(provider) + r"/authorize\?"))
        page.locator("#login-idcard").click()
        page.wait_for_url(re.compile(re.escape(site) + r"/callback\?"))
        expect(page.locator("h1")).to_have_text("Welcome")
        expect(page.locator("#name")).to_have_text("سارا رضایی")
        expect(page.locator("#claim-amr")).to_have_text("['sc', 'pin']")
        expect(page.locator("#claim-iss")).to_have_text(provider)
        assert page.locator("#claim-sub").inner_text() != NATIONAL_CODE
    assert mock_card_reader.name.startswith("pcsc:")
