"""The tray icon: one icon and tooltip per sync state, a small menu, and notifications.

Many Linux desktops start their tray host after the apps of the session, so the icon keeps trying
to show itself until a tray is there (Maestral's ``show_when_systray_available``). Without a tray
the window is the whole app: closing it quits (``application.py`` decides that from ``is_shown``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtCore import QTimer
from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu
from PySide6.QtWidgets import QSystemTrayIcon

from backorder_desktop.domain.status import SyncState
from backorder_desktop.ui import assets

logger = logging.getLogger(__name__)

RETRY_MS = 2000
NOTIFY_MS = 8000
STATE_TEXT = {
    SyncState.IDLE: "Up to date",
    SyncState.SYNCING: "Syncing…",
    SyncState.PROBLEM: "A problem needs your attention",
    SyncState.OFFLINE: "Offline · retrying by itself",
}
PAUSE_UNAVAILABLE = "Open your catalog to pause its automatic updates"


class TrayIcon(QObject):
    """Wraps ``QSystemTrayIcon``; the window's controller connects to the signals."""

    sync_requested = Signal()
    open_requested = Signal()
    quit_requested = Signal()
    pause_toggled = Signal(bool)
    shown = Signal()
    message_shown = Signal(str, str)  # title, message: a desktop notification went to the tray

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        tray_available: Callable[[], bool] = QSystemTrayIcon.isSystemTrayAvailable,
    ) -> None:
        super().__init__(parent)
        self._tray_available = tray_available
        self._state = SyncState.IDLE
        self._detail = ""
        self.icon = QSystemTrayIcon(self)
        self.icon.activated.connect(self._on_icon_activated)
        self.menu = QMenu()
        self.sync_action = QAction("Sync now", self.menu)
        self.sync_action.triggered.connect(self.sync_requested)
        self.open_action = QAction("Open BackOrder Desktop", self.menu)
        self.open_action.triggered.connect(self.open_requested)
        self.pause_action = QAction("Pause automatic updates", self.menu)
        self.pause_action.setCheckable(True)
        self.pause_action.toggled.connect(self.pause_toggled)
        self.quit_action = QAction("Quit", self.menu)
        self.quit_action.triggered.connect(self.quit_requested)
        self.menu.addAction(self.sync_action)
        self.menu.addAction(self.open_action)
        self.menu.addSeparator()
        self.menu.addAction(self.pause_action)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)
        self.icon.setContextMenu(self.menu)
        self.set_pause_available(False)
        self._retry = QTimer(self)
        self._retry.setInterval(RETRY_MS)
        self._retry.timeout.connect(self._on_retry_timeout)
        hints = QGuiApplication.styleHints()
        if hasattr(hints, "colorSchemeChanged"):
            hints.colorSchemeChanged.connect(self._on_style_hints_color_scheme_changed)
        self._apply()

    # --- showing ----------------------------------------------------------------------------

    def start(self) -> None:
        """Show the icon now if a tray exists, else keep trying every few seconds."""
        if not self._try_show():
            logger.info("no system tray yet; the icon will show when one appears")
            self._retry.start()

    def stop(self) -> None:
        self._retry.stop()
        self.icon.hide()

    def is_shown(self) -> bool:
        return self.icon.isVisible()

    def _try_show(self) -> bool:
        if not self._tray_available():
            return False
        self.icon.show()
        if self.icon.isVisible():
            logger.info("tray icon shown")
            self.shown.emit()
            return True
        return False

    def _on_retry_timeout(self) -> None:
        if self._try_show():
            self._retry.stop()

    # --- state ------------------------------------------------------------------------------

    @property
    def state(self) -> SyncState:
        return self._state

    def set_state(self, state: SyncState, detail: str = "") -> None:
        self._state = state
        self._detail = detail
        self._apply()

    def set_detail(self, detail: str) -> None:
        self._detail = detail
        self._apply()

    def tooltip(self) -> str:
        text = f"BackOrder Desktop · {STATE_TEXT[self._state]}"
        return f"{text}\n{self._detail}" if self._detail else text

    def _apply(self) -> None:
        self.icon.setIcon(assets.tray_icon(self._state))
        self.icon.setToolTip(self.tooltip())
        self.sync_action.setText("Syncing…" if self._state is SyncState.SYNCING else "Sync now")

    def _on_style_hints_color_scheme_changed(self, *_args: object) -> None:
        self._apply()

    def set_pause_available(self, available: bool) -> None:
        """On once a profile is open (its scheduler can pause); until then shown, disabled."""
        self.pause_action.setEnabled(available)
        self.pause_action.setToolTip("" if available else PAUSE_UNAVAILABLE)

    # --- notifications ----------------------------------------------------------------------

    def notify(self, title: str, message: str, problem: bool = False) -> bool:
        """A desktop notification from the tray; False when there is no tray to show it."""
        if not self.is_shown() or not QSystemTrayIcon.supportsMessages():
            logger.info("notification not shown (no tray): %s", title)
            return False
        kind = QSystemTrayIcon.MessageIcon.Warning if problem else QSystemTrayIcon.MessageIcon.Information
        self.icon.showMessage(title, message, kind, NOTIFY_MS)
        logger.info("tray message shown: %s", title)
        self.message_shown.emit(title, message)
        return True

    def _on_icon_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.open_requested.emit()
