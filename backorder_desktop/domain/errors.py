"""The error taxonomy: every error has a short title and a message that says what to do next.

``UserFacingError`` means the environment or the user's setup is at fault; ``BugError`` (or any
other exception) means it is ours. Adapters translate library exceptions into these at the
boundary; nothing outside ``adapters/`` catches httpx, peewee or keyring exceptions.
"""

from __future__ import annotations


class BackorderError(Exception):
    """Root of our errors. ``str(error)`` is ``"title: message"``."""

    title: str = "Something went wrong"

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        if title is not None:
            self.title = title
        self.message = message

    def __str__(self) -> str:
        return f"{self.title}: {self.message}"


class UserFacingError(BackorderError):
    """The environment or the user's setup is at fault; the message says what to do."""


class BugError(BackorderError):
    """Our fault: reported with the log path."""

    title = "Internal error"


# --- BigCommerce API -------------------------------------------------------------------------


class ApiError(UserFacingError):
    """A failed call to the store's API. ``status`` is the HTTP status, or None without one."""

    title = "BigCommerce request failed"
    retryable: bool = False

    def __init__(self, message: str, *, title: str | None = None, status: int | None = None) -> None:
        super().__init__(message, title=title)
        self.status = status


class AuthError(ApiError):
    """401: the token is missing, wrong or revoked."""

    title = "BigCommerce refused the token"


class PermissionDenied(ApiError):
    """403: the token lacks a scope, or the store hash is wrong."""

    title = "Missing permission"


class NotFound(ApiError):
    """404: the resource does not exist (any more)."""

    title = "Not found"


class BatchTooLarge(ApiError):
    """413: too many items in one request. Our bug if it ever reaches a user."""

    title = "Request too large"


class InvalidData(ApiError):
    """409/422: BigCommerce refused the data; ``reasons`` holds the server's own words."""

    title = "BigCommerce refused the data"

    def __init__(
        self,
        message: str,
        *,
        title: str | None = None,
        status: int | None = None,
        reasons: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, title=title, status=status)
        self.reasons = dict(reasons or {})


class RateLimited(ApiError):
    """429 that outlasted our waiting."""

    title = "Rate limited"
    retryable = True


class Maintenance(ApiError):
    """503: the store is in maintenance, suspended or upgrading."""

    title = "Store unavailable"
    retryable = True


class ServerError(ApiError):
    """500/502/504 after retries."""

    title = "BigCommerce server error"
    retryable = True


class Offline(ApiError):
    """No network, DNS failure, connection refused, or a timeout after retries."""

    title = "Offline"
    retryable = True


class MalformedReply(ApiError):
    """The reply was not the JSON we expect (cut off, not JSON, wrong shape)."""

    title = "Unexpected reply from BigCommerce"
    retryable = True


# --- Local environment -----------------------------------------------------------------------


class KeyringUnavailable(UserFacingError):
    """No keyring backend at all (e.g. headless Linux without a Secret Service)."""

    title = "No keyring available"


class KeyringLocked(UserFacingError):
    """The keyring exists but is locked, or the user dismissed the unlock prompt."""

    title = "Keyring locked"


class KeyringRefused(UserFacingError):
    """The keyring answered with an error when storing or reading a secret."""

    title = "Keyring refused"


class NotConnected(UserFacingError):
    """No store is connected in this profile, and no token was given."""

    title = "No store connected"


class DatabaseTooNew(UserFacingError):
    """The database was written by a newer version of the app."""

    title = "Database from a newer version"


class DatabaseCorrupt(UserFacingError):
    """The database file is unreadable or fails its integrity check."""

    title = "Database damaged"


class DiskFull(UserFacingError):
    """The disk is full: nothing was lost, but nothing could be saved."""

    title = "Disk full"


class StorageError(UserFacingError):
    """The profile folder or database cannot be written (read-only, permissions, locked)."""

    title = "Cannot save"


class SuspiciousCatalog(UserFacingError):
    """A full pull came back empty or far smaller than the mirror: refused, not applied."""

    title = "Catalog looks wrong"


class InvalidSetting(UserFacingError):
    """A setting value that fails validation; the message says which values are allowed."""

    title = "Invalid setting"


class SyncInProgress(UserFacingError):
    """Another sync holds the lock (used when a caller must not join)."""

    title = "A sync is already running"


class FeedError(UserFacingError):
    """The ERP feed as a whole could not be used; the previous values stay."""

    title = "Stock feed not used"


class SyncStopped(UserFacingError):
    """The sync was stopped on purpose (the app is quitting)."""

    title = "Sync stopped"
