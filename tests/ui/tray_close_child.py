"""The app side of ``test_tray_window.py``'s tray test, run on a real X display with a tray host.

``python tests/ui/tray_close_child.py HOME``: opens the demo profile in the window (as
``backorder-desktop --demo`` does), waits until the tray icon is shown and the window is idle,
closes the window, then picks the tray menu's "Open BackOrder Desktop"; prints one JSON line of
what it saw, and quits. Without a tray the report says so (``tray_shown`` false): the test fails.
"""

from __future__ import annotations

import json
import logging
import sys

from PySide6.QtCore import QTimer

from backorder_desktop.app import AppLauncher
from backorder_desktop.ui.application import IdleWaiter
from backorder_desktop.ui.application import create_application
from backorder_desktop.ui.controller import AppController

GIVE_UP_MS = 120_000


class _Messages(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def main(home: str) -> int:
    app = create_application()
    app.setQuitOnLastWindowClosed(False)  # the controller decides, as the tray test checks
    messages = _Messages()
    ours = logging.getLogger("backorder_desktop")
    ours.setLevel(logging.INFO)
    ours.addHandler(messages)
    controller = AppController(AppLauncher(home))
    report: dict[str, object] = {"tray_shown": False}
    finished: list[bool] = []
    controller.finished.connect(lambda: (finished.append(True), app.exit(0)))
    ready = {"idle": False, "tray": False}

    def scenario() -> None:
        report["tray_shown"] = controller.tray.is_shown()
        before = len(messages.messages)
        controller.window.close()
        report["hidden"] = not controller.window.isVisible()
        report["quitting"] = "quitting" in messages.messages[before:]
        report["finished"] = bool(finished)
        report["profile_kept"] = controller.profile is not None
        controller.tray.open_action.trigger()
        report["shown_again"] = controller.window.isVisible()
        controller.quit()

    def mark(what: str) -> None:
        if not ready[what]:
            ready[what] = True
            if all(ready.values()):
                scenario()

    def on_idle(ok: bool) -> None:
        if ok:
            mark("idle")
        else:
            report["error"] = "the window never became idle"
            controller.quit()

    def give_up() -> None:
        if not all(ready.values()):
            report["error"] = f"not ready after {GIVE_UP_MS} ms: {ready}"
            controller.quit()

    controller.tray.shown.connect(lambda: mark("tray"))
    controller.start(start_demo=True)
    if controller.tray.is_shown():
        mark("tray")
    waiter = IdleWaiter(controller, on_idle, GIVE_UP_MS)
    QTimer.singleShot(GIVE_UP_MS, give_up)
    code = app.exec()
    controller.close_blocking()
    del waiter
    print(json.dumps(report), flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
