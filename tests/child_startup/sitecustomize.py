"""Every Python child of a test run waits the suite's short time between retries.

``tests/conftest.py`` puts this folder on ``PYTHONPATH`` and sets ``TEST_SHORT_RETRY_WAITS=1`` for
the processes the tests start: the real command (``run_cli``), the window's sync child, the crash
harnesses' children. In-process tests pass ``FAST_RETRY`` (``tests/integration/support.py``); a
child cannot be handed it, and the strict demo store answers the largest product page with 504s,
so each of those children slept 3.5 s of real backoff before it fell back to smaller pages. Here
only the waits change, to ``FAST_RETRY``'s: the attempts, and so the requests, stay the
command's own. The test process itself is left alone (its variable is set after it started), so
the backoff's own tests still see the real schedule.

The transport is patched when something imports it, so a child that never talks to a store does
not pay for importing it.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
from collections.abc import Sequence
from types import ModuleType

ENV = "TEST_SHORT_RETRY_WAITS"
TRANSPORT = "backorder_desktop.adapters.bigcommerce.transport"
INITIAL_DELAY_S, MAX_DELAY_S = 0.01, 0.05  # FAST_RETRY's


def _shorten(transport: ModuleType) -> None:
    policy = transport.RetryPolicy
    real_delay = policy.delay
    short = policy(initial_delay_s=INITIAL_DELAY_S, max_delay_s=MAX_DELAY_S, jitter=0.0)
    policy.delay = lambda _self, retry_number: real_delay(short, retry_number)


class _WhenImported(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != TRANSPORT:
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        execute = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            execute(module)
            _shorten(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


if os.environ.get(ENV) == "1":
    sys.meta_path.insert(0, _WhenImported())
