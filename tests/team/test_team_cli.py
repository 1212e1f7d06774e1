"""Team mode through the real command: ``team create`` moves a profile holding data (a synced demo
store, assignments, stock edits, rules) into an empty PostgreSQL database, verified by each table's
count, with the database's password in the keyring only; another desktop ``team join``s it and
sees the same data; edits from both desktops count; what cannot work is refused with what to do.
"""

from __future__ import annotations

import getpass
import json
import stat
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from backorder_desktop.demo.server import DemoStore
from tests.fixtures_keyring import keyring_entries
from tests.integration.cli_runner import Result
from tests.integration.cli_runner import connect_cli
from tests.integration.cli_runner import run_cli
from tests.integration.support import tracked_by_product
from tests.team.team_cli import keyring_emptied  # noqa: F401 (autouse here)
from tests.team.team_cli import ok
from tests.team.team_cli import with_password

PASSWORD = "Team-db-s3cret-7f2a"  # the test server trusts its socket; checked for leaks
ME = getpass.getuser()


def _profile_with_data(home: str, store: DemoStore, env: dict[str, str]) -> dict[str, object]:
    """A profile connected to ``store`` (its token in the keyring), synced, with two BackOrder
    products, stock edits and a rule; returns the product whose stock it edited."""
    ok(connect_cli(home, store, env))
    ok(run_cli(home, "sync", "--full", env=env))
    product = tracked_by_product(store)
    other = next(p for p in store.catalog.product_ids() if p != product["id"])
    ok(run_cli(home, "assign", str(product["id"]), str(other), env=env))
    ok(run_cli(home, "settings", "set", "display-name", "Ana", env=env))
    ok(run_cli(home, "stock", "add", product["sku"], "5", "--reason", "delivery", env=env))
    ok(run_cli(home, "stock", "remove", product["sku"], "2", "--reason", "damaged", env=env))
    ok(run_cli(home, "backorder", "set", product["sku"], "--limit", "7", "--incoming", "3", env=env))
    return product


def _refused(result: Result, home: str, *words: str) -> None:
    """The command failed saying each of ``words``, and ``home`` did not join or create a team."""
    assert result.code == 1, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr
    assert not (Path(home) / "config" / "team.json").exists()


def _files_holding(root: Path, secret: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def test_create_moves_the_profile_verified_by_counts_and_keeps_the_password_in_the_keyring_only(
    home: str,
    make_demo_store: Callable[..., DemoStore],
    secret_service: dict[str, str],
    postgres_url: str,
) -> None:
    store = make_demo_store()
    product = _profile_with_data(home, store, secret_service)

    created = ok(
        run_cli(home, "team", "create", with_password(postgres_url, PASSWORD), "--json", env=secret_service)
    )

    report = created.json()
    counts = {row["table"]: (row["local"], row["team"]) for row in report["tables"]}
    assert all(local == team for local, team in counts.values()), counts
    assert counts["backorder_assignments"] == (2, 2)
    assert counts["products"][0] == 200
    assert counts["backorder_rules"][0] >= 1
    assert counts["stock_adjustments"][0] >= 2
    assert counts["store"] == (1, 1)
    assert report["kept_file"] == str(Path(home) / "data" / "backorder.db")
    assert Path(report["kept_file"]).is_file()
    # Counted again outside the app: the rows are really in the team database.
    with psycopg.connect(postgres_url) as conn:
        ledger = conn.execute(
            "SELECT kind, quantity, actor, reason FROM stock_adjustments WHERE product_id = %s ORDER BY id",
            (product["id"],),
        ).fetchall()
        assigned = conn.execute("SELECT count(*) FROM backorder_assignments").fetchone()
    ana = f"Ana ({ME})"
    assert [row for row in ledger if row[3]] == [("add", 5, ana, "delivery"), ("remove", 2, ana, "damaged")]
    assert assigned == (2,)
    # The password: in the keyring, nowhere else.
    assert PASSWORD in keyring_entries().values()
    assert PASSWORD not in created.stdout + created.stderr
    assert _files_holding(Path(home), PASSWORD) == []
    team_file = Path(home) / "config" / "team.json"
    assert stat.S_IMODE(team_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(team_file.parent.stat().st_mode) == 0o700
    assert json.loads(team_file.read_text())["url"] == postgres_url


def test_a_second_desktop_joins_sees_the_same_data_and_both_desktops_edits_count(
    tmp_path: Path,
    make_demo_store: Callable[..., DemoStore],
    secret_service: dict[str, str],
    postgres_url: str,
) -> None:
    store = make_demo_store()
    first, second = str(tmp_path / "office"), str(tmp_path / "warehouse")
    product = _profile_with_data(first, store, secret_service)
    ok(run_cli(first, "team", "create", with_password(postgres_url, PASSWORD), env=secret_service))

    asked = PASSWORD + "\n"
    joining = ("team", "join", postgres_url, "--ask-password", "--json")
    joined = ok(run_cli(second, *joining, env=secret_service, stdin=asked))

    assert joined.json()["store_hash"] == store.store_hash
    assert PASSWORD not in joined.stdout + joined.stderr
    listed = [
        ok(run_cli(home, "products", "--backorder", "--json", env=secret_service)).json()
        for home in (first, second)
    ]
    assert listed[0] == listed[1]
    assert len(listed[0]) == 2
    ok(run_cli(second, "settings", "set", "display-name", "Bo", env=secret_service))
    before = ok(run_cli(first, "stock", "history", product["sku"], "--json", env=secret_service)).json()[0]
    ok(run_cli(first, "stock", "add", product["sku"], "4", env=secret_service))
    ok(run_cli(second, "stock", "add", product["sku"], "6", env=secret_service))

    history = [
        ok(run_cli(home, "stock", "history", product["sku"], "--json", env=secret_service)).json()
        for home in (first, second)
    ]
    assert history[0] == history[1]
    newest = history[0][:2]
    assert [(e["quantity"], e["actor"]) for e in newest] == [(6, f"Bo ({ME})"), (4, f"Ana ({ME})")]
    assert newest[0]["level_after"] == before["level_after"] + 10
    # The only desktop campaigning leads the team's syncs: its sync runs (on the team database).
    synced = ok(run_cli(first, "sync", "--json", env=secret_service)).json()
    assert synced["outcome"] == "ok", synced
    assert _files_holding(Path(second), PASSWORD) == []


def test_join_of_an_empty_database_or_another_store_and_create_on_a_team_database_are_refused(
    tmp_path: Path,
    make_demo_store: Callable[..., DemoStore],
    secret_service: dict[str, str],
    postgres_url: str,
) -> None:
    store = make_demo_store()
    first, second = str(tmp_path / "office"), str(tmp_path / "warehouse")

    empty = run_cli(second, "team", "join", postgres_url, env=secret_service)

    _refused(empty, second, "holds no team yet", "team create")

    _profile_with_data(first, store, secret_service)
    ok(run_cli(first, "team", "create", postgres_url, env=secret_service))
    ok(run_cli(second, "status", env=secret_service))  # a profile of its own, with its own file

    taken = run_cli(second, "team", "create", postgres_url, env=secret_service)

    _refused(taken, second, "already holds a team's data", "team join")
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT count(*) FROM store").fetchone() == (1,)
    other = str(tmp_path / "other-store")
    ok(connect_cli(other, make_demo_store(store_hash="otherstore"), secret_service))

    wrong_store = run_cli(other, "team", "join", postgres_url, env=secret_service)

    _refused(wrong_store, other, f"the team on {store.store_hash}")


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("postgresql://ana@db.example.com/shop", "sslmode=require"),
        ("postgresql://ana@db.example.com/shop?sslmode=prefer", "sslmode=require"),
        ("mysql://ana@127.0.0.1/shop", "postgresql://"),
        ("postgresql://ana@127.0.0.1/", "names no database"),
    ],
)
def test_an_address_that_cannot_be_used_is_refused_before_anything_moves(
    home: str, secret_service: dict[str, str], url: str, words: str
) -> None:
    refused = run_cli(home, "team", "create", url, env=secret_service)

    _refused(refused, home, words)
    assert refused.stderr.startswith("Invalid setting:")


