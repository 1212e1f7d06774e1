"""The window's status bar: a state chip, the latest message and the next run — and a details popover.

A merchant glances at the bar for two things: is the catalog up to date, and is anything waiting.
The chip says both in a few words ("Up to date · 2 waiting"); everything else (the store, the
inventory source, where the token is kept, the last updates, the API quota, the full text of the
latest message, the last few notifications with "Mark all read") is in the popover the chip opens,
and in tooltips. Texts that might not fit are
``FittingLabel``s: each shows the longest of its forms that fits its width, never a cut-off one.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtCore import QSize
from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QSizePolicy
from PySide6.QtWidgets import QStatusBar
from PySide6.QtWidgets import QToolButton
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from backorder_desktop.domain.notifications import Notification
from backorder_desktop.domain.status import SyncState
from backorder_desktop.services.profile import TokenSource
from backorder_desktop.ui.formatting import format_count
from backorder_desktop.ui.formatting import format_moment
from backorder_desktop.ui.formatting import plural

CHIP_STATES = {
    SyncState.SYNCING: "Syncing…",
    SyncState.OFFLINE: "Offline",
    SyncState.PROBLEM: "Sync problem",
}
CHIP_TOOLTIP = "Click for details: the store, the inventory source, updates and waiting changes"
DETAILS_WIDTH = 420
MESSAGE_FALLBACK = "Click to read the message"
NOTIFICATIONS_LISTED = 5  # the popover lists the latest few; `notifications --all` has every one
TOKEN_WORDS = {
    TokenSource.KEYRING: "Access token: kept in your keyring",
    TokenSource.SESSION: "Access token: for this session only — not saved, asked for again at the next start",
    TokenSource.RUN: "Access token: from BACKORDER_DESKTOP_TOKEN, for this run only — not saved",
}


class FittingLabel(QLabel):
    """Shows the longest of its texts (longest first) that fits; the full one is its tooltip.

    Its minimum width is the shortest text's, so a layout never squeezes it below a whole text."""

    clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._texts: tuple[str, ...] = ("",)
        self._prefer_short = False
        self.setContentsMargins(6, 0, 6, 0)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def set_texts(self, *texts: str) -> None:
        """The full text first, then shorter forms of it; empty texts are skipped."""
        self._texts = tuple(text for text in texts if text) or ("",)
        self.setToolTip(self._texts[0] if len(self._texts) > 1 else "")
        self.updateGeometry()
        self._fit()

    def full_text(self) -> str:
        return self._texts[0]

    def prefer_short(self, short: bool) -> None:
        """Ask for only the shortest text's width: a neighbour's text matters more."""
        self._prefer_short = short
        self.updateGeometry()

    def _width_of(self, text: str) -> int:
        margins = self.contentsMargins()
        frame = margins.left() + margins.right() + 2 * self.margin()
        return self.fontMetrics().horizontalAdvance(text) + frame

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(self._width_of(self._texts[-1 if self._prefer_short else 0]), hint.height())

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(self._width_of(self._texts[-1]), hint.height())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        room = self.contentsRect().width() - 2 * self.margin()
        metrics = self.fontMetrics()
        shown = next((t for t in self._texts if metrics.horizontalAdvance(t) <= room), self._texts[-1])
        if shown != self.text():
            self.setText(shown)


