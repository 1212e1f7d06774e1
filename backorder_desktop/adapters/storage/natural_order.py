"""Natural order of names and SKUs: "#19555" before "#113332", "Size 2" before "Size 10".

``natural_key`` is stored beside each product's name and SKU (``name_key``, ``sku_key``) and the
listings sort by it with SQLite's plain binary comparison, which an index can serve: a collation
written in Python would be called for every comparison of a sort (millions for 120,000 rows) and
for every index write, and would have to be registered on every connection that writes.

The key is the case-folded text with each run of ASCII digits replaced by its length (one
character, ``0`` + length) and its digits without leading zeros, so a shorter number sorts first
and equal lengths compare digit by digit. Changing this rule needs a migration that recomputes the
stored keys (as migration 5 computed them first).
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]+")


def _number(match: re.Match[str]) -> str:
    digits = match.group().lstrip("0") or "0"
    return chr(0x30 + len(digits)) + digits


def natural_key(text: str) -> str:
    """The stored sort key of ``text``."""
    return _DIGITS.sub(_number, text.casefold())
