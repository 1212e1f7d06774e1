"""The CLI's repair command: ``rebuild`` the database from BigCommerce, keeping the user's own data.

A damaged database (``DatabaseCorrupt``: its message names this command) is set aside in
``backups/`` untouched; a fresh one gets the user tables salvaged from it — or, when they cannot
be read whole, from the side copy ``userdata.sqlite3`` (``adapters/storage/salvage.py``) — and a
full sync fetches the catalog again. A sound database only has its catalog mirror emptied and
fetched again. Either way assignments, settings, stock items, the ledger, the outbox, the
connected store and the sync history stay.
"""

from __future__ import annotations

import shutil
from datetime import UTC
from datetime import datetime
from pathlib import Path

import click

from backorder_desktop.cli import EXIT_USER_ERROR
from backorder_desktop.cli import Options
from backorder_desktop.cli import cli
from backorder_desktop.cli import open_context
from backorder_desktop.cli import pass_options
from backorder_desktop.domain.errors import DatabaseCorrupt
from backorder_desktop.domain.errors import UserFacingError
from backorder_desktop.domain.runs import RunKind


def _set_aside(database: Path) -> Path:
    """Move the damaged file (with its WAL and shared-memory files) into ``backups/``."""
    folder = database.parent / "backups"
    folder.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = folder / f"damaged-{stamp}-{database.name}"
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{database}{suffix}")
        if part.exists():
            shutil.move(str(part), f"{target}{suffix}")
    return target


def _prepare(options: Options) -> str:
    """Salvage or empty the mirror under the profile's sync lock; returns what was done."""
    from backorder_desktop import app
    from backorder_desktop.adapters.locks import FileProcessLock
    from backorder_desktop.adapters.paths import profile_paths
    from backorder_desktop.adapters.storage.mirror_store import open_mirror
    from backorder_desktop.adapters.storage.salvage import salvage
    from backorder_desktop.adapters.storage.salvage import side_path
    from backorder_desktop.logging_setup import setup_logging

    paths = profile_paths(app.demo_home(options.home) if options.demo else options.home)
    paths.ensure()
    setup_logging(paths.log_dir, debug=options.debug)
    lock = FileProcessLock(paths.data_dir / "sync.lock")
    if not lock.try_acquire():
        raise UserFacingError(
            "A window or command is syncing this profile. Quit the window (or wait for the "
            "command), then run `backorder-desktop rebuild` again.",
            title="Profile in use",
        )
    try:
        database = paths.database
        try:
            mirror = open_mirror(database)
        except DatabaseCorrupt:
            damaged = _set_aside(database)
            report = salvage(damaged, database, copy=side_path(database))
            return f"The damaged database was moved to {damaged}. {report.summary()}"
        try:
            mirror.rebuild_mirror()
        finally:
            mirror.close()
        return "The database was sound; its catalog copy was emptied. Your own data was kept."
    finally:
        lock.release()


@cli.command()
@pass_options
def rebuild(options: Options) -> None:
    """Rebuild the database from BigCommerce, keeping your own data.

    Use it when the database is damaged: the damaged file is set aside, your BackOrder products,
    stock changes, waiting changes, settings and history are kept, and the catalog is fetched
    again with a full sync.
    """
    try:
        click.echo(_prepare(options))
    except UserFacingError as exc:
        click.echo(f"{exc.title}: {exc.message}".replace("\n", " "), err=True)
        raise SystemExit(EXIT_USER_ERROR) from None
    with open_context(options) as context:
        run = context.engine.sync(kind=RunKind.MANUAL, trigger="rebuild", full=True)
        c = run.counts
        click.echo(
            f"Full sync {run.outcome.value}: {c.seen:,} products fetched, {c.written:,} waiting "
            f"changes written to BigCommerce."
        )