def test_status_says_who_i_am_and_leave_goes_back_to_the_local_file(
    home: str,
    make_demo_store: Callable[..., DemoStore],
    secret_service: dict[str, str],
    postgres_url: str,
) -> None:
    store = make_demo_store()
    _profile_with_data(home, store, secret_service)
    named = ("--name", "Shop floor")
    ok(run_cli(home, "team", "create", with_password(postgres_url, PASSWORD), *named, env=secret_service))

    status = ok(run_cli(home, "team", "status", "--json", env=secret_service)).json()

    assert status["in_team"] is True
    assert status["team_name"] == "Shop floor"
    assert status["me"] == f"Ana ({ME})"
    assert PASSWORD not in json.dumps(status)

    left = ok(run_cli(home, "team", "leave", env=secret_service))

    assert "the team keeps its data" in left.stdout
    assert not (Path(home) / "config" / "team.json").exists()
    assert [name for _service, name in keyring_entries() if "team-database" in name] == []
    after = ok(run_cli(home, "team", "status", "--json", env=secret_service)).json()
    assert after["in_team"] is False
    assert after["database"] == str(Path(home) / "data" / "backorder.db")
    again = run_cli(home, "team", "leave", env=secret_service)
    assert again.code == 1
    assert again.stderr.startswith("Not in a team:")
    # The local file is as it was at the move: the product edited before it is still assigned there.
    listed = ok(run_cli(home, "products", "--backorder", "--json", env=secret_service)).json()
    assert len(listed) == 2


def test_without_a_keyring_for_the_password_nothing_moves(
    tmp_path: Path,
    make_demo_store: Callable[..., DemoStore],
    secret_service: dict[str, str],
    postgres_url: str,
) -> None:
    home = str(tmp_path / "office")
    _profile_with_data(home, make_demo_store(), secret_service)
    no_keyring = {**secret_service, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}

    refused = run_cli(home, "team", "create", with_password(postgres_url, PASSWORD), env=no_keyring)

    _refused(refused, home, "team database's password")
    assert refused.stderr.startswith("No keyring available:"), refused.stderr
    assert "--session-only" not in refused.stderr  # the token's way around: none for this password
    assert PASSWORD not in refused.stdout + refused.stderr
    with psycopg.connect(postgres_url) as conn:  # refused before the database was even opened
        assert conn.execute("SELECT to_regclass('store')").fetchone() == (None,)


def test_the_demo_stores_profile_cannot_become_a_team(
    home: str, secret_service: dict[str, str], postgres_url: str
) -> None:
    refused = run_cli(home, "--demo", "team", "create", postgres_url, env=secret_service)

    assert refused.code == 1
    assert refused.stderr.startswith("Not for the demo store:"), refused.stderr
    assert list(Path(home).rglob("team.json")) == []
