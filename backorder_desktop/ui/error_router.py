"""The only place where error types become dialogs, status messages or notifications (STYLE 26).

| error | what the merchant sees |
|---|---|
| ``AuthError`` (bad or revoked token) | the connection dialog, with the reason |
| ``Offline`` | a status-bar message and the tray's offline state; retried automatically; no dialog |
| ``RateLimited``, ``Maintenance``, ``ServerError`` | a status-bar message only |
| any other ``UserFacingError`` | a message box with its title and message |
| ``BugError`` or any other exception | the crash dialog: a copyable report and the log folder |

Failed syncs also raise a tray notification (when a tray is shown). Widgets that show an error
inline (the connection dialog) ask ``describe`` for the words, so the words live here too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from enum import StrEnum
from types import TracebackType

from PySide6.QtCore import QObject
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog
from PySide6.QtWidgets import QMessageBox
from PySide6.QtWidgets import QWidget

from backorder_desktop.domain.errors import AuthError
from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.errors import ErrorKind
from backorder_desktop.domain.errors import KeyringLocked
from backorder_desktop.domain.errors import KeyringUnavailable
from backorder_desktop.domain.errors import Maintenance
from backorder_desktop.domain.errors import Offline
from backorder_desktop.domain.errors import RateLimited
from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.errors import ServerError
from backorder_desktop.domain.errors import UserFacingError
from backorder_desktop.domain.errors import error_for
from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.domain.runs import SyncRun
from backorder_desktop.ui.dialogs.crash_dialog import CrashDialog
from backorder_desktop.ui.formatting import sync_summary

logger = logging.getLogger(__name__)

Notifier = Callable[[str, str, bool], object]  # title, message, is_problem

KEYRING_ADVICE = (
    "Your access token is only ever kept in your system's keyring (GNOME Keyring or KWallet on "
    "Linux, the Keychain on macOS, the Credential Manager on Windows). Install or unlock one — on "
    "Linux, install gnome-keyring and log out and in again — then connect again."
)
OFFLINE_STATUS = "Offline · changes are kept and the app retries by itself"
# A refused token in the window's words: the store's message ends with the command line's way back.
RECONNECT_ADVICE = (
    "The store did not accept the access token: it is wrong, was revoked, or belongs to another "
    "store. Nothing in your local data was changed. Create a new access token in BigCommerce "
    "(Settings → API → Store-level API accounts) and paste it in the connection dialog."
)


# A recorded run keeps its error's kind, title and message; these kinds have their own route.
_ROUTED_KINDS = frozenset(cls.kind for cls in (AuthError, Offline, RateLimited, Maintenance, ServerError))


class Route(StrEnum):
    """Where an error went (the tests and the screenshot mode look at it)."""

    CONNECTION_DIALOG = "connection dialog"
    STATUS = "status"
    MESSAGE_BOX = "message box"
    CRASH_DIALOG = "crash dialog"


# The window's own words for an error's remedy (the facade's messages name no front end).
REMEDIES: dict[Remedy, str] = {
    Remedy.CONNECT: "Use “Connect your store”, or try the demo store from the welcome page.",
    Remedy.RECONNECT: "Open “Store connection…” and connect again with a token that works.",
    Remedy.ASSIGN: "Select it in Products and press “Assign to BackOrder”.",
    Remedy.FIND_VARIANT: "Select the product in Products: its variants and their SKUs are listed below.",
    Remedy.CHOOSE_OUTBOX: "Save the settings again and choose “Write them now” or “Discard”.",
    Remedy.USE_FEED: "Choose your ERP's feed as the inventory source in Settings.",
    Remedy.SET_FEED_URL: "Give the feed's address in Settings.",
    Remedy.SET_FEED_CREDENTIAL: "Enter the feed's password or key in Settings, under the feed: it is kept "
    "in the keyring, never in a file.",
    Remedy.OTHER_FOLDER: "Or quit and start BackOrder Desktop again: while the folder cannot be used, it "
    "offers “Use another folder…”.",
    Remedy.SECOND_STORE: "This window keeps one store per profile folder: start BackOrder Desktop with "
    "another profile folder for a second store.",
    Remedy.REBUILD: "Quit, move the damaged file out of the profile folder and start again: the catalog is "
    "fetched again from BigCommerce. Keep that file: the command line's rebuild recovers your BackOrder "
    "products, stock changes, settings and history from it.",
    Remedy.SET_WEBHOOK_URL: "The window does not set up webhooks: automatic updates ask the store for "
    "changes on their schedule instead.",
    Remedy.SEE_OUTBOX: "Products marks each change still waiting; the log has the store's reasons.",
    Remedy.RETRY_LATER: "Automatic updates try again on their own.",
    Remedy.SESSION_ONLY: "Or choose “Use for this session only” when you connect: the token is kept "
    "until the app closes, never saved.",
    Remedy.JOIN_TEAM: "To work with that team, use “Join team” (this computer's own data stays in its "
    "file); to start a new team, give an empty database.",
    Remedy.CREATE_TEAM: "On the computer that holds the store's data, use “Create team…” in Settings; then "
    "join it from here.",
    Remedy.LEAVE_TEAM: "Leave the team first: quit, and run the command line's team leave.",
}


def describe(error: BaseException) -> tuple[str, str]:
    """Title and message for showing an error inline, with what to do next."""
    if isinstance(error, AuthError):
        return error.title, RECONNECT_ADVICE
    if isinstance(error, BackorderError):
        remedy = f"\n\n{REMEDIES[error.remedy]}" if error.remedy is not None else ""
        if isinstance(error, KeyringUnavailable):
            return error.title, f"{error.message}\n\n{KEYRING_ADVICE}{remedy}"
        if isinstance(error, KeyringLocked):
            return error.title, f"{error.message}\n\nUnlock your keyring, then try again.{remedy}"
        return error.title, error.message + remedy
    return "Internal error", f"{type(error).__name__}: {error}. The log has the details."


def sync_notification(run: SyncRun) -> tuple[str, str, bool]:
    """Title, message and is-a-problem of the notification for a finished manual sync. A stock
    feed that was not used is said plainly first: counted among "items that could not be synced"
    it read as a catalog problem while nothing of the feed was applied."""
    feed = [p for p in run.problems if p.kind is ErrorKind.FEED]
    if not feed:
        return "Sync finished", sync_summary(run), False
    others = replace(run, problems=tuple(p for p in run.problems if p.kind is not ErrorKind.FEED))
    return f"Sync finished · {feed[0].title}", f"{feed[0].message}\nCatalog: {sync_summary(others)}", True


class ErrorRouter(QObject):
    """Maps errors to remedies. Lives on the GUI thread; call ``route`` from the GUI thread."""

    status_posted = Signal(str)
    offline_detected = Signal()
    reconnect_requested = Signal(object)  # the AuthError
    message_shown = Signal(str, str)  # title, message of a message box
    crash_reported = Signal(str)  # the report text

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.dialog_parent: QWidget | None = None
        self.log_dir: str | None = None
        self.notifier: Notifier | None = None
        self.last_route: Route | None = None
        self._open_dialogs: list[QDialog] = []

    def route(self, error: BaseException, *, notify: bool = False) -> Route:
        """Show ``error`` the way its type asks for; ``notify`` also raises a tray notification."""
        route = self._route(error)
        self.last_route = route
        if notify and self.notifier is not None and route is not Route.CRASH_DIALOG:
            title, message = describe(error)
            self.notifier(f"Sync failed: {title}", message, True)
        return route

    def _route(self, error: BaseException) -> Route:
        if isinstance(error, AuthError):
            logger.info("routing a refused token to the connection dialog")
            self.status_posted.emit(error.title)
            self.reconnect_requested.emit(error)
            return Route.CONNECTION_DIALOG
        if isinstance(error, Offline):
            logger.info("offline: %s", error.message)
            self.status_posted.emit(OFFLINE_STATUS)
            self.offline_detected.emit()
            return Route.STATUS
        if isinstance(error, RateLimited | Maintenance | ServerError):
            logger.info("%s: %s", error.title, error.message)
            self.status_posted.emit(f"{error.title} · {error.message}")
            return Route.STATUS
        if isinstance(error, UserFacingError):
            logger.info("showing %s: %s", type(error).__name__, error.message)
            self.show_message(*describe(error))
            return Route.MESSAGE_BOX
        self.show_crash(error)
        return Route.CRASH_DIALOG

    def route_failed_run(self, run: SyncRun) -> None:
        """A sync that failed where no caller was waiting (an automatic one): status + notification."""
        if run.outcome not in (RunOutcome.FAILED, RunOutcome.REFUSED):
            return
        title = run.error_title or "Sync failed"
        message = run.error_message or "The history has the details."
        kind = run.error_kind
        if kind is not None and kind in _ROUTED_KINDS:  # the run's error had its own route: the same one
            self.route(error_for(kind, message, run.error_title), notify=kind is not ErrorKind.OFFLINE)
            return
        self.status_posted.emit(f"{title} · {message}")
        if self.notifier is not None:
            self.notifier(f"Sync failed: {title}", message, True)

    def show_message(self, title: str, message: str) -> None:
        """A window-modal message box that does not block the event loop."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok)
        box.setObjectName("error_message_box")
        if self.dialog_parent is not None:
            box.setParent(self.dialog_parent, box.windowFlags())
        self._keep_open(box)
        self.message_shown.emit(title, message)

    def show_crash(self, error: BaseException) -> None:
        logger.error("a bug reached the window", exc_info=(type(error), error, error.__traceback__))
        dialog = CrashDialog(error, log_dir=self.log_dir, parent=self.dialog_parent)
        self._keep_open(dialog)
        self.crash_reported.emit(dialog.report)

    def handle_uncaught(
        self,
        exc_type: type[BaseException],
        exc_value: BaseException | None,
        exc_traceback: TracebackType | None,
    ) -> None:
        """``sys.excepthook``: a bug anywhere on the GUI thread ends in the crash dialog."""
        if exc_value is None:
            exc_value = exc_type()
        if exc_value.__traceback__ is None:
            exc_value = exc_value.with_traceback(exc_traceback)
        if isinstance(exc_value, KeyboardInterrupt):
            return
        self.route(exc_value)

    def open_dialogs(self) -> list[QDialog]:
        return list(self._open_dialogs)

    def _keep_open(self, dialog: QDialog) -> None:
        self._open_dialogs.append(dialog)
        dialog.finished.connect(lambda _=0, d=dialog: self._on_dialog_finished(d))
        dialog.open()

    def _on_dialog_finished(self, dialog: QDialog) -> None:
        if dialog in self._open_dialogs:
            self._open_dialogs.remove(dialog)
        dialog.deleteLater()
