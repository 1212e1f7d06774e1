"""The stores' SQL on PostgreSQL: a connection with the ``sqlite3`` surface the stores use.

Why a wrapper that rewrites SQLite's SQL, and not a ``Dialect`` the stores ask for fragments: the
stores' statements are fixed text (chosen for speed, DESIGN §8), and the differences are few and
mechanical (docs/team-mode.md's table). Rewriting each distinct statement once — the result is
cached per statement text, so a pull's thousands of ``executemany`` rows cost one dictionary
look-up — keeps one copy of every store's logic, and the SQLite store keeps handing out its own
``sqlite3.Connection`` untouched: a SQLite profile pays nothing for team mode.

The rules (``translate``):

- ``x IN (SELECT value FROM json_each(?))``: the id list travels as one JSON text; on PostgreSQL
  ``x = ANY(%s)`` with the list itself (psycopg sends an array); ``NOT IN``: ``x <> ALL(%s)``;
- any other ``json_each(?)`` (lists of pairs or spans): ``jsonb_array_elements(%s::jsonb)``, each
  element named ``value``; ``json_extract(v, '$[n]')``: ``(v->>n)``;
- ``?1 ?2 ?3`` (numbered): named parameters, filled from the positional ones;
- ``x IS NOT ?``: ``x IS DISTINCT FROM %s``; ``instr(``: ``strpos(``; the scalar ``max(1, …)``:
  ``GREATEST(1, …)``; ``CROSS JOIN … ON``: ``JOIN … ON`` (SQLite's hint to its planner);
  ``INDEXED BY …`` and ``NOT INDEXED``: dropped (SQLite's index hints);
- ``LIMIT ?`` with SQLite's -1 for "no limit": ``LIMIT NULL``;
- ``INSERT OR IGNORE``: ``… ON CONFLICT DO NOTHING``; ``INSERT OR REPLACE`` (a column list is
  required): an upsert on the table's primary key;
- ``cursor.lastrowid`` of a one-row ``INSERT`` into a table with an identity ``id``: the
  statement gets ``RETURNING id``;
- ``?``: ``%s``, and a literal ``%`` is doubled;
- ``executemany`` of a row INSERT (or an upsert, when the batch's keys are unique): one statement
  over one array per column (``Columnar``) — a page is one round trip, not one per row.

A NUL character (which PostgreSQL's text cannot hold) is stored as U+FFFD. Python booleans go
into the schema's ``BIGINT`` columns as 0/1 (the connection's bool dumper, ``postgres.py``), as
SQLite stores them. ``COLLATE NOCASE`` is kept: the database has an ICU collation of that name
(``postgres.py``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus

_LIST = "\ue000"  # marks a placeholder whose JSON text becomes a Python list
_LIMIT = "\ue001"  # marks a LIMIT placeholder (-1: no limit)

_ID_LIST = re.compile(r"([\w.\"]+) (NOT )?IN \(SELECT value FROM json_each\(\?\)\)")
_JSON_EACH = re.compile(r"json_each\((\?\d*)\)(?: AS (\w+))?")
_JSON_EXTRACT = re.compile(r"json_extract\(([\w.]+), '\$\[(\d+)\]'\)")
_PLACEHOLDER = re.compile(rf"\?(\d*)([{_LIST}{_LIMIT}]?)")
_INSERT_INTO = re.compile(r'^\s*INSERT INTO "?(\w+)"?', re.IGNORECASE)
_OR_IGNORE = re.compile(r"^\s*INSERT OR IGNORE INTO", re.IGNORECASE)
_OR_REPLACE = re.compile(r'^\s*INSERT OR REPLACE INTO "?(\w+)"? \(([^)]*)\)', re.IGNORECASE)
_FIXED_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r" NOT INDEXED\b"), ""),
    (re.compile(r" INDEXED BY \w+"), ""),
    (re.compile(r"\bIS NOT \?"), "IS DISTINCT FROM ?"),
    (re.compile(r"\binstr\("), "strpos("),
    (re.compile(r"\bmax\(1, "), "GREATEST(1, "),
    (re.compile(r"\bCROSS JOIN\b"), "JOIN"),
    (re.compile(r"\bLIMIT \?(?!\d)"), f"LIMIT ?{_LIMIT}"),
)


def _as_list(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else list(value)


def _as_limit(value: Any) -> Any:
    return None if isinstance(value, int) and value < 0 else value


_TRANSFORMS: dict[str, Callable[[Any], Any]] = {_LIST: _as_list, _LIMIT: _as_limit}
# A row-by-row INSERT (or upsert on named columns) with nothing but placeholders in its VALUES.
_ROW_INSERT = re.compile(
    r'^INSERT INTO "?(\w+)"? \(([^)]*)\) VALUES \(\?(?:, \?)*\)(?: ON CONFLICT \(([^)]*)\) (DO [^?%]*))?$',
    re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class Columnar:
    """An ``executemany`` of a row INSERT as one statement over one array per column
    (``INSERT … SELECT * FROM unnest(%s::bigint[], %s::text[], …)``): one round trip and one
    set-based insert for a page, where row-by-row pays per row. An upsert qualifies only for a batch
    whose conflict keys are unique (one statement may not update a row twice)."""

    sql: str
    width: int
    key: tuple[int, ...]  # positions of the conflict target's columns; () for a plain INSERT

    def fits(self, batch: Sequence[Sequence[Any]]) -> bool:
        if len(batch) < 2 or any(len(row) != self.width for row in batch):
            return False
        if not self.key:
            return True
        if len(self.key) == 1:
            index = self.key[0]
            return len({row[index] for row in batch}) == len(batch)
        return len({tuple(row[i] for i in self.key) for row in batch}) == len(batch)

    @staticmethod
    def columns(batch: Sequence[Sequence[Any]]) -> list[list[Any]]:
        return [list(column) for column in zip(*batch, strict=True)]


def columnar(statement: str, types: dict[tuple[str, str], str]) -> Columnar | None:
    """The one-statement form of a row INSERT, or None when ``statement`` is not one (or names a
    column whose type is not known)."""
    found = _ROW_INSERT.match(statement.strip())
    if found is None:
        return None
    table = found[1]
    names = [c.strip().strip('"') for c in found[2].split(",")]
    if statement.count("?") != len(names) or any((table, n) not in types for n in names):
        return None
    arrays = ", ".join(f"%b::{types[table, n]}[]" for n in names)
    sql = f'INSERT INTO "{table}" ({found[2]}) SELECT * FROM unnest({arrays})'  # noqa: S608 (names from the statement and the catalog)
    key: tuple[int, ...] = ()
    if found[3] is not None:
        target = [c.strip().strip('"') for c in found[3].split(",")]
        if any(c not in names for c in target):
            return None
        key = tuple(names.index(c) for c in target)
        sql += f" ON CONFLICT ({found[3]}) {found[4]}"
    return Columnar(sql, len(names), key)


@dataclass(frozen=True, slots=True)
class Translated:
    """A statement in PostgreSQL's words, and how its parameters are to be passed."""

    sql: str
    transforms: tuple[tuple[int, Callable[[Any], Any]], ...] = ()
    numbered: bool = False  # ?N placeholders: parameters go as a mapping p1, p2 …
    returns_id: bool = False  # RETURNING id was added (for lastrowid)

    def params(self, params: Sequence[Any]) -> Sequence[Any] | dict[str, Any]:
        if not self.transforms and not self.numbered:
            return params
        values = list(params)
        for index, transform in self.transforms:
            values[index] = transform(values[index])
        if self.numbered:
            return {f"p{number}": value for number, value in enumerate(values, start=1)}
        return values


