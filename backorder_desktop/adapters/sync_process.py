"""The window's syncs in a child process (``backorder-desktop sync-child``): both ends of it.

The parent starts the child, writes it one job (a JSON line on its standard input, with the token:
never on the command line or in the environment, which keeps none of the app's own variables but
the non-secret ones, ``child_environment``) and keeps that pipe open: the child exits when it
closes, so a parent that quits or dies never leaves a sync behind. The child answers with JSON lines
on its standard output (``started``, ``progress`` and ``log`` records, then ``finished`` or
``failed``) and records the run in the profile's database like any sync; its log records are
written by the window (one writer for the log file, and they show in the log viewer). The child
runs at the lowest CPU priority, so the window gets a core first when both want one.
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from collections.abc import Sequence
from pathlib import Path
from typing import IO
from typing import Any

from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.errors import BugError
from backorder_desktop.domain.errors import ErrorKind
from backorder_desktop.domain.errors import SyncStopped
from backorder_desktop.domain.errors import error_for
from backorder_desktop.domain.pull_runner import RemoteRun
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.status import SyncPhase
from backorder_desktop.domain.status import SyncProgress
from backorder_desktop.logging_setup import LogHandles
from backorder_desktop.logging_setup import RedactionFilter

logger = logging.getLogger(__name__)

CHILD_COMMAND = "sync-child"
ENV_PREFIX = "BACKORDER_DESKTOP_"
# The app's own variables the child may see: none of them is a secret. Every other one (the
# token, and any added later) stays with the window: /proc/<pid>/environ is readable by the user's
# other programs, and the token goes over the child's standard input anyway.
CHILD_ENV_KEPT = frozenset({"BACKORDER_DESKTOP_HOME", "BACKORDER_DESKTOP_RESOURCES"})
STOP_WAIT_S = 5.0
STOPPED_MESSAGE = (
    "The app was closing, so the sync stopped before it finished. Nothing half-done was kept; "
    "the next sync carries on from the last saved page."
)


def child_environment(parent: dict[str, str] | None = None) -> dict[str, str]:
    """The window's environment without its ``BACKORDER_DESKTOP_*`` variables, except the few
    that are not secrets (``CHILD_ENV_KEPT``)."""
    source = dict(os.environ) if parent is None else parent
    return {
        name: value
        for name, value in source.items()
        if not name.upper().startswith(ENV_PREFIX) or name.upper() in CHILD_ENV_KEPT
    }


def child_command() -> list[str]:
    """How to start the child: the frozen app's own executable, or this interpreter."""
    if getattr(sys, "frozen", False):
        return [sys.executable, CHILD_COMMAND]
    return [sys.executable, "-m", "backorder_desktop", CHILD_COMMAND]


