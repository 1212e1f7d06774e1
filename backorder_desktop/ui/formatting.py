"""How the window writes numbers, times and durations: in the user's locale, without jargon.

Times arrive from the services as timezone-aware UTC datetimes; everything shown is local time.
The plain "C" locale (a bare machine, CI) has no group separators and an odd date format, so it
falls back to ``1,234`` and ISO dates.
"""

from __future__ import annotations

import re
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

from PySide6.QtCore import QDate
from PySide6.QtCore import QLocale
from PySide6.QtCore import QTime

from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.domain.runs import SyncRun
from backorder_desktop.domain.stock_policy import STOCK_RANGE_TEXT
from backorder_desktop.domain.stock_policy import stock_out_of_range

MODE_TITLES: dict[InventorySource, str] = {
    InventorySource.BIGCOMMERCE: "Manage inventory in BigCommerce",
    InventorySource.ERP: "Manage inventory in ERP",
    InventorySource.API: "Sync inventory via BackOrder API",
}

# One line each, from DESIGN §3 and user journey 3.
MODE_EXPLANATIONS: dict[InventorySource, str] = {
    InventorySource.BIGCOMMERCE: (
        "This app is the source of stock for BackOrder products; edit it here, even offline."
    ),
    InventorySource.ERP: (
        "Your ERP updates BigCommerce; this app follows. A full sync runs daily at the time you choose."
    ),
    InventorySource.API: "This app pulls stock from your ERP's feed at the frequency you choose.",
}

# What the status bar says about the mode (journey 1: "Inventory managed in BigCommerce").
MODE_STATUS: dict[InventorySource, str] = {
    InventorySource.BIGCOMMERCE: "Inventory managed in BigCommerce",
    InventorySource.ERP: "Inventory managed in your ERP",
    InventorySource.API: "Inventory from your ERP's feed",
}

TRIGGER_NAMES: dict[str, str] = {
    "button": "Sync button",
    "tray": "Tray menu",
    "cli": "Command line",
    "poll": "Regular update",
    "daily": "Daily sync",
    "catch-up": "Daily sync (caught up)",
    "daily-catch-up": "Daily sync (caught up after a missed time)",
    "outbox-retry": "Writing waiting changes again",
    "webhook": "Store notification",
    "feed": "ERP feed",
    "retry": "Retry after a problem",
    "first-sync": "First sync",
    "settings": "Before changing the inventory source",
}

OUTCOME_NAMES: dict[RunOutcome, str] = {
    RunOutcome.RUNNING: "Running",
    RunOutcome.OK: "Done",
    RunOutcome.PARTIAL: "Done, with problems",
    RunOutcome.FAILED: "Failed",
    RunOutcome.REFUSED: "Stopped for safety",
}

KIND_NAMES: dict[RunKind, str] = {RunKind.MANUAL: "Manual", RunKind.AUTOMATIC: "Automatic"}


def _locale() -> QLocale:
    return QLocale()


def _is_plain_c(locale: QLocale) -> bool:
    return locale.language() == QLocale.Language.C


def format_count(value: int) -> str:
    """``12,345`` (or the locale's own grouping)."""
    locale = _locale()
    if _is_plain_c(locale):
        return f"{value:,}"
    return locale.toString(value)


def plural(value: int, one: str, many: str | None = None) -> str:
    """``1 product``, ``2,000 products``."""
    word = one if value == 1 else (many or one + "s")
    return f"{format_count(value)} {word}"


def to_local(moment: datetime) -> datetime:
    """A stored moment in the computer's own time zone (naive stored values are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone()


def format_time(moment: datetime) -> str:
    local = to_local(moment)
    locale = _locale()
    if _is_plain_c(locale):
        return local.strftime("%H:%M")
    return locale.toString(QTime(local.hour, local.minute), QLocale.FormatType.ShortFormat)


def format_date(moment: datetime) -> str:
    return format_day(to_local(moment).date())


def format_day(day: date) -> str:
    """A calendar day (an expected date: no time zone to convert) in the locale's short form."""
    locale = _locale()
    if _is_plain_c(locale):
        return day.isoformat()
    return locale.toString(QDate(day.year, day.month, day.day), QLocale.FormatType.ShortFormat)


def format_moment(moment: datetime, now: datetime | None = None) -> str:
    """``today 10:14``, ``yesterday 17:02`` or ``2025-03-04 17:02`` in the user's locale."""
    now_local = to_local(now or datetime.now(UTC))
    local = to_local(moment)
    days = (now_local.date() - local.date()).days
    if days == 0:
        day = "today"
    elif days == 1:
        day = "yesterday"
    else:
        day = format_date(moment)
    return f"{day} {format_time(moment)}"


def time_ago(moment: datetime, now: datetime | None = None) -> str:
    """``just now``, ``5 minutes ago``, ``2 hours ago``, ``3 days ago``."""
    delta = (now or datetime.now(UTC)) - to_local(moment)
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return "just now"
    minutes = seconds // 60
    if minutes < 60:
        return f"{plural(minutes, 'minute')} ago"
    hours = minutes // 60
    if hours < 24:
        return f"{plural(hours, 'hour')} ago"
    return f"{plural(hours // 24, 'day')} ago"


def format_duration(delta: timedelta) -> str:
    """``0.4 s``, ``42 s``, ``3 min 05 s``, ``1 h 02 min``."""
    seconds = max(0.0, delta.total_seconds())
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def sync_button_tooltip(last_manual_sync: datetime | None, now: datetime | None = None) -> str:
    """The Sync button's tooltip: only manual syncs count (DESIGN §4)."""
    if last_manual_sync is None:
        return "No manual sync yet"
    return f"Last manual sync: {format_moment(last_manual_sync, now)} ({time_ago(last_manual_sync, now)})"


def last_automatic_text(moment: datetime | None, now: datetime | None = None) -> str:
    if moment is None:
        return "Last automatic update: none yet"
    return f"Last automatic update: {format_moment(moment, now)} ({time_ago(moment, now)})"


def trigger_name(trigger: str) -> str:
    return TRIGGER_NAMES.get(trigger, trigger.replace("-", " ").capitalize())


def sync_summary(run: SyncRun) -> str:
    """``14 products updated`` — what a finished manual sync did, in a notification."""
    counts = run.counts
    updated = counts.created + counts.changed
    if updated == 0 and counts.removed == 0:
        text = "Everything was already up to date."
    else:
        text = f"{plural(updated, 'product')} updated"
        if counts.removed:
            text += f", {plural(counts.removed, 'product')} removed"
        text += "."
    if run.problems:
        text += f" {plural(len(run.problems), 'item')} could not be synced: see History."
    return text


_WHOLE_NUMBER = re.compile(r"[-+]?[0-9]+")


def parse_stock_level(text: str) -> tuple[int | None, str]:
    """A stock level as typed ("1,234", "-3"), or None and what is wrong with it: never a level
    clamped or guessed from something else."""
    group = _locale().groupSeparator()
    cleaned = text.strip().replace("\u2212", "-")  # the minus sign some keyboards type
    for separator in {",", group, "\u00a0", "\u202f", " "}:
        cleaned = cleaned.replace(separator, "")
    if not _WHOLE_NUMBER.fullmatch(cleaned):
        shown = text.strip() or "Nothing"
        return None, f"“{shown}” is not a whole number. Stock can be {STOCK_RANGE_TEXT}."
    level = int(cleaned)
    problem = stock_out_of_range(level)
    return (None, problem) if problem is not None else (level, "")
