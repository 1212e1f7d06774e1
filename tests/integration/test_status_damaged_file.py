"""``status`` skips the integrity check of a file unchanged since its last clean check, yet still
refuses a database damaged after that check, with the message that says what to do."""

from __future__ import annotations

from pathlib import Path

from backorder_desktop.adapters.storage import open_mirror
from backorder_desktop.adapters.storage.db import CHECKED_SUFFIX
from tests.adapters.storage.conftest import make_product
from tests.adapters.storage.test_open_check import damage_a_middle_page
from tests.integration.cli_runner import run_cli


def test_status_refuses_a_database_damaged_after_a_clean_check(home: str) -> None:
    database = Path(home) / "data" / "backorder.db"
    store = open_mirror(database)
    store.apply_products(
        [make_product(i, variants=5) for i in range(1, 400)], pass_id=None, keep_backorder_stock=False
    )
    store.close()
    first = run_cli(home, "status", "--json")
    assert first.code == 0, first.stderr
    assert first.json()["products"] == 399
    assert Path(f"{database}{CHECKED_SUFFIX}").exists()
    assert run_cli(home, "status", "--json").code == 0

    damage_a_middle_page(database)
    refused = run_cli(home, "status", "--json")
    assert refused.code != 0
    assert "cannot be read (integrity check" in refused.stderr
    assert "rebuild" in refused.stderr.lower()
