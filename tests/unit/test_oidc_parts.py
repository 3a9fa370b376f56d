"""idcard.oidc building blocks: the shared state store, client configuration, claims."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import pytest

from idcard.errors import UsageError
from idcard.lds.identity import Name
from idcard.oidc.claims import identity_claims, pairwise_subject
from idcard.oidc.clients import load_clients
from idcard.oidc.store import SqliteStore
from idcard.portal.verifier import VerifiedIdentity
from idcard.verdict import Verdict


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_sqlite_take_is_once_and_expires(tmp_path: Path) -> None:
    clock = Clock()
    store = SqliteStore(str(tmp_path / "s.db"), clock=clock)
    store.put("code", "abc", {"x": 1}, 60)
    assert store.get("code", "abc") == {"x": 1}
    assert store.get("login", "abc") is None  # kinds are separate
    assert store.take("code", "abc") == {"x": 1}
    assert store.take("code", "abc") is None
    store.put("code", "late", {"x": 2}, 60)
    clock.now += 61
    assert store.get("code", "late") is None and store.take("code", "late") is None


def test_sqlite_take_races_give_one_winner(tmp_path: Path) -> None:
    path = str(tmp_path / "s.db")
    SqliteStore(path).put("code", "c", {"v": 1}, 60)
    results: list[object] = []
    barrier = threading.Barrier(8)

    def take() -> None:
        store = SqliteStore(path)  # its own connection, as another worker
        barrier.wait()
        results.append(store.take("code", "c"))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count({"v": 1}) == 1 and results.count(None) == 7


def test_clients_file_is_checked(tmp_path: Path) -> None:
    good = tmp_path / "c.json"
    good.write_text(json.dumps({"clients": [{"client_id": "a", "redirect_uris": ["https://a.example/cb"]}]}))
    client = load_clients(good)["a"]
    assert client.auth_methods == ("none",)
    assert client.check_redirect_uri("https://a.example/cb")
    assert not client.check_redirect_uri("https://a.example/cb/")  # exact match only
    assert not client.check_client_secret("anything")
    bad_entries = [
        [{"client_id": "a"}],
        [{"client_id": "a", "redirect_uris": "https://a.example/cb"}],
        [{"client_id": "a", "redirect_uris": ["http://a.example/cb"]}],  # plain http off loopback
        [{"client_id": "a", "redirect_uris": ["https://a.example/cb#x"]}],
        [{"client_id": "a", "redirect_uris": ["https://a/cb"]}, {"client_id": "a", "redirect_uris": ["https://a/cb"]}],
    ]
    for entries in bad_entries:
        with pytest.raises(UsageError):
            load_clients(entries)
    with pytest.raises(UsageError):
        load_clients(tmp_path / "missing.json")


def _identity() -> VerifiedIdentity:
    return VerifiedIdentity(
        national_code="0012345679", family_name=Name("رضایی", "REZAEI"), given_name=Name("سارا", "SARA"),
        birth_date=dt.date(1990, 3, 21), personal_code="PNOIR-0012345679", country="IR",
        certificate_subject="", certificate_issuer="", algorithm="ES384", evidence=True, verdict=Verdict(),
    )


def test_claims_pairwise_unless_allowed() -> None:
    secret = b"k" * 32
    (a, b, reg) = load_clients([
        {"client_id": "a", "redirect_uris": ["https://a/cb"]},
        {"client_id": "b", "redirect_uris": ["https://b/cb"]},
        {"client_id": "r", "redirect_uris": ["https://r/cb"], "national_code": True},
    ]).values()
    ca, cb, cr = (identity_claims(_identity(), c, secret, level) for c, level in ((a, 3), (b, None), (reg, 4)))
    assert ca["sub"] != cb["sub"] and "0012345679" not in json.dumps(ca, ensure_ascii=False)
    assert ca["sub"] == pairwise_subject(secret, a, "0012345679")
    assert pairwise_subject(b"other" * 8, a, "0012345679") != ca["sub"]
    assert cr["sub"] == cr["national_code"] == "0012345679"
    assert (ca["acr"], cb["acr"], cr["acr"]) == ("3", "0", "4")
    assert ca["name"] == "سارا رضایی" and ca["birthdate"] == "1990-03-21" and ca["amr"] == ["sc", "pin"]


def test_provider_reads_assurance_levels_of_its_trusted_cas(tmp_path: Path) -> None:
    """`acr` comes from the level policy of the CA that issued the citizen's certificate."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from idcard.oidc.__main__ import _verifier
    from mock_card.testpki import test_pki
    from tests.pdf_support import issue

    root = issue("TEST ROOT", ca=True)
    gold = issue("IRAN Digital Citizen CA TEST", root, ca=True, policy="2.16.364.101.1.1.3")
    plain = issue("OTHER CITIZEN CA TEST", root, ca=True)
    (tmp_path / "csca.pem").write_bytes(test_pki().csca_cert.public_bytes(Encoding.PEM))
    gold.write_pem(tmp_path / "gold-ca.pem")
    plain.write_pem(tmp_path / "plain-ca.pem")
    _, levels = _verifier(str(tmp_path), dev=False)
    assert list(levels.values()) == [3]
    assert "IRAN Digital Citizen CA TEST" in next(iter(levels))
