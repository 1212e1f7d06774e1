"""The real clock behind the ``Clock`` port: timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime


class SystemClock:
    """``now()`` in UTC; tests inject their own clock instead."""

    def now(self) -> datetime:
        return datetime.now(UTC)
