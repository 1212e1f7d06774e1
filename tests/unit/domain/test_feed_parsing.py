"""Parsing stock feeds and import files: every bad input of issue 4 that is a parsing matter.

Feed-level faults raise ``FeedError`` with what to do; row faults are reported per row and the row
is left out; arbitrary bytes never raise anything but ``FeedError``.
"""

from __future__ import annotations

import codecs
import csv
import io
import json

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from backorder_desktop.domain.errors import FeedError
from backorder_desktop.domain.feed_parsing import parse_feed
from backorder_desktop.domain.ports import FeedReport
from backorder_desktop.domain.ports import FeedRow
from backorder_desktop.domain.stock_policy import STOCK_MAX
from backorder_desktop.domain.stock_policy import STOCK_MIN


def _csv(data: bytes | str, **kwargs: str) -> FeedReport:
    raw = data.encode() if isinstance(data, str) else data
    return parse_feed(
        raw, format="csv", sku_field=kwargs.pop("sku", "sku"), quantity_field="quantity", **kwargs
    )


def _json(data: object, **kwargs: str) -> FeedReport:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return parse_feed(
        raw, format="json", sku_field=kwargs.pop("sku", "sku"), quantity_field="quantity", **kwargs
    )


def _rows(report: FeedReport) -> list[tuple[str, int]]:
    return [(row.sku, row.quantity) for row in report.rows]


# --- what a good feed looks like ---------------------------------------------------------------------


def test_csv_with_columns_in_any_order_quotes_bom_and_crlf() -> None:
    data = codecs.BOM_UTF8 + b'Name,Quantity,SKU\r\n"Mug, large",12,MUG-L\r\nCap,"0"," CAP-1 "\r\n\r\n'
    report = _csv(data)
    assert report.rows == (
        FeedRow(line=2, sku="MUG-L", quantity=12),
        FeedRow(line=3, sku="CAP-1", quantity=0),
    )
    assert report.problems == () and report.total_rows == 2


def test_newlines_inside_quoted_fields_and_lf_endings() -> None:
    report = _csv('sku,quantity,note\nA,1,"two\nlines"\nB,2,x\n')
    assert _rows(report) == [("A", 1), ("B", 2)]
    assert [r.line for r in report.rows] == [2, 4]


def test_semicolon_and_tab_separated_files_are_read() -> None:
    assert _rows(_csv("sku;quantity\nA;3\n")) == [("A", 3)]
    assert _rows(_csv("sku\tquantity\nA\t4\n")) == [("A", 4)]


def test_whole_numbers_written_as_decimals_are_whole() -> None:
    assert _rows(_csv("sku,quantity\nA,12.0\nB,+3\n")) == [("A", 12), ("B", 3)]


@pytest.mark.parametrize("shape", ["list", "items", "data"])
def test_json_list_or_items_or_data(shape: str) -> None:
    items = [{"sku": "A", "quantity": 3}, {"SKU": "B", "Quantity": "4"}, {"sku": 77, "quantity": 5.0}]
    document = items if shape == "list" else {shape: items, "meta": {}}
    assert _rows(_json(document)) == [("A", 3), ("B", 4), ("77", 5)]


def test_json_field_may_be_a_dotted_path() -> None:
    report = parse_feed(
        json.dumps([{"code": "A", "stock": {"available": 6}}]).encode(),
        format="json",
        sku_field="code",
        quantity_field="stock.available",
    )
    assert _rows(report) == [("A", 6)]


# --- bad rows ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "title"),
    [
        ("ten", "Quantity not a number"),
        ("1,5", "Quantity not a number"),
        ("2.5", "Quantity not whole"),
        (str(STOCK_MIN - 1), "Quantity out of range"),
        (str(STOCK_MAX + 1), "Quantity out of range"),
        ("9" * 5000, "Quantity out of range"),
        ("", "No quantity"),
    ],
)
def test_bad_quantities_are_reported_per_row_and_the_rest_is_used(quantity: str, title: str) -> None:
    report = _csv(f'sku,quantity\nGOOD,1\nBAD,"{quantity}"\n')
    assert _rows(report) == [("GOOD", 1)]
    (problem,) = report.problems
    assert (problem.item, problem.title) == ("SKU BAD", title)
    assert problem.message.startswith("Line 3: SKU BAD")
    assert report.total_rows == 2


