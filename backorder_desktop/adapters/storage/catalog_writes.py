"""The catalog's write path: upsert a page of products with variants, as fast as raw executemany.

This is the hot path of a full pull (DESIGN §8: within 1.3× of raw ``sqlite3.executemany``).
peewee builds each statement once, at import; each page then runs a handful of
``cursor.executemany`` calls on the thread's sqlite3 connection — peewee's ``insert_many`` would
build and bind every row through its query machinery, about 10× slower.

Per page, inside the caller's IMMEDIATE transaction:

1. encode every product (rows + content hash) — no database work;
2. one SELECT of the stored hash, BackOrder flag and seen pass of the page's ids;
3. new products: one executemany INSERT for them and one for their variants;
4. changed products: one executemany upsert for products and one for variants (separate
   statements for BackOrder products whose stock is kept), then one DELETE of the variants those
   products no longer have;
5. unchanged products: one UPDATE of their ``seen_pass`` when a full pass marks them.

Id lists travel as one JSON array parameter (``json_each``), so every statement is fixed text.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any

import peewee
from peewee import EXCLUDED
from peewee import fn

from backorder_desktop.adapters.storage.codec import KEPT_STOCK_SALT
from backorder_desktop.adapters.storage.codec import PRODUCT_COLUMNS
from backorder_desktop.adapters.storage.codec import VARIANT_COLUMNS
from backorder_desktop.adapters.storage.codec import ProductRowTuple
from backorder_desktop.adapters.storage.codec import VariantRowTuple
from backorder_desktop.adapters.storage.codec import encode_product
from backorder_desktop.adapters.storage.codec import with_hash
from backorder_desktop.adapters.storage.tables import ProductRow
from backorder_desktop.adapters.storage.tables import VariantRow
from backorder_desktop.domain.models import Product

if TYPE_CHECKING:
    from backorder_desktop.domain.ports import ApplyResult

_SQL_BUILDER = peewee.SqliteDatabase(None)  # only renders SQL; never connects


def _upsert_sql(model: Any, columns: Sequence[str], *, keep: Sequence[str] = ()) -> str:
    """``INSERT … ON CONFLICT(id) DO UPDATE`` of ``columns``, leaving ``keep`` as stored.

    ``seen_pass`` is only ever moved forward: an upsert without a pass keeps the stored one.
    """
    fields = [model._meta.columns[name] for name in columns]
    update: dict[Any, Any] = {}
    for field in fields:
        if field.primary_key or field.column_name in keep:
            continue
        excluded = getattr(EXCLUDED, field.column_name)
        update[field] = fn.COALESCE(excluded, field) if field.column_name == "seen_pass" else excluded
    query = model.insert({field: index for index, field in enumerate(fields)}).on_conflict(
        conflict_target=[model.id], update=update
    )
    sql, params = query.bind(_SQL_BUILDER).sql()
    if len(params) != len(columns) or sql.count("?") != len(columns):
        raise RuntimeError(f"unexpected upsert statement for {model.__name__}: {sql}")
    return str(sql)


def _insert_sql(model: Any, columns: Sequence[str]) -> str:
    fields = [model._meta.columns[name] for name in columns]
    sql, params = model.insert({field: index for index, field in enumerate(fields)}).bind(_SQL_BUILDER).sql()
    if len(params) != len(columns) or sql.count("?") != len(columns):
        raise RuntimeError(f"unexpected insert statement for {model.__name__}: {sql}")
    return str(sql)


@functools.cache
def _statements() -> dict[str, str]:
    """The write statements, rendered by peewee at the first write (~2 ms): a command that only
    reads (a status in a script's loop) never renders them."""
    return {
        "insert_product": _insert_sql(ProductRow, PRODUCT_COLUMNS),
        "insert_variant": _insert_sql(VariantRow, VARIANT_COLUMNS),
        "upsert_product": _upsert_sql(ProductRow, PRODUCT_COLUMNS),
        "upsert_product_keep_stock": _upsert_sql(ProductRow, PRODUCT_COLUMNS, keep=("inventory_level",)),
        "upsert_variant": _upsert_sql(VariantRow, VARIANT_COLUMNS),
        "upsert_variant_keep_stock": _upsert_sql(VariantRow, VARIANT_COLUMNS, keep=("inventory_level",)),
    }


_SELECT_STORED = (
    "SELECT p.id, p.content_hash, p.seen_pass, a.product_id IS NOT NULL FROM products AS p "
    "LEFT JOIN backorder_assignments AS a ON a.product_id = p.id "
    "WHERE p.id IN (SELECT value FROM json_each(?))"
)
_DELETE_STALE_VARIANTS = (
    "DELETE FROM variants WHERE product_id IN (SELECT value FROM json_each(?)) "
    "AND id NOT IN (SELECT value FROM json_each(?))"
)
_MARK_SEEN = "UPDATE products SET seen_pass = ? WHERE id IN (SELECT value FROM json_each(?))"


def apply_products(
    conn: sqlite3.Connection,
    products: Sequence[Product],
    *,
    pass_id: int | None,
    keep_backorder_stock: bool,
) -> ApplyResult:
    """Upsert ``products``; the caller holds the write transaction. See the module docstring."""
    from backorder_desktop.domain.ports import ApplyResult  # here: a command that only reads makes no port

    encoded: dict[int, tuple[ProductRowTuple, list[VariantRowTuple], int]] = {}
    for product in products:
        encoded[product.id] = encode_product(product, pass_id)  # a repeated id: the last one wins
    if not encoded:
        return ApplyResult(created=0, changed=0, unchanged=0)
    stored = {
        row[0]: (row[1], row[2], row[3]) for row in conn.execute(_SELECT_STORED, (json.dumps(list(encoded)),))
    }
    new_rows: list[ProductRowTuple] = []
    new_variants: list[VariantRowTuple] = []
    write_rows: list[ProductRowTuple] = []
    write_variants: list[VariantRowTuple] = []
    kept_rows: list[ProductRowTuple] = []
    kept_variants: list[VariantRowTuple] = []
    changed_ids: list[int] = []
    to_mark: list[int] = []
    unchanged = 0
    for pid, (row, variants, content_hash) in encoded.items():
        old = stored.get(pid)
        if old is None:
            new_rows.append(row)
            new_variants.extend(variants)
            continue
        keep = keep_backorder_stock and bool(old[2])
        if keep:
            content_hash ^= KEPT_STOCK_SALT
        if old[0] == content_hash:
            unchanged += 1
            if pass_id is not None and old[1] != pass_id:
                to_mark.append(pid)
            continue
        changed_ids.append(pid)
        if keep:
            kept_rows.append(with_hash(row, content_hash))
            kept_variants.extend(variants)
        else:
            write_rows.append(row)
            write_variants.extend(variants)
    if new_rows:
        _insert_new(conn, new_rows, new_variants)
    sql = _statements()
    if write_rows:
        conn.executemany(sql["upsert_product"], write_rows)
    if kept_rows:
        conn.executemany(sql["upsert_product_keep_stock"], kept_rows)
    if write_variants:
        conn.executemany(sql["upsert_variant"], write_variants)
    if kept_variants:
        conn.executemany(sql["upsert_variant_keep_stock"], kept_variants)
    if changed_ids:
        incoming = [v[0] for pid in changed_ids for v in encoded[pid][1]]
        conn.execute(_DELETE_STALE_VARIANTS, (json.dumps(changed_ids), json.dumps(incoming)))
    if to_mark:
        conn.execute(_MARK_SEEN, (pass_id, json.dumps(to_mark)))
    return ApplyResult(created=len(new_rows), changed=len(changed_ids), unchanged=unchanged)


def _insert_new(
    conn: sqlite3.Connection, rows: list[ProductRowTuple], variants: list[VariantRowTuple]
) -> None:
    """Products not in the mirror, with their variants: plain INSERTs, about 15 % cheaper than
    upserts. Should a variant id already be stored (bad data: a variant listed under two
    products) the insert fails; then the same rows go in as upserts, which also overwrite what
    the failed statement had inserted (the last listing of a variant wins, as elsewhere).

    On a team database (``pg_connection``) a failed statement spoils the whole transaction, so
    the inserts run in a savepoint there; not on SQLite, where one costs a fresh pull ~20 %."""
    spoils = not isinstance(conn, sqlite3.Connection)
    sql = _statements()
    if spoils:
        conn.execute("SAVEPOINT new_products")
    try:
        conn.executemany(sql["insert_product"], rows)
        conn.executemany(sql["insert_variant"], variants)
    except conn.IntegrityError:  # sqlite3's, or the team connection's
        if spoils:
            conn.execute("ROLLBACK TO new_products")
        conn.executemany(sql["upsert_product"], rows)
        conn.executemany(sql["upsert_variant"], variants)
    if spoils:
        conn.execute("RELEASE new_products")
