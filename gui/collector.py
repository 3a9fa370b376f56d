"""Cyclic garbage collection on the GUI thread only.

CPython runs its cycle collector in whichever thread happens to cross the
allocation threshold. With card I/O on a worker thread that is often the card
thread, and a Qt object whose last reference sat in a reference cycle (a page,
a flow with a lambda connected to its own signal) is then destroyed off the GUI
thread, which crashes Qt: a segfault whose trace says "Garbage-collecting" in
the card thread. So while the app runs, automatic collection is off and a
timer on the GUI thread collects, generation by generation, as CPython's own
thresholds would have.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None, *, interval_ms: int = 200) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start(interval_ms)

    @staticmethod
    def collect_due() -> int:
        """Collect the oldest generation whose threshold is crossed; 0 when none is."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        due = [generation for generation in range(3) if counts[generation] > thresholds[generation]]
        return gc.collect(due[-1]) if due else 0

    def stop(self) -> None:
        """Collect everything now, on this thread, and give collection back to CPython."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()
