"""What every chart of the window shares: QtCharts, colours from the window's palette, the user's locale.

QtCharts was chosen over pyqtgraph on this machine's measures: it imports in about 2 ms (pyqtgraph
with numpy: about 240 ms, most of the dashboard's 300 ms budget) and paints a 90-bar chart in about
40 ms; it is the same Qt build as the rest of the window, needs no numpy, and its axes localise
numbers and dates themselves.

Charts never hard-code colours: they take them from the application palette when built and again
when the palette changes (the desktop switched to dark), so light and dark both read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time

from PySide6.QtCharts import QAbstractAxis
from PySide6.QtCharts import QChart
from PySide6.QtCharts import QChartView
from PySide6.QtCore import QEvent
from PySide6.QtCore import QLocale
from PySide6.QtCore import QMargins
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtGui import QColor
from PySide6.QtGui import QGuiApplication
from PySide6.QtGui import QPainter
from PySide6.QtGui import QPalette
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QWidget

# Series colours that read on light and dark backgrounds alike (Okabe-Ito, colour-blind safe).
SERIES_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
FAILURE_COLOUR = "#D55E00"  # failures and "over the limit": the palette has no role for red
WARNING_COLOUR = "#E69F00"


@dataclass(frozen=True, slots=True)
class ChartColours:
    """The palette's colours a chart draws with."""

    background: QColor
    text: QColor
    muted: QColor  # axis labels, grid
    grid: QColor
    accent: QColor  # the main series
    series: tuple[QColor, ...]
    failure: QColor
    warning: QColor
    dark: bool


def chart_colours(palette: QPalette | None = None) -> ChartColours:
    """The chart colours of ``palette`` (the application's by default)."""
    palette = palette or QGuiApplication.palette()
    background = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    dark = background.lightness() < 128
    muted = QColor(text)
    muted.setAlphaF(0.7)  # the disabled text colour is too faint for axis labels in light palettes
    grid = QColor(text)
    grid.setAlphaF(0.12)
    accent = QColor("#56B4E9") if dark else QColor("#0072B2")
    series = tuple(QColor(c) for c in SERIES_COLOURS)
    return ChartColours(
        background=background,
        text=text,
        muted=muted,
        grid=grid,
        accent=accent,
        series=(accent, *series[1:]),
        failure=QColor(FAILURE_COLOUR),
        warning=QColor(WARNING_COLOUR),
        dark=dark,
    )


def chart_locale() -> QLocale:
    """The locale charts write numbers and dates in (ISO dates and 1,234 for the plain "C" locale)."""
    locale = QLocale()
    if locale.language() == QLocale.Language.C:
        return QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)
    return locale


def short_date_format() -> str:
    """A date axis' label format: the locale's day and month, without the year."""
    locale = QLocale()
    if locale.language() == QLocale.Language.C:
        return "MM-dd"
    return "d MMM" if locale.dateFormat(QLocale.FormatType.ShortFormat).startswith("d") else "MMM d"


def msecs(moment: date | datetime) -> float:
    """A date or moment as a QDateTimeAxis value (milliseconds since the epoch; a date is its local
    midnight, a naive moment local time). Python's own arithmetic: a QDateTime per point cost
    0.15 ms, 5 ms of the GUI thread per dashboard refresh."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time())
    return moment.timestamp() * 1000


def new_chart() -> QChart:
    """An empty chart: no title, no legend, tight margins, no animation (first paint counts)."""
    chart = QChart()
    chart.legend().hide()
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.setBackgroundRoundness(0)
    chart.setLocalizeNumbers(True)
    chart.setLocale(chart_locale())
    return chart


def style_axis(axis: QAbstractAxis, colours: ChartColours) -> None:
    axis.setLabelsBrush(QBrush(colours.muted))
    axis.setLinePen(QPen(colours.muted, 1))
    axis.setGridLinePen(QPen(colours.grid, 1))
    axis.setTitleBrush(QBrush(colours.text))


def apply_colours(chart: QChart, colours: ChartColours) -> None:
    """Paint the chart's frame and axes in ``colours`` (series colour themselves: they know their role)."""
    chart.setBackgroundBrush(QBrush(colours.background))
    chart.setPlotAreaBackgroundVisible(False)
    chart.setTitleBrush(QBrush(colours.text))
    for axis in chart.axes():
        style_axis(axis, colours)


class ChartView(QChartView):
    """A chart's view that re-colours it when the palette changes; ``recolour`` repaints its series."""

    def __init__(self, chart: QChart, parent: QWidget | None = None) -> None:
        super().__init__(chart, parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setFrameShape(QChartView.Shape.NoFrame)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.colours = chart_colours(self.palette())
        apply_colours(chart, self.colours)

    def recolour(self, colours: ChartColours) -> None:
        """Subclasses colour their series here; the frame and axes are already done."""

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.colours = chart_colours(self.palette())
            apply_colours(self.chart(), self.colours)
            self.recolour(self.colours)
