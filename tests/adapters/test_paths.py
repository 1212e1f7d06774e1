"""Profile paths: explicit home, the environment variable, platform folders, and unwritable places."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import platformdirs
import pytest

from backorder_desktop.adapters.paths import HOME_ENV
from backorder_desktop.adapters.paths import ProfilePaths
from backorder_desktop.adapters.paths import profile_paths
from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.errors import StorageError


def test_explicit_home_holds_everything(tmp_path: Path) -> None:
    paths = profile_paths(tmp_path / "profile")
    root = tmp_path / "profile"
    assert paths.home == root
    assert paths.config_dir == root / "config"
    assert paths.data_dir == root / "data"
    assert paths.log_dir == root / "logs"
    assert paths.database == root / "data" / "backorder.db"
    assert paths.backups_dir.parent == paths.data_dir
    assert paths.log_file.parent == paths.log_dir
    assert not root.exists()  # nothing is written before ensure()


def test_home_from_the_environment_is_read_at_call_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "from-env"))
    assert profile_paths().home == tmp_path / "from-env"
    assert profile_paths(None).database == tmp_path / "from-env" / "data" / "backorder.db"
    # An explicit --home wins over the environment.
    assert profile_paths(tmp_path / "explicit").home == tmp_path / "explicit"


def test_relative_and_user_relative_homes_become_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert profile_paths("rel").home == tmp_path / "rel"
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    assert profile_paths("~/p").home == tmp_path / "user" / "p"


def test_without_home_the_platform_user_folders_are_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(HOME_ENV, raising=False)
    monkeypatch.setenv(HOME_ENV, "")  # empty counts as unset
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    paths = profile_paths()
    assert paths.home is None
    assert paths.config_dir == platformdirs.user_config_path("backorder-desktop", appauthor=False)
    assert paths.data_dir == platformdirs.user_data_path("backorder-desktop", appauthor=False)
    assert paths.log_dir == platformdirs.user_log_path("backorder-desktop", appauthor=False)
    assert paths.database == paths.data_dir / "backorder.db"
    if sys.platform.startswith("linux"):
        assert paths.config_dir == tmp_path / "xdg_config_home" / "backorder-desktop"
        assert paths.data_dir == tmp_path / "xdg_data_home" / "backorder-desktop"


def test_ensure_creates_every_folder_and_is_repeatable(tmp_path: Path) -> None:
    paths = profile_paths(tmp_path / "p")
    assert paths.ensure() is paths
    paths.ensure()
    for folder in (paths.config_dir, paths.data_dir, paths.log_dir, paths.backups_dir):
        assert folder.is_dir()
    assert list(paths.data_dir.iterdir()) == [paths.backups_dir]  # the write check left nothing


def test_paths_are_immutable(tmp_path: Path) -> None:
    paths = profile_paths(tmp_path)
    with pytest.raises(AttributeError):
        paths.data_dir = tmp_path  # type: ignore[misc]
    assert isinstance(paths, ProfilePaths)


def test_a_file_in_the_way_is_a_storage_error_naming_the_folder(tmp_path: Path) -> None:
    home = tmp_path / "p"
    home.mkdir()
    (home / "logs").write_text("not a folder")
    with pytest.raises(StorageError) as raised:
        profile_paths(home).ensure()
    message = raised.value.message
    assert str(home / "logs") in message
    assert raised.value.remedy is Remedy.OTHER_FOLDER  # each front end says how: --home, or a button


def test_a_home_below_a_file_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError, match="not a folder") as raised:
        profile_paths(blocker / "profile").ensure()
    assert str(blocker / "profile") in raised.value.message


NOBODY = 65534


@contextmanager
def _unprivileged() -> Iterator[None]:
    """Root ignores permission bits: act as ``nobody`` for the block (effective ids only)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        yield
        return
    os.setegid(NOBODY)
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def test_an_unwritable_folder_is_a_storage_error_saying_what_to_do() -> None:
    base = Path(tempfile.mkdtemp(prefix="paths-ro-"))  # tmp_path is private to root; nobody needs a way in
    try:
        home = base / "p"
        profile_paths(home).ensure()
        for folder in [base, *home.rglob("*"), home]:
            folder.chmod(0o777 if folder.is_dir() else 0o666)
        (home / "data").chmod(0o555)
        with _unprivileged(), pytest.raises(StorageError, match="permission") as raised:
            profile_paths(home).ensure()
        assert str(home / "data") in raised.value.message
    finally:
        (base / "p" / "data").chmod(0o700)
        shutil.rmtree(base)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc takes no new files")
def test_an_existing_folder_that_refuses_files_is_a_storage_error(tmp_path: Path) -> None:
    # The write check, not mkdir, must catch this (it catches read-only disks the same way).
    refusing = Path("/proc/self")
    paths = ProfilePaths(
        config_dir=tmp_path / "config",
        data_dir=tmp_path / "data",
        log_dir=refusing,
        database=tmp_path / "data" / "backorder.db",
        backups_dir=tmp_path / "data" / "backups",
    )
    with pytest.raises(StorageError) as raised:
        paths.ensure()
    assert "logs folder /proc/self" in raised.value.message
    assert raised.value.remedy is Remedy.OTHER_FOLDER
