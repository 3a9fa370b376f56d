"""Iran's governmental PKI (issue 12): shipped roots, `idcard trust` with assurance levels,
`Portal(min_assurance=…)` and `idcard verify-token --min-assurance` against the TEST
look-alike hierarchy from `mock-card pki`."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from idcard.assertion import SoftwareSigner, build_token_with_signer
from idcard.pki.builtin import builtin_trust
from idcard.pki.trust import CITIZEN_CA, TrustStore
from idcard.pki.validate import validate_certificate
from idcard.portal import Portal, SqliteNonceStore, TokenError, TokenVerifier
from idcard.verdict import Result
from mock_card.testpki import IssuedCertificate, iran_test_pki, issue_citizen_certificate
from tests.vectors import VECTORS

ROOT = Path(__file__).resolve().parents[2]
REAL = VECTORS / "iran-pki"
ORIGIN = "https://portal.example"
NONCE = base64.b64encode(b"an unguessable nonce of 32 bytes").decode()


def run(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("IDCARD_TRUST", None)
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True, text=True, env=env, timeout=120, cwd=ROOT, check=False,
    )


def test_shipped_roots_are_the_published_ones() -> None:
    found = builtin_trust("iran-gov")
    assert found is not None
    folder, role = found
    assert role == CITIZEN_CA
    shipped = sorted(p.name for p in folder.glob("*.pem"))
    assert shipped == ["IRANRootCA1.pem", "IslamicRepublicofIranRootCA-G3.pem"]
    for name in shipped:
        assert (folder / name).read_bytes() == (REAL / name).read_bytes(), name
    assert builtin_trust("no-such-set") is None


def test_idcard_trust_lists_the_real_hierarchy_with_levels() -> None:
    result = run("idcard.cli", "trust", str(REAL), "--json")
    assert result.returncode == 0, result.stderr
    listing = {
        (c["subject"], c["notAfter"][:4]): c for c in json.loads(result.stdout)["certificates"]
    }
    for level, name in {1: "Bronze", 2: "Silver", 3: "Gold", 4: "Platinum"}.items():
        subject = (
            "C=IR, O=Governmental, OU=Ministry of Industry Mine and Trade, OU=Iran Center for "
            f"e-Commerce Development, OU=General Intermediate CA, CN=General Governmental "
            f"Intermediate {name} CA-G3"
        )
        current, first = listing[(subject, "2027")], listing[(subject, "2024")]
        assert current["result"] == "passed" and current["assuranceLevel"] == level
        assert "Root CA-G3" in current["reason"]
        # The 2019 issue: same key, same root, expired 2024-05-07.
        assert first["result"] == "failed" and "expired on 2024-05-07" in first["reason"]
        assert first["assuranceLevel"] == level
    roots = [c for c in listing.values() if c["selfSigned"]]
    assert {c["subject"].rsplit("CN=", 1)[1] for c in roots} == {
        "Islamic Republic of Iran Root CA-G3", "IRAN Root CA1", "Islamic Republic of IRAN Root CA",
    }


def test_idcard_trust_names_the_shipped_set() -> None:
    result = run("idcard.cli", "trust", "iran-gov", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["anchors"] == 2 and data["roles"] == {"citizen-ca": 2}
    bad = run("idcard.cli", "trust", "iran-nonsense")
    assert bad.returncode == 2 and "iran-gov" in bad.stderr


def test_a_test_lookalike_certificate_is_untrusted_under_the_real_roots() -> None:
    folder, role = builtin_trust("iran-gov")  # type: ignore[misc]
    real = TrustStore(role=role)
    real.load_path(folder)
    pki = iran_test_pki(1)
    for level, ca in pki.levels.items():
        result = validate_certificate(ca.der, trust=real, usage="ca")
        assert result.result is Result.UNTRUSTED, level


# --- min_assurance in the portal and the CLI ------------------------------------------------


def _token(issued: IssuedCertificate) -> str:
    assert issued.key is not None
    return json.dumps(build_token_with_signer(SoftwareSigner(issued.key, issued.der), ORIGIN, NONCE))


def _test_store() -> TrustStore:
    pki = iran_test_pki(1)
    return TrustStore([pki.g3_root.der, pki.root_ca1.der], role=CITIZEN_CA)


def _portal(min_assurance: int | None) -> Portal:
    pki = iran_test_pki(1)
    verifier = TokenVerifier(
        _test_store(),
        require_evidence=False,
        intermediates=[pki.gold_citizen_ca.der, pki.levels[3].der, pki.citizen_ca.der],
    )
    return Portal(
        verifier, SqliteNonceStore(), base_url=ORIGIN, min_assurance=min_assurance, require_evidence=False
    )


def _login(portal: Portal, issued: IssuedCertificate) -> object:
    request = portal.begin("s", [])
    assert issued.key is not None
    token = build_token_with_signer(
        SoftwareSigner(issued.key, issued.der), ORIGIN, str(request["nonce"])
    )
    return portal.complete("s", json.dumps(token), ORIGIN)


def _refused(code: str, portal: Portal, issued: IssuedCertificate) -> None:
    with pytest.raises(TokenError) as info:
        _login(portal, issued)
    assert info.value.code == code, info.value.message


def test_portal_min_assurance() -> None:
    pki = iran_test_pki(1)
    gold = issue_citizen_certificate(pki, given="Sara", surname="Rezaei", number="0012345679", usage="auth", ca=pki.gold_citizen_ca)
    plain = issue_citizen_certificate(pki, given="Sara", surname="Rezaei", number="0012345679", usage="auth")
    assert _login(_portal(3), gold) is not None
    assert _login(_portal(None), plain) is not None
    _refused("cert.assurance_too_low", _portal(4), gold)
    _refused("cert.assurance_unknown", _portal(1), plain)
    fake = iran_test_pki(1, lookalike=True)
    forged = issue_citizen_certificate(fake, given="Sara", surname="Rezaei", number="0012345679", usage="auth", ca=fake.gold_citizen_ca)
    _refused("cert.untrusted", _portal(None), forged)
    expired = issue_citizen_certificate(
        pki, given="Sara", surname="Rezaei", number="1", usage="auth", ca=pki.gold_citizen_ca,
        not_before=dt.datetime(2025, 1, 1, tzinfo=dt.UTC), not_after=dt.datetime(2025, 6, 1, tzinfo=dt.UTC),
    )
    _refused("cert.expired", _portal(None), expired)


def test_verify_token_min_assurance(tmp_path: Path) -> None:
    anchors = tmp_path / "anchors"
    assert run("mock_card.cli", "pki", "--out", str(anchors)).returncode == 0
    pki = iran_test_pki(1)
    token = tmp_path / "gold.json"
    token.write_text(_token(issue_citizen_certificate(pki, given="Sara", surname="Rezaei", number="7", usage="auth", ca=pki.gold_citizen_ca)))
    base = ["verify-token", "--token", str(token), "--origin", ORIGIN, "--nonce", NONCE,
            "--trust", str(anchors / "iran-test"), "--json"]
    ok = run("idcard.cli", *base, "--min-assurance", "3")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    checks = {c["code"]: c for c in json.loads(ok.stdout)["verdict"]["checks"]}
    assert checks["cert.assurance"]["details"]["level"] == 3
    low = run("idcard.cli", *base, "--min-assurance", "4")
    assert low.returncode == 1
    assert json.loads(low.stdout)["error"]["code"] == "cert.assurance_too_low"
    bad = run("idcard.cli", *base, "--min-assurance", "5")
    assert bad.returncode == 2


def test_portal_allowed_policies() -> None:
    pki = iran_test_pki(1)
    gold = issue_citizen_certificate(pki, given="S", surname="R", number="2", usage="auth", ca=pki.gold_citizen_ca)
    plain = issue_citizen_certificate(pki, given="S", surname="R", number="2", usage="auth")
    verifier = TokenVerifier(
        _test_store(),
        require_evidence=False,
        intermediates=[pki.gold_citizen_ca.der, pki.levels[3].der, pki.citizen_ca.der],
        allowed_policies=["2.16.364.101.1.1.3"],
    )
    portal = Portal(verifier, SqliteNonceStore(), base_url=ORIGIN, require_evidence=False)
    assert _login(portal, gold) is not None
    _refused("cert.policy", portal, plain)


def test_verify_token_crl(tmp_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    pki = iran_test_pki(1)
    anchors = tmp_path / "anchors"
    assert run("mock_card.cli", "pki", "--out", str(anchors)).returncode == 0
    citizen = issue_citizen_certificate(pki, given="S", surname="R", number="3", usage="auth", ca=pki.gold_citizen_ca)
    token = tmp_path / "token.json"
    token.write_text(_token(citizen))
    now = dt.datetime.now(dt.UTC)

    def crl(serials: list[int], signer: object) -> Path:
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(pki.gold_citizen_ca.certificate.subject)
            .last_update(now - dt.timedelta(days=1))
            .next_update(now + dt.timedelta(days=7))
        )
        for serial in serials:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now - dt.timedelta(hours=1)).build()
            )
        path = tmp_path / f"{len(serials)}-{id(signer)}.crl"
        path.write_bytes(builder.sign(signer, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))  # type: ignore[arg-type]
        return path

    base = ["verify-token", "--token", str(token), "--origin", ORIGIN, "--nonce", NONCE,
            "--trust", str(anchors / "iran-test"), "--json"]
    clean = run("idcard.cli", *base, "--crl", str(crl([1], pki.gold_citizen_ca.key)))
    assert clean.returncode == 0, clean.stdout + clean.stderr
    revoked = run("idcard.cli", *base, "--crl", str(crl([citizen.certificate.serial_number], pki.gold_citizen_ca.key)))
    assert revoked.returncode == 1 and json.loads(revoked.stdout)["error"]["code"] == "cert.revoked"
    forged = run("idcard.cli", *base, "--crl", str(crl([], pki.citizen_ca.key)))
    assert forged.returncode == 1 and json.loads(forged.stdout)["error"]["code"] == "cert.crl"
