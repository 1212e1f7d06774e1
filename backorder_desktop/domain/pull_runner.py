"""The port for running a pull somewhere else: the window runs its syncs in a child process.

A pull decodes about a megabyte of JSON per page and maps it into rows; in the window's own
process that work holds the interpreter lock and stalls the GUI thread (DESIGN §8: 50 ms). A
``PullRunner`` runs the whole sync — pull, push, feed — in another process on the same profile and
reports back what the engine's own events would have said.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.status import SyncProgress


@dataclass(frozen=True, slots=True)
class RemoteRun:
    """How a sync run elsewhere ended: the run it recorded (None if it never got that far) and its
    error (None when it succeeded)."""

    run_id: int | None
    error: BackorderError | None = None


class PullRunner(Protocol):
    """Runs one sync of this profile elsewhere. Thread-safe; one run at a time per runner."""

    def run(
        self,
        *,
        kind: RunKind,
        trigger: RunTrigger,
        full: bool,
        on_started: Callable[[int], None],
        on_progress: Callable[[SyncProgress], None],
    ) -> RemoteRun:
        """Run the sync to its end and say how it ended; never raises.

        ``on_started(run_id)`` is called once the run is recorded, ``on_progress`` per page.
        """
        ...

    def stop(self) -> None:
        """End a running sync now (the app is quitting); it stops as safely as after a crash."""
        ...
