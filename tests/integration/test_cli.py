"""The command line end to end: connect with the real keyring, sync, status, listings, settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from backorder_desktop.demo.server import DemoStore
from tests.integration.cli_runner import connect_cli as _connect
from tests.integration.cli_runner import run_cli

pytestmark = pytest.mark.keyring


def test_connect_sync_status_history(
    home: str, demo_store: DemoStore, secret_service: dict[str, str]
) -> None:
    connected = _connect(home, demo_store, secret_service)
    assert connected.code == 0, connected.stderr
    assert "Connected to" in connected.stdout
    assert "Catalog: read and write. Inventory: read and write." in connected.stdout

    synced = run_cli(home, "sync", env=secret_service)
    assert synced.code == 0, synced.stderr
    assert "Full sync ok: 200 products seen, 200 new" in synced.stdout
    assert "page 1 of 1" in synced.stderr  # progress goes to stderr

    status = run_cli(home, "status", "--json", env=secret_service).json()
    for key in (
        "store_hash",
        "api_url",
        "inventory_source",
        "products",
        "variants",
        "backorder_products",
        "outbox",
        "last_manual_sync",
        "last_automatic_sync",
        "next_scheduled_run",
        "keyring_backend",
    ):
        assert key in status
    assert status["store_hash"] == "demo"
    assert status["products"] == 200
    assert status["variants"] == demo_store.catalog.variant_count()
    assert status["last_manual_sync"] is not None and "+00:00" in status["last_manual_sync"]
    assert status["last_automatic_sync"] is None
    assert status["keyring_backend"].startswith("SecretService Keyring (last used ")  # seen at connect

    history = run_cli(home, "history", "--json", env=secret_service).json()
    assert [run["kind"] for run in history] == ["manual"]
    assert history[0]["counts"]["created"] == 200


def test_a_wrong_token_is_refused_and_nothing_is_stored(
    home: str, demo_store: DemoStore, secret_service: dict[str, str]
) -> None:
    result = _connect(home, demo_store, secret_service, token="not-the-token")

    assert result.code == 1
    assert result.stderr.startswith("BigCommerce refused the token:")
    assert "not-the-token" not in result.stderr + result.stdout
    status = run_cli(home, "status", "--json", env=secret_service).json()
    assert status["store_hash"] is None


def test_a_read_only_token_says_what_is_missing(
    home: str, make_demo_store: object, secret_service: dict[str, str]
) -> None:
    store = make_demo_store(read_only_tokens=("ro-token-123",))  # type: ignore[operator]
    result = _connect(home, store, secret_service, token="ro-token-123")

    assert result.code == 0, result.stderr
    assert "Catalog: read only. Inventory: read only." in result.stdout
    assert "Missing: modify products, modify inventory" in result.stdout


def test_without_a_keyring_connect_explains_what_to_do(
    home: str, demo_store: DemoStore, no_keyring_backend: dict[str, str]
) -> None:
    result = _connect(home, demo_store, no_keyring_backend)

    assert result.code == 1
    assert result.stderr.startswith("No keyring available:")
    assert "gnome-keyring" in result.stderr or "Secret Service" in result.stderr
    assert demo_store.token not in result.stderr


def test_env_token_works_for_one_run_and_is_never_stored(
    home: str, demo_store: DemoStore, secret_service: dict[str, str]
) -> None:
    assert _connect(home, demo_store, secret_service).code == 0
    env = dict(secret_service, BACKORDER_DESKTOP_TOKEN=demo_store.token)

    result = run_cli(home, "--debug", "sync", "--full", env=env)

    assert result.code == 0, result.stderr
    _assert_token_nowhere(Path(home), demo_store.token)


def test_products_assign_and_settings(
    home: str, demo_store: DemoStore, secret_service: dict[str, str]
) -> None:
    assert _connect(home, demo_store, secret_service).code == 0
    assert run_cli(home, "sync", env=secret_service).code == 0
    first = demo_store.catalog.get_product(demo_store.catalog.product_ids()[0])

    assigned = run_cli(home, "assign", first["sku"], str(first["id"] + 1), "NO-SUCH-SKU", env=secret_service)
    assert assigned.code == 0, assigned.stderr
    assert "2 of 2 products assigned to backorder." in assigned.stdout
    assert "Not found (skipped): NO-SUCH-SKU" in assigned.stderr

    listed = run_cli(home, "products", "--backorder", "--json", env=secret_service).json()
    assert sorted(p["id"] for p in listed) == [first["id"], first["id"] + 1]
    assert all(p["backorder"] for p in listed)
    assert listed[0]["variants"] and "inventory_level" in listed[0]["variants"][0]

    searched = run_cli(home, "products", "--search", first["sku"], "--json", env=secret_service).json()
    assert first["id"] in [p["id"] for p in searched]

    assert run_cli(home, "unassign", first["sku"], env=secret_service).code == 0
    status = run_cli(home, "status", "--json", env=secret_service).json()
    assert status["backorder_products"] == 1

    bad = run_cli(home, "settings", "set", "daily-sync-time", "25:61", env=secret_service)
    assert bad.code == 1
    assert "HH:MM" in bad.stderr
    good = run_cli(home, "settings", "set", "daily-sync-time", "02:30", env=secret_service)
    assert good.code == 0
    shown = run_cli(home, "settings", "show", "--json", env=secret_service).json()
    assert shown["daily-sync-time"] == "02:30"


def test_commands_without_a_store_say_how_to_connect(home: str, secret_service: dict[str, str]) -> None:
    result = run_cli(home, "sync", env=secret_service)

    assert result.code == 1
    assert result.stderr.startswith("No store connected:")
    assert "backorder-desktop connect" in result.stderr


def _assert_token_nowhere(root: Path, token: str) -> None:
    needle = token.encode()
    files = [p for p in root.rglob("*") if p.is_file()]
    assert any(p.suffix == ".log" or ".log" in p.name for p in files), "the debug run wrote a log"
    for path in files:
        assert needle not in path.read_bytes(), f"token found in {path}"
