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
import contextlib
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
DASHBOARD_PAGE = "dashboard"  # two shots: dashboard.png (light) and dashboard-dark.png
PAGES = (*DEMO_PAGES, ORDERS_PAGE, BACKORDER_PAGE, NOTIFICATION_PAGE, DASHBOARD_PAGE)
STOCK_CHART_PAGE = "stock-chart"  # stock-chart.png (light) and stock-chart-dark.png
TIMELINE_PAGE = "timeline"  # timeline.png (light) and timeline-dark.png: the History page
PAGES = (*PAGES, STOCK_CHART_PAGE, TIMELINE_PAGE)
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
        if DASHBOARD_PAGE in pages:
            made += _take_dashboard(out, env, Path(scratch) / "dashboard-profile")
        if {STOCK_CHART_PAGE, TIMELINE_PAGE} & set(pages):
            made += _take_history_pages(out, env, Path(scratch) / "history-profile", pages)
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


def _take_dashboard(out: Path, env: dict[str, str], home: Path) -> list[Path]:
    """The Dashboard on a profile with 40 days of backorder sales, in the light and the dark
    palette: the store's shopper orders day by day while the profile's clock steps a day at a time
    (the test suite's dashboard world), limits and expected dates on a few products."""
    from tests.integration.test_dashboard_reads import dashboard_world

    store = DemoStore(DemoConfig(products=DEMO_PRODUCTS, seed=DEMO_SEED, store_hash="danasbikes"))
    store.start()
    try:
        dashboard_world(lambda **_options: store, str(home), products=30).profile.close()
        made = []
        for name, dark in ((DASHBOARD_PAGE, False), (f"{DASHBOARD_PAGE}-dark", True)):
            target = out / f"{name}.png"
            code = "import sys; from scripts.screenshots import _shoot_dashboard; "
            code += f"sys.exit(_shoot_dashboard({str(home)!r}, {str(target)!r}, dark={dark}))"
            run_env = {**env, "BACKORDER_DESKTOP_TOKEN": store.token}
            made.append(_run([sys.executable, "-c", code], run_env, target))
        return made
    finally:
        store.stop()


def _shoot_dashboard(home: str, target: str, *, dark: bool) -> int:
    """In the screenshot's process: the window on ``home`` in the light or the dark palette (Qt's
    Fusion style, as on a desktop without a theme of its own), once its dashboard is drawn."""
    from PySide6.QtWidgets import QApplication

    from backorder_desktop.app import AppLauncher
    from backorder_desktop.ui.application import SCREENSHOT_TIMEOUT_MS
    from backorder_desktop.ui.application import IdleWaiter
    from backorder_desktop.ui.application import create_application
    from backorder_desktop.ui.controller import AppController

    token = os.environ["BACKORDER_DESKTOP_TOKEN"]

    class QuietLauncher(AppLauncher):
        """The app's launcher without the background scheduler: no update starts mid-shot."""

        def open_profile(self) -> Profile:
            return open_profile(home, env_token=token, sync_process=True)

    app = create_application()
    QApplication.setStyle("Fusion")
    # The palette alone: a colour scheme set on Xvfb's generic theme puts its own palette back.
    app.setPalette(_dark_palette() if dark else app.style().standardPalette())
    controller = AppController(QuietLauncher(home, env_token=token))
    controller.force_show = True
    page = controller.window.dashboard
    saved: list[bool] = []

    def idle(ok: bool) -> None:
        if page.dashboard is None or page.is_loading():
            IdleWaiter(controller, idle, SCREENSHOT_TIMEOUT_MS)
            return
        controller.window.tabs.setCurrentWidget(page)
        page.set_span(90)
        saved.append(ok and controller.window.grab().save(target, "PNG"))
        controller.quit()

    IdleWaiter(controller, idle, SCREENSHOT_TIMEOUT_MS)
    controller.finished.connect(app.quit)
    controller.start()
    app.exec()
    controller.close_blocking()
    return 0 if saved and saved[0] else 1


# The stock chart's sample: four weeks of one BackOrder product, day by day on the profile's clock
# (its syncs run then): a shopper's order most days (one cancelled), a delivery each week, a daily
# sync at the daily time (one missed and caught up later), and a limit and an expected date.
HISTORY_DAYS = 28


