"""The CLI's stock commands: stock set/add/remove/history, outbox, feed, export and import."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Any

import click

from backorder_desktop.cli import Options
from backorder_desktop.cli import cli
from backorder_desktop.cli import echo_json
from backorder_desktop.cli import open_context
from backorder_desktop.cli import pass_options
from backorder_desktop.domain.csv_cells import csv_text
from backorder_desktop.domain.stock import AdjustmentKind


@cli.group()
def stock() -> None:
    """Change or show a BackOrder product's stock (bigcommerce mode; works offline)."""


def _edit_command(kind: AdjustmentKind, doc: str) -> None:
    @stock.command(name=kind.value, help=doc)
    @click.argument("sku")
    @click.argument("quantity", type=int)
    @click.option("--reason", default="", help="Why (kept in the stock history).")
    @pass_options
    def command(options: Options, sku: str, quantity: int, reason: str) -> None:
        with open_context(options) as context:
            adjustment = context.stock.edit(sku, kind, quantity, actor=getpass.getuser(), reason=reason)
            click.echo(
                f"{sku}: {adjustment.level_before:,} → {adjustment.level_after:,} "
                f"(waiting to be written: {context.stock.outbox_count():,})"
            )


_edit_command(AdjustmentKind.SET, "Set a stock level: stock set SKU N.")
_edit_command(AdjustmentKind.ADD, "Add to a stock level: stock add SKU N.")
_edit_command(AdjustmentKind.REMOVE, "Remove from a stock level: stock remove SKU N.")


@stock.command("history")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True)
@pass_options
def stock_history(options: Options, ref: str, as_json: bool) -> None:
    """A product's stock history (by product id or SKU), newest first."""
    with open_context(options) as context:
        found = context.mirror.find_product_ids([ref])
        if ref not in found:
            raise click.ClickException(f"No product has the id or SKU '{ref}'.")
        entries = context.stock.history(found[ref])
        if as_json:
            echo_json([_adjustment_json(a) for a in entries])
            return
        for a in entries:
            click.echo(
                f"{a.at.astimezone():%Y-%m-%d %H:%M} {a.key.label():<28} {a.kind.value:<6} {a.quantity:>8,} "
                f"{a.level_before:>8,} → {a.level_after:<8,} {a.source.value:<7} {a.actor} {a.reason}"
            )


def _adjustment_json(a: Any) -> dict[str, object]:
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


@cli.command()
@click.option("--push", "push", is_flag=True, help="Write the waiting changes to BigCommerce now.")
@click.option("--json", "as_json", is_flag=True)
@pass_options
def outbox(options: Options, push: bool, as_json: bool) -> None:
    """List the stock changes waiting to be written to BigCommerce, or write them."""
    with open_context(options) as context:
        if push:
            report = context.stock.push()
            click.echo(
                f"{report.written:,} written, {report.failed:,} refused, {report.store_moves:,} sales kept."
            )
            for problem in report.problems:
                click.echo(f"  {problem.item}: {problem.message}", err=True)
        entries = context.stock.outbox()
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
            click.echo(f"{len(entries):,} changes waiting", err=True)


@cli.group()
def feed() -> None:
    """The ERP stock feed (inventory source 'api')."""


@feed.command("pull")
@pass_options
def feed_pull(options: Options) -> None:
    """Pull the feed now: apply its stock and write it to BigCommerce."""
    with open_context(options) as context:
        report = context.feed.pull()
        _print_apply(report)


@feed.command("credential")
@pass_options
def feed_credential(options: Options) -> None:
    """Keep the feed's credential in the keyring (read without echo, or from standard input)."""
    credential = getpass.getpass("Feed credential: ") if sys.stdin.isatty() else sys.stdin.readline().strip()
    with open_context(options) as context:
        context.feed.set_credential(credential)
        click.echo("Feed credential saved in the keyring.")


def _print_apply(report: Any) -> None:
    verb = "applied" if report.applied else "would change"
    click.echo(f"{report.rows:,} rows: {len(report.changes):,} {verb}, {report.unchanged:,} unchanged.")
    for change in report.changes[:50]:
        click.echo(f"  {change.item.sku}: {change.item.level:,} → {change.new_level:,}")
    if report.unknown:
        click.echo(f"Unknown SKUs (skipped): {', '.join(report.unknown[:20])}", err=True)
    for problem in report.problems[:50]:
        click.echo(f"  {problem.item}: {problem.message}", err=True)
    if report.push is not None:
        click.echo(f"{report.push.written:,} written to BigCommerce, {report.push.failed:,} refused.")


@cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True), default="-")
@pass_options
def export_stock(options: Options, path: str) -> None:
    """BackOrder products' stock as CSV (sku, quantity, …); '-' is standard output."""
    with open_context(options) as context:
        waiting = {e.item.key for e in context.stock.outbox()}
        # SKUs come from the store: csv_text quotes a formula in one so that it cannot run in a
        # spreadsheet (``import`` reads the quoted cell back as the SKU it was).
        text = csv_text(
            [
                ["sku", "quantity", "product_id", "variant_id", "store_quantity", "waiting"],
                *(
                    [
                        item.sku,
                        item.level,
                        item.key.product_id,
                        item.key.variant_id or "",
                        item.store_level,
                        "yes" if item.key in waiting else "no",
                    ]
                    for item in context.mirror.stock_items()
                ),
            ]
        )
        data = text.encode("utf-8")  # bytes: no newline translation on Windows
        if path == "-":
            click.echo(data, nl=False)
        else:
            Path(path).write_bytes(data)


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--apply", "apply", is_flag=True, help="Apply the changes (without it: show them only).")
@pass_options
def import_stock(options: Options, path: str, apply: bool) -> None:
    """Import stock from a CSV of sku,quantity: shows the changes; --apply applies them."""
    with open_context(options) as context, click.open_file(path, "rb") as source:
        report = context.feed.import_csv(source, apply=apply, actor=getpass.getuser())
        _print_apply(report)
        if not apply and report.changes:
            click.echo("Nothing changed yet: run again with --apply to apply these changes.")
