"""Counted nouns in every front end's words: "1 product", "2 products", "1,234 changes waiting".

One home for the rule, so that no message says "1 products" (the CLI, the facade's error
messages and the window all count things).
"""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` with ``noun`` in the singular for exactly one, else ``plural`` (``noun`` + "s")."""
    word = noun if count == 1 else (plural if plural is not None else f"{noun}s")
    return f"{count:,} {word}"


def capped(items: list[str], limit: int, *, separator: str = ", ") -> str:
    """At most ``limit`` of ``items`` joined, with "and N more" for the rest."""
    shown = separator.join(items[:limit])
    rest = len(items) - limit
    return f"{shown} and {rest:,} more" if rest > 0 else shown
