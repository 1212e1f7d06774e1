"""Secret storage: the OS keyring behind the ``SecretStore`` port, a session-only store, detection.

``KeyringSecretStore`` keeps every secret under one service name (``backorder-desktop``) with
structured usernames (``bigcommerce:{store_hash}:access_token``). It picks its backend lazily, on
first use, and never falls back to plaintext on its own: keyring's ``fail``/``null`` backends,
anything keyring itself does not *recommend* (priority below 1: ``keyrings.alt`` plaintext and
encrypted-file stores, which prompt on a terminal) and anything named ``Plaintext*`` are refused.
A missing backend is a first-class state (``KeyringUnavailable``); the app then offers
``MemorySecretStore``, which keeps secrets for this session only and says so in its name.

Every keyring/secretstorage/jeepney exception is translated here into ``KeyringUnavailable``,
``KeyringLocked`` or ``KeyringRefused``; messages say what to do next and never carry the secret.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from backorder_desktop import APP_NAME
from backorder_desktop.adapters.paths import create_private_file
from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.errors import KeyringLocked
from backorder_desktop.domain.errors import KeyringRefused
from backorder_desktop.domain.errors import KeyringUnavailable

# keyring is imported where it is used, not here: a command that never touches a secret (stock set,
# products) then does not pay for keyring, secretstorage, jeepney and cryptography (~50 ms).
if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

logger = logging.getLogger(__name__)

SERVICE = APP_NAME
"""The one keyring service name every entry of this app lives under."""

MEMORY_BACKEND_NAME = "Session only (forgotten when the app closes)"

NO_KEYRING_ADVICE = (
    "No usable keyring was found to keep your access token safe. On Linux, install and start a "
    "Secret Service such as GNOME Keyring (gnome-keyring) or KWallet, then try again. The token is "
    "never saved in a plain file."
)

# Display names for the backends a merchant is likely to meet; others use keyring's own name.
_READABLE_NAMES = {
    "keyring.backends.SecretService.Keyring": "SecretService Keyring",
    "keyring.backends.libsecret.Keyring": "libsecret Keyring",
    "keyring.backends.kwallet.DBusKeyring": "KWallet",
    "keyring.backends.kwallet.DBusKeyringKWallet4": "KWallet 4",
    "keyring.backends.macOS.Keyring": "macOS Keychain",
    "keyring.backends.Windows.WinVaultKeyring": "Windows Credential Manager",
}
# Backends that store nothing (fail, null) are refused outright, whatever their priority says.
_NO_STORE_BACKENDS = {"keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"}
# Matched by class name over the exception chain, so that this module needs no import of
# secretstorage (Linux only) to recognise its errors.
_LOCKED_ERRORS = {
    "secretstorage.exceptions.LockedException",
    "secretstorage.exceptions.PromptDismissedException",
}
_GONE_ERRORS = {"secretstorage.exceptions.SecretServiceNotAvailableException"}


def backend_id(backend: object) -> str:
    """The fully qualified class name of a backend, the form ``PYTHON_KEYRING_BACKEND`` takes."""
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def readable_backend_name(backend: object) -> str:
    """A name for status lines and the About box ("SecretService Keyring", "macOS Keychain")."""
    ident = backend_id(backend)
    name = _READABLE_NAMES.get(ident) or getattr(backend, "name", None)
    return name if isinstance(name, str) else ident


def _priority(backend: object) -> float | None:
    """The backend's priority, or None when it is not viable here (keyring raises RuntimeError)."""
    try:
        value = getattr(backend, "priority")  # noqa: B009 (a classproperty that may raise)
    except Exception:
        return None
    return float(value) if isinstance(value, int | float) else None


def _refusal(backend: object) -> str | None:
    """Why a backend is not acceptable for secrets, or None when it is."""
    ident = backend_id(backend)
    if ident in _NO_STORE_BACKENDS:
        return "it does not store anything"
    if "plaintext" in type(backend).__name__.lower():
        return "it keeps secrets in a plain file"
    priority = _priority(backend)
    if priority is None:
        return "it is not available on this computer"
    if priority < 1:
        # keyring's own threshold for a "recommended" backend (keyring.core.recommended).
        return "it is not a recommended keyring (a plain or terminal-prompting file store)"
    return None


def _from_chainer() -> KeyringBackend | None:
    """The best acceptable backend a chainer would use, so that writes never land in plaintext."""
    from keyring.backends.chainer import ChainerBackend

    for candidate in ChainerBackend.backends:
        if _refusal(candidate) is None:
            return candidate  # type: ignore[no-any-return]
    return None


