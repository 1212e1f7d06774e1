"""Commands that read or edit the mirror: status, history, settings, products, assign."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from backorder_desktop.cli.common import EXIT_USER_ERROR
from backorder_desktop.cli.common import TOKEN_ENV
from backorder_desktop.cli.common import Options
from backorder_desktop.cli.common import echo_json
from backorder_desktop.cli.common import fail
from backorder_desktop.cli.common import open_profile
from backorder_desktop.cli.common import pass_options
from backorder_desktop.cli.common import run_json
from backorder_desktop.cli.common import when
from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.plurals import capped
from backorder_desktop.domain.plurals import counted
from backorder_desktop.domain.product_writes import BACKORDER_METHOD
from backorder_desktop.domain.settings import DISPLAY_NAME
from backorder_desktop.domain.settings import INVENTORY_SOURCE
from backorder_desktop.domain.settings import SETTING_NAMES
from backorder_desktop.domain.stock import OutboxChoice
from backorder_desktop.services.profile import TokenSource

if TYPE_CHECKING:  # annotations only: the command's module imports no service for them
    from backorder_desktop.domain.models import Product
    from backorder_desktop.services.profile import AssignReport
    from backorder_desktop.services.profile import Profile

_TOKEN_WORDS = {
    TokenSource.KEYRING: "in the keyring",
    TokenSource.SESSION: "for this session only (not saved)",
    TokenSource.RUN: f"from {TOKEN_ENV}, for this run only (not saved)",
}


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@pass_options
def status(options: Options, as_json: bool) -> None:
    """Mode, counts, last syncs, outbox size and keyring backend."""
    with open_profile(options) as profile:
        report = profile.status()
        if as_json:
            echo_json(report.as_json())
            return
        store = f"{report.store_name} ({report.store_hash})" if report.store_hash else "no store connected"
        click.echo(f"Store: {store}")
        click.echo(f"Inventory source: {report.inventory_source.value}")
        click.echo(f"Products: {report.products:,} ({counted(report.variants, 'variant')})")
        click.echo(f"BackOrder products: {report.backorder_products:,}")
        click.echo(f"Units on backorder: {report.backordered_units:,}")
        click.echo(f"Orders waiting for stock: {report.orders_waiting:,}")
        click.echo(f"Unread notifications: {len(report.notifications):,}")
        click.echo(f"Changes waiting to be written: {report.outbox:,}")
        if report.product_writes:
            waiting = f"{report.product_writes:,} (tracking, purchasing, limits)"
            click.echo(f"Product changes waiting to be written: {waiting}")
        click.echo(f"Last manual sync: {when(report.last_manual_sync)}")
        click.echo(f"Last automatic update: {when(report.last_automatic_sync)}")
        job = f", {report.next_scheduled_job}" if report.next_scheduled_job else ""
        click.echo(f"Next scheduled run: {when(report.next_scheduled_run)}{job}")
        click.echo(f"Keyring: {report.keyring_backend or 'none available'}")
        if report.token_source is not None:
            click.echo(f"Token: {_TOKEN_WORDS[report.token_source]}")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the runs as a JSON list.")
@click.option("--limit", default=20, show_default=True, help="How many runs, newest first.")
@pass_options
def history(options: Options, as_json: bool, limit: int) -> None:
    """Recorded sync runs and their problems."""
    with open_profile(options) as profile:
        runs = profile.history(limit=limit)
        if as_json:
            echo_json([run_json(run) for run in runs])
            return
        if not runs:
            click.echo("No sync runs yet.")
        for run in runs:
            c = run.counts
            took = f"{(run.finished_at - run.started_at).total_seconds():.1f}s" if run.finished_at else "-"
            click.echo(
                f"#{run.id} {when(run.started_at)} {run.kind.value}/{run.trigger} "
                f"{'full' if run.full else 'incremental'} {run.outcome.value} in {took}: "
                f"{c.seen:,} seen, {c.created:,} new, {c.changed:,} changed, {c.removed:,} removed"
            )
            if run.error_title:
                click.echo(f"    {run.error_title}: {run.error_message}")
            for problem in run.problems[:10]:
                click.echo(f"    {problem.item}: {problem.title}: {problem.message}")


@click.group()
def settings() -> None:
    """Show or change settings."""


@settings.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print the settings as a JSON object.")
@pass_options
def settings_show(options: Options, as_json: bool) -> None:
    """Show every setting."""
    with open_profile(options) as profile:
        values = profile.settings_text()
        if as_json:
            echo_json(values)
            return
        for name, value in values.items():
            click.echo(f"{name}: {value}")


@settings.command(
    "set",
    short_help="Change one setting: settings set NAME VALUE.",
    help="Change one setting, for example: settings set daily-sync-time 02:30\n\n"
    "`settings show` lists every setting with its value.\n\n\b\nNAME is one of:\n"
    + "\n".join(f"  {name}" for name in [*SETTING_NAMES, DISPLAY_NAME]),
)
@click.argument("name")
@click.argument("value")
@click.option("--push-outbox", is_flag=True, help="Switching mode or method: write waiting changes first.")
@click.option("--discard-outbox", is_flag=True, help="Switching mode or method: drop waiting stock changes.")
@click.option("--yes", is_flag=True, help="Switching the backorder method: apply what the preview shows.")
@pass_options
def settings_set(
    options: Options, name: str, value: str, push_outbox: bool, discard_outbox: bool, yes: bool
) -> None:
    choice = _outbox_choice(push_outbox, discard_outbox)
    if choice is not None and name not in (INVENTORY_SOURCE, BACKORDER_METHOD):
        raise click.UsageError(
            f"--push-outbox and --discard-outbox go with {INVENTORY_SOURCE} and {BACKORDER_METHOD} only."
        )
    with open_profile(options) as profile:
        if name == BACKORDER_METHOD:
            _switch_method(profile, value, choice, yes)
            return
        profile.save_settings({name: value}, outbox=choice)
        click.echo(f"{name}: {profile.settings_text()[name]}")


def _switch_method(profile: Profile, value: str, choice: OutboxChoice | None, yes: bool) -> None:
    """A method switch moves the BackOrder products' tracking and limits in the store: shown
    first, applied with --yes."""
    preview = profile.preview_backorder_method(value)
    moves = preview.tracking_on + preview.tracking_off + preview.limits_written + preview.limits_cleared
    if preview.changes and moves and not yes:
        click.echo(preview.summary())
        fail(f"Nothing changed yet: run the command again with --yes to switch to {preview.wanted.value}.", 1)
    done = profile.switch_backorder_method(value, outbox=choice)
    if done.changes:
        click.echo(done.summary())
        click.echo("The next push writes these changes to BigCommerce.", err=True)
    click.echo(f"{BACKORDER_METHOD}: {profile.settings_text()[BACKORDER_METHOD]}")


def _owed(*levels: int | None) -> dict[str, int]:
    """BackOrder levels as units in stock and units owed (below 0: sold on backorder), summed."""
    return {
        "on_hand": sum(max(0, level or 0) for level in levels),
        "backordered": sum(max(0, -(level or 0)) for level in levels),
    }


def _product_json(product: Product, backorder: set[int]) -> dict[str, object]:
    assigned = product.id in backorder
    variants = [
        {
            "id": v.id,
            "product_id": v.product_id,
            "sku": v.sku,
            "inventory_level": v.inventory_level,
            "price": v.price,
            "option_label": v.option_label,
            **(_owed(v.inventory_level) if assigned else {}),
        }
        for v in product.variants
    ]
    by_variant = product.inventory_tracking is InventoryTracking.VARIANT
    owed = (
        _owed(*(v.inventory_level for v in product.variants))
        if by_variant
        else _owed(product.inventory_level)
    )
    return {
        "id": product.id,
        "name": product.name,
        "sku": product.sku,
        "inventory_tracking": product.inventory_tracking.value,
        "inventory_level": product.inventory_level,
        "price": product.price,
        "is_visible": product.is_visible,
        "availability": product.availability,
        "date_modified": product.date_modified.isoformat(),
        "backorder": assigned,
        **(owed if assigned else {}),
        "variants": variants,
    }


@click.command()
@click.option("--search", "query", default="", help="Part of a name or SKU.")
@click.option("--backorder", is_flag=True, help="BackOrder products only.")
@click.option("--limit", type=int, default=None, help="At most this many products.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list with variants.")
@pass_options
def products(options: Options, query: str, backorder: bool, limit: int | None, as_json: bool) -> None:
    """The mirrored catalog, with variants."""
    with open_profile(options) as profile:
        found = profile.products(query, backorder_only=backorder, limit=limit)
        assigned = profile.backorder_ids()
        if as_json:
            echo_json([_product_json(p, assigned) for p in found])
            return
        for p in found:
            mark = "B" if p.id in assigned else " "
            click.echo(f"{mark} {p.id:>8} {p.sku:<20} {p.inventory_level:>8,}  {p.name}")
            for v in p.variants if len(p.variants) > 1 else ():
                click.echo(f"    {v.id:>8} {v.sku:<20} {v.inventory_level or 0:>8,}  {v.option_label}")
        click.echo(counted(len(found), "product"), err=True)


def _require_refs(refs: tuple[str, ...], query: str | None) -> None:
    if not refs and query is None:
        raise click.UsageError("Give product ids or SKUs, or --search TEXT.")


def _print_assignment(report: AssignReport, verb: str, refs: tuple[str, ...], query: str | None) -> None:
    if not report.matched:
        wanted = [f"the id or SKU {', '.join(refs)}"] if refs else []
        wanted += [f"'{query}' in its name or SKU"] if query is not None else []
        fail(
            f"Nothing matched: no product has {' or '.join(wanted)}. Nothing was changed. "
            "`backorder-desktop products --search TEXT` finds products by name or SKU.",
            EXIT_USER_ERROR,
        )
    click.echo(f"{report.changed:,} of {counted(report.matched, 'product')} {verb} backorder.")
    if report.untracked:
        click.echo(_untracked_line(report))
    if report.unknown:
        click.echo(f"Not found (skipped): {capped(list(report.unknown), 20)}", err=True)


def _untracked_line(report: AssignReport) -> str:
    """Assigned, but the store tracks no stock for them: nothing for the app to count until it does."""
    one = report.untracked == 1
    which = "It" if report.matched == 1 else f"{report.untracked:,} of them"
    return (
        f"{which} {'tracks' if one else 'track'} no stock in BigCommerce ({report.untracked_named()}): "
        f"{'it always sells' if one else 'they always sell'}, so there is nothing to count or limit. "
        f"Turn on inventory tracking for {'it' if one else 'them'} in BigCommerce, then sync."
    )


_SEARCH_HELP = "Every product whose name or SKU contains this text."


@click.command(short_help="Assign products to BackOrder (by id, SKU or --search).")
@click.argument("refs", nargs=-1, metavar="[ID|SKU]...")
@click.option("--search", "query", default=None, metavar="TEXT", help=_SEARCH_HELP)
@pass_options
def assign(options: Options, refs: tuple[str, ...], query: str | None) -> None:
    """Assign products to BackOrder: their stock is then managed here, variants included.

    With the backorder method app (the default) BigCommerce stops tracking their stock, so a
    shopper can buy at zero, and the app counts their orders.

    Give product ids, product or variant SKUs, or --search TEXT (or both). A ref that matches
    nothing is listed and skipped; when nothing matches at all, nothing changes and the command
    fails.
    """
    _require_refs(refs, query)
    with open_profile(options) as profile:
        _print_assignment(profile.assign(refs, search=query), "assigned to", refs, query)


@click.command(short_help="Remove products from BackOrder (by id, SKU or --search).")
@click.argument("refs", nargs=-1, metavar="[ID|SKU]...")
@click.option("--search", "query", default=None, metavar="TEXT", help=_SEARCH_HELP)
@click.option("--push-outbox", is_flag=True, help="Write their waiting stock changes to BigCommerce first.")
@click.option("--discard-outbox", is_flag=True, help="Drop their waiting stock changes (history notes it).")
@pass_options
def unassign(
    options: Options, refs: tuple[str, ...], query: str | None, push_outbox: bool, discard_outbox: bool
) -> None:
    """Remove products from BackOrder: BigCommerce counts their stock again.

    Give product ids, product or variant SKUs, or --search TEXT (or both). When one of them has a
    stock change waiting to be written, say what to do with it: --push-outbox writes it first,
    --discard-outbox drops it (the stock history records that it was discarded).
    """
    _require_refs(refs, query)
    choice = _outbox_choice(push_outbox, discard_outbox)
    with open_profile(options) as profile:
        _print_assignment(profile.unassign(refs, search=query, outbox=choice), "removed from", refs, query)


def _outbox_choice(push_outbox: bool, discard_outbox: bool) -> OutboxChoice | None:
    if push_outbox and discard_outbox:
        raise click.UsageError("Choose one of --push-outbox and --discard-outbox.")
    return OutboxChoice.PUSH if push_outbox else OutboxChoice.DISCARD if discard_outbox else None
