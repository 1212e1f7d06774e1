"""Opening one profile's database: its own SQLite file (checked, or salvaged when damaged) or its
team's PostgreSQL database, and the sync lock that keeps other processes out while it is replaced."""

from __future__ import annotations

import shutil
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from backorder_desktop.adapters.locks import FileProcessLock
from backorder_desktop.adapters.paths import ProfilePaths
from backorder_desktop.adapters.secrets import BackendRecord
from backorder_desktop.adapters.secrets import KeyringSecretStore
from backorder_desktop.adapters.storage.db import check_integrity
from backorder_desktop.adapters.storage.mirror_store import SqliteMirrorStore
from backorder_desktop.adapters.storage.mirror_store import open_mirror
from backorder_desktop.domain.errors import DatabaseCorrupt
from backorder_desktop.domain.errors import SyncInProgress
from backorder_desktop.logging_setup import register_secret

if TYPE_CHECKING:  # imported when first used: httpx alone costs ~0.1 s of the window's start-up
    from backorder_desktop.domain.ports import SecretStore
    from backorder_desktop.services.team_setup import TeamDatabase


KEYRING_RECORD = "keyring-backend.json"
SOUND_REBUILD_NOTE = "The database was sound; its catalog copy was emptied. Your own data was kept."


def _open_database(
    paths: ProfilePaths,
    sync_lock: FileProcessLock,
    *,
    salvage: bool,
    full_check: bool,
    check_later: bool = False,
) -> tuple[SqliteMirrorStore, str | None]:
    """The profile's database; with ``salvage``, a damaged one is set aside and its user data
    salvaged into a fresh one first (under the sync lock: nothing else writes meanwhile).
    ``full_check`` (and ``salvage``): the integrity check even when the file looks unchanged;
    ``check_later``: none at all (the caller checks it later, ``check_database``)."""
    if not salvage:
        if check_later:
            return SqliteMirrorStore(paths.database, check=False), None
        if full_check:
            check_integrity(paths.database)
        return open_mirror(paths.database), None
    with _holding(sync_lock):
        try:
            check_integrity(paths.database)
            return open_mirror(paths.database), None
        except DatabaseCorrupt:
            from backorder_desktop.adapters.storage.salvage import salvage as salvage_into
            from backorder_desktop.adapters.storage.salvage import side_path

            damaged = _set_aside(paths.database, paths.backups_dir)
            report = salvage_into(damaged, paths.database, copy=side_path(paths.database))
            note = f"The damaged database was moved to {damaged}. {report.summary()}"
    return open_mirror(paths.database), note


def _open_team_database(url: str, paths: ProfilePaths, given: SecretStore | None) -> SqliteMirrorStore:
    """The team's PostgreSQL database (``team.json``), with its password from the keyring."""
    from backorder_desktop.adapters.storage.pg_store import open_team_mirror
    from backorder_desktop.domain.team_url import team_password_key
    from backorder_desktop.domain.team_url import with_password

    secrets_ = given or KeyringSecretStore(record=BackendRecord(paths.data_dir / KEYRING_RECORD))
    password = secrets_.get(team_password_key(url))
    if password:
        register_secret(password)
    return open_team_mirror(with_password(url, password))


def _team_url(url: str, secrets_: SecretStore) -> str:
    """The team database's address with the keyring's password (for the election and the listener)."""
    from backorder_desktop.domain.team_url import team_password_key
    from backorder_desktop.domain.team_url import with_password

    return with_password(url, secrets_.get(team_password_key(url)))


def _describe_team(url: str) -> str:
    # Team mode's modules only for a team's profile: a command on a desktop's own file never loads them.
    from backorder_desktop.domain.team_url import describe_team

    return describe_team(url)


def _team_databases() -> TeamDatabase:
    from backorder_desktop.adapters.storage.team_copy import TeamDatabases

    return TeamDatabases()


def _empty_mirror(mirror: SqliteMirrorStore, sync_lock: FileProcessLock) -> str:
    with _holding(sync_lock):
        mirror.rebuild_mirror()
    return SOUND_REBUILD_NOTE


class _holding:
    """The profile's sync lock, or ``SyncInProgress`` when another process holds it."""

    def __init__(self, lock: FileProcessLock) -> None:
        self._lock = lock

    def __enter__(self) -> None:
        if not self._lock.try_acquire():
            raise SyncInProgress(
                "A window or command is syncing this profile. Quit the window (or wait for the "
                "command), then try again."
            )

    def __exit__(self, *_exc: object) -> None:
        self._lock.release()


def _set_aside(database: Path, folder: Path) -> Path:
    """Move the damaged file (with its WAL and shared-memory files) into ``folder``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = folder / f"damaged-{stamp}-{database.name}"
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{database}{suffix}")
        if part.exists():
            shutil.move(str(part), f"{target}{suffix}")
    return target
