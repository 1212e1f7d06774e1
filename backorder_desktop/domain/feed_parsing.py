"""Parsing a stock feed or import file (CSV or JSON bytes) into usable rows and per-row problems.

Pure and independent of HTTP: the ERP feed client (``api`` mode) and the CSV import both hand
their bytes to :func:`parse_feed`. Whatever the bytes, it returns a ``FeedReport`` or raises
``FeedError``; nothing else escapes.

* **Feed-level** problems raise ``FeedError`` with what to do: a web page (HTML) instead of data,
  text that is not UTF-8, the SKU or quantity column missing (naming the columns found and the
  setting to change), JSON that does not parse or is not a list of objects, and an empty feed.
  An empty feed is never "every quantity is 0".
* **Row-level** problems become ``ItemProblem`` entries and the row is left out: no SKU, a
  quantity that is not a number, not whole, or outside the stock range (``STOCK_MIN``..``STOCK_MAX``), and
  duplicate SKUs, where every line of the SKU is reported and none of them is used (which one
  would be right cannot be known).

CSV: the header row names the columns, in any order, matched without regard to case or
surrounding spaces; UTF-8 with or without a BOM; ``\\r\\n`` or ``\\n``; quoted fields. A comma is
expected, and ``;``, tab or ``|`` are accepted when the header only splits with one of those.
With ``escaped_cells`` (the app's own stock files, never the ERP feed), a CSV cell the export
quoted against spreadsheet formulas (``'=…``, see ``csv_cells``) is read back as the value it was.
JSON: a list of objects, or an object holding it under ``items`` or ``data``; a field name
may be a dotted path (``stock.available``).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import re
from collections import Counter
from collections.abc import Iterator
from collections.abc import Sequence
from typing import Any

from backorder_desktop.domain.csv_cells import unescape_cell
from backorder_desktop.domain.errors import FeedError
from backorder_desktop.domain.models import ItemProblem
from backorder_desktop.domain.ports import FeedReport
from backorder_desktop.domain.ports import FeedRow
from backorder_desktop.domain.stock_policy import STOCK_RANGE_TEXT
from backorder_desktop.domain.stock_policy import stock_out_of_range

__all__ = ["FEED_FORMATS", "csv_columns", "parse_feed"]

FEED_FORMATS = ("csv", "json")
_DELIMITERS = (",", ";", "\t", "|")
_NUMBER = re.compile(r"[+-]?(\d+)(?:\.(\d+))?")
_MAX_DIGITS = 30  # longer numbers are absurd anyway (and int() of huge strings is refused)
_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

Raw = tuple[int, Any, Any]  # (line or item number, raw SKU value, raw quantity value)


def parse_feed(
    data: bytes,
    *,
    format: str,
    sku_field: str,
    quantity_field: str,
    content_type: str | None = None,
    subject: str = "feed",
    escaped_cells: bool = False,
) -> FeedReport:
    """Parse ``data`` as ``format`` ("csv" or "json"). ``subject`` names it in messages ("feed",
    "file"); the hints about the feed's settings are given for "feed" only. ``escaped_cells``: the
    CSV is the app's own export, whose cells ``csv_cells.escape_cell`` wrote."""
    if format not in FEED_FORMATS:
        raise ValueError(f"format must be csv or json, not {format!r}")
    try:
        return _parse(data, format, sku_field, quantity_field, content_type, subject, escaped_cells)
    except FeedError as exc:
        if subject == "feed":
            raise
        # A file given to import is not the stock feed: its title says so.
        raise type(exc)(exc.message, title="File not imported", remedy=exc.remedy) from None


def _parse(
    data: bytes,
    format: str,
    sku_field: str,
    quantity_field: str,
    content_type: str | None,
    subject: str,
    escaped_cells: bool,
) -> FeedReport:
    text = _decode(data, content_type, subject)
    if not text.strip():
        raise _empty(subject)
    if format == "csv":
        raw, numbering = list(_csv_rows(text, sku_field, quantity_field, subject)), "line"
    else:
        raw, numbering = _json_rows(text, sku_field, quantity_field, subject), "item"
    if not raw:
        raise _empty(subject)
    return _check_rows(raw, numbering, escaped=escaped_cells and format == "csv")


# --- bytes to text ---------------------------------------------------------------------------------


def _decode(data: bytes, content_type: str | None, subject: str) -> str:
    if data.startswith(_BOMS):
        raise FeedError(
            f"The {subject} is UTF-16 or UTF-32 text; only UTF-8 is read. Export it as UTF-8 "
            "(in a spreadsheet: “CSV UTF-8”) and try again. Nothing was changed."
        )
    body = data.removeprefix(codecs.BOM_UTF8)
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime in ("text/html", "application/xhtml+xml") or body.lstrip().startswith(b"<"):
        raise FeedError(
            f"The {subject} address returned a web page (HTML), not CSV or JSON data. This is "
            "usually a login page or a wrong address: open the address in a browser, then check "
            "the URL and the credential. Nothing was changed."
        )
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FeedError(
            f"The {subject} is not UTF-8 text (byte {exc.start + 1} cannot be read). Export it as "
            "UTF-8 (in a spreadsheet: “CSV UTF-8”) and try again. Nothing was changed."
        ) from None


