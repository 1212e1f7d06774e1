"""The window's syncs in a child process (``sync_process=True``): same results, events relayed,
errors of the same kind, the token never on a command line or in an environment, a clean stop."""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
import threading
from pathlib import Path

import pytest

from backorder_desktop.adapters.secrets import MemorySecretStore
from backorder_desktop.adapters.sync_process import ChildProcessRunner
from backorder_desktop.app import open_profile
from backorder_desktop.demo.faults import FaultRule
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain import errors
from backorder_desktop.domain.errors import AuthError
from backorder_desktop.domain.errors import BugError
from backorder_desktop.domain.errors import SyncStopped
from backorder_desktop.domain.models import StoreInfo
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.domain.status import SyncState
from backorder_desktop.services.profile import Profile
from tests.demo_requests import unanswered
from tests.integration.support import mirror_snapshot
from tests.integration.support import store_snapshot


def window_context(home: str, store: DemoStore, *, token: str | None = None) -> Profile:
    """A profile as the window opens it: syncs in a child process."""
    context = open_profile(
        home, env_token=token or store.token, secret_store=MemorySecretStore(), sync_process=True
    )
    context.parts.mirror.set_store(
        StoreInfo(store_hash=store.store_hash, name="Test", plan_name="Demo"), store.api_url
    )
    return context


