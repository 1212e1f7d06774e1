"""``backorder-desktop sync-child``: one sync for the window, in a process of its own.

Not for people (hidden from ``--help``): the window starts it (``adapters/sync_process.py``), writes
the job as one JSON line on standard input and reads JSON lines back from standard output. Its
standard input staying open is the window being alive: at end of file the child exits at once,
which leaves the profile as a crash would (every page is its own transaction; the next start
marks the run as abandoned).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import threading
from typing import IO
from typing import Any

import click

from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.errors import BugError
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.status import SyncProgress
from backorder_desktop.logging_setup import LogHandles
from backorder_desktop.logging_setup import RedactionFilter

EXIT_PARENT_GONE = 3
NICENESS = 19
"""The child's CPU priority: the lowest. Its work waits on the network most of the time; when the
window wants the CPU it gets it first (bench row 7: longest GUI stall 76 ms at nice 10, 36-38 ms
at 19, sync time unchanged)."""


class _Wire:
    """The child's side of the protocol: JSON lines on a private copy of standard output."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self.run_id: int | None = None

    def send(self, event: dict[str, Any]) -> None:
        with self._lock:
            self._stream.write(json.dumps(event) + "\n")
            self._stream.flush()

    def started(self, run_id: int, _kind: str, _trigger: str) -> None:
        self.run_id = run_id
        self.send({"event": "started", "run_id": run_id})

    def progress(self, progress: SyncProgress) -> None:
        from backorder_desktop.adapters.sync_process import progress_to_json

        self.send(progress_to_json(progress))


class _WireLogHandler(logging.Handler):
    """Sends log records to the window, which writes them to its log and its log viewer: one
    writer for the rotating file, and the sync's lines where the merchant looks for them."""

    def __init__(self, wire: _Wire) -> None:
        super().__init__(logging.DEBUG)
        self._wire = wire
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:  # the record factory masked secrets when the record was made; the filter again now
            event = {"event": "log", "level": record.levelno, "name": record.name}
            self._wire.send({**event, "message": self.format(record)})
        except Exception:
            self.handleError(record)


@click.command(name="sync-child", hidden=True)
def sync_child() -> None:
    """Run one sync for the window (the job comes on standard input)."""
    wire = _Wire(_private_stdout())
    job = json.loads(sys.stdin.readline() or "null")
    if not isinstance(job, dict):
        sys.exit(EXIT_PARENT_GONE)  # the window closed the pipe before sending the job
    threading.Thread(target=_exit_when_parent_goes, name="parent-watch", daemon=True).start()
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(NICENESS)
    wire.send(_run(job, wire))


def _run(job: dict[str, Any], wire: _Wire) -> dict[str, Any]:
    """``Profile.sync()`` in this process, on the job's profile; its events go down the wire."""
    from backorder_desktop import app
    from backorder_desktop.adapters.secrets import MemorySecretStore
    from backorder_desktop.adapters.sync_process import error_to_json
    from backorder_desktop.logging_setup import setup_logging

    profile = None
    try:
        paths = app.profile_paths_for(job["home"])
        _forward_logging(setup_logging(paths.log_dir, debug=bool(job.get("debug"))), wire)
        profile = app.open_profile(
            job["home"],
            env_token=job.get("token") or None,
            secret_store=MemorySecretStore() if job.get("memory_secrets") else None,
        )
        profile.subscribe("run_started", wire.started)
        profile.subscribe("progress", wire.progress)
        run = profile.sync(
            kind=RunKind(job["kind"]), trigger=RunTrigger(job["trigger"]), full=bool(job["full"])
        )
        return {"event": "finished", "run_id": run.id}
    except BackorderError as exc:
        return {"event": "failed", "run_id": wire.run_id, "error": error_to_json(exc)}
    except Exception as exc:  # a bug: the run (if any) is recorded as failed by the engine already
        logging.getLogger(__name__).exception("the sync process failed")
        error = BugError(f"{type(exc).__name__} in the sync process. The log has the details.")
        return {"event": "failed", "run_id": wire.run_id, "error": error_to_json(error)}
    finally:
        if profile is not None:
            profile.close()


def _forward_logging(handles: LogHandles, wire: _Wire) -> None:
    """Keep the redaction and levels ``setup_logging`` installed; send records to the window
    instead of writing the file (two processes rotating one file lose lines)."""
    root = logging.getLogger()
    for handler in (handles.file_handler, handles.tail):
        root.removeHandler(handler)
        handler.close()
    forward = _WireLogHandler(wire)
    forward.addFilter(RedactionFilter(handles.redactor))
    root.addHandler(forward)


def _private_stdout() -> IO[str]:
    """The protocol's stream: a copy of fd 1; fd 1 itself then goes to stderr, so that nothing
    printed by a library can be taken for an event."""
    stream = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    return stream


def _exit_when_parent_goes() -> None:
    sys.stdin.read()  # returns at end of file: the window closed the pipe, or is gone
    click.echo("the window went away; the sync stops here", err=True)
    os._exit(EXIT_PARENT_GONE)