class StatusDetails(QFrame):
    """The popover under the chip: every fact the bar used to cram in, one per line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("status_details")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFixedWidth(DETAILS_WIDTH)
        layout = QVBoxLayout(self)
        self.store_label = self._line(layout, "status_store")
        self.mode_label = self._line(layout, "status_mode")
        self.token_label = self._line(layout, "status_token")
        self.automatic_label = self._line(layout, "last_automatic_update")
        self.manual_label = self._line(layout, "last_manual_sync")
        self.outbox_label = self._line(layout, "outbox_count")
        self.owed_label = self._line(layout, "status_owed")
        self.next_run_label = self._line(layout, "status_next_run")
        self.quota_label = self._line(layout, "api_quota")
        self.message_label = self._line(layout, "status_message")
        self.notifications_title = self._line(layout, "notifications_title")
        self.notifications_list = self._line(layout, "notifications_list")
        self.notifications_list.setTextFormat(Qt.TextFormat.PlainText)
        self.mark_read_button = QPushButton("Mark all read")
        self.mark_read_button.setObjectName("mark_notifications_read")
        self.mark_read_button.setVisible(False)
        layout.addWidget(self.mark_read_button, 0, Qt.AlignmentFlag.AlignLeft)
        self._unread = 0

    def show_notifications(self, latest: list[Notification], unread: int) -> None:
        """The latest notifications, newest first, unread ones marked with a dot; ``unread`` is
        how many are unread in all."""
        listed = latest[:NOTIFICATIONS_LISTED]
        self._unread = unread
        counted = f" · {format_count(unread)} unread" if unread else ""
        self.notifications_title.setText(f"Notifications{counted}" if listed else "")
        self.notifications_list.setText(
            "\n".join(f"{'' if n.read else '• '}{format_moment(n.at)}  {n.title}" for n in listed)
        )
        for label in (self.notifications_title, self.notifications_list):
            label.setVisible(bool(label.text()))
        self.mark_read_button.setVisible(bool(unread))

    @staticmethod
    def _line(layout: QVBoxLayout, name: str) -> QLabel:
        label = QLabel("")
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(label)
        return label

    def refresh_visibility(self) -> None:
        """Lines with nothing to say are hidden (no quota seen yet, no message)."""
        for label in self.findChildren(QLabel):
            label.setVisible(bool(label.text()))
        self.mark_read_button.setVisible(bool(self._unread))

    def show_under(self, anchor: QWidget) -> None:
        self.refresh_visibility()
        self.adjustSize()
        top_left = anchor.mapToGlobal(QPoint(0, 0))
        self.move(top_left.x(), top_left.y() - self.sizeHint().height())
        self.show()


class StatusBarPanel:
    """Builds the bar's widgets into ``bar`` and keeps them current (``MainWindow`` feeds it)."""

    def __init__(self, bar: QStatusBar, window: QWidget) -> None:
        self.details = StatusDetails(window)
        self.chip = QToolButton()
        self.chip.setObjectName("sync_state")
        self.chip.setAutoRaise(True)
        self.chip.setToolTip(CHIP_TOOLTIP)
        self.chip.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        self.chip.clicked.connect(lambda: self.details.show_under(self.chip))
        self.message = FittingLabel()
        self.message.setObjectName("status_message_shown")
        self.message.clicked.connect(lambda: self.details.show_under(self.chip))
        self.next_run = FittingLabel()
        self.next_run.setObjectName("next_scheduled_run")
        self.next_run.setVisible(False)
        self.team = FittingLabel()
        self.team.setObjectName("team_leader")
        self.team.setVisible(False)
        bar.addWidget(self.chip)
        bar.addWidget(self.message, 1)
        bar.addPermanentWidget(self.team)
        bar.addPermanentWidget(self.next_run)
        self._state = SyncState.IDLE
        self._syncing = False
        self._synced_once = False
        self._waiting = 0
        self._owed_units = 0
        self._update_chip()

    def set_state(self, state: SyncState) -> None:
        self._state = state
        self._update_chip()

    def set_syncing(self, syncing: bool) -> None:
        self._syncing = syncing
        self._update_chip()

    def set_synced_once(self, synced: bool) -> None:
        self._synced_once = synced
        self._update_chip()

    def set_waiting(self, count: int) -> None:
        self._waiting = count
        self._update_chip()

    def set_owed(self, units: int, orders: int) -> None:
        """Units sold on backorder and the orders waiting for them; said only when there are any."""
        self._owed_units = units
        parts = []
        if units:
            parts.append(f"{plural(units, 'unit')} backordered")
        if orders:
            parts.append(f"{plural(orders, 'order')} waiting for stock")
        self.details.owed_label.setText(" · ".join(parts))
        self._update_chip()

    def chip_text(self) -> str:
        if self._syncing:
            state = CHIP_STATES[SyncState.SYNCING]
        elif self._state in CHIP_STATES:
            state = CHIP_STATES[self._state]
        else:
            state = "Up to date" if self._synced_once else "Not synced yet"
        if self._waiting:
            state += f" · {format_count(self._waiting)} waiting"
        if self._owed_units:
            state += f" · {format_count(self._owed_units)} backordered"
        return state

    def _update_chip(self) -> None:
        self.chip.setText(self.chip_text())

    def set_message(self, text: str) -> None:
        """The full text goes to the popover; the bar shows its first part when all of it does not fit."""
        self.details.message_label.setText(text)
        self.message.set_texts(text, *_shorter_forms(text))
        self.next_run.prefer_short(bool(text))

    def set_token_source(self, source: TokenSource | None) -> None:
        """Where the store's token comes from: a token kept for this session only is asked for
        again at the next start, which the merchant should know before quitting."""
        self.details.token_label.setText(TOKEN_WORDS[source] if source is not None else "")

    def set_team(self, leader: str | None, this_desktop_leads: bool, *, in_team: bool) -> None:
        """Team mode: which desktop syncs for the team (hidden outside a team)."""
        if not in_team:
            self.team.set_texts("")
        elif this_desktop_leads:
            self.team.set_texts("Team: this desktop leads the syncs", "Team: you lead")
        elif leader is None:
            self.team.set_texts("Team: no desktop leads the syncs right now", "Team: nobody leads")
        else:
            self.team.set_texts(f"Team: {leader} leads", "Team")
        self.team.setVisible(in_team)

    def set_next_run(self, full: str, short: str) -> None:
        self.details.next_run_label.setText(full)
        self.next_run.set_texts(full, short)
        self.next_run.setVisible(bool(full))


def _shorter_forms(text: str) -> list[str]:
    """Ever shorter forms of a message: its title (before " · "), its first sentence, that
    sentence's first clause, then a pointer to the popover where the whole text is."""
    if not text:
        return []
    title = text.split(" · ", 1)[0].strip()
    sentence = title.split(". ", 1)[0].rstrip(".")
    clause = sentence.split(": ", 1)[0].split(", ", 1)[0]
    forms: list[str] = []
    for form in (title, sentence, clause):
        if form and form != text and form not in forms:
            forms.append(form)
    return [*forms, MESSAGE_FALLBACK]
