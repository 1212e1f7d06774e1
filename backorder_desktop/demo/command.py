"""``backorder-desktop demo-store``: serve a demo store on 127.0.0.1 until Ctrl-C or SIGTERM.

It prints three lines that scripts can parse, then serves::

    API URL: http://127.0.0.1:PORT
    Store hash: demo
    Token: demo-token
"""

from __future__ import annotations

import signal
import threading
import time
from types import FrameType

import click

from backorder_desktop.demo.config import DemoConfig
from backorder_desktop.demo.server import DemoStore

_RATE = click.FloatRange(0.0, 1.0)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--products", type=click.IntRange(min=0), default=2000, show_default=True, help="Catalog size.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="0 picks a free port."
)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same catalog.")
@click.option("--store-hash", default="demo", show_default=True)
@click.option("--token", default="demo-token", show_default=True, help="Access token with every scope.")
@click.option("--read-only-token", "read_only_tokens", multiple=True, help="A token with read-only scopes.")
@click.option(
    "--token-without-locations",
    "no_locations_tokens",
    multiple=True,
    help="A token with every scope but Store Locations.",
)
@click.option(
    "--latency-ms", type=click.IntRange(min=0), default=0, show_default=True, help="Delay per request."
)
@click.option(
    "--quota", type=click.IntRange(min=0), default=None, help="Requests per window (default: unlimited)."
)
@click.option(
    "--window-s", type=click.FloatRange(min=0.001), default=30.0, show_default=True, help="Quota window."
)
@click.option(
    "--inventory-delay-ms",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Stock writes show late.",
)
@click.option(
    "--fail-rate", type=_RATE, default=0.0, show_default=True, help="Share of requests answered 500."
)
@click.option("--maintenance", is_flag=True, help="Answer every request with 503.")
@click.option(
    "--hang-rate", type=_RATE, default=0.0, show_default=True, help="Share of requests never answered."
)
@click.option(
    "--malformed-rate", type=_RATE, default=0.0, show_default=True, help="Share of replies with bad JSON."
)
@click.option("--truncate-rate", type=_RATE, default=0.0, show_default=True, help="Share of replies cut off.")
@click.option(
    "--lose-reply-rate", type=_RATE, default=0.0, show_default=True, help="Share applied, never answered."
)
@click.option(
    "--delete-while-paging", is_flag=True, help="Delete a product before each products page after the 1st."
)
@click.option(
    "--orders-per-minute",
    type=click.FloatRange(min=0.0),
    default=0.0,
    show_default=True,
    help="Shopper simulator pace: orders, cancels, refunds and edits (seeded by --seed; 0: none).",
)
@click.option(
    "--locations",
    type=click.IntRange(1, 100),
    default=1,
    show_default=True,
    help="Inventory locations (1 is the default one; the others start empty).",
)
@click.option(
    "--native-backorders",
    is_flag=True,
    help="The store is in BigCommerce's backorders beta: backorder limits and backordered units.",
)
def demo_store(
    products: int,
    port: int,
    seed: int,
    store_hash: str,
    token: str,
    read_only_tokens: tuple[str, ...],
    no_locations_tokens: tuple[str, ...],
    latency_ms: int,
    quota: int | None,
    window_s: float,
    inventory_delay_ms: int,
    fail_rate: float,
    maintenance: bool,
    hang_rate: float,
    malformed_rate: float,
    truncate_rate: float,
    lose_reply_rate: float,
    delete_while_paging: bool,
    orders_per_minute: float,
    locations: int,
    native_backorders: bool,
) -> None:
    """Serve a BigCommerce-compatible demo store on 127.0.0.1 until Ctrl-C or SIGTERM."""
    try:
        config = DemoConfig(
            products=products,
            seed=seed,
            store_hash=store_hash,
            token=token,
            port=port,
            latency_ms=latency_ms,
            quota=quota,
            window_s=window_s,
            read_only_tokens=read_only_tokens,
            no_locations_tokens=no_locations_tokens,
            inventory_delay_ms=inventory_delay_ms,
            error_500_rate=fail_rate,
            maintenance=maintenance,
            hang_rate=hang_rate,
            malformed_rate=malformed_rate,
            truncate_rate=truncate_rate,
            lose_reply_rate=lose_reply_rate,
            delete_while_paging=delete_while_paging,
            orders_per_minute=orders_per_minute,
            locations=locations,
            native_backorders=native_backorders,
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    stop = threading.Event()

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    started = time.perf_counter()
    try:
        store = DemoStore(config)
        try:
            store.start()
        except OSError as exc:
            raise click.ClickException(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from exc
        with store:
            click.echo(f"API URL: {store.api_url}")
            click.echo(f"Store hash: {store.store_hash}")
            click.echo(f"Token: {store.token}")
            for extra in read_only_tokens:
                click.echo(f"Read-only token: {extra}")
            for extra in no_locations_tokens:
                click.echo(f"Token without Store Locations: {extra}")
            catalog = store.catalog
            click.echo(
                f"Serving {catalog.product_count()} products ({catalog.variant_count()} variants) "
                f"at {store.base_url}, ready in {time.perf_counter() - started:.2f} s; Ctrl-C stops.",
                err=True,
            )
            if orders_per_minute > 0:
                pace = f"{orders_per_minute:g} steps a minute (seed {seed})"
                click.echo(f"Shopper simulator: {pace}.", err=True)
            while not stop.wait(0.5):
                pass
        click.echo("Demo store stopped.", err=True)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