def sync_children() -> list[int]:
    """Pids of this process's ``sync-child`` children (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and b"sync-child" in cmdline:
            found.append(int(entry.name))
    return found


def test_a_window_sync_runs_in_a_child_and_reports_as_its_own(home, demo_store) -> None:
    context = window_context(home, demo_store)
    started: list[int] = []
    progress = []
    states = []
    finished = []
    context.parts.events.subscribe(
        "run_started", lambda run_id, kind, trigger: started.append((run_id, kind, trigger))
    )
    context.parts.events.subscribe("progress", progress.append)
    context.parts.events.subscribe("state_changed", states.append)
    context.parts.events.subscribe("run_finished", finished.append)
    try:
        run = context.parts.engine.sync(kind=RunKind.MANUAL, trigger="button", full=True)
        assert run.outcome is RunOutcome.OK and run.counts.seen == 200
        assert started == [(run.id, "manual", "button")]
        assert progress and {p.run_id for p in progress} == {run.id}
        assert progress[-1].pages_done == progress[-1].pages_total
        assert states == [SyncState.SYNCING, SyncState.IDLE]
        assert [r.id for r in finished] == [run.id]
        assert mirror_snapshot(context) == store_snapshot(demo_store)
        assert context.parts.connection._clients == {}  # no request was made from this process
        assert context.parts.mirror.last_run(kind=RunKind.MANUAL) == run
    finally:
        context.close()


def test_errors_cross_with_their_kind_and_the_run_is_recorded(home, demo_store) -> None:
    context = window_context(home, demo_store, token="not-the-token")
    states = []
    context.parts.events.subscribe("state_changed", states.append)
    try:
        with pytest.raises(AuthError) as raised:
            context.parts.engine.sync(kind=RunKind.MANUAL, trigger="button")
        run = context.parts.mirror.runs(limit=1)[0]
        assert run.outcome is RunOutcome.FAILED
        assert (run.error_title, run.error_message) == (raised.value.title, raised.value.message)
        assert raised.value.status == 401
        assert states[-1] is SyncState.PROBLEM
    finally:
        context.close()


def test_the_token_is_never_on_the_childs_command_line_or_environment(
    home, make_demo_store, monkeypatch
) -> None:
    store = make_demo_store(latency_ms=400)
    monkeypatch.setenv("BACKORDER_DESKTOP_TOKEN", store.token)  # as the window was started with it
    context = window_context(home, store)
    seen: list[tuple[bytes, bytes]] = []

    def look(_run_id: int, _kind: str, _trigger: str) -> None:  # the child is waiting on the store
        for pid in sync_children():
            seen.append(
                (Path(f"/proc/{pid}/cmdline").read_bytes(), Path(f"/proc/{pid}/environ").read_bytes())
            )

    context.parts.events.subscribe("run_started", look)
    try:
        context.parts.engine.sync(kind=RunKind.MANUAL, trigger="button")
    finally:
        context.close()
    assert len(seen) == 1
    cmdline, environ = seen[0]
    assert b"sync-child" in cmdline
    assert store.token.encode() not in cmdline and store.token.encode() not in environ


def test_closing_the_app_stops_a_running_sync_and_the_next_start_marks_it(
    home, make_demo_store, monkeypatch, expected_warnings
) -> None:
    store = make_demo_store()
    store.faults.add_rule(FaultRule(kind="hang", path_contains="catalog/products", count=None))
    held = unanswered(store, monkeypatch)  # the store takes the child's page request, never answers
    context = window_context(home, store)
    outcome: list[BaseException | object] = []

    def sync() -> None:
        try:
            outcome.append(context.parts.engine.sync(kind=RunKind.MANUAL, trigger="button", full=True))
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=sync)
    worker.start()
    assert held.wait(60), "the sync child never asked the store for a page"
    context.close()  # returns only once the child is gone: it cannot be waiting for the store
    worker.join(30)
    assert not worker.is_alive()
    assert isinstance(outcome[0], SyncStopped)
    # A sync that ends after the database closed (here: asked for after the close, as a timer may)
    # is told as stopped, never as a bug from reading the closed database.
    with pytest.raises(SyncStopped):
        context.parts.engine.sync(kind=RunKind.MANUAL, trigger="button", full=True)
    # The child exited as its pipe closed: the runner did not have to kill it after its wait.
    assert [r.getMessage() for r in expected_warnings] == []
    assert sync_children() == []
    assert store.requests.count(path_contains="catalog/products", status=200) == 0

    reopened = window_context(home, store)
    try:
        run = reopened.parts.mirror.runs(limit=1)[0]
        assert run.outcome is RunOutcome.FAILED and run.error_title == "Interrupted"
    finally:
        reopened.close()
    with sqlite3.connect(Path(home) / "data" / "backorder.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_child_that_dies_without_a_word_is_reported_not_hung(expected_warnings) -> None:
    runner = ChildProcessRunner(
        home=None,
        token=lambda: "t",
        memory_secrets=True,
        command=[sys.executable, "-c", "import sys; sys.stdin.readline(); print('{not json'); sys.exit(5)"],
    )
    ended = runner.run(
        kind=RunKind.MANUAL,
        trigger="button",
        full=False,
        on_started=lambda _: None,
        on_progress=lambda _: None,
    )
    assert ended.run_id is None
    assert isinstance(ended.error, BugError)
    assert "stopped unexpectedly (exit code 5)" in ended.error.message
    messages = [record.getMessage() for record in expected_warnings]
    assert any("unexpected line from the sync process" in m for m in messages)


def test_a_token_that_cannot_be_read_fails_the_sync_before_any_child_starts() -> None:
    def locked() -> str:
        raise errors.KeyringLocked("Unlock the keyring, then sync again.")

    runner = ChildProcessRunner(home=None, token=locked, memory_secrets=False, command=["/nonexistent"])
    ended = runner.run(
        kind=RunKind.MANUAL,
        trigger="button",
        full=False,
        on_started=lambda _: None,
        on_progress=lambda _: None,
    )
    assert isinstance(ended.error, errors.KeyringLocked)


def test_the_childs_log_lines_reach_the_windows_log_masked(home, demo_store, caplog) -> None:
    caplog.set_level(logging.DEBUG)  # the child logs at DEBUG too (it follows the window's level)
    context = window_context(home, demo_store)
    try:
        run = context.parts.engine.sync(kind=RunKind.MANUAL, trigger="button")
    finally:
        context.close()
    forwarded = [r for r in caplog.records if r.getMessage().startswith("[sync process] ")]
    summary = f"[sync process] sync run {run.id}: ok (seen 200, created 200, changed 0, removed 0)"
    assert summary in [r.getMessage() for r in forwarded]
    assert any(r.name == "httpx" and "GET" in r.getMessage() for r in forwarded)  # DEBUG-level detail
    assert all(demo_store.token not in r.getMessage() for r in caplog.records)


# A child that reports its pid as the run id, then waits for its job pipe to close: it is alive,
# and its environment readable, for as long as the test holds the pipe open.
_WAITING_CHILD = (
    "import json, os, sys; sys.stdin.readline(); "
    "print(json.dumps({'event': 'started', 'run_id': os.getpid()}), flush=True); sys.stdin.read()"
)


def test_the_child_gets_no_secret_variable_of_the_app(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    token = "correct horse battery staple"
    monkeypatch.setenv("BACKORDER_DESKTOP_TOKEN", token)
    monkeypatch.setenv("BACKORDER_DESKTOP_FUTURE_SECRET", "another-secret-value")
    monkeypatch.setenv("BACKORDER_DESKTOP_HOME", str(tmp_path))
    runner = ChildProcessRunner(
        home=tmp_path,
        token=lambda: token,
        memory_secrets=True,
        command=[sys.executable, "-c", _WAITING_CHILD],
    )
    seen: list[bytes] = []

    def look(pid: int) -> None:  # the child is blocked on its job pipe: read it, then let it go
        seen.append(Path(f"/proc/{pid}/environ").read_bytes())
        runner.stop()

    ended = runner.run(
        kind=RunKind.MANUAL, trigger="button", full=False, on_started=look, on_progress=lambda _: None
    )
    assert isinstance(ended.error, SyncStopped)
    assert len(seen) == 1
    variables = dict(line.split(b"=", 1) for line in seen[0].split(b"\0") if b"=" in line)
    assert variables[b"BACKORDER_DESKTOP_HOME"] == str(tmp_path).encode()  # not a secret: kept
    apps = sorted(name for name in variables if name.startswith(b"BACKORDER_DESKTOP_"))
    assert apps == [b"BACKORDER_DESKTOP_HOME"]
    leaked = [secret for secret in (token, "another-secret-value") if secret.encode() in seen[0]]
    assert leaked == []
    assert variables[b"PATH"] == os.environ["PATH"].encode()  # the rest is inherited
