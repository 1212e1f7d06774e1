"""Remake the README's screenshots: the window on a fresh demo store, at its default size, on a
private Xvfb display with a window manager and a tray host (``tests/ui/xserver.py``).

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Each page (Products, History, Settings) is one run of ``backorder-desktop --demo --screenshot``;
no keyring is touched (keyring's ``fail`` backend) and the profile lives in a temporary folder.
The Orders page needs orders: a demo store started here takes a few for BackOrder products (placed
through its own order book, as a shopper would), a profile reads them with a sync, and the window
is shown on that profile with the store's token given for the run (``BACKORDER_DESKTOP_TOKEN``).
``--pages orders`` remakes that one only. The BackOrder pane's shot (``backorder``) is the Products
tab on a profile whose products have limits, dates and a shopper message, with several of them
selected and a new expected date typed for all of them (not applied). The notification's shot
(``notification``) is the whole screen: the window started on the Orders sample's profile shows
the batch of orders that profile's sync told from trayer's icon (Qt draws the message itself where
no notification service runs), with the status popover listing it. Needs Xvfb, openbox and
trayer (``scripts/system-deps.sh`` installs them).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backorder_desktop.app import DEMO_PRODUCTS  # noqa: E402 - after the path is set
from backorder_desktop.app import DEMO_SEED  # noqa: E402
from backorder_desktop.app import open_profile  # noqa: E402
from backorder_desktop.demo.server import DemoConfig  # noqa: E402
from backorder_desktop.demo.server import DemoStore  # noqa: E402
from backorder_desktop.domain.runs import RunKind  # noqa: E402
from backorder_desktop.domain.runs import RunTrigger  # noqa: E402
from backorder_desktop.services.profile import Profile  # noqa: E402
from tests.ui.xserver import x_display_with_tray  # noqa: E402

DEMO_PAGES = ("products", "history", "settings")  # on the built-in demo store
ORDERS_PAGE = "orders"
BACKORDER_PAGE = "backorder"
NOTIFICATION_PAGE = "notification"
PAGES = (*DEMO_PAGES, ORDERS_PAGE, BACKORDER_PAGE, NOTIFICATION_PAGE)
RUN_TIMEOUT_S = 300
# The Orders page's sample: (customer, minutes after the first order, [(product index, units)]).
SAMPLE_ORDERS = (
    ("Maya Lindqvist", 0, [(0, 2)]),
    ("Tom Okafor", 7, [(1, 1), (2, 3)]),
    ("Priya Raman", 19, [(0, 1)]),
    ("Lucas Moreau", 26, [(3, 4)]),
    ("Hana Sato", 41, [(1, 2), (4, 1), (5, 1)]),
    ("Ben Carter", 58, [(2, 1)]),
    ("Sofia Rossi", 73, [(5, 2)]),
    ("Jonas Weber", 90, [(0, 1), (3, 1)]),
)


def take(out: Path, pages: tuple[str, ...] = PAGES) -> list[Path]:
    """One PNG per page in ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="bd-screenshots-") as scratch, x_display_with_tray() as env:
        env.update(
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
            HOME=scratch,
            XDG_RUNTIME_DIR=scratch,
        )
        env = {k: v for k, v in env.items() if not k.startswith("BACKORDER_DESKTOP_")}
        home = Path(scratch) / "profile"
        for page in (p for p in DEMO_PAGES if p in pages):
            target = out / f"{page}.png"
            command = [sys.executable, "-m", "backorder_desktop", "--home", str(home), "--demo"]
            command += ["--screenshot", str(target), "--page", page]
            made.append(_run(command, env, target))
        if ORDERS_PAGE in pages:
            made.append(_take_orders(out / f"{ORDERS_PAGE}.png", env, Path(scratch) / "orders-profile"))
        if BACKORDER_PAGE in pages:
            made.append(_take_backorder(out / f"{BACKORDER_PAGE}.png", env, Path(scratch) / "rules-profile"))
        if NOTIFICATION_PAGE in pages:
            target = out / f"{NOTIFICATION_PAGE}.png"
            made.append(_take_notification(target, env, Path(scratch) / "notification-profile"))
    return made