def translate(
    statement: str, *, one_row: bool, identity_tables: frozenset[str], keys: dict[str, tuple[str, ...]]
) -> Translated:
    """``statement`` (SQLite's) as PostgreSQL's, by the module docstring's rules. ``one_row``: run by
    ``execute`` (a single insert may be asked its ``lastrowid``); ``identity_tables``: tables with
    an identity ``id``; ``keys``: each table's primary key columns (for ``INSERT OR REPLACE``)."""
    sql = _ID_LIST.sub(lambda m: f"{m[1]} {'<> ALL' if m[2] else '= ANY'}(?{_LIST})", statement)
    sql = _JSON_EACH.sub(lambda m: f"jsonb_array_elements({m[1]}::jsonb) AS {m[2] or 'j'}(value)", sql)
    sql = _JSON_EXTRACT.sub(lambda m: f"({m[1]}->>{m[2]})", sql)
    for pattern, replacement in _FIXED_RULES:
        sql = pattern.sub(replacement, sql)
    sql = _insert_or(sql, keys)
    returns_id = False
    if one_row and "RETURNING" not in sql.upper() and "ON CONFLICT" not in sql.upper():
        table = _INSERT_INTO.match(sql)
        if table is not None and table[1] in identity_tables:
            sql += " RETURNING id"
            returns_id = True
    sql = sql.replace("%", "%%")
    transforms: list[tuple[int, Callable[[Any], Any]]] = []
    numbered = False
    position = 0

    def placeholder(match: re.Match[str]) -> str:
        nonlocal position, numbered
        if match[1]:
            numbered = True
            return f"%(p{match[1]})s"
        if match[2]:
            transforms.append((position, _TRANSFORMS[match[2]]))
        position += 1
        return "%s"

    sql = _PLACEHOLDER.sub(placeholder, sql)
    if numbered and position:
        raise ValueError(f"numbered and plain placeholders mixed in one statement: {statement}")
    return Translated(sql, tuple(transforms), numbered, returns_id)


