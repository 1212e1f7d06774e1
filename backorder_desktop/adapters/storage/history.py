"""Sync history: recording runs and their per-item problems, and reading them back as domain objects."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from typing import cast

from backorder_desktop.adapters.storage.codec import from_text
from backorder_desktop.adapters.storage.codec import maybe_from_text
from backorder_desktop.adapters.storage.codec import to_text
from backorder_desktop.adapters.storage.db import MirrorDatabase
from backorder_desktop.adapters.storage.tables import SyncIssueRow
from backorder_desktop.adapters.storage.tables import SyncRunRow
from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.errors import BugError
from backorder_desktop.domain.errors import ErrorKind
from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.models import ItemProblem
from backorder_desktop.domain.runs import RunCounts
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.runs import SyncRun

SUCCESSFUL = (RunOutcome.OK.value, RunOutcome.PARTIAL.value)


def start_run(
    db: MirrorDatabase, *, kind: RunKind, trigger: RunTrigger, mode: InventorySource, full: bool, at: datetime
) -> int:
    query = SyncRunRow.insert(
        kind=kind.value,
        trigger=str(trigger),
        mode=mode.value,
        full=full,
        started_at=to_text(at),
        outcome=RunOutcome.RUNNING.value,
    )
    return int(query.bind(db).execute())


def finish_run(
    db: MirrorDatabase,
    run_id: int,
    *,
    outcome: RunOutcome,
    counts: RunCounts,
    at: datetime,
    problems: Sequence[ItemProblem],
    error: BackorderError | None,
) -> None:
    updated = (
        SyncRunRow.update(
            finished_at=to_text(at),
            outcome=outcome.value,
            seen=counts.seen,
            created=counts.created,
            changed=counts.changed,
            removed=counts.removed,
            written=counts.written,
            error_title=None if error is None else error.title,
            error_message=None if error is None else error.message,
            error_kind=None if error is None else error.kind.value,
        )
        .where(SyncRunRow.id == run_id)
        .bind(db)
        .execute()
    )
    if updated != 1:
        raise BugError(f"sync run {run_id} does not exist")
    if problems:
        rows = [
            {"run": run_id, "item": p.item, "title": p.title, "message": p.message, "error_kind": p.kind}
            for p in problems
        ]
        SyncIssueRow.insert_many(rows).bind(db).execute()


INTERRUPTED = (
    "Interrupted",
    "This sync stopped before it finished (the app was closed, killed or the computer went off). "
    "Nothing half-done was kept; the next sync carries on from the last saved point.",
)


def abandon_running_runs(db: MirrorDatabase, *, at: datetime) -> int:
    """Runs still marked running become failed, with an "interrupted" error; returns how many."""
    query = SyncRunRow.update(
        finished_at=to_text(at),
        outcome=RunOutcome.FAILED.value,
        error_title=INTERRUPTED[0],
        error_message=INTERRUPTED[1],
        error_kind=ErrorKind.SYNC_STOPPED.value,
    ).where(SyncRunRow.outcome == RunOutcome.RUNNING.value)
    return int(query.bind(db).execute())


def _to_run(row: dict[str, Any], problems: tuple[ItemProblem, ...]) -> SyncRun:
    return SyncRun(
        id=row["id"],
        kind=RunKind(row["kind"]),
        trigger=RunTrigger(row["trigger"]),
        mode=InventorySource(row["mode"]),
        full=bool(row["full"]),
        started_at=from_text(row["started_at"]),
        finished_at=maybe_from_text(row["finished_at"]),
        outcome=RunOutcome(row["outcome"]),
        counts=RunCounts(
            seen=row["seen"],
            created=row["created"],
            changed=row["changed"],
            removed=row["removed"],
            written=row["written"],
        ),
        error_title=row["error_title"],
        error_message=row["error_message"],
        error_kind=_kind(row["error_kind"]),
        problems=problems,
    )


def _kind(value: str | None) -> ErrorKind | None:
    return None if value is None else ErrorKind(value)


def _with_problems(db: MirrorDatabase, rows: list[dict[str, Any]]) -> list[SyncRun]:
    by_run: defaultdict[int, list[ItemProblem]] = defaultdict(list)
    ids = [row["id"] for row in rows]
    if ids:
        query = (
            SyncIssueRow.select(
                SyncIssueRow.run,
                SyncIssueRow.item,
                SyncIssueRow.title,
                SyncIssueRow.message,
                SyncIssueRow.error_kind,
            )
            .where(SyncIssueRow.run.in_(ids))
            .order_by(SyncIssueRow.id)
            .tuples()
            .bind(db)
        )
        found = cast(list[tuple[int, str, str, str, str | None]], list(query))
        for run_id, item, title, message, kind in found:
            by_run[run_id].append(ItemProblem(item=item, title=title, message=message, kind=_kind(kind)))
    return [_to_run(row, tuple(by_run.get(row["id"], ()))) for row in rows]


def runs(db: MirrorDatabase, limit: int = 50) -> list[SyncRun]:
    """The latest ``limit`` runs, newest first."""
    query = SyncRunRow.select().order_by(SyncRunRow.id.desc()).limit(max(0, limit)).dicts().bind(db)
    rows = cast(list[dict[str, Any]], list(query))
    return _with_problems(db, rows)


def last_run(db: MirrorDatabase, *, kind: RunKind | None, successful: bool) -> SyncRun | None:
    """The newest run of ``kind`` (any kind if None); with ``successful``, only ok or partial ones."""
    query = SyncRunRow.select()
    if kind is not None:
        query = query.where(SyncRunRow.kind == kind.value)
    if successful:
        query = query.where(SyncRunRow.outcome.in_(SUCCESSFUL))
    rows = cast(list[dict[str, Any]], list(query.order_by(SyncRunRow.id.desc()).limit(1).dicts().bind(db)))
    found = _with_problems(db, rows)
    return found[0] if found else None
