"""Command line: the window (default), the demo store, and the sync engine's commands."""

from __future__ import annotations

import click

from backorder_desktop import __version__


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="backorder-desktop")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """BackOrder Desktop: mirror a BigCommerce catalog and manage backorder stock."""
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


def _register_demo_store() -> None:
    from backorder_desktop.demo.command import demo_store

    cli.add_command(demo_store, name="demo-store")


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``backorder-desktop`` command."""
    _register_demo_store()
    cli.main(args=argv, prog_name="backorder-desktop")
