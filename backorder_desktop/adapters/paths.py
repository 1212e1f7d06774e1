"""Profile paths: where the settings, the database, the logs and the backups of a profile live.

A *profile* is one set of these folders. By default it is the platform's user folders (from
platformdirs, app name ``backorder-desktop``); with ``--home DIR`` or ``BACKORDER_DESKTOP_HOME``
everything lives under that one folder instead (``config/``, ``data/``, ``logs/``), which is
what the tests, the demo mode and a portable install use. Nothing here writes until
``ensure()`` is called, and ``ensure()`` turns every filesystem problem into a ``StorageError``
(or ``DiskFull``) that names the folder and says what to do.

**Only the user may read a profile**: it holds the store's data and logs that name
products and hosts. Folders are created 0700 and files 0600 whatever the umask
(``make_private_dir``, ``create_private_file``; SQLite gives a database's ``-wal``/``-shm`` files
the mode of the database, so the database file is created 0600 before SQLite opens it), and
``ensure()`` tightens what an older version left readable (``secure_tree``).
"""

from __future__ import annotations

import errno
import logging
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from backorder_desktop import APP_NAME
from backorder_desktop.domain.errors import DiskFull
from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.errors import StorageError
from backorder_desktop.domain.errors import UserFacingError

logger = logging.getLogger(__name__)

HOME_ENV = "BACKORDER_DESKTOP_HOME"
"""The environment variable that does what ``--home DIR`` does."""

DATABASE_NAME = "backorder.db"
LOG_FILE_NAME = "backorder-desktop.log"

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
_OTHERS = 0o077  # the group's and everyone else's permission bits

_HOW_TO_FIX = "Fix the folder (its permissions, or the path), then try again."


@dataclass(frozen=True, slots=True)
class ProfilePaths:
    """The folders of one profile. ``home`` is the explicit profile folder, or None."""

    config_dir: Path
    data_dir: Path
    log_dir: Path
    database: Path
    backups_dir: Path
    home: Path | None = None

    @property
    def sync_lock(self) -> Path:
        """The lock a process holds while it syncs (or repairs) this profile."""
        return self.data_dir / "sync.lock"

    @property
    def quota_file(self) -> Path:
        """What the processes of this profile saw of the store's API quota (shared pacing)."""
        return self.data_dir / "quota.sqlite3"

    @property
    def log_file(self) -> Path:
        """The current log file (rotated copies sit next to it)."""
        return self.log_dir / LOG_FILE_NAME

    def folders(self) -> dict[str, Path]:
        """Every folder of the profile, by what it holds (for messages and ``ensure``)."""
        return {
            "settings": self.config_dir,
            "data": self.data_dir,
            "logs": self.log_dir,
            "backups": self.backups_dir,
        }

    def ensure(self) -> ProfilePaths:
        """Create the folders and check that each can be written; returns ``self``.

        Raises ``StorageError`` naming the folder when it cannot be created or written
        (read-only disk, no permission, a file in the way), or ``DiskFull``.
        """
        for purpose, folder in self.folders().items():
            _ensure_folder(folder, purpose)
        if self.home is not None:
            secure_tree(self.home, recursive=False)  # the profile folder itself, not what else is there
        for folder in (self.config_dir, self.data_dir, self.log_dir):
            secure_tree(folder)
        return self


def profile_paths(home: str | Path | None = None) -> ProfilePaths:
    """The profile's paths: under ``home`` (or ``$BACKORDER_DESKTOP_HOME``), else the user's folders.

    The environment is read here, at call time, so that a test or a CLI run can set it late.
    An empty value counts as unset.
    """
    if home is None or str(home) == "":
        home = os.environ.get(HOME_ENV) or None
    if home is not None:
        root = Path(home).expanduser().absolute()
        data_dir = root / "data"
        return ProfilePaths(
            config_dir=root / "config",
            data_dir=data_dir,
            log_dir=root / "logs",
            database=data_dir / DATABASE_NAME,
            backups_dir=data_dir / "backups",
            home=root,
        )
    # appauthor=False: no "<author>\<app>" nesting on Windows, just the app's own folder.
    data_dir = platformdirs.user_data_path(APP_NAME, appauthor=False)
    return ProfilePaths(
        config_dir=platformdirs.user_config_path(APP_NAME, appauthor=False),
        data_dir=data_dir,
        log_dir=platformdirs.user_log_path(APP_NAME, appauthor=False),
        database=data_dir / DATABASE_NAME,
        backups_dir=data_dir / "backups",
    )


