"""The skip-or-fail rule for tests that need a system part (pcscd, nfcpy): skip locally, fail in CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = '''
import pytest

@pytest.mark.system_part("pcscd is not running")
def test_needs_pcscd():
    raise AssertionError("must not run without the part")

@pytest.mark.system_part(None)
def test_part_present():
    pass
'''


def _run(tmp_path: Path, require: bool) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_probe.py").write_text(PROBE)
    env = {k: v for k, v in os.environ.items() if k != "IDCARD_REQUIRE_SYSTEM_TESTS"}
    env["PYTHONPATH"] = str(ROOT)
    if require:
        env["IDCARD_REQUIRE_SYSTEM_TESTS"] = "1"
    # The project's conftest defines the mark; run the probe under it.
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(ROOT),
            "--confcutdir", str(ROOT), "-c", str(ROOT / "pyproject.toml"),
            "-p", "tests.conftest", str(tmp_path / "test_probe.py")]
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)


def test_a_missing_part_is_skipped_locally(tmp_path: Path) -> None:
    done = _run(tmp_path, require=False)
    assert "1 passed, 1 skipped" in done.stdout, done.stdout + done.stderr


def test_a_missing_part_fails_where_ci_requires_it(tmp_path: Path) -> None:
    done = _run(tmp_path, require=True)
    # A failure in set-up, before any fixture starts the missing part: the run fails.
    assert done.returncode == 1 and "1 passed, 1 error" in done.stdout, done.stdout + done.stderr
    assert "may not be skipped" in done.stdout
