"""The Dashboard tab: what needs the merchant this morning, at a glance.

Six tiles (BackOrder products, units backordered, orders waiting, products at or near their
limit, deliveries expected this week, expected dates passed), each opening the list it counts; the
units owed day by day over the last 30 or 90 days; and the next expected dates. Everything comes
from one facade call (``Profile.dashboard``) read on a worker, again after each sync or change
(``refresh``): the GUI thread only sets a few labels and a 90-point series. The chart (QtCharts)
is built on first use of ``chart``, after the window's first paint: the figures come first.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QAbstractItemView
from PySide6.QtWidgets import QButtonGroup
from PySide6.QtWidgets import QGridLayout
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QHeaderView
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QToolButton
from PySide6.QtWidgets import QTreeWidget
from PySide6.QtWidgets import QTreeWidgetItem
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from backorder_desktop.domain.dashboard import ARRIVALS_DAYS
from backorder_desktop.domain.dashboard import CHART_DAYS
from backorder_desktop.domain.dashboard import Dashboard
from backorder_desktop.domain.dashboard import DashboardCounts
from backorder_desktop.domain.dashboard import ExpectedArrival
from backorder_desktop.services.profile import Profile
from backorder_desktop.ui.formatting import format_count
from backorder_desktop.ui.formatting import format_day
from backorder_desktop.ui.formatting import format_time
from backorder_desktop.ui.formatting import plural
from backorder_desktop.ui.widgets.dashboard_tile import DashboardTile
from backorder_desktop.ui.widgets.latest_read import LatestRead
from backorder_desktop.ui.workers import BackgroundRunner

if TYPE_CHECKING:
    from backorder_desktop.ui.charts.backorder_chart import BackorderChart

ARRIVAL_HEADERS = ("Expected", "Product", "SKU", "Incoming", "Owed")
EXPECTED, PRODUCT, SKU, INCOMING, OWED = range(len(ARRIVAL_HEADERS))
NUMBERS = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
TILE_COLUMNS = 3
NO_PRODUCTS = (
    "No product is in BackOrder yet. Assign products on the Products tab: what they owe, their "
    "limits and their expected dates then show here."
)
NO_ARRIVALS = "No expected dates ahead. Set them in a product's BackOrder rules."


@dataclass(frozen=True, slots=True)
class TileTarget:
    """What a tile's click opens: the Products list with these filters, the Orders tab, or the
    dashboard's own list of the next expected dates."""

    filters: tuple[str, ...] = ()
    orders: bool = False
    arrivals: bool = False


