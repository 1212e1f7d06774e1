"""The integrity check at open: paid when the file changed since its last clean check, always by
``check_integrity`` (the window's start); a file damaged after a clean check is still refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from backorder_desktop.adapters.storage import db
from backorder_desktop.adapters.storage import open_mirror
from backorder_desktop.adapters.storage.db import CHECKED_SUFFIX
from backorder_desktop.adapters.storage.db import check_integrity
from backorder_desktop.domain.errors import DatabaseCorrupt
from tests.adapters.storage.conftest import make_product


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The real check, each run counted."""
    ran: list[Path] = []
    real = db._quick_check

    def counted(probe: object, path: Path) -> None:
        ran.append(path)
        real(probe, path)  # type: ignore[arg-type]

    monkeypatch.setattr(db, "_quick_check", counted)
    return ran


def _filled(path: Path) -> None:
    store = open_mirror(path)
    store.apply_products(
        [make_product(i, variants=5) for i in range(1, 400)], pass_id=None, keep_backorder_stock=False
    )
    store.close()


def _checked_clean(path: Path, checks: list[Path]) -> None:
    """A filled file, opened once (checked clean and recorded), the count started afresh."""
    _filled(path)
    open_mirror(path).close()
    checks.clear()


def damage_a_middle_page(path: Path) -> None:
    """Garbage over a data page past the schema: the version still reads, the check fails."""
    page = 4096
    pages = path.stat().st_size // page
    with path.open("r+b") as handle:
        handle.seek((pages // 2) * page)
        handle.write(b"\xa5" * page)


def test_an_unchanged_file_is_checked_once(db_path: Path, checks: list[Path]) -> None:
    _filled(db_path)
    checks.clear()
    open_mirror(db_path).close()
    assert checks == [db_path]  # changed since: the fill wrote it
    assert Path(f"{db_path}{CHECKED_SUFFIX}").exists()
    open_mirror(db_path).close()
    open_mirror(db_path).close()
    assert checks == [db_path]


def test_a_write_makes_the_next_open_check_again(db_path: Path, checks: list[Path]) -> None:
    _checked_clean(db_path, checks)
    store = open_mirror(db_path)
    store.apply_products(
        [make_product(1, variants=1, name="renamed")], pass_id=None, keep_backorder_stock=False
    )
    store.close()
    open_mirror(db_path).close()
    assert checks == [db_path]


def test_check_integrity_checks_whatever_the_record_says(db_path: Path, checks: list[Path]) -> None:
    _checked_clean(db_path, checks)
    check_integrity(db_path)
    check_integrity(db_path)
    assert checks == [db_path, db_path]
    check_integrity(db_path.with_name("not-there.sqlite3"))  # nothing to check yet
    assert len(checks) == 2


def test_a_file_damaged_after_a_clean_check_is_refused(db_path: Path) -> None:
    _filled(db_path)
    open_mirror(db_path).close()  # checked clean, recorded
    damage_a_middle_page(db_path)
    with pytest.raises(DatabaseCorrupt) as caught:
        open_mirror(db_path)
    assert "integrity check" in caught.value.message
    assert "rebuilt from BigCommerce" in caught.value.message
    assert not Path(f"{db_path}{CHECKED_SUFFIX}").exists()
    with pytest.raises(DatabaseCorrupt):
        open_mirror(db_path)  # and again: the damage is not forgotten


def test_a_damaged_copy_put_in_place_with_the_same_times_is_refused(db_path: Path, tmp_path: Path) -> None:
    _filled(db_path)
    damaged = tmp_path / "damaged.sqlite3"
    shutil.copy2(db_path, damaged)
    damage_a_middle_page(damaged)
    open_mirror(db_path).close()  # the sound file checked clean, recorded
    shutil.copystat(db_path, damaged)  # same size, same modification time
    damaged.replace(db_path)
    with pytest.raises(DatabaseCorrupt):
        open_mirror(db_path)
