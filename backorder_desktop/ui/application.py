"""The window's entry point: set up Qt, install the crash hook, run the controller, exit cleanly.

``app.py`` calls ``run_window(launcher, screenshot=…, start_demo=…)``. With a tray the app keeps
running when its window closes (``setQuitOnLastWindowClosed(False)``); without one, closing the
window quits. ``screenshot`` opens the window, waits until nothing is running or loading, saves a
PNG of it and exits.

Test hook: ``BACKORDER_DESKTOP_TEST_TRAY_ACTION=sync`` makes the app trigger the tray menu's
"Sync now" once the tray icon is shown and the catalog is idle, log the outcome, wait until the
window is idle again (what the sync told has been shown: the controller logs each notification
shown, the tray each message), and quit (exit code 0 when the sync succeeded). It exists for the
Xvfb + tray-host tests only.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from backorder_desktop import __version__
from backorder_desktop.domain.errors import UserFacingError
from backorder_desktop.domain.runs import SyncRun
from backorder_desktop.ui import assets
from backorder_desktop.ui.connect_flow import Launcher
from backorder_desktop.ui.controller import AppController
from backorder_desktop.ui.single_instance import InstanceGuard

logger = logging.getLogger(__name__)

T = TypeVar("T")

TEST_TRAY_ACTION_ENV = "BACKORDER_DESKTOP_TEST_TRAY_ACTION"
IDLE_POLL_MS = 100
IDLE_POLLS_NEEDED = 5  # idle for half a second: repaints and their window loads have settled
SCREENSHOT_TIMEOUT_MS = 180_000
PAGES = ("dashboard", "products", "orders", "history", "settings")  # the window's tabs, in their order
GUI_SWITCH_INTERVAL_S = 0.001


def create_application() -> QApplication:
    """The ``QApplication`` (or the one that exists already, as under pytest-qt)."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("BackOrder Desktop")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("backorder-desktop")
    app.setDesktopFileName("backorder-desktop")
    app.setWindowIcon(assets.app_icon())
    # Workers decoding rows hold the interpreter lock; the GUI thread waits up to one switch
    # interval per hand-off (5 ms by default), several in a row when a few workers are busy.
    sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)
    return app


def settle_profile_folder(
    home: str | None, prepare: Callable[[str | None], T], *, screenshot: str | None = None
) -> tuple[str | None, T] | None:
    """``prepare(home)`` (create and check the profile's folders, start the log) until it works:
    when the folder cannot be used, a dialog says why and offers to try again, to use another
    folder, or to quit. Returns the folder that worked and what ``prepare`` gave, or None to quit.

    Runs before the window's event loop: the dialog runs its own (``exec``). With ``screenshot``
    the dialog is saved there instead of waiting for an answer, and the answer is to quit."""
    create_application()
    while True:
        try:
            return home, prepare(home)
        except UserFacingError as error:
            from backorder_desktop.ui.dialogs.profile_problem_dialog import ProblemAnswer
            from backorder_desktop.ui.dialogs.profile_problem_dialog import ProfileProblemDialog

            # Logged before the log is set up: this reaches stderr, for whoever started the app.
            logger.warning("the profile folder cannot be used: %s", error)
            dialog = ProfileProblemDialog(error, home)
            if screenshot:
                dialog.show()
                dialog.grab().save(screenshot, "PNG")
                dialog.close()
                return None
            dialog.exec()
            if dialog.answer is ProblemAnswer.QUIT:
                return None
            if dialog.answer is ProblemAnswer.OTHER_FOLDER:
                home = dialog.folder


class IdleWaiter(QTimer):
    """Calls ``done`` once the controller has been idle for a few polls in a row."""

    def __init__(self, controller: AppController, done: object, timeout_ms: int) -> None:
        super().__init__(controller)
        self._controller = controller
        self._done = done
        self._streak = 0
        self._left = timeout_ms // IDLE_POLL_MS
        self.setInterval(IDLE_POLL_MS)
        self.timeout.connect(self._on_self_timeout)
        self.start()

    def _on_self_timeout(self) -> None:
        self._left -= 1
        self._streak = self._streak + 1 if self._controller.is_idle() else 0
        if self._streak >= IDLE_POLLS_NEEDED or self._left <= 0:
            self.stop()
            self._done(self._streak >= IDLE_POLLS_NEEDED)  # type: ignore[operator]


def take_screenshot(controller: AppController, path: str, page: str | None, on_saved: object) -> None:
    """Wait until idle, then save a PNG of the window; ``on_saved(ok)`` follows."""
    controller.force_show = True
    if page is not None:
        index = PAGES.index(page)
        controller.window.tabs.setCurrentIndex(index)

    def idle(ok: bool) -> None:
        products = controller.window.products
        on_products = page in (None, "products")
        if on_products and products.model.rowCount() > 0 and products.current_product() is None:
            products.select_rows(0, 0)  # show the variants pane filled in
        if not ok:
            logger.info("screenshot: the window did not become idle in time; saving it as it is")
        target = Path(path)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        saved = controller.window.grab().save(str(target), "PNG")
        logger.info("screenshot saved to %s", target)
        on_saved(ok and bool(saved))  # type: ignore[operator]

    IdleWaiter(controller, idle, SCREENSHOT_TIMEOUT_MS)


