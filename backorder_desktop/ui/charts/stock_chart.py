"""A stock item's chart: its level over time as a step line from the ledger, with its events marked.

Orders, restores, edits, imports, feed and store updates, tracking switches and pushes are marks on
the line (hovering one names its ledger entry); the backorder limit is a band below zero (the units
the item may sell on backorder) and the expected date a dashed vertical line. The points are the
facade's (``Profile.stock_chart``, read in SQL): this module only draws them. ``StockChartPanel``
adds the item picker of a product with stock per variant and a caption, and loads on a worker.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

from PySide6.QtCharts import QAreaSeries
from PySide6.QtCharts import QDateTimeAxis
from PySide6.QtCharts import QLineSeries
from PySide6.QtCharts import QScatterSeries
from PySide6.QtCharts import QValueAxis
from PySide6.QtCore import QDate
from PySide6.QtCore import QDateTime
from PySide6.QtCore import QLocale
from PySide6.QtCore import QPointF
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtGui import QColor
from PySide6.QtGui import QCursor
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QComboBox
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QToolTip
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock_history import ChartEvent
from backorder_desktop.domain.stock_history import EventKind
from backorder_desktop.domain.stock_history import StockChart
from backorder_desktop.domain.stock_history import StockPoint
from backorder_desktop.ui.charts.base import ChartColours
from backorder_desktop.ui.charts.base import ChartView
from backorder_desktop.ui.charts.base import apply_colours
from backorder_desktop.ui.charts.base import chart_locale
from backorder_desktop.ui.charts.base import new_chart
from backorder_desktop.ui.charts.base import short_date_format
from backorder_desktop.ui.formatting import plural
from backorder_desktop.ui.workers import BackgroundRunner

SOURCE_WORDS = {"person": "edited", "feed": "ERP feed", "import": "import", "store": "BigCommerce"}
KIND_WORDS = {AdjustmentKind.SET: "set to", AdjustmentKind.ADD: "added", AdjustmentKind.REMOVE: "removed"}
EVENT_NAMES = {
    EventKind.ORDER: "Order",
    EventKind.RESTORE: "Order gave units back",
    EventKind.EDIT: "Edit",
    EventKind.IMPORT: "CSV import",
    EventKind.FEED: "ERP feed",
    EventKind.STORE: "Changed in BigCommerce",
    EventKind.TRACKING: "Tracking switched",
    EventKind.PUSH: "Pushed to BigCommerce",
}
# Index into ChartColours.series (accent first); pushes are squares, the rest circles.
EVENT_COLOURS = {
    EventKind.ORDER: 5,
    EventKind.RESTORE: 2,
    EventKind.EDIT: 0,
    EventKind.IMPORT: 3,
    EventKind.FEED: 4,
    EventKind.STORE: 1,
    EventKind.TRACKING: 3,
    EventKind.PUSH: 6,
}
BAND_ALPHA = 0.18
MARK_SIZE = 9.0


def event_text(event: ChartEvent, locale: QLocale | None = None) -> str:
    """What hovering a mark says: the ledger entry (or the push) in the locale's words."""
    locale = locale or chart_locale()
    when = locale.toString(qmoment(event.at), QLocale.FormatType.ShortFormat)
    lines = [f"{EVENT_NAMES[event.kind]} · {when}"]
    entry = event.adjustment
    if entry is not None:
        change = f"{KIND_WORDS[entry.kind]} {locale.toString(entry.quantity)}"
        lines.append(
            f"{change}: stock {locale.toString(entry.level_before)} → {locale.toString(entry.level_after)}"
        )
        lines.append(f"From {SOURCE_WORDS.get(entry.source.value, entry.source.value)}, by {entry.actor}")
        if entry.reason:
            lines.append(entry.reason)
        lines.append(f"Ledger entry {entry.id}")
    elif event.push is not None:
        lines.append(
            f"A sync wrote {plural(event.push.written, 'stock value')}, this item's waiting change among them"
        )
        lines.append(f"Stock {locale.toString(event.level)}")
    return "\n".join(lines)


def step_points(points: Sequence[StockPoint]) -> list[tuple[datetime, int]]:
    """A step line's corners: each level holds until the next point's moment."""
    corners: list[tuple[datetime, int]] = []
    for index, point in enumerate(points):
        if index:
            corners.append((point.at, points[index - 1].level))
        corners.append((point.at, point.level))
    return corners


