"""A lock file per profile, so only one process syncs a profile at a time (filelock: it is
cross-platform, and the OS releases the lock when a process dies, even by SIGKILL)."""

from __future__ import annotations

from pathlib import Path

import filelock

from backorder_desktop.domain.errors import StorageError


class FileProcessLock:
    """Non-blocking, re-entrant within a process (filelock counts acquisitions)."""

    def __init__(self, path: Path) -> None:
        # 0600 whatever the umask: the profile is the user's alone.
        self._lock = filelock.FileLock(str(path), timeout=0, thread_local=False, mode=0o600)

    def try_acquire(self) -> bool:
        try:
            self._lock.acquire(timeout=0)
        except filelock.Timeout:
            return False
        except OSError as exc:
            raise StorageError(
                f"Cannot create the lock file {self._lock.lock_file}: {exc.strerror}. "
                "Check that the profile folder is writable."
            ) from None
        return True

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release()
