"""Command line: the window (default), the demo store, and the sync engine's commands.

Every command works on a profile folder (``--home`` / ``BACKORDER_DESKTOP_HOME``), prints human
text by default and JSON with ``--json``, and exits non-zero with a one-line reason on failure.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from typing import TypeVar

import click

from backorder_desktop import __version__
from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.errors import UserFacingError
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.status import SyncProgress

F = TypeVar("F", bound=Callable[..., Any])

EXIT_USER_ERROR = 1
EXIT_BUG = 2


class Options:
    """Global options shared by every command."""

    def __init__(self, home: str | None, demo: bool, debug: bool) -> None:
        self.home = home
        self.demo = demo
        self.debug = debug


@contextmanager
def open_context(options: Options) -> Iterator[Any]:
    """Build the app context for one command, with logging, and turn errors into exit codes."""
    from backorder_desktop import app
    from backorder_desktop.adapters.paths import profile_paths
    from backorder_desktop.logging_setup import setup_logging

    home = app.demo_home(options.home) if options.demo else options.home
    log_dir = None
    context = None
    try:
        paths = profile_paths(home)
        paths.ensure()
        log_dir = paths.log_dir
        setup_logging(paths.log_dir, debug=options.debug)
        context = app.build_context(
            options.home, demo=options.demo, env_token=os.environ.get("BACKORDER_DESKTOP_TOKEN") or None
        )
        warning = context.feed.url_warning()  # an older version's feed address holding a key
        if warning is not None:
            click.echo(f"Warning: {warning}", err=True)
        yield context
    except UserFacingError as exc:
        _fail(f"{exc.title}: {exc.message}", EXIT_USER_ERROR)
    except BackorderError as exc:
        _fail(f"{exc.title}: {exc.message} (log: {log_dir})", EXIT_BUG)
    finally:
        if context is not None:
            context.close()


def _fail(line: str, code: int) -> None:
    click.echo(line.replace("\n", " "), err=True)
    sys.exit(code)


def echo_json(value: object) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


pass_options = click.make_pass_decorator(Options)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="backorder-desktop")
@click.option(
    "--home", envvar="BACKORDER_DESKTOP_HOME", type=click.Path(file_okay=False), help="Profile folder."
)
@click.option(
    "--demo", is_flag=True, help="Use a fresh demo store started in this process, with its own profile."
)
@click.option("--debug", is_flag=True, help="Log debug details (secrets are always masked).")
@click.option(
    "--screenshot", type=click.Path(dir_okay=False), help="Open the window, save a PNG of it, exit."
)
@click.option(
    "--page",
    type=click.Choice(["products", "history", "settings"]),
    default=None,
    help="With --screenshot: which page to show.",
)
@click.pass_context
def cli(
    ctx: click.Context, home: str | None, demo: bool, debug: bool, screenshot: str | None, page: str | None
) -> None:
    """BackOrder Desktop: mirror a BigCommerce catalog and manage backorder stock.

    With no command, opens the window.
    """
    ctx.obj = Options(home, demo, debug)
    if ctx.invoked_subcommand is None:
        from backorder_desktop import app

        sys.exit(app.run_window(home=home, demo=demo, debug=debug, screenshot=screenshot, page=page))


@cli.command()
@click.option("--store-hash", required=True, help="The store hash (the part after /stores/ in API paths).")
@click.option("--api-url", default="https://api.bigcommerce.com", show_default=True, help="API gateway.")
@pass_options
def connect(options: Options, store_hash: str, api_url: str) -> None:
    """Check an access token against the store and keep it in the keyring.

    The token is read from the terminal without echo, or from standard input when that is not a
    terminal.
    """
    if sys.stdin.isatty():
        token = getpass.getpass("Access token: ")
    else:
        token = sys.stdin.readline().strip()
    with open_context(options) as context:
        report = context.credentials.connect(store_hash, api_url.rstrip("/"), token)
        click.echo(report.summary())


def _print_progress(progress: SyncProgress) -> None:
    click.echo(
        f"\r{progress.phase.value}: page {progress.pages_done:,} of {progress.pages_total:,} "
        f"({progress.products_seen:,} products)",
        err=True,
        nl=False,
    )


@cli.command()
@click.option(
    "--full", is_flag=True, help="Read the whole catalog (also removes products deleted in the store)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the run as JSON.")
@pass_options
def sync(options: Options, full: bool, as_json: bool) -> None:
    """Run a manual sync now: progress on stderr, summary on stdout."""
    with open_context(options) as context:
        printed: list[SyncProgress] = []

        def on_progress(progress: SyncProgress) -> None:
            printed.append(progress)
            _print_progress(progress)

        unsubscribe = context.events.subscribe("progress", on_progress)
        try:
            run = context.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=full)
        finally:
            unsubscribe()
            if printed:
                click.echo("", err=True)  # end the progress line
        if as_json:
            echo_json(run_json(run))
        else:
            c = run.counts
            click.echo(
                f"{'Full' if run.full else 'Incremental'} sync {run.outcome.value}: "
                f"{c.seen:,} products seen, {c.created:,} new, {c.changed:,} changed, {c.removed:,} removed."
            )
            for problem in run.problems[:20]:
                click.echo(f"  {problem.item}: {problem.title}: {problem.message}")


def run_json(run: Any) -> dict[str, object]:
    return {
        "id": run.id,
        "kind": run.kind.value,
        "trigger": run.trigger,
        "mode": run.mode.value,
        "full": run.full,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "outcome": run.outcome.value,
        "counts": {
            "seen": run.counts.seen,
            "created": run.counts.created,
            "changed": run.counts.changed,
            "removed": run.counts.removed,
        },
        "error": {"title": run.error_title, "message": run.error_message} if run.error_title else None,
        "problems": [{"item": p.item, "title": p.title, "message": p.message} for p in run.problems],
    }


# Commands that read or edit the mirror live in cli_commands.py, which adds them to `cli`.
from backorder_desktop import cli_child  # noqa: E402, F401
from backorder_desktop import cli_commands  # noqa: E402, F401
from backorder_desktop import cli_repair  # noqa: E402, F401
from backorder_desktop import cli_service  # noqa: E402, F401
from backorder_desktop import cli_stock  # noqa: E402, F401


def _register_demo_store() -> None:
    from backorder_desktop.demo.command import demo_store

    if "demo-store" not in cli.commands:
        cli.add_command(demo_store, name="demo-store")


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``backorder-desktop`` command."""
    _register_demo_store()
    cli.main(args=argv, prog_name="backorder-desktop")
