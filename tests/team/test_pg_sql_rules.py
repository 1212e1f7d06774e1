"""SQLite's statements as the team connection rewrites them (``pg_connection.translate``), rule by
rule, and the one-statement form of a page's row inserts (``columnar``)."""

from __future__ import annotations

import pytest

from backorder_desktop.adapters.storage.pg_connection import columnar
from backorder_desktop.adapters.storage.pg_connection import translate

IDENTITY = frozenset({"stock_adjustments"})
KEYS = {"settings": ("key",)}


def pg(statement: str, *, one_row: bool = True) -> str:
    return translate(statement, one_row=one_row, identity_tables=IDENTITY, keys=KEYS).sql


@pytest.mark.parametrize(
    ("sqlite", "postgres"),
    [
        (
            "SELECT 1 FROM t WHERE id IN (SELECT value FROM json_each(?))",
            "SELECT 1 FROM t WHERE id = ANY(%s)",
        ),
        (
            "DELETE FROM v WHERE p.id NOT IN (SELECT value FROM json_each(?))",
            "DELETE FROM v WHERE p.id <> ALL(%s)",
        ),
        (
            "SELECT json_extract(b.value, '$[0]') FROM json_each(?) AS b",
            "SELECT (b.value->>0) FROM jsonb_array_elements(%s::jsonb) AS b(value)",
        ),
        (
            "SELECT id FROM products WHERE seen_pass IS NOT ?",
            "SELECT id FROM products WHERE seen_pass IS DISTINCT FROM %s",
        ),
        (
            "SELECT x FROM p AS p NOT INDEXED WHERE instr(p.s, ?) > 0",
            "SELECT x FROM p AS p WHERE strpos(p.s, %s) > 0",
        ),
        ("SELECT x FROM p INDEXED BY products_name LIMIT ? OFFSET ?", "SELECT x FROM p LIMIT %s OFFSET %s"),
        (
            "SELECT max(1, (a * 80 + 99) / 100) FROM r CROSS JOIN s ON s.id = r.id",
            "SELECT GREATEST(1, (a * 80 + 99) / 100) FROM r JOIN s ON s.id = r.id",
        ),
        ("SELECT a FROM t WHERE a LIKE 'x%'", "SELECT a FROM t WHERE a LIKE 'x%%'"),
        (
            "INSERT OR IGNORE INTO cursors (name, value) VALUES (?, ?)",
            "INSERT INTO cursors (name, value) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        ),
        (
            'INSERT OR REPLACE INTO "settings" ("key", "value") VALUES (?, ?)',
            'INSERT INTO "settings" ("key", "value") VALUES (%s, %s) '
            'ON CONFLICT ("key") DO UPDATE SET "value" = EXCLUDED."value"',
        ),
        (
            "INSERT INTO stock_adjustments (product_id, at) VALUES (?, ?)",
            "INSERT INTO stock_adjustments (product_id, at) VALUES (%s, %s) RETURNING id",
        ),
    ],
)
def test_each_rule(sqlite: str, postgres: str) -> None:
    assert pg(sqlite) == postgres


def test_parameters_follow_their_placeholders() -> None:
    lists = translate(
        "SELECT 1 FROM t WHERE a = ? AND id IN (SELECT value FROM json_each(?)) LIMIT ?",
        one_row=True, identity_tables=IDENTITY, keys=KEYS,
    )  # fmt: skip
    assert lists.params(("x", "[3, 1]", -1)) == ["x", [3, 1], None]  # SQLite's -1: no limit
    assert lists.params(("x", "[]", 5)) == ["x", [], 5]
    numbered = translate(
        "SELECT ?3 FROM a WHERE p = ?1 AND v = ?2", one_row=True, identity_tables=IDENTITY, keys=KEYS
    )
    assert numbered.sql == "SELECT %(p3)s FROM a WHERE p = %(p1)s AND v = %(p2)s"
    assert numbered.params((7, 0, "[]")) == {"p1": 7, "p2": 0, "p3": "[]"}
    plain = translate("SELECT ? FROM t", one_row=True, identity_tables=IDENTITY, keys=KEYS)
    row = (1,)
    assert plain.params(row) is row  # nothing to change: the very tuple goes to psycopg


def test_only_one_row_inserts_get_their_id_back() -> None:
    statement = "INSERT INTO stock_adjustments (product_id) VALUES (?)"
    assert pg(statement, one_row=False) == "INSERT INTO stock_adjustments (product_id) VALUES (%s)"
    assert pg("INSERT INTO other (a) VALUES (?)") == "INSERT INTO other (a) VALUES (%s)"


def test_a_page_of_row_inserts_becomes_one_statement_over_arrays() -> None:
    types = {("t", "id"): "bigint", ("t", "name"): "text", ("t", "price"): "double precision"}
    plain = columnar('INSERT INTO "t" ("id", "name", "price") VALUES (?, ?, ?)', types)
    assert plain is not None and plain.key == ()
    assert plain.sql == (
        'INSERT INTO "t" ("id", "name", "price") SELECT * FROM unnest(%b::bigint[], %b::text[], '
        "%b::double precision[])"
    )
    assert plain.columns([(1, "a", 1.5), (2, "b", None)]) == [[1, 2], ["a", "b"], [1.5, None]]
    upsert = columnar(
        'INSERT INTO "t" ("id", "name") VALUES (?, ?) '
        'ON CONFLICT ("id") DO UPDATE SET "name" = EXCLUDED."name"',
        types,
    )
    assert upsert is not None and upsert.sql.endswith(
        'ON CONFLICT ("id") DO UPDATE SET "name" = EXCLUDED."name"'
    )
    assert upsert.fits([(1, "a"), (2, "b")]) and not upsert.fits([(1, "a"), (1, "b")])  # a row updated twice
    assert not upsert.fits([(1, "a")])  # one row: as it is
    assert columnar("INSERT INTO t (id) SELECT id FROM u", types) is None
    assert columnar("INSERT INTO t (id, name) VALUES (?, 'x')", types) is None
    assert columnar("INSERT INTO t (id, other) VALUES (?, ?)", types) is None  # a column not known
