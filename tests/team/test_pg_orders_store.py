"""tests/unit/storage/test_orders_store.py, every test of it, on a team PostgreSQL database:
the module's own ``open_mirror`` opens the test's database instead of a SQLite file (the same
store class)."""

from __future__ import annotations

from pathlib import Path

import pytest

from backorder_desktop.adapters.storage import SqliteMirrorStore
from backorder_desktop.adapters.storage import open_team_mirror
from tests.unit.storage import test_orders_store as suite
from tests.unit.storage.test_orders_store import *  # noqa: F403 (the same tests, collected here too)


@pytest.fixture(autouse=True)
def _on_postgres(monkeypatch: pytest.MonkeyPatch, postgres_url: str) -> None:
    def open_team(_path: Path) -> SqliteMirrorStore:
        return open_team_mirror(postgres_url)

    monkeypatch.setattr(suite, "open_mirror", open_team)
