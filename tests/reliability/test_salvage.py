"""User data outlives the mirror (issue 8, item 3): a damaged database is rebuilt from BigCommerce
by ``backorder-desktop rebuild`` and keeps assignments, the ledger, waiting changes and settings.

Damage is done to the real file the way disks and crashes do it: pages in the middle overwritten,
the file cut short, the header overwritten. Each time the app refuses the file with a message
that names the ``rebuild`` command, and the command (run as a merchant would, in a subprocess)
brings everything back: what the damaged file still held, or the side copy ``userdata.sqlite3``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from backorder_desktop.adapters.storage.mirror_store import open_mirror
from backorder_desktop.adapters.storage.salvage import SIDE_FILE
from backorder_desktop.adapters.storage.salvage import salvage
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.errors import DatabaseCorrupt
from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.settings import with_setting
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.services.profile import Profile
from tests.integration.cli_runner import run_cli
from tests.integration.support import integrity_ok
from tests.integration.support import mirror_snapshot
from tests.integration.support import store_snapshot
from tests.reliability.crash_world import derived_masked

MakeStore = Callable[..., DemoStore]
MakeContext = Callable[..., Profile]
PAGE = 4096


def _user_state(context: Profile) -> dict[str, Any]:
    items = context.parts.mirror.stock_items()
    history = context.parts.stock.history
    return {
        "assigned": context.parts.mirror.backorder_product_ids(),
        "settings": context.parts.mirror.load_settings(),
        "ledger": {
            pid: [(a.id, a.key, a.kind, a.quantity, a.level_after, a.reason) for a in history(pid)]
            for pid in {item.key.product_id for item in items}
        },
        "items": {item.key: item.level for item in items},
        "runs": len(context.parts.mirror.runs(limit=1000)),
    }


def _profile(home: str, store: DemoStore, make_context: MakeContext) -> tuple[dict[str, Any], dict[Any, int]]:
    """A profile with BackOrder products, pushed and waiting edits, a changed setting, history."""
    context = make_context(store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    catalog = store.catalog
    tracking = {p: catalog.get_product(p)["inventory_tracking"] for p in catalog.product_ids()}
    variant_tracked = [p for p, how in tracking.items() if how == "variant"][:3]
    # The store keeps counting (method native): the rebuilt mirror is checked against its levels.
    context.save_settings({"backorder-method": "native"})
    context.parts.catalog.assign([str(pid) for pid in variant_tracked], by="dana")
    items = context.parts.mirror.stock_items()
    context.parts.stock.edit(items[0].key, AdjustmentKind.ADD, 5, actor="dana", reason="pushed")
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli")  # written to the store
    waiting = {items[1].key: items[1].level + 11, items[2].key: 3}
    for key, level in waiting.items():
        context.parts.stock.edit(key, AdjustmentKind.SET, level, actor="dana", reason="waiting")
    mirror = context.parts.mirror
    mirror.save_settings(with_setting(mirror.load_settings(), "polling-interval", "7"))
    assert context.parts.stock.outbox_count() == 2
    state = _user_state(context)
    context.close()  # the side copy is up to date after close
    return state, waiting


def _same_catalog(context: Profile, store: DemoStore, backorder: set[int]) -> bool:
    mirrored = derived_masked(mirror_snapshot(context), backorder)
    return mirrored == derived_masked(store_snapshot(store), backorder)


def _overwrite_middle(database: Path) -> None:
    data = bytearray(database.read_bytes())
    pages = len(data) // PAGE
    rng = random.Random(8)
    for page in rng.sample(range(2, pages - 1), k=max(3, pages // 4)):
        data[page * PAGE : (page + 1) * PAGE] = rng.randbytes(PAGE)
    database.write_bytes(bytes(data))


def _truncate(database: Path) -> None:
    data = database.read_bytes()
    database.write_bytes(data[: len(data) // 3])


def _header(database: Path) -> None:
    data = bytearray(database.read_bytes())
    data[:100] = b"\x00" * 100
    database.write_bytes(bytes(data))


@pytest.mark.slow
@pytest.mark.parametrize(
    "damage", [_overwrite_middle, _truncate, _header], ids=["pages", "truncated", "header"]
)
def test_rebuild_keeps_the_users_data_of_a_damaged_database(
    damage: Callable[[Path], None], home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store = make_demo_store(products=900, seed=4)
    before, waiting = _profile(home, store, make_context)
    database = Path(home) / "data" / "backorder.db"
    assert (database.parent / SIDE_FILE).is_file()
    damage(database)

    with pytest.raises(DatabaseCorrupt) as refused:
        open_mirror(database)
    assert refused.value.remedy is Remedy.REBUILD
    status = run_cli(home, "status", env={"BACKORDER_DESKTOP_TOKEN": store.token})
    assert status.code == 1 and "backorder-desktop rebuild" in status.stderr

    rebuilt = run_cli(home, "rebuild", env={"BACKORDER_DESKTOP_TOKEN": store.token})

    assert rebuilt.code == 0, rebuilt.stderr
    assert "Kept" in rebuilt.stdout and "Full sync ok" in rebuilt.stdout
    assert integrity_ok(database)
    assert list((database.parent / "backups").glob("damaged-*backorder.db"))  # kept for support
    context = make_context(store)
    after = _user_state(context)
    assert after["assigned"] == before["assigned"]
    assert after["settings"] == before["settings"]
    assert after["runs"] > before["runs"]  # the history is kept, and the rebuild's run added
    for pid, entries in before["ledger"].items():
        assert after["ledger"][pid][-len(entries) :] == entries  # every entry kept, in order
    for key, level in waiting.items():  # the waiting changes were kept and written by the rebuild
        level_in_store = store.catalog.get_variant(key.variant_id)["inventory_level"]  # type: ignore[arg-type]
        assert level_in_store == level == after["items"][key]
    assert context.parts.stock.outbox_count() == 0
    assert _same_catalog(context, store, after["assigned"])


def test_salvage_without_a_side_copy_keeps_what_the_file_still_holds(
    home: str, make_demo_store: MakeStore, make_context: MakeContext, tmp_path: Path
) -> None:
    store = make_demo_store(products=300, seed=4)
    before, _ = _profile(home, store, make_context)
    database = Path(home) / "data" / "backorder.db"
    (database.parent / SIDE_FILE).unlink()
    _overwrite_middle(database)

    report = salvage(database, tmp_path / "fresh.db")

    assert report.source in ("database", "partial")
    fresh = open_mirror(tmp_path / "fresh.db")
    try:
        assert fresh.product_count() == 0  # the mirror is fetched again, never copied
        kept = fresh.backorder_product_ids()
        assert kept <= before["assigned"]
        assert report.source == "partial" or kept == before["assigned"]
    finally:
        fresh.close()


def test_a_sound_database_is_rebuilt_with_its_user_data(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store = make_demo_store(products=300, seed=4)
    before, _ = _profile(home, store, make_context)
    rebuilt = run_cli(home, "rebuild", env={"BACKORDER_DESKTOP_TOKEN": store.token})
    assert rebuilt.code == 0, rebuilt.stderr
    assert "was sound" in rebuilt.stdout
    context = make_context(store)
    backorder = _user_state(context)["assigned"]
    assert backorder == before["assigned"]
    assert _same_catalog(context, store, backorder)
