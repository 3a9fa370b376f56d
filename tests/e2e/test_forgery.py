"""Issue 9 item 1: a citizen's own card key must never pass as a document signer.

The forgery: an EF.SOD over invented DG1/DG2/DG11/DG12 (other name, birth date,
document number, photo), signed with the emulator card's own *authentication* key,
with the citizen's authentication certificate as the "document signer". Its issuer,
the citizen CA, sits in the same `--trust` folder as the CSCA. Every entry point
must refuse it: `sod.signer_role` (and `csca.chain`) fail, `evidence.chain` for tokens.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import load_der_private_key

from idcard.document import DocumentFiles, verify_files
from idcard.lds import Com, Dg1, build_dg2
from idcard.lds.sod import sign_sod
from idcard.pki.trust import TrustStore
from idcard.verdict import Result
from mock_card.filesystem import FID_COM, FID_SOD, dg_fid
from mock_card.personalize import DEMO_CITIZEN, FID_AUTH_CERT, _dg11, _dg12, demo_card
from mock_card.testpki import test_pki, write_anchors

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = "https://portal.example"
NONCE = "q0yX1x5XHqjYD8p9tKd5f0iR9gH3n2k6Wj7Lm8Np0Qs="
AT = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)

FORGED = dataclasses.replace(
    DEMO_CITIZEN,
    family_name="FORGED",
    given_name="MALLORY",
    family_name_fa="جعلی",
    birth_date="19700101",
    document_number="Z99999999",
)


def _forged_face() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (240, 320), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def forged_files() -> tuple[dict[int, bytes], bytes, bytes]:
    """(forged data groups, EF.SOD signed with the card's auth key, the citizen cert DER)."""
    card = demo_card()
    citizen_cert = card.files["pki"][FID_AUTH_CERT]
    auth_key = load_der_private_key(bytes.fromhex(card.keys["auth"]), None)
    genuine = {n: card.files["lds"][dg_fid(n)] for n in (14, 15)}
    dgs = {
        1: Dg1(FORGED.mrz).encode(),
        2: build_dg2(_forged_face()),
        11: _dg11(FORGED),
        12: _dg12(FORGED),
        **genuine,  # the chip's own keys, so Active/Chip Authentication still pass
    }
    hashes = {n: hashlib.sha256(data).digest() for n, data in dgs.items()}
    sod = sign_sod(hashes, "sha256", citizen_cert, auth_key)  # type: ignore[arg-type]
    return dgs, sod, citizen_cert


@pytest.fixture(scope="module")
def forgery(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("forgery")
    anchors = tmp / "anchors"
    write_anchors(test_pki(), anchors)  # CSCA *and* the citizen CA chain, one folder
    dgs, sod, _ = forged_files()
    card = demo_card()
    lds = card.files["lds"]
    for n, data in dgs.items():
        lds[dg_fid(n)] = data
    lds[FID_COM] = Com.for_data_groups(sorted(dgs)).encode()
    lds[FID_SOD] = sod
    image = tmp / "forged-card.json"
    card.save(image)
    files = {"tmp": tmp, "anchors": anchors, "card": image, "sod": tmp / "sod.bin"}
    files["sod"].write_bytes(sod)
    for n, data in dgs.items():
        files[f"dg{n}"] = tmp / f"dg{n}.bin"
        files[f"dg{n}"].write_bytes(data)
    return files


def run(module: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("IDCARD_TRUST", None)
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        input=stdin, capture_output=True, text=True, env=env, timeout=120, cwd=ROOT,
    )


def failed_codes(verdict: dict) -> set[str]:
    return {c["code"] for c in verdict["checks"] if c["result"] == "failed"}


def test_the_forgery_is_well_made(forgery: dict[str, Path]) -> None:
    """Its EF.SOD signature and hashes do verify: only the signer's role betrays it."""
    dgs, sod, _ = forged_files()
    store = TrustStore()
    store.load_path(forgery["anchors"])
    verdict = verify_files(DocumentFiles(sod, dgs), store, at=AT).verdict
    assert verdict.get("sod.signature").result is Result.PASSED  # type: ignore[union-attr]
    assert all(verdict.get(f"sod.hash.dg{n}").result is Result.PASSED for n in dgs)  # type: ignore[union-attr]
    assert verdict.get("sod.signer_role").result is Result.FAILED  # type: ignore[union-attr]
    assert verdict.get("csca.chain").result is Result.FAILED  # type: ignore[union-attr]
    assert not verdict.verified


def test_citizen_ca_is_not_a_csca_even_declared_as_one(forgery: dict[str, Path]) -> None:
    """Even a verifier that puts the citizen CA into its CSCA store refuses the profile."""
    dgs, sod, _ = forged_files()
    store = TrustStore(role="csca")
    store.load_path(forgery["anchors"])
    verdict = verify_files(DocumentFiles(sod, dgs), store, at=AT).verdict
    assert verdict.get("sod.signer_role").result is Result.FAILED  # type: ignore[union-attr]
    assert "clientAuth" in verdict.get("sod.signer_role").reason  # type: ignore[union-attr]
    assert not verdict.verified


def test_verify_document_cli(forgery: dict[str, Path]) -> None:
    dg_args = [a for n in (1, 2, 11, 12, 14, 15) for a in ("--dg", f"{n}={forgery[f'dg{n}']}")]
    out = run("idcard.cli", "verify-document", "--sod", str(forgery["sod"]), *dg_args,
              "--trust", str(forgery["anchors"]), "--json")
    assert out.returncode == 1, out.stdout + out.stderr
    data = json.loads(out.stdout)
    verdict = data.get("verdict", data)
    assert verdict["verified"] is False
    assert {"sod.signer_role", "csca.chain"} <= failed_codes(verdict)


def test_read_cli_against_an_emulated_chip(forgery: dict[str, Path]) -> None:
    out = run("idcard.cli", "read", "--reader", f"emulator:{forgery['card']}", "--pin-stdin",
              "--json", "--trust", str(forgery["anchors"]), "--no-photo", stdin="123456\n")
    assert out.returncode == 1, out.stdout + out.stderr
    verdict = json.loads(out.stdout)["verdict"]
    assert verdict["verified"] is False
    assert {"sod.signer_role", "csca.chain"} <= failed_codes(verdict)


@pytest.fixture(scope="module")
def forged_token(forgery: dict[str, Path]) -> Path:
    made = run("idcard.cli", "token", "--reader", f"emulator:{forgery['card']}", "--pin-stdin",
               "--origin", ORIGIN, "--nonce", NONCE, stdin="123456\n")
    assert made.returncode == 0, made.stderr
    token = forgery["tmp"] / "token.json"
    token.write_text(made.stdout)
    return token


def test_verify_token_cli_require_evidence(forgery: dict[str, Path], forged_token: Path) -> None:
    out = run("idcard.cli", "verify-token", "--trust", str(forgery["anchors"]), "--require-evidence",
              "--origin", ORIGIN, "--nonce", NONCE, "--json", "--token", str(forged_token))
    assert out.returncode != 0, out.stdout + out.stderr
    assert "evidence.chain" in out.stdout + out.stderr
    assert "VERIFIED" not in out.stdout


def _verifier(anchors: Path):  # noqa: ANN202
    from idcard.portal import TokenVerifier

    # One folder for both jobs, as `--trust anchors/` gives: the roles keep them apart.
    trust = TrustStore()
    trust.load_path(anchors)
    return TokenVerifier(trust, csca=trust, require_evidence=True)


def test_token_verifier(forgery: dict[str, Path], forged_token: Path) -> None:
    from idcard.portal import TokenError

    with pytest.raises(TokenError) as info:
        _verifier(forgery["anchors"]).verify(forged_token.read_text(), origin=ORIGIN, nonce=NONCE)
    assert info.value.code == "evidence.chain", info.value.message


def test_portal(forgery: dict[str, Path], forged_token: Path) -> None:
    from idcard.portal import Portal, SqliteNonceStore, TokenError

    portal = Portal(_verifier(forgery["anchors"]), SqliteNonceStore(), base_url=ORIGIN)
    request = portal.begin("session-1")
    # The portal issues its own nonce: the card signs a token for it.
    made = run("idcard.cli", "token", "--reader", f"emulator:{forgery['card']}", "--pin-stdin",
               "--origin", ORIGIN, "--nonce", str(request["nonce"]), stdin="123456\n")
    assert made.returncode == 0, made.stderr
    with pytest.raises(TokenError) as info:
        portal.complete("session-1", made.stdout, ORIGIN)
    assert info.value.code == "evidence.chain", info.value.message


def test_gui_desk_reverification(forgery: dict[str, Path]) -> None:
    """The desk's offline re-check of an evidence bundle carrying the forged EF.SOD, with a
    genuine Active Authentication of the desk challenge by the forger's own chip."""
    from cryptography.hazmat.primitives.serialization import load_der_private_key as load_key

    from gui.trust import build_trust
    from idcard.desk.challenge import desk_challenge
    from idcard.desk.records import (
        FORMAT,
        PURPOSES,
        b64,
        identity_fields,
        record_hash,
        verify_bundle,
    )
    from idcard.protocol.active_auth import ActiveAuthChip

    dgs, sod, _ = forged_files()
    purpose = next(iter(PURPOSES.values()))
    identity = verify_files(DocumentFiles(sod, dgs), None).identity
    created = dt.datetime(2027, 1, 1, 9, 0, tzinfo=dt.UTC)
    nonce = bytes(range(16))
    challenge = desk_challenge("desk-1", "operator-1", created, nonce)
    chip = ActiveAuthChip(load_key(bytes.fromhex(demo_card().keys["aa"]), None))  # type: ignore[arg-type]
    body = {
        "format": FORMAT,
        "id": "forged",
        "createdAt": created.isoformat(),
        "desk": "desk-1",
        "operator": "operator-1",
        "purpose": purpose.key,
        "identity": identity_fields(identity, purpose),
        "evidence": {
            "sod": b64(sod),
            "dataGroups": {str(n): b64(dgs[n]) for n in sorted(dgs) if n in purpose.data_groups},
            "activeAuthentication": {
                "nonce": b64(nonce), "challenge": b64(challenge), "signature": b64(chip.sign(challenge)),
            },
        },
        "verdict": {"verified": True, "untrusted": False, "checks": []},
        "certificate": None,
    }
    bundle = {**body, "hash": f"sha256:{record_hash(body)}"}
    trust = build_trust([str(forgery["anchors"])])
    verdict, _ = verify_bundle(json.dumps(bundle), trust.documents)
    for code in ("desk.record_hash", "desk.challenge", "chip.active_auth", "sod.signature"):
        assert verdict.get(code).result is Result.PASSED, code  # type: ignore[union-attr]
    assert verdict.get("sod.signer_role").result is Result.FAILED  # type: ignore[union-attr]
    assert verdict.get("csca.chain").result is Result.FAILED  # type: ignore[union-attr]
    assert not verdict.verified
