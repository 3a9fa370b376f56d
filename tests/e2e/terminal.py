"""Running a command on a real pseudo-terminal, answering its prompts (what a person at a terminal does)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class TerminalRun:
    returncode: int | None
    screen: str


def run_on_terminal(
    args: Sequence[str], answers: Sequence[tuple[str, str]], *, timeout: float = 60
) -> TerminalRun:
    """`python -m args...` on a pty; for each (prompt, text) wait for `prompt`, then type `text` + Enter."""
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", *args], stdin=slave, stdout=slave, stderr=slave, env=env,
                            cwd=ROOT, start_new_session=True)
    os.close(slave)
    screen = bytearray()
    seen = 0  # prompts before this offset were answered already
    deadline = time.monotonic() + timeout

    def pump(until: bytes | None) -> bool:
        nonlocal seen
        while time.monotonic() < deadline:
            if until is not None and until in screen[seen:]:
                seen = screen.index(until, seen) + len(until)
                return True
            if until is None and proc.poll() is not None and not select.select([master], [], [], 0)[0]:
                return True
            if select.select([master], [], [], 0.1)[0]:
                try:
                    screen.extend(os.read(master, 4096))
                except OSError:  # the command exited and closed the terminal
                    return until is None
        return False

    try:
        for prompt, text in answers:
            if not pump(prompt.encode()):
                break
            os.write(master, text.encode() + b"\n")
        pump(None)
        proc.wait(timeout=max(deadline - time.monotonic(), 1))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        os.close(master)
    return TerminalRun(proc.returncode, screen.decode(errors="replace"))
