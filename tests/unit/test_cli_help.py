"""Every command and option of the command line says what it does, in a line that is not cut off."""

from __future__ import annotations

from collections.abc import Iterator

import click

from backorder_desktop.cli.main import cli
from backorder_desktop.cli.main import load_commands

# The command list is printed this wide at 80 columns (click: width - 6 - the longest name).
LIST_WIDTH = 60


def _commands(command: click.Command, path: str = "backorder-desktop") -> Iterator[tuple[str, click.Command]]:
    load_commands()  # the group imports a command when it runs; these tests read them all
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            if not sub.hidden:
                yield from _commands(sub, f"{path} {name}")


def test_every_command_has_a_whole_one_line_summary() -> None:
    cut = {
        path: command.get_short_help_str(limit=LIST_WIDTH)
        for path, command in _commands(cli)
        if command.get_short_help_str(limit=LIST_WIDTH).endswith("...")
        or not command.get_short_help_str(limit=LIST_WIDTH)
    }
    assert cut == {}


def test_every_option_has_help() -> None:
    missing = [
        f"{path} {param.opts[0]}"
        for path, command in _commands(cli)
        if not path.startswith("backorder-desktop demo-store")  # the demo store's own command
        for param in command.params
        if isinstance(param, click.Option) and not param.help
    ]
    assert missing == []