def make_private_dir(folder: Path) -> None:
    """Create ``folder`` and its missing parents with mode 0700 (``mkdir`` alone honours the umask).

    An existing folder is left as it is (``secure_tree`` tightens a profile's own). Raises
    ``FileExistsError`` when something other than a folder is in the way, like ``mkdir``.
    """
    if folder.is_dir():
        return
    parent = folder.parent
    if parent != folder and not parent.is_dir():
        try:
            make_private_dir(parent)
        except FileExistsError as exc:  # as mkdir(parents=True) says it: a file is in the path
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(parent)) from exc
    try:
        folder.mkdir(mode=PRIVATE_DIR_MODE)
    except FileExistsError:
        if not folder.is_dir():
            raise
        return  # another process made it meanwhile (with this same code)
    os.chmod(folder, PRIVATE_DIR_MODE)


def create_private_file(path: Path) -> bool:
    """Create an empty ``path`` readable by the user only, unless it exists; True when created.

    For files that another library opens by name afterwards (SQLite, which would otherwise create
    them with the umask's mode and give its ``-wal``/``-shm`` files that same mode).
    """
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, flags, PRIVATE_FILE_MODE)
    except FileExistsError:
        return False
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, PRIVATE_FILE_MODE)  # an odd umask may have taken the user's own bits
    finally:
        os.close(fd)
    return True


def secure_tree(root: Path, *, recursive: bool = True) -> None:
    """Take the group's and others' permissions off ``root`` and (``recursive``) all inside it.

    For profiles written by versions that followed the umask (folders 0755, files 0644): a
    folder becomes 0700 and a file 0600. Symbolic links are neither changed nor followed. A file
    that cannot be changed (another user's) is logged and left: the profile still opens.
    """
    if os.name == "nt":  # permission bits mean nothing there; the user's folders are private
        return
    _tighten(root)
    if not recursive or not root.is_dir() or root.is_symlink():
        return
    for folder, subfolders, files in os.walk(root, followlinks=False):
        for name in (*subfolders, *files):
            _tighten(Path(folder) / name)


def _tighten(path: Path) -> None:
    try:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode) or not info.st_mode & _OTHERS:
            return
        os.chmod(path, stat.S_IMODE(info.st_mode) & ~_OTHERS)
    except FileNotFoundError:
        return  # gone meanwhile (a rotated log, a WAL file checkpointed away)
    except OSError as exc:
        logger.warning("could not make %s private to you: %s", path, exc.strerror or exc)
        return
    logger.info("made %s readable by you only (it was open to others)", path)


def _ensure_folder(folder: Path, purpose: str) -> None:
    try:
        make_private_dir(folder)
    except FileExistsError as exc:
        # mkdir(exist_ok=True) only raises this when the path is something other than a folder.
        raise StorageError(
            f"Cannot use {folder} for the {purpose} folder: a file with that name is in the way. "
            "Move that file away, then try again.",
            remedy=Remedy.OTHER_FOLDER,
        ) from exc
    except OSError as exc:
        raise _storage_error(folder, purpose, exc, "create") from exc
    # os.access() is not enough: it says yes to root on a read-only bind mount and to anyone on
    # some network filesystems. Writing a real file is the only honest check.
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".write-check-"):
            pass
    except OSError as exc:
        raise _storage_error(folder, purpose, exc, "write to") from exc
    logger.debug("Profile %s folder ready: %s", purpose, folder)


def _storage_error(folder: Path, purpose: str, exc: OSError, verb: str) -> UserFacingError:
    if exc.errno == errno.ENOSPC or exc.errno == errno.EDQUOT:
        return DiskFull(
            f"Cannot {verb} the {purpose} folder {folder}: the disk is full (or your quota is "
            "used up). Free some space, then try again.",
            remedy=Remedy.OTHER_FOLDER,
        )
    reasons = {
        errno.EROFS: "it is on a read-only disk",
        errno.EACCES: "you do not have permission",
        errno.EPERM: "you do not have permission",
        errno.ENOTDIR: "part of the path is a file, not a folder",
        errno.ENAMETOOLONG: "the path is too long",
    }
    reason = reasons.get(exc.errno or 0, exc.strerror or type(exc).__name__)
    return StorageError(
        f"Cannot {verb} the {purpose} folder {folder}: {reason}. " + _HOW_TO_FIX, remedy=Remedy.OTHER_FOLDER
    )
