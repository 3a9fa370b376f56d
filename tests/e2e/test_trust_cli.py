"""Issue 9 CLI bullets on trust: a garbage or empty --trust is an error naming the file;
`idcard trust` exits non-zero when nothing loaded; anchors are listed by role."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mock_card.testpki import test_pki, write_anchors

ROOT = Path(__file__).resolve().parents[2]


def idcard(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("IDCARD_TRUST", None)
    return subprocess.run(
        [sys.executable, "-m", "idcard.cli", *args],
        input=stdin, capture_output=True, text=True, env=env, timeout=60, cwd=ROOT,
    )


@pytest.fixture
def bad_paths(tmp_path: Path) -> dict[str, Path]:
    garbage = tmp_path / "garbage.pem"
    garbage.write_bytes(b"this is not a certificate\n")
    empty_file = tmp_path / "empty.der"
    empty_file.write_bytes(b"")
    empty_dir = tmp_path / "empty-folder"
    empty_dir.mkdir()
    return {"garbage": garbage, "empty-file": empty_file, "empty-folder": empty_dir}


@pytest.mark.parametrize("which", ["garbage", "empty-file", "empty-folder"])
def test_verify_document_with_useless_trust_names_the_file(
    bad_paths: dict[str, Path], tmp_path: Path, which: str
) -> None:
    sod = tmp_path / "sod.bin"
    sod.write_bytes(b"\x77\x00")
    out = idcard("verify-document", "--sod", str(sod), "--trust", str(bad_paths[which]))
    assert out.returncode == 2, out.stdout + out.stderr
    assert str(bad_paths[which]) in out.stderr
    assert "Traceback" not in out.stderr
    assert "UNTRUSTED" not in out.stdout


@pytest.mark.parametrize("which", ["garbage", "empty-file", "empty-folder"])
def test_trust_command_fails_when_nothing_loaded(bad_paths: dict[str, Path], which: str) -> None:
    out = idcard("trust", str(bad_paths[which]), "--json")
    assert out.returncode == 2, out.stdout + out.stderr
    assert json.loads(out.stdout)["anchors"] == 0


def test_trust_command_lists_roles(tmp_path: Path) -> None:
    write_anchors(test_pki(), tmp_path)
    out = idcard("trust", str(tmp_path), "--json")
    assert out.returncode == 0, out.stdout + out.stderr
    # csca.pem and csca.der are one certificate; the NID root and citizen CA are citizen CAs.
    assert json.loads(out.stdout)["roles"] == {"csca": 1, "citizen-ca": 2}
