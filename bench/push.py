"""Row 6: a push of 5,000 stock changes against the quota bound — not built yet (issue 4).

The push (the outbox pusher of ``services/stock.py``) is being built in issue 4. Until it is
finished, :func:`push_row` returns a "not built yet" row. :func:`measure_push` is where it plugs
in; the plan, so that the row means the same as row 3:

1. a demo store process (``StoreProcess(products=…, quota=150, window_s=30, latency_ms=150)``)
   and a profile with a full mirror of it (``bench.worker pull``);
2. in a ``bench.worker`` child: assign BackOrder to enough products, queue 5,000 stock changes
   (``context.stock`` edits), READY; the parent starts a fresh quota window; then time
   ``context.stock.push()`` and count its requests (``on_request``);
3. bound = requests needed (the reads of current levels + ⌈variant changes ÷ 50⌉ +
   ⌈product changes ÷ 2,000⌉) ÷ allowed requests per second, allowed = (1 − 0.2) × quota ÷ window;
   ratio = push time ÷ bound, target ≤ 1.15 like the pull.
"""

from __future__ import annotations

from bench.report import Row
from bench.report import skipped

PUSH_CHANGES = 5_000
NAME = f"Push of {PUSH_CHANGES:,} stock changes, quota 150/30 s"
REASON = (
    "Push: the push (outbox, issue 4) is being built; bench/push.py measure_push() is where it "
    "plugs in (plan in its docstring)."
)


def push_available() -> bool:
    """Whether the push can be measured: False until issue 4 is finished and wired in."""
    return False


def measure_push(*, seed: int, latency_ms: int) -> Row:
    """Time a push of ``PUSH_CHANGES`` stock changes under a quota (see the module docstring)."""
    raise NotImplementedError("the push (issue 4) is not built yet")


def push_row(*, seed: int, latency_ms: int) -> Row:
    if not push_available():
        return skipped("6", NAME, REASON)
    return measure_push(seed=seed, latency_ms=latency_ms)