def _load_named(name: str, origin: str) -> KeyringBackend:
    import keyring.core

    try:
        backend = keyring.core.load_keyring(name)
    except Exception as exc:
        raise KeyringUnavailable(
            f"The keyring backend {name!r} chosen {origin} cannot be used here ({exc}). " + NO_KEYRING_ADVICE
        ) from exc
    return backend


def _accept(backend: KeyringBackend, origin: str) -> KeyringBackend:
    from keyring.backends.chainer import ChainerBackend

    if isinstance(backend, ChainerBackend):
        chained = _from_chainer()
        if chained is None:
            raise KeyringUnavailable(NO_KEYRING_ADVICE)
        backend = chained
    reason = _refusal(backend)
    if reason is not None:
        raise KeyringUnavailable(
            f"The keyring backend {backend_id(backend)} chosen {origin} is refused: {reason}. "
            + NO_KEYRING_ADVICE
        )
    return backend


def resolve_backend(pinned: str | None = None) -> KeyringBackend:
    """Choose the keyring backend, or raise ``KeyringUnavailable`` when none is acceptable.

    Order: ``PYTHON_KEYRING_BACKEND`` (an explicit choice for this run), then ``pinned`` (the
    backend remembered in the settings, so later runs are deterministic), then keyring's own
    config file, then the highest-priority recommended backend. An explicit choice that is
    refused is an error, never a reason to fall through to something weaker.
    """
    _skip_macos_probe_elsewhere()
    import keyring.backend
    import keyring.core
    from keyring.backends.chainer import ChainerBackend

    env_name = os.environ.get("PYTHON_KEYRING_BACKEND", "").strip()
    if env_name:
        return _accept(_load_named(env_name, "in PYTHON_KEYRING_BACKEND"), "in PYTHON_KEYRING_BACKEND")
    if pinned:
        return _accept(_load_named(pinned, "in the settings"), "in the settings")
    try:
        configured = keyring.core.load_config()
    except Exception as exc:
        raise KeyringUnavailable(
            f"keyring's configuration file names a backend that cannot be used ({exc}). " + NO_KEYRING_ADVICE
        ) from exc
    if configured is not None:
        return _accept(configured, "in keyring's configuration file")
    candidates = [
        backend
        for backend in keyring.backend.get_all_keyring()
        if not isinstance(backend, ChainerBackend) and _refusal(backend) is None
    ]
    if not candidates:
        raise KeyringUnavailable(NO_KEYRING_ADVICE)
    return max(candidates, key=lambda backend: _priority(backend) or 0.0)


def _skip_macos_probe_elsewhere() -> None:
    """keyring's macOS backend looks for Apple's libraries when it is imported (ctypes'
    ``find_library``: on Linux a dozen ldconfig, gcc and ld processes, ~0.1 s of every start that
    reads a secret or names the keyring). That backend is never viable off macOS (its priority
    says so whatever the probe finds), so there its probe module is marked missing, which the
    backend's own import tolerates."""
    if sys.platform != "darwin":
        sys.modules.setdefault("keyring.backends.macOS.api", None)  # type: ignore[arg-type]


def detect_backend(pinned: str | None = None) -> str | None:
    """The readable name of the backend a ``KeyringSecretStore`` would use, or None without one."""
    try:
        return readable_backend_name(resolve_backend(pinned))
    except KeyringUnavailable:
        return None


SEEN_FRESH = timedelta(hours=24)
"""How long a backend seen working is named without looking again (status, the About box)."""
ABSENT_FRESH = timedelta(hours=1)
"""How long "no keyring here" is believed: shorter, since one may be installed meanwhile (a
secret saved then records it at once)."""
SEEN_REWRITE = timedelta(hours=1)
"""A secret access rewrites the record at most this often (it is read on every access)."""