class _SteppedClock:
    """The profile's clock in the sample: set by the script, a day at a time."""

    def __init__(self, now: Any) -> None:
        self.at = now

    def now(self) -> Any:
        return self.at


def _take_history_pages(out: Path, env: dict[str, str], home: Path, pages: tuple[str, ...]) -> list[Path]:
    """The stock history dialog's chart and the History page's timeline, light and dark, on a
    profile with four weeks of history."""
    store = DemoStore(DemoConfig(products=DEMO_PRODUCTS, seed=DEMO_SEED, store_hash="danasbikes"))
    store.start()
    try:
        sku = _fill_history(store, home)
        made = []
        for page in (p for p in (STOCK_CHART_PAGE, TIMELINE_PAGE) if p in pages):
            for suffix, dark in (("", False), ("-dark", True)):
                target = out / f"{page}{suffix}.png"
                code = "import sys; from scripts.screenshots import _shoot_history_page; "
                code += f"sys.exit(_shoot_history_page({str(home)!r}, {str(target)!r}, {page!r}, "
                code += f"{sku!r}, dark={dark}))"
                env_run = {**env, "BACKORDER_DESKTOP_TOKEN": store.token}
                made.append(_run([sys.executable, "-c", code], env_run, target))
        return made
    finally:
        store.stop()


def _fill_history(store: DemoStore, home: Path) -> str:
    """Four weeks of one product's stock, made day by day (``HISTORY_DAYS``); returns its SKU."""
    from datetime import UTC
    from datetime import datetime
    from datetime import timedelta

    from backorder_desktop.domain.errors import UserFacingError
    from backorder_desktop.domain.stock import AdjustmentKind
    from backorder_desktop.domain.stock import OutboxChoice

    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - timedelta(days=HISTORY_DAYS)
    clock = _SteppedClock(start)
    profile = open_profile(home, env_token=store.token, clock=clock)
    try:
        whole = _whole_products(store, profile)
        product = next(p for p in whole if p["inventory_level"] >= 12 and p["availability"] != "disabled")
        profile.assign([str(product["id"])])
        placed = []
        for day in range(HISTORY_DAYS):
            midnight = start + timedelta(days=day)
            if day == 19:  # the store was down for maintenance at the daily time; retried later
                clock.at = midnight + timedelta(hours=1, minutes=1)
                store.faults.maintenance = True
                with contextlib.suppress(UserFacingError):
                    profile.sync(kind=RunKind.AUTOMATIC, trigger=RunTrigger.DAILY, full=False)
                store.faults.maintenance = False
                clock.at = midnight + timedelta(hours=7)
                profile.sync(kind=RunKind.AUTOMATIC, trigger=RunTrigger.RETRY, full=False)
            elif day % 9 != 4:  # one day in nine the app was not running at the daily time
                clock.at = midnight + timedelta(hours=1, minutes=1)
                profile.sync(kind=RunKind.AUTOMATIC, trigger=RunTrigger.DAILY, full=False)
            else:
                clock.at = midnight + timedelta(hours=8, minutes=30)
                profile.sync(kind=RunKind.AUTOMATIC, trigger=RunTrigger.DAILY_CATCH_UP, full=False)
            for hour, units in ((11, 1 + day % 3), (16, 2)) if day % 2 else ((14, 1 + day % 4),):
                store.orders.clock = _fixed(midnight + timedelta(hours=hour))
                shopper = {"first_name": "Sam", "last_name": "Lee", "zip": "78701", "email": "sam@x.example"}
                lines = [{"product_id": product["id"], "quantity": units}]
                order = store.orders.place({"products": lines, "billing_address": shopper, "status_id": 11})
                placed.append(order.id)
            if day == 10:
                store.orders.clock = _fixed(midnight + timedelta(hours=17))
                store.orders.update(placed[-2], {"status_id": 5})  # cancelled: its units come back
            clock.at = midnight + timedelta(hours=18)
            profile.pull_orders()
            if day % 7 == 5:
                clock.at = midnight + timedelta(hours=19)
                profile.edit_stock(product["sku"], AdjustmentKind.ADD, 12, reason="supplier delivery")
                clock.at = midnight + timedelta(hours=19, minutes=5)
                profile.sync(kind=RunKind.MANUAL, trigger=RunTrigger.BUTTON)
        # The rules last: a limit reached on the way would switch purchasing off in the store.
        profile.set_backorder_rules(
            [str(product["id"])], limit=15, incoming=24, expected=(today + timedelta(days=6)).date()
        )
        # The daily sync is ERP mode's: switched on last, so the timeline shows its times (the
        # edits above are the merchant's, which ERP mode leaves to the ERP).
        profile.save_settings(
            {"inventory-source": "erp", "daily-sync-time": "01:00"}, outbox=OutboxChoice.PUSH
        )
        return str(product["sku"])
    finally:
        profile.close()


