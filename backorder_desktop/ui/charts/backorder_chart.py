"""The dashboard's chart: units owed to customers at the end of each day, over the last 30 or 90 days.

An area under a line, one point a day (today's is now); hovering a point says its day and units.
The points are the facade's (``Dashboard.owed_by_day``): this module only draws them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCharts import QAreaSeries
from PySide6.QtCharts import QDateTimeAxis
from PySide6.QtCharts import QLineSeries
from PySide6.QtCharts import QValueAxis
from PySide6.QtCore import QDateTime
from PySide6.QtCore import QPointF
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtGui import QColor
from PySide6.QtGui import QCursor
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QToolTip
from PySide6.QtWidgets import QWidget

from backorder_desktop.domain.dashboard import DayOwed
from backorder_desktop.ui.charts.base import ChartColours
from backorder_desktop.ui.charts.base import ChartView
from backorder_desktop.ui.charts.base import apply_colours
from backorder_desktop.ui.charts.base import chart_locale
from backorder_desktop.ui.charts.base import msecs
from backorder_desktop.ui.charts.base import new_chart
from backorder_desktop.ui.charts.base import short_date_format
from backorder_desktop.ui.formatting import plural

MIN_TOP = 5  # a chart of zeros still has a readable axis
FILL_ALPHA = 0.25


class BackorderChart(ChartView):
    """Units owed per day; ``show_points`` replaces what is drawn."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(new_chart(), parent)
        self.setObjectName("backorder_chart")
        self.setMinimumHeight(180)
        chart = self.chart()
        self.line = QLineSeries()
        self.line.setName("Units backordered")
        self.area = QAreaSeries(self.line)
        self.area.setName("Units backordered")
        chart.addSeries(self.area)
        self.days_axis = QDateTimeAxis()
        self.days_axis.setFormat(short_date_format())
        self.days_axis.setTickCount(7)
        self.units_axis = QValueAxis()
        self.units_axis.setLabelFormat("%.0f")  # "%i" draws no labels once numbers are localised
        self.units_axis.setTickCount(5)
        chart.addAxis(self.days_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(self.units_axis, Qt.AlignmentFlag.AlignLeft)
        self.area.attachAxis(self.days_axis)
        self.area.attachAxis(self.units_axis)
        self._points: tuple[DayOwed, ...] = ()
        chart.setLocale(chart_locale())
        self.area.hovered.connect(self._on_area_hovered)
        self.recolour(self.colours)

    def recolour(self, colours: ChartColours) -> None:
        apply_colours(self.chart(), colours)
        fill = QColor(colours.accent)
        fill.setAlphaF(FILL_ALPHA)
        self.area.setBrush(QBrush(fill))
        self.area.setPen(QPen(colours.accent, 2))

    def show_points(self, points: Sequence[DayOwed]) -> None:
        """Draw ``points``; the axes change only when their span does (a refresh during a sync
        usually moves today's point alone, and each axis change lays the chart out again)."""
        points = tuple(points)
        if points == self._points:
            return
        self._points = points
        xs = [msecs(p.day) for p in points]
        self.line.replace([QPointF(x, float(p.units)) for x, p in zip(xs, points, strict=True)])
        top = max((p.units for p in points), default=0)
        span = (xs[0] if xs else 0.0, xs[-1] if xs else 0.0, max(MIN_TOP, top + max(1, top // 10)))
        if span != self._span:
            self._span = span
            if xs:
                self.days_axis.setRange(_moment(span[0]), _moment(span[1]))
            self.units_axis.setRange(0, span[2])
            self.units_axis.applyNiceNumbers()

    _span: tuple[float, float, int] | None = None

    def points(self) -> list[DayOwed]:
        """What is drawn, read back from the series (the tests compare it with the ledger)."""
        return [DayOwed(_day_of(point.x()), round(point.y())) for point in self.line.points()]

    def shown_days(self) -> tuple[DayOwed, ...]:
        return self._points

    def _on_area_hovered(self, point: QPointF, state: bool) -> None:
        if not state or not self._points:
            QToolTip.hideText()
            return
        nearest = min(self._points, key=lambda p: abs(msecs(p.day) - point.x()))
        day = chart_locale().toString(_moment(msecs(nearest.day)).date())
        QToolTip.showText(QCursor.pos(), f"{day}: {plural(nearest.units, 'unit')} backordered", self)


def _moment(value: float) -> QDateTime:
    return QDateTime.fromMSecsSinceEpoch(round(value))


def _day_of(value: float) -> date:
    day = _moment(value).date()
    return date(day.year(), day.month(), day.day())
