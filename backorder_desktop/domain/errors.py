"""The error taxonomy: every error has a short title and a message that says what to do next.

``UserFacingError`` means the environment or the user's setup is at fault; ``BugError`` (or any
other exception) means it is ours. Adapters translate library exceptions into these at the
boundary; nothing outside ``adapters/`` catches httpx, peewee or keyring exceptions.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from typing import ClassVar


class ErrorKind(StrEnum):
    """What an error is, as a value: stored with a failed run, sent by the sync child, and turned back
    into its class by ``error_for``. One kind per error class below; ``USER`` is any other
    ``UserFacingError`` (``InvalidStock`` …), ``BUG`` anything that is our fault."""

    BUG = "bug"
    USER = "user"
    API = "api"
    AUTH = "auth"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    BATCH_TOO_LARGE = "batch_too_large"
    INVALID_DATA = "invalid_data"
    RATE_LIMITED = "rate_limited"
    MAINTENANCE = "maintenance"
    SERVER_ERROR = "server_error"
    OFFLINE = "offline"
    MALFORMED_REPLY = "malformed_reply"
    KEYRING_UNAVAILABLE = "keyring_unavailable"
    KEYRING_LOCKED = "keyring_locked"
    KEYRING_REFUSED = "keyring_refused"
    NOT_CONNECTED = "not_connected"
    DATABASE_TOO_NEW = "database_too_new"
    DATABASE_CORRUPT = "database_corrupt"
    DISK_FULL = "disk_full"
    STORAGE = "storage"
    SUSPICIOUS_CATALOG = "suspicious_catalog"
    INVALID_SETTING = "invalid_setting"
    SYNC_IN_PROGRESS = "sync_in_progress"
    FEED = "feed"
    SYNC_STOPPED = "sync_stopped"


class Remedy(StrEnum):
    """What the merchant can do about an error, as a value: each front end says it in its own words
    (the command line names its command, the window its button), so the message itself names
    neither."""

    CONNECT = "connect"  # connect a store (or try the demo store)
    RECONNECT = "reconnect"  # connect the same store again, with a token that works
    ASSIGN = "assign"  # assign the product to BackOrder
    FIND_VARIANT = "find-variant"  # look up the SKUs of a product's variants
    CHOOSE_OUTBOX = "choose-outbox"  # say whether to write or discard waiting changes
    USE_FEED = "use-feed"  # switch the inventory source to the ERP feed
    SET_FEED_URL = "set-feed-url"  # give the feed's address
    SET_FEED_CREDENTIAL = "set-feed-credential"  # keep the feed's password or key in the keyring
    SET_WEBHOOK_URL = "set-webhook-url"  # give the public https address for webhooks
    SEE_OUTBOX = "see-outbox"  # look at the waiting changes and why they were refused
    SESSION_ONLY = "session-only"  # keep the token in memory for this session only (no keyring)
    RETRY_LATER = "retry-later"  # a passing problem: automatic updates retry, a one-off command does not
    OTHER_FOLDER = "other-folder"  # the profile folder cannot be used: fix it, or use another one
    SECOND_STORE = "second-store"  # a profile holds one store: another store needs its own folder
    REBUILD = "rebuild"  # the database is damaged: set it aside and fetch the catalog again
    JOIN_TEAM = "join-team"  # the team database is in use: join that team
    CREATE_TEAM = "create-team"  # the team database holds no team yet: create it where the data is
    LEAVE_TEAM = "leave-team"  # this profile is in a team already: leave it first


class BackorderError(Exception):
    """Root of our errors. ``str(error)`` is ``"title: message"``; ``remedy`` (when there is one)
    says what the merchant can do, for each front end to put in its own words."""

    title: str = "Something went wrong"
    kind: ClassVar[ErrorKind] = ErrorKind.BUG
    remedy: Remedy | None = None

    def __init__(self, message: str, *, title: str | None = None, remedy: Remedy | None = None) -> None:
        super().__init__(message)
        if title is not None:
            self.title = title
        if remedy is not None:
            self.remedy = remedy
        self.message = message

    def __str__(self) -> str:
        return f"{self.title}: {self.message}"


class UserFacingError(BackorderError):
    """The environment or the user's setup is at fault; the message says what to do."""

    kind = ErrorKind.USER


class BugError(BackorderError):
    """Our fault: reported with the log path."""

    title = "Internal error"
    kind = ErrorKind.BUG


# --- BigCommerce API -------------------------------------------------------------------------


class ApiError(UserFacingError):
    """A failed call to the store's API. ``status`` is the HTTP status, or None without one."""

    title = "BigCommerce request failed"
    kind = ErrorKind.API
    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        title: str | None = None,
        status: int | None = None,
        remedy: Remedy | None = None,
    ) -> None:
        super().__init__(message, title=title, remedy=remedy)
        self.status = status


class AuthError(ApiError):
    """401: the token is missing, wrong or revoked."""

    title = "BigCommerce refused the token"
    kind = ErrorKind.AUTH


class PermissionDenied(ApiError):
    """403: the token lacks a scope, or the store hash is wrong."""

    title = "Missing permission"
    kind = ErrorKind.PERMISSION_DENIED


class NotFound(ApiError):
    """404: the resource does not exist (any more)."""

    title = "Not found"
    kind = ErrorKind.NOT_FOUND


class BatchTooLarge(ApiError):
    """413: too many items in one request. Our bug if it ever reaches a user."""

    title = "Request too large"
    kind = ErrorKind.BATCH_TOO_LARGE