class TrayActionTestHook:
    """TEST HOOK (``BACKORDER_DESKTOP_TEST_TRAY_ACTION=sync``): tray "Sync now", then quit."""

    def __init__(self, controller: AppController, action: str, on_done: object) -> None:
        if action != "sync":
            raise ValueError(f"{TEST_TRAY_ACTION_ENV}: unknown action {action!r} (only 'sync')")
        self._controller = controller
        self._on_done = on_done
        self._triggered = False
        self._sync_ok = False
        logger.info("test hook: will run the tray's Sync now once the tray and the catalog are ready")
        controller.manual_sync_finished.connect(self._on_controller_manual_sync_finished)
        self._waiter = IdleWaiter(controller, self._on_idle, SCREENSHOT_TIMEOUT_MS)

    def _on_idle(self, ok: bool) -> None:
        tray = self._controller.tray
        if not ok or not tray.is_shown():
            logger.info("test hook: tray shown=%s, idle=%s; giving up", tray.is_shown(), ok)
            self._on_done(False)  # type: ignore[operator]
            return
        self._triggered = True
        logger.info("test hook: triggering the tray menu's %r", tray.sync_action.text())
        tray.sync_action.trigger()

    def _on_controller_manual_sync_finished(self, result: object) -> None:
        if not self._triggered:
            return
        ok = isinstance(result, SyncRun)
        outcome = result.outcome.value if isinstance(result, SyncRun) else repr(result)
        logger.info("test hook: tray sync finished: %s", outcome)
        self._log_icon_on_screen()
        self._sync_ok = ok
        self._waiter = IdleWaiter(self._controller, self._on_idle_after_sync, SCREENSHOT_TIMEOUT_MS)

    def _on_idle_after_sync(self, idle: bool) -> None:
        self._on_done(self._sync_ok and idle)  # type: ignore[operator]

    def _log_icon_on_screen(self) -> None:
        """Where the tray host put the icon, and how many colours are drawn there (0: nothing)."""
        rect = self._controller.tray.icon.geometry()
        colours = 0
        screen = QGuiApplication.primaryScreen()
        if screen is not None and rect.width() > 0 and rect.height() > 0:
            image = screen.grabWindow(0, rect.x(), rect.y(), rect.width(), rect.height()).toImage()
            pixels = {image.pixel(x, y) for x in range(image.width()) for y in range(image.height())}
            colours = len(pixels)
        logger.info(
            "test hook: tray icon at %s,%s size %sx%s showing %s colours",
            rect.x(),
            rect.y(),
            rect.width(),
            rect.height(),
            colours,
        )


def run_window(
    launcher: Launcher,
    *,
    screenshot: str | None = None,
    start_demo: bool = False,
    page: str | None = None,
    instance_key: str | None = None,
) -> int:
    """Run the window until the merchant quits; returns the process exit code.

    ``page`` picks the tab of a screenshot: ``products`` (default), ``orders``, ``history`` or ``settings``.
    ``instance_key`` (the profile folder) allows one window per profile: when a window is open on
    it already, that window is asked to come forward and this returns 0 without opening anything.
    """
    if page is not None and page not in PAGES:
        raise ValueError(f"page must be one of {', '.join(PAGES)}, not {page!r}")
    app = create_application()
    guard: InstanceGuard | None = None
    if instance_key is not None:
        guard = InstanceGuard(instance_key)
        if not guard.claim():
            return 0
    controller = AppController(launcher)
    if guard is not None:
        guard.show_requested.connect(controller.show_window)
    previous_hook = sys.excepthook
    sys.excepthook = controller.router.handle_uncaught
    exit_code = 0

    def finish(ok: bool) -> None:
        nonlocal exit_code
        exit_code = 0 if ok else 1
        controller.quit()

    app.setQuitOnLastWindowClosed(True)
    controller.tray.shown.connect(lambda: app.setQuitOnLastWindowClosed(False))
    controller.finished.connect(lambda: app.exit(exit_code))
    if screenshot:
        take_screenshot(controller, screenshot, page, finish)
    test_action = os.environ.get(TEST_TRAY_ACTION_ENV)
    hook = TrayActionTestHook(controller, test_action, finish) if test_action else None
    controller.start(start_demo=start_demo)
    try:
        code = app.exec()
    finally:
        controller.close_blocking()
        sys.excepthook = previous_hook
        if guard is not None:
            guard.close()
    del hook
    return exit_code if code == 0 else code
