"""The ``backorder-desktop`` command: the window (no command), and every command, registered here.

Each command module holds a group of related commands; they are named in ``COMMANDS`` below, in
one list, so nothing registers itself by being imported. A command's module is imported when that
command runs (or a help page lists it): ``--version`` loads no command, ``status`` only its own
(a script calling it in a loop pays for nothing else).
"""

from __future__ import annotations

import sys

import click

from backorder_desktop import __version__

# Command name -> "module:attribute" under backorder_desktop.cli.
COMMANDS: dict[str, str] = {
    "connect": "syncing:connect",
    "sync": "syncing:sync",
    "rebuild": "syncing:rebuild",
    "status": "catalog:status",
    "history": "catalog:history",
    "settings": "catalog:settings",
    "products": "catalog:products",
    "assign": "catalog:assign",
    "unassign": "catalog:unassign",
    "orders": "orders:orders",
    "notifications": "notifications:notifications",
    "stock": "stock:stock",
    "outbox": "stock:outbox",
    "feed": "stock:feed",
    "export": "stock:export_stock",
    "import": "stock:import_stock",
    "backorder": "backorder:backorder",
    "service": "service:service",
    "webhooks": "service:webhooks",
    "team": "team:team",
    "sync-child": "child:sync_child",
}
DEMO_STORE = "demo-store"  # the demo server's own command (backorder_desktop.demo.command)


class LazyGroup(click.Group):
    """A group whose commands are imported when looked up by name."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMANDS, DEMO_STORE})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            if cmd_name in COMMANDS:
                self.add_command(_load(COMMANDS[cmd_name]), cmd_name)
            elif cmd_name == DEMO_STORE:
                _add_demo_store()
        return self.commands.get(cmd_name)


def _load(target: str) -> click.Command:
    module, attribute = target.split(":")
    name = f"backorder_desktop.cli.{module}"
    __import__(name)  # not importlib.import_module: -X importtime logs only import statements
    command = getattr(sys.modules[name], attribute)
    assert isinstance(command, click.Command), target
    return command


def load_commands() -> None:
    """Import every command now (the help tests; a process that forks command runners preloads)."""
    for name in [*COMMANDS, DEMO_STORE]:
        cli.get_command(click.Context(cli), name)


@click.group(
    cls=LazyGroup,
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
    from backorder_desktop.cli.common import Options

    ctx.obj = Options(home, demo, debug)
    if ctx.invoked_subcommand is None:
        from backorder_desktop import app

        sys.exit(app.run_window(home=home, demo=demo, debug=debug, screenshot=screenshot, page=page))


def _add_demo_store() -> None:
    """``demo-store``: the demo server's own command (imported only when it runs or is listed)."""
    from backorder_desktop.demo.command import demo_store

    if DEMO_STORE not in cli.commands:
        # The list of commands shows one line each; the demo's own help opens with a long sentence.
        demo_store.short_help = demo_store.short_help or "Serve a demo store on 127.0.0.1 to try the app."
        cli.add_command(demo_store, name=DEMO_STORE)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``backorder-desktop`` command."""
    cli.main(args=argv, prog_name="backorder-desktop")
