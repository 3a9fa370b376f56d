"""`emulator:` opens the emulated real card families too, by name or by card file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from idcard.cards.dispatch import nid_driver
from mock_card import scheme
from reader.errors import ReaderNotFoundError
from reader.registry import open_reader

scheme.install()


@pytest.mark.parametrize("profile", ["mav4", "pardis", "omid"])
def test_a_profile_name_opens_that_family(profile: str) -> None:
    transport = open_reader(f"emulator:{profile}")
    try:
        driver = nid_driver(transport)
        assert driver is not None and driver.family == profile
    finally:
        transport.close()


def test_a_profile_card_file_opens_like_the_card_it_describes(tmp_path: Path) -> None:
    path = tmp_path / "m4.json"
    made = subprocess.run(
        [sys.executable, "-m", "mock_card.cli", "create", "--profile", "mav4", "--out", str(path)],
        capture_output=True, text=True, timeout=120,
    )
    assert made.returncode == 0, made.stderr
    transport = open_reader(f"emulator:{path}")
    try:
        driver = nid_driver(transport)
        assert driver is not None and driver.family == "mav4"
    finally:
        transport.close()


def test_a_corrupt_profile_card_file_is_a_reader_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"format": "idcard-nid-card/1"}', encoding="utf-8")
    with pytest.raises(ReaderNotFoundError, match="corrupt"):
        open_reader(f"emulator:{path}")
