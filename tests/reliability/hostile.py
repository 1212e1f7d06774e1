"""Hypothesis strategies for hostile input: wrong types, huge numbers, bad text, deep nesting.

Used by the fuzz tests of the API page mapper, the transport's JSON reading and the feed parser.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from tests.bigcommerce_payloads import product

# Text that breaks naive code: lone surrogates (valid in JSON as \\udc80), NUL, control
# characters, right-to-left marks, combining marks, very long runs.
NASTY_TEXT = st.one_of(
    st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "\udc80",
            "a\ud800b",
            "\u202e\u0301",
            "﻿",
            "NaN",
            "Infinity",
            "1e309",
            "0x10",
            "DROP TABLE products;--",
        ]
    ),
    st.integers(100_000, 100_001).map(lambda n: "x" * n),  # built lazily: a short repr
)
HUGE_INTS = st.sampled_from(
    [
        -1,
        0,
        2**31 - 1,
        2**31,
        2**53 + 1,
        2**63 - 1,
        2**63,
        -(2**63) - 1,
        10**30,
        -(10**30),
        10**400,
    ]
)
WEIRD_FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([float("nan"), float("inf"), -float("inf"), 1e308, -0.0, 5e-324]),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    HUGE_INTS,
    WEIRD_FLOATS,
    NASTY_TEXT,
)
JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(NASTY_TEXT, children, max_size=4),
    ),
    max_leaves=12,
)
HOSTILE_DATES = st.one_of(
    NASTY_TEXT,
    st.sampled_from(
        [
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
            "2026-02-30T00:00:00+00:00",
            "2026-11-27T25:00:00Z",
            "2026-11-27",
            "2026-11-27T01:02:03+24:00",
        ]
    ),
)


def deeply_nested(depth: int) -> bytes:
    """A JSON document nested ``depth`` levels deep (past Python's recursion limit at 100,000)."""
    return b'{"data":' + b"[" * depth + b"]" * depth + b"}"


def page(items: list[Any], *, total: int | None = None, total_pages: int = 1) -> dict[str, Any]:
    count = len(items)
    return {
        "data": items,
        "meta": {
            "pagination": {
                "total": count if total is None else total,
                "count": count,
                "per_page": 250,
                "current_page": 1,
                "total_pages": total_pages,
            }
        },
    }


PRODUCT_FIELDS = (
    "id",
    "name",
    "sku",
    "inventory_tracking",
    "inventory_level",
    "price",
    "is_visible",
    "availability",
    "date_modified",
    "base_variant_id",
    "variants",
)
VARIANT_FIELDS = (
    "id",
    "product_id",
    "sku",
    "inventory_level",
    "price",
    "purchasing_disabled",
    "option_values",
)


@st.composite
def mutated_products(draw: st.DrawFn) -> dict[str, Any]:
    """A valid product with one to four fields replaced by hostile values (or removed)."""
    pid = draw(st.integers(min_value=1, max_value=50))
    raw = product(pid, draw(st.integers(min_value=0, max_value=3)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        target: dict[str, Any] = raw
        fields: tuple[str, ...] = PRODUCT_FIELDS
        listed = raw.get("variants")
        variants = [v for v in listed if isinstance(v, dict)] if isinstance(listed, list) else []
        if draw(st.booleans()) and variants:
            target = draw(st.sampled_from(variants))
            fields = VARIANT_FIELDS
        name = draw(st.sampled_from(fields))
        if draw(st.integers(min_value=0, max_value=9)) == 0:
            target.pop(name, None)
            continue
        value_kind = draw(st.sampled_from(["scalar", "json", "huge", "float", "text", "date"]))
        value = draw(
            {
                "scalar": SCALARS,
                "json": JSON_VALUES,
                "huge": HUGE_INTS,
                "float": WEIRD_FLOATS,
                "text": NASTY_TEXT,
                "date": HOSTILE_DATES,
            }[value_kind]
        )
        target[name] = value
    return raw


def encode(document: Any) -> bytes:
    """JSON as a server would send it (Python's encoder also writes NaN and Infinity, as some do)."""
    return json.dumps(document, allow_nan=True).encode("utf-8", "surrogatepass")
