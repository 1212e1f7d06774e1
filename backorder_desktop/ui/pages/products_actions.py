"""What a merchant does to products from the Products tab: assign, remove from BackOrder, discard
waiting stock changes, edit stock and undo the last edit — each one call on the facade, on a worker.

Nothing touching many products happens without a question first (more than ``LARGE_EDIT_ROWS``
rows, and every removal from the Delete key), and nothing waiting is dropped without being asked:
removing products whose stock changes wait asks whether to write them first or discard them, as
the inventory-source switch does. An undo is a new stock edit back to the previous level, so the
stock history shows both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtCore import QPoint
from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu
from PySide6.QtWidgets import QMessageBox
from PySide6.QtWidgets import QWidget

from backorder_desktop.domain.models import Product
from backorder_desktop.domain.models import ProductQuery
from backorder_desktop.domain.models import Variant
from backorder_desktop.domain.stock import Adjustment
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import OutboxChoice
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.services.profile import AssignReport
from backorder_desktop.services.profile import OutboxNotEmpty
from backorder_desktop.services.profile import Profile
from backorder_desktop.services.profile import StockEdit
from backorder_desktop.ui.formatting import format_count
from backorder_desktop.ui.formatting import plural
from backorder_desktop.ui.workers import BackgroundRunner

if TYPE_CHECKING:
    from backorder_desktop.ui.pages.products_page import ProductsPage

LARGE_EDIT_ROWS = 20
UNDO_DEPTH = 50
UNDO_REASON = "undo"
DISCARD_REASON = "discarded from the products list"
REMOVE_REASON = "discarded: removed from BackOrder"

Ranges = list[tuple[int, int]]


@dataclass(frozen=True, slots=True)
class _Target:
    """The selected rows when the merchant acted: later selection changes do not move them."""

    query: ProductQuery
    ranges: Ranges
    count: int


@dataclass(frozen=True, slots=True)
class _Undoable:
    adjustment: Adjustment
    label: str  # the SKU, for the message


class ProductActions(QObject):
    """Acts on ``page``'s selection through its profile; tells the window what happened."""

    message_posted = Signal(str)  # what happened, for the status bar
    changed = Signal()  # the catalog or the stock changed: refresh what shows them
    undo_available = Signal(bool)
    question_asked = Signal(object)  # the QMessageBox (tests answer it)

    def __init__(self, page: ProductsPage, runner: BackgroundRunner) -> None:
        super().__init__(page)
        self._page = page
        self._runner = runner
        self._undo: list[_Undoable] = []
        self.question: QMessageBox | None = None
        self.notice: QMessageBox | None = None
        self.menu: QMenu | None = None

    @property
    def _profile(self) -> Profile | None:
        return self._page.profile

    def _target(self) -> _Target | None:
        ranges = self._page.selected_ranges()
        count = sum(n for _, n in ranges)
        if self._profile is None or count == 0:
            return None
        return _Target(self._page.model.query, ranges, count)

    # --- assigning and removing -------------------------------------------------------------

    def assign_selected(self, *, assign: bool, confirm: bool = False) -> None:
        """Assign (or remove) every selected product; asks first when many are selected, or
        always with ``confirm`` (the Delete key)."""
        target = self._target()
        if target is None:
            return
        if confirm or target.count > LARGE_EDIT_ROWS:
            what = plural(target.count, "product")
            text = f"Assign {what} to BackOrder?" if assign else f"Remove {what} from BackOrder?"
            detail = (
                "Their stock will be managed by BackOrder Desktop."
                if assign
                else "Their stock goes back to what BigCommerce says. Their stock history is kept."
            )
            self._ask(text, detail, [(text.rstrip("?"), lambda: self._assign(target, assign, None))])
            return
        self._assign(target, assign, None)

    def _assign(self, target: _Target, assign: bool, outbox: OutboxChoice | None) -> None:
        profile = self._profile
        if profile is None:
            return

        def work() -> AssignReport:
            refs = [str(pid) for pid in _product_ids(profile, target)]
            return profile.assign(refs) if assign else profile.unassign(refs, outbox=outbox)

        def failed(error: BaseException) -> None:
            if isinstance(error, OutboxNotEmpty) and not assign:
                self._ask_about_waiting(target, error.count)
            else:
                self._report(error)

        self._page.set_actions_busy(True)
        self._runner.run_in_background(
            work,
            on_result=lambda report: self._assigned(report, assign),
            on_error=failed,
            on_finished=lambda: self._page.set_actions_busy(False),
        )

    def _ask_about_waiting(self, target: _Target, count: int) -> None:
        changes = plural(count, "stock change")
        self._ask(
            f"{changes} of these products {'is' if count == 1 else 'are'} waiting to be written to "
            "BigCommerce.",
            "Write them first, or discard them (the stock history records each one as discarded)?",
            [
                ("Write them now", lambda: self._assign(target, False, OutboxChoice.PUSH)),
                (f"Discard {changes}", lambda: self._assign(target, False, OutboxChoice.DISCARD)),
            ],
        )

    def _assigned(self, report: AssignReport, assign: bool) -> None:
        verb = "assigned to BackOrder" if assign else "removed from BackOrder"
        unchanged = report.matched - report.changed
        text = f"{plural(report.changed, 'product')} {verb}"
        if unchanged:
            text += f" ({format_count(unchanged)} already {'were' if unchanged != 1 else 'was'})"
        if assign and report.untracked:
            text += f". {_untracked_words(report)}"
        self.message_posted.emit(text)
        self.changed.emit()

    # --- waiting changes ----------------------------------------------------------------------

    def discard_selected(self) -> None:
        """Drop the stock changes waiting for the selected products (asks first when many)."""
        target = self._target()
        if target is None:
            return
        if target.count > LARGE_EDIT_ROWS:
            self._ask(
                f"Discard the waiting stock changes of {plural(target.count, 'product')}?",
                "Each goes back to BigCommerce's last value; the stock history records it.",
                [("Discard", lambda: self._discard(target))],
            )
            return
        self._discard(target)

    def _discard(self, target: _Target) -> None:
        profile = self._profile
        if profile is None:
            return
        self._runner.run_in_background(
            lambda: profile.discard_waiting(_product_ids(profile, target), reason=DISCARD_REASON),
            on_result=self._discarded,
            on_error=self._report,
        )

    def _discarded(self, count: int) -> None:
        self.message_posted.emit(
            f"{plural(count, 'waiting change')} discarded" if count else "No change was waiting"
        )
        self.changed.emit()

    # --- stock edits and undo -----------------------------------------------------------------

    def edit_stock(self, product: Product, variant: Variant | None, level: int) -> None:
        profile = self._profile
        if profile is None:
            return
        key = StockKey(product.id, variant.id if variant is not None else None)
        label = variant.sku if variant is not None else product.sku
        self._runner.run_in_background(
            lambda: profile.edit_stock(key, AdjustmentKind.SET, level),
            on_result=lambda edit: self._edited(edit, label),
            on_error=self._report,
            on_finished=self.changed.emit,
        )

    def _edited(self, edit: StockEdit, label: str) -> None:
        self._undo.append(_Undoable(edit.adjustment, label))
        del self._undo[:-UNDO_DEPTH]
        self.undo_available.emit(True)

    def refuse_stock(self, problem: str) -> None:
        """A typed level that is not one: say why; nothing was changed or queued."""
        box = self.notice = QMessageBox(
            QMessageBox.Icon.Warning, "Stock not changed", problem, QMessageBox.StandardButton.Ok, self._page
        )
        box.setObjectName("stock_refused")
        box.open()
        self.message_posted.emit("Stock not changed")

    def can_undo(self) -> bool:
        return bool(self._undo)

    def undo_last_edit(self) -> None:
        """Set the last edited stock back to what it was before (a new edit, in the history)."""
        profile = self._profile
        if profile is None or not self._undo:
            return
        last = self._undo.pop()
        self.undo_available.emit(bool(self._undo))
        before = last.adjustment.level_before
        self._runner.run_in_background(
            lambda: profile.edit_stock(last.adjustment.key, AdjustmentKind.SET, before, reason=UNDO_REASON),
            on_result=lambda _edit: self.message_posted.emit(
                f"Stock of {last.label} set back to {format_count(before)}"
            ),
            on_error=self._report,
            on_finished=self.changed.emit,
        )

    def forget(self) -> None:
        """Another profile: its edits are not ours to undo."""
        self._undo.clear()
        self.undo_available.emit(False)

    # --- the rows' menu -----------------------------------------------------------------------

    def show_menu(self, at: QPoint) -> None:
        """The context menu of the selected rows, at ``at`` (the table viewport's coordinates)."""
        page = self._page
        menu = self.menu = QMenu(page.table)
        menu.setObjectName("products_menu")
        count = page.selected_count()
        has_profile = self._profile is not None
        current = page.current_product()
        pending = any(page.model.is_pending(p) for p in page.loaded_selected_products())
        entries: list[tuple[str, str, Callable[[], object], bool]] = [
            ("assign", "Assign to BackOrder", lambda: self.assign_selected(assign=True), count > 0),
            (
                "remove",
                "Remove from BackOrder…",
                lambda: self.assign_selected(assign=False, confirm=True),
                count > 0,
            ),
            ("discard", "Discard waiting stock change", self.discard_selected, pending),
            (
                "history",
                "Stock history…",
                lambda: page.stock_history_requested.emit(current),
                current is not None,
            ),
        ]
        for name, text, slot, enabled in entries:
            action = QAction(text, menu)
            action.setObjectName(f"{name}_action")
            action.setEnabled(enabled and has_profile)
            action.triggered.connect(slot)
            menu.addAction(action)
        menu.popup(page.table.viewport().mapToGlobal(at))

    # --- asking -------------------------------------------------------------------------------

    def _ask(self, text: str, detail: str, choices: list[tuple[str, Callable[[], None]]]) -> None:
        """A window-modal question that does not block the event loop; Cancel does nothing."""
        box = self.question = QMessageBox(self._page)
        box.setObjectName("products_question")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("BackOrder Desktop")
        box.setText(text)
        box.setInformativeText(detail)
        actions: dict[object, Callable[[], None]] = {}
        for label, act in choices:
            actions[box.addButton(label, QMessageBox.ButtonRole.AcceptRole)] = act
        box.addButton(QMessageBox.StandardButton.Cancel)

        def answered(button: QWidget) -> None:
            act = actions.get(button)
            if act is not None:
                act()

        box.buttonClicked.connect(answered)
        box.open()
        self.question_asked.emit(box)

    def _report(self, error: BaseException) -> None:
        handler = self._runner.unhandled_error
        if handler is not None:
            handler(error)


def _product_ids(profile: Profile, target: _Target) -> list[int]:
    """The ids of the target's rows (on a worker: rows the table never loaded are read here)."""
    ids: list[int] = []
    for offset, count in target.ranges:
        ids.extend(p.id for p in profile.query_products(target.query, limit=count, offset=offset))
    return ids


def _untracked_words(report: AssignReport) -> str:
    """Assigned products the store tracks no stock for: nothing to count until tracking is on."""
    one = report.untracked == 1
    which = "It" if report.matched == 1 else f"{format_count(report.untracked)} of them"
    return (
        f"{which} {'tracks' if one else 'track'} no stock in BigCommerce ({report.untracked_named()}), "
        "so there is nothing to count or limit: turn on inventory tracking for "
        f"{'it' if one else 'them'} there, then sync"
    )
