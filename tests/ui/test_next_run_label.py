"""The status bar says what runs next and when (issue 6's next scheduled job), hidden when nothing is due."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

from backorder_desktop.domain.models import InventorySource
from backorder_desktop.services.catalog import StatusReport
from backorder_desktop.ui.formatting import format_moment
from backorder_desktop.ui.main_window import MainWindow


def _report(next_run: datetime | None, job: str | None) -> StatusReport:
    return StatusReport(
        store_hash="abc123",
        store_name="Dana's shop",
        api_url="https://api.bigcommerce.com",
        inventory_source=InventorySource.ERP,
        products=12,
        variants=30,
        backorder_products=2,
        outbox=0,
        last_manual_sync=None,
        last_automatic_sync=None,
        next_scheduled_run=next_run,
        keyring_backend="memory (tests)",
        next_scheduled_job=job,
    )


def test_the_status_bar_shows_the_next_scheduled_run_and_hides_it_when_none(qtbot, runner) -> None:
    window = MainWindow(runner)
    qtbot.addWidget(window)
    window.show_catalog(is_demo=False)
    window.show()
    label = window.next_run_label
    assert not label.isVisible()  # nothing reported yet

    at = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    window.set_status(_report(at, "daily full sync (ERP mode)"), is_demo=False)
    assert label.isVisible()
    assert label.text() == f"Next: daily full sync (ERP mode) at {format_moment(at)}"
    assert window.statusBar().isAncestorOf(label)

    window.set_status(_report(None, None), is_demo=False)
    assert not label.isVisible()
    assert label.text() == ""
