"""What a merchant does to rows: discard a waiting change from the row's menu, undo the last stock
edit with Ctrl+Z, large edits and removals ask first (and ask about waiting changes), the
window's shortcuts and its Help menu."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import QObject
from PySide6.QtCore import QPoint
from PySide6.QtCore import Qt
from PySide6.QtCore import QUrl
from PySide6.QtCore import Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMessageBox

from backorder_desktop.ui.help_menu import README_SECTIONS
from backorder_desktop.ui.help_menu import anchor
from backorder_desktop.ui.models.catalog_columns import Column
from backorder_desktop.ui.pages.products_actions import DISCARD_REASON
from backorder_desktop.ui.pages.products_actions import LARGE_EDIT_ROWS
from backorder_desktop.ui.pages.products_actions import UNDO_REASON
from tests.ui.conftest import wait_idle

pytestmark = pytest.mark.gui
README = Path(__file__).resolve().parents[2] / "README.md"


def _menu_action(products, name: str):
    products.product_actions.show_menu(QPoint(5, 5))
    menu = products.product_actions.menu
    action = next(a for a in menu.actions() if a.objectName() == name)
    menu.close()
    return action


def _answer(box: QMessageBox, label: str) -> None:
    if label == "Cancel":
        box.button(QMessageBox.StandardButton.Cancel).click()
        return
    next(b for b in box.buttons() if b.text() == label).click()


def _edit_stock_in_the_table(qtbot, demo, row: int, level: int) -> None:
    """Assign the row's product, then type a level into its stock cell as the merchant would."""
    products = demo.window.products
    model = products.model
    product = model.product_at(row)
    demo.profile.assign([str(product.id)])
    demo.refresh_after_change()
    wait_idle(qtbot, demo)
    index = model.index(row, Column.STOCK)
    assert model.flags(index) & Qt.ItemFlag.ItemIsEditable
    assert model.setData(index, level)
    qtbot.waitUntil(lambda: model.is_pending(model.product_at(row)), timeout=20_000)
    wait_idle(qtbot, demo)


def test_a_waiting_change_is_discarded_from_the_rows_menu(qtbot, demo) -> None:
    products = demo.window.products
    products.select_rows(1, 1)
    assert not _menu_action(products, "discard_action").isEnabled()  # nothing waits yet
    _edit_stock_in_the_table(qtbot, demo, 0, 40)
    products.select_rows(0, 0)
    discard = _menu_action(products, "discard_action")
    assert discard.isEnabled() and discard.text() == "Discard waiting stock change"
    discard.trigger()
    qtbot.waitUntil(lambda: demo.profile.outbox() == [], timeout=20_000)
    wait_idle(qtbot, demo)
    latest = demo.profile.stock_history(1)[0]
    assert latest.reason == DISCARD_REASON and latest.level_before == 40
    assert demo.window.message_label.text() == "1 waiting change discarded"
    assert not products.model.is_pending(products.model.product_at(0))


def test_ctrl_z_undoes_the_last_stock_edit_with_a_new_edit(qtbot, demo) -> None:
    window = demo.window
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=20_000)
    assert not window.undo_action.isEnabled()
    before = window.products.model.product_at(0).inventory_level
    _edit_stock_in_the_table(qtbot, demo, 0, 40)
    assert window.undo_action.isEnabled()
    window.products.table.setFocus()
    qtbot.keyClick(window.products.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: demo.profile.stock_history(1)[0].reason == UNDO_REASON, timeout=20_000)
    wait_idle(qtbot, demo)
    undo, edit = demo.profile.stock_history(1)[:2]
    assert (edit.level_before, edit.level_after) == (before, 40)
    assert (undo.level_before, undo.level_after) == (40, before)  # a new entry: the history keeps both
    assert window.message_label.text() == f"Stock of SKU-00001 set back to {before}"
    assert not window.undo_action.isEnabled()  # one edit, undone


