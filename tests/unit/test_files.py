"""write_atomically: all or nothing, with the right mode."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from idcard.files import write_atomically


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_private_and_public_modes(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        public = write_atomically(tmp_path / "doc.p7s", b"sig")
        private = write_atomically(tmp_path / "bundle.json", b"{}", private=True)
    finally:
        os.umask(umask)
    assert public.read_bytes() == b"sig" and _mode(public) == 0o644
    assert private.read_bytes() == b"{}" and _mode(private) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle.json", "doc.p7s"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, mocker) -> None:  # noqa: ANN001
    target = tmp_path / "card.json"
    target.write_bytes(b"old")
    # A full disk cannot be had on demand: fail the fsync instead.
    mocker.patch("idcard.files.os.fsync", side_effect=OSError(28, "No space left on device"))
    with pytest.raises(OSError, match="No space"):
        write_atomically(target, b"new" * 1000)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["card.json"]


def test_replaces_an_existing_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "face.png"
    target.write_bytes(b"x" * 10_000)
    write_atomically(target, b"short", private=True)
    assert target.read_bytes() == b"short"
    assert _mode(target) == 0o600
