"""A lock file per profile, so only one process syncs a profile at a time (filelock: it is
cross-platform, and the OS releases the lock when a process dies, even by SIGKILL).

filelock is imported when the lock is first taken, not with this module: its import costs ~9 ms
(its settings, fork and hashing modules), and a command that only reads the profile (``status``
in a script's loop) never takes the lock."""

from __future__ import annotations

from typing import TYPE_CHECKING

from backorder_desktop.domain.errors import StorageError

if TYPE_CHECKING:
    from pathlib import Path

    import filelock


class FileProcessLock:
    """Non-blocking, re-entrant within a process (filelock counts acquisitions)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock: filelock.FileLock | None = None

    def _file_lock(self) -> filelock.FileLock:
        if self._lock is None:
            import filelock

            # 0600 whatever the umask: the profile is the user's alone.
            self._lock = filelock.FileLock(str(self._path), timeout=0, thread_local=False, mode=0o600)
        return self._lock

    def try_acquire(self) -> bool:
        import filelock

        lock = self._file_lock()
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            return False
        except OSError as exc:
            raise StorageError(
                f"Cannot create the lock file {lock.lock_file}: {exc.strerror}. "
                "Check that the profile folder is writable."
            ) from None
        return True

    def release(self) -> None:
        if self._lock is not None and self._lock.is_locked:
            self._lock.release()