class BackendRecord:
    """The keyring backend last seen working for a profile, in a small file beside its database.

    Naming the backend means importing keyring, and with it secretstorage, jeepney and
    cryptography (~90 ms, ~11 MB): more than the rest of ``status`` together. A command that does
    not touch a secret names the backend from this record instead, labelled with when and how it
    was seen; a record older than ``SEEN_FRESH``, or made under another ``PYTHON_KEYRING_BACKEND``,
    is not used. The file holds the backend's name only, never a secret.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def note(self, name: str, how: str, *, at: datetime | None = None) -> None:
        """Remember ``name`` as seen ``how`` ("used", "detected"); best effort, never raises."""
        now = at or datetime.now(UTC)
        known = self._read()
        same = known is not None and (known.name, known.how, known.env) == (name, how, _env_choice())
        if same and known is not None and now - known.at < SEEN_REWRITE:
            return
        record = {"name": name, "how": how, "at": now.isoformat(), "env": _env_choice()}
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        try:
            create_private_file(partial)
            partial.write_text(json.dumps(record), encoding="utf-8")
            partial.replace(self.path)
        except OSError as exc:
            logger.debug("the keyring backend could not be recorded: %s", exc)

    def note_absent(self) -> None:
        """Remember that no acceptable backend was found (status on a computer without a keyring)."""
        self.note("", "absent")

    def absent(self, *, now: datetime | None = None) -> bool:
        """True while a fresh record says no acceptable backend was found here."""
        known = self._read()
        if known is None or known.name or known.env != _env_choice():
            return False
        return (now or datetime.now(UTC)) - known.at <= ABSENT_FRESH

    def forget(self) -> None:
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            logger.debug("the keyring backend record could not be removed: %s", exc)

    def recalled(self, *, now: datetime | None = None) -> str | None:
        """The recorded backend, labelled ("SecretService Keyring (last used 2026-12-05 10:31
        UTC)"), or None when there is no record fresh enough for this environment."""
        known = self._read()
        if known is None or not known.name or known.env != _env_choice():
            return None
        if (now or datetime.now(UTC)) - known.at > SEEN_FRESH:
            return None
        return f"{known.name} (last {known.how} {known.at:%Y-%m-%d %H:%M} UTC)"

    def _read(self) -> _Seen | None:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return _Seen(
                str(raw["name"]), str(raw["how"]), datetime.fromisoformat(str(raw["at"])), str(raw["env"])
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None  # none yet, or unreadable: looked up afresh


@dataclass(frozen=True)
class _Seen:
    name: str
    how: str
    at: datetime
    env: str


def _env_choice() -> str:
    return os.environ.get("PYTHON_KEYRING_BACKEND", "").strip()


def describe_backend(record: BackendRecord) -> str | None:
    """The keyring for status: the record's (labelled) when fresh, else looked up now and recorded."""
    recalled = record.recalled()
    if recalled is not None or record.absent():
        return recalled
    found = detect_backend()
    if found is None:
        record.note_absent()
    else:
        record.note(found, "detected")
    return found


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _is_named(exc: BaseException, names: set[str]) -> bool:
    return any(f"{cls.__module__}.{cls.__qualname__}" in names for cls in type(exc).__mro__)


def _scrub(text: str, secret: str | None) -> str:
    if secret:
        text = text.replace(secret, "***")
    return text if len(text) <= 300 else text[:297] + "..."


def translate_error(
    exc: BaseException, *, action: str, backend: str, secret: str | None = None
) -> BackorderError:
    """Map an exception raised by a keyring backend to one of our keyring errors.

    ``action`` says what failed ("read", "save", "delete"); ``secret`` is scrubbed from the
    detail so that no message ever carries the value being stored.
    """
    import keyring.errors

    chain = list(_chain(exc))
    detail = _scrub(f"{type(exc).__name__}: {exc}", secret)
    if any(
        isinstance(e, keyring.errors.KeyringLocked)
        or _is_named(e, _LOCKED_ERRORS)
        or "prompt dismissed" in str(e).lower()
        for e in chain
    ):
        return KeyringLocked(
            f"Your keyring ({backend}) is locked, or the request to unlock it was dismissed, so "
            f"the app could not {action} your credentials. Unlock your keyring and try again (for "
            "example in your desktop's password manager, or by logging out and in again)."
        )
    if any(isinstance(e, keyring.errors.NoKeyringError) for e in chain):
        return KeyringUnavailable(NO_KEYRING_ADVICE)
    if any(_is_named(e, _GONE_ERRORS) or isinstance(e, OSError) for e in chain):
        return KeyringUnavailable(
            f"The keyring ({backend}) is not answering ({detail}). Start it again (on Linux, the "
            "Secret Service such as gnome-keyring or KWallet)."
        )
    return KeyringRefused(
        f"Your keyring ({backend}) refused to {action} your credentials ({detail}). Check that "
        "the keyring is running and allows this app, then try again."
    )


def _is_dbus_connection(value: object) -> bool:
    return any(
        cls.__module__.startswith("jeepney.") and cls.__name__ == "DBusConnectionBase"
        for cls in type(value).__mro__
    )


def close_leaked_connections(exc: BaseException) -> None:
    """Close D-Bus connections that a failing keyring call left open.

    keyring's SecretService backend opens a connection per call and closes it with
    ``closing(collection.connection)`` only *after* ``get_preferred_collection()`` succeeded;
    when the collection is locked or cannot be created, it raises first and the socket leaks
    (one per attempt, until garbage collection, with a ResourceWarning). The connection is
    still a local of the failing frames, so close it from there.
    """
    for error in _chain(exc):
        tb = error.__traceback__
        while tb is not None:
            for value in list(tb.tb_frame.f_locals.values()):
                if _is_dbus_connection(value):
                    value.close()  # idempotent in jeepney
            tb = tb.tb_next


def _cause(exc: BaseException, secret: str | None) -> BaseException | None:
    """The exception to chain from, or None when its traceback would show the secret."""
    if secret and secret in "".join(traceback.format_exception(exc)):
        return None
    return exc


def _check_key(key: str) -> None:
    if not key:
        raise ValueError("a secret needs a non-empty key")


class KeyringSecretStore:
    """``SecretStore`` over the OS keyring (Secret Service, macOS Keychain, Windows Vault…).

    The backend is chosen on first use (not in the constructor, which may run on the GUI
    thread), and re-chosen after the keyring stopped answering. One lock serialises reads and
    writes: keyring backends are not documented as thread-safe, and a Secret Service unlock
    prompt must not be raised twice at once.
    """

    def __init__(
        self, service: str = SERVICE, *, backend: str | None = None, record: BackendRecord | None = None
    ) -> None:
        self._service = service
        self._pinned = backend
        self._record = record
        self._backend: KeyringBackend | None = None
        self._lock = threading.Lock()

    @property
    def service(self) -> str:
        return self._service

    def _ensure_backend(self) -> KeyringBackend:
        if self._backend is None:
            try:
                self._backend = resolve_backend(self._pinned)
            except KeyringUnavailable:
                if self._record is not None:
                    self._record.forget()
                raise
            logger.debug("Keyring backend: %s", backend_id(self._backend))
        return self._backend

    def _fail(self, exc: Exception, action: str, secret: str | None = None) -> BackorderError:
        close_leaked_connections(exc)
        backend = self._backend
        name = readable_backend_name(backend) if backend is not None else "keyring"
        error = translate_error(exc, action=action, backend=name, secret=secret)
        if isinstance(error, KeyringUnavailable):
            self._backend = None  # the next call looks for a backend again
            if self._record is not None:
                self._record.forget()
        return error

    def _seen(self, backend: KeyringBackend) -> None:
        if self._record is not None:
            self._record.note(readable_backend_name(backend), "used")

    def get(self, key: str) -> str | None:
        _check_key(key)
        with self._lock:
            backend = self._ensure_backend()
            try:
                value = backend.get_password(self._service, key)
            except Exception as exc:
                raise self._fail(exc, "read") from exc
            self._seen(backend)
        logger.debug("Keyring entry %s %s", key, "found" if value is not None else "not found")
        return value

    def set(self, key: str, value: str) -> None:
        _check_key(key)
        if not value:
            raise ValueError("refusing to store an empty secret")
        with self._lock:
            backend = self._ensure_backend()
            try:
                backend.set_password(self._service, key, value)
            except Exception as exc:
                raise self._fail(exc, "save", value) from _cause(exc, value)
            self._seen(backend)
        logger.debug("Keyring saved %s", key)

    def delete(self, key: str) -> None:
        """Remove an entry; an entry that is not there is not an error (logged at DEBUG)."""
        import keyring.errors

        _check_key(key)
        with self._lock:
            backend = self._ensure_backend()
            try:
                backend.delete_password(self._service, key)
            except keyring.errors.PasswordDeleteError:
                logger.debug("Keyring had no entry %s to delete", key)
                return
            except Exception as exc:
                raise self._fail(exc, "delete") from exc
        logger.debug("Keyring deleted %s", key)

    def backend_name(self) -> str:
        """The readable backend name; raises ``KeyringUnavailable`` when there is none."""
        with self._lock:
            return readable_backend_name(self._ensure_backend())

    def backend_id(self) -> str:
        """The backend's class path, for the settings to remember (see ``resolve_backend``)."""
        with self._lock:
            return backend_id(self._ensure_backend())


class MemorySecretStore:
    """``SecretStore`` that keeps secrets in memory for this session only, chosen explicitly.

    For a computer without a keyring: nothing is written anywhere, and the app asks for the
    token again at the next start. ``backend_name()`` says so, for the status line.
    """

    def __init__(self) -> None:
        self._values: dict[str, str] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        _check_key(key)
        with self._lock:
            return self._values.get(key)

    def set(self, key: str, value: str) -> None:
        _check_key(key)
        if not value:
            raise ValueError("refusing to store an empty secret")
        with self._lock:
            self._values[key] = value

    def delete(self, key: str) -> None:
        _check_key(key)
        with self._lock:
            removed = self._values.pop(key, None)
        if removed is None:
            logger.debug("Session store had no entry %s to delete", key)

    def backend_name(self) -> str:
        return MEMORY_BACKEND_NAME