def _insert_or(sql: str, keys: dict[str, tuple[str, ...]]) -> str:
    if _OR_IGNORE.match(sql):
        return _OR_IGNORE.sub("INSERT INTO", sql, count=1) + " ON CONFLICT DO NOTHING"
    found = _OR_REPLACE.match(sql)
    if found is None:
        return sql
    table = found[1]
    key = keys.get(table)
    if not key:
        raise ValueError(f"INSERT OR REPLACE into {table}, which has no primary key known: {sql}")
    columns = [c.strip().strip('"') for c in found[2].split(",")]
    updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in columns if c not in key)
    conflict = ", ".join(f'"{c}"' for c in key)
    action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    head = re.sub(r"^\s*INSERT OR REPLACE INTO", "INSERT INTO", sql, count=1, flags=re.IGNORECASE)
    return f"{head} ON CONFLICT ({conflict}) {action}"


class Schema:
    """What the rules need to know of a database's tables, read once per store."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND column_name = 'id' AND is_identity = 'YES'"
        ).fetchall()
        self.identity_tables = frozenset(str(r[0]) for r in rows)
        keys: dict[str, list[str]] = {}
        for table, column in conn.execute(
            "SELECT tc.table_name, k.column_name FROM information_schema.table_constraints AS tc "
            "JOIN information_schema.key_column_usage AS k ON k.constraint_name = tc.constraint_name "
            "AND k.table_schema = tc.table_schema WHERE tc.constraint_type = 'PRIMARY KEY' "
            "AND tc.table_schema = current_schema() ORDER BY tc.table_name, k.ordinal_position"
        ):
            keys.setdefault(str(table), []).append(str(column))
        self.keys = {table: tuple(columns) for table, columns in keys.items()}
        self.types = {
            (str(table), str(column)): str(kind)
            for table, column, kind in conn.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema()"
            )
        }
        self._cache: dict[tuple[str, bool], Translated] = {}
        self._columnar: dict[str, Columnar | None] = {}

    def translated(self, statement: str, *, one_row: bool) -> Translated:
        found = self._cache.get((statement, one_row))
        if found is None:
            found = translate(
                statement, one_row=one_row, identity_tables=self.identity_tables, keys=self.keys
            )
            self._cache[statement, one_row] = found
        return found

    def columnar(self, statement: str) -> Columnar | None:
        if statement not in self._columnar:
            self._columnar[statement] = columnar(statement, self.types)
        return self._columnar[statement]


_HAS_NUL = "\\x00"  # how repr() shows a NUL character (or a backslash and "x00", rarer still)
NUL_STANDIN = "\ufffd"


def without_nul(params: Sequence[Any]) -> list[Any]:
    """PostgreSQL's text cannot hold NUL (SQLite's can): one in a value the store sent becomes the
    replacement character, where the whole write would fail."""
    return [v.replace("\x00", NUL_STANDIN) if isinstance(v, str) else v for v in params]


class InsertCursor:
    """A one-row INSERT's cursor that knows the new row's id, as ``sqlite3.Cursor.lastrowid``."""

    def __init__(self, cursor: psycopg.Cursor[Any]) -> None:
        self._cursor = cursor
        row = cursor.fetchone()
        self.lastrowid = None if row is None else int(row[0])
        self.rowcount = cursor.rowcount


class PgConnection:
    """The ``sqlite3.Connection`` surface the stores use, over one psycopg connection (one thread's).

    ``execute`` returns psycopg's own cursor (iterable, ``fetchone``, ``fetchall``, ``rowcount``),
    except for an INSERT asked for its ``lastrowid``. ``IntegrityError`` is there as on
    ``sqlite3.Connection``, for ``except conn.IntegrityError``.
    """

    IntegrityError = psycopg.IntegrityError

    def __init__(self, conn: psycopg.Connection[Any], schema: Schema) -> None:
        self.raw = conn
        self._schema = schema

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Any:
        done = self._schema.translated(statement, one_row=True)
        if _HAS_NUL in repr(params):
            params = without_nul(params)
        cursor = self.raw.execute(done.sql, done.params(params))
        return InsertCursor(cursor) if done.returns_id else cursor

    def executemany(self, statement: str, rows: Iterable[Sequence[Any]]) -> psycopg.Cursor[Any]:
        done = self._schema.translated(statement, one_row=False)
        cursor = self.raw.cursor()
        batch = list(rows)
        if _HAS_NUL in repr(batch):  # one C-speed look at the whole batch; rarely true
            batch = [without_nul(row) for row in batch]
        plan = self._schema.columnar(statement)
        if plan is not None and plan.fits(batch):
            try:
                cursor.execute(plan.sql, plan.columns(batch))
                return cursor
            except psycopg.DataError as exc:
                if exc.sqlstate is not None:  # the server's: the transaction is spoiled, say so
                    raise
                # psycopg could not make an array of a column (mixed types, as int and float):
                # nothing was sent, so the rows go one by one, each value cast by the server.
        if done.transforms or done.numbered:
            batch = [done.params(row) for row in batch]  # type: ignore[misc]
        if batch:
            cursor.executemany(done.sql, batch)
        return cursor

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != TransactionStatus.IDLE
