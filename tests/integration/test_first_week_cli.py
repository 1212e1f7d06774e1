"""A new merchant's first week at the command line: counts in good English, help on every command,
no dead ends (a ref that matches nothing, a waiting change that would vanish with an unassign), and
progress that only rewrites its line on a terminal. Each case runs the real command."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from backorder_desktop import app
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.errors import UserFacingError
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.services.profile import Profile
from tests.integration.cli_runner import run_cli
from tests.integration.support import tracked_by_product

MakeStore = Callable[..., DemoStore]
MakeContext = Callable[..., Profile]


@contextmanager
def open_profile(home: str) -> Iterator[Profile]:
    profile = app.open_profile(home)
    try:
        yield profile
    finally:
        profile.close()


def _synced(make_demo_store: MakeStore, make_context: MakeContext) -> tuple[DemoStore, dict[str, str]]:
    store = make_demo_store()
    context = make_context(store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    context.close()
    return store, {"BACKORDER_DESKTOP_TOKEN": store.token}


def _assigned_with_a_waiting_change(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> tuple[DemoStore, dict[str, str], dict[str, Any]]:
    store, env = _synced(make_demo_store, make_context)
    product = tracked_by_product(store)
    assert run_cli(home, "assign", product["sku"], env=env).code == 0
    edited = run_cli(home, "stock", "set", product["sku"], "9", env=env)
    assert edited.code == 0, edited.stderr
    return store, env, product


def test_one_of_a_thing_is_counted_in_the_singular(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    _store, env, product = _assigned_with_a_waiting_change(home, make_demo_store, make_context)

    found = run_cli(home, "products", "--search", product["sku"], "--backorder", env=env)
    waiting = run_cli(home, "outbox", env=env)
    assigned_again = run_cli(home, "assign", product["sku"], env=env)
    edited = run_cli(home, "stock", "add", product["sku"], "1", env=env)

    assert found.stderr.strip() == "1 product"
    assert waiting.stderr.strip() == "1 change waiting"
    assert "0 of 1 product assigned to backorder." in assigned_again.stdout
    assert "(1 change waiting to be written)" in edited.stdout
    everything = found.stdout + found.stderr + waiting.stdout + waiting.stderr + assigned_again.stdout
    assert "1 products" not in everything and "1 changes" not in everything


def test_assigning_a_ref_that_matches_nothing_fails_and_says_so(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    _store, env = _synced(make_demo_store, make_context)

    result = run_cli(home, "assign", "NOPE-1", env=env)
    searched = run_cli(home, "unassign", "--search", "no such words anywhere", env=env)

    assert result.code == 1
    assert result.stderr.startswith("Nothing matched: no product has the id or SKU NOPE-1.")
    assert "0 of 0" not in result.stdout
    assert searched.code == 1
    assert "'no such words anywhere' in its name or SKU" in searched.stderr
    assert run_cli(home, "status", "--json", env=env).json()["backorder_products"] == 0


def test_unassigning_a_product_with_a_waiting_change_asks_first(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    _store, env, product = _assigned_with_a_waiting_change(home, make_demo_store, make_context)

    refused = run_cli(home, "unassign", product["sku"], env=env)

    assert refused.code == 1
    assert "1 stock change is waiting" in refused.stderr
    assert "--push-outbox" in refused.stderr and "--discard-outbox" in refused.stderr
    status = run_cli(home, "status", "--json", env=env).json()
    assert (status["backorder_products"], status["outbox"]) == (1, 1)


def test_unassign_with_discard_drops_the_change_and_the_history_says_so(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store, env, product = _assigned_with_a_waiting_change(home, make_demo_store, make_context)

    result = run_cli(home, "unassign", product["sku"], "--discard-outbox", env=env)

    assert result.code == 0, result.stderr
    status = run_cli(home, "status", "--json", env=env).json()
    assert (status["backorder_products"], status["outbox"]) == (0, 0)
    assert store.catalog.get_product(product["id"])["inventory_level"] == product["inventory_level"]
    history = run_cli(home, "stock", "history", product["sku"], "--json", env=env).json()
    assert history[0]["reason"] == "discarded: removed from BackOrder"
    assert (history[0]["level_before"], history[0]["level_after"]) == (9, product["inventory_level"])


def test_unassign_with_push_writes_the_change_first(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store, env, product = _assigned_with_a_waiting_change(home, make_demo_store, make_context)

    result = run_cli(home, "unassign", product["sku"], "--push-outbox", env=env)

    assert result.code == 0, result.stderr
    status = run_cli(home, "status", "--json", env=env).json()
    assert (status["backorder_products"], status["outbox"]) == (0, 0)
    # The app method turned tracking off at assign: the next push turns it back on with the
    # app's level, the waiting change included.
    assert run_cli(home, "outbox", "--push", env=env).code == 0
    back = store.catalog.get_product(product["id"])
    assert (back["inventory_tracking"], back["inventory_level"]) == ("product", 9)


def test_sync_progress_in_a_pipe_is_whole_lines(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    _store, env = _synced(make_demo_store, make_context)

    # stderr is a pipe here, not a terminal; read as bytes (text mode would turn "\r" into "\n")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BACKORDER_DESKTOP_")}
    result = subprocess.run(
        [sys.executable, "-m", "backorder_desktop", "--home", home, "sync", "--full"],
        env={**clean, **env},
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert b"page 1 of 1" in result.stderr
    assert b"\r" not in result.stderr


def test_help_is_whole_on_every_command(home: str) -> None:
    top = run_cli(home, "--help")
    settings = run_cli(home, "settings", "--help")
    setting_set = run_cli(home, "settings", "set", "--help")
    assign = run_cli(home, "assign", "--help")

    listed = [
        line for text in (top.stdout, settings.stdout) for line in text.split("Commands:")[1].splitlines()
    ]
    assert len(listed) > 20
    assert [line for line in listed if line.endswith("...")] == []
    assert "Change one setting" in settings.stdout
    assert "daily-sync-time" in setting_set.stdout and "inventory-source" in setting_set.stdout
    assert "Assign products to BackOrder" in assign.stdout and "--search TEXT" in assign.stdout


def test_stock_below_zero_is_owed_units_and_the_store_is_told_zero(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store, env = _synced(make_demo_store, make_context)
    product = tracked_by_product(store)
    assert run_cli(home, "assign", product["sku"], env=env).code == 0

    owed = run_cli(home, "stock", "set", product["sku"], "-3", env=env)
    synced = run_cli(home, "sync", env=env)

    assert owed.code == 0, owed.stderr
    assert "→ -3 " in owed.stdout
    assert synced.code == 0, synced.stderr
    assert store.catalog.get_product(product["id"])["inventory_level"] == 0  # the store holds no negatives
    status = run_cli(home, "status", "--json", env=env).json()
    assert status["outbox"] == 0
    listed = run_cli(home, "products", "--search", product["sku"], "--backorder", "--json", env=env).json()
    assert listed[0]["inventory_level"] == -3


def test_stock_outside_the_range_is_refused_with_the_range(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store, env = _synced(make_demo_store, make_context)
    product = tracked_by_product(store)
    assert run_cli(home, "assign", product["sku"], env=env).code == 0

    huge = run_cli(home, "stock", "set", product["sku"], "99999999999", env=env)
    deep = run_cli(home, "stock", "remove", product["sku"], "3000000000", env=env)

    for refused in (huge, deep):
        assert refused.code == 1
        assert "not a possible stock level" in refused.stderr
        assert "from -2,147,483,648 to 2,147,483,647" in refused.stderr
    assert run_cli(home, "status", "--json", env=env).json()["outbox"] == 0


@pytest.mark.parametrize(
    ("store_hash", "api_url", "title"),
    [
        ("abc123", "notaurl", "Invalid API address"),
        ("abc123", "https://exa mple.com", "Invalid API address"),
        ("abc123", "https://api.example.com:99999", "Invalid API address"),
        ("ábc123", "https://api.bigcommerce.com", "Invalid store hash"),
    ],
)
def test_a_typo_in_connect_is_bad_input_not_a_crash(
    home: str, store_hash: str, api_url: str, title: str
) -> None:
    result = run_cli(home, "connect", "--store-hash", store_hash, "--api-url", api_url, stdin="a-token\n")

    assert result.code == 1
    assert result.stderr.startswith(f"{title}:")
    assert "Traceback" not in result.stderr
    with open_profile(home) as profile, pytest.raises(UserFacingError) as raised:  # the window's door
        profile.check_connection(store_hash, api_url, "a-token")
    assert raised.value.title == title


def test_a_one_off_sync_that_cannot_reach_the_store_does_not_promise_a_retry(
    home: str, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store, env = _synced(make_demo_store, make_context)
    store.stop()

    result = run_cli(home, "sync", env=env)

    assert result.code == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Offline:")
    assert "will retry" not in last and "try again later" not in last.lower().replace("run the command", "")
    assert "Run the command again later" in last
