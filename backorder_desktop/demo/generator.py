"""Deterministic catalog generation: compact per-product columns up front, text derived on demand.

A catalog of 100,000 products must be serving within a few seconds and in modest memory, so the
generator does not build product dictionaries. :func:`build_columns` makes one pass with a seeded
RNG and fills flat arrays (family, variant count, tracking, visibility, dates, prices, stock);
:func:`derive_text` rebuilds the rest of one product (name, SKUs, options, descriptions) from
``(seed, product id)`` whenever it is needed. The same seed always gives the same catalog.
"""

from __future__ import annotations

import functools
import random
from array import array
from dataclasses import dataclass
from dataclasses import field

from backorder_desktop.demo.words import BRANDS
from backorder_desktop.demo.words import FAMILIES
from backorder_desktop.demo.words import Family

TRACK_NONE = 0
TRACK_PRODUCT = 1
TRACK_VARIANT = 2
TRACKING_NAMES = ("none", "product", "variant")
TRACKING_CODES = {name: code for code, name in enumerate(TRACKING_NAMES)}

# Generated dates lie in a fixed past span so that the same seed gives the same catalog on any day.
DATES_FROM = 1_672_531_200  # 2023-01-01T00:00:00+00:00
DATES_TO = 1_764_547_200  # 2025-12-01T00:00:00+00:00
CUSTOM_FAMILY = 255  # products created through the API: all their text lives in overrides

_OPTION_FAMILIES = tuple(i for i, fam in enumerate(FAMILIES) if fam.options)
_SIMPLE_FAMILIES = tuple(i for i, fam in enumerate(FAMILIES) if fam.simple_ok)


@dataclass
class Columns:
    """Flat per-product (index ``id - 1``) and per-variant (index ``id - 1``) state of the catalog."""

    family: bytearray = field(default_factory=bytearray)
    tracking: bytearray = field(default_factory=bytearray)
    visible: bytearray = field(default_factory=bytearray)
    deleted: bytearray = field(default_factory=bytearray)
    nvar: array[int] = field(default_factory=lambda: array("H"))
    first_variant: array[int] = field(default_factory=lambda: array("q"))
    created: array[int] = field(default_factory=lambda: array("q"))
    modified: array[int] = field(default_factory=lambda: array("q"))
    price: array[int] = field(default_factory=lambda: array("q"))  # cents
    stock: array[int] = field(default_factory=lambda: array("q"))  # product-level inventory
    v_owner: array[int] = field(default_factory=lambda: array("q"))
    v_stock: array[int] = field(default_factory=lambda: array("q"))
    v_price: array[int] = field(default_factory=lambda: array("q"))  # cents


@dataclass(frozen=True)
class OptionDef:
    """One product option (e.g. Size) with its values as ``(value id, label)``."""

    option_id: int
    display_name: str
    values: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class ProductText:
    """The derived, non-numeric part of a generated product."""

    name: str
    sku: str
    description: str
    brand_id: int
    category_id: int
    weight: float
    width: float
    height: float
    depth: float
    sale_ratio: float  # 0.0 when not on sale
    cost_ratio: float
    total_sold: int
    reviews_count: int
    reviews_rating_sum: int
    is_featured: bool
    warning_level: int
    options: tuple[OptionDef, ...]
    variant_skus: tuple[str, ...]
    variant_values: tuple[tuple[tuple[int, int], ...], ...]  # per variant: (option index, value index)


def _variant_count(rnd: random.Random) -> int:
    """2–30 variants, most products having a handful (sizes of one colour, a few colours)."""
    u = rnd.random()
    if u < 0.6:
        return 2 + int(rnd.random() * 5)
    if u < 0.9:
        return 7 + int(rnd.random() * 9)
    return 16 + int(rnd.random() * 15)


def build_columns(products: int, seed: int) -> Columns:
    """Generate the numeric state of ``products`` products in one seeded pass."""
    cols = Columns()
    rnd = random.Random(seed)
    r = rnd.random
    span = DATES_TO - DATES_FROM
    next_variant = 1
    fam_objs = FAMILIES
    for _ in range(products):
        has_options = r() < 0.5
        if has_options:
            fam = _OPTION_FAMILIES[int(r() * len(_OPTION_FAMILIES))]
            t = r()
            tracking = TRACK_VARIANT if t < 0.8 else TRACK_PRODUCT if t < 0.9 else TRACK_NONE
            nvar = _variant_count(rnd)
        else:
            fam = _SIMPLE_FAMILIES[int(r() * len(_SIMPLE_FAMILIES))]
            tracking = TRACK_PRODUCT if r() < 0.7 else TRACK_NONE
            nvar = 1
        low, high = fam_objs[fam].price_range
        dollars = low + int(r() * (high - low))
        cents = dollars * 100 + (99, 95, 0, 50)[int(r() * 4)]
        if cents <= 0:
            cents = 99
        created = DATES_FROM + int(r() * span)
        cols.family.append(fam)
        cols.tracking.append(tracking)
        cols.visible.append(1 if r() < 0.93 else 0)
        cols.deleted.append(0)
        cols.nvar.append(nvar)
        cols.first_variant.append(next_variant)
        cols.created.append(created)
        cols.modified.append(created + int(r() * (DATES_TO - created)))
        cols.price.append(cents)
        product_id = len(cols.price)
        level = 0
        if tracking == TRACK_PRODUCT:
            level = 0 if r() < 0.08 else int(r() ** 2 * 300)
        cols.stock.append(level)
        for _v in range(nvar):
            vlevel = 0
            if tracking == TRACK_VARIANT:
                vlevel = 0 if r() < 0.1 else int(r() ** 2 * 60)
            cols.v_owner.append(product_id)
            cols.v_stock.append(vlevel)
            cols.v_price.append(cents + (0 if r() < 0.7 else (100, 200, 300, 500)[int(r() * 4)]))
        next_variant += nvar
    return cols


