"""tests/unit/storage/test_tracking_handover_store.py, every test of it, on a team PostgreSQL database."""

from __future__ import annotations

from tests.team.pg_rerun import on_postgres
from tests.unit.storage import test_tracking_handover_store as suite
from tests.unit.storage.test_tracking_handover_store import *  # noqa: F403 (the same tests, collected here too)

_on_postgres = on_postgres(suite)
