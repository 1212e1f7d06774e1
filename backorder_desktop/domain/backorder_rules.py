"""Backorder rules of a stock item: how far below zero it may sell, what is coming, and what shoppers read.

Pure rules, no I/O. A rule belongs to one stock item (``StockKey``: a variant where the product
keeps stock per variant, else the product itself):

- ``limit``: the units it may sell below zero; None is unlimited. At ``level <= -limit`` it has
  reached its limit (purchasing is to be disabled in the store).
- ``incoming``: units expected from the supplier.
- ``expected``: the back-in-stock date. A date before today is refused when it is *set*; a date
  already kept is allowed to pass (that is when the merchant is told).
- ``message``: the shopper message template, with ``{date}`` (the expected date as shoppers read
  it, "12 January") and ``{incoming}``; "" uses the store-wide default of the settings. Filled in
  at its longest it must fit the store's ``availability_description`` and
  ``purchasing_disabled_message`` (255 characters in BigCommerce's catalog API).

``edited`` applies a ``RuleEdit`` to a rule: it validates every field first and raises
``InvalidRule`` saying what to do, so an edit is applied whole or not at all.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import replace
from datetime import date
from enum import Enum
from enum import StrEnum

from backorder_desktop.domain.errors import UserFacingError
from backorder_desktop.domain.stock_policy import STOCK_MAX

# BigCommerce's maxLength of availability_description and purchasing_disabled_message.
MESSAGE_MAX = 255
PLACEHOLDERS = ("date", "incoming")
# A limit is "near" when what is left to sell is at most this share of it.
NEAR_SHARE = 0.10
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
# The longest texts the placeholders can become: what a template is checked against.
_LONGEST = {"date": "30 September", "incoming": str(STOCK_MAX)}


class InvalidRule(UserFacingError):
    """A backorder rule that cannot be saved; the message says why and what to give instead."""

    title = "Backorder rule not changed"


class RuleState(StrEnum):
    """Where an item stands against its rule, the most urgent first."""

    AT_LIMIT = "at limit"
    DATE_PASSED = "date passed"
    NEAR_LIMIT = "near limit"
    OK = "ok"


@dataclass(frozen=True, slots=True)
class BackorderRule:
    limit: int | None = None
    incoming: int = 0
    expected: date | None = None
    message: str = ""  # the template; "" is the store-wide default

    def is_default(self) -> bool:
        return self == BackorderRule()


class _Keep(Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP  # a field of a ``RuleEdit`` left as it is


@dataclass(frozen=True, slots=True)
class RuleEdit:
    """What to change: each field a new value, or ``KEEP``. None clears ``limit`` (unlimited) and
    ``expected`` (no date); "" clears ``message`` (the default again); 0 clears ``incoming``."""

    limit: int | _Keep | None = KEEP
    incoming: int | _Keep = KEEP
    expected: date | _Keep | None = KEEP
    message: str | _Keep = KEEP

    def is_empty(self) -> bool:
        return self == RuleEdit()


def shopper_date(day: date) -> str:
    """A date as shoppers read it: "12 January"."""
    return f"{day.day} {_MONTHS[day.month - 1]}"


def _fields(template: str) -> list[str]:
    """The placeholders of ``template``; ``InvalidRule`` for an unknown one or a stray brace."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError:
        raise InvalidRule(
            f"The message '{template}' has a brace that does not pair. Write {{date}} or {{incoming}} "
            "where the date or the incoming units go, and no other braces."
        ) from None
    names = [name for _, name, spec, conversion in parts if name is not None]
    bad = [name or "{}" for name in names if name not in PLACEHOLDERS]
    if bad or any(spec or conversion for _, name, spec, conversion in parts if name is not None):
        shown = ", ".join(f"{{{name}}}" if name != "{}" else name for name in bad) or "a format spec"
        raise InvalidRule(
            f"The message '{template}' uses {shown}; only {{date}} and {{incoming}} can be filled in."
        )
    return names


def check_template(template: str) -> str:
    """``template`` stripped, or ``InvalidRule`` when it has unknown placeholders or is longer than
    the store keeps once filled in at its longest."""
    template = template.strip()
    _fields(template)
    longest = template.format(**_LONGEST)
    if len(longest) > MESSAGE_MAX:
        raise InvalidRule(
            f"The message is {len(longest)} characters filled in (with the longest date and incoming "
            f"count); the store keeps at most {MESSAGE_MAX}. Shorten it by {len(longest) - MESSAGE_MAX}."
        )
    return template


def render_message(template: str, rule: BackorderRule) -> str | None:
    """What shoppers read: ``template`` with the rule's date and incoming units filled in. None when
    it needs a date the rule does not have (no message is better than "Ships by ")."""
    names = _fields(template)
    if "date" in names and rule.expected is None:
        return None
    day = shopper_date(rule.expected) if rule.expected is not None else ""
    return template.format(date=day, incoming=rule.incoming)


