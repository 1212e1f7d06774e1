"""tests/unit/storage/test_product_writes_store.py, every test of it, on a team PostgreSQL database."""

from __future__ import annotations

from tests.team.pg_rerun import on_postgres
from tests.unit.storage import test_product_writes_store as suite
from tests.unit.storage.test_product_writes_store import *  # noqa: F403 (the same tests, collected here too)

_on_postgres = on_postgres(suite)