def test_owed_units_are_a_negative_quantity_in_a_feed() -> None:
    report = _csv('sku,quantity\nOWED,-3\nLOW,"-2147483648"\n')
    assert _rows(report) == [("OWED", -3), ("LOW", STOCK_MIN)]
    assert report.problems == ()


@pytest.mark.parametrize(
    ("quantity", "title"),
    [
        (True, "Quantity not a number"),
        (1.5, "Quantity not whole"),
        (STOCK_MIN - 1, "Quantity out of range"),
        (None, "No quantity"),
        ([1], "Quantity not a number"),
        (2**40, "Quantity out of range"),
    ],
)
def test_bad_json_quantities(quantity: object, title: str) -> None:
    report = _json([{"sku": "A", "quantity": 1}, {"sku": "B", "quantity": quantity}])
    assert _rows(report) == [("A", 1)]
    assert [(p.item, p.title) for p in report.problems] == [("SKU B", title)]


def test_json_infinity_and_nan_are_not_numbers() -> None:
    report = _json(b'[{"sku": "A", "quantity": NaN}, {"sku": "B", "quantity": Infinity}]')
    assert report.rows == () and {p.title for p in report.problems} == {"Quantity not a number"}


def test_every_line_of_a_duplicate_sku_is_reported_and_none_is_used() -> None:
    report = _csv("sku,quantity\nA,1\nB,2\nA,3\nA,oops\n")
    assert _rows(report) == [("B", 2)]
    assert [(p.item, p.title, p.message[:7]) for p in report.problems] == [
        ("SKU A", "Duplicate SKU", "Line 2:"),
        ("SKU A", "Duplicate SKU", "Line 4:"),
        ("SKU A", "Duplicate SKU", "Line 5:"),
    ]


def test_rows_without_a_sku_are_reported_by_line() -> None:
    report = _csv("sku,quantity\n,4\nA,1\n  ,5\nshort\n")
    assert _rows(report) == [("A", 1)]
    assert [(p.item, p.title) for p in report.problems] == [
        ("line 2", "No SKU"),
        ("line 4", "No SKU"),
        ("SKU short", "No quantity"),
    ]


def test_json_items_that_are_not_objects_or_lack_a_sku() -> None:
    report = _json([{"sku": "A", "quantity": 1}, "B", {"quantity": 2}, {"sku": "", "quantity": 3}])
    assert _rows(report) == [("A", 1)]
    assert [(p.item, p.title) for p in report.problems] == [
        ("item 2", "Not an item"),
        ("item 3", "No SKU"),
        ("item 4", "No SKU"),
    ]


# --- bad feeds -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<!DOCTYPE html><html><body>Please log in</body></html>", None),
        (codecs.BOM_UTF8 + b"  \r\n <html>", "text/csv"),
        (b"sku,quantity\nA,1\n", "text/html; charset=utf-8"),
    ],
)
def test_html_instead_of_data_is_refused(body: bytes, content_type: str | None) -> None:
    for fmt in ("csv", "json"):
        with pytest.raises(FeedError, match=r"web page \(HTML\).*login page"):
            parse_feed(
                body, format=fmt, sku_field="sku", quantity_field="quantity", content_type=content_type
            )


@pytest.mark.parametrize(
    "body", [b"", b"   \r\n", codecs.BOM_UTF8, b"sku,quantity\r\n", b"\nsku,quantity\n\n\n"]
)
def test_an_empty_csv_feed_changes_nothing(body: bytes) -> None:
    with pytest.raises(
        FeedError, match=r"^Stock feed not used: The feed had 0 rows\. Nothing was changed\.$"
    ):
        _csv(body)