class InvalidData(ApiError):
    """409/422: BigCommerce refused the data; ``reasons`` holds the server's own words."""

    title = "BigCommerce refused the data"
    kind = ErrorKind.INVALID_DATA

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
    kind = ErrorKind.RATE_LIMITED
    retryable = True
    remedy = Remedy.RETRY_LATER


class Maintenance(ApiError):
    """503: the store is in maintenance, suspended or upgrading."""

    title = "Store unavailable"
    kind = ErrorKind.MAINTENANCE
    retryable = True
    remedy = Remedy.RETRY_LATER


class ServerError(ApiError):
    """500/502/504 after retries."""

    title = "BigCommerce server error"
    kind = ErrorKind.SERVER_ERROR
    retryable = True
    remedy = Remedy.RETRY_LATER


class Offline(ApiError):
    """No network, DNS failure, connection refused, or a timeout after retries."""

    title = "Offline"
    kind = ErrorKind.OFFLINE
    retryable = True
    remedy = Remedy.RETRY_LATER


class MalformedReply(ApiError):
    """The reply was not the JSON we expect (cut off, not JSON, wrong shape)."""

    title = "Unexpected reply from BigCommerce"
    kind = ErrorKind.MALFORMED_REPLY
    retryable = True
    remedy = Remedy.RETRY_LATER


# --- Local environment -----------------------------------------------------------------------


class KeyringUnavailable(UserFacingError):
    """No keyring backend at all (e.g. headless Linux without a Secret Service)."""

    title = "No keyring available"
    kind = ErrorKind.KEYRING_UNAVAILABLE
    remedy = Remedy.SESSION_ONLY


class KeyringLocked(UserFacingError):
    """The keyring exists but is locked, or the user dismissed the unlock prompt."""

    title = "Keyring locked"
    kind = ErrorKind.KEYRING_LOCKED
    remedy = Remedy.SESSION_ONLY


class KeyringRefused(UserFacingError):
    """The keyring answered with an error when storing or reading a secret."""

    title = "Keyring refused"
    kind = ErrorKind.KEYRING_REFUSED


class NotConnected(UserFacingError):
    """No store is connected in this profile, and no token was given."""

    title = "No store connected"
    kind = ErrorKind.NOT_CONNECTED


class DatabaseTooNew(UserFacingError):
    """The database was written by a newer version of the app."""

    title = "Database from a newer version"
    kind = ErrorKind.DATABASE_TOO_NEW


class DatabaseCorrupt(UserFacingError):
    """The database file is unreadable or fails its integrity check."""

    title = "Database damaged"
    kind = ErrorKind.DATABASE_CORRUPT
    remedy = Remedy.REBUILD


class DiskFull(UserFacingError):
    """The disk is full: nothing was lost, but nothing could be saved."""

    title = "Disk full"
    kind = ErrorKind.DISK_FULL


class StorageError(UserFacingError):
    """The profile folder or database cannot be written (read-only, permissions, locked)."""

    title = "Cannot save"
    kind = ErrorKind.STORAGE


class SuspiciousCatalog(UserFacingError):
    """A full pull came back empty or far smaller than the mirror: refused, not applied."""

    title = "Catalog looks wrong"
    kind = ErrorKind.SUSPICIOUS_CATALOG


class InvalidSetting(UserFacingError):
    """A setting value that fails validation; the message says which values are allowed."""

    title = "Invalid setting"
    kind = ErrorKind.INVALID_SETTING


class SyncInProgress(UserFacingError):
    """Another sync holds the lock (used when a caller must not join)."""

    title = "A sync is already running"
    kind = ErrorKind.SYNC_IN_PROGRESS


class AnotherDesktopSyncs(SyncInProgress):
    """Team mode: another desktop leads the team's syncs, so this one asks nothing of the store."""

    title = "Another desktop syncs for the team"


class FeedError(UserFacingError):
    """The ERP feed as a whole could not be used; the previous values stay."""

    title = "Stock feed not used"
    kind = ErrorKind.FEED


class SyncStopped(UserFacingError):
    """The sync was stopped on purpose (the app is quitting)."""

    title = "Sync stopped"
    kind = ErrorKind.SYNC_STOPPED


_CLASSES: tuple[type[BackorderError], ...] = (
    BugError, UserFacingError, ApiError, AuthError, PermissionDenied, NotFound, BatchTooLarge, InvalidData,
    RateLimited, Maintenance, ServerError, Offline, MalformedReply, KeyringUnavailable, KeyringLocked,
    KeyringRefused, NotConnected, DatabaseTooNew, DatabaseCorrupt, DiskFull, StorageError, SuspiciousCatalog,
    InvalidSetting, SyncInProgress, FeedError, SyncStopped,
)  # fmt: skip
CLASS_OF_KIND: dict[ErrorKind, type[BackorderError]] = {cls.kind: cls for cls in _CLASSES}


def error_for(kind: ErrorKind, message: str, title: str | None = None, **details: Any) -> BackorderError:
    """The error of ``kind`` again, with its words (and ``status``/``reasons`` of API errors, and its
    ``remedy``): a run's recorded error, or one the sync child sent. ``title`` None keeps the
    class's own title."""
    cls = CLASS_OF_KIND[kind]
    error: BackorderError
    if issubclass(cls, InvalidData):
        error = cls(message, title=title, status=details.get("status"), reasons=details.get("reasons"))
    elif issubclass(cls, ApiError):
        error = cls(message, title=title, status=details.get("status"))
    else:
        error = cls(message, title=title)
    if details.get("remedy"):
        error.remedy = Remedy(details["remedy"])
    return error
