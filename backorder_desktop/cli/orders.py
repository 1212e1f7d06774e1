"""``orders``: the orders that wait for stock of BackOrder products, oldest first."""

from __future__ import annotations

import click

from backorder_desktop.cli.common import Options
from backorder_desktop.cli.common import echo_json
from backorder_desktop.cli.common import open_profile
from backorder_desktop.cli.common import pass_options
from backorder_desktop.domain.orders import OrderStatus
from backorder_desktop.domain.orders import OwedOrder
from backorder_desktop.domain.plurals import counted


def _status(order: OwedOrder) -> str:
    status = OrderStatus.of(order.status_id)
    return status.label if status is not None else f"status {order.status_id}"


def _json(order: OwedOrder) -> dict[str, object]:
    return {
        "order_id": order.order_id,
        "status_id": order.status_id,
        "status": _status(order),
        "date_created": order.date_created.isoformat(),
        "customer": order.customer,
        "units": order.units,
        "lines": [
            {"product_id": key.product_id, "variant_id": key.variant_id, "sku": sku, "units": units}
            for key, sku, units in order.lines
        ],
    }


@click.command()
@click.option(
    "--limit",
    type=click.IntRange(1, 100_000),
    default=200,
    show_default=True,
    help="At most this many orders.",
)
@click.option("--pull", is_flag=True, help="Read the store's new orders first (a sync does this too).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@pass_options
def orders(options: Options, limit: int, pull: bool, as_json: bool) -> None:
    """Orders waiting for BackOrder stock, oldest first."""
    with open_profile(options) as profile:
        if pull:
            for problem in profile.pull_orders().problems[:20]:  # as a sync prints its run's
                click.echo(f"{problem.item}: {problem.title}: {problem.message}", err=True)
        owed = profile.owed_orders(limit=limit)
        if as_json:
            echo_json([_json(order) for order in owed])
            return
        for order in owed:
            when = order.date_created.strftime("%Y-%m-%d %H:%M")
            click.echo(f"#{order.order_id:<8} {when}  {_status(order):<22} {order.customer}")
            for _key, sku, units in order.lines:
                click.echo(f"    {units:>5} × {sku}")
        click.echo(f"{counted(len(owed), 'order')} waiting for stock", err=True)
