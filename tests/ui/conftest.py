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
            # Offscreen platform chatter that says nothing about the app.
            item.add_marker(pytest.mark.qt_log_ignore("This plugin does not support", "propagateSizeHints"))


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
