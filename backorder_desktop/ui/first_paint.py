"""Waits for the window's first screen before the rest of the app starts.

The first paint reads the database alone: the open page's figures, the table's first rows and its
count. Whatever else starts with the app (the tray, the integrity check, the schedule and the sync
child, webhooks, the other pages' reads) competes with those reads for the interpreter lock and the
disk, so it waits for them and one more turn of the event loop (the paint itself).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtCore import QTimer
from PySide6.QtCore import SignalInstance

# A read that failed or hangs must not keep the tray and the schedule from starting.
FIRST_PAINT_WAIT_MS = 3000


class FirstPaintGate(QObject):
    """Calls ``then`` once, after ``ready()`` is true (checked now and on each of ``signals``)
    and one turn of the event loop, or after ``timeout_ms`` whatever answered."""

    def __init__(
        self,
        ready: Callable[[], bool],
        signals: list[SignalInstance],
        then: Callable[[], None],
        parent: QObject,
        *,
        timeout_ms: int = FIRST_PAINT_WAIT_MS,
    ) -> None:
        super().__init__(parent)
        self._ready = ready
        self._then = then
        self._signals = signals
        self._open = True
        self._released = False
        for signal in signals:
            signal.connect(self._check)
        self._timeout = QTimer(self)
        self._timeout.setSingleShot(True)
        self._timeout.timeout.connect(self._release)
        self._timeout.start(timeout_ms)
        QTimer.singleShot(0, self._check)

    def is_waiting(self) -> bool:
        """True until ``then`` has run."""
        return self._open

    def _check(self, *_args: object) -> None:
        if self._open and self._ready():
            self._release()

    def _release(self) -> None:
        if self._released:
            return
        self._released = True
        self._timeout.stop()
        for signal in self._signals:
            signal.disconnect(self._check)
        QTimer.singleShot(0, self._run)  # after the paint the answers just asked for

    def _run(self) -> None:
        self._open = False
        self._then()
