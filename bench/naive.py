"""The naive client row 2 compares against: the full pull the way a typical script or connector does it.

Sequential pages (``GET /v3/catalog/products?limit=250&page=N&include=variants``) with a plain
``httpx.Client`` loop, and one peewee ORM save per row (``Model.create`` per product and per
variant, each its own autocommitted transaction) into its own small schema in a fresh file.

Two things are given to it for free, so the comparison is about the client's design and not about
settings: a pooled keep-alive connection, and the mirror's pragmas (WAL, ``synchronous=NORMAL``).
With peewee's defaults (rollback journal, ``synchronous=FULL``) every save is an fsync;
:func:`default_pragmas_cost` measures what one save costs then, for the note.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from peewee import BooleanField
from peewee import CharField
from peewee import FloatField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import Model
from peewee import SqliteDatabase

MIRROR_PRAGMAS = {"journal_mode": "wal", "synchronous": "normal", "foreign_keys": 1}


class NaiveProduct(Model):
    id = IntegerField(primary_key=True)
    name = CharField()
    sku = CharField(null=True)
    price = FloatField()
    inventory_level = IntegerField()
    inventory_tracking = CharField()
    is_visible = BooleanField()
    availability = CharField()
    date_modified = CharField()


class NaiveVariant(Model):
    id = IntegerField(primary_key=True)
    product = ForeignKeyField(NaiveProduct, backref="variants")
    sku = CharField(null=True)
    price = FloatField(null=True)
    inventory_level = IntegerField()
    option_label = CharField()


MODELS = [NaiveProduct, NaiveVariant]


def open_db(path: Path, pragmas: dict[str, Any] | None = None) -> SqliteDatabase:
    db = SqliteDatabase(str(path), pragmas=MIRROR_PRAGMAS if pragmas is None else pragmas)
    db.bind(MODELS)
    db.connect()
    db.create_tables(MODELS)
    return db


def save_product(p: dict[str, Any]) -> int:
    """One product and its variants, one ``create`` (one transaction) each; returns rows saved."""
    NaiveProduct.create(
        id=p["id"],
        name=p["name"],
        sku=p.get("sku"),
        price=p["price"],
        inventory_level=p["inventory_level"],
        inventory_tracking=p["inventory_tracking"],
        is_visible=p["is_visible"],
        availability=p["availability"],
        date_modified=p["date_modified"],
    )
    for v in p.get("variants", ()):
        NaiveVariant.create(
            id=v["id"],
            product=p["id"],
            sku=v.get("sku"),
            price=v.get("price"),
            inventory_level=v["inventory_level"],
            option_label=" / ".join(o.get("label", "") for o in v.get("option_values", ())),
        )
    return 1 + len(p.get("variants", ()))


def pull(base_url: str, token: str, database: Path, limit: int = 250) -> dict[str, Any]:
    """The whole naive full pull; returns its figures (seconds, products, rows, requests)."""
    db = open_db(database)
    products = rows = requests = 0
    headers = {"X-Auth-Token": token, "Accept": "application/json"}
    started = time.perf_counter()
    try:
        with httpx.Client(headers=headers, timeout=120) as http:
            page = 1
            while True:
                reply = http.get(
                    f"{base_url}/v3/catalog/products",
                    params={"limit": limit, "page": page, "include": "variants"},
                )
                requests += 1
                reply.raise_for_status()
                body = reply.json()
                for product in body["data"]:
                    rows += save_product(product)
                    products += 1
                if page >= body["meta"]["pagination"]["total_pages"]:
                    break
                page += 1
        seconds = time.perf_counter() - started
    finally:
        db.close()
    return {"seconds": seconds, "products": products, "rows": rows, "requests": requests}


def default_pragmas_cost(samples: int = 200) -> float:
    """Seconds per ``Model.create`` with peewee's default pragmas (each one commits with fsync)."""
    with tempfile.TemporaryDirectory(prefix="bench-naive-") as tmp:
        db = open_db(Path(tmp) / "defaults.sqlite3", pragmas={})
        try:
            started = time.perf_counter()
            for index in range(1, samples + 1):
                NaiveProduct.create(
                    id=index,
                    name="x",
                    price=1.0,
                    inventory_level=1,
                    inventory_tracking="none",
                    is_visible=True,
                    availability="available",
                    date_modified="2025-01-01T00:00:00+00:00",
                )
            return (time.perf_counter() - started) / samples
        finally:
            db.close()
            db.bind([])  # leave the models unbound for the next open_db
