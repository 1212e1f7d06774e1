"""Query parameters: typed access with BigCommerce-style 422s, paging and ``meta.pagination``.

Unknown parameters are ignored, as BigCommerce ignores filters an endpoint does not support; a known
parameter with a bad value (``limit=abc``, ``id:in=1,x``, ``is_visible=maybe``) is a 422 naming it.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any
from urllib.parse import parse_qsl
from urllib.parse import urlencode

from backorder_desktop.demo.errors import invalid_query

_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})


class Query:
    """The query string of one request (the last value of a repeated name wins)."""

    def __init__(self, raw: str) -> None:
        self.pairs = parse_qsl(raw, keep_blank_values=True)
        self.values = dict(self.pairs)

    def has(self, name: str) -> bool:
        return name in self.values

    def names(self) -> set[str]:
        return set(self.values)

    def text(self, name: str) -> str | None:
        return self.values.get(name)

    def integer(self, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int | None:
        raw = self.values.get(name)
        if raw is None:
            return None
        try:
            value = int(raw.strip())
        except ValueError:
            raise invalid_query(name, "must be integer") from None
        if minimum is not None and value < minimum:
            raise invalid_query(name, f"must be >= {minimum}")
        if maximum is not None and value > maximum:
            raise invalid_query(name, f"must be <= {maximum}")
        return value

    def number(self, name: str) -> float | None:
        raw = self.values.get(name)
        if raw is None:
            return None
        try:
            value = float(raw)
        except ValueError:
            raise invalid_query(name, "must be number") from None
        if not math.isfinite(value):
            raise invalid_query(name, "must be number")
        return value

    def int_list(self, name: str) -> list[int] | None:
        raw = self.values.get(name)
        if raw is None:
            return None
        try:
            return [int(part) for part in raw.split(",") if part.strip()]
        except ValueError:
            raise invalid_query(name, "must be a comma-separated list of integers") from None

    def str_list(self, name: str) -> list[str] | None:
        raw = self.values.get(name)
        if raw is None:
            return None
        return [part.strip() for part in raw.split(",") if part.strip()]

    def enum_list(self, name: str, allowed: frozenset[str]) -> list[str] | None:
        values = self.str_list(name)
        if values is None:
            return None
        for value in values:
            if value not in allowed:
                raise invalid_query(
                    name, "must be equal to one of the allowed values: " + ", ".join(sorted(allowed))
                )
        return values

    def enum(self, name: str, allowed: tuple[str, ...]) -> str | None:
        value = self.values.get(name)
        if value is not None and value not in allowed:
            raise invalid_query(name, "must be equal to one of the allowed values: " + ", ".join(allowed))
        return value

    def boolean(self, name: str) -> bool | None:
        raw = self.values.get(name)
        if raw is None:
            return None
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise invalid_query(name, "must be boolean")

    def timestamp(self, name: str, now: dt.datetime | None = None) -> int | None:
        """Unix seconds from ISO-8601 (``2025-01-15T00:03:17Z``, ``...+00:00``), a date, or digits.

        As BigCommerce does, a date without a time gets the current time of day appended.
        """
        raw = self.values.get(name)
        if raw is None:
            return None
        text = raw.strip().replace(" ", "+") if "T" in raw else raw.strip()
        if text.isdigit():
            return int(text)
        try:
            if len(text) == 10:
                day = dt.date.fromisoformat(text)
                clock = (now or dt.datetime.now(dt.UTC)).time()
                moment = dt.datetime.combine(day, clock, tzinfo=dt.UTC)
            else:
                moment = dt.datetime.fromisoformat(text)
        except ValueError:
            raise invalid_query(name, "must be a date or an ISO-8601 date-time") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return int(moment.timestamp())

    def paging(
        self, *, default_limit: int = 50, max_limit: int | None = 250, clamp_to: int | None = None
    ) -> tuple[int, int]:
        """``(page, limit)``: page ≥ 1; limit 1..max (422 above ``max_limit``; clamped to ``clamp_to``)."""
        page = self.integer("page", minimum=1)
        limit = self.integer("limit", minimum=1, maximum=max_limit)
        if limit is None:
            limit = default_limit
        if clamp_to is not None:
            limit = min(limit, clamp_to)
        return page or 1, limit

    def link(self, page: int, limit: int) -> str:
        """A relative query string for another page: ``?include=variants&page=2&limit=250``."""
        kept = [(k, v) for k, v in self.pairs if k not in ("page", "limit")]
        return "?" + urlencode([*kept, ("page", str(page)), ("limit", str(limit))], safe=":,")


def pagination(query: Query, *, total: int, count: int, page: int, limit: int) -> dict[str, Any]:
    """``meta.pagination`` as the specs define it (``previous``/``next`` only where such a page exists)."""
    total_pages = math.ceil(total / limit) if total else 0
    links: dict[str, str] = {"current": query.link(page, limit)}
    if page > 1:
        links["previous"] = query.link(page - 1, limit)
    if page < total_pages:
        links["next"] = query.link(page + 1, limit)
    return {
        "total": total,
        "count": count,
        "per_page": limit,
        "current_page": page,
        "total_pages": total_pages,
        "links": links,
    }
