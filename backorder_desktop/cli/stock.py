"""Stock commands: stock set/add/remove/history, outbox, the ERP feed, export and import."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from typing import BinaryIO
from typing import cast

import click

from backorder_desktop.cli.common import Options
from backorder_desktop.cli.common import echo_json
from backorder_desktop.cli.common import open_profile
from backorder_desktop.cli.common import pass_options
from backorder_desktop.cli.common import read_secret
from backorder_desktop.domain.plurals import capped
from backorder_desktop.domain.plurals import counted
from backorder_desktop.domain.stock import AdjustmentKind

if TYPE_CHECKING:  # annotations only: the command's module imports no service for them
    from backorder_desktop.domain.stock import Adjustment
    from backorder_desktop.services.profile import ApplyReport
    from backorder_desktop.services.profile import PushReport


@click.group(short_help="Set, add to or show a BackOrder product's stock.")
def stock() -> None:
    """Change or show a BackOrder product's stock (bigcommerce mode; works offline)."""


def _edit_command(kind: AdjustmentKind, doc: str) -> click.Command:
    # A negative quantity ("stock set SKU -3": three units owed) is a number, not an option.
    @click.command(name=kind.value, help=doc, context_settings={"ignore_unknown_options": True})
    @click.argument("sku")
    @click.argument("quantity", type=int)
    @click.option("--reason", default="", help="Why (kept in the stock history).")
    @pass_options
    def command(options: Options, sku: str, quantity: int, reason: str) -> None:
        with open_profile(options) as profile:
            edit = profile.edit_stock(sku, kind, quantity, reason=reason)
            a = edit.adjustment
            waiting = counted(edit.waiting, "change")
            click.echo(f"{sku}: {a.level_before:,} → {a.level_after:,} ({waiting} waiting to be written)")

    return command


stock.add_command(_edit_command(AdjustmentKind.SET, "Set a stock level: stock set SKU N."))
stock.add_command(_edit_command(AdjustmentKind.ADD, "Add to a stock level: stock add SKU N."))
stock.add_command(_edit_command(AdjustmentKind.REMOVE, "Remove from a stock level: stock remove SKU N."))


@stock.command("history", short_help="A product's stock history, newest first.")
@click.argument("ref", metavar="ID|SKU")
@click.option("--json", "as_json", is_flag=True, help="Print the entries as a JSON list.")
@pass_options
def stock_history(options: Options, ref: str, as_json: bool) -> None:
    """A product's stock history (by product id or SKU), newest first."""
    with open_profile(options) as profile:
        entries = profile.stock_history(ref)
        if as_json:
            echo_json([_adjustment_json(a) for a in entries])
            return
        for a in entries:
            click.echo(
                f"{a.at.astimezone():%Y-%m-%d %H:%M} {a.key.label():<28} {a.kind.value:<6} {a.quantity:>8,} "
                f"{a.level_before:>8,} → {a.level_after:<8,} {a.source.value:<7} {a.actor} {a.reason}"
            )


def _adjustment_json(a: Adjustment) -> dict[str, object]:
    return {
        "id": a.id,
        "product_id": a.key.product_id,
        "variant_id": a.key.variant_id,
        "kind": a.kind.value,
        "quantity": a.quantity,
        "level_before": a.level_before,
        "level_after": a.level_after,
        "source": a.source.value,
        "actor": a.actor,
        "reason": a.reason,
        "at": a.at.isoformat(),
    }


@click.command(short_help="List the stock changes waiting to be written, or write them.")
@click.option("--push", "push", is_flag=True, help="Write the waiting changes to BigCommerce now.")
@click.option("--json", "as_json", is_flag=True, help="Print the waiting changes as a JSON list.")
@pass_options
def outbox(options: Options, push: bool, as_json: bool) -> None:
    """List the stock changes waiting to be written to BigCommerce, or write them."""
    with open_profile(options) as profile:
        if push:
            report = profile.push_now()
            click.echo(_push_line(report))
            for problem in report.problems:
                click.echo(f"  {problem.item}: {problem.message}", err=True)
        entries = profile.outbox()
        if as_json:
            echo_json(
                [
                    {
                        "product_id": e.item.key.product_id,
                        "variant_id": e.item.key.variant_id,
                        "sku": e.item.sku,
                        "inventory_level": e.item.level,
                        "store_level": e.item.store_level,
                        "state": e.state.value,
                        "attempts": e.attempts,
                        "last_error": e.last_error,
                    }
                    for e in entries
                ]
            )
            return
        if not push:
            for e in entries:
                note = f" ({e.last_error})" if e.last_error else ""
                click.echo(
                    f"{e.item.sku:<24} {e.item.store_level:>8,} → {e.item.level:<8,} {e.state.value}{note}"
                )
            click.echo(f"{counted(len(entries), 'change')} waiting", err=True)


