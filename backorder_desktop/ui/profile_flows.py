"""Multi-step flows of the controller: opening profiles, connecting a store, loading and saving
settings, and the stock editing the profile's stock service offers.

Each step that touches the keyring, the network or the database runs on a worker; the next step
continues on the GUI thread when it answers.
"""

from __future__ import annotations

import getpass
import logging
from typing import TYPE_CHECKING

from backorder_desktop.domain.errors import AuthError
from backorder_desktop.domain.errors import UserFacingError
from backorder_desktop.domain.models import Product
from backorder_desktop.domain.models import Variant
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.settings import Settings
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.services.bundle import Services
from backorder_desktop.services.catalog import StatusReport
from backorder_desktop.services.credentials import DEFAULT_API_URL
from backorder_desktop.ui.dialogs.connection_dialog import ConnectionDialog
from backorder_desktop.ui.dialogs.stock_history_dialog import StockHistoryDialog
from backorder_desktop.ui.pages.settings_page import OUTBOX_DISCARD
from backorder_desktop.ui.pages.settings_page import OUTBOX_PUSH

if TYPE_CHECKING:
    from backorder_desktop.ui.controller import AppController

logger = logging.getLogger(__name__)

Opened = tuple[Services, StatusReport, Settings]


def open_and_read(open_profile: object) -> Opened:
    """Open a profile and read what the window shows first (runs on a worker)."""
    services: Services = open_profile()  # type: ignore[operator]
    try:
        return services, services.catalog.status(), services.catalog.settings()
    except BaseException:
        services.close()
        raise


class ProfileFlows:
    """The controller's longer conversations; kept apart to keep each module readable."""

    def __init__(self, controller: AppController) -> None:
        self._c = controller
        self.connection_dialog: ConnectionDialog | None = None

    # --- opening ----------------------------------------------------------------------------

    def open_profile(self, *, demo: bool) -> None:
        c = self._c
        opener = c.launcher.open_demo if demo else c.launcher.open_profile
        c.runner.run_in_background(
            lambda: open_and_read(opener),
            on_result=self._on_opened,
            on_error=self._on_open_failed,
        )

    def open_demo(self) -> None:
        """Welcome page → "Try it with a demo store"."""
        self._c.window.welcome.set_busy("Starting the demo store…")
        self.open_profile(demo=True)

    def _on_opened(self, opened: Opened) -> None:
        services, status, settings = opened
        self._c.window.welcome.set_busy("")
        self._c.adopt(services, status, settings.start_minimised)

    def _on_open_failed(self, error: BaseException) -> None:
        c = self._c
        c.window.welcome.set_busy("")
        c.router.route(error)
        if c.services is None:  # nothing open: offer the welcome page's choices again
            c.window.show_welcome()
            c.show_window()

    # --- connecting -------------------------------------------------------------------------

    def connect_store(self) -> None:
        """ "Connect your store": in a demo, the merchant's own profile is opened for it first."""
        c = self._c
        services = c.services
        if services is not None and not services.is_demo:
            self._open_dialog(services, reason="")
            return
        c.runner.run_in_background(
            lambda: open_and_read(c.launcher.open_profile),
            on_result=lambda opened: self._open_dialog(opened[0], reason="", opened=opened),
        )

    def reconnect(self, error: AuthError) -> None:
        """A refused token: the connection dialog, with the reason and the store filled in."""
        services = self._c.services
        if services is not None:
            self._open_dialog(services, reason=f"<b>{error.title}</b><br>{error.message}")

    def _open_dialog(self, services: Services, *, reason: str, opened: Opened | None = None) -> None:
        c = self._c
        if self.connection_dialog is not None:
            self.connection_dialog.raise_()
            return
        status = opened[1] if opened else c.status
        store_hash = (status.store_hash or "") if status else ""
        api_url = (status.api_url or DEFAULT_API_URL) if status else DEFAULT_API_URL
        if services.is_demo:
            store_hash, api_url = "", DEFAULT_API_URL
        dialog = self.connection_dialog = ConnectionDialog(
            services.credentials,
            c.runner,
            on_bug=c.router.route,
            store_hash=store_hash,
            api_url=api_url,
            reason=reason,
            parent=c.window,
        )

        def connected(_report: object) -> None:
            if opened is not None:  # the merchant's profile replaces the demo
                c.runner.run_in_background(
                    lambda: open_and_read(lambda: services),
                    on_result=lambda fresh: c.adopt(fresh[0], fresh[1], False),
                )
            else:
                c.refresh_status()
                c.run_automatic_sync("first-sync")

        def closed(result: int) -> None:
            self.connection_dialog = None
            if opened is not None and not result:
                c.runner.run_in_background(services.close)  # the unused profile
            dialog.deleteLater()

        dialog.connected.connect(connected)
        dialog.finished.connect(closed)
        c.show_window()
        dialog.open()

    # --- settings ---------------------------------------------------------------------------

    def load_settings(self) -> None:
        c = self._c
        services = c.services
        if services is not None:
            c.runner.run_in_background(services.catalog.settings, on_result=c.window.settings.show_settings)

    def save_settings(self, changes: dict[str, str], outbox_action: str) -> None:
        """Save the changed settings; with pending stock changes, first write or discard them."""
        c = self._c
        services = c.services
        if services is None:
            return
        discarder = c.outbox_discarder
        page = c.window.settings
        page.set_status("Saving…")

        def work() -> Settings:
            if outbox_action == OUTBOX_PUSH:  # a manual sync writes the outbox first (issue 4)
                services.engine.sync(kind=RunKind.MANUAL, trigger="settings")
            elif outbox_action == OUTBOX_DISCARD:
                if discarder is None:  # never drop changes silently (DESIGN §3)
                    raise UserFacingError(
                        "Discarding waiting stock changes is not available in this version. "
                        'Choose "Write them now" instead.',
                        title="Cannot discard changes",
                    )
                discarder()
            for name, text in changes.items():
                services.catalog.set_setting(name, text)
            return services.catalog.settings()

        def saved(settings: Settings) -> None:
            page.show_settings(settings)
            page.set_status("Saved.")
            c.refresh_after_change()

        def failed(error: BaseException) -> None:
            page.set_status("Not saved.")
            c.router.route(error)
            self.load_settings()

        c.runner.run_in_background(work, on_result=saved, on_error=failed)

    # --- stock (issue 4) --------------------------------------------------------------------

    def adopt_stock(self, services: Services) -> None:
        """Stock editing, discarding and history when the profile has the stock service."""
        stock, c = services.stock, self._c
        if stock is None:
            return
        actor = getpass.getuser()

        def edit(product: Product, variant: Variant | None, level: int) -> object:
            key = StockKey(product.id, variant.id if variant is not None else None)
            return stock.edit(key, AdjustmentKind.SET, level, actor=actor)

        c.stock_editor = edit
        c.outbox_discarder = lambda: stock.discard(actor=actor, reason="discarded in Settings")
        c.window.products.variants.set_history_available(True)

    def show_stock_history(self, product: Product) -> None:
        c = self._c
        stock = c.services.stock if c.services is not None else None
        if stock is None:
            return
        c.runner.run_in_background(
            lambda: stock.history(product.id),
            on_result=lambda entries: StockHistoryDialog(product, entries, c.window).open(),
        )