class EmptyFeed(FeedError):
    """The feed or file had no rows at all (the feed service adds how many it had last time)."""


def _empty(subject: str) -> FeedError:
    return EmptyFeed(f"The {subject} had 0 rows. Nothing was changed.")


def _missing_columns(
    subject: str, missing: Sequence[tuple[str, str]], found: Sequence[str], what: str
) -> FeedError:
    names = " or ".join(f"“{name}”" for name, _ in missing)
    shown = ", ".join(f"“{f}”" for f in found[:20] if f) or "none"
    if len(found) > 20:
        shown += f" and {len(found) - 20} more"
    if subject == "feed":
        settings = " and ".join(setting for _, setting in missing)
        hint = f"In Settings, change the feed's mapping ({settings}) to the {what} names the feed uses."
    else:
        hint = f"Name the {what}s sku and quantity, or choose the right file."
    return FeedError(
        f"The {subject} has no {names} {what} ({what}s found: {shown}). {hint} Nothing was changed."
    )


# --- CSV -------------------------------------------------------------------------------------------


def _csv_rows(text: str, sku_field: str, quantity_field: str, subject: str) -> Iterator[Raw]:
    wanted = (sku_field.strip().lower(), quantity_field.strip().lower())
    try:
        header_line, header = _csv_header(text, subject)
        columns, delimiter = _pick_delimiter(header, wanted)
        if columns is None:
            found = max(
                ([c.strip() for c in next(csv.reader([header], delimiter=d))] for d in _DELIMITERS), key=len
            )
            missing = [
                (name, setting)
                for name, setting in ((sku_field, "feed-sku-field"), (quantity_field, "feed-quantity-field"))
                if name.strip().lower() not in [f.lower() for f in found]
            ]
            if text.lstrip().startswith(("{", "[")):
                raise FeedError(
                    f"The {subject} looks like JSON, not CSV. Set the feed format to JSON "
                    "(feed-format) or choose a CSV address. Nothing was changed."
                )
            raise _missing_columns(subject, missing, found, "column")
        sku_at, quantity_at = columns
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
        line = 0
        for row in reader:
            start, line = line + 1, reader.line_num
            if start <= header_line or not any(cell.strip() for cell in row):
                continue
            sku = row[sku_at] if sku_at < len(row) else None
            quantity = row[quantity_at] if quantity_at < len(row) else None
            yield start, sku, quantity
    except csv.Error as exc:
        raise FeedError(
            f"The {subject} is not readable as CSV ({exc}). Check that it is a CSV export. "
            "Nothing was changed."
        ) from None


def _csv_header(text: str, subject: str) -> tuple[int, str]:
    """The first non-blank line (1-based number, text)."""
    for number, line in enumerate(io.StringIO(text, newline=None), start=1):
        if line.strip():
            return number, line.rstrip("\r\n")
    raise _empty(subject)


def _pick_delimiter(header: str, wanted: tuple[str, str]) -> tuple[tuple[int, int] | None, str]:
    for delimiter in _DELIMITERS:
        names = [name.strip().lower() for name in next(csv.reader([header], delimiter=delimiter))]
        if all(w in names for w in wanted):
            return (names.index(wanted[0]), names.index(wanted[1])), delimiter
    return None, ","


# --- JSON ------------------------------------------------------------------------------------------


def _json_rows(text: str, sku_field: str, quantity_field: str, subject: str) -> list[Raw]:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        hint = ""
        if "," in text.split("\n", 1)[0] and not text.lstrip().startswith(("{", "[")):
            hint = " It looks like CSV: set the feed format to CSV (feed-format)."
        raise FeedError(
            f"The {subject} is not valid JSON{where}.{hint} Check the address and the format. "
            "Nothing was changed."
        ) from None
    items = document
    if isinstance(document, dict):
        items = next((document[k] for k in ("items", "data") if isinstance(document.get(k), list)), None)
    if not isinstance(items, list):
        raise FeedError(
            f'The {subject} is JSON but not a list of items (expected [...] or {{"items": [...]}}). '
            "Check the address and the format. Nothing was changed."
        )
    objects = [item for item in items if isinstance(item, dict)]
    if objects:
        missing = [
            (name, setting)
            for name, setting in ((sku_field, "feed-sku-field"), (quantity_field, "feed-quantity-field"))
            if not any(_lookup(item, name)[0] for item in objects)
        ]
        if missing:
            found = list(dict.fromkeys(str(k) for item in objects[:50] for k in item))
            raise _missing_columns(subject, missing, found, "field")
    rows: list[Raw] = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            rows.append((number, _NOT_OBJECT, None))
            continue
        rows.append((number, _lookup(item, sku_field)[1], _lookup(item, quantity_field)[1]))
    return rows


_NOT_OBJECT = object()


