"""Commands that talk to the store: ``connect``, ``sync`` and ``rebuild``."""

from __future__ import annotations

import sys

import click

from backorder_desktop.cli.common import TOKEN_ENV
from backorder_desktop.cli.common import Options
from backorder_desktop.cli.common import echo_json
from backorder_desktop.cli.common import open_profile
from backorder_desktop.cli.common import pass_options
from backorder_desktop.cli.common import read_secret
from backorder_desktop.cli.common import run_json
from backorder_desktop.domain.models import DEFAULT_API_URL
from backorder_desktop.domain.plurals import counted
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.status import SyncPhase
from backorder_desktop.domain.status import SyncProgress


@click.command(short_help="Connect a store: check its token and keep it in the keyring.")
@click.option("--store-hash", required=True, help="The store hash (the part after /stores/ in API paths).")
@click.option("--api-url", default=DEFAULT_API_URL, show_default=True, help="API gateway.")
@click.option(
    "--session-only",
    is_flag=True,
    help="Do not save the token (no keyring here): check it and remember the store only.",
)
@pass_options
def connect(options: Options, store_hash: str, api_url: str, session_only: bool) -> None:
    """Check an access token against the store and keep it in the keyring.

    The token is read from the terminal without echo, or from standard input when that is not a
    terminal. With --session-only (a computer without a keyring) the token is checked and kept for
    this command only, never saved; the store is remembered, and later commands take the token
    from BACKORDER_DESKTOP_TOKEN.
    """
    token = read_secret("Access token")
    with open_profile(options) as profile:
        report = profile.connect(store_hash, api_url.rstrip("/"), token, remember=not session_only)
        click.echo(report.summary())
        if session_only:
            click.echo(f"Give the token to each later command in {TOKEN_ENV}.")


class _Progress:
    """A sync's progress on stderr: on a terminal one line rewritten in place; elsewhere (a pipe,
    a log file) a line per phase and per tenth of the pages, with no carriage returns."""

    def __init__(self, *, terminal: bool) -> None:
        self._terminal = terminal
        self._printed = False
        self._last: tuple[SyncPhase, int] | None = None

    def __call__(self, progress: SyncProgress) -> None:
        text = (
            f"{progress.phase.value}: page {progress.pages_done:,} of {progress.pages_total:,} "
            f"({counted(progress.products_seen, 'product')})"
        )
        if self._terminal:
            click.echo(f"\r{text}", err=True, nl=False)
            self._printed = True
            return
        step = (progress.phase, int(progress.fraction * 10))
        if step != self._last:
            self._last = step
            click.echo(text, err=True)

    def end(self) -> None:
        if self._printed:
            click.echo("", err=True)  # end the line rewritten in place


@click.command(short_help="Sync the catalog now (progress on stderr).")
@click.option(
    "--full", is_flag=True, help="Read the whole catalog (also removes products deleted in the store)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the run as JSON.")
@pass_options
def sync(options: Options, full: bool, as_json: bool) -> None:
    """Run a manual sync now: progress on stderr, summary on stdout."""
    with open_profile(options) as profile:
        progress = _Progress(terminal=sys.stderr.isatty())
        unsubscribe = profile.subscribe("progress", progress)
        try:
            run = profile.sync(trigger=RunTrigger.CLI, full=full)
        finally:
            unsubscribe()
            progress.end()
        if as_json:
            echo_json(run_json(run))
            return
        c = run.counts
        click.echo(
            f"{'Full' if run.full else 'Incremental'} sync {run.outcome.value}: "
            f"{counted(c.seen, 'product')} seen, {c.created:,} new, {c.changed:,} changed, "
            f"{c.removed:,} removed."
        )
        for problem in run.problems[:20]:
            click.echo(f"  {problem.item}: {problem.title}: {problem.message}")


@click.command(short_help="Rebuild a damaged database from BigCommerce.")
@pass_options
def rebuild(options: Options) -> None:
    """Rebuild the database from BigCommerce, keeping your own data.

    Use it when the database is damaged: the damaged file is set aside, your BackOrder products,
    stock changes, waiting changes, settings and history are kept, and the catalog is fetched
    again with a full sync.
    """
    with open_profile(options, salvage=True) as profile:
        report = profile.rebuild(prepared=click.echo)
        c = report.run.counts
        click.echo(
            f"Full sync {report.run.outcome.value}: {counted(c.seen, 'product')} fetched, "
            f"{counted(c.written, 'waiting change')} written to BigCommerce."
        )