def limit_reached(level: int, rule: BackorderRule) -> bool:
    """It may sell no more: ``level <= -limit``."""
    return rule.limit is not None and level <= -rule.limit


def available_to_sell(level: int, rule: BackorderRule) -> int | None:
    """Units it may still sell (on hand plus the limit, never below 0); None when unlimited."""
    return None if rule.limit is None else max(0, level + rule.limit)


def near_limit(level: int, rule: BackorderRule) -> bool:
    """Not at its limit yet, with at most 10 % of the limit (at least one unit) left to sell."""
    if rule.limit is None or limit_reached(level, rule):
        return False
    return level + rule.limit <= max(1, math.ceil(rule.limit * NEAR_SHARE))


def date_passed(rule: BackorderRule, today: date, level: int) -> bool:
    """The expected date is behind us and units are still owed."""
    return rule.expected is not None and rule.expected < today and level < 0


def state(level: int, rule: BackorderRule, today: date) -> RuleState:
    if limit_reached(level, rule):
        return RuleState.AT_LIMIT
    if date_passed(rule, today, level):
        return RuleState.DATE_PASSED
    if near_limit(level, rule):
        return RuleState.NEAR_LIMIT
    return RuleState.OK


def check_edit(edit: RuleEdit) -> None:
    """Validate what an edit sets, the same for every item (the past-date check is ``edited``'s,
    since an item's own kept date may pass)."""
    if isinstance(edit.limit, int) and not 0 <= edit.limit <= STOCK_MAX:
        raise InvalidRule(
            f"A backorder limit is the units it may sell below zero: give 0 to {STOCK_MAX:,}, not "
            f"{edit.limit:,} (or clear it for no limit)."
        )
    if isinstance(edit.incoming, int) and not 0 <= edit.incoming <= STOCK_MAX:
        raise InvalidRule(
            f"Incoming stock is the units expected: give 0 to {STOCK_MAX:,}, not {edit.incoming:,}."
        )
    if isinstance(edit.message, str):
        check_template(edit.message)


def edited(rule: BackorderRule, edit: RuleEdit, today: date) -> BackorderRule:
    """``rule`` with ``edit`` applied, or ``InvalidRule``. A date before ``today`` is refused unless
    it is the date the rule already has."""
    check_edit(edit)
    new = rule
    if not isinstance(edit.limit, _Keep):
        new = replace(new, limit=edit.limit)
    if not isinstance(edit.incoming, _Keep):
        new = replace(new, incoming=edit.incoming)
    if not isinstance(edit.expected, _Keep):
        if edit.expected is not None and edit.expected < today and edit.expected != rule.expected:
            raise InvalidRule(
                f"The expected date {edit.expected.isoformat()} is in the past (today is "
                f"{today.isoformat()}). Give the date the supplier now promises, or clear the date."
            )
        new = replace(new, expected=edit.expected)
    if not isinstance(edit.message, _Keep):
        new = replace(new, message=check_template(edit.message))
    return new


# The stock file's rule columns. A blank cell keeps the item's value; ``clear`` (any case) clears it:
# no limit, nothing incoming, no date, the default message.
RULE_COLUMNS = ("limit", "incoming", "expected", "message")
CLEAR = "clear"
_WHOLE = re.compile(r"[+-]?[0-9]{1,12}")


def parse_units(column: str, text: str) -> int:
    """A whole number of units typed in a file or a command, or ``InvalidRule``."""
    if not _WHOLE.fullmatch(text.strip()):
        raise InvalidRule(f"The {column} must be a whole number of units, not '{text[:40]}'.")
    return int(text)


def parse_day(text: str) -> date:
    """A date as YYYY-MM-DD, or ``InvalidRule``."""
    text = text.strip()
    try:
        if len(text) != len("2026-01-12"):  # fromisoformat also takes 20260112 and week dates
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidRule(
            f"The expected date must be written YYYY-MM-DD (2026-01-12), not '{text[:40]}'."
        ) from None


def edit_from_cells(cells: Mapping[str, str]) -> RuleEdit:
    """A stock file row's rule cells as an edit (see ``RULE_COLUMNS``); ``InvalidRule`` for a bad one."""
    values: dict[str, object] = {}
    for column in RULE_COLUMNS:
        text = cells.get(column, "").strip()
        if not text:
            continue
        if text.casefold() == CLEAR:
            values[column] = {"limit": None, "incoming": 0, "expected": None, "message": ""}[column]
        elif column in ("limit", "incoming"):
            values[column] = parse_units(column, text)
        elif column == "expected":
            values[column] = parse_day(text)
        else:
            values[column] = text
    edit = RuleEdit(**values)  # type: ignore[arg-type]
    check_edit(edit)
    return edit
