"""The window's import preview and Test feed summary keep the skipped rows apart by why, as the
command line does: unknown SKUs, SKUs of products not in BackOrder, and a BackOrder product's SKU
where its stock is kept per variant (with the variant SKUs to use), each counted and capped."""

from __future__ import annotations

from pathlib import Path

import pytest

from backorder_desktop.services.profile import FeedPreview
from backorder_desktop.ui.dialogs.import_dialog import SHOWN_SKUS
from backorder_desktop.ui.pages.settings_page import feed_preview_text
from tests.ui.conftest import wait_idle

pytestmark = pytest.mark.gui


def _stock_file(qtbot, controller, tmp_path: Path) -> tuple[Path, dict[str, object]]:
    """A file with one row of each kind (and many unknown SKUs); returns it and the SKUs used."""
    products = controller.profile.products()
    by_product = [p for p in products if p.inventory_tracking.value == "product" and p.sku]
    by_variant = next(p for p in products if p.inventory_tracking.value == "variant" and p.sku)
    assigned, other = by_product[0], by_product[1]
    controller.profile.assign([assigned.sku, by_variant.sku])
    controller.refresh_after_change()
    wait_idle(qtbot, controller)
    unknown = [f"NOPE-{n:02}" for n in range(SHOWN_SKUS + 5)]
    rows = [f"{assigned.sku},123", f"{other.sku},5", f"{by_variant.sku},7", *(f"{sku},1" for sku in unknown)]
    path = tmp_path / "stock.csv"
    path.write_text("sku,quantity\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path, {"other": other.sku, "by_variant": by_variant.sku, "unknown": unknown}


def test_the_import_preview_lists_the_skipped_skus_by_why(qtbot, connected_window, tmp_path: Path) -> None:
    window = connected_window
    path, skus = _stock_file(qtbot, window, tmp_path)
    page = window.window.settings
    page.import_button.click()
    qtbot.waitUntil(lambda: page.file_dialog is not None and page.file_dialog.isVisible(), timeout=20_000)
    page.file_dialog.fileSelected.emit(str(path))
    page.file_dialog.close()
    flow = window.stock_files
    qtbot.waitUntil(lambda: flow.preview_dialog is not None, timeout=20_000)

    lines = flow.preview_dialog.notes_label.text().splitlines()

    unknown = next(line for line in lines if line.startswith("Unknown SKUs"))
    assert unknown.startswith(f"Unknown SKUs ({SHOWN_SKUS + 5} SKUs skipped): NOPE-00, NOPE-01")
    assert unknown.endswith("and 5 more.")
    not_backorder = next(line for line in lines if line.startswith("Not BackOrder products"))
    assert not_backorder.startswith(f"Not BackOrder products (1 SKU skipped): {skus['other']}.")
    assert "Assign to BackOrder" in not_backorder  # the window's way, not a command
    per_variant = next(line for line in lines if line.startswith("Stock kept per variant"))
    assert per_variant.startswith(f"Stock kept per variant (1 SKU skipped): {skus['by_variant']} (use ")
    assert "backorder-desktop" not in "\n".join(lines)
    flow.preview_dialog.reject()


def test_the_feed_test_summary_counts_the_skipped_skus_by_why(
    qtbot, connected_window, tmp_path: Path
) -> None:
    window = connected_window
    path, skus = _stock_file(qtbot, window, tmp_path)
    with path.open("rb") as source:
        report = window.profile.import_stock(source, apply=False)

    text = feed_preview_text(FeedPreview(first_rows=[], report=report))

    summary = text.split("<br>")[0]
    assert f"{SHOWN_SKUS + 5} unknown SKUs" in summary
    assert "1 SKU of products not in BackOrder" in summary
    assert "1 SKU with stock kept per variant" in summary
    assert f"<br>Not BackOrder products (1 SKU skipped): {skus['other']}." in text
