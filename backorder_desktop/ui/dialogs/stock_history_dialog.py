"""A product's stock history: its chart over the last weeks, and every ledger adjustment, newest first
(one click from the table)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView
from PySide6.QtWidgets import QDialog
from PySide6.QtWidgets import QDialogButtonBox
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QSplitter
from PySide6.QtWidgets import QTableWidget
from PySide6.QtWidgets import QTableWidgetItem
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from backorder_desktop.domain.models import Product
from backorder_desktop.domain.stock import Adjustment
from backorder_desktop.services.profile import Profile
from backorder_desktop.ui.charts.stock_chart import KIND_WORDS
from backorder_desktop.ui.charts.stock_chart import SOURCE_WORDS
from backorder_desktop.ui.charts.stock_chart import StockChartPanel
from backorder_desktop.ui.formatting import format_moment
from backorder_desktop.ui.workers import BackgroundRunner

COLUMNS = ("When", "Item", "Change", "Stock", "From", "By", "Why")


class StockHistoryDialog(QDialog):
    """Read-only table of a product's adjustments; with ``profile`` and ``runner``, its chart above it
    (read on a worker)."""

    def __init__(
        self,
        product: Product,
        adjustments: Sequence[Adjustment],
        parent: QWidget | None = None,
        *,
        profile: Profile | None = None,
        runner: BackgroundRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Stock history — {product.name}")
        self.resize(820, 420 if profile is None else 680)
        layout = QVBoxLayout(self)
        self.chart: StockChartPanel | None = None
        splitter = QSplitter(Qt.Orientation.Vertical)
        if profile is not None and runner is not None:
            self.chart = StockChartPanel(runner, self)
            splitter.addWidget(self.chart)
            self.chart.show_product(lambda variant_id: profile.stock_chart(product.id, variant_id))
        skus = {v.id: v.sku for v in product.variants}
        if not adjustments:
            layout.addWidget(QLabel("No stock changes recorded for this product yet."))
        self.table = QTableWidget(len(adjustments), len(COLUMNS), self)
        self.table.setObjectName("stock_history_table")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        for row, a in enumerate(adjustments):
            item = (
                product.sku
                if a.key.variant_id is None
                else skus.get(a.key.variant_id, f"variant {a.key.variant_id}")
            )
            cells = (
                format_moment(a.at),
                item,
                f"{KIND_WORDS[a.kind]} {a.quantity:,}",
                f"{a.level_before:,} → {a.level_after:,}",
                SOURCE_WORDS.get(a.source.value, a.source.value),
                a.actor,
                a.reason,
            )
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        splitter.addWidget(self.table)
        layout.addWidget(splitter, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
