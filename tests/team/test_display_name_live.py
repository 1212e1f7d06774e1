"""A display name changed while the profile is open applies everywhere at once: the next stock edit,
the next push's tracking record and purchasing switch record the new name, and on a team the
other desktops say the new name as the leader's. Real parts: the demo store over HTTP, a SQLite
file, a PostgreSQL server (``tests/fixtures_postgres.py``), profiles opened by ``app.open_profile``.
"""

from __future__ import annotations

import getpass
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from typing import NamedTuple

import pytest

from backorder_desktop.adapters.secrets import MemorySecretStore
from backorder_desktop.adapters.team.leader import desktop_name
from backorder_desktop.app import open_profile
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.stock import Adjustment
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import AdjustmentSource
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.services.profile import Profile
from tests.integration.cli_runner import run_cli
from tests.integration.support import connect_context
from tests.team.team_cli import keyring_emptied  # noqa: F401 (autouse here)
from tests.team.team_cli import ok

ME = getpass.getuser()
WAIT_S = 20.0
LIMIT = 3
TOOK_OVER = "BackOrder took over"
DISABLED = "disabled in BigCommerce"


def _synced(profile: Profile, *, full: bool = False) -> None:
    run = profile.sync(trigger=RunTrigger.CLI, full=full)
    assert not run.problems, run.problems


def _sellable_by_product(store: DemoStore) -> list[dict[str, Any]]:
    """Products whose stock is tracked on the product and that the store still sells."""
    products = (store.catalog.get_product(pid) for pid in store.catalog.product_ids())
    return [p for p in products if p["inventory_tracking"] == "product" and p["availability"] != "disabled"]


def _by(history: list[Adjustment], source: AdjustmentSource, words: str) -> list[str]:
    return [a.actor for a in history if a.source is source and words in a.reason]


@pytest.fixture
def profiles() -> Iterator[list[Profile]]:
    opened: list[Profile] = []
    yield opened
    for profile in reversed(opened):
        profile.close()


def test_a_rename_while_open_names_the_next_edit_push_and_purchasing_switch(
    home: str, make_demo_store: Callable[..., DemoStore], profiles: list[Profile]
) -> None:
    store = make_demo_store()
    profile = connect_context(home, store)
    profiles.append(profile)
    profile.set_display_name("Ana")
    profile.save_settings({"backorder-method": "app"})
    _synced(profile, full=True)
    first, second = _sellable_by_product(store)[:2]
    profile.assign([str(first["id"])])
    _synced(profile)  # the push writes tracking off: the product writes and purchasing are built
    assert _by(profile.stock_history(first["id"]), AdjustmentSource.TRACKING, TOOK_OVER) == [f"Ana ({ME})"]

    assert profile.set_display_name("Bea") == f"Bea ({ME})"
    profile.assign([str(second["id"])])
    profile.set_backorder_rules([second["sku"]], limit=LIMIT)
    profile.edit_stock(StockKey(second["id"], None), AdjustmentKind.SET, -LIMIT, reason="sold out")
    _synced(profile)  # tracking off, then purchasing off at the limit

    assert store.catalog.get_product(second["id"])["availability"] == "disabled"
    history = profile.stock_history(second["id"])
    bea = [f"Bea ({ME})"]
    assert _by(history, AdjustmentSource.TRACKING, TOOK_OVER) == bea
    assert _by(history, AdjustmentSource.PERSON, "sold out") == bea
    assert _by(history, AdjustmentSource.TRACKING, DISABLED) == bea


def _team_desktop(home: Path, store: DemoStore) -> Profile:
    """This desktop's profile as the window opens it: on the team database, campaigning."""
    return open_profile(home, env_token=store.token, secret_store=MemorySecretStore())


def _wait_leader(profile: Profile, wanted: str) -> str:
    """The leader ``profile``'s team status names once it names ``wanted`` (each change of
    leader reaches its hub as ``team_changed``), or the last one it named after ``WAIT_S``."""
    told = threading.Event()
    stop = profile.subscribe("team_changed", lambda _kinds: told.set())
    try:
        deadline = time.monotonic() + WAIT_S
        while (leader := profile.team_status().leader) != wanted and told.wait(deadline - time.monotonic()):
            told.clear()
        return leader
    finally:
        stop()


class Team(NamedTuple):
    ana: Profile  # the office's desktop, leading
    sam: Profile  # the warehouse's
    office: Path  # Ana's profile folder
    product: dict[str, Any]  # a BackOrder product, its stock on the product


@pytest.fixture
def team_of_two(
    tmp_path: Path, make_demo_store: Callable[..., DemoStore], postgres_url: str, profiles: list[Profile]
) -> Team:
    """Ana's desktop and Sam's on one team database, as the window opens them; Ana's leads."""
    store = make_demo_store()
    office, warehouse = tmp_path / "office", tmp_path / "warehouse"
    founder = connect_context(office, store)
    founder.set_display_name("Ana")
    _synced(founder, full=True)
    product = _sellable_by_product(store)[0]
    founder.assign([str(product["id"])])
    founder.team_create(postgres_url)
    founder.close()
    joiner = connect_context(warehouse, store)
    joiner.set_display_name("Sam")
    joiner.team_join(postgres_url)
    joiner.close()

    ana = _team_desktop(office, store)
    profiles.append(ana)
    assert ana.team_status().leader == f"{desktop_name('Ana')} (this desktop)"  # the first to campaign
    sam = _team_desktop(warehouse, store)
    profiles.append(sam)
    assert _wait_leader(sam, desktop_name("Ana")) == desktop_name("Ana")
    return Team(ana=ana, sam=sam, office=office, product=product)


def test_the_leader_renamed_in_its_window_is_named_so_on_the_other_desktops(team_of_two: Team) -> None:
    ana, sam = team_of_two.ana, team_of_two.sam

    assert ana.set_display_name("Bea") == f"Bea ({ME})"

    bea = desktop_name("Bea")
    assert _wait_leader(ana, f"{bea} (this desktop)") == f"{bea} (this desktop)"
    assert _wait_leader(sam, bea) == bea
    assert ana.team_status().me == f"Bea ({ME})"


def test_a_rename_by_the_command_line_reaches_the_open_window_and_the_other_desktops(
    team_of_two: Team, secret_service: dict[str, str]
) -> None:
    ana, sam, product = team_of_two.ana, team_of_two.sam, team_of_two.product

    ok(run_cli(str(team_of_two.office), "settings", "set", "display-name", "Cy", env=secret_service))

    assert _wait_leader(sam, desktop_name("Cy")) == desktop_name("Cy")
    edit = ana.edit_stock(StockKey(product["id"], None), AdjustmentKind.ADD, 2, reason="found")
    assert edit.adjustment.actor == f"Cy ({ME})"
