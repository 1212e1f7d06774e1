"""The generated catalog: deterministic by seed, realistic shape, unique SKUs, lazy text for 100,000."""

from __future__ import annotations

from collections import Counter

import pytest

from backorder_desktop.demo import storage
from backorder_desktop.demo.catalog import Catalog
from backorder_desktop.demo.generator import ProductText
from backorder_desktop.demo.generator import build_columns
from backorder_desktop.demo.generator import derive_text


def _whole_catalog(catalog: Catalog) -> list[dict[str, object]]:
    return [catalog.get_product(p) for p in catalog.product_ids()]


def test_same_seed_gives_the_same_catalog() -> None:
    assert _whole_catalog(Catalog(150, 7)) == _whole_catalog(Catalog(150, 7))


def test_another_seed_gives_another_catalog() -> None:
    first = _whole_catalog(Catalog(50, 1))
    second = _whole_catalog(Catalog(50, 2))
    assert [p["name"] for p in first] != [p["name"] for p in second]


def test_products_with_and_without_options() -> None:
    products = _whole_catalog(Catalog(400, 3))
    simple = [p for p in products if p["base_variant_id"] is not None]
    with_options = [p for p in products if p["base_variant_id"] is None]
    assert simple and with_options
    for product in simple:
        (variant,) = product["variants"]  # type: ignore[misc]
        assert variant["id"] == product["base_variant_id"]
        assert variant["option_values"] == []
        assert variant["sku_id"] is None
        assert variant["sku"] == product["sku"]
    for product in with_options:
        variants = product["variants"]
        assert isinstance(variants, list)
        assert 2 <= len(variants) <= 30
        assert all(v["option_values"] and v["sku_id"] is not None for v in variants)
        combos = {tuple((o["option_display_name"], o["label"]) for o in v["option_values"]) for v in variants}
        assert len(combos) == len(variants), "each variant is a different combination of option values"


def test_tracking_proportions_are_realistic() -> None:
    counts = Counter(build_columns(20_000, 5).tracking)
    shares = {code: counts[code] / 20_000 for code in (0, 1, 2)}  # none, product, variant
    assert 0.17 < shares[0] < 0.23
    assert 0.37 < shares[1] < 0.43
    assert 0.37 < shares[2] < 0.43


def test_skus_are_unique_and_every_product_has_a_variant() -> None:
    products = _whole_catalog(Catalog(500, 11))
    product_skus = [p["sku"] for p in products]
    variant_skus = [v["sku"] for p in products for v in p["variants"]]  # type: ignore[attr-defined]
    assert len(set(product_skus)) == len(product_skus)
    assert len(set(variant_skus)) == len(variant_skus)
    assert all(p["variants"] for p in products)
    assert len({p["name"] for p in products}) == len(products)


def test_names_and_prices_look_real() -> None:
    product = Catalog(5, 1).get_product(1)
    assert isinstance(product["name"], str) and len(product["name"].split()) >= 4
    assert isinstance(product["price"], float) and 1 <= product["price"] < 1000
    assert round(product["price"] * 100) % 100 in (0, 50, 95, 99)


def test_stock_follows_the_tracking_mode() -> None:
    for product in _whole_catalog(Catalog(300, 4)):
        variants = product["variants"]
        assert isinstance(variants, list)
        if product["inventory_tracking"] == "variant":
            assert product["inventory_level"] == sum(v["inventory_level"] for v in variants)
        elif product["inventory_tracking"] == "none":
            assert product["inventory_level"] == 0
            assert all(v["inventory_level"] == 0 for v in variants)


def test_a_hundred_thousand_products_are_columns_until_one_is_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What keeps a large catalog quick to make: no product is built up front; text is derived on
    demand, one product at a time."""
    derived: list[int] = []

    def counting(seed: int, product_id: int, family: int, nvar: int) -> ProductText:
        derived.append(product_id)
        return derive_text(seed, product_id, family, nvar)

    monkeypatch.setattr(storage, "derive_text", counting)
    catalog = Catalog(100_000, 1)
    assert catalog.product_count() == 100_000
    assert catalog.variant_count() > 100_000
    assert derived == []
    assert catalog.get_product(99_999)["id"] == 99_999
    assert set(derived) == {99_999}
