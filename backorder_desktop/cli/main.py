"""The ``backorder-desktop`` command: the window (no command), and every command, registered here.

Each command module holds a group of related commands; they are added to ``cli`` below, in one
list, so nothing registers itself by being imported.
"""

from __future__ import annotations

import sys

import click

from backorder_desktop import __version__
from backorder_desktop.cli import backorder
from backorder_desktop.cli import catalog
from backorder_desktop.cli import child
from backorder_desktop.cli import notifications
from backorder_desktop.cli import orders
from backorder_desktop.cli import service
from backorder_desktop.cli import stock
from backorder_desktop.cli import syncing
from backorder_desktop.cli.common import Options


@click.group(
    invoke_without_command=True,
    short_help="Mirror a BigCommerce catalog and manage backorder stock.",
    context_settings={"help_option_names": ["-h", "--help"]},
)
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
    type=click.Choice(["dashboard", "products", "orders", "history", "settings"]),
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


COMMANDS: list[click.Command] = [
    syncing.connect,
    syncing.sync,
    syncing.rebuild,
    catalog.status,
    catalog.history,
    catalog.settings,
    catalog.products,
    catalog.assign,
    catalog.unassign,
    orders.orders,
    notifications.notifications,
    stock.stock,
    stock.outbox,
    stock.feed,
    stock.export_stock,
    stock.import_stock,
    backorder.backorder,
    service.service,
    service.webhooks,
    child.sync_child,
]
for command in COMMANDS:
    cli.add_command(command)


def _add_demo_store() -> None:
    """``demo-store``: the demo server's own command (imported only when the CLI runs)."""
    from backorder_desktop.demo.command import demo_store

    if "demo-store" not in cli.commands:
        # The list of commands shows one line each; the demo's own help opens with a long sentence.
        demo_store.short_help = demo_store.short_help or "Serve a demo store on 127.0.0.1 to try the app."
        cli.add_command(demo_store, name="demo-store")


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``backorder-desktop`` command."""
    _add_demo_store()
    cli.main(args=argv, prog_name="backorder-desktop")
