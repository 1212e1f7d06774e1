"""The sync timeline: every run of the last days as a bar on a time axis, one row per kind.

Rows are manual, automatic, daily and feed runs; a failed or refused run is red, one with item
problems amber. In ERP mode the daily sync's times are marked on the daily row, a time no run
served on time hollow and red, joined by a dashed line to the catch-up run that made up for it.
Runs of a few seconds on a two-week axis are drawn at least ``MIN_BAR_FRACTION`` of the axis wide,
so every one shows. The data is the facade's (``Profile.sync_timeline``): this module only draws.
"""

from __future__ import annotations

from PySide6.QtCharts import QAreaSeries
from PySide6.QtCharts import QCategoryAxis
from PySide6.QtCharts import QDateTimeAxis
from PySide6.QtCharts import QLineSeries
from PySide6.QtCharts import QScatterSeries
from PySide6.QtCore import QLocale
from PySide6.QtCore import QPointF
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtGui import QColor
from PySide6.QtGui import QCursor
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QToolTip
from PySide6.QtWidgets import QWidget

from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.domain.stock_history import RunBar
from backorder_desktop.domain.stock_history import SyncTimeline
from backorder_desktop.domain.stock_history import TimelineLane
from backorder_desktop.ui.charts.base import ChartColours
from backorder_desktop.ui.charts.base import ChartView
from backorder_desktop.ui.charts.base import apply_colours
from backorder_desktop.ui.charts.base import chart_locale
from backorder_desktop.ui.charts.base import new_chart
from backorder_desktop.ui.charts.base import short_date_format
from backorder_desktop.ui.charts.base import style_axis
from backorder_desktop.ui.charts.stock_chart import epoch_ms
from backorder_desktop.ui.charts.stock_chart import qmoment
from backorder_desktop.ui.formatting import OUTCOME_NAMES
from backorder_desktop.ui.formatting import format_duration
from backorder_desktop.ui.formatting import trigger_name

LANES = (TimelineLane.MANUAL, TimelineLane.AUTOMATIC, TimelineLane.DAILY, TimelineLane.FEED)
LANE_NAMES = {
    TimelineLane.MANUAL: "Manual",
    TimelineLane.AUTOMATIC: "Automatic",
    TimelineLane.DAILY: "Daily",
    TimelineLane.FEED: "Feed",
}
OK, PROBLEMS, FAILED = "ok", "problems", "failed"
GROUPS = (OK, PROBLEMS, FAILED)
BAR_HEIGHT = 0.6  # of a row
MIN_BAR_FRACTION = 1 / 400  # of the axis: a run of seconds still shows


def group_of(bar: RunBar) -> str:
    if bar.failed:
        return FAILED
    return PROBLEMS if bar.run.outcome is RunOutcome.PARTIAL else OK


def row_of(lane: TimelineLane) -> float:
    """The row's centre on the vertical axis (manual at the top)."""
    return float(len(LANES) - 1 - LANES.index(lane))


def bar_text(bar: RunBar, locale: QLocale | None = None) -> str:
    """What hovering a bar says: the run, when, how long, how it ended."""
    locale = locale or chart_locale()
    run = bar.run
    when = locale.toString(qmoment(bar.start), QLocale.FormatType.ShortFormat)
    lines = [f"{LANE_NAMES[bar.lane]} sync ({trigger_name(run.trigger)}) · {when}"]
    took = format_duration(run.finished_at - run.started_at) if run.finished_at else "still running"
    lines.append(f"{OUTCOME_NAMES.get(run.outcome, run.outcome)} · {took}")
    if run.error_title:
        lines.append(run.error_title)
    if bar.missed_slot is not None:
        missed = locale.toString(qmoment(bar.missed_slot), QLocale.FormatType.ShortFormat)
        lines.append(f"Caught up the daily sync missed at {missed}")
    return "\n".join(lines)


