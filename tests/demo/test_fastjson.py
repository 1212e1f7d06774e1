"""The fast serialiser writes exactly what ``json.dumps`` writes for the same product."""

from __future__ import annotations

import json

import pytest

from backorder_desktop.demo.catalog import Catalog
from backorder_desktop.demo.fastjson import product_json
from backorder_desktop.demo.fastjson import untouched
from backorder_desktop.demo.render import product_dict


@pytest.mark.parametrize("with_variants", [True, False])
def test_same_bytes_as_json_dumps_for_every_generated_product(with_variants: bool) -> None:
    catalog = Catalog(400, 3)
    include = frozenset({"variants"}) if with_variants else frozenset()
    with catalog.reading() as st:
        for product_id in st.live:
            assert untouched(st, product_id)
            expected = json.dumps(product_dict(st, product_id, include), separators=(",", ":"))
            assert product_json(st, product_id, with_variants) == expected


def test_written_text_leaves_the_fast_path_and_written_numbers_stay_exact() -> None:
    catalog = Catalog(20, 1)
    catalog.update_product(3, name="Changed")
    variant_id = catalog.get_product(4)["variants"][0]["id"]
    catalog.update_variant(variant_id, price=2.0)  # a column: the fast path reads it too
    catalog.update_product(5, price=7.25, is_visible=False)
    created = catalog.create_product({"name": "New", "type": "physical", "weight": 1, "price": 1})
    with catalog.reading() as st:
        assert not untouched(st, 3) and not untouched(st, created["id"])
        for product_id in (4, 5):
            assert untouched(st, product_id)
            expected = json.dumps(
                product_dict(st, product_id, frozenset({"variants"})), separators=(",", ":")
            )
            assert product_json(st, product_id, True) == expected