@functools.lru_cache(maxsize=1024)
def _code(label: str) -> str:
    return "".join(ch for ch in label.upper() if ch.isalnum())


def _option_layout(
    fam: Family, nvar: int, rnd: random.Random
) -> tuple[list[tuple[str, list[str]]], list[tuple[int, ...]]]:
    """Choose option values so that their combinations give exactly ``nvar`` variants."""
    (first_name, first_values), (second_name, second_values) = fam.options
    if nvar <= len(first_values) and rnd.random() < 0.6:
        start = int(rnd.random() * (len(first_values) - nvar + 1))
        chosen = list(first_values[start : start + nvar])
        return [(first_name, chosen)], [(i,) for i in range(nvar)]
    per = min(len(first_values), max(2, nvar))
    start = int(rnd.random() * (len(first_values) - per + 1))
    firsts = list(first_values[start : start + per])
    needed = -(-nvar // per)
    seconds = rnd.sample(list(second_values), min(needed, len(second_values)))
    pairs: list[tuple[int, ...]] = [(a, b) for b in range(len(seconds)) for a in range(len(firsts))]
    combos = pairs[:nvar]
    return [(first_name, firsts), (second_name, seconds)], combos


def derive_text(seed: int, product_id: int, family: int, nvar: int) -> ProductText:
    """Rebuild the text of generated product ``product_id`` (same inputs, same result)."""
    fam = FAMILIES[family]
    rnd = random.Random(seed * 1_000_003 + product_id)
    r = rnd.random
    brand_index = int(r() * len(BRANDS))
    adjective = fam.adjectives[int(r() * len(fam.adjectives))]
    material = fam.materials[int(r() * len(fam.materials))]
    noun = fam.nouns[int(r() * len(fam.nouns))]
    name = f"{BRANDS[brand_index]} {adjective} {material} {noun} #{product_id}"
    sku = f"{fam.code}-{product_id:06d}"
    description = (
        f"<p>The {adjective.lower()} {noun.lower()} from {BRANDS[brand_index]}, made of "
        f"{material.lower()}. {fam.blurb}</p>"
    )
    wlow, whigh = fam.weight_range
    weight = round(wlow + r() * (whigh - wlow), 2)
    options: list[OptionDef] = []
    skus: list[str] = []
    values: list[tuple[tuple[int, int], ...]] = []
    if nvar == 1 or not fam.options:
        skus.append(sku)
        values.append(())
    else:
        layout, combos = _option_layout(fam, nvar, rnd)
        for index, (display, labels) in enumerate(layout):
            option_id = product_id * 2 + index
            options.append(
                OptionDef(
                    option_id, display, tuple((option_id * 100 + k, lab) for k, lab in enumerate(labels))
                )
            )
        for combo in combos:
            parts = [_code(layout[opt][1][val]) for opt, val in enumerate(combo)]
            skus.append("-".join([sku, *parts]))
            values.append(tuple(enumerate(combo)))
    on_sale = r() < 0.12
    reviews = int(r() ** 3 * 80)
    return ProductText(
        name=name,
        sku=sku,
        description=description,
        brand_id=brand_index + 1,
        category_id=fam.category_id,
        weight=weight,
        width=round(2 + r() * 30, 1),
        height=round(1 + r() * 20, 1),
        depth=round(1 + r() * 20, 1),
        sale_ratio=round(0.7 + r() * 0.2, 2) if on_sale else 0.0,
        cost_ratio=round(0.35 + r() * 0.25, 2),
        total_sold=int(r() ** 2 * 900),
        reviews_count=reviews,
        reviews_rating_sum=int(reviews * (3.2 + r() * 1.8)),
        is_featured=r() < 0.05,
        warning_level=(0, 2, 5, 10)[int(r() * 4)],
        options=tuple(options),
        variant_skus=tuple(skus),
        variant_values=tuple(values),
    )
