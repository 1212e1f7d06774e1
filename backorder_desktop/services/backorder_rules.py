"""Backorder rules for a selection of BackOrder items: show them, set them in bulk, move them in files.

A selection is SKUs and product ids. A variant SKU picks that variant's item; a product (its id or
its own SKU) picks every item it has, so a product that keeps stock per variant applies a rule to
each variant. A selection with a SKU no product has, or with a product that is not in BackOrder,
is refused with both counts and nothing is changed; an edit is checked for every item before any
is saved, and all are saved in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import date
from typing import Protocol

from backorder_desktop.domain.backorder_rules import BackorderRule
from backorder_desktop.domain.backorder_rules import InvalidRule
from backorder_desktop.domain.backorder_rules import RuleEdit
from backorder_desktop.domain.backorder_rules import RuleState
from backorder_desktop.domain.backorder_rules import available_to_sell
from backorder_desktop.domain.backorder_rules import check_edit
from backorder_desktop.domain.backorder_rules import edit_from_cells
from backorder_desktop.domain.backorder_rules import edited
from backorder_desktop.domain.backorder_rules import render_message
from backorder_desktop.domain.backorder_rules import state
from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.models import ItemProblem
from backorder_desktop.domain.plurals import capped
from backorder_desktop.domain.plurals import counted
from backorder_desktop.domain.ports import BackorderRuleStore
from backorder_desktop.domain.ports import Clock
from backorder_desktop.domain.stock import StockItem
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.services.stock import Store


class RuleStore(Store, BackorderRuleStore, Protocol):
    """The one database: the mirror, the stock items and their rules."""

    def native_owed(self) -> dict[StockKey, int]:
        """Units BigCommerce counts as backordered (method native; the level there is on hand)."""
        ...

    def backorder_product_ids(self) -> set[int]:
        """The products assigned to BackOrder (with or without stock kept)."""
        ...


@dataclass(frozen=True, slots=True)
class RuleView:
    """One BackOrder item with its rule and what follows from it today."""

    key: StockKey
    sku: str
    level: int
    rule: BackorderRule
    message: str | None  # what shoppers read (the rule's template or the default, filled in)
    available: int | None  # units it may still sell; None: unlimited
    state: RuleState


@dataclass(frozen=True, slots=True)
class RuleChange:
    item: StockItem
    before: BackorderRule
    after: BackorderRule


@dataclass(slots=True)
class RulesReport:
    """What a bulk edit changed, or why it changed nothing (``unknown`` SKUs, products not in
    BackOrder: then nothing was applied)."""

    changed: list[RuleChange] = field(default_factory=list)
    unchanged: list[StockItem] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    not_backorder: list[str] = field(default_factory=list)
    untracked: list[str] = field(default_factory=list)  # in BackOrder, but the store tracks no stock


class RulesNotChanged(InvalidRule):
    """A selection with unknown SKUs or products not in BackOrder; ``report`` lists them."""

    def __init__(self, report: RulesReport, *, changing: bool = True) -> None:
        parts = []
        if report.unknown:
            parts.append(
                f"{counted(len(report.unknown), 'SKU')} no product has ({capped(report.unknown, 5)})"
            )
        if report.not_backorder:
            products = counted(len(report.not_backorder), "product")
            parts.append(f"{products} not in BackOrder ({capped(report.not_backorder, 5)})")
        if report.untracked:
            products = counted(len(report.untracked), "BackOrder product")
            them = "it" if len(report.untracked) == 1 else "them"
            parts.append(
                f"{products} whose stock BigCommerce does not track ({capped(report.untracked, 5)}): "
                f"a rule needs a stock level to count against; turn inventory tracking on for {them} in "
                "BigCommerce, then sync"
            )
        outcome = "Nothing was changed" if changing else "Nothing is shown"
        super().__init__(
            f"The selection has {' and '.join(parts)}. {outcome}: take them out of the selection "
            "(or sync, if they were added in the store just now)"
            + (", or assign them to BackOrder first." if report.not_backorder else "."),
            title=None if changing else "Unknown selection",
            remedy=Remedy.ASSIGN if report.not_backorder else None,
        )
        self.report = report


@dataclass(slots=True)
class RuleImport:
    """The rule cells of a stock file: the changes they make and the rows refused."""

    changes: list[RuleChange] = field(default_factory=list)
    problems: list[ItemProblem] = field(default_factory=list)


class BackorderRuleService:
    """Reads and edits the rules of BackOrder items."""

    def __init__(self, *, store: RuleStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def today(self) -> date:
        """The merchant's today (expected dates are days where they are)."""
        return self._clock.now().astimezone().date()

    def views(self, refs: Sequence[str] = ()) -> list[RuleView]:
        """The items of ``refs`` (every BackOrder item when empty) with their rules, by SKU."""
        items = self._select(refs, changing=False) if refs else self._store.stock_items()
        rules = self._store.backorder_rules({item.key.product_id for item in items})
        default = self._store.load_settings().backorder_message
        today = self.today()
        owed = self._store.native_owed()
        views = []
        for item in items:
            if item.key in owed:  # method native: on hand less what the store counts as backordered
                item = replace(item, level=item.level - owed[item.key])
            rule = rules.get(item.key, BackorderRule())
            template = rule.message or default
            views.append(
                RuleView(
                    key=item.key,
                    sku=item.sku,
                    level=item.level,
                    rule=rule,
                    message=render_message(template, rule) if template else None,
                    available=available_to_sell(item.level, rule),
                    state=state(item.level, rule, today),
                )
            )
        return sorted(views, key=lambda view: (view.sku.casefold(), view.key))

    def set_rules(self, refs: Sequence[str], edit: RuleEdit, *, actor: str) -> RulesReport:
        """Apply ``edit`` to every item of ``refs``: all of them, or none (``InvalidRule`` says why)."""
        if not refs:
            raise InvalidRule("Give the SKUs or product ids whose backorder rules to change.")
        if edit.is_empty():
            raise InvalidRule(
                "Nothing to change: give a limit, incoming units, an expected date or a message."
            )
        check_edit(edit)
        items = self._select(refs)
        rules = self._store.backorder_rules({item.key.product_id for item in items})
        today = self.today()
        report = RulesReport()
        for item in items:
            before = rules.get(item.key, BackorderRule())
            try:
                after = edited(before, edit, today)
            except InvalidRule as exc:
                raise InvalidRule(f"{item.sku}: {exc.message} Nothing was changed.") from None
            if after == before:
                report.unchanged.append(item)
            else:
                report.changed.append(RuleChange(item, before, after))
        self.save(report.changed, actor=actor)
        return report

    def save(self, changes: Sequence[RuleChange], *, actor: str) -> None:
        if changes:
            new = {change.item.key: change.after for change in changes}
            self._store.save_backorder_rules(new, by=actor, at=self._clock.now())

    def export_cells(self) -> dict[StockKey, list[object]]:
        """Each item's rule as the stock file's ``RULE_COLUMNS`` (blank: unlimited, no date, default)."""
        return {
            key: [
                "" if rule.limit is None else rule.limit,
                rule.incoming,
                "" if rule.expected is None else rule.expected.isoformat(),
                rule.message,
            ]
            for key, rule in self._store.backorder_rules().items()
        }

    def plan_import(self, cells: Mapping[str, Mapping[str, str]], items: Sequence[StockItem]) -> RuleImport:
        """What a stock file's rule cells (by SKU) would change; a row with a bad cell is a problem
        and changes no rule (its other cells are checked and applied as before)."""
        plan = RuleImport()
        by_sku = {item.sku.casefold(): item for item in items}
        wanted = [(sku, by_sku[sku.casefold()]) for sku in cells if sku.casefold() in by_sku]
        rules = self._store.backorder_rules({item.key.product_id for _, item in wanted})
        today = self.today()
        for sku, item in wanted:
            before = rules.get(item.key, BackorderRule())
            try:
                after = edited(before, edit_from_cells(cells[sku]), today)
            except InvalidRule as exc:
                plan.problems.append(ItemProblem(f"SKU {sku}", exc.title, f"SKU {sku}: {exc.message}"))
                continue
            if after != before:
                plan.changes.append(RuleChange(item, before, after))
        return plan

    def _select(self, refs: Sequence[str], *, changing: bool = True) -> list[StockItem]:
        items = self._store.stock_items()
        by_sku: dict[str, list[StockItem]] = {}
        by_product: dict[int, list[StockItem]] = {}
        for item in items:
            by_sku.setdefault(item.sku.casefold(), []).append(item)
            by_product.setdefault(item.key.product_id, []).append(item)
        wanted = [ref.strip() for ref in refs if ref.strip()]
        found = self._store.find_product_ids([ref for ref in wanted if ref.casefold() not in by_sku])
        report = RulesReport()
        assigned: set[int] | None = None  # read only when a product has no stock items
        chosen: dict[StockKey, StockItem] = {}
        for ref in wanted:
            matches = by_sku.get(ref.casefold()) or by_product.get(found.get(ref, -1))
            if matches:
                chosen.update((item.key, item) for item in matches)
            elif ref in found:
                if assigned is None:
                    assigned = self._store.backorder_product_ids()
                (report.untracked if found[ref] in assigned else report.not_backorder).append(ref)
            else:
                report.unknown.append(ref)
        if report.unknown or report.not_backorder or report.untracked:
            raise RulesNotChanged(report, changing=changing)
        return list(chosen.values())
