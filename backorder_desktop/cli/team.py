"""``team``: put this profile's database on a team's PostgreSQL server, join one, see it, leave it."""

from __future__ import annotations

import click

from backorder_desktop.cli.common import Options
from backorder_desktop.cli.common import echo_json
from backorder_desktop.cli.common import open_profile
from backorder_desktop.cli.common import pass_options
from backorder_desktop.cli.common import read_secret
from backorder_desktop.cli.common import reporting_errors
from backorder_desktop.domain.team_url import parse_team_url
from backorder_desktop.domain.team_url import with_password

_URL_HELP = (
    "URL is postgresql://USER@HOST/DATABASE; a server on another computer needs ?sslmode=require. "
    "A password in it is taken out and kept in the keyring, never in a file — but while the command "
    "runs other users of this computer may see its arguments: prefer --ask-password."
)
_ASK = click.option(
    "--ask-password",
    is_flag=True,
    help="Read the database password from the terminal without echo (or the first line of standard input).",
)
_NAME = click.option("--name", "team_name", default="", help="A name for the team (shown by team status).")
_JSON = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")


@click.group(short_help="Share this profile with other desktops on a PostgreSQL server.")
def team() -> None:
    """Team mode: several desktops work on one store through one shared PostgreSQL database.

    Each desktop keeps its own BigCommerce token (its keyring), the database's password (its
    keyring) and its person's display name (settings set display-name NAME).
    """


def _with_password(url: str, ask: bool) -> str:
    if not ask:
        return url
    return with_password(parse_team_url(url).url, read_secret("Database password") or None)


@team.command(short_help="Move this profile's data into an empty PostgreSQL database and use it.")
@click.argument("url")
@_ASK
@_NAME
@_JSON
@pass_options
def create(options: Options, url: str, ask_password: bool, team_name: str, as_json: bool) -> None:
    """Move this profile's data (your BackOrder products, stock and its history, waiting changes,
    rules, settings, sync history and the catalog copy) into the empty team database at URL, in one
    transaction checked table by table, and use that database from now on.

    This computer's own database file is kept as it was; `team leave` goes back to it.
    """
    with open_profile(options) as profile:
        moved = profile.team_create(_with_password(url, ask_password), team_name=team_name)
    if as_json:
        echo_json(
            {
                "database": moved.database,
                "tables": [{"table": t, "local": here, "team": there} for t, here, there in moved.counts],
                "kept_file": moved.kept_file,
            }
        )
        return
    click.echo(f"Moved this profile into the team database {moved.database}:")
    for table, here, there in moved.counts:
        click.echo(f"  {table}: {here:,} rows here, {there:,} in the team database")
    click.echo(
        f"This profile uses the team database from now on. This computer's own file stays at "
        f"{moved.kept_file}, as it was at the move (`backorder-desktop team leave` goes back to it, "
        "without what the team changes from now on)."
    )
    click.echo("On each other desktop: backorder-desktop team join URL, then connect with its own token.")


@team.command(short_help="Use a team's PostgreSQL database (made with team create) from now on.")
@click.argument("url")
@_ASK
@_NAME
@_JSON
@pass_options
def join(options: Options, url: str, ask_password: bool, team_name: str, as_json: bool) -> None:
    """Use the team database at URL from now on. Its store must be this profile's (or this profile
    new). Your token stays yours: connect with it if this desktop has none for the team's store."""
    with open_profile(options) as profile:
        joined = profile.team_join(_with_password(url, ask_password), team_name=team_name)
    if as_json:
        echo_json(
            {
                "database": joined.database,
                "store_hash": joined.store_hash,
                "store_name": joined.store_name,
                "has_token": joined.has_token,
            }
        )
        return
    click.echo(f"Joined the team on {joined.database}: store {joined.store_name} ({joined.store_hash}).")
    if not joined.has_token:
        click.echo(
            "This desktop has no token for that store yet: run "
            f"`backorder-desktop connect --store-hash {joined.store_hash}` with your own token."
        )


@team.command("status", short_help="The team database, who you are in it, and who leads.")
@_JSON
@pass_options
def team_status(options: Options, as_json: bool) -> None:
    """The team database this profile uses (never its password), the name your changes are
    recorded with, and which desktop leads the team's syncs."""
    with open_profile(options) as profile:
        status = profile.team_status()
    if as_json:
        echo_json(
            {
                "in_team": status.in_team,
                "database": status.database,
                "team_name": status.team_name,
                "me": status.me,
                "leader": status.leader,
            }
        )
        return
    if not status.in_team:
        click.echo(f"Not in a team: this profile uses this computer's own database ({status.database}).")
    else:
        name = f" ({status.team_name})" if status.team_name else ""
        click.echo(f"Team database{name}: {status.database}")
        click.echo(f"Leading the syncs: {status.leader}")
    click.echo(f"Your changes are recorded as: {status.me}")


@team.command(short_help="Go back to this computer's own database file.")
@_JSON
@pass_options
def leave(options: Options, as_json: bool) -> None:
    """Use this computer's own database file again (as it was when this profile moved into the team,
    or empty if it joined). The team database keeps the team's data and the other desktops keep
    working on it; its password is removed from this computer's keyring."""
    from backorder_desktop import app

    with reporting_errors(options):
        left = app.leave_team(options.home)
    if as_json:
        echo_json({"database": left.database, "local_file": left.local_file})
        return
    click.echo(
        f"Left the team on {left.database}; the team keeps its data, and what was done in the team stays "
        f"there. This profile uses {left.local_file} again, as it was before it joined the team."
    )
