"""The History tab: the runs of the last two weeks on a timeline, every recorded sync run, and a
selected run's error and per-item problems."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex
from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QAbstractItemView
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QHeaderView
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QSplitter
from PySide6.QtWidgets import QTableView
from PySide6.QtWidgets import QTreeWidget
from PySide6.QtWidgets import QTreeWidgetItem
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.domain.runs import SyncRun
from backorder_desktop.domain.stock_history import SyncTimeline
from backorder_desktop.ui.formatting import KIND_NAMES
from backorder_desktop.ui.formatting import OUTCOME_NAMES
from backorder_desktop.ui.formatting import format_count
from backorder_desktop.ui.formatting import format_duration
from backorder_desktop.ui.formatting import format_moment
from backorder_desktop.ui.formatting import plural
from backorder_desktop.ui.formatting import trigger_name
from backorder_desktop.ui.models.list_table_model import Index
from backorder_desktop.ui.models.list_table_model import ListTableModel

if TYPE_CHECKING:
    from backorder_desktop.ui.charts.sync_timeline import SyncTimelineView

HEADERS = ("Started", "Kind", "Trigger", "Duration", "Seen", "New", "Changed", "Removed", "Outcome")


class RunsModel(ListTableModel[SyncRun]):
    """A few hundred runs at most: held in memory, newest first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(HEADERS, parent)
        self._now = datetime.now(UTC)

    @property
    def runs(self) -> list[SyncRun]:
        return self.rows

    def set_runs(self, runs: list[SyncRun]) -> None:
        self._now = datetime.now(UTC)
        self.set_rows(runs)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        run = self.runs[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(run, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and 3 <= column <= 7:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column == 8 and run.error_title:
            return f"{run.error_title}: {run.error_message or ''}"
        return None

    def _display(self, run: SyncRun, column: int) -> str:
        if column == 0:
            return format_moment(run.started_at, self._now)
        if column == 1:
            return KIND_NAMES.get(run.kind, str(run.kind)) + (" · full" if run.full else "")
        if column == 2:
            return trigger_name(run.trigger)
        if column == 3:
            return format_duration(run.finished_at - run.started_at) if run.finished_at else "…"
        counts = run.counts
        if 4 <= column <= 7:
            return format_count((counts.seen, counts.created, counts.changed, counts.removed)[column - 4])
        outcome = OUTCOME_NAMES.get(run.outcome, str(run.outcome))
        if run.problems:
            outcome += f" ({plural(len(run.problems), 'problem')})"
        return outcome


class HistoryPage(QWidget):
    """The timeline on top, the runs below it, the selected run's details at the bottom."""

    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("history_page")
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.summary = QLabel("No sync has run yet.")
        top.addWidget(self.summary, 1)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh_requested)
        top.addWidget(refresh)
        layout.addLayout(top)
        splitter = self._splitter = QSplitter(Qt.Orientation.Vertical)
        self._timeline: SyncTimelineView | None = None
        splitter.addWidget(QWidget())  # the timeline's place until it is built (QtCharts)
        self.model = RunsModel(self)
        self.table = QTableView()
        self.table.setObjectName("history_table")
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_row_changed)
        splitter.addWidget(self.table)
        details = QWidget()
        details_layout = QVBoxLayout(details)
        details_layout.setContentsMargins(0, 0, 0, 0)
        self.detail_title = QLabel("Select a run to see its details.")
        self.detail_title.setWordWrap(True)
        details_layout.addWidget(self.detail_title)
        self.problems = QTreeWidget()
        self.problems.setObjectName("run_problems")
        self.problems.setHeaderLabels(["Item", "Problem", "What to do"])
        self.problems.setRootIsDecorated(False)
        details_layout.addWidget(self.problems)
        splitter.addWidget(details)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setStretchFactor(2, 2)
        layout.addWidget(splitter)

    @property
    def timeline(self) -> SyncTimelineView:
        """The runs' timeline, built on first use: QtCharts loads after the window's first paint."""
        if self._timeline is None:
            from backorder_desktop.ui.charts.sync_timeline import SyncTimelineView

            self._timeline = SyncTimelineView()
            place = self._splitter.replaceWidget(0, self._timeline)
            if place is not None:
                place.deleteLater()
        return self._timeline

    def show_runs(self, runs: list[SyncRun], timeline: SyncTimeline | None = None) -> None:
        """The runs (newest first) and, when given, the timeline of the last days."""
        if timeline is not None:
            self.timeline.show_timeline(timeline)
        selected = self.selected_run()
        self.model.set_runs(runs)
        if runs:
            ok = sum(1 for r in runs if r.outcome in (RunOutcome.OK, RunOutcome.PARTIAL))
            self.summary.setText(f"{plural(len(runs), 'run')} shown, {format_count(ok)} successful.")
        else:
            self.summary.setText("No sync has run yet.")
        row = next((i for i, r in enumerate(runs) if selected and r.id == selected.id), 0 if runs else -1)
        if row >= 0:
            self.table.selectRow(row)
        else:
            self.show_run(None)

    def selected_run(self) -> SyncRun | None:
        index = self.table.currentIndex()
        return self.model.runs[index.row()] if index.isValid() else None

    def _on_table_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.show_run(self.model.runs[current.row()] if current.isValid() else None)

    def show_run(self, run: SyncRun | None) -> None:
        self.problems.clear()
        if run is None:
            self.detail_title.setText("Select a run to see its details.")
            return
        what = "full sync" if run.full else "update"
        text = f"<b>{KIND_NAMES.get(run.kind, run.kind)} {what}</b> ({trigger_name(run.trigger)}), "
        text += f"started {format_moment(run.started_at)}: {OUTCOME_NAMES.get(run.outcome, run.outcome)}."
        if run.error_title:
            text += f"<br><b>{run.error_title}</b>: {run.error_message or ''}"
        if run.problems:
            text += f"<br>{plural(len(run.problems), 'item')} could not be synced:"
        elif run.outcome in (RunOutcome.OK,):
            text += "<br>No problems."
        self.detail_title.setText(text)
        for problem in run.problems:
            QTreeWidgetItem(self.problems, [problem.item, problem.title, problem.message])
