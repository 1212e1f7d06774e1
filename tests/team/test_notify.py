"""What one desktop writes reaches another's listener at once, as the kind of data that changed."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import psycopg
import pytest

from backorder_desktop.adapters.storage.postgres import open_postgres_database
from backorder_desktop.adapters.team.notify import ALL_KINDS
from backorder_desktop.adapters.team.notify import ChangeListener
from tests.fixtures_postgres import PostgresServer

WAIT_S = 30.0
LEDGER_ENTRY = (
    "INSERT INTO stock_adjustments (product_id, variant_id, kind, quantity, level_before, level_after, "
    "source, actor, reason, at) VALUES (7, 70, 'add', 3, 1, 4, 'manual', 'dana', 'counted', "
    "'2026-12-05T10:00:00+00:00')"
)


class Heard:
    """The bursts a listener handed on, waited for on a condition (no sleeping)."""

    def __init__(self) -> None:
        self.bursts: list[frozenset[str]] = []
        self._changed = threading.Condition()

    def __call__(self, kinds: frozenset[str]) -> None:
        with self._changed:
            self.bursts.append(kinds)
            self._changed.notify_all()

    def wait(self, count: int) -> list[frozenset[str]]:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.bursts) >= count, WAIT_S), self.bursts
            return list(self.bursts)


@pytest.fixture
def team_url(postgres_url: str) -> str:
    open_postgres_database(postgres_url).close()  # the schema, with migration 15's triggers
    return postgres_url


@pytest.fixture
def heard(team_url: str) -> Iterator[Heard]:
    heard = Heard()
    listener = ChangeListener(team_url, name="office", on_change=heard, interval=0.2)
    listener.start()
    assert listener.wait_listening(WAIT_S)
    yield heard
    listener.stop()


def test_a_ledger_entry_written_elsewhere_is_heard_as_a_ledger_change(team_url: str, heard: Heard) -> None:
    with psycopg.connect(team_url, application_name="warehouse") as other:
        other.execute(LEDGER_ENTRY)
    assert heard.wait(1) == [frozenset({"ledger"})]


def test_each_table_is_heard_as_its_kind(team_url: str, heard: Heard) -> None:
    writes = [
        ("UPDATE products SET name = name", "products"),
        ("INSERT INTO settings (key, value) VALUES ('polling-interval', '30')", "settings"),
        ("DELETE FROM backorder_rules", "rules"),
        ("DELETE FROM order_lines", "orders"),
        ("DELETE FROM outbox", "outbox"),
        ("DELETE FROM sync_issues", "runs"),
    ]
    with psycopg.connect(team_url, autocommit=True) as other:
        for count, (statement, kind) in enumerate(writes, start=1):
            other.execute(statement)
            assert heard.wait(count)[-1] == frozenset({kind}), statement


def test_one_transaction_over_several_tables_is_one_burst(team_url: str, heard: Heard) -> None:
    with psycopg.connect(team_url) as other:  # one transaction, committed on leaving
        for _ in range(3):
            other.execute("UPDATE products SET name = name")
            other.execute("UPDATE variants SET sku = sku")
        other.execute(LEDGER_ENTRY)
    assert heard.wait(1) == [frozenset({"products", "ledger"})]
    with psycopg.connect(team_url, autocommit=True) as other:
        other.execute("DELETE FROM outbox")  # a later change: a burst of its own
    assert heard.wait(2)[1] == frozenset({"outbox"})


def test_after_a_server_restart_the_listener_hears_again(
    team_url: str, heard: Heard, postgres_server: PostgresServer
) -> None:
    postgres_server.restart()
    # Back: everything may have changed while it was deaf, so every kind is reported once.
    assert heard.wait(1) == [ALL_KINDS]
    with psycopg.connect(team_url) as other:
        other.execute(LEDGER_ENTRY)
    assert heard.wait(2)[1] == frozenset({"ledger"})
