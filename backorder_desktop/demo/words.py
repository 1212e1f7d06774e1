"""Vocabulary of the generated catalog: product families, their options, names, brands and prices."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    """A kind of product: how it is named, priced, and which options its variants take."""

    code: str  # SKU prefix
    category_id: int
    category: str
    nouns: tuple[str, ...]
    adjectives: tuple[str, ...]
    materials: tuple[str, ...]
    price_range: tuple[int, int]  # whole dollars
    weight_range: tuple[float, float]  # pounds
    blurb: str
    # Two options whose combinations give 2-30 variants; empty for families sold only as simple products.
    options: tuple[tuple[str, tuple[str, ...]], ...]
    simple_ok: bool


_COLOURS = (
    "Black",
    "White",
    "Navy",
    "Heather Grey",
    "Olive",
    "Burgundy",
    "Sand",
    "Forest Green",
    "Sky Blue",
    "Charcoal",
)
_APPAREL_SIZES = ("XS", "S", "M", "L", "XL", "XXL", "3XL")
_SHOE_SIZES = tuple(
    f"US {n}" for n in ("6", "6.5", "7", "7.5", "8", "8.5", "9", "9.5", "10", "10.5", "11", "12", "13")
)

FAMILIES: tuple[Family, ...] = (
    Family(
        code="TSH",
        category_id=21,
        category="Apparel",
        nouns=(
            "Crew Tee",
            "Hoodie",
            "Polo Shirt",
            "Oxford Shirt",
            "Fleece Jacket",
            "Sweatpants",
            "Rain Jacket",
        ),
        adjectives=("Classic", "Everyday", "Heritage", "Lightweight", "Relaxed", "Slim-Fit", "Vintage"),
        materials=("Cotton", "Organic Cotton", "Merino", "Linen", "Recycled Polyester", "Bamboo"),
        price_range=(14, 120),
        weight_range=(0.3, 2.5),
        blurb="Pre-shrunk and machine washable.",
        options=(("Size", _APPAREL_SIZES), ("Color", _COLOURS)),
        simple_ok=False,
    ),
    Family(
        code="SHO",
        category_id=22,
        category="Footwear",
        nouns=("Running Shoe", "Trail Sneaker", "Chelsea Boot", "Canvas Sneaker", "Hiking Boot", "Loafer"),
        adjectives=("Classic", "Cushioned", "Waterproof", "Breathable", "All-Terrain", "Minimalist"),
        materials=("Leather", "Suede", "Mesh", "Canvas", "Nubuck"),
        price_range=(45, 240),
        weight_range=(1.2, 4.0),
        blurb="Free exchanges on sizes within 60 days.",
        options=(("Size", _SHOE_SIZES), ("Width", ("Regular", "Wide", "Extra Wide"))),
        simple_ok=False,
    ),
    Family(
        code="OUT",
        category_id=23,
        category="Outdoor",
        nouns=("Daypack", "Duffel Bag", "Dry Bag", "Trekking Pack", "Roll-Top Backpack"),
        adjectives=("Packable", "Rugged", "Ultralight", "Expedition", "Weatherproof"),
        materials=("Ripstop Nylon", "Waxed Canvas", "Cordura", "Recycled Nylon"),
        price_range=(29, 260),
        weight_range=(0.8, 5.5),
        blurb="Lifetime warranty against manufacturing defects.",
        options=(("Capacity", ("15 L", "20 L", "30 L", "45 L", "60 L")), ("Color", _COLOURS)),
        simple_ok=True,
    ),
    Family(
        code="BTY",
        category_id=24,
        category="Beauty",
        nouns=("Shampoo", "Hand Cream", "Body Wash", "Face Serum", "Beard Oil", "Soap Bar"),
        adjectives=("Gentle", "Nourishing", "Daily", "Restoring", "Fresh"),
        materials=("Argan", "Aloe", "Shea", "Oat", "Charcoal", "Coconut"),
        price_range=(6, 48),
        weight_range=(0.1, 1.5),
        blurb="Cruelty free and made in small batches.",
        options=(
            ("Size", ("50 ml", "100 ml", "250 ml", "500 ml", "1 l")),
            ("Scent", ("Unscented", "Lavender", "Citrus", "Cedar", "Rose", "Mint", "Vanilla")),
        ),
        simple_ok=True,
    ),
    Family(
        code="ELC",
        category_id=25,
        category="Electronics",
        nouns=(
            "USB-C Cable",
            "Charging Dock",
            "Power Bank",
            "Wireless Charger",
            "HDMI Cable",
            "Travel Adapter",
        ),
        adjectives=("Fast", "Braided", "Compact", "Pro", "Universal"),
        materials=("Aluminium", "Nylon", "Silicone", "ABS"),
        price_range=(9, 149),
        weight_range=(0.1, 1.8),
        blurb="Two-year limited warranty.",
        options=(
            ("Length", ("0.5 m", "1 m", "2 m", "3 m", "5 m")),
            ("Color", ("Black", "White", "Space Grey", "Blue", "Red", "Green")),
        ),
        simple_ok=True,
    ),
    Family(
        code="HOM",
        category_id=26,
        category="Home & Kitchen",
        nouns=("Coffee Mug", "Cutting Board", "Throw Blanket", "Table Lamp", "Dutch Oven", "Storage Basket"),
        adjectives=("Handmade", "Modern", "Rustic", "Nordic", "Everyday"),
        materials=("Stoneware", "Walnut", "Wool", "Cast Iron", "Rattan", "Bamboo"),
        price_range=(12, 320),
        weight_range=(0.5, 14.0),
        blurb="Ships in recyclable packaging.",
        options=(("Size", ("Small", "Medium", "Large")), ("Color", _COLOURS)),
        simple_ok=True,
    ),
    Family(
        code="BOK",
        category_id=27,
        category="Books & Stationery",
        nouns=("Notebook", "Planner", "Sketchbook", "Fountain Pen", "Cookbook", "Field Guide"),
        adjectives=("Dotted", "Hardcover", "Pocket", "Illustrated", "Refillable"),
        materials=("Paper", "Recycled Paper", "Leather-Bound", "Brass"),
        price_range=(5, 65),
        weight_range=(0.2, 2.2),
        blurb="Printed on acid-free paper.",
        options=(),
        simple_ok=True,
    ),
    Family(
        code="TOY",
        category_id=28,
        category="Toys & Games",
        nouns=("Puzzle", "Board Game", "Building Set", "Plush Bear", "Card Game"),
        adjectives=("Family", "Classic", "Educational", "Deluxe", "Travel"),
        materials=("Wooden", "Cardboard", "Plush", "Plastic-Free"),
        price_range=(8, 90),
        weight_range=(0.3, 4.0),
        blurb="Recommended for ages 6 and up.",
        options=(),
        simple_ok=True,
    ),
)

CATEGORY_NAMES = {fam.category_id: fam.category for fam in FAMILIES}

BRANDS = (
    "Northwind",
    "Harbor & Pine",
    "Alder",
    "Cobalt Trail",
    "Juniper Lane",
    "Fieldcraft",
    "Saltmarsh",
    "Evergreen Co.",
    "Bright Harbor",
    "Ironbark",
    "Larkspur",
    "Tidewater",
    "Copperline",
    "Wildroot",
    "Summit Goods",
    "Oak & Ember",
)
