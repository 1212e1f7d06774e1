"""The status bar's quota meter: the store's API requests left, and how many this app sent.

BigCommerce gives a store one quota of requests per window, shared by every app installed on it.
The meter shows what the last reply seen by any process of this profile (the window or its sync
child) said was left, and this app's requests in the last window; its tooltip explains the reserve
the app keeps for the others. Read from the shared quota file on a worker (``Profile.quota_meter``):
after each status refresh, and every few seconds while a sync runs.
"""

from __future__ import annotations

import logging
from datetime import UTC
from datetime import datetime

from PySide6.QtCore import QObject
from PySide6.QtCore import Qt
from PySide6.QtCore import QTimer
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QProgressBar
from PySide6.QtWidgets import QWidget

from backorder_desktop.domain.dashboard import QuotaMeter
from backorder_desktop.services.profile import Profile
from backorder_desktop.ui.formatting import format_count
from backorder_desktop.ui.formatting import format_time
from backorder_desktop.ui.formatting import plural
from backorder_desktop.ui.widgets.latest_read import LatestRead
from backorder_desktop.ui.workers import BackgroundRunner

logger = logging.getLogger(__name__)

SYNCING_REFRESH_MS = 3_000
BAR_WIDTH = 60
BAR_HEIGHT = 8


def window_words(meter: QuotaMeter) -> str:
    seconds = round(meter.window_s) if meter.window_s else None
    return f"{seconds}-second window" if seconds else "window"


def meter_tooltip(meter: QuotaMeter, now: datetime) -> str:
    """What the figures mean, and why the app never uses the whole quota."""
    quota = format_count(meter.quota) if meter.quota is not None else "?"
    window = window_words(meter)
    if meter.is_current(now):
        seen = (
            f"The store's API quota: {format_count(meter.left)} of {quota} requests left in this {window}, "
            f"as last seen (it refills at {format_time(meter.resets_at)})."
        )
    else:
        seen = (
            f"The store's API quota, as last seen: {format_count(meter.left)} of {quota} requests were "
            f"left in a {window} that has ended since; the quota has refilled."
        )
    share = f"This app sent {plural(meter.sent_by_app, 'request')} in the last {window}."
    reserve = (
        "Every app installed on the store shares this quota. This app keeps "
        f"{plural(meter.reserve, 'request')} ({round(meter.headroom * 100)} %) of each window free for "
        "the others: when no more than that are left, it waits for the window to refill rather than "
        "take them."
    )
    return "\n\n".join((seen, share, reserve))


class QuotaMeterBar(QWidget):
    """Requests left of the quota: a thin bar and "API 118/150"; hidden until a reply was seen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quota_meter")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(6)
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setFixedSize(BAR_WIDTH, BAR_HEIGHT)
        self.label = QLabel("")
        layout.addWidget(self.bar, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.label)
        self.setVisible(False)
        self.meter: QuotaMeter | None = None

    def show_meter(self, meter: QuotaMeter | None, now: datetime | None = None) -> None:
        self.meter = meter
        if meter is None:
            self.setVisible(False)
            return
        now = now or datetime.now(UTC)
        quota = meter.quota or max(meter.left, 1)
        left = meter.left if meter.is_current(now) else quota
        self.bar.setRange(0, quota)
        self.bar.setValue(min(left, quota))
        self.label.setText(f"API {format_count(left)}/{format_count(quota)}")
        self.setToolTip(meter_tooltip(meter, now))
        self.setAccessibleName(f"API quota: {format_count(left)} of {format_count(quota)} requests left")
        self.setVisible(True)

    def text(self) -> str:
        return self.label.text()

    def value(self) -> int:
        return self.bar.value()

    def maximum(self) -> int:
        return self.bar.maximum()

    def summary(self) -> str:
        """The popover's line: what the bar shows, in words."""
        meter = self.meter
        if meter is None:
            return ""
        quota = f" of {format_count(meter.quota)}" if meter.quota is not None else ""
        return (
            f"API quota left: {format_count(meter.left)}{quota} · this app sent "
            f"{format_count(meter.sent_by_app)} in the last {window_words(meter)}"
        )


class QuotaMeterFeed(QObject):
    """Reads ``Profile.quota_meter`` on a worker and shows it; one read at a time."""

    shown = Signal(object)  # the QuotaMeter (or None) just shown

    def __init__(self, runner: BackgroundRunner, bar: QuotaMeterBar, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bar = bar
        self._profile: Profile | None = None
        self._read = LatestRead(runner, self._show, self._failed)
        self.timer = QTimer(self)
        self.timer.setInterval(SYNCING_REFRESH_MS)
        self.timer.timeout.connect(self.refresh)

    def set_profile(self, profile: Profile | None) -> None:
        self._profile = profile
        self._read.forget()
        self._bar.show_meter(None)
        if profile is None:
            self.timer.stop()
        self.refresh()

    def set_syncing(self, syncing: bool) -> None:
        """While a sync runs the quota moves by the second: read it again every few seconds."""
        if syncing:
            self.timer.start()
        else:
            self.timer.stop()
            self.refresh()

    def refresh(self) -> None:
        profile = self._profile
        if profile is not None:
            self._read.request(profile.quota_meter)

    def _show(self, meter: QuotaMeter | None) -> None:
        self._bar.show_meter(meter)
        self.shown.emit(meter)

    def _failed(self, error: BaseException) -> None:
        # A meter is a courtesy: a file being replaced or a store changing hands hides it until
        # the next read, without a dialog (the log keeps why).
        logger.info("the quota meter could not be read: %s", error)
        self._bar.show_meter(None)