def _run(command: list[str], env: dict[str, str], target: Path) -> Path:
    run = subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False
    )
    if run.returncode != 0 or not target.exists():
        raise SystemExit(
            f"the {target.stem} screenshot failed (exit {run.returncode}):\n{run.stderr[-3000:]}"
        )
    print(f"saved {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    return target


def _take_orders(target: Path, env: dict[str, str], home: Path) -> Path:
    """The Orders page on a profile whose store took orders for BackOrder products."""
    store = DemoStore(DemoConfig(products=DEMO_PRODUCTS, seed=DEMO_SEED, store_hash="danasbikes"))
    store.start()
    try:
        _fill_orders(store, home)
        # The window's own run (there is no --page orders on the command line's --demo: the
        # built-in demo store starts without orders), with the token for this run only.
        code = (
            "import sys; from backorder_desktop import app; "
            f"sys.exit(app.run_window(home={str(home)!r}, screenshot={str(target)!r}, page={ORDERS_PAGE!r}))"
        )
        return _run([sys.executable, "-c", code], {**env, "BACKORDER_DESKTOP_TOKEN": store.token}, target)
    finally:
        store.stop()


def _whole_products(store: DemoStore, profile: Profile) -> list[dict[str, Any]]:
    """Connect ``profile`` to ``store`` and sync it; the store's products kept as a whole."""
    profile.connect(store.store_hash, store.api_url, store.token, remember=False)
    profile.sync(kind=RunKind.MANUAL, trigger=RunTrigger.BUTTON)
    catalog = store.catalog
    products = [catalog.get_product(pid) for pid in catalog.product_ids()]
    return [p for p in products if p["inventory_tracking"] == "product" and p["base_variant_id"]]


def _fill_orders(store: DemoStore, home: Path) -> None:
    """Connect a profile to ``store``, assign a few products, place ``SAMPLE_ORDERS``, and sync so
    the profile counts them."""
    profile = open_profile(home, env_token=store.token)
    try:
        chosen = [p for p in _whole_products(store, profile) if p["inventory_level"] >= 12][:6]
        profile.assign([str(p["id"]) for p in chosen])
        # Orders count from their product's assignment on: the sample is dated from a minute on.
        first = time.time() + 60
        for customer, minutes, lines in SAMPLE_ORDERS:
            store.orders.clock = lambda at=first + minutes * 60: at
            given, family = customer.split(" ", 1)
            body = {
                "products": [{"product_id": chosen[i]["id"], "quantity": units} for i, units in lines],
                "billing_address": {
                    "first_name": given,
                    "last_name": family,
                    "zip": "78701",
                    "email": "shopper@example.com",
                },
                "status_id": 11,  # Awaiting Fulfillment
            }
            store.orders.place(body)
        profile.sync(kind=RunKind.MANUAL, trigger=RunTrigger.BUTTON)
    finally:
        profile.close()


# The BackOrder pane's sample: (units on hand, limit, days until expected) for the first products
# assigned; the message is the same for all.
SAMPLE_RULES = ((-3, 10, 9), (-8, 10, 9), (4, 20, 16), (-12, 12, 9), (-1, None, None), (0, 6, 16))
SAMPLE_MESSAGE = "Ships by {date}: {incoming} on the way from our supplier"


def _take_backorder(target: Path, env: dict[str, str], home: Path) -> Path:
    """The Products tab with the BackOrder pane editing several products' rules."""
    store = DemoStore(DemoConfig(products=DEMO_PRODUCTS, seed=DEMO_SEED, store_hash="danasbikes"))
    store.start()
    try:
        _fill_rules(store, home)
        code = "import sys; from scripts.screenshots import _shoot_backorder; "
        code += f"sys.exit(_shoot_backorder({str(home)!r}, {str(target)!r}))"
        return _run([sys.executable, "-c", code], {**env, "BACKORDER_DESKTOP_TOKEN": store.token}, target)
    finally:
        store.stop()


def _fill_rules(store: DemoStore, home: Path) -> None:
    """Connect a profile to ``store``, assign a few products kept as a whole, and give them levels
    and rules (``SAMPLE_RULES``)."""
    from datetime import date
    from datetime import timedelta

    from backorder_desktop.domain.stock import AdjustmentKind

    profile = open_profile(home, env_token=store.token)
    try:
        chosen = _whole_products(store, profile)[: len(SAMPLE_RULES)]
        profile.assign([str(p["id"]) for p in chosen])
        for product, (level, limit, days) in zip(chosen, SAMPLE_RULES, strict=True):
            ref = str(product["id"])
            profile.edit_stock(product["sku"], AdjustmentKind.SET, level, reason="sold on backorder")
            if limit is not None and days is not None:
                day = date.today() + timedelta(days=days)
                profile.set_backorder_rules(
                    [ref], limit=limit, incoming=limit * 2, expected=day, message=SAMPLE_MESSAGE
                )
    finally:
        profile.close()


def _shoot_backorder(home: str, target: str) -> int:
    """In the screenshot's process: the window on ``home``, the BackOrder products listed, the
    first four selected and a later expected date typed for them, then a PNG of the window."""
    from datetime import date
    from datetime import timedelta

    from backorder_desktop.app import AppLauncher
    from backorder_desktop.ui.application import SCREENSHOT_TIMEOUT_MS
    from backorder_desktop.ui.application import IdleWaiter
    from backorder_desktop.ui.application import create_application
    from backorder_desktop.ui.controller import AppController

    app = create_application()
    controller = AppController(AppLauncher(home, env_token=os.environ["BACKORDER_DESKTOP_TOKEN"]))
    controller.force_show = True
    products = controller.window.products
    saved: list[bool] = []

    def edited(ok: bool) -> None:
        pane = products.backorder
        if pane.item_count < 4 or pane.is_loading():  # the selection waits a moment to be read
            IdleWaiter(controller, lambda ok2: edited(ok and ok2), SCREENSHOT_TIMEOUT_MS)
            return
        pane.date_edit.setDate(date.today() + timedelta(days=23))
        saved.append(ok and controller.window.grab().save(target, "PNG"))
        controller.quit()

    def listed(ok: bool) -> None:
        products.select_rows(0, 3)
        IdleWaiter(controller, lambda ok2: edited(ok and ok2), SCREENSHOT_TIMEOUT_MS)

    def opened(ok: bool) -> None:
        products.backorder_only.setChecked(True)
        IdleWaiter(controller, lambda ok2: listed(ok and ok2), SCREENSHOT_TIMEOUT_MS)

    IdleWaiter(controller, opened, SCREENSHOT_TIMEOUT_MS)
    controller.finished.connect(app.quit)
    controller.start()
    app.exec()
    controller.close_blocking()
    return 0 if saved and saved[0] else 1


def _take_notification(target: Path, env: dict[str, str], home: Path) -> Path:
    """The screen with the tray's message about the Orders sample, told by the sync that read it."""
    store = DemoStore(DemoConfig(products=DEMO_PRODUCTS, seed=DEMO_SEED, store_hash="danasbikes"))
    store.start()
    try:
        _fill_orders(store, home)
        code = "import sys; from scripts.screenshots import _shoot_notification; "
        code += f"sys.exit(_shoot_notification({str(home)!r}, {str(target)!r}))"
        return _run([sys.executable, "-c", code], {**env, "BACKORDER_DESKTOP_TOKEN": store.token}, target)
    finally:
        store.stop()


def _shoot_notification(home: str, target: str) -> int:
    """In the screenshot's process: the window on ``home``; once its tray has shown the message
    and the window is idle, the status popover opened, then a PNG of the whole screen."""
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QGuiApplication

    from backorder_desktop.app import AppLauncher
    from backorder_desktop.ui.application import SCREENSHOT_TIMEOUT_MS
    from backorder_desktop.ui.application import IdleWaiter
    from backorder_desktop.ui.application import create_application
    from backorder_desktop.ui.controller import AppController

    app = create_application()
    controller = AppController(AppLauncher(home, env_token=os.environ["BACKORDER_DESKTOP_TOKEN"]))
    controller.force_show = True
    told: list[str] = []
    controller.tray.message_shown.connect(lambda title, _text: told.append(title))
    saved: list[bool] = []

    def grab() -> None:
        screen = QGuiApplication.primaryScreen()
        saved.append(bool(told) and screen is not None and screen.grabWindow(0).save(target, "PNG"))
        controller.quit()

    def idle(ok: bool) -> None:
        if not told:  # the message follows the profile's opening: wait for it
            IdleWaiter(controller, idle, SCREENSHOT_TIMEOUT_MS)
            return
        status = controller.window.status_panel
        status.details.show_under(status.chip)
        QTimer.singleShot(1500, grab)  # the popover and the message painted

    IdleWaiter(controller, idle, SCREENSHOT_TIMEOUT_MS)
    controller.finished.connect(app.quit)
    controller.start()
    app.exec()
    controller.close_blocking()
    return 0 if saved and saved[0] else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots", help="folder for the PNGs")
    parser.add_argument(
        "--pages", default=",".join(PAGES), help=f"which pages, comma-separated (default: {','.join(PAGES)})"
    )
    args = parser.parse_args()
    pages = tuple(p.strip() for p in args.pages.split(",") if p.strip())
    unknown = sorted(set(pages) - set(PAGES))
    if unknown:
        parser.error(f"unknown page(s): {', '.join(unknown)}; choose from {', '.join(PAGES)}")
    os.environ.pop("WAYLAND_DISPLAY", None)
    take(args.out, pages)


if __name__ == "__main__":
    main()