class SyncTimelineView(ChartView):
    """The runs of a window as bars; ``show_timeline`` replaces what is drawn."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(new_chart(), parent)
        self.setObjectName("sync_timeline")
        self.setMinimumHeight(150)
        chart = self.chart()
        self.time_axis = QDateTimeAxis()
        self.time_axis.setFormat(short_date_format())
        self.time_axis.setTickCount(8)
        self.lane_axis = QCategoryAxis()
        self.lane_axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        for lane in reversed(LANES):  # categories are appended by rising value
            self.lane_axis.append(LANE_NAMES[lane], row_of(lane))
        self.lane_axis.setRange(-0.6, len(LANES) - 0.4)
        self.lane_axis.setGridLineVisible(False)
        chart.addAxis(self.time_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(self.lane_axis, Qt.AlignmentFlag.AlignLeft)
        self.areas: dict[tuple[TimelineLane, str], QAreaSeries] = {}
        self._lines: list[QLineSeries] = []
        for lane in LANES:
            for group in GROUPS:
                upper, lower = QLineSeries(), QLineSeries()
                area = QAreaSeries(upper, lower)
                area.setName(f"{LANE_NAMES[lane]} {group}")
                area.hovered.connect(lambda point, state, lane=lane: self._on_bar_hovered(lane, point, state))
                self._lines += [upper, lower]
                self.areas[lane, group] = area
                self._add(area)
        self.slots = QScatterSeries()
        self.slots.setName("Daily time")
        self.slots.setMarkerShape(QScatterSeries.MarkerShape.MarkerShapeTriangle)
        self.slots.setMarkerSize(9.0)
        self.missed = QScatterSeries()
        self.missed.setName("Missed daily time")
        self.missed.setMarkerShape(QScatterSeries.MarkerShape.MarkerShapeTriangle)
        self.missed.setMarkerSize(11.0)
        for series in (self.slots, self.missed):
            self._add(series)
        self._links: list[QLineSeries] = []
        self.shown: SyncTimeline | None = None
        self._bars: dict[TimelineLane, list[RunBar]] = {lane: [] for lane in LANES}
        self.hover_text = ""
        self.recolour(self.colours)

    def _add(self, series: QAreaSeries | QLineSeries | QScatterSeries) -> None:
        chart = self.chart()
        chart.addSeries(series)
        series.attachAxis(self.time_axis)
        series.attachAxis(self.lane_axis)

    def recolour(self, colours: ChartColours) -> None:
        apply_colours(self.chart(), colours)
        style_axis(self.lane_axis, colours)
        fills = {OK: colours.accent, PROBLEMS: colours.warning, FAILED: colours.failure}
        for (_lane, group), area in self.areas.items():
            area.setBrush(QBrush(fills[group]))
            area.setPen(QPen(Qt.PenStyle.NoPen))  # an outline would draw the row's baseline
        self.slots.setColor(colours.muted)
        self.slots.setBorderColor(colours.muted)
        self.missed.setColor(QColor(0, 0, 0, 0))
        self.missed.setBorderColor(colours.failure)
        self.missed.setPen(QPen(colours.failure, 2))
        for link in self._links:
            link.setPen(QPen(colours.failure, 1.5, Qt.PenStyle.DashLine))

    def show_timeline(self, timeline: SyncTimeline) -> None:
        self.shown = timeline
        left, right = epoch_ms(timeline.start), epoch_ms(timeline.end)
        least = (right - left) * MIN_BAR_FRACTION
        self._bars = {lane: [] for lane in LANES}
        rects: dict[tuple[TimelineLane, str], list[tuple[float, float]]] = {key: [] for key in self.areas}
        for bar in sorted(timeline.bars, key=lambda b: b.start):
            self._bars[bar.lane].append(bar)
            start = max(epoch_ms(bar.start), left)
            rects[bar.lane, group_of(bar)].append((start, max(epoch_ms(bar.end), start + least)))
        for (lane, group), area in self.areas.items():
            low, high = row_of(lane) - BAR_HEIGHT / 2, row_of(lane) + BAR_HEIGHT / 2
            upper: list[QPointF] = []
            for start, end in rects[lane, group]:
                upper += [QPointF(start, low), QPointF(start, high), QPointF(end, high), QPointF(end, low)]
            area.upperSeries().replace(upper)
            area.lowerSeries().replace([QPointF(left, low), QPointF(right, low)] if upper else [])
        daily = row_of(TimelineLane.DAILY) + BAR_HEIGHT / 2 + 0.15
        self.slots.replace(
            [QPointF(epoch_ms(s), daily) for s in timeline.daily_slots if s not in timeline.missed_slots]
        )
        self.missed.replace([QPointF(epoch_ms(s), daily) for s in timeline.missed_slots])
        self._show_links(timeline, daily)
        self.time_axis.setRange(qmoment(timeline.start), qmoment(timeline.end))
        self.chart().setLocale(chart_locale())
        self.recolour(self.colours)

    def _show_links(self, timeline: SyncTimeline, daily: float) -> None:
        """A dashed line from each missed daily time to the run that caught it up."""
        chart = self.chart()
        for link in self._links:
            chart.removeSeries(link)
            link.deleteLater()
        self._links = []
        for bar in timeline.bars:
            if bar.missed_slot is None:
                continue
            link = QLineSeries()
            link.setName("Caught up")
            link.append(epoch_ms(bar.missed_slot), daily)
            link.append(epoch_ms(bar.start), row_of(TimelineLane.DAILY))
            self._add(link)
            self._links.append(link)

    def drawn_bars(self) -> list[tuple[TimelineLane, str, float]]:
        """Each drawn bar as (row, colour group, start in ms), read back from the series, for the tests."""
        drawn = []
        for (lane, group), area in self.areas.items():
            points = area.upperSeries().points()
            drawn += [(lane, group, points[i].x()) for i in range(0, len(points), 4)]
        return sorted(drawn, key=lambda bar: bar[2])

    def links(self) -> list[tuple[float, float]]:
        """Each catch-up link as (missed time, catch-up start) in ms."""
        return [(link.points()[0].x(), link.points()[1].x()) for link in self._links]

    def bar_at(self, lane: TimelineLane, x: float) -> RunBar | None:
        """The row's bar under ``x`` (the nearest one when a drawn bar is wider than its run)."""
        bars = self._bars.get(lane, [])
        return min(
            bars,
            key=lambda b: (not epoch_ms(b.start) <= x <= epoch_ms(b.end), abs(epoch_ms(b.start) - x)),
            default=None,
        )

    def _on_bar_hovered(self, lane: TimelineLane, point: QPointF, state: bool) -> None:
        bar = self.bar_at(lane, point.x()) if state else None
        if bar is None:
            QToolTip.hideText()
            return
        self.hover_text = bar_text(bar)
        QToolTip.showText(QCursor.pos(), self.hover_text, self)
