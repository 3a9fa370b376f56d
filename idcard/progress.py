"""A progress line on stderr for card operations that take more than a moment.

It watches the channel's byte counter from a timer thread, so no protocol
code needs to report anything. Silent for the first second (most reads are
quicker than that), with `--quiet`, and when stderr is not a terminal (logs
and pipes get no carriage-return noise).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

#: Seconds an operation runs before the line appears.
SHOW_AFTER = 1.0
#: Seconds between updates.
INTERVAL = 0.25


class Progress:
    """`with Progress("Reading the card", lambda: card.stats.bytes_received):` shows a live line."""

    def __init__(
        self,
        label: str,
        count: Callable[[], int],
        *,
        enabled: bool = True,
        stream: TextIO | None = None,
        show_after: float = SHOW_AFTER,
    ) -> None:
        self.label = label
        self.count = count
        self.stream = stream or sys.stderr
        self.enabled = enabled and _is_terminal(self.stream)
        self.show_after = show_after
        self.shown = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._width = 0

    def __enter__(self) -> Progress:
        if self.enabled:
            self._started = time.monotonic()
            self._thread = threading.Thread(target=self._run, name="idcard-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
        if self.shown:
            # Clear the line: the command's own output or error follows.
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()

    def _run(self) -> None:
        if self._stop.wait(self.show_after):
            return
        while not self._stop.is_set():
            elapsed = time.monotonic() - self._started
            line = f"{self.label}… {self.count() / 1024:.1f} KB, {elapsed:.0f} s"
            self._width = max(self._width, len(line))
            self.stream.write("\r" + line.ljust(self._width))
            self.stream.flush()
            self.shown = True
            self._stop.wait(INTERVAL)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
