"""Connecting a store from the window: the connection dialog, and the profile it connects.

From a demo, the merchant's own profile is opened first and replaces the demo once connected; a
refused token reopens the dialog with the reason. Each step that touches the keyring, the network
or the database runs on a worker; the next continues on the GUI thread when it answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Protocol
from typing import runtime_checkable

from backorder_desktop.domain.errors import AuthError
from backorder_desktop.domain.models import DEFAULT_API_URL
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.settings import Settings
from backorder_desktop.services.profile import Profile
from backorder_desktop.services.profile import StatusReport
from backorder_desktop.ui.error_router import describe

if TYPE_CHECKING:
    from backorder_desktop.ui.controller import AppController
    from backorder_desktop.ui.dialogs.connection_dialog import ConnectionDialog

Opened = tuple[Profile, StatusReport, Settings]


class Launcher(Protocol):
    """Opens profiles for the window (``app.AppLauncher``). Both calls do I/O: call them off the
    GUI thread."""

    def open_profile(self) -> Profile:
        """The merchant's own profile (it may have no store connected yet)."""
        ...

    def open_demo(self) -> Profile:
        """A fresh demo store in this process, with its own profile, already connected."""
        ...


@runtime_checkable
class StartsBackground(Protocol):
    """A launcher whose profiles start their background work (the integrity check, the schedule,
    webhooks) only once the window has painted them (``app.AppLauncher``)."""

    def start_background(self, profile: Profile) -> None:
        """Runs on a worker; what it raises goes to the error router."""
        ...


def open_and_read(open_profile: Callable[[], Profile]) -> Opened:
    """Open a profile and read what the window shows first (runs on a worker)."""
    profile = open_profile()
    try:
        return profile, profile.status(), profile.settings()
    except BaseException:
        profile.close()
        raise


class ConnectFlow:
    """The connection dialog's conversation with the controller."""

    def __init__(self, controller: AppController) -> None:
        self._c = controller
        self.connection_dialog: ConnectionDialog | None = None

    def connect_store(self) -> None:
        """ "Connect your store": in a demo, the merchant's own profile is opened for it first."""
        c = self._c
        profile = c.profile
        if profile is not None and not profile.info.is_demo:
            self._open_dialog(profile, reason="")
            return
        c.runner.run_in_background(
            lambda: open_and_read(c.launcher.open_profile),
            on_result=lambda opened: self._open_dialog(opened[0], reason="", opened=opened),
        )

    def reconnect(self, error: AuthError) -> None:
        """A refused token: the connection dialog, with the reason and the store filled in."""
        profile = self._c.profile
        if profile is not None:
            title, message = describe(error)
            self._open_dialog(profile, reason=f"<b>{title}</b><br>{message}")

    def _open_dialog(self, profile: Profile, *, reason: str, opened: Opened | None = None) -> None:
        c = self._c
        if self.connection_dialog is not None:
            self.connection_dialog.raise_()
            return
        status = opened[1] if opened else c.status
        store_hash = (status.store_hash or "") if status else ""
        api_url = (status.api_url or DEFAULT_API_URL) if status else DEFAULT_API_URL
        if profile.info.is_demo:
            store_hash, api_url = "", DEFAULT_API_URL
        from backorder_desktop.ui.dialogs.connection_dialog import ConnectionDialog  # opened rarely

        dialog = self.connection_dialog = ConnectionDialog(
            profile,
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
                    lambda: open_and_read(lambda: profile),
                    on_result=lambda fresh: c.adopt(fresh[0], fresh[1], False),
                )
            else:
                c.refresh_status()
                c.run_automatic_sync(RunTrigger.FIRST_SYNC)

        def closed(result: int) -> None:
            self.connection_dialog = None
            if opened is not None and not result:
                c.runner.run_after_current(profile.close)  # the unused profile, once its tries end
            dialog.deleteLater()

        dialog.connected.connect(connected)
        dialog.finished.connect(closed)
        c.show_window()
        dialog.open()