def _dark_palette() -> Any:
    """A dark palette, as a dark desktop theme gives (Xvfb has none, and Fusion's standard palette
    stays light there)."""
    from PySide6.QtGui import QColor
    from PySide6.QtGui import QPalette

    palette = QPalette()
    roles = QPalette.ColorRole
    for role, colour in (
        (roles.Window, "#2b2b2b"), (roles.WindowText, "#e6e6e6"), (roles.Base, "#1f1f1f"),
        (roles.AlternateBase, "#2b2b2b"), (roles.Text, "#e6e6e6"), (roles.Button, "#353535"),
        (roles.ButtonText, "#e6e6e6"), (roles.Highlight, "#2f6db5"), (roles.HighlightedText, "#ffffff"),
        (roles.ToolTipBase, "#353535"), (roles.ToolTipText, "#e6e6e6"), (roles.PlaceholderText, "#9a9a9a"),
    ):  # fmt: skip
        palette.setColor(role, QColor(colour))
    for role in (roles.Text, roles.WindowText, roles.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#8a8a8a"))
    return palette


def _fixed(moment: Any) -> Any:
    """A demo order book's clock stopped at ``moment``."""
    return lambda: moment.timestamp()


def _shoot_history_page(home: str, target: str, page: str, sku: str, *, dark: bool) -> int:
    """In the screenshot's process: the window on ``home`` in the light or the dark scheme; for
    ``stock-chart`` the product's stock history dialog once its chart is drawn (a PNG of the
    dialog), for ``timeline`` the History page once its timeline is drawn (a PNG of the window)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from backorder_desktop.app import AppLauncher
    from backorder_desktop.ui.application import SCREENSHOT_TIMEOUT_MS
    from backorder_desktop.ui.application import IdleWaiter
    from backorder_desktop.ui.application import create_application
    from backorder_desktop.ui.controller import AppController
    from backorder_desktop.ui.dialogs.stock_history_dialog import StockHistoryDialog

    app = create_application()
    QApplication.setStyle("Fusion")
    app.styleHints().setColorScheme(Qt.ColorScheme.Dark if dark else Qt.ColorScheme.Light)
    app.setPalette(_dark_palette() if dark else app.style().standardPalette())
    controller = AppController(AppLauncher(home, env_token=os.environ["BACKORDER_DESKTOP_TOKEN"]))
    controller.force_show = True
    window = controller.window
    saved: list[bool] = []

    def chart_drawn(ok: bool) -> None:
        dialogs = window.findChildren(StockHistoryDialog)
        panel = dialogs[0].chart if dialogs else None
        if panel is None or panel.loading or panel.view.shown is None:
            IdleWaiter(controller, chart_drawn, SCREENSHOT_TIMEOUT_MS)
            return
        saved.append(ok and dialogs[0].grab().save(target, "PNG"))
        controller.quit()

    def timeline_drawn(ok: bool) -> None:
        if window.history.timeline.shown is None:
            IdleWaiter(controller, timeline_drawn, SCREENSHOT_TIMEOUT_MS)
            return
        saved.append(ok and window.grab().save(target, "PNG"))
        controller.quit()

    def idle(ok: bool) -> None:
        profile = controller.profile
        if profile is None:
            IdleWaiter(controller, idle, SCREENSHOT_TIMEOUT_MS)
            return
        if page == TIMELINE_PAGE:
            window.tabs.setCurrentWidget(window.history)
            controller.load_history()
            IdleWaiter(controller, timeline_drawn, SCREENSHOT_TIMEOUT_MS)
            return
        window.tabs.setCurrentWidget(window.products)
        found = profile.products(sku)
        if not found:
            saved.append(False)
            controller.quit()
            return
        controller.show_stock_history(found[0])
        IdleWaiter(controller, chart_drawn, SCREENSHOT_TIMEOUT_MS)

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