def _lookup(item: dict[str, Any], name: str) -> tuple[bool, Any]:
    """``(found, value)`` of a field: exact name, then any case, then a dotted path."""
    if name in item:
        return True, item[name]
    folded = name.strip().lower()
    for key, value in item.items():
        if isinstance(key, str) and key.strip().lower() == folded:
            return True, value
    if "." in name:
        head, rest = name.split(".", 1)
        found, inner = _lookup(item, head)
        if found and isinstance(inner, dict):
            return _lookup(inner, rest)
    return False, None


# --- rows ------------------------------------------------------------------------------------------


def _sku(value: Any, escaped: bool) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate ("\udc80" in JSON): no SKU, nor storable text
            return None
        # Spaces around a cell go; then the export's quote, so a SKU can start with a tab.
        text = value.strip()
        return (unescape_cell(text) if escaped else text) or None
    if isinstance(value, int):
        return str(value)
    return None


def _quantity(value: Any) -> tuple[int | None, str, str]:
    """``(quantity, "", "")`` or ``(None, problem title, what is wrong)``."""
    shown = repr(value) if not isinstance(value, str) else f"“{value.strip()[:40]}”"
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, "No quantity", "has no quantity"
    if isinstance(value, bool):
        return None, "Quantity not a number", f"has {shown} as quantity, not a number"
    number: int | None = None
    fractional = False
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and math.isfinite(value):
        fractional = not value.is_integer()
        number = None if fractional else int(value)
    elif isinstance(value, str):
        match = _NUMBER.fullmatch(value.strip())
        if match is not None and len(match.group(1)) <= _MAX_DIGITS:
            fractional = bool(match.group(2)) and int(match.group(2)) != 0
            number = None if fractional else int(value.strip().split(".")[0])
        elif match is not None:
            return None, "Quantity out of range", f"has {shown} as quantity; stock can be {STOCK_RANGE_TEXT}"
    if fractional:
        return None, "Quantity not whole", f"has {shown} as quantity; stock is counted in whole units"
    if number is None:
        return None, "Quantity not a number", f"has {shown} as quantity, not a whole number"
    if stock_out_of_range(number) is not None:
        return None, "Quantity out of range", f"has {shown} as quantity; stock can be {STOCK_RANGE_TEXT}"
    return number, "", ""


def _check_rows(raw: list[Raw], numbering: str, *, escaped: bool) -> FeedReport:
    skus = [_sku(sku, escaped) if sku is not _NOT_OBJECT else None for _, sku, _ in raw]
    counts = Counter(s for s in skus if s is not None)
    rows: list[FeedRow] = []
    problems: list[ItemProblem] = []
    for (number, raw_sku, raw_quantity), sku in zip(raw, skus, strict=True):
        where = f"{numbering.capitalize()} {number}"
        if raw_sku is _NOT_OBJECT:
            problems.append(ItemProblem(f"{numbering} {number}", "Not an item", f"{where} is not an object."))
            continue
        if sku is None:
            problems.append(ItemProblem(f"{numbering} {number}", "No SKU", f"{where} has no SKU; skipped."))
            continue
        if counts[sku] > 1:
            problems.append(
                ItemProblem(
                    f"SKU {sku}",
                    "Duplicate SKU",
                    f"{where}: SKU {sku} appears {counts[sku]} times in the feed; none of its "
                    f"{numbering}s is used until it appears once.",
                )
            )
            continue
        if escaped and isinstance(raw_quantity, str):
            raw_quantity = unescape_cell(raw_quantity.strip())
        quantity, title, what = _quantity(raw_quantity)
        if quantity is None:
            problems.append(ItemProblem(f"SKU {sku}", title, f"{where}: SKU {sku} {what}; skipped."))
            continue
        rows.append(FeedRow(line=number, sku=sku, quantity=quantity))
    return FeedReport(rows=tuple(rows), problems=tuple(problems), total_rows=len(raw))


def csv_columns(data: bytes, columns: Sequence[str], *, sku_field: str = "sku") -> dict[str, dict[str, str]]:
    """The cells of ``columns`` in the app's own stock file, by SKU, as the export wrote them (each
    cell stripped and unescaped). Only the columns the header has are read; a SKU on several rows
    is left out (``parse_feed`` reports it). Call it on bytes ``parse_feed`` has accepted."""
    text = _decode(data, None, "file")
    header_line, header = _csv_header(text, "file")
    wanted = sku_field.strip().lower()
    delimiter = next(
        (
            d
            for d in _DELIMITERS
            if wanted in [n.strip().lower() for n in next(csv.reader([header], delimiter=d))]
        ),
        ",",
    )
    names = [name.strip().lower() for name in next(csv.reader([header], delimiter=delimiter))]
    if wanted not in names:
        return {}
    present = {column: names.index(column.lower()) for column in columns if column.lower() in names}
    found: dict[str, dict[str, str]] = {}
    seen: Counter[str] = Counter()
    sku_at = names.index(wanted)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    for row in reader:
        if reader.line_num <= header_line or sku_at >= len(row):
            continue
        sku = _sku(row[sku_at], escaped=True)
        if sku is None:
            continue
        seen[sku] += 1
        found[sku] = {
            column: unescape_cell(row[at].strip()) if at < len(row) else "" for column, at in present.items()
        }
    return {sku: cells for sku, cells in found.items() if seen[sku] == 1}
