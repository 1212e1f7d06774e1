"""Issue 13, item 3: only the user may read a profile, whatever the umask.

Each test runs under umask 022 (folders 0755 and files 0644 by default) and builds the profile
through the real code: the composition root (``open_profile`` and ``setup_logging``, as the
entry points call them) or the real command in a subprocess (which inherits the umask). Then it
walks the profile folder: every folder must be 0700 and every file 0600, the SQLite ``-wal`` and
``-shm`` files, the side copy, the backups, the lock and the rotated logs included.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from backorder_desktop.adapters.paths import profile_paths
from backorder_desktop.adapters.paths import secure_tree
from backorder_desktop.adapters.storage import migrations
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.logging_setup import setup_logging
from tests.integration.cli_runner import connect_cli
from tests.integration.cli_runner import run_cli
from tests.integration.support import connect_context

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "db"


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The common default umask: without explicit modes, files come out readable by everyone."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def modes(root: Path) -> dict[str, str]:
    """Every entry under ``root`` (``root`` itself as ".") → its permission bits in octal."""
    found = {".": oct(stat.S_IMODE(root.stat().st_mode))}
    for folder, subfolders, files in os.walk(root):
        for name in (*subfolders, *files):
            path = Path(folder) / name
            found[str(path.relative_to(root))] = oct(stat.S_IMODE(path.lstat().st_mode))
    return found


def open_to_others(root: Path) -> dict[str, str]:
    """The entries that are not exactly 0700 (a folder) or 0600 (a file)."""
    wrong = {}
    for name, mode in modes(root).items():
        path = root / name
        expected = "0o700" if path.is_dir() else "0o600"
        if mode != expected:
            wrong[name] = mode
    return wrong


def test_a_profile_made_and_used_by_the_app_is_private_under_umask_022(
    tmp_path: Path, demo_store: DemoStore, umask_022: None
) -> None:
    root = tmp_path / "profile"  # created by the app, like every folder in it
    paths = profile_paths(root).ensure()
    handles = setup_logging(paths.log_dir, max_bytes=4_000, backup_count=2)
    try:
        context = connect_context(root, demo_store)  # open_profile, then a store (user data)
        try:
            context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
            for i in range(60):  # enough to rotate the log twice
                logging.getLogger("backorder_desktop.test").info("line %s %s", i, "x" * 120)
            handles.flush()
            # Looked at while the database is open, so that its -wal and -shm files exist.
            context.parts.mirror.load_settings()
            found = modes(root)
            for name in (
                "config",
                "data/backorder.db",
                "data/backorder.db-wal",
                "data/backorder.db-shm",
                "data/userdata.sqlite3",
                "data/sync.lock",
                "data/backups",
                "logs/backorder-desktop.log",
                "logs/backorder-desktop.log.1",
                "logs/backorder-desktop.log.2",
            ):
                assert name in found, sorted(found)
            assert open_to_others(root) == {}
        finally:
            context.close()
    finally:
        handles.close()
    assert open_to_others(root) == {}


def test_upgrade_backups_and_a_rebuild_of_a_damaged_database_are_private_under_umask_022(
    tmp_path: Path, demo_store: DemoStore, secret_service: dict[str, str], umask_022: None
) -> None:
    root = tmp_path / "profile"
    paths = profile_paths(root)
    # A database from the schema version before the latest one: opening it upgrades it, after a
    # backup into backups/.
    paths.data_dir.mkdir(parents=True)
    shutil.copyfile(FIXTURES / f"v{migrations.LATEST_VERSION - 1}.sqlite3", paths.database)
    connected = connect_cli(root, demo_store, secret_service)
    assert connected.code == 0, connected.stderr
    backups = sorted(p.name for p in paths.backups_dir.iterdir())
    assert any(name.startswith(f"backorder.v{migrations.LATEST_VERSION - 1}.") for name in backups), backups
    assert open_to_others(root) == {}  # now: the next start would tighten a loose backup anyway
    synced = run_cli(root, "sync", env=secret_service)
    assert synced.code == 0, synced.stderr
    # Damage it: `rebuild` sets it aside in backups/ and salvages the user data into a new file.
    with paths.database.open("r+b") as handle:
        handle.write(b"this is not a database any more" * 4)
    rebuilt = run_cli(root, "rebuild", env=secret_service)
    assert rebuilt.code == 0, rebuilt.stderr
    assert "moved to" in rebuilt.stdout
    backups = sorted(p.name for p in paths.backups_dir.iterdir())
    assert any(name.startswith("damaged-") for name in backups), backups
    assert (paths.data_dir / "userdata.sqlite3").is_file()
    assert open_to_others(root) == {}


def test_a_profile_left_open_to_others_by_an_older_version_is_made_private_on_start(
    tmp_path: Path, demo_store: DemoStore, no_keyring_backend: dict[str, str], umask_022: None
) -> None:
    root = tmp_path / "profile"
    context = connect_context(root, demo_store)
    context.parts.engine.sync(kind=RunKind.MANUAL, trigger="cli", full=True)
    context.close()
    (root / "logs").mkdir(exist_ok=True)
    (root / "logs" / "backorder-desktop.log").write_text("an old line\n")
    (root / "logs" / "backorder-desktop.log.1").write_text("an older line\n")
    (root / "data" / "backups" / "backorder.v1.20240101T000000000000Z.db").write_bytes(b"")
    (root / "data" / "backorder.db-wal").write_bytes(b"")  # as a killed process leaves them
    # What a version that followed the umask made of it.
    for name in modes(root):
        os.chmod(root / name, 0o755 if (root / name).is_dir() else 0o644)
    loose = open_to_others(root)
    assert "data/backorder.db" in loose and "logs" in loose and "." in loose

    status = run_cli(root, "status", "--json", env=no_keyring_backend)
    assert status.code == 0, status.stderr
    assert open_to_others(root) == {}


def test_tightening_a_profile_neither_follows_nor_changes_links_out_of_it(tmp_path: Path) -> None:
    outside = tmp_path / "shared.txt"
    outside.write_text("someone else's file\n")
    outside.chmod(0o644)
    root = tmp_path / "profile"
    (root / "data").mkdir(parents=True)
    (root / "data" / "link").symlink_to(outside)
    (root / "data" / "mine.db").write_bytes(b"")
    (root / "data" / "mine.db").chmod(0o644)
    secure_tree(root)
    assert stat.S_IMODE(outside.stat().st_mode) == 0o644
    assert stat.S_IMODE((root / "data" / "mine.db").stat().st_mode) == 0o600
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
