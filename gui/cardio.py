"""Card I/O off the GUI thread: one worker thread for card sessions, one for reader events.

`CardWorker.run(fn, ...)` runs `fn(report)` on the card thread and delivers
its result (or exception) to callbacks on the GUI thread through a queued
signal, so a card that takes seconds per APDU never freezes the window.
Jobs run one at a time, in order: a card session (`IdCard`) is only ever
touched from that one thread.

`ReaderMonitor` polls reader discovery on its own thread and reports the
readers and whether each holds a card; the GUI follows insertion and removal
from its `changed` signal.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from mock_card.profiles.cardfile import PROFILES
from reader.emulated import registered_card
from reader.registry import EMULATOR_DEMO, list_readers

log = logging.getLogger("idcard.gui")

Report = Callable[[str, int], None]


class Worker(QObject):
    """A single background thread for jobs (card I/O, database); results come back on the GUI thread."""

    _deliver = Signal(object, object, int)
    _progress = Signal(object, str, int, int)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, *, name: str = "idcard-card") -> None:
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._deliver.connect(self._on_deliver)
        self._progress.connect(self._on_progress)
        self._pending = 0
        self._generation = 0
        self._closed = False

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def cancel(self) -> None:
        """Results of jobs already queued or running are dropped (their work still finishes)."""
        self._generation += 1

    def run(
        self,
        fn: Callable[[Report], Any],
        *,
        done: Callable[[Any], None] | None = None,
        error: Callable[[BaseException], None] | None = None,
        progress: Callable[[str, int], None] | None = None,
        always: bool = False,
    ) -> Future:
        """Run `fn(report)` on the card thread. `always`: deliver even after `cancel()`."""
        if self._closed:
            raise RuntimeError("the card worker is shut down")
        generation = -1 if always else self._generation

        def report(step: str, percent: int) -> None:
            if progress is not None:
                self._progress.emit(progress, step, percent, generation)

        def task() -> Any:
            try:
                value = fn(report)
            except BaseException as exc:  # delivered to `error`; logged when nobody listens
                if error is None:
                    log.exception("card job failed")
                self._deliver.emit(error, exc, generation)
                self._deliver.emit(None, None, generation)
                raise
            self._deliver.emit(done, value, generation)
            self._deliver.emit(None, None, generation)
            return value

        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)
        return self._executor.submit(task)

    def _on_deliver(self, callback: Callable[[Any], None] | None, value: object, generation: int) -> None:
        if callback is None and value is None:
            self._pending -= 1
            if self._pending == 0:
                self.busy_changed.emit(False)
            return
        if callback is None:
            return
        if generation != -1 and generation != self._generation:
            return
        callback(value)

    def _on_progress(self, callback: Callable[[str, int], None], step: str, percent: int, generation: int) -> None:
        if generation == -1 or generation == self._generation:
            callback(step, percent)

    def call(self, fn: Callable[[], Any], timeout: float | None = None) -> Any:
        """Run `fn` on the worker thread and wait (for use off the GUI thread only)."""
        if threading.current_thread() is threading.main_thread():
            raise RuntimeError("CardWorker.call would block the GUI thread")
        return self._executor.submit(fn).result(timeout)

    def shutdown(self) -> None:
        self._closed = True
        self.cancel()
        self._executor.shutdown(wait=True, cancel_futures=True)


#: Card sessions live on the card worker's one thread.
CardWorker = Worker


@dataclass(frozen=True)
class ReaderState:
    name: str
    kind: str
    description: str
    #: True / False, or None when the reader cannot tell without opening the card.
    present: bool | None


def _emulator_present(name: str) -> bool:
    label = name.removeprefix("emulator:")
    if label == "demo" or registered_card(label) is not None:
        return True
    return os.path.isfile(label) or _is_profile_spec(label)


def _is_profile_spec(label: str) -> bool:
    """`mav4`, `mav4:<variant>`, `pardis` …: a fresh emulated real card at every opening."""
    return label.partition(":")[0] in PROFILES


def discover(extra: list[str], include_demo: bool) -> list[ReaderState]:
    """Every reader of every kind, plus readers named on the command line."""

    found = [
        ReaderState(r.name, r.kind, r.description, r.card_present)
        for r in list_readers(include_demo=False)
    ]
    names = {r.name for r in found}
    for name in extra:
        if name in names:
            continue
        kind = name.partition(":")[0]
        if kind == "emulator":
            found.append(ReaderState(name, kind, "Emulated card", _emulator_present(name)))
        else:
            found.append(ReaderState(name, kind, name, None))
        names.add(name)
    if EMULATOR_DEMO not in names and (
        include_demo or not [r for r in found if r.kind != "emulator"]
    ):
        found.append(ReaderState(EMULATOR_DEMO, "emulator", "Built-in demo card", True))
    return found


class ReaderMonitor(QThread):
    """Polls discovery every `interval` seconds and emits `changed(list[ReaderState])` on change."""

    changed = Signal(list)

    def __init__(
        self,
        extra: list[str],
        include_demo: bool,
        interval: float = 0.5,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.extra = list(extra)
        self.include_demo = include_demo
        self.interval = interval
        self._stop = threading.Event()
        self._last: list[ReaderState] | None = None
        self.setObjectName("idcard-readers")

    def snapshot(self) -> list[ReaderState]:
        try:
            return discover(self.extra, self.include_demo)
        except Exception:  # discovery must never take the app down
            log.exception("reader discovery failed")
            return self._last or []

    def run(self) -> None:
        while not self._stop.is_set():
            readers = self.snapshot()
            if readers != self._last:
                self._last = readers
                self.changed.emit(readers)
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self.wait(5000)


def wait_until(predicate: Callable[[], bool], timeout: float, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
