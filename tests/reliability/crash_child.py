"""The real ``backorder-desktop`` command, with a SIGKILL armed at the Nth database statement.

``python -m tests.reliability.crash_child ARGS…`` runs ``backorder_desktop.cli.main(ARGS)`` after
wrapping ``sqlite3.connect`` so that every connection reports each statement it starts (SQLite's
trace hook, called as a statement begins — also for each row of an ``executemany``), and psycopg's
cursor so that a team profile's statements report too, before they are sent (``BEGIN`` and
``COMMIT`` included; an ``executemany`` once, or once per row when psycopg pipelines it):

- ``BACKORDER_TEST_KILL_AT=KIND:N`` sends SIGKILL to this process when the Nth statement of that
  KIND starts, from whatever thread runs it. KIND is ``any``; ``commit`` (killed just before a
  ``COMMIT`` runs); ``after-commit`` (killed at the first statement after the Nth commit, so that
  commit is on disk); or ``stock`` (statements on the stock items, the ledger or the outbox).
- ``BACKORDER_TEST_COUNTS=PATH``: on a normal exit, the counts of each kind go to PATH as JSON,
  so the harness knows how many kill points the next run of the same command offers.

Nothing in the app changes: this only observes the statements it sends and ends the process
as a power cut or ``kill -9`` would.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import sqlite3
import sys
import threading
from pathlib import Path
from typing import Any

KINDS = ("any", "commit", "after-commit", "stock")
_STOCK_TABLES = ("stock_items", "stock_adjustments", "outbox")


class _KillSwitch:
    def __init__(self, spec: str) -> None:
        kind, _, number = spec.partition(":")
        self.kind = kind if kind in KINDS else "any"
        self.at = int(number) if number else 0
        self.counts = dict.fromkeys(KINDS, 0)
        self.armed_after_commit = False
        self._lock = threading.Lock()

    def on_statement(self, sql: str) -> None:
        head = sql.lstrip()[:16].upper()
        with self._lock:
            counts = self.counts
            counts["any"] += 1
            if self.armed_after_commit:
                self._kill()
            is_commit = head.startswith(("COMMIT", "END"))
            if is_commit:
                counts["commit"] += 1
                counts["after-commit"] += 1
            if any(table in sql for table in _STOCK_TABLES):
                counts["stock"] += 1
            if not self.at:
                return
            if self.kind == "after-commit":
                if is_commit and counts["after-commit"] == self.at:
                    self.armed_after_commit = True
                return
            if counts[self.kind] == self.at and (self.kind != "commit" or is_commit):
                self._kill()

    @staticmethod
    def _kill() -> None:
        os.kill(os.getpid(), signal.SIGKILL)


def install(switch: _KillSwitch) -> None:
    original = sqlite3.connect

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn = original(*args, **kwargs)
        conn.set_trace_callback(switch.on_statement)
        return conn

    sqlite3.connect = connect  # type: ignore[assignment]
    _install_psycopg(switch)


def _install_psycopg(switch: _KillSwitch) -> None:
    """The same reports from psycopg's cursor (every statement of a connection goes through it)."""
    import psycopg

    cursor = psycopg.Cursor
    execute, executemany = cursor.execute, cursor.executemany

    def traced_execute(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        switch.on_statement(query if isinstance(query, str) else str(query))
        return execute(self, query, *args, **kwargs)

    def traced_executemany(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        switch.on_statement(query if isinstance(query, str) else str(query))
        return executemany(self, query, *args, **kwargs)

    cursor.execute = traced_execute  # type: ignore[method-assign,assignment]
    cursor.executemany = traced_executemany  # type: ignore[method-assign,assignment]


def main() -> None:
    switch = _KillSwitch(os.environ.get("BACKORDER_TEST_KILL_AT", ""))
    install(switch)
    counts_path = os.environ.get("BACKORDER_TEST_COUNTS")
    if counts_path:
        atexit.register(lambda: Path(counts_path).write_text(json.dumps(switch.counts)))
    from backorder_desktop.cli import main as cli_main

    cli_main(sys.argv[1:])


if __name__ == "__main__":
    main()
