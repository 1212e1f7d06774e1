"""Test-wide setup: offscreen Qt, isolated profile paths, and failing on unexpected warnings."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.contract import location as spec_location

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never touch the user's real keyring or folders from a test run (each keyring test starts its own).
os.environ.pop("BACKORDER_DESKTOP_TOKEN", None)
os.environ.pop("BACKORDER_DESKTOP_HOME", None)
# The Python children the tests start wait FAST_RETRY's short time between retries, as in-process
# tests do (child_startup/sitecustomize.py says why); this process keeps the real schedule.
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(Path(__file__).parent / "child_startup"), *filter(None, [os.environ.get("PYTHONPATH")])]
)
os.environ["TEST_SHORT_RETRY_WAITS"] = "1"


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
pytest_plugins = ["tests.fixtures_demo", "tests.fixtures_keyring", "tests.fixtures_postgres"]


# --- the contract suite needs BigCommerce's specs, which live outside this repository -----------

_CONTRACT_NOT_RUN = pytest.StashKey[int]()


def _is_contract_test(item: pytest.Item) -> bool:
    return spec_location.CONTRACT_DIR in item.path.parents


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without the spec folder the contract tests are left out (one line at the end says so); in CI
    that is an error, so CI never passes without them."""
    contract = [item for item in items if _is_contract_test(item)]
    if not contract or spec_location.specs_present():
        return
    if spec_location.in_ci():
        raise pytest.UsageError(spec_location.missing_in_ci())
    items[:] = [item for item in items if not _is_contract_test(item)]
    config.hook.pytest_deselected(items=contract)
    config.stash[_CONTRACT_NOT_RUN] = len(contract)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    left_out = config.stash.get(_CONTRACT_NOT_RUN, 0)
    if left_out:
        terminalreporter.write_line(spec_location.not_run_notice(left_out), yellow=True, bold=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Running only the contract suite without its specs ran nothing, and that is not an error."""
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED and session.config.stash.get(_CONTRACT_NOT_RUN, 0):
        session.exitstatus = pytest.ExitCode.OK


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    """In CI a skipped contract test fails: the suite runs whole there or the run is red."""
    report: pytest.TestReport = yield
    skipped = report.skipped and not hasattr(report, "wasxfail")
    if skipped and spec_location.in_ci() and _is_contract_test(item):
        report.outcome = "failed"
        report.longrepr = f"a contract test may not be skipped in CI (skipped: {report.longrepr})"
    return report
