"""Fault switches: random rates and deterministic rules that make the demo store misbehave on purpose.

Runtime switches (``store.faults.error_500_rate = 0.2``) apply to every request with a seeded RNG,
so a run is reproducible. Rules (:class:`FaultRule`) hit chosen requests exactly: "the 3rd GET of
catalog/products gets a truncated body".
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from dataclasses import field
from typing import Literal
from typing import get_args
from urllib.parse import unquote

FaultKind = Literal[
    "malformed",
    "truncate",
    "500",
    "502",  # the gateway's upstream failed (notes §9: retry 500/502/504 with backoff)
    "503",
    "504",  # the gateway timed out
    "429_bare",  # a 429 WITHOUT rate headers: the platform is overloaded for this store (notes §7)
    "hang",
    "lose_reply",
    "401",
    "delete_while_paging",
]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)


@dataclass
class FaultRule:
    """Apply ``kind`` to matching requests: skip the first ``after`` matches, then hit ``count`` of them.

    A request matches when its path (with query, as sent or percent-decoded) contains ``path_contains``
    and, if ``method`` is
    given, its method is ``method``. ``count=None`` hits every match after the first ``after``.
    ``delete_while_paging`` only applies to product list requests (it deletes the first product of the
    result set just before the page is served).
    """

    kind: FaultKind
    path_contains: str = ""
    method: str | None = None
    after: int = 0
    count: int | None = 1
    seen: int = field(default=0, compare=False)
    fired: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; use one of {', '.join(FAULT_KINDS)}")
        if self.after < 0 or (self.count is not None and self.count < 0):
            raise ValueError("after and count must not be negative")

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method:
            return False
        return self.path_contains in path or self.path_contains in unquote(path)

    def take(self) -> bool:
        """Count one matching request; true when this one is hit."""
        self.seen += 1
        if self.seen <= self.after:
            return False
        if self.count is not None and self.fired >= self.count:
            return False
        self.fired += 1
        return True

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.fired >= self.count


class Faults:
    """The store's fault switches; every attribute can be changed while the store is serving."""

    def __init__(
        self,
        seed: int,
        *,
        latency_ms: int = 0,
        error_500_rate: float = 0.0,
        maintenance: bool = False,
        hang_rate: float = 0.0,
        malformed_rate: float = 0.0,
        truncate_rate: float = 0.0,
        lose_reply_rate: float = 0.0,
        delete_while_paging: bool = False,
    ) -> None:
        self.latency_ms = latency_ms
        self.error_500_rate = error_500_rate
        self.maintenance = maintenance
        self.hang_rate = hang_rate
        self.malformed_rate = malformed_rate
        self.truncate_rate = truncate_rate
        self.lose_reply_rate = lose_reply_rate
        self.delete_while_paging = delete_while_paging
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._rng = random.Random(seed * 7919 + 17)

    def add_rule(self, rule: FaultRule) -> FaultRule:
        """Add a deterministic rule (checked in the order added, before the random rates)."""
        with self._lock:
            self._rules.append(rule)
        return rule

    @property
    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def clear(self) -> None:
        """Remove every rule and switch every fault off (``latency_ms`` is kept)."""
        with self._lock:
            self._rules.clear()
            self.error_500_rate = 0.0
            self.maintenance = False
            self.hang_rate = 0.0
            self.malformed_rate = 0.0
            self.truncate_rate = 0.0
            self.lose_reply_rate = 0.0
            self.delete_while_paging = False

    def pick(self, method: str, path: str) -> str | None:
        """The fault for this request, if any (rules first, then maintenance, then the rates)."""
        with self._lock:
            for rule in self._rules:
                if rule.kind != "delete_while_paging" and rule.matches(method, path) and rule.take():
                    return rule.kind
            if self.maintenance:
                return "503"
            rates = (
                ("500", self.error_500_rate),
                ("hang", self.hang_rate),
                ("malformed", self.malformed_rate),
                ("truncate", self.truncate_rate),
                ("lose_reply", self.lose_reply_rate),
            )
            for kind, rate in rates:
                if rate > 0 and self._rng.random() < rate:
                    return kind
        return None

    def take_delete_while_paging(self, method: str, path: str, page: int) -> bool:
        """Whether to delete a product before serving this products page.

        The switch deletes one before every page after the first (so a client paging by offset
        skips a product); a ``delete_while_paging`` rule does it on the requests it hits.
        """
        with self._lock:
            for rule in self._rules:
                if rule.kind == "delete_while_paging" and rule.matches(method, path) and rule.take():
                    return True
            return self.delete_while_paging and page > 1