class ChildProcessRunner:
    """A ``PullRunner`` that runs each sync in a fresh child process on the same profile."""

    def __init__(
        self,
        *,
        home: Path | None,
        token: Callable[[], str | None],
        memory_secrets: bool,
        debug: bool = False,
        command: Sequence[str] | None = None,
    ) -> None:
        """``token`` gives the store's token (read when a sync starts: the keyring may have been
        locked meanwhile); ``memory_secrets``: the child must not touch the keyring (demo)."""
        self._home = home
        self._token = token
        self._memory_secrets = memory_secrets
        self._debug = debug
        self._command = list(command) if command is not None else child_command()
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._stopping = False

    def run(
        self,
        *,
        kind: RunKind,
        trigger: RunTrigger,
        full: bool,
        on_started: Callable[[int], None],
        on_progress: Callable[[SyncProgress], None],
    ) -> RemoteRun:
        try:
            token = self._token()
        except BackorderError as exc:  # a locked keyring, no store connected …
            return RemoteRun(None, exc)
        job = {
            "home": str(self._home) if self._home is not None else None,
            "token": token,
            "memory_secrets": self._memory_secrets,
            "debug": self._debug,
            "kind": kind.value,
            "trigger": trigger,
            "full": full,
        }
        with self._lock:
            if self._stopping:
                return RemoteRun(None, SyncStopped(STOPPED_MESSAGE))
            process = self._process = self._spawn()
        stderr_tail = _drain(process.stderr)
        try:
            assert process.stdin is not None and process.stdout is not None
            try:
                process.stdin.write(json.dumps(job) + "\n")
                process.stdin.flush()
            except OSError:
                pass  # it died at once: its exit code and stderr say why, below
            ended = _read_events(process.stdout, on_started, on_progress)
            code = process.wait()
        finally:
            with self._lock:
                self._process = None
            _close_quietly(process.stdin)
            _close_quietly(process.stdout)
        if ended is not None:
            return ended
        if self._stopping:
            return RemoteRun(None, SyncStopped(STOPPED_MESSAGE))
        tail = " | ".join(stderr_tail)
        logger.error("the sync process ended without a result (exit code %s): %s", code, tail)
        return RemoteRun(
            None,
            BugError(
                f"The sync process stopped unexpectedly (exit code {code}). Nothing was lost; "
                "sync again, and if it happens again send the log (Help → Show log)."
            ),
        )

    def stop(self) -> None:
        """Close the child's job pipe (it exits at once, as safely as after a crash), then wait."""
        with self._lock:
            self._stopping = True
            process = self._process
        if process is None:
            return
        _close_quietly(process.stdin)
        try:
            process.wait(STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            logger.warning("the sync process did not stop in %.0f s; killing it", STOP_WAIT_S)
            process.kill()
            process.wait()

    def _spawn(self) -> subprocess.Popen[str]:
        flags = getattr(subprocess, "BELOW_NORMAL_PRIORITY_CLASS", 0)  # Windows; POSIX: os.nice
        flags |= getattr(subprocess, "CREATE_NO_WINDOW", 0)
        return subprocess.Popen(
            self._command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            bufsize=1,
            creationflags=flags,
            env=child_environment(),
        )


def _read_events(
    stream: IO[str], on_started: Callable[[int], None], on_progress: Callable[[SyncProgress], None]
) -> RemoteRun | None:
    """Relay the child's events until it ends; its last word (``finished``/``failed``) or None."""
    ended: RemoteRun | None = None
    run_id: int | None = None
    for line in stream:
        try:
            event = json.loads(line)
            name = event["event"]
            if name == "progress":
                on_progress(progress_from_json(event))
            elif name == "started":
                run_id = int(event["run_id"])
                on_started(run_id)
            elif name == "finished":
                ended = RemoteRun(int(event["run_id"]))
            elif name == "failed":
                ended = RemoteRun(event.get("run_id", run_id), error_from_json(event["error"]))
            elif name == "log":
                logging.getLogger(str(event["name"])).log(
                    int(event["level"]), "[sync process] %s", event["message"]
                )
        except (ValueError, KeyError, TypeError):
            logger.error("unexpected line from the sync process: %.200r", line)
    return ended


def _drain(stream: IO[str] | None) -> collections.deque[str]:
    """Read the child's stderr on a thread (a full pipe would block it); keep the last lines."""
    tail: collections.deque[str] = collections.deque(maxlen=20)

    def pump() -> None:
        if stream is None:
            return
        with stream:
            for line in stream:
                tail.append(line.rstrip("\n"))

    threading.Thread(target=pump, name="sync-child-stderr", daemon=True).start()
    return tail


def _close_quietly(stream: IO[str] | None) -> None:
    if stream is not None:
        with contextlib.suppress(OSError):
            stream.close()


# --- the wire format (both sides) --------------------------------------------------------------


def progress_to_json(progress: SyncProgress) -> dict[str, Any]:
    return {
        "event": "progress",
        "run_id": progress.run_id,
        "phase": progress.phase.value,
        "pages_done": progress.pages_done,
        "pages_total": progress.pages_total,
        "products_seen": progress.products_seen,
    }


def progress_from_json(event: dict[str, Any]) -> SyncProgress:
    return SyncProgress(
        run_id=int(event["run_id"]),
        phase=SyncPhase(event["phase"]),
        pages_done=int(event["pages_done"]),
        pages_total=int(event["pages_total"]),
        products_seen=int(event["products_seen"]),
    )


def error_to_json(error: BackorderError) -> dict[str, Any]:
    return {
        "kind": error.kind.value,
        "title": error.title,
        "message": error.message,
        "status": getattr(error, "status", None),
        "reasons": getattr(error, "reasons", None),
        "remedy": error.remedy.value if error.remedy is not None else None,
    }


def error_from_json(data: dict[str, Any]) -> BackorderError:
    """The same domain error again, rebuilt from its kind (the router treats each kind its own way)."""
    return error_for(
        ErrorKind(data["kind"]),
        str(data["message"]),
        str(data["title"]),
        status=data.get("status"),
        reasons=data.get("reasons"),
        remedy=data.get("remedy"),
    )


# --- the child's side ------------------------------------------------------------------------


EXIT_PARENT_GONE = 3
NICENESS = 19
"""The child's CPU priority: the lowest. Its work waits on the network most of the time; when the
window wants the CPU it gets it first (bench row 7: longest GUI stall 76 ms at nice 10, 36-38 ms
at 19, sync time unchanged)."""


class ChildWire:
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
        self.send(progress_to_json(progress))


class _WireLogHandler(logging.Handler):
    """Sends log records to the window, which writes them to its log and its log viewer: one
    writer for the rotating file, and the sync's lines where the merchant looks for them."""

    def __init__(self, wire: ChildWire) -> None:
        super().__init__(logging.DEBUG)
        self._wire = wire
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:  # the record factory masked secrets when the record was made; the filter again now
            event = {"event": "log", "level": record.levelno, "name": record.name}
            self._wire.send({**event, "message": self.format(record)})
        except Exception:
            self.handleError(record)


def serve_child(run: Callable[[dict[str, Any], ChildWire], dict[str, Any]]) -> None:
    """The child's whole life: read the job from standard input, watch for the window going away,
    lower its priority, and send ``run(job, wire)``'s last event (``finished`` or ``failed``)."""
    wire = ChildWire(_private_stdout())
    job = json.loads(sys.stdin.readline() or "null")
    if not isinstance(job, dict):
        sys.exit(EXIT_PARENT_GONE)  # the window closed the pipe before sending the job
    threading.Thread(target=_exit_when_parent_goes, name="parent-watch", daemon=True).start()
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(NICENESS)
    wire.send(run(job, wire))


def forward_logging(handles: LogHandles, wire: ChildWire) -> None:
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
    print("the window went away; the sync stops here", file=sys.stderr, flush=True)
    os._exit(EXIT_PARENT_GONE)
