"""``backorder``: the backorder rules of BackOrder items — limit, incoming units, expected date, message."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from backorder_desktop.cli.common import Options
from backorder_desktop.cli.common import echo_json
from backorder_desktop.cli.common import open_profile
from backorder_desktop.cli.common import pass_options
from backorder_desktop.domain.backorder_rules import KEEP
from backorder_desktop.domain.backorder_rules import parse_day
from backorder_desktop.domain.backorder_rules import parse_units
from backorder_desktop.domain.plurals import counted

if TYPE_CHECKING:  # annotations only: the command's module imports no service for them
    from backorder_desktop.domain.product_writes import StoreCount
    from backorder_desktop.services.profile import RuleView


@click.group(short_help="Show or set backorder limits, incoming stock, dates and messages.")
def backorder() -> None:
    """The backorder rules of BackOrder products: how many units each may sell below zero (its
    limit), the units and the date expected from the supplier, and the message shoppers read."""


@backorder.command("set", short_help="Set the rules of products or variants by SKU or product id.")
@click.argument("refs", metavar="SKU|ID...", nargs=-1, required=True)
@click.option("--limit", metavar="N", help="Units it may sell below zero (0 or more).")
@click.option("--incoming", metavar="N", help="Units expected from the supplier.")
@click.option("--date", "expected", metavar="YYYY-MM-DD", help="The expected (back in stock) date.")
@click.option("--message", metavar="TEXT", help="Shopper message; {date} and {incoming} are filled in.")
@click.option("--clear-limit", is_flag=True, help="No limit: it may sell any number below zero.")
@click.option("--clear-incoming", is_flag=True, help="Nothing incoming.")
@click.option("--clear-date", is_flag=True, help="No expected date.")
@click.option(
    "--clear-message", is_flag=True, help="Use the store-wide message (settings backorder-message)."
)
@pass_options
def set_rules(
    options: Options,
    refs: tuple[str, ...],
    limit: str | None,
    incoming: str | None,
    expected: str | None,
    message: str | None,
    clear_limit: bool,
    clear_incoming: bool,
    clear_date: bool,
    clear_message: bool,
) -> None:
    """Set the backorder rules of every item of SKU|ID... at once: a product id or a product's SKU
    sets each of its variants where it keeps stock per variant; a variant SKU sets that variant.
    Nothing is changed when any SKU is unknown or not in BackOrder, or a value is refused."""
    clear = [
        name
        for name, flag in (
            ("limit", clear_limit),
            ("incoming", clear_incoming),
            ("expected", clear_date),
            ("message", clear_message),
        )
        if flag
    ]
    with open_profile(options) as profile:
        report = profile.set_backorder_rules(
            list(refs),
            limit=KEEP if limit is None else parse_units("limit", limit),
            incoming=KEEP if incoming is None else parse_units("incoming stock", incoming),
            expected=KEEP if expected is None else parse_day(expected),
            message=KEEP if message is None else message,
            clear=clear,
        )
        click.echo(
            f"{counted(len(report.changed), 'item')} changed, {counted(len(report.unchanged), 'item')} "
            "already so."
        )


@backorder.command("show", short_help="The rules of BackOrder items, and where each stands.")
@click.argument("refs", metavar="[SKU|ID...]", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the items as a JSON list.")
@pass_options
def show(options: Options, refs: tuple[str, ...], as_json: bool) -> None:
    """The backorder rules of SKU|ID... (every BackOrder item when none is given): stock on hand,
    limit, units available to sell, incoming, expected date, the message as shoppers read it, and
    the state: ok, near limit (10 % of it left), at limit, or date passed (with units owed)."""
    with open_profile(options) as profile:
        views = profile.backorder_rules(list(refs))
        counted_in_store = profile.store_backorder_counts()  # the native method's own counts
        if as_json:
            echo_json([_json(view, counted_in_store.get(view.key)) for view in views])
            return
        for view in views:
            limit = "no limit" if view.rule.limit is None else f"limit {view.rule.limit:,}"
            available = "" if view.available is None else f", {view.available:,} to sell"
            expected = f", {view.rule.incoming:,} due {view.rule.expected or 'no date'}"
            message = f' "{view.message}"' if view.message else ""
            store = counted_in_store.get(view.key)
            said = "" if store is None else f", BigCommerce: {_counted(store)}"
            click.echo(
                f"{view.sku:<24} {view.level:>8,} {limit}{available}{expected}{said} [{view.state}]{message}"
            )


def _counted(store: StoreCount) -> str:
    return f"{store.qty_backordered:,} backordered, {store.available_to_sell:,} to sell"


def _json(view: RuleView, store: StoreCount | None) -> dict[str, object]:
    counted = (
        {}
        if store is None
        else {
            "store": {
                "backorder_limit": store.limit,
                "qty_backordered": store.qty_backordered,
                "available_to_sell": store.available_to_sell,
            }
        }
    )
    return {
        **counted,
        "sku": view.sku,
        "product_id": view.key.product_id,
        "variant_id": view.key.variant_id,
        "inventory_level": view.level,
        "limit": view.rule.limit,
        "available_to_sell": view.available,
        "incoming": view.rule.incoming,
        "expected": None if view.rule.expected is None else view.rule.expected.isoformat(),
        "message_template": view.rule.message,
        "message": view.message,
        "state": view.state.value,
    }
