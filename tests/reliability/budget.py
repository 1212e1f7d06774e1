"""How hard the reliability suite tries: CI counts by default, larger ones through the environment.

| variable | default (CI) | what it scales |
|---|---|---|
| ``BACKORDER_KILL_POINTS`` | 50 | SIGKILLs of the crash harness (``test_crash_harness.py``) |
| ``BACKORDER_RELIABILITY_SEED`` | 20261127 | the seed of the crash harness (printed by each test) |
| ``BACKORDER_MODEL_EXAMPLES`` | 40 | stories of the model-based test (``test_model.py``) |
| ``BACKORDER_MODEL_STEPS`` | 30 | steps per story (every model-based test) |
| ``BACKORDER_MODEL_ASYNC_EXAMPLES`` | 30 | stories of ``test_model_async.py`` |
| ``BACKORDER_MODEL_ORDERS_EXAMPLES`` | 50 | stories of ``test_model_orders.py`` |
| ``BACKORDER_FUZZ_EXAMPLES`` | 300 | inputs per fuzz target (``test_fuzz.py``) |
| ``BACKORDER_TEAM_KILL_POINTS`` | 10 | SIGKILLs of the crash harness on a team (PostgreSQL) profile |
| ``BACKORDER_TEAM_MODEL_EXAMPLES`` | 6 | stories of each model-based test on a team profile |
| ``BACKORDER_TEAM_CRASH_ORDERS`` | 120 | orders of ``test_crash_orders.py`` on a team profile (full: 500) |
| ``BACKORDER_HYPOTHESIS_RANDOM`` | unset | set to 1: new random examples each run (default: derandomized) |

e.g. ``BACKORDER_KILL_POINTS=500 BACKORDER_MODEL_EXAMPLES=200 make test PYTEST_ARGS=tests/reliability``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck
from hypothesis import settings


def _int(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    return int(text) if text else default


KILL_POINTS = _int("BACKORDER_KILL_POINTS", 50)
SEED = _int("BACKORDER_RELIABILITY_SEED", 20261127)
MODEL_EXAMPLES = _int("BACKORDER_MODEL_EXAMPLES", 40)
MODEL_STEPS = _int("BACKORDER_MODEL_STEPS", 30)
ASYNC_MODEL_EXAMPLES = _int("BACKORDER_MODEL_ASYNC_EXAMPLES", 30)
ORDERS_MODEL_EXAMPLES = _int("BACKORDER_MODEL_ORDERS_EXAMPLES", 50)
FUZZ_EXAMPLES = _int("BACKORDER_FUZZ_EXAMPLES", 300)
# A team profile's runs cost more (a server beside the app): a smaller default, the same knob style.
TEAM_KILL_POINTS = _int("BACKORDER_TEAM_KILL_POINTS", 10)
TEAM_MODEL_EXAMPLES = _int("BACKORDER_TEAM_MODEL_EXAMPLES", 6)
TEAM_CRASH_ORDERS = _int("BACKORDER_TEAM_CRASH_ORDERS", 120)
RANDOM = os.environ.get("BACKORDER_HYPOTHESIS_RANDOM", "") == "1"


def hypothesis_settings(examples: int, **extra: object) -> settings:
    """Reproducible by default (derandomized, no example database in the work tree)."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=not RANDOM,
        database=None,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.function_scoped_fixture,
            HealthCheck.data_too_large,
        ],
        **extra,  # type: ignore[arg-type]
    )