@click.group()
def feed() -> None:
    """The ERP stock feed (inventory source 'api')."""


@feed.command("pull", short_help="Pull the feed now and write its stock to BigCommerce.")
@pass_options
def feed_pull(options: Options) -> None:
    """Pull the feed now: apply its stock and write it to BigCommerce."""
    with open_profile(options) as profile:
        _print_apply(profile.pull_feed())


@feed.command("credential", short_help="Keep the feed's password or key in the keyring.")
@pass_options
def feed_credential(options: Options) -> None:
    """Keep the feed's credential in the keyring (read without echo, or from standard input)."""
    credential = read_secret("Feed credential")
    with open_profile(options) as profile:
        profile.set_feed_credential(credential)
        click.echo("Feed credential saved in the keyring.")


def _print_apply(report: ApplyReport) -> None:
    verb = "applied" if report.applied else "to apply"
    click.echo(
        f"{counted(report.rows, 'row')}: {counted(len(report.changes), 'change')} {verb}, "
        f"{report.unchanged:,} unchanged."
    )
    for change in report.changes[:50]:
        click.echo(f"  {change.item.sku}: {change.item.level:,} → {change.new_level:,}")
    if len(report.changes) > 50:
        click.echo(f"  and {len(report.changes) - 50:,} more")
    _print_skipped(report)
    for problem in report.problems[:50]:
        click.echo(f"  {problem.item}: {problem.message}", err=True)
    if report.push is not None:
        click.echo(f"{_push_line(report.push)} (BigCommerce)")


def _print_skipped(report: ApplyReport) -> None:
    """The rows that set no stock, kept apart by why, each list capped."""
    kinds = [
        ("Unknown SKUs", report.unknown, ""),
        (
            "Not BackOrder products",
            report.not_backorder,
            " (`backorder-desktop assign SKU` manages one here)",
        ),
        (
            "Stock kept per variant",
            [f"{e.sku} (use {capped(list(e.instead), 3)})" for e in report.per_variant],
            "",
        ),
        (
            "Stock kept for the whole product",
            [f"{e.sku} (use {e.instead[0]})" for e in report.whole_product],
            "",
        ),
        ("No stock tracked in BigCommerce", report.not_tracked, ""),
    ]
    for what, skus, hint in kinds:
        if skus:
            click.echo(f"{what} ({counted(len(skus), 'SKU')} skipped): {capped(skus, 20)}{hint}", err=True)


def _push_line(report: PushReport) -> str:
    return (
        f"{counted(report.written, 'change')} written, {report.failed:,} refused, "
        f"{counted(report.store_moves, 'sale')} made meanwhile kept."
    )


@click.command("export", short_help="BackOrder products' stock as CSV (to a file or stdout).")
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True), default="-")
@pass_options
def export_stock(options: Options, path: str) -> None:
    """BackOrder products' stock as CSV (sku, quantity, …); '-' is standard output."""
    with open_profile(options) as profile:
        data = profile.export_stock().encode("utf-8")  # bytes: no newline translation on Windows
        if path == "-":
            click.echo(data, nl=False)
        else:
            Path(path).write_bytes(data)


@click.command("import", short_help="Import stock from a CSV of sku,quantity (--apply).")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--apply", "apply", is_flag=True, help="Apply the changes (without it: show them only).")
@pass_options
def import_stock(options: Options, path: str, apply: bool) -> None:
    """Import stock from a CSV of sku,quantity: shows the changes; --apply applies them."""
    with open_profile(options) as profile, click.open_file(path, "rb") as source:
        report = profile.import_stock(cast(BinaryIO, source), apply=apply)
        _print_apply(report)
        if not apply and report.changes:
            click.echo("Nothing changed yet: run again with --apply to apply these changes.")