@pytest.mark.parametrize("document", [[], {"items": []}, {"data": []}])
def test_an_empty_json_feed_changes_nothing(document: object) -> None:
    with pytest.raises(FeedError, match="had 0 rows"):
        _json(document)


def test_missing_columns_name_the_columns_found_and_the_setting() -> None:
    with pytest.raises(FeedError) as info:
        _csv("Item Code,On Hand\nA,1\n")
    message = info.value.message
    assert "no “sku” or “quantity” column" in message
    assert "columns found: “Item Code”, “On Hand”" in message
    assert "feed-sku-field and feed-quantity-field" in message
    with pytest.raises(FeedError, match=r"no “quantity” column.*feed-quantity-field\)"):
        _csv("sku,stock\nA,1\n")


def test_missing_json_fields_and_import_wording() -> None:
    with pytest.raises(FeedError, match=r"no “sku” field \(fields found: “code”, “quantity”\)"):
        _json([{"code": "A", "quantity": 1}])
    with pytest.raises(FeedError, match=r"The file has no “sku” column.*Name the columns sku and quantity"):
        _csv("code,quantity\nA,1\n", subject="file")


def test_text_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(FeedError, match=r"not UTF-8 text \(byte 17 cannot be read\).*CSV UTF-8"):
        _csv("sku,quantity\nCAFÉ,1\n".encode("latin-1"))
    with pytest.raises(FeedError, match="UTF-16"):
        _csv("sku,quantity\nA,1\n".encode("utf-16"))


def test_unparsable_or_wrong_shape_json_is_refused() -> None:
    with pytest.raises(FeedError, match=r"not valid JSON \(line 1, column 22\)"):
        _json(b'[{"sku": "A", "qty": }]')
    with pytest.raises(FeedError, match="looks like CSV"):
        _json(b"sku,quantity\nA,1\n")
    with pytest.raises(FeedError, match="not a list of items"):
        _json({"products": [{"sku": "A", "quantity": 1}]})
    with pytest.raises(FeedError, match="not valid JSON"):
        _json(b"[" * 100_000)


def test_json_sent_as_csv_says_so() -> None:
    with pytest.raises(FeedError, match=r"looks like JSON.*feed-format"):
        _csv(json.dumps([{"sku": "A", "quantity": 1}]))


def test_an_unknown_format_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="csv or json"):
        parse_feed(b"x", format="xml", sku_field="sku", quantity_field="quantity")


# --- properties ------------------------------------------------------------------------------------------


_PIECES = 'sku,quantity;\t"\r\n <>{}[]:0123456789.-+eAB\x00é'


@settings(max_examples=300, deadline=None)
@given(
    data=st.one_of(
        st.binary(max_size=400),
        st.text(alphabet=st.sampled_from(_PIECES), max_size=200).map(str.encode),
    ),
    fmt=st.sampled_from(["csv", "json"]),
    content_type=st.sampled_from([None, "text/csv", "application/json", "text/html"]),
)
def test_arbitrary_bytes_raise_nothing_but_feed_error(
    data: bytes, fmt: str, content_type: str | None
) -> None:
    try:
        report = parse_feed(
            data, format=fmt, sku_field="sku", quantity_field="quantity", content_type=content_type
        )
    except FeedError:
        return
    assert report.total_rows == len(report.rows) + len(report.problems) > 0  # each row: used or reported
    assert all(STOCK_MIN <= row.quantity <= STOCK_MAX for row in report.rows)
    assert len({row.sku for row in report.rows}) == len(report.rows)


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("C", "Z")), min_size=1),
        st.integers(min_value=STOCK_MIN, max_value=STOCK_MAX),
        min_size=1,
        max_size=20,
    ),
    st.booleans(),
)
def test_what_a_csv_writer_writes_is_read_back(stock: dict[str, int], crlf: bool) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(["quantity", "sku"])
    writer.writerows([q, sku] for sku, q in stock.items())
    report = _csv(out.getvalue().encode())
    stripped = {sku.strip(): q for sku, q in stock.items()}
    if len(stripped) == len(stock) and all(stripped):
        assert dict(_rows(report)) == stripped and report.problems == ()
