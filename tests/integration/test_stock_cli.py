"""Through the CLI: stock edits made with the store unreachable survive restarts and are written
when it is back; a mode switch with waiting changes needs a choice."""

from __future__ import annotations

from collections.abc import Callable

from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.services.profile import Profile
from tests.integration.cli_runner import run_cli
from tests.integration.support import tracked_by_product

MakeStore = Callable[..., DemoStore]
MakeContext = Callable[..., Profile]


def test_offline_edits_are_written_when_the_store_is_back(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store = make_demo_store(seed=5)
    context = make_context(store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    context.close()
    env = {"BACKORDER_DESKTOP_TOKEN": store.token}
    product = next(
        p
        for p in (store.catalog.get_product(pid) for pid in store.catalog.product_ids())
        if p["inventory_tracking"] == "variant" and len(p["variants"]) >= 3
    )
    # The store keeps counting: its level is what the offline edits are written to.
    assert run_cli(home, "settings", "set", "backorder-method", "native", env=env).code == 0
    assert run_cli(home, "assign", str(product["id"]), env=env).code == 0
    port = store.port
    store.stop()  # the train: no network

    targets = {v["sku"]: v["inventory_level"] + 10 + i for i, v in enumerate(product["variants"][:3])}
    for sku, level in targets.items():  # each command is a fresh start of the app
        edited = run_cli(home, "stock", "set", sku, str(level), "--reason", "counted a delivery", env=env)
        assert edited.code == 0, edited.stderr
    offline = run_cli(home, "sync", env=env)
    assert offline.code == 1
    assert offline.stderr.strip().splitlines()[-1].startswith("Offline:")
    status = run_cli(home, "status", "--json", env=env).json()
    assert status["outbox"] == 3

    back = make_demo_store(seed=5, port=port)  # the same store, reachable again
    back.catalog.update_product(product["id"], name="Renamed while away")
    synced = run_cli(home, "sync", env=env)

    assert synced.code == 0, synced.stderr
    levels = {v["sku"]: v["inventory_level"] for v in back.catalog.get_product(product["id"])["variants"]}
    assert {sku: levels[sku] for sku in targets} == targets
    assert run_cli(home, "status", "--json", env=env).json()["outbox"] == 0
    listed = run_cli(home, "products", "--backorder", "--json", env=env).json()
    assert listed[0]["name"] == "Renamed while away"
    assert {v["sku"]: v["inventory_level"] for v in listed[0]["variants"] if v["sku"] in targets} == targets
    history = run_cli(home, "stock", "history", str(product["id"]), "--json", env=env).json()
    assert [entry["reason"] for entry in history[:3]] == ["counted a delivery"] * 3


def _synced_with_a_product(
    make_demo_store: MakeStore, make_context: MakeContext
) -> tuple[DemoStore, dict[str, str], dict]:  # type: ignore[type-arg]
    """A demo store whose catalog the profile holds, the CLI's environment, and a product of it
    tracked at product level."""
    store = make_demo_store()
    context = make_context(store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    context.close()
    return store, {"BACKORDER_DESKTOP_TOKEN": store.token}, tracked_by_product(store)


def test_a_mode_switch_with_waiting_changes_needs_a_choice(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store, env, product = _synced_with_a_product(make_demo_store, make_context)
    # The store keeps counting: the pushed change lands in its level.
    assert run_cli(home, "settings", "set", "backorder-method", "native", env=env).code == 0
    assert run_cli(home, "assign", product["sku"], env=env).code == 0
    assert run_cli(home, "stock", "add", product["sku"], "4", env=env).code == 0

    refused = run_cli(home, "settings", "set", "inventory-source", "erp", env=env)
    assert refused.code == 1
    assert "1 stock change is waiting" in refused.stderr
    assert "--push-outbox" in refused.stderr and "--discard-outbox" in refused.stderr

    pushed = run_cli(home, "settings", "set", "inventory-source", "erp", "--push-outbox", env=env)
    assert pushed.code == 0, pushed.stderr
    assert store.catalog.get_product(product["id"])["inventory_level"] == product["inventory_level"] + 4
    assert run_cli(home, "status", "--json", env=env).json()["inventory_source"] == "erp"


def test_export_then_import_shows_a_diff_and_applies_only_with_apply(
    home: str, tmp_path: object, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    from pathlib import Path

    store = make_demo_store()
    context = make_context(store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    context.close()
    env = {"BACKORDER_DESKTOP_TOKEN": store.token}
    # The store keeps counting: the outbox holds the imported change alone, no tracking writes.
    assert run_cli(home, "settings", "set", "backorder-method", "native", env=env).code == 0
    assigned = run_cli(home, "assign", "--search", "Boot", env=env)
    assert assigned.code == 0, assigned.stderr
    exported = run_cli(home, "export", env=env)
    lines = exported.stdout.strip().splitlines()
    # the stock columns, then the backorder rule columns (the same file sets limits and dates)
    assert lines[0].split(",") == [
        *("sku", "quantity", "product_id", "variant_id", "store_quantity", "waiting"),
        *("limit", "incoming", "expected", "message"),
    ]
    assert len(lines) > 2
    first_sku = lines[1].split(",")[0]
    edited = Path(str(tmp_path)) / "stock.csv"
    edited.write_text(f"sku,quantity\n{first_sku},4242\nNO-SUCH-SKU,1\n", encoding="utf-8")

    dry = run_cli(home, "import", str(edited), env=env)
    assert dry.code == 0, dry.stderr
    assert f"{first_sku}: " in dry.stdout and "→ 4,242" in dry.stdout
    assert "Unknown SKUs (1 SKU skipped): NO-SUCH-SKU" in dry.stderr
    assert "run again with --apply" in dry.stdout
    assert run_cli(home, "status", "--json", env=env).json()["outbox"] == 0

    applied = run_cli(home, "import", str(edited), "--apply", env=env)
    assert applied.code == 0, applied.stderr
    assert run_cli(home, "status", "--json", env=env).json()["outbox"] == 1
    again = run_cli(home, "export", env=env).stdout
    assert f"{first_sku},4242," in again


def test_an_edit_of_a_product_not_on_backorder_says_how_to_assign_it_in_cli_words(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    _store, env, product = _synced_with_a_product(make_demo_store, make_context)
    refused = run_cli(home, "stock", "set", product["sku"], "5", env=env)
    assert refused.code == 1
    assert f"'{product['sku']}' is not a BackOrder product" in refused.stderr
    assert "Run `backorder-desktop assign SKU`." in refused.stderr  # the CLI's words for the remedy
