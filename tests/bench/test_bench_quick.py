"""The bench suite's ``--quick`` mode runs end to end on a tiny catalog (no timing asserted)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bench import suite
from bench.report import OK

pytestmark = pytest.mark.gui  # row 7 opens the window (offscreen) in a child process


def test_quick_run_writes_a_table_with_every_row_and_positive_ratios(tmp_path: Path) -> None:
    lines: list[str] = []
    code = suite.main(
        ["--quick", "--sizes", "300", "--latency-ms", "5", "--results-dir", str(tmp_path)],
        progress=lines.append,
    )

    assert code == 0
    payload = json.loads((tmp_path / "latest.json").read_text())
    rows = payload["rows"]
    assert {row["key"] for row in rows} == {*"123456789", "10", "11", "13", "14", "15"}
    for row in rows:
        assert row["status"] == OK, row
        if row["status"] == OK:
            ratio = row["ratio"]
            assert isinstance(ratio, float) and math.isfinite(ratio) and ratio > 0, row
    push = next(row for row in rows if row["key"] == "6")
    assert push["data"]["written"] == 300 and push["data"]["rejected_429"] == 0
    machine = payload["meta"]["machine"]
    assert machine["cores"] > 0 and machine["python"] and machine["cpu"]
    markdown = (tmp_path / "latest.md").read_text()
    assert markdown.count("\n| ") >= len(rows) + 1  # the header and one line per row
