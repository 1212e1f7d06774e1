"""The facade's part for selling on backorder: orders owed, notifications, the backorder method
and the backorder rules. ``Profile`` inherits it; the window and the command line see one facade.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from backorder_desktop.domain.backorder_rules import KEEP
from backorder_desktop.domain.backorder_rules import RULE_COLUMNS
from backorder_desktop.domain.backorder_rules import BackorderRule
from backorder_desktop.domain.backorder_rules import InvalidRule
from backorder_desktop.domain.backorder_rules import RuleEdit
from backorder_desktop.domain.backorder_rules import edited
from backorder_desktop.domain.errors import BugError
from backorder_desktop.domain.product_writes import BACKORDER_METHOD
from backorder_desktop.domain.settings import with_setting
from backorder_desktop.domain.stock import OutboxChoice

if TYPE_CHECKING:  # the services are imported by the parts that build them, when first used
    from collections.abc import Collection
    from collections.abc import Sequence

    from backorder_desktop.domain.notifications import Notification
    from backorder_desktop.domain.orders import OrderCount
    from backorder_desktop.domain.orders import OwedOrder
    from backorder_desktop.domain.product_writes import BackorderMethod
    from backorder_desktop.domain.product_writes import MethodSwitch
    from backorder_desktop.domain.product_writes import StoreCount
    from backorder_desktop.domain.stock import StockKey
    from backorder_desktop.services.backorder_rules import BackorderRuleService
    from backorder_desktop.services.backorder_rules import RulesReport
    from backorder_desktop.services.backorder_rules import RuleView
    from backorder_desktop.services.product_writes import ProductWritePusher
    from backorder_desktop.services.profile_parts import ProfileParts


class SellingOnBackorder:
    """Orders, notifications, the backorder method and rules: methods of ``Profile``."""

    parts: ProfileParts

    # --- orders ---------------------------------------------------------------------------------

    def owed_orders(self, limit: int = 200) -> list[OwedOrder]:
        """Orders that wait for stock of BackOrder products, oldest first (the allocation worklist
        when stock arrives): each with its counted lines (stock item, SKU, units)."""
        if self.parts.orders is None:
            return []
        return self.parts.orders.owed_orders(limit)

    def pull_orders(self) -> OrderCount:
        """Count the orders changed since the last read into the ledger now (a sync does this after
        its product pull). ``ApiError``s say what went wrong; what was counted stays counted."""
        if self.parts.orders is None:
            from backorder_desktop.domain.orders import OrderCount

            return OrderCount()
        return self.parts.orders.ingest()

    # --- notifications --------------------------------------------------------------------------

    def notifications(self, *, unread_only: bool = False, limit: int = 200) -> list[Notification]:
        """What the merchant was told (limits reached, purchasing switched, dates passed, orders
        arrived, syncs failed), newest first; each occurrence once, whichever process noticed it."""
        if self.parts.notifications is None:
            return []
        return self.parts.notifications.notifications(unread_only=unread_only, limit=limit)

    def mark_notifications_read(self, ids: Collection[int] | None = None) -> int:
        """Mark these notifications (every unread one when None) read; returns how many were unread."""
        if self.parts.notifications is None:
            return 0
        return self.parts.notifications.mark_read(ids)

    def notifications_to_show(self) -> list[Notification]:
        """The unread notifications the window has not shown yet, oldest first; from now on they
        count as shown (each pops up once, across restarts), and stay unread until read."""
        if self.parts.notifications is None:
            return []
        return self.parts.notifications.take_unshown()

    # --- the backorder method ----------------------------------------------------------------

    def preview_backorder_method(self, method: str) -> MethodSwitch:
        """What switching the backorder method to ``method`` would change, and what waits first."""
        return self._product_writes().preview_switch(self._method(method))

    def switch_backorder_method(self, method: str, *, outbox: OutboxChoice | None = None) -> MethodSwitch:
        """Switch the backorder method, migrating the BackOrder products through the product writes
        (written by the next push). With writes waiting, ``outbox`` says to write the stock changes
        and product writes first, or to discard the stock changes; otherwise ``MethodSwitchBlocked``."""
        target = self._method(method)
        pusher = self._product_writes()
        if pusher.preview_switch(target).blocked and outbox is not None:
            if outbox == OutboxChoice.PUSH:
                self.parts.stock.push()
            else:
                reason = f"discarded when switching the backorder method to {target.value}"
                self.parts.stock.discard(actor=self.parts.actor, reason=reason)
        return pusher.switch(target)

    def store_backorder_counts(self) -> dict[StockKey, StoreCount]:
        """With the method native: what BigCommerce counts per BackOrder item (units backordered,
        available to sell, the limit written), as the last sync read it."""
        return self._product_writes().counts()

    def _method(self, text: str) -> BackorderMethod:
        return with_setting(self.parts.catalog.settings(), BACKORDER_METHOD, text).backorder_method

    def _product_writes(self) -> ProductWritePusher:
        if self.parts.product_writes is None:
            raise BugError("this profile was opened without its product writes")
        return self.parts.product_writes

    # --- backorder rules ----------------------------------------------------------------------

    def backorder_rules(self, refs: Sequence[str] = ()) -> list[RuleView]:
        """BackOrder items (of these SKUs or product ids; all when empty) with their limit, incoming
        units, expected date and shopper message as shoppers read it, what they may still sell, and
        their state today (ok, near limit, at limit, date passed)."""
        return self._rules().views(refs)

    def set_backorder_rules(
        self,
        refs: Sequence[str],
        *,
        limit: object = KEEP,
        incoming: object = KEEP,
        expected: object = KEEP,
        message: object = KEEP,
        clear: Collection[str] = (),
    ) -> RulesReport:
        """Change the rules of a selection (SKUs or product ids: a product with stock per variant
        applies to each variant, a variant SKU to that variant). ``limit`` (units below zero,
        ``int``), ``incoming`` (``int``), ``expected`` (a ``date``) and ``message`` (a template with
        {date} and {incoming}) are set where given; ``clear`` names fields to clear ("limit": no
        limit, "incoming", "expected", "message": the default). ``InvalidRule`` (a
        ``RulesNotChanged`` with the counts for unknown SKUs or products not in BackOrder) says
        why nothing was changed: the selection is changed whole or not at all."""
        values = {"limit": limit, "incoming": incoming, "expected": expected, "message": message}
        cleared = {"limit": None, "incoming": 0, "expected": None, "message": ""}
        for name in clear:
            if name not in cleared:
                raise InvalidRule(f"Only {', '.join(RULE_COLUMNS)} can be cleared, not '{name}'.")
            if values[name] is not KEEP:
                raise InvalidRule(f"Give a {name} or clear it, not both.")
            values[name] = cleared[name]
        edit = RuleEdit(**values)  # type: ignore[arg-type]
        report = self._rules().set_rules(refs, edit, actor=self.parts.actor)
        # Queued now, offline too: the next push writes what the changed rules ask of the store.
        self.parts.stock.follow_rules()
        self._product_writes().follow_rules()
        return report

    def backorder_rule_problems(
        self,
        *,
        limit: object = KEEP,
        incoming: object = KEEP,
        expected: object = KEEP,
        message: object = KEEP,
    ) -> dict[str, str]:
        """What is wrong with each given field of a rule edit, by its name ("limit", "incoming",
        "expected", "message"; empty when each can be set): for a form to show beside its fields
        before ``set_backorder_rules`` (clearing a field is always allowed)."""
        values = {"limit": limit, "incoming": incoming, "expected": expected, "message": message}
        today = self._rules().today()
        problems: dict[str, str] = {}
        for name, value in values.items():
            if value is KEEP:
                continue
            try:
                edited(BackorderRule(), RuleEdit(**{name: value}), today)  # type: ignore[arg-type]
            except InvalidRule as exc:
                problems[name] = exc.message
        return problems

    def _rules(self) -> BackorderRuleService:
        if self.parts.backorder_rules is None:
            raise BugError("this profile was opened without its backorder rules")
        return self.parts.backorder_rules
