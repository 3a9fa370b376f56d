"""`idcard token` and `idcard verify-token` as an integrator runs them (subprocesses).

A token from the emulated card is accepted; every tampered variant is refused
with its code and the exit code of cli.md (1 verification failed, 2 usage,
5 untrusted).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = "https://portal.example"
NONCE = "q0yX1x5XHqjYD8p9tKd5f0iR9gH3n2k6Wj7Lm8Np0Qs="


def run(module: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("IDCARD_TRUST", None)
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("tokens")
    card = tmp / "card.json"
    assert run("mock_card.cli", "create", "--out", str(card)).returncode == 0
    anchors = tmp / "anchors"
    assert run("mock_card.cli", "pki", "--out", str(anchors)).returncode == 0
    paths = {"tmp": tmp, "card": card, "anchors": anchors}
    for name, attributes in (("token", []), ("photo", ["--attributes", "name,photo"])):
        made = run(
            "idcard.cli",
            "token",
            "--reader",
            f"emulator:{card}",
            "--pin-stdin",
            "--origin",
            ORIGIN,
            "--nonce",
            NONCE,
            *attributes,
            stdin="123456\n",
        )
        assert made.returncode == 0, made.stderr
        assert "123456" not in made.stdout + made.stderr
        paths[name] = tmp / f"{name}.json"
        paths[name].write_text(made.stdout)
    return paths


def verify(
    setup: dict[str, Path],
    token: Path | str,
    *extra: str,
    origin: str = ORIGIN,
    nonce: str = NONCE,
    trust: str | None = None,
    stdin: str = "",
) -> tuple[int, dict]:
    result = run(
        "idcard.cli",
        "verify-token",
        "--token",
        str(token),
        "--origin",
        origin,
        "--nonce",
        nonce,
        "--trust",
        trust or str(setup["anchors"]),
        "--json",
        *extra,
        stdin=stdin,
    )
    try:
        body = json.loads(result.stdout) if result.stdout.strip() else {}
    except json.JSONDecodeError:
        pytest.fail(f"not JSON: {result.stdout!r} {result.stderr!r}")
    return result.returncode, body


def variant(
    setup: dict[str, Path], name: str, change: Callable[[dict], None], source: str = "token"
) -> Path:
    obj = json.loads(setup[source].read_text())
    change(obj)
    path = setup["tmp"] / f"{name}.json"
    path.write_text(json.dumps(obj))
    return path


def flip(value: str, index: int = -1) -> str:
    raw = bytearray(base64.b64decode(value))
    raw[index] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def truncate(value: str) -> str:
    return base64.b64encode(base64.b64decode(value)[:-10]).decode()


def code(body: dict) -> str:
    return body["error"]["code"]


def test_token_command_prints_a_web_eid_token(setup: dict[str, Path]) -> None:
    token = json.loads(setup["token"].read_text())
    assert token["format"] == "web-eid:1.0" and token["algorithm"] == "ES384"
    assert sorted(token["idcardEvidence"]["dataGroups"]) == ["1", "11", "15"]
    photo = json.loads(setup["photo"].read_text())
    assert sorted(photo["idcardEvidence"]["dataGroups"]) == ["1", "11", "15", "2"]


def test_our_token_is_accepted(setup: dict[str, Path]) -> None:
    rc, body = verify(setup, setup["token"], "--require-evidence")
    assert rc == 0, body
    assert body["verified"] is True and body["evidence"] is True
    assert body["identity"]["nationalCode"] == "0012345679"
    assert body["identity"]["familyName"] == {"fa": "رضایی", "latin": "REZAEI"}
    assert body["verdict"]["verified"] is True
    # From standard input, and as text.
    result = run(
        "idcard.cli",
        "verify-token",
        "--token",
        "-",
        "--origin",
        ORIGIN,
        "--nonce",
        NONCE,
        "--trust",
        str(setup["anchors"]),
        stdin=setup["token"].read_text(),
    )
    assert result.returncode == 0 and "VERIFIED with chip evidence" in result.stdout


def test_photo_needs_the_attribute(setup: dict[str, Path]) -> None:
    rc, body = verify(setup, setup["photo"])
    assert (rc, code(body)) == (1, "evidence.unrequested_dg")
    rc, body = verify(setup, setup["photo"], "--attributes", "photo")
    assert rc == 0 and body["identity"]["photo"]["mime"] == "image/jpeg"


@pytest.mark.parametrize(
    ("name", "change", "expected"),
    [
        (
            "dg11",
            lambda o: o["idcardEvidence"]["dataGroups"].update(
                {"11": flip(o["idcardEvidence"]["dataGroups"]["11"])}
            ),
            "evidence.hash",
        ),
        (
            "dg1",
            lambda o: o["idcardEvidence"]["dataGroups"].update(
                {"1": flip(o["idcardEvidence"]["dataGroups"]["1"])}
            ),
            "evidence.hash",
        ),
        ("signature", lambda o: o.update(signature=flip(o["signature"], 5)), "token.signature"),
        (
            "aa",
            lambda o: o["idcardEvidence"].update(
                activeAuthentication=flip(o["idcardEvidence"]["activeAuthentication"], 3)
            ),
            "evidence.aa",
        ),
        (
            "sod",
            lambda o: o["idcardEvidence"].update(sod=flip(o["idcardEvidence"]["sod"], -3)),
            "evidence.sod",
        ),
        ("no-dg15", lambda o: o["idcardEvidence"]["dataGroups"].pop("15"), "evidence.dg15"),
        ("no-evidence", lambda o: o.pop("idcardEvidence"), "evidence.missing"),
        (
            "certificate",
            lambda o: o.update(unverifiedCertificate=truncate(o["unverifiedCertificate"])),
            "cert.parse",
        ),
        (
            "forged-cert",
            lambda o: o.update(unverifiedCertificate=flip(o["unverifiedCertificate"], -5)),
            "cert.untrusted",
        ),
        ("algorithm", lambda o: o.update(algorithm="ES256"), "token.algorithm"),
        ("format", lambda o: o.update(format="jwt"), "token.format"),
        ("huge", lambda o: o.update(padding="A" * 1_000_000), "token.size"),
    ],
)
def test_tampered_tokens_fail(
    setup: dict[str, Path], name: str, change: Callable[[dict], None], expected: str
) -> None:
    rc, body = verify(setup, variant(setup, name, change), "--require-evidence")
    assert body["verified"] is False
    # A certificate no trusted CA signed (here: its CA signature is broken) is "untrusted".
    assert (rc, code(body)) == (5 if expected == "cert.untrusted" else 1, expected), body["error"][
        "message"
    ]
    assert body["error"]["checks"], "the checks performed are still printed"


def test_wrong_origin_nonce_or_time(setup: dict[str, Path]) -> None:
    rc, body = verify(setup, setup["token"], origin="https://evil.example")
    assert (rc, code(body)) == (1, "token.signature")
    rc, body = verify(setup, setup["token"], nonce="b3RoZXIgbm9uY2U=")
    assert (rc, code(body)) == (1, "token.signature")
    rc, body = verify(setup, setup["token"], "--at", "2036-06-01")
    assert (rc, code(body)) == (1, "cert.expired")


def test_untrusted_exit_code(setup: dict[str, Path]) -> None:
    # Only the CSCA is trusted: nothing vouches for the citizen CA.
    rc, body = verify(setup, setup["token"], trust=str(setup["anchors"] / "csca.pem"))
    assert (rc, code(body)) == (5, "cert.untrusted")
    # The citizen CA is trusted but no CSCA: the document signer has no anchor.
    rc, body = verify(
        setup,
        setup["token"],
        "--csca",
        str(setup["anchors"] / "nid-root.pem"),
        trust=str(setup["anchors"] / "nid-citizen-ca.pem"),
    )
    assert (rc, code(body)) == (5, "evidence.chain")


def test_garbage_and_usage_errors(setup: dict[str, Path]) -> None:
    junk = setup["tmp"] / "junk.json"
    junk.write_text("{" + "x" * 200)
    rc, body = verify(setup, junk)
    assert (rc, code(body)) == (1, "token.json")
    rc, body = verify(setup, setup["tmp"] / "missing.json")
    assert rc == 2 and code(body) == "usage"
    rc, body = verify(setup, setup["token"], origin="https://portal.example/")
    assert rc == 2
    rc, body = verify(setup, setup["token"], "--at", "yesterday")
    assert rc == 2
    result = run(
        "idcard.cli",
        "verify-token",
        "--token",
        str(setup["token"]),
        "--origin",
        ORIGIN,
        "--nonce",
        NONCE,
    )
    assert result.returncode == 2 and "--trust" in result.stderr
    made = run(
        "idcard.cli",
        "token",
        "--reader",
        f"emulator:{setup['card']}",
        "--pin-stdin",
        "--origin",
        "http://portal.example",
        "--nonce",
        NONCE,
        stdin="123456\n",
    )
    assert made.returncode == 2


def test_token_with_a_wrong_pin(setup: dict[str, Path]) -> None:
    card = setup["tmp"] / "wrong-pin-card.json"
    card.write_bytes(setup["card"].read_bytes())
    made = run(
        "idcard.cli",
        "token",
        "--reader",
        f"emulator:{card}",
        "--pin-stdin",
        "--json",
        "--origin",
        ORIGIN,
        "--nonce",
        NONCE,
        stdin="000000\n",
    )
    assert made.returncode == 4
    assert json.loads(made.stdout)["error"]["code"] == "pin.wrong"
    assert "000000" not in made.stdout + made.stderr


def test_a_guessable_nonce_is_refused_without_a_store(setup: dict[str, Path]) -> None:
    """Today any 1-character nonce verifies: a token for nonce "x" is valid forever for everyone."""
    made = run(
        "idcard.cli", "token", "--reader", f"emulator:{setup['card']}", "--pin-stdin",
        "--origin", ORIGIN, "--nonce", "x", stdin="123456\n",
    )
    assert made.returncode == 0, made.stderr
    weak = setup["tmp"] / "weak.json"
    weak.write_text(made.stdout)
    rc, body = verify(setup, weak, nonce="x")
    assert (rc, code(body)) == (1, "nonce.weak")
