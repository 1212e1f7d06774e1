"""The Orders tab: orders that wait for stock of BackOrder products, oldest first, and their lines.

This is the worklist when stock arrives: the oldest order was promised first, so it is filled
first. The list is ``Profile.owed_orders`` (read on a worker); the window reloads it whenever a
sync or a change may have moved it (``refresh``), and when the tab is shown.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex
from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QAbstractItemView
from PySide6.QtWidgets import QDialog
from PySide6.QtWidgets import QDialogButtonBox
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QHeaderView
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QStackedWidget
from PySide6.QtWidgets import QTableView
from PySide6.QtWidgets import QTableWidget
from PySide6.QtWidgets import QTableWidgetItem
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from backorder_desktop.domain.orders import OrderStatus
from backorder_desktop.domain.orders import OwedOrder
from backorder_desktop.services.profile import Profile
from backorder_desktop.ui.formatting import format_count
from backorder_desktop.ui.formatting import format_date
from backorder_desktop.ui.formatting import format_time
from backorder_desktop.ui.formatting import plural
from backorder_desktop.ui.models.list_table_model import Index
from backorder_desktop.ui.models.list_table_model import ListTableModel
from backorder_desktop.ui.workers import BackgroundRunner

ORDERS_LIMIT = 500  # the oldest this many are listed; the count says how many wait in all
HEADERS = ("Order", "Date", "Customer", "Status", "Lines", "Units")
ORDER, DATE, CUSTOMER, STATUS, LINES, UNITS = range(len(HEADERS))
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
NUMBER_ALIGNMENT = int(RIGHT)
EMPTY_TEXT = (
    "<p><b>No orders are waiting for stock.</b></p>"
    "<p>When shoppers buy a BackOrder product beyond its stock, their orders are listed here, "
    "oldest first: when stock arrives, fill them in this order. Orders are read with every sync.</p>"
)


def status_name(status_id: int) -> str:
    status = OrderStatus.of(status_id)
    return status.label if status is not None else f"Status {status_id}"


def lines_text(order: OwedOrder) -> str:
    """ "SKU-1 × 2, SKU-2 × 1": what the order waits for, in one cell."""
    return ", ".join(f"{sku} × {format_count(units)}" for _key, sku, units in order.lines)


def placed_text(order: OwedOrder) -> str:
    return f"{format_date(order.date_created)} {format_time(order.date_created)}"


class OrdersModel(ListTableModel[OwedOrder]):
    """The listed orders, held in memory (a few hundred at most), in the worklist's order."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(HEADERS, parent)

    @property
    def orders(self) -> list[OwedOrder]:
        return self.rows

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        order, column = self.orders[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(order, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == LINES:
            return "\n".join(f"{sku} × {format_count(units)}" for _key, sku, units in order.lines)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (ORDER, UNITS):
            return NUMBER_ALIGNMENT
        return None

    @staticmethod
    def _display(order: OwedOrder, column: int) -> str:
        if column == ORDER:
            return f"#{order.order_id}"
        if column == DATE:
            return placed_text(order)
        if column == CUSTOMER:
            return order.customer
        if column == STATUS:
            return status_name(order.status_id)
        if column == LINES:
            return lines_text(order)
        return format_count(order.units)


class OrderLinesDialog(QDialog):
    """One order's lines: the SKUs it waits for and how many units of each."""

    def __init__(self, order: OwedOrder, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("order_lines_dialog")
        self.setWindowTitle(f"Order #{order.order_id}")
        layout = QVBoxLayout(self)
        who = f" by {order.customer}" if order.customer else ""
        status = status_name(order.status_id)
        self.summary = QLabel(
            f"<b>Order #{order.order_id}</b>, placed {placed_text(order)}{who} · {status}"
            f"<br>Waits for {plural(order.units, 'unit')} of BackOrder products:"
        )
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = QTableWidget(len(order.lines), 2)
        self.table.setObjectName("order_lines")
        self.table.setHorizontalHeaderLabels(["SKU", "Units"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for row, (_key, sku, units) in enumerate(order.lines):
            self.table.setItem(row, 0, QTableWidgetItem(sku))
            count = QTableWidgetItem(format_count(units))
            count.setTextAlignment(RIGHT)
            self.table.setItem(row, 1, count)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(460, 300)


class OrdersPage(QWidget):
    """The worklist of orders waiting for stock; Enter or a double-click shows an order's lines."""

    def __init__(self, runner: BackgroundRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("orders_page")
        self._runner = runner
        self._profile: Profile | None = None
        self._generation = 0
        self._loading = 0
        self._waiting_total: int | None = None  # orders waiting in all (the status report's count)
        self.lines_dialog: OrderLinesDialog | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.count_label = QLabel("")
        self.count_label.setObjectName("orders_count")
        top.addWidget(self.count_label, 1)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        top.addWidget(self.refresh_button)
        layout.addLayout(top)
        self.model = OrdersModel(self)
        self.table = QTableView()
        self.table.setObjectName("orders_table")
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(LINES, QHeaderView.ResizeMode.Stretch)
        # Enter and a double-click both activate a row (Qt emits it for each).
        self.table.activated.connect(self._on_table_activated)
        self.empty_label = QLabel(EMPTY_TEXT)
        self.empty_label.setObjectName("orders_empty")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setMargin(40)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty_label)
        self.stack.addWidget(self.table)
        layout.addWidget(self.stack)
        self._show_count()

    # --- wiring -----------------------------------------------------------------------------

    def set_profile(self, profile: Profile | None) -> None:
        self._profile = profile
        self._generation += 1
        self._waiting_total = None
        self.model.set_rows([])
        self._show_count()
        self.refresh()

    def set_waiting_total(self, total: int) -> None:
        """How many orders wait in all (the status report's ``orders_waiting``)."""
        self._waiting_total = total
        self._show_count()

    def is_loading(self) -> bool:
        return self._loading > 0

    def refresh(self) -> None:
        """Read the list again on a worker (a sync ended, stock or orders changed)."""
        profile = self._profile
        if profile is None:
            return
        self._generation += 1
        generation = self._generation
        self._loading += 1
        self._runner.run_in_background(
            lambda: profile.owed_orders(limit=ORDERS_LIMIT),
            on_result=lambda orders: self._on_loaded(generation, orders),
            on_finished=self._on_load_finished,
        )

    def _on_load_finished(self) -> None:
        self._loading -= 1

    def _on_loaded(self, generation: int, orders: list[OwedOrder]) -> None:
        if generation != self._generation:
            return
        selected = self.selected_order()
        self.model.set_rows(orders)
        self.stack.setCurrentWidget(self.table if orders else self.empty_label)
        row = next((i for i, o in enumerate(orders) if selected and o.order_id == selected.order_id), -1)
        if row >= 0:
            self.table.selectRow(row)
        self._show_count()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    # --- presenting -------------------------------------------------------------------------

    def _show_count(self) -> None:
        orders = self.model.orders
        shown = len(orders)
        # A list shorter than its limit is all there is; a full one may have more behind it.
        total = shown if shown < ORDERS_LIMIT else max(shown, self._waiting_total or 0)
        if total == 0:
            self.count_label.setText("No orders waiting for stock")
            return
        units = plural(sum(order.units for order in orders), "unit")
        if total > shown:
            self.count_label.setText(
                f"The oldest {format_count(shown)} of {plural(total, 'order')} waiting for stock ({units})"
            )
        else:
            self.count_label.setText(f"{plural(total, 'order')} waiting for stock · {units}, oldest first")

    def selected_order(self) -> OwedOrder | None:
        index = self.table.currentIndex()
        return self.model.orders[index.row()] if index.isValid() else None

    def _on_table_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.show_lines(self.model.orders[index.row()])

    def show_lines(self, order: OwedOrder) -> None:
        if self.lines_dialog is not None:
            self.lines_dialog.close()
        self.lines_dialog = OrderLinesDialog(order, self)
        self.lines_dialog.open()