class DashboardPage(QWidget):
    """``set_profile`` then ``refresh``; tile clicks come out as ``products_requested`` (a tuple of
    Products filter names to tick) and ``orders_requested``."""

    products_requested = Signal(tuple)
    orders_requested = Signal()
    shown = Signal()  # a dashboard's figures are on screen

    def __init__(self, runner: BackgroundRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboard_page")
        self._profile: Profile | None = None
        self._read = LatestRead(runner, self.show_dashboard)
        self.dashboard: Dashboard | None = None
        self.span = min(CHART_DAYS)
        layout = QVBoxLayout(self)
        self.hint = QLabel(NO_PRODUCTS)
        self.hint.setObjectName("dashboard_hint")
        self.hint.setWordWrap(True)
        self.hint.setVisible(False)
        layout.addWidget(self.hint)
        layout.addLayout(self._build_tiles())
        row = QHBoxLayout()
        row.addLayout(self._build_chart(), 3)
        row.addLayout(self._build_arrivals(), 2)
        layout.addLayout(row, 1)
        self.updated_label = QLabel("")
        self.updated_label.setObjectName("dashboard_updated")
        layout.addWidget(self.updated_label)

    # --- building ---------------------------------------------------------------------------

    def _build_tiles(self) -> QGridLayout:
        grid = QGridLayout()
        specs = (
            ("backorder_tile", "BackOrder products", "Open the Products list of BackOrder products"),
            ("backordered_tile", "Units backordered", "Open the products with units owed to customers"),
            ("orders_tile", "Orders waiting for stock", "Open the Orders tab, oldest order first"),
            ("limit_tile", "At or near their limit", "Open the products at (or else near) their limit"),
            ("arrivals_tile", f"Expected in the next {ARRIVALS_DAYS} days", "Go to the next expected dates"),
            ("date_passed_tile", "Expected date passed", "Open the products still owing after their date"),
        )
        self.tiles: dict[str, DashboardTile] = {}
        for index, (name, title, opens) in enumerate(specs):
            tile = DashboardTile(title, opens, name)
            tile.clicked.connect(lambda _checked=False, name=name: self.open_tile(name))
            grid.addWidget(tile, index // TILE_COLUMNS, index % TILE_COLUMNS)
            self.tiles[name] = tile
        return grid

    def _build_chart(self) -> QVBoxLayout:
        column = QVBoxLayout()
        header = QHBoxLayout()
        title = QLabel("<b>Units backordered</b>")
        header.addWidget(title)
        header.addStretch(1)
        self.span_buttons = QButtonGroup(self)
        self.span_buttons.setExclusive(True)
        for days in CHART_DAYS:
            button = QToolButton()
            button.setObjectName(f"span_{days}")
            button.setText(f"{days} days")
            button.setCheckable(True)
            button.setChecked(days == self.span)
            button.setAutoRaise(True)
            self.span_buttons.addButton(button, days)
            header.addWidget(button)
        self.span_buttons.idClicked.connect(self.set_span)
        column.addLayout(header)
        self._chart: BackorderChart | None = None
        self._chart_column = column
        self._chart_slot = QWidget()  # holds the chart's place until it is built
        column.addWidget(self._chart_slot, 1)
        return column

    @property
    def chart(self) -> BackorderChart:
        return self.build_chart()

    def build_chart(self) -> BackorderChart:
        """The units-owed chart, built on first use (the controller builds it after the first paint)."""
        if self._chart is None:
            from backorder_desktop.ui.charts.backorder_chart import BackorderChart

            chart = self._chart = BackorderChart()
            self._chart_column.replaceWidget(self._chart_slot, chart)
            self._chart_slot.deleteLater()
            if self.dashboard is not None:
                chart.show_points(self.dashboard.last_days(self.span))
        return self._chart

    def has_chart(self) -> bool:
        return self._chart is not None

    def _build_arrivals(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.addWidget(QLabel("<b>Next expected dates</b>"))
        self.arrivals = QTreeWidget()
        self.arrivals.setObjectName("next_arrivals")
        self.arrivals.setColumnCount(len(ARRIVAL_HEADERS))
        self.arrivals.setHeaderLabels(list(ARRIVAL_HEADERS))
        self.arrivals.setRootIsDecorated(False)
        self.arrivals.setUniformRowHeights(True)
        self.arrivals.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.arrivals.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(PRODUCT, QHeaderView.ResizeMode.Stretch)
        column.addWidget(self.arrivals, 1)
        self.no_arrivals = QLabel(NO_ARRIVALS)
        self.no_arrivals.setWordWrap(True)
        self.no_arrivals.setVisible(False)
        column.addWidget(self.no_arrivals)
        return column

    # --- data -------------------------------------------------------------------------------

    def set_profile(self, profile: Profile | None) -> None:
        self._profile = profile
        self._read.forget()
        self.refresh()

    def refresh(self) -> None:
        """Read the figures again on a worker (a read already running is followed by one more)."""
        profile = self._profile
        if profile is not None:
            self._read.request(profile.dashboard)

    def is_loading(self) -> bool:
        return self._read.is_running()

    def show_dashboard(self, board: Dashboard) -> None:
        previous, self.dashboard = self.dashboard, board
        self.updated_label.setText(f"Updated {format_time(board.read_at)}")
        if previous is not None and replace(previous, read_at=board.read_at) == board:
            self.shown.emit()  # nothing moved: no relayout of the chart (refreshes come in bursts)
            return
        self._show_counts(board.counts)
        if self._chart is not None:
            self._chart.show_points(board.last_days(self.span))
        if previous is None or previous.next_arrivals != board.next_arrivals:
            self._show_arrivals(board.next_arrivals)
        self.hint.setVisible(board.counts.backorder_products == 0)
        self.shown.emit()

    def _show_counts(self, counts: DashboardCounts) -> None:
        tiles = self.tiles
        tiles["backorder_tile"].set_figure(format_count(counts.backorder_products), "")
        detail = f"in {plural(counts.backordered_products, 'product')}" if counts.units_backordered else ""
        tiles["backordered_tile"].set_figure(format_count(counts.units_backordered), detail)
        tiles["orders_tile"].set_figure(format_count(counts.orders_waiting), "")
        parts = []
        if counts.at_limit:
            parts.append(f"{format_count(counts.at_limit)} at the limit")
        if counts.near_limit:
            parts.append(f"{format_count(counts.near_limit)} near it")
        tiles["limit_tile"].set_figure(format_count(counts.at_or_near_limit), " · ".join(parts))
        tiles["arrivals_tile"].set_figure(format_count(counts.arriving_soon), "")
        owing = "still owing units" if counts.date_passed else ""
        tiles["date_passed_tile"].set_figure(format_count(counts.date_passed), owing)

    def _show_arrivals(self, arrivals: tuple[ExpectedArrival, ...]) -> None:
        self.arrivals.clear()
        for arrival in arrivals:
            item = QTreeWidgetItem(
                [
                    format_day(arrival.expected),
                    arrival.name,
                    arrival.sku,
                    format_count(arrival.incoming) if arrival.incoming else "",
                    format_count(arrival.owed) if arrival.owed else "",
                ]
            )
            for column in (INCOMING, OWED):
                item.setTextAlignment(column, NUMBERS)
            self.arrivals.addTopLevelItem(item)
        self.arrivals.setVisible(bool(arrivals))
        self.no_arrivals.setVisible(not arrivals)

    def set_span(self, days: int) -> None:
        """Show the last ``days`` days (30 or 90) of the chart."""
        self.span = days
        button = self.span_buttons.button(days)
        if button is not None and not button.isChecked():
            button.setChecked(True)
        if self.dashboard is not None and self._chart is not None:
            self._chart.show_points(self.dashboard.last_days(days))

    # --- tiles ------------------------------------------------------------------------------

    def target(self, name: str) -> TileTarget:
        """What the tile ``name`` opens now (the limit tile: at the limit first, the more urgent)."""
        counts = self.dashboard.counts if self.dashboard is not None else None
        if name == "limit_tile":
            at_limit = counts is None or counts.at_limit > 0 or counts.near_limit == 0
            return TileTarget(filters=("at_limit",) if at_limit else ("near_limit",))
        return TILE_TARGETS[name]

    def open_tile(self, name: str) -> None:
        target = self.target(name)
        if target.orders:
            self.orders_requested.emit()
        elif target.arrivals:
            self.arrivals.setFocus()
            first = self.arrivals.topLevelItem(0)
            if first is not None:
                self.arrivals.setCurrentItem(first)
        else:
            self.products_requested.emit(target.filters)


TILE_TARGETS = {
    "backorder_tile": TileTarget(filters=("backorder_only",)),
    "backordered_tile": TileTarget(filters=("backordered",)),
    "orders_tile": TileTarget(orders=True),
    "arrivals_tile": TileTarget(arrivals=True),
    "date_passed_tile": TileTarget(filters=("date_passed",)),
}
