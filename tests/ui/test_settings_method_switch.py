"""Switching the backorder method in Settings, on the real app (``AppLauncher``, SQLite, the demo store
over HTTP): what it moves in BigCommerce is shown first; with writes waiting it offers to write them
first; Cancel changes nothing; the switch goes through the facade with the choice."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from backorder_desktop.domain.product_writes import BackorderMethod
from backorder_desktop.domain.product_writes import WriteReason

pytestmark = pytest.mark.gui


def _ask(qtbot, page, method: BackorderMethod) -> QMessageBox:
    page.backorder_method.setCurrentIndex(page.backorder_method.findData(method.value))
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: page.method_question is not None and page.method_question.isVisible(), timeout=20_000
    )
    box: QMessageBox = page.method_question
    return box


def test_a_method_switch_shows_what_it_moves_and_writes_what_waits_first(
    qtbot, connected_window, demo_store
) -> None:
    profile, page = connected_window.profile, connected_window.window.settings
    assert profile.settings().backorder_method is BackorderMethod.APP
    products = [p for p in profile.products() if p.inventory_tracking.value == "product"][:2]
    profile.assign([p.sku for p in products])  # tracking off waits to be written

    box = _ask(qtbot, page, BackorderMethod.NATIVE)
    assert box.text().startswith("Switching the backorder method from app to native: 2 products")
    assert box.informativeText().startswith("2 product writes wait to be written to BigCommerce")
    texts = [b.text() for b in box.buttons()]
    assert "Write them now and switch" in texts and "Discard the stock changes" not in texts
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert page.backorder_method.currentData() == "app"
    assert profile.settings().backorder_method is BackorderMethod.APP

    box = _ask(qtbot, page, BackorderMethod.NATIVE)
    next(b for b in box.buttons() if b.text() == "Write them now and switch").click()
    qtbot.waitUntil(lambda: page.status_label.text() == "Saved.", timeout=20_000)
    assert profile.settings().backorder_method is BackorderMethod.NATIVE
    assert page.backorder_method.currentData() == "native"
    # Tracking off was written first; the switch then queued it back on, for the next push.
    assert {demo_store.catalog.get_product(p.id)["inventory_tracking"] for p in products} == {"none"}
    waiting = profile.parts.mirror.product_writes()
    assert {(w.product_id, w.reason) for w in waiting} == {(p.id, WriteReason.TO_NATIVE) for p in products}
