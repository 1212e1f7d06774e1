"""Re-running a SQLite store test module on a team PostgreSQL database: the module's own
``open_mirror`` opens the test's database instead of a SQLite file (the same store class)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from backorder_desktop.adapters.storage import SqliteMirrorStore
from backorder_desktop.adapters.storage import open_team_mirror


def on_postgres(suite: ModuleType) -> Callable[..., None]:
    """An autouse fixture that rebinds ``suite.open_mirror`` for each test; assign it to a module name
    so pytest collects it there."""

    @pytest.fixture(autouse=True, name="_on_postgres")
    def _on_postgres(monkeypatch: pytest.MonkeyPatch, postgres_url: str) -> None:
        def open_team(_path: Path) -> SqliteMirrorStore:
            return open_team_mirror(postgres_url)

        monkeypatch.setattr(suite, "open_mirror", open_team)

    return _on_postgres