def test_assigning_many_rows_asks_first(qtbot, demo, fake_launcher) -> None:
    products = demo.window.products
    asked: list[QMessageBox] = []
    products.product_actions.question_asked.connect(asked.append)
    products.select_rows(0, LARGE_EDIT_ROWS)  # one more than may go without asking
    qtbot.mouseClick(products.assign_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1 and asked[0].text() == f"Assign {LARGE_EDIT_ROWS + 1} products to BackOrder?"
    _answer(asked[0], "Cancel")
    wait_idle(qtbot, demo)
    assert fake_launcher.mirror.backorder_product_ids() == set()

    qtbot.mouseClick(products.assign_button, Qt.MouseButton.LeftButton)
    _answer(asked[1], f"Assign {LARGE_EDIT_ROWS + 1} products to BackOrder")
    assigned = fake_launcher.mirror.backorder_product_ids
    qtbot.waitUntil(lambda: len(assigned()) == LARGE_EDIT_ROWS + 1, timeout=20_000)
    wait_idle(qtbot, demo)

    products.select_rows(0, 1)  # a few rows: no question
    qtbot.mouseClick(products.unassign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(assigned()) == LARGE_EDIT_ROWS - 1, timeout=20_000)
    assert len(asked) == 2
    wait_idle(qtbot, demo)


def test_delete_asks_then_asks_about_waiting_changes_before_removing(qtbot, demo, fake_launcher) -> None:
    window = demo.window
    products = window.products
    asked: list[QMessageBox] = []
    products.product_actions.question_asked.connect(asked.append)
    demo.profile.assign(["2", "3"])
    _edit_stock_in_the_table(qtbot, demo, 0, 40)  # product 1: assigned, its change waiting
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=20_000)
    products.select_rows(0, 2)
    products.table.setFocus()
    qtbot.keyClick(products.table, Qt.Key.Key_Delete)
    assert asked[0].text() == "Remove 3 products from BackOrder?"
    _answer(asked[0], "Remove 3 products from BackOrder")
    qtbot.waitUntil(lambda: len(asked) == 2, timeout=20_000)
    assert asked[1].text() == "1 stock change of these products is waiting to be written to BigCommerce."
    _answer(asked[1], "Cancel")
    wait_idle(qtbot, demo)
    assert fake_launcher.mirror.backorder_product_ids() == {1, 2, 3}  # nothing removed, nothing dropped
    assert len(demo.profile.outbox()) == 1

    products.remove_action.trigger()
    _answer(asked[2], "Remove 3 products from BackOrder")
    qtbot.waitUntil(lambda: len(asked) == 4, timeout=20_000)
    _answer(asked[3], "Discard 1 stock change")
    qtbot.waitUntil(lambda: fake_launcher.mirror.backorder_product_ids() == set(), timeout=20_000)
    wait_idle(qtbot, demo)
    assert demo.profile.outbox() == []
    assert demo.profile.stock_history(1)[0].reason.startswith("discarded")  # recorded, not silent
    assert window.message_label.text() == "3 products removed from BackOrder"


def test_shortcuts_find_settings_and_sync(qtbot, demo) -> None:
    window = demo.window
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=20_000)
    window.products.table.setFocus()
    qtbot.keyClick(window.products.table, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.settings
    qtbot.keyClick(window.settings, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.products
    qtbot.waitUntil(window.products.search_box.hasFocus, timeout=20_000)
    assert window.sync_action.shortcut() == QKeySequence("F5")
    assert window.undo_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Undo)


class _UrlCatcher(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.opened: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url)


def test_the_help_menu_opens_the_readmes_sections(qtbot, demo) -> None:
    headings = re.findall(r"^## (.+)$", README.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert list(README_SECTIONS) == headings  # the menu follows the README
    catcher = _UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")
    try:
        entries = [a for a in demo.window.help_menu.actions() if a.text().startswith("README: ")]
        for action in entries:
            action.trigger()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [url.toLocalFile() for url in catcher.opened] == [str(README)] * len(README_SECTIONS)
    assert [url.fragment() for url in catcher.opened] == [anchor(h) for h in README_SECTIONS]
    assert anchor("Using it from the command line") == "using-it-from-the-command-line"
    texts = [a.text() for a in demo.window.help_menu.actions()]
    assert "Show the log" in texts and "About BackOrder Desktop" in texts


def test_the_stock_editor_takes_the_whole_range_and_refuses_the_rest_with_a_message(qtbot, demo) -> None:
    products = demo.window.products
    model = products.model
    _edit_stock_in_the_table(qtbot, demo, 0, 40)
    index = model.index(0, Column.STOCK)
    assert model.data(index, Qt.ItemDataRole.EditRole) == "40"  # text: a spin box would clamp
    refused: list[str] = []
    model.stock_refused.connect(refused.append)
    for typed in ("99999999999", "abc", "1.5", ""):
        assert not model.setData(index, typed)
    assert refused[0].startswith("99,999,999,999 is not a possible stock level")
    assert refused[1].startswith("“abc” is not a whole number. Stock can be from -2,147,483,648")
    assert len(refused) == 4
    notice = products.product_actions.notice
    assert notice is not None and notice.windowTitle() == "Stock not changed" and notice.text() == refused[-1]
    notice.close()
    wait_idle(qtbot, demo)
    assert [e.item.level for e in demo.profile.outbox()] == [40]  # nothing clamped, nothing queued

    assert model.setData(index, "-5")  # units sold on backorder: a level like any other
    qtbot.waitUntil(lambda: [e.item.level for e in demo.profile.outbox()] == [-5], timeout=20_000)
    assert model.setData(index, "2,147,483,647")
    qtbot.waitUntil(lambda: [e.item.level for e in demo.profile.outbox()] == [2_147_483_647], timeout=20_000)
    wait_idle(qtbot, demo)


def test_a_variants_stock_refused_keeps_the_stored_level(qtbot, demo) -> None:
    products = demo.window.products
    demo.profile.assign(["10"])  # product 10 has 3 variants, tracked per variant
    demo.refresh_after_change()
    wait_idle(qtbot, demo)
    products.select_rows(9, 9)
    table = products.variants.table
    qtbot.waitUntil(lambda: table.rowCount() == 3, timeout=20_000)
    item = table.item(0, 2)
    assert item.flags() & Qt.ItemFlag.ItemIsEditable
    stored = item.text()
    refused: list[str] = []
    products.variants.stock_refused.connect(refused.append)
    item.setText("lots")
    assert refused and "is not a whole number" in refused[0]
    assert item.text() == stored
    item.setText("-2")
    qtbot.waitUntil(lambda: [e.item.level for e in demo.profile.outbox()] == [-2], timeout=20_000)
    products.product_actions.notice.close()
    wait_idle(qtbot, demo)
