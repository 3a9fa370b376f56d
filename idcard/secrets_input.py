"""Reading PIN, CAN and PUK from the user without ever echoing or logging them.

cli.md: `--pin-stdin`, `--can-stdin`, `--puk-stdin` read one line each from
standard input in a fixed order; without them the command prompts on the
terminal with echo off.
"""

from __future__ import annotations

import getpass
import sys
from typing import TextIO

from idcard.errors import UsageError


class SecretReader:
    def __init__(self, from_stdin: bool, stream: TextIO | None = None) -> None:
        self.from_stdin = from_stdin
        self.stream = stream or sys.stdin

    def read(self, prompt: str) -> str:
        if self.from_stdin:
            line = self.stream.readline()
            if not line:
                raise UsageError(f"Expected one more line on standard input ({prompt.rstrip(': ')}).")
            return line.rstrip("\r\n")
        if not sys.stdin.isatty():
            raise UsageError(
                f"No terminal to ask for the {prompt.rstrip(': ')}; pass it with --pin-stdin/--can-stdin/--puk-stdin."
            )
        return getpass.getpass(prompt)
