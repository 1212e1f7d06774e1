"""The catalog mirror: apply_products counts and round trips, BackOrder stock, removals, search, lookups."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from datetime import timezone

from backorder_desktop.adapters.storage import SqliteMirrorStore
from backorder_desktop.domain.models import InventoryTracking
from backorder_desktop.domain.models import ProductQuery
from backorder_desktop.domain.models import ProductSort
from backorder_desktop.domain.models import Variant
from backorder_desktop.domain.ports import ApplyResult
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import AdjustmentSource
from backorder_desktop.domain.stock import StockKey
from tests.adapters.storage.conftest import T0
from tests.adapters.storage.conftest import make_product


def test_apply_round_trips_products_and_variants(store: SqliteMirrorStore) -> None:
    products = [make_product(1), make_product(2, variants=3), make_product(3, variants=10)]
    assert store.apply_products(products, pass_id=None, keep_backorder_stock=False) == ApplyResult(3, 0, 0)
    for product in products:
        assert store.get_product(product.id) == product
    assert store.get_product(99) is None
    assert store.product_count() == 3
    assert store.variant_count() == 14


def test_times_come_back_timezone_aware_utc(store: SqliteMirrorStore) -> None:
    local = T0.astimezone(timezone(timedelta(hours=-5)))
    store.apply_products(
        [dataclasses.replace(make_product(1), date_modified=local)], pass_id=None, keep_backorder_stock=False
    )
    stored = store.get_product(1)
    assert stored is not None
    assert stored.date_modified == T0
    assert stored.date_modified.utcoffset() == timedelta(0)


def test_counts_created_changed_unchanged(store: SqliteMirrorStore) -> None:
    first = [make_product(i, variants=2) for i in range(1, 6)]
    assert store.apply_products(first, pass_id=1, keep_backorder_stock=False) == ApplyResult(5, 0, 0)
    assert store.apply_products(first, pass_id=1, keep_backorder_stock=False) == ApplyResult(0, 0, 5)
    second = [
        dataclasses.replace(first[0], name="Renamed"),
        dataclasses.replace(
            first[1], variants=(dataclasses.replace(first[1].variants[0], price=1.5), first[1].variants[1])
        ),
        first[2],
        make_product(6),
    ]
    assert store.apply_products(second, pass_id=2, keep_backorder_stock=False) == ApplyResult(1, 2, 1)
    assert store.get_product(1) == second[0]
    assert store.get_product(2) == second[1]


def test_a_repeated_id_in_one_page_counts_once_and_the_last_wins(store: SqliteMirrorStore) -> None:
    older, newer = make_product(1), make_product(1, name="Newer")
    assert store.apply_products([older, newer], pass_id=None, keep_backorder_stock=False) == ApplyResult(
        1, 0, 0
    )
    assert store.get_product(1) == newer


def test_a_variant_listed_under_a_new_product_moves_there(store: SqliteMirrorStore) -> None:
    old = make_product(1, variants=2)
    store.apply_products([old], pass_id=None, keep_backorder_stock=False)
    moved = dataclasses.replace(old.variants[1], product_id=2)
    new = dataclasses.replace(make_product(2), variants=(moved,))
    twice = dataclasses.replace(make_product(3), variants=(dataclasses.replace(moved, product_id=3),))
    result = store.apply_products([new, twice], pass_id=None, keep_backorder_stock=False)
    assert result == ApplyResult(2, 0, 0)
    assert store.find_product_ids(["P1-V2"]) == {"P1-V2": 3}  # the last listing wins
    assert store.variant_count() == 2


def test_variants_no_longer_in_the_product_are_deleted(store: SqliteMirrorStore) -> None:
    product = make_product(1, variants=4)
    store.apply_products([product], pass_id=None, keep_backorder_stock=False)
    fewer = dataclasses.replace(product, variants=product.variants[1:3])
    assert store.apply_products([fewer], pass_id=None, keep_backorder_stock=False) == ApplyResult(0, 1, 0)
    assert store.get_product(1) == fewer
    assert store.variant_count() == 2
    assert store.find_product_ids(["P1-V1", "P1-V4"]) == {}


def test_keep_backorder_stock_on_a_product_tracked_product(store: SqliteMirrorStore) -> None:
    """A pull never overwrites a BackOrder product's stock: a local edit waiting to be written
    stays, and a move made in the store (an order) is added to it through the ledger."""
    store.apply_products(
        [make_product(1, stock=5), make_product(2, stock=5)], pass_id=None, keep_backorder_stock=True
    )
    assert store.assign([1], by="tester", at=T0) == 1
    store.adjust_stock(
        StockKey(1), AdjustmentKind.SET, 8, source=AdjustmentSource.PERSON, actor="dana", at=T0
    )
    remote = [make_product(1, stock=50, name="New name", price=20.0), make_product(2, stock=50)]
    assert store.apply_products(remote, pass_id=None, keep_backorder_stock=True, at=T0) == ApplyResult(
        0, 2, 0
    )
    kept = store.get_product(1)
    assert kept is not None
    assert kept.inventory_level == 8 + 45  # the edit, plus the store's move from 5 to 50
    assert kept.variants[0].inventory_level == 53  # its base variant shows the product's level
    assert (kept.name, kept.price, kept.variants[0].price) == ("New name", 20.0, 20.0)
    moves = store.stock_history(1)
    assert [(a.source, a.kind, a.quantity) for a in moves] == [
        (AdjustmentSource.STORE, AdjustmentKind.ADD, 45),
        (AdjustmentSource.PERSON, AdjustmentKind.SET, 8),
    ]
    assert store.outbox_count() == 1  # the edit still waits to be written
    other = store.get_product(2)
    assert other is not None
    assert other.inventory_level == 50  # not a BackOrder product: follows BigCommerce
    # The same remote page again is a no-op, stock unchanged.
    assert store.apply_products(remote, pass_id=None, keep_backorder_stock=True) == ApplyResult(0, 0, 2)
    assert store.get_product(1).inventory_level == 53  # type: ignore[union-attr]


def test_keep_backorder_stock_on_a_variant_tracked_product(store: SqliteMirrorStore) -> None:
    product = make_product(1, variants=3, stock=5, tracking=InventoryTracking.VARIANT)
    store.apply_products([product], pass_id=None, keep_backorder_stock=True)
    store.assign([1], by="tester", at=T0)
    store.adjust_stock(
        StockKey(1, 101), AdjustmentKind.SET, 20, source=AdjustmentSource.PERSON, actor="d", at=T0
    )
    new_variant = Variant(id=199, product_id=1, sku="P1-NEW", inventory_level=77, price=1.0)
    remote_variants = tuple(
        dataclasses.replace(v, inventory_level=0, option_label="X") for v in product.variants
    )
    remote = dataclasses.replace(product, inventory_level=0, variants=(*remote_variants[:2], new_variant))
    assert store.apply_products([remote], pass_id=None, keep_backorder_stock=True) == ApplyResult(0, 1, 0)
    kept = store.get_product(1)
    assert kept is not None
    # 20 (edit) - 6 (sold in the store); 7 - 7; the new variant takes the store's value
    assert [v.inventory_level for v in kept.variants] == [14, 0, 77]
    assert [v.option_label for v in kept.variants] == ["X", "X", ""]
    assert kept.inventory_level == 14 + 0 + 77  # a variant-tracked product shows its variants' sum
    assert [i.key.variant_id for i in store.stock_items([1])] == [101, 102, 199]


def test_stock_follows_the_store_when_it_owns_it(store: SqliteMirrorStore) -> None:
    store.apply_products([make_product(1, stock=5)], pass_id=None, keep_backorder_stock=True)
    store.assign([1], by="tester", at=T0)
    remote = [make_product(1, stock=50)]
    # erp mode: BackOrder stock follows BigCommerce, recorded in the ledger.
    assert store.apply_products(remote, pass_id=None, keep_backorder_stock=False) == ApplyResult(0, 1, 0)
    assert store.get_product(1) == remote[0]
    assert [(a.kind, a.quantity) for a in store.stock_history(1)] == [(AdjustmentKind.SET, 50)]
    # Unassigned, the product's stock simply follows the store.
    assert store.unassign([1]) == 1
    assert store.stock_items([1]) == []
    moved = [make_product(1, stock=40)]
    assert store.apply_products(moved, pass_id=None, keep_backorder_stock=True) == ApplyResult(0, 1, 0)
    assert store.get_product(1) == moved[0]


def test_remove_unseen_after_a_complete_pass(store: SqliteMirrorStore) -> None:
    store.apply_products(
        [make_product(i, variants=2) for i in range(1, 6)], pass_id=1, keep_backorder_stock=False
    )
    store.assign([2, 3], by="tester", at=T0)
    store.apply_products(
        [make_product(i, variants=2) for i in (1, 3, 5)], pass_id=2, keep_backorder_stock=False
    )
    assert store.unseen_product_ids(2) == [2, 4]
    assert store.remove_unseen(2) == 2
    assert [p.id for p in store.search_products()] == [1, 3, 5]
    assert store.variant_count() == 6
    assert store.backorder_product_ids() == {3}  # the deleted product's assignment went with it
    assert store.unseen_product_ids(2) == []
    assert store.remove_unseen(2) == 0


def test_an_incremental_apply_keeps_the_pass_mark(store: SqliteMirrorStore) -> None:
    store.apply_products([make_product(1), make_product(2)], pass_id=7, keep_backorder_stock=False)
    store.apply_products([make_product(1, name="Changed")], pass_id=None, keep_backorder_stock=False)
    store.apply_products([make_product(3)], pass_id=None, keep_backorder_stock=False)
    assert store.unseen_product_ids(7) == [3]


def test_delete_products_takes_variants_and_assignments(store: SqliteMirrorStore) -> None:
    store.apply_products(
        [make_product(1, variants=3), make_product(2)], pass_id=None, keep_backorder_stock=False
    )
    store.assign([1, 2], by="tester", at=T0)
    assert store.delete_products([1, 42]) == 1
    assert store.get_product(1) is None
    assert store.variant_count() == 1
    assert store.backorder_product_ids() == {2}
    assert store.delete_products([]) == 0


def test_search_by_name_sku_and_variant_sku_case_insensitive(store: SqliteMirrorStore) -> None:
    store.apply_products(
        [
            make_product(1, name="Blue Kettle"),
            make_product(2, name="Red kettle", variants=2),
            make_product(3, name="Ölkanne groß"),
            make_product(4, name="Lamp"),
        ],
        pass_id=None,
        keep_backorder_stock=False,
    )
    assert [p.id for p in store.search_products("KETTLE")] == [1, 2]
    assert [p.id for p in store.search_products("p2-v2")] == [2]  # a variant's SKU
    assert [p.id for p in store.search_products("p4")] == [4]
    assert [p.id for p in store.search_products("ÖLKANNE GROSS")] == [3]  # Unicode case folding
    assert [p.id for p in store.search_products("100%_")] == []  # no wildcards
    assert [p.id for p in store.search_products("  ")] == [1, 4, 2, 3]  # everything, by name
    found = store.search_products("kettle")
    assert found[1].variants == make_product(2, name="Red kettle", variants=2).variants


def test_search_backorder_only_limit_and_offset(store: SqliteMirrorStore) -> None:
    store.apply_products([make_product(i) for i in range(1, 11)], pass_id=None, keep_backorder_stock=False)
    store.assign([2, 4, 6, 8], by="tester", at=T0)
    assert [p.id for p in store.search_products(backorder_only=True)] == [2, 4, 6, 8]
    assert [p.id for p in store.search_products(backorder_only=True, limit=2, offset=1)] == [4, 6]
    assert [p.id for p in store.search_products("product 1", limit=5)] == [1, 10]
    assert store.search_products(limit=0) == []


def test_find_product_ids_by_id_product_sku_and_variant_sku(store: SqliteMirrorStore) -> None:
    store.apply_products(
        [make_product(1), make_product(2, variants=2)], pass_id=None, keep_backorder_stock=False
    )
    refs = ["1", "p1", "P2", "P2-V2", "p2-v1", "3", "nope", ""]
    assert store.find_product_ids(refs) == {"1": 1, "p1": 1, "P2": 2, "P2-V2": 2, "p2-v1": 2}


def test_query_products_filters_sorts_and_counts(store: SqliteMirrorStore) -> None:
    hidden = dataclasses.replace(make_product(1, name="Zebra", stock=0), is_visible=False)
    sold_out_variants = make_product(2, name="alpha", variants=2, stock=-1)  # variants at 0 and 1
    all_zero = dataclasses.replace(
        make_product(3, name="Mango", variants=2),
        variants=tuple(
            dataclasses.replace(v, inventory_level=0) for v in make_product(3, variants=2).variants
        ),
    )
    untracked = make_product(4, name="beta", stock=0, tracking=InventoryTracking.NONE)
    store.apply_products(
        [hidden, sold_out_variants, all_zero, untracked], pass_id=None, keep_backorder_stock=False
    )
    store.assign([1, 3], by="tester", at=T0)

    def ids(query: ProductQuery, limit: int = 100, offset: int = 0) -> list[int]:
        return [p.id for p in store.query_products(query, limit=limit, offset=offset)]

    assert ids(ProductQuery()) == [2, 4, 3, 1]  # by name, case-insensitive
    assert ids(ProductQuery(sort=ProductSort.NAME, descending=True)) == [1, 3, 4, 2]
    # levels 0, 1 (the sum of 0 and 1), 0 (its variants' sum once assigned), 0; ties by id
    assert ids(ProductQuery(sort=ProductSort.INVENTORY_LEVEL)) == [1, 3, 4, 2]
    assert ids(ProductQuery(sort=ProductSort.ID, descending=True), limit=2, offset=1) == [3, 2]
    assert ids(ProductQuery(visible=False)) == [1]
    assert ids(ProductQuery(visible=True, backorder_only=True)) == [3]
    assert ids(ProductQuery(out_of_stock=True)) == [3, 1]  # product 2 still has a variant in stock
    assert ids(ProductQuery(text="P3-V")) == [3]
    assert store.count_products(ProductQuery()) == 4
    assert store.count_products(ProductQuery(out_of_stock=True, backorder_only=True)) == 2
    assert store.count_products(ProductQuery(text="nothing like it")) == 0
    for sort in ProductSort:
        assert sorted(ids(ProductQuery(sort=sort))) == [1, 2, 3, 4]
