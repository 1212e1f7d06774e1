"""The ``BackorderRuleStore`` port's methods on ``SqliteMirrorStore``: backorder rules per stock item.

A mixin like ``stock_mixin.py``; each method is one transaction through the store's own
``_reading``/``_writing``, so a bulk save of many items is saved whole or not at all. Rules are user
data (``tables.USER_TABLES``): a rebuild of the mirror keeps them, and ``_writing`` refreshes the
side copy after a save. ``variant_id`` 0 in the table is ``StockKey.variant_id`` None.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from collections.abc import Mapping
from contextlib import AbstractContextManager
from datetime import date
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from backorder_desktop.adapters.storage.codec import to_text
from backorder_desktop.domain.backorder_rules import BackorderRule
from backorder_desktop.domain.stock import StockKey

_SELECT = "SELECT product_id, variant_id, limit_units, incoming, expected, message FROM backorder_rules"
_OF_PRODUCTS = " WHERE product_id IN (SELECT value FROM json_each(?))"
_UPSERT = (
    "INSERT INTO backorder_rules (product_id, variant_id, limit_units, incoming, expected, message, "
    "updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (product_id, variant_id) DO UPDATE SET limit_units = excluded.limit_units, "
    "incoming = excluded.incoming, expected = excluded.expected, message = excluded.message, "
    "updated_at = excluded.updated_at, updated_by = excluded.updated_by"
)


def _rule_from_row(row: Any) -> tuple[StockKey, BackorderRule]:
    pid, vid, limit, incoming, expected, message = tuple(row)
    key = StockKey(int(pid), int(vid) or None)
    rule = BackorderRule(
        limit=None if limit is None else int(limit),
        incoming=int(incoming),
        expected=None if expected is None else date.fromisoformat(str(expected)),
        message=str(message),
    )
    return key, rule


class BackorderRuleMethods:
    """Mixed into ``SqliteMirrorStore``."""

    if TYPE_CHECKING:

        def _reading(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def _writing(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def backorder_rules(self, product_ids: Iterable[int] | None = None) -> dict[StockKey, BackorderRule]:
        """The rules kept (items at the defaults have none), of these products or of all."""
        with self._reading() as conn:
            if product_ids is None:
                rows = conn.execute(_SELECT)
            else:
                rows = conn.execute(
                    _SELECT + _OF_PRODUCTS,
                    (json.dumps(sorted({int(p) for p in product_ids})),),
                )
            return dict(_rule_from_row(row) for row in rows)

    def save_backorder_rules(self, rules: Mapping[StockKey, BackorderRule], *, by: str, at: datetime) -> None:
        """Save these items' rules in one transaction; a rule at the defaults removes the item's row."""
        upserts = [
            (
                key.product_id,
                key.variant_id or 0,
                rule.limit,
                rule.incoming,
                None if rule.expected is None else rule.expected.isoformat(),
                rule.message,
                to_text(at),
                by,
            )
            for key, rule in rules.items()
            if not rule.is_default()
        ]
        removed = [(key.product_id, key.variant_id or 0) for key, rule in rules.items() if rule.is_default()]
        with self._writing() as conn:
            conn.executemany(_UPSERT, upserts)
            conn.executemany("DELETE FROM backorder_rules WHERE product_id = ? AND variant_id = ?", removed)
