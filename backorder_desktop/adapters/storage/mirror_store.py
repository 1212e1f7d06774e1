"""``SqliteMirrorStore``: the ``MirrorStore`` port on one SQLite file — catalog mirror and user data.

Threads: any number of reader threads and writer threads may share one store. peewee gives each
thread its own connection (``close()`` closes them all); writes are serialised by a lock in this
process and by ``BEGIN IMMEDIATE`` plus a 30 s busy timeout across processes, so a CLI command
beside a running window waits its turn instead of failing with "database is locked". Readers
never wait for writers (WAL).

Errors: every method raises only ``domain.errors`` types (``DiskFull``, ``StorageError``,
``DatabaseCorrupt`` …); a failed write changes nothing (one transaction per call).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from contextlib import contextmanager
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any
from typing import cast

from backorder_desktop.adapters.storage import catalog_reads
from backorder_desktop.adapters.storage import catalog_writes
from backorder_desktop.adapters.storage import history
from backorder_desktop.adapters.storage import product_writes_store
from backorder_desktop.adapters.storage import stock_store
from backorder_desktop.adapters.storage import tracking_handover
from backorder_desktop.adapters.storage.backorder_rules_store import BackorderRuleMethods
from backorder_desktop.adapters.storage.codec import to_text
from backorder_desktop.adapters.storage.dashboard_reads import DashboardReadMethods
from backorder_desktop.adapters.storage.db import immediate_transaction
from backorder_desktop.adapters.storage.db import open_database
from backorder_desktop.adapters.storage.failures import translated
from backorder_desktop.adapters.storage.history_reads import HistoryReadMethods
from backorder_desktop.adapters.storage.notifications_store import NotificationMethods
from backorder_desktop.adapters.storage.orders_store import OrderMethods
from backorder_desktop.adapters.storage.product_writes_mixin import ProductWriteMethods
from backorder_desktop.adapters.storage.purchasing_store import PurchasingMethods
from backorder_desktop.adapters.storage.salvage import UserDataCopy
from backorder_desktop.adapters.storage.stock_mixin import StockMethods
from backorder_desktop.adapters.storage.tables import StoreRow
from backorder_desktop.adapters.storage.tables import SyncRunRow
from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.errors import BugError
from backorder_desktop.domain.errors import InvalidSetting
from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.models import ItemProblem
from backorder_desktop.domain.models import Product
from backorder_desktop.domain.models import ProductQuery
from backorder_desktop.domain.models import StoreInfo
from backorder_desktop.domain.runs import RunCounts
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.runs import SyncRun
from backorder_desktop.domain.settings import Settings
from backorder_desktop.domain.settings import to_text as settings_to_text
from backorder_desktop.domain.settings import with_setting
from backorder_desktop.domain.stock import StockKey

if TYPE_CHECKING:  # made by a pull's writes (catalog_writes): a status never makes the ports' classes
    from backorder_desktop.domain.ports import ApplyResult

logger = logging.getLogger(__name__)


def _ids(values: Iterable[int]) -> str:
    return json.dumps(sorted({int(v) for v in values}))


class SqliteMirrorStore(
    StockMethods,
    OrderMethods,
    ProductWriteMethods,
    BackorderRuleMethods,
    NotificationMethods,
    PurchasingMethods,
    DashboardReadMethods,
    HistoryReadMethods,
):
    """The local mirror and the user's own data; see the module docstring for threads and errors.

    ``SqliteMirrorStore(path)`` opens (creating or migrating) the file via ``db.open_database``,
    which raises ``DatabaseTooNew``, ``DatabaseCorrupt``, ``DiskFull`` or ``StorageError``.
    """

    def __init__(self, path: Path, *, check: bool = True) -> None:
        self.path = Path(path)
        self._db = open_database(self.path, check=check)
        self._user_copy = UserDataCopy(self.path)  # userdata.sqlite3: user data outlives the file
        self._write_lock = threading.Lock()
        self._closed = False

    # --- plumbing ------------------------------------------------------------------------

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: a read of several statements (products, then their variants)
        sees one snapshot, whatever a writer commits meanwhile."""
        with translated(self.path):
            if self._closed:
                raise BugError(f"the database {self.path} was used after it was closed")
            conn = self._db.connection()
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")

    @contextmanager
    def _writing(self, *, user: bool = True) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction: all of the block is saved, or nothing. ``user``: it may have
        changed user data, so the side copy (``salvage.UserDataCopy``) is refreshed after it."""
        with translated(self.path), self._write_lock:
            if self._closed:
                raise BugError(f"the database {self.path} was used after it was closed")
            with immediate_transaction(self._db.connection()) as conn:
                yield conn
        if user:
            self._user_copy.changed()

    # --- catalog mirror ------------------------------------------------------------------

    def apply_products(
        self,
        products: Sequence[Product],
        *,
        pass_id: int | None,
        keep_backorder_stock: bool,
        at: datetime | None = None,
        safety_stock: Mapping[StockKey, int] | None = None,
    ) -> ApplyResult:
        with self._writing(user=False) as conn:
            result = catalog_writes.apply_products(
                conn, products, pass_id=pass_id, keep_backorder_stock=keep_backorder_stock
            )
            assigned = {
                int(row[0])
                for row in conn.execute(
                    "SELECT product_id FROM backorder_assignments WHERE product_id IN "
                    "(SELECT value FROM json_each(?))",
                    (_ids(p.id for p in products),),
                )
            }
            if assigned:
                when = at or datetime.now(UTC)
                tracking_handover.hand_over(conn, [p for p in products if p.id in assigned], when)
                ready = product_writes_store.pulled(
                    conn, [p for p in products if p.id in assigned], owned=not keep_backorder_stock, at=when
                )
                stock_store.reconcile(
                    conn, ready, owned=not keep_backorder_stock, at=when, safety_stock=safety_stock
                )
        if assigned:
            self._user_copy.changed()
        return result

    def mark_seen(self, ids: Iterable[int], pass_id: int) -> None:
        with self._writing() as conn:
            conn.execute(
                "UPDATE products SET seen_pass = ? WHERE id IN (SELECT value FROM json_each(?))",
                (pass_id, _ids(ids)),
            )

    def unseen_product_ids(self, pass_id: int) -> list[int]:
        with self._reading() as conn:
            return catalog_reads.unseen_product_ids(conn, pass_id)

    def remove_unseen(self, pass_id: int) -> int:
        """Delete products not seen in the (complete) pass, with their variants and assignments.

        Also drops assignments of products that are in no mirror row at all (left by a
        ``rebuild_mirror`` for products deleted from the store meanwhile): after a complete pass
        the mirror is the store, so those products are gone.
        """
        with self._writing() as conn:
            conn.execute(
                "DELETE FROM backorder_assignments WHERE product_id IN "
                "(SELECT id FROM products WHERE seen_pass IS NOT ?)",
                (pass_id,),
            )
            removed = conn.execute("DELETE FROM products WHERE seen_pass IS NOT ?", (pass_id,)).rowcount
            conn.execute(
                "DELETE FROM backorder_assignments WHERE product_id NOT IN (SELECT id FROM products)"
            )
            conn.execute("DELETE FROM outbox WHERE product_id NOT IN (SELECT id FROM products)")
            conn.execute("DELETE FROM stock_items WHERE product_id NOT IN (SELECT id FROM products)")
            return int(removed)

    def delete_products(self, ids: Iterable[int]) -> int:
        """Delete products deleted in the store: their variants and assignments go too."""
        wanted = _ids(ids)
        with self._writing() as conn:
            conn.execute(
                "DELETE FROM backorder_assignments WHERE product_id IN (SELECT value FROM json_each(?))",
                (wanted,),
            )
            stock_store.drop_products(conn, json.loads(wanted))
            cursor = conn.execute(
                "DELETE FROM products WHERE id IN (SELECT value FROM json_each(?))", (wanted,)
            )
            return int(cursor.rowcount)

    def rebuild_mirror(self) -> None:
        """Empty the catalog mirror (products, variants, cursors) so the next sync fetches it all again.

        User data stays: assignments, settings, sync history and the connected store (and, with
        the ledger and outbox). Assignments have no foreign key to ``products`` for this
        reason, and come back into effect as the next full pull brings the products back (same
        BigCommerce ids). The next sync is a full one, since the cursors are gone.

        A *corrupt* file never gets this far: opening it raises ``DatabaseCorrupt`` and nothing is
        written to it. The way forward is to move the file aside, open a new one, copy
        the ``tables.USER_TABLES`` rows that are still readable from the old file into it, and run
        a full sync — the mirror tables are never copied, they are fetched again.
        """
        with self._writing(user=False) as conn:
            conn.execute("DELETE FROM variants")
            conn.execute("DELETE FROM products")
            conn.execute("DELETE FROM cursors")
        logger.info("catalog mirror in %s emptied for a rebuild; user data kept", self.path)

    def product_count(self) -> int:
        with self._reading() as conn:
            return catalog_reads.count(conn, "products")

    def variant_count(self) -> int:
        with self._reading() as conn:
            return catalog_reads.count(conn, "variants")

    def get_product(self, product_id: int) -> Product | None:
        with self._reading() as conn:
            return catalog_reads.get_product(conn, product_id)

    def search_products(
        self, query: str = "", *, backorder_only: bool = False, limit: int | None = None, offset: int = 0
    ) -> list[Product]:
        with self._reading() as conn:
            return catalog_reads.search_products(
                conn, query, backorder_only=backorder_only, limit=limit, offset=offset
            )

    def query_products(self, query: ProductQuery, *, limit: int, offset: int = 0) -> list[Product]:
        with self._reading() as conn:
            return catalog_reads.query_products(conn, query, limit=limit, offset=offset)

    def count_products(self, query: ProductQuery) -> int:
        with self._reading() as conn:
            return catalog_reads.count_products(conn, query)

    def find_product_ids(self, refs: Iterable[str]) -> dict[str, int]:
        with self._reading() as conn:
            return catalog_reads.find_product_ids(conn, refs)

    # --- the connected store -------------------------------------------------------------

    def set_store(self, info: StoreInfo, api_url: str) -> None:
        values = {
            "store_hash": info.store_hash,
            "name": info.name,
            "plan_name": info.plan_name,
            "domain": info.domain,
            "currency": info.currency,
            "api_url": api_url,
            "updated_at": to_text(datetime.now(UTC)),
        }
        with self._writing():
            query = StoreRow.insert(id=1, **values).on_conflict(conflict_target=[StoreRow.id], update=values)
            query.bind(self._db).execute()

    def get_store(self) -> tuple[StoreInfo, str] | None:
        with self._reading():
            query = StoreRow.select().where(StoreRow.id == 1).dicts().bind(self._db)
            rows = cast(list[dict[str, Any]], list(query))
        if not rows:
            return None
        row = rows[0]
        info = StoreInfo(
            store_hash=row["store_hash"],
            name=row["name"],
            plan_name=row["plan_name"],
            domain=row["domain"],
            currency=row["currency"],
        )
        return info, str(row["api_url"])

    # --- assignments (user data) ---------------------------------------------------------

    def assign(self, product_ids: Iterable[int], *, by: str, at: datetime) -> int:
        """Assign mirrored products to backorder; returns how many were newly assigned.

        Ids not in the mirror are ignored; an existing assignment keeps its first date and author.
        """
        wanted = _ids(product_ids)
        with self._writing() as conn:
            already = set(product_writes_store.assigned_ids(conn, json.loads(wanted)))
            cursor = conn.execute(
                "INSERT INTO backorder_assignments (product_id, assigned_at, assigned_by) "
                "SELECT id, ?, ? FROM products WHERE id IN (SELECT value FROM json_each(?)) "
                "ON CONFLICT (product_id) DO NOTHING",
                (to_text(at), by, wanted),
            )
            products = [catalog_reads.get_product(conn, pid) for pid in json.loads(wanted)]
            stock_store.ensure_items(conn, [p for p in products if p is not None], at)
            fresh = [p for p in products if p is not None and p.id not in already]
            product_writes_store.turn_off(conn, fresh, at)  # the store stops counting: the app does
            return int(cursor.rowcount)

    def unassign(self, product_ids: Iterable[int], *, at: datetime | None = None) -> int:
        """Unassign products: their stock items and waiting changes go (the ledger stays); the
        store is to track their stock again, with the app's levels."""
        wanted = _ids(product_ids)
        with self._writing() as conn:
            when = at or datetime.now(UTC)
            product_writes_store.turn_back_on(conn, json.loads(wanted), when)
            stock_store.keep_awaiting(conn, json.loads(wanted), when)
            stock_store.keep_on_hand(conn, json.loads(wanted))
            stock_store.drop_products(conn, json.loads(wanted))
            cursor = conn.execute(
                "DELETE FROM backorder_assignments WHERE product_id IN (SELECT value FROM json_each(?))",
                (wanted,),
            )
            return int(cursor.rowcount)

    def backorder_product_ids(self) -> set[int]:
        with self._reading() as conn:
            return {int(row[0]) for row in conn.execute("SELECT product_id FROM backorder_assignments")}

    # --- cursors and runs ----------------------------------------------------------------

    def get_cursor(self, name: str) -> str | None:
        with self._reading() as conn:
            row = conn.execute("SELECT value FROM cursors WHERE name = ?", (name,)).fetchone()
            return None if row is None else str(row[0])

    def set_cursor(self, name: str, value: str | None) -> None:
        """Set a cursor; None removes it."""
        with self._writing(user=False) as conn:
            if value is None:
                conn.execute("DELETE FROM cursors WHERE name = ?", (name,))
            else:
                conn.execute(
                    "INSERT INTO cursors (name, value) VALUES (?, ?) "
                    "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    (name, value),
                )

    def start_run(
        self, *, kind: RunKind, trigger: RunTrigger, mode: InventorySource, full: bool, at: datetime
    ) -> int:
        with self._writing():
            return history.start_run(self._db, kind=kind, trigger=trigger, mode=mode, full=full, at=at)

    def finish_run(
        self,
        run_id: int,
        *,
        outcome: RunOutcome,
        counts: RunCounts,
        at: datetime,
        problems: Sequence[ItemProblem] = (),
        error: BackorderError | None = None,
    ) -> None:
        with self._writing():
            history.finish_run(
                self._db, run_id, outcome=outcome, counts=counts, at=at, problems=problems, error=error
            )

    def runs(self, limit: int = 50) -> list[SyncRun]:
        with self._reading():
            return history.runs(self._db, limit)

    def has_running_runs(self) -> bool:
        """Whether any run is marked running: a read, so a start takes the sync lock to mark runs
        a killed process left (``abandon_running_runs``) only when there is one."""
        query = SyncRunRow.select(SyncRunRow.id).where(SyncRunRow.outcome == RunOutcome.RUNNING.value)
        with self._reading():
            return bool(query.bind(self._db).exists())

    def abandon_running_runs(self, *, at: datetime) -> int:
        """Mark runs left "running" (by a process that was killed or lost power) as failed.

        Call it only where no other process can be running a sync on this file: the single
        instance of the app at startup (a CLI command beside a running window must not).
        """
        # A start calls this only once ``has_running_runs`` found one, and another process may have
        # marked it meanwhile: the side copy (every user table, the ledger included) is refreshed
        # only when a run was marked.
        with self._writing(user=False):
            count = history.abandon_running_runs(self._db, at=at)
        if count:
            self._user_copy.changed()
        return count

    def last_run(self, *, kind: RunKind | None = None, successful: bool = True) -> SyncRun | None:
        with self._reading():
            return history.last_run(self._db, kind=kind, successful=successful)

    # --- settings (user data) ------------------------------------------------------------

    def load_settings(self) -> Settings:
        """Stored settings over the defaults; a stored value that no longer validates is skipped
        (with a warning), so one bad value never keeps the app from starting."""
        with self._reading() as conn:
            stored = conn.execute("SELECT key, value FROM settings ORDER BY key").fetchall()
        settings = Settings()
        for name, text in stored:
            try:
                settings = with_setting(settings, name, text, stored=True)
            except InvalidSetting as exc:
                logger.warning("ignoring stored setting %s=%r: %s", name, text, exc.message)
        return settings

    def save_settings(self, settings: Settings) -> None:
        rows = list(settings_to_text(settings).items())
        with self._writing() as conn:
            conn.executemany(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                rows,
            )

    def close(self) -> None:
        """Close every thread's connection; call once no other thread uses the store."""
        self._user_copy.flush()
        with self._write_lock:
            if self._closed:
                return
            self._closed = True
            with translated(self.path):
                self._db.close_all()


def open_mirror(path: Path) -> SqliteMirrorStore:
    """Open the mirror database at ``path`` (created and migrated as needed)."""
    return SqliteMirrorStore(path)