class StockChartView(ChartView):
    """One item's chart; ``show_chart`` replaces what is drawn."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(new_chart(), parent)
        self.setObjectName("stock_chart")
        self.setMinimumHeight(200)
        chart = self.chart()
        self.band_top = QLineSeries()
        self.band_bottom = QLineSeries()
        self.band = QAreaSeries(self.band_top, self.band_bottom)
        self.band.setName("Backorder limit")
        self.line = QLineSeries()
        self.line.setName("Stock")
        self.expected_line = QLineSeries()
        self.expected_line.setName("Expected")
        self.marks: dict[EventKind, QScatterSeries] = {}
        self.time_axis = QDateTimeAxis()
        self.time_axis.setFormat(short_date_format())
        self.time_axis.setTickCount(7)
        self.level_axis = QValueAxis()
        self.level_axis.setLabelFormat("%.0f")  # "%i" gives no labels with localised numbers
        self.level_axis.setTickCount(5)
        chart.addAxis(self.time_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(self.level_axis, Qt.AlignmentFlag.AlignLeft)
        series: list[QAreaSeries | QLineSeries | QScatterSeries] = [self.band, self.line, self.expected_line]
        for kind in EventKind:
            mark = QScatterSeries()
            mark.setName(EVENT_NAMES[kind])
            mark.setMarkerSize(MARK_SIZE)
            if kind is EventKind.PUSH:
                mark.setMarkerShape(QScatterSeries.MarkerShape.MarkerShapeRectangle)
            mark.hovered.connect(lambda point, state, kind=kind: self._on_mark_hovered(kind, point, state))
            self.marks[kind] = mark
            series.append(mark)
        for each in series:
            chart.addSeries(each)
            each.attachAxis(self.time_axis)
            each.attachAxis(self.level_axis)
        self.shown: StockChart | None = None
        self._events: dict[EventKind, list[ChartEvent]] = {}
        self.hover_text = ""
        self.recolour(self.colours)

    def recolour(self, colours: ChartColours) -> None:
        apply_colours(self.chart(), colours)
        self.line.setPen(QPen(colours.accent, 2))
        band = QColor(colours.warning)
        band.setAlphaF(BAND_ALPHA)
        self.band.setBrush(QBrush(band))
        self.band.setPen(QPen(colours.warning, 1, Qt.PenStyle.DashLine))
        self.expected_line.setPen(QPen(colours.text, 1.5, Qt.PenStyle.DashLine))
        for kind, mark in self.marks.items():
            colour = colours.series[EVENT_COLOURS[kind]]
            mark.setColor(colour)
            mark.setBorderColor(colours.background)

    def show_chart(self, chart: StockChart) -> None:
        self.shown = chart
        corners = step_points(chart.points)
        self.line.replace([QPointF(epoch_ms(at), float(level)) for at, level in corners])
        levels = [level for _, level in corners] or [0]
        low, high = min(min(levels), 0), max(max(levels), 0)
        if chart.limit is not None:
            low = min(low, -chart.limit)
        pad = max(1, (high - low) // 10)
        low, high = low - pad, high + pad
        end = chart.end
        if chart.expected is not None:
            end = max(
                end, datetime.combine(chart.expected, datetime.min.time()).astimezone() + timedelta(days=1)
            )
        left, right = epoch_ms(chart.start), epoch_ms(end)
        if chart.limit is None:
            self.band_top.clear()
            self.band_bottom.clear()
        else:
            self.band_top.replace([QPointF(left, 0.0), QPointF(right, 0.0)])
            self.band_bottom.replace(
                [QPointF(left, float(-chart.limit)), QPointF(right, float(-chart.limit))]
            )
        if chart.expected is None:
            self.expected_line.clear()
        else:
            x = epoch_ms(chart.expected)
            self.expected_line.replace([QPointF(x, float(low)), QPointF(x, float(high))])
        self._events = {kind: [] for kind in EventKind}
        for event in chart.events:
            self._events[event.kind].append(event)
        for kind, mark in self.marks.items():
            mark.replace([QPointF(epoch_ms(e.at), float(e.level)) for e in self._events[kind]])
        self.time_axis.setRange(qmoment(chart.start), QDateTime.fromMSecsSinceEpoch(round(right)))
        self.level_axis.setRange(low, high)
        self.level_axis.applyNiceNumbers()
        self.chart().setLocale(chart_locale())

    def points(self) -> list[tuple[float, float]]:
        """The step line as drawn (x in ms since the epoch), for the tests."""
        return [(p.x(), p.y()) for p in self.line.points()]

    def events_of(self, kind: EventKind) -> list[ChartEvent]:
        return list(self._events.get(kind, ()))

    def _on_mark_hovered(self, kind: EventKind, point: QPointF, state: bool) -> None:
        events = self._events.get(kind, [])
        if not state or not events:
            QToolTip.hideText()
            return
        nearest = min(events, key=lambda e: (abs(epoch_ms(e.at) - point.x()), abs(e.level - point.y())))
        self.hover_text = event_text(nearest)
        QToolTip.showText(QCursor.pos(), self.hover_text, self)


Loader = Callable[[int | None], StockChart]  # variant id (None: the product's own) → its chart


class StockChartPanel(QWidget):
    """The chart with a caption and, for a product with stock per variant, the item picker; loads
    on a worker (``show_product``) and never touches the database on the GUI thread."""

    def __init__(self, runner: BackgroundRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stock_chart_panel")
        self._runner = runner
        self._loader: Loader | None = None
        self._generation = 0
        self._filling = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.caption = QLabel("")
        self.caption.setObjectName("stock_chart_caption")
        self.caption.setWordWrap(True)
        layout.addWidget(self.caption)
        self.picker = QComboBox()
        self.picker.setObjectName("stock_chart_item")
        self.picker.currentIndexChanged.connect(self._on_picker_current_index_changed)
        self.picker.hide()
        layout.addWidget(self.picker)
        self.view = StockChartView(self)
        layout.addWidget(self.view, 1)
        self.loading = False

    def show_product(self, loader: Loader | None, variant_id: int | None = None) -> None:
        """Load and draw the chart ``loader`` gives (None: show nothing)."""
        self._generation += 1
        generation = self._generation
        self._loader = loader
        if loader is None:
            self.loading = False
            self.caption.setText("")
            return
        self.loading = True
        self.caption.setText("Reading the stock history…")
        self._runner.run_in_background(
            lambda: loader(variant_id),
            on_result=lambda chart: self._on_loaded(generation, chart),
            on_finished=lambda: self._on_finished(generation),
        )

    def show_chart(self, chart: StockChart) -> None:
        self._filling = True
        try:
            self.picker.clear()
            for key, sku in chart.items:
                self.picker.addItem(sku or key.label(), key.variant_id)
            index = next((i for i, (key, _) in enumerate(chart.items) if key == chart.key), -1)
            self.picker.setCurrentIndex(index)
            self.picker.setVisible(len(chart.items) > 1)
        finally:
            self._filling = False
        self.view.show_chart(chart)
        self.caption.setText(_caption(chart))

    def _on_loaded(self, generation: int, chart: StockChart) -> None:
        if generation == self._generation:
            self.show_chart(chart)

    def _on_finished(self, generation: int) -> None:
        if generation == self._generation:
            self.loading = False

    def _on_picker_current_index_changed(self, index: int) -> None:
        if not self._filling and index >= 0 and self._loader is not None:
            self.show_product(self._loader, self.picker.itemData(index))


def _caption(chart: StockChart) -> str:
    locale = chart_locale()
    days = max(1, round((chart.end - chart.start).total_seconds() / 86400))
    text = f"<b>{chart.sku or chart.name}</b>: stock {locale.toString(chart.level)} now; "
    text += f"{plural(chart.entries, 'change')} in the last {plural(days, 'day')}"
    if chart.decimated:
        text += " (each pixel shows its range)"
    if chart.limit is not None:
        text += f" · may sell {plural(chart.limit, 'unit')} on backorder"
    if chart.expected is not None:
        day = QDate(chart.expected.year, chart.expected.month, chart.expected.day)
        text += f" · expected {locale.toString(day, QLocale.FormatType.ShortFormat)}"
    return text + "."


def epoch_ms(moment: date | datetime) -> float:
    """A moment as an axis value (ms since the epoch; a date is its local midnight). Cheaper than
    going through QDateTime: a chart converts thousands of them."""
    if not isinstance(moment, datetime):
        return datetime.combine(moment, time()).timestamp() * 1000
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp() * 1000


def qmoment(moment: datetime) -> QDateTime:
    return QDateTime.fromMSecsSinceEpoch(round(moment.timestamp() * 1000))
