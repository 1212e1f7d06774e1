"""Test-wide setup: offscreen Qt, isolated profile paths, and failing on unexpected warnings."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never touch the user's real keyring or folders from a test run (each keyring test starts its own).
os.environ.pop("BACKORDER_DESKTOP_TOKEN", None)
os.environ.pop("BACKORDER_DESKTOP_HOME", None)


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def _fail_on_unexpected_warnings(request: pytest.FixtureRequest) -> Iterator[_WarningCollector]:
    """A test fails when our code logs WARNING or worse, unless it asks for ``expected_warnings``."""
    collector = _WarningCollector()
    logger = logging.getLogger("backorder_desktop")
    logger.addHandler(collector)
    try:
        yield collector
    finally:
        logger.removeHandler(collector)
    if "expected_warnings" not in request.fixturenames and collector.records:
        lines = "\n".join(f"{r.levelname} {r.name}: {r.getMessage()}" for r in collector.records)
        pytest.fail(f"unexpected warnings were logged:\n{lines}", pytrace=False)


@pytest.fixture
def expected_warnings(_fail_on_unexpected_warnings: _WarningCollector) -> list[logging.LogRecord]:
    """The WARNING+ records logged during the test, for the test to check itself."""
    return _fail_on_unexpected_warnings.records


@pytest.fixture
def home(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh profile folder (what ``--home`` points at)."""
    return str(tmp_path_factory.mktemp("profile"))


# Fixtures that start real parts: the demo store over HTTP, a private Secret Service keyring.
pytest_plugins = ["tests.fixtures_demo", "tests.fixtures_keyring"]
