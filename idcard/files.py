"""Writing a file so that a crash, a full disk or a pulled cable never leaves half of it."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_atomically(path: str | Path, data: bytes, *, private: bool = False) -> Path:
    """Write `data` to a temporary file beside `path`, fsync it, then rename it over `path`.

    `private` files (personal data, card secrets) are readable by the owner
    only; others get the usual mode for a new file. The mode is given at
    creation instead of by a later chmod so the umask applies without being
    read (reading it means changing it, which races with other threads).
    """
    path = Path(path)
    mode = 0o600 if private else 0o666
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(tmp, flags, mode)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
