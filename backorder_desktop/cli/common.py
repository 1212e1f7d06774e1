"""What every command shares: the global options, opening the profile, printing, failing.

A command is a call on the ``Profile`` facade plus presentation: ``open_profile`` opens it for
the command (with logging) and turns domain errors into a one-line reason and an exit code, with
the command line's own words for what to do next.
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING
from typing import NoReturn

import click

from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.errors import UserFacingError
from backorder_desktop.domain.models import DEFAULT_API_URL

if TYPE_CHECKING:  # the facade is imported with ``app``, when a command opens its profile
    from collections.abc import Iterator
    from datetime import datetime

    from backorder_desktop.domain.runs import SyncRun
    from backorder_desktop.services.profile import Profile

EXIT_USER_ERROR = 1
EXIT_BUG = 2
TOKEN_ENV = "BACKORDER_DESKTOP_TOKEN"  # noqa: S105 (the variable's name, not a token)
# With the token, these name the store for one run of a profile never connected.
STORE_HASH_ENV = "BACKORDER_DESKTOP_STORE_HASH"
API_URL_ENV = "BACKORDER_DESKTOP_API_URL"
HOME_ENV = "BACKORDER_DESKTOP_HOME"  # what --home DIR does

# The command line's own words for an error's remedy (the facade's messages name no front end).
REMEDIES: dict[Remedy, str] = {
    Remedy.CONNECT: "Run `backorder-desktop connect --store-hash HASH` (or try `backorder-desktop --demo`); "
    f"for one run without connecting, set {TOKEN_ENV} and {STORE_HASH_ENV} (and {API_URL_ENV} for a test "
    "server).",
    Remedy.RECONNECT: "Run `backorder-desktop connect --store-hash HASH` again with a token that works.",
    Remedy.RETRY_LATER: "Run the command again later (`backorder-desktop service` and the window retry on "
    "their own).",
    Remedy.SESSION_ONLY: "Or run `backorder-desktop connect --session-only`: the token is checked and kept "
    f"for that command only, never saved; give it to later commands in {TOKEN_ENV}.",
    Remedy.ASSIGN: "Run `backorder-desktop assign SKU`.",
    Remedy.FIND_VARIANT: "`backorder-desktop products --search SKU` lists its variants.",
    Remedy.CHOOSE_OUTBOX: "Pass --push-outbox to write them first, or --discard-outbox to drop them.",
    Remedy.USE_FEED: "Run `backorder-desktop settings set inventory-source api`.",
    Remedy.SET_FEED_URL: "Run `backorder-desktop settings set feed-url https://…`.",
    Remedy.SET_FEED_CREDENTIAL: "Run `backorder-desktop feed credential` and paste the password or key when "
    "asked: it is kept in the keyring, never in a file.",
    Remedy.OTHER_FOLDER: f"Or give another profile folder with --home DIR (or {HOME_ENV}).",
    Remedy.SECOND_STORE: f"Give each store its own profile folder with --home DIR (or {HOME_ENV}).",
    Remedy.REBUILD: "Run `backorder-desktop rebuild`: it sets the damaged file aside (in backups/), keeps "
    "your BackOrder products, stock changes, settings and history, and fetches the catalog again.",
    Remedy.SET_WEBHOOK_URL: "Run `backorder-desktop settings set webhook-public-url https://…`.",
    Remedy.SEE_OUTBOX: "`backorder-desktop outbox` lists them with the store's reasons.",
    Remedy.JOIN_TEAM: "To work with that team, run `backorder-desktop team join URL` (this profile's own "
    "data stays in its file); to start a new team, give an empty database.",
    Remedy.CREATE_TEAM: "On the desktop that holds the store's data, run `backorder-desktop team create "
    "URL`; then join it from here.",
    Remedy.LEAVE_TEAM: "Run `backorder-desktop team leave` first.",
}


class Options:
    """Global options shared by every command."""

    def __init__(self, home: str | None, demo: bool, debug: bool) -> None:
        self.home = home
        self.demo = demo
        self.debug = debug


pass_options = click.make_pass_decorator(Options)


@contextmanager
def open_profile(options: Options, *, salvage: bool = False) -> Iterator[Profile]:
    """Open the profile for one command, with logging; errors become exit codes."""
    from backorder_desktop import app
    from backorder_desktop.logging_setup import setup_logging

    log_dir = None
    profile = None
    try:
        paths = app.profile_paths_for(options.home, demo=options.demo)
        log_dir = paths.log_dir
        setup_logging(paths.log_dir, debug=options.debug)
        profile = app.open_profile(
            options.home,
            demo=options.demo,
            env_token=os.environ.get(TOKEN_ENV) or None,
            env_store=_env_store(),
            salvage=salvage,
            ready_paths=paths,
        )
        for warning in profile.start_warnings():
            click.echo(f"Warning: {warning.message}{_hint(warning)}", err=True)
        yield profile
    except UserFacingError as exc:
        fail(f"{exc.title}: {exc.message}{_hint(exc)}", EXIT_USER_ERROR)
    except BackorderError as exc:
        fail(f"{exc.title}: {exc.message} (log: {log_dir})", EXIT_BUG)
    finally:
        if profile is not None:
            profile.close()


@contextmanager
def reporting_errors(options: Options) -> Iterator[None]:
    """For a command that works on the profile's folder without opening its database (``team
    leave``, which must work while the team's server is unreachable): logging, errors as exit codes."""
    from backorder_desktop import app
    from backorder_desktop.logging_setup import setup_logging

    log_dir = None
    try:
        log_dir = app.profile_paths_for(options.home, demo=options.demo).log_dir
        setup_logging(log_dir, debug=options.debug)
        yield
    except UserFacingError as exc:
        fail(f"{exc.title}: {exc.message}{_hint(exc)}", EXIT_USER_ERROR)
    except BackorderError as exc:
        fail(f"{exc.title}: {exc.message} (log: {log_dir})", EXIT_BUG)


def _env_store() -> tuple[str, str] | None:
    store_hash = os.environ.get(STORE_HASH_ENV, "").strip()
    if not store_hash:
        return None
    return store_hash, os.environ.get(API_URL_ENV, "").strip() or DEFAULT_API_URL


def _hint(error: BackorderError) -> str:
    return f" {REMEDIES[error.remedy]}" if error.remedy is not None else ""


def fail(line: str, code: int) -> NoReturn:
    click.echo(line.replace("\n", " "), err=True)
    sys.exit(code)


def echo_json(value: object) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


def when(value: datetime | None) -> str:
    """A moment in the computer's time zone, or "never"."""
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z") if value is not None else "never"


def read_secret(prompt: str) -> str:
    """A token or password: from the terminal without echo, or the first line of standard input."""
    import getpass

    return getpass.getpass(f"{prompt}: ") if sys.stdin.isatty() else sys.stdin.readline().strip()


def run_json(run: SyncRun) -> dict[str, object]:
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
        "error": (
            {"kind": run.error_kind, "title": run.error_title, "message": run.error_message}
            if run.error_title
            else None
        ),
        "problems": [{"item": p.item, "title": p.title, "message": p.message} for p in run.problems],
    }


def run_line(run: SyncRun) -> str:
    """One finished run as a line (``service`` prints each)."""
    c = run.counts
    line = (
        f"{when(run.finished_at)} {run.kind.value}/{run.trigger} {'full' if run.full else 'incremental'} "
        f"{run.outcome.value}: {c.seen:,} seen, {c.created:,} new, {c.changed:,} changed, "
        f"{c.removed:,} removed"
    )
    if run.error_title:
        line += f" ({run.error_title}: {run.error_message})"
    return line
