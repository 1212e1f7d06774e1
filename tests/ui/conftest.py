"""Window tests: offscreen Qt, Qt warnings fail the test, and helpers to wait for the window."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.ui.fakes import FakeLauncher


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Qt warnings fail window tests (STYLE rule 29), as warnings of our own loggers do."""
    for item in items:
        if "tests/ui/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            # Offscreen platform chatter that says nothing about the app (it has no tray and no
            # window manager; the tray tests fake a tray there).
            ignored = ("This plugin does not support", "systemTrayWindowChanged")
            item.add_marker(pytest.mark.qt_log_ignore(*ignored))


@pytest.fixture
def fake_launcher(tmp_path) -> FakeLauncher:
    return FakeLauncher(str(tmp_path))


@pytest.fixture
def runner(qtbot) -> Iterator[object]:
    from backorder_desktop.ui.workers import BackgroundRunner

    runner = BackgroundRunner()
    yield runner
    qtbot.waitUntil(runner.is_idle, timeout=10_000)
    runner.wait_for_threads(10_000)


@pytest.fixture
def make_controller(qtbot):
    """Builds ``AppController``s over a launcher; quits them (services closed) after the test."""
    from backorder_desktop.ui.controller import AppController

    made: list[tuple[AppController, list[bool]]] = []

    def make(launcher, *, tray: bool = False) -> AppController:
        controller = AppController(launcher, tray_available=lambda: tray)
        done: list[bool] = []
        controller.finished.connect(lambda: done.append(True))
        made.append((controller, done))
        return controller

    yield make
    for controller, done in made:
        for dialog in controller.router.open_dialogs():
            dialog.close()
        controller.quit()
        qtbot.waitUntil(lambda done=done: bool(done), timeout=30_000)
        controller.window.close()
        controller.window.deleteLater()


@pytest.fixture
def demo(qtbot, fake_launcher, make_controller):
    """The window on a demo profile whose first sync has filled the table."""
    controller = make_controller(fake_launcher)
    with qtbot.waitSignal(controller.profile_adopted, timeout=10_000):
        controller.start(start_demo=True)
    wait_idle(qtbot, controller)
    controller.window.tabs.setCurrentWidget(controller.window.products)  # it opens on the Dashboard
    return controller


def wait_idle(qtbot, controller, timeout: int = 20_000) -> None:
    """Until nothing runs or loads (the table's windows included), several checks in a row."""
    streak = [0]

    def settled() -> bool:
        streak[0] = streak[0] + 1 if controller.is_idle() else 0
        return streak[0] >= 3

    qtbot.waitUntil(settled, timeout=timeout)


@pytest.fixture
def connected_window(qtbot, connected_home, demo_store, make_controller):
    """The window on a profile connected to the demo store (the real ``AppLauncher``), after its
    first sync, showing Settings."""
    from backorder_desktop.app import AppLauncher

    controller = make_controller(AppLauncher(connected_home, env_token=demo_store.token))
    with qtbot.waitSignal(controller.profile_adopted, timeout=20_000):
        controller.start()
    wait_idle(qtbot, controller, timeout=30_000)
    controller.window.tabs.setCurrentWidget(controller.window.settings)
    return controller
