"""Commands that talk to the store: ``connect``, ``sync`` and ``rebuild``."""

from __future__ import annotations

import click

from backorder_desktop.cli.common import Options
from backorder_desktop.cli.common import echo_json
from backorder_desktop.cli.common import open_profile
from backorder_desktop.cli.common import pass_options
from backorder_desktop.cli.common import read_secret
from backorder_desktop.cli.common import run_json
from backorder_desktop.domain.models import DEFAULT_API_URL
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.status import SyncProgress


@click.command()
@click.option("--store-hash", required=True, help="The store hash (the part after /stores/ in API paths).")
@click.option("--api-url", default=DEFAULT_API_URL, show_default=True, help="API gateway.")
@pass_options
def connect(options: Options, store_hash: str, api_url: str) -> None:
    """Check an access token against the store and keep it in the keyring.

    The token is read from the terminal without echo, or from standard input when that is not a
    terminal.
    """
    token = read_secret("Access token")
    with open_profile(options) as profile:
        report = profile.connect(store_hash, api_url.rstrip("/"), token)
        click.echo(report.summary())


def _print_progress(progress: SyncProgress) -> None:
    click.echo(
        f"\r{progress.phase.value}: page {progress.pages_done:,} of {progress.pages_total:,} "
        f"({progress.products_seen:,} products)",
        err=True,
        nl=False,
    )


@click.command()
@click.option(
    "--full", is_flag=True, help="Read the whole catalog (also removes products deleted in the store)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the run as JSON.")
@pass_options
def sync(options: Options, full: bool, as_json: bool) -> None:
    """Run a manual sync now: progress on stderr, summary on stdout."""
    with open_profile(options) as profile:
        printed: list[SyncProgress] = []

        def on_progress(progress: SyncProgress) -> None:
            printed.append(progress)
            _print_progress(progress)

        unsubscribe = profile.subscribe("progress", on_progress)
        try:
            run = profile.sync(trigger=RunTrigger.CLI, full=full)
        finally:
            unsubscribe()
            if printed:
                click.echo("", err=True)  # end the progress line
        if as_json:
            echo_json(run_json(run))
            return
        c = run.counts
        click.echo(
            f"{'Full' if run.full else 'Incremental'} sync {run.outcome.value}: "
            f"{c.seen:,} products seen, {c.created:,} new, {c.changed:,} changed, {c.removed:,} removed."
        )
        for problem in run.problems[:20]:
            click.echo(f"  {problem.item}: {problem.title}: {problem.message}")


@click.command()
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
            f"Full sync {report.run.outcome.value}: {c.seen:,} products fetched, {c.written:,} waiting "
            f"changes written to BigCommerce."
        )
