"""Logging setup: a rotating log file, an in-memory tail, and secret redaction before any handler.

How redaction works, and why it is done twice:

1. A **LogRecordFactory** (``RedactingRecordFactory``) redacts every record at the moment it is
   created, for every logger in the process (ours, httpx, httpcore, urllib3, apscheduler…). It
   merges ``msg % args`` into one string, renders ``exc_info`` to text and drops the exception
   object, and masks the message, the exception text and the stack info. Because it runs before
   any filter or handler, *every* handler sees the masked record, including handlers we did not
   install: pytest's caplog, the test suite's warning collector, ``logging.lastResort``, a
   library's own handler. A handler filter alone would not do that: filters on one handler do not
   protect the others, and logger filters do not apply to records propagated from child loggers.
2. A **handler filter** (``RedactionFilter``) on every handler installed here redacts again
   just before output. It catches records that did not come through the factory
   (``logging.makeLogRecord``, a factory installed after ours) and secrets registered after a
   record was created. It is cheap: a record already redacted with the current set of secrets
   is skipped.

What is masked: known secret values registered at runtime (``register_secret``: the app
registers a token as soon as it has it), plus patterns that need no registration:
``X-Auth-Token``/``Authorization``/``Cookie`` headers in any of the shapes libraries log them
(``Name: value``, ``'name': 'value'``, ``(b'Name', b'value')``), ``*token``/``*secret``/
``*password``/``api_key`` keys in JSON, dict reprs, ``key=value`` and query strings, and
credentials embedded in URLs (``https://user:pass@host``).

Logging config is process-global by nature; everything this module installs is found again
through the installed factory and the handlers it marks, so ``setup_logging`` can be called
twice without duplicates and ``LogHandles.close()`` undoes it (tests rely on that).
"""

from __future__ import annotations

import functools
import logging
import os
import re
import stat
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from io import TextIOWrapper
from pathlib import Path
from typing import Any
from typing import cast
from urllib.parse import quote

MASK = "***"
LOG_FILE_NAME = "backorder-desktop.log"
OUR_LOGGER = "backorder_desktop"
# Libraries whose DEBUG output we want only with --debug (httpcore logs raw headers there).
LIBRARY_LOGGERS = ("httpx", "httpcore", "urllib3", "apscheduler", "keyring")
FILE_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"
CONSOLE_FORMAT = "%(levelname)s %(name)s: %(message)s"

_OWNED = "_backorder_desktop_owned"
_GENERATION = "_backorder_desktop_redacted"
_MIN_SECRET_LENGTH = 4  # shorter "secrets" would mask half of every line

_SENSITIVE_NAMES = (
    r"[\w-]*?(?:token|secret|password|passwd|api[_-]?key)"  # access_token, X-Auth-Token, client_secret
    r"|(?:proxy-)?authorization|(?:set-)?cookie"
)
_KEY_VALUE = rf"""(?ix)
    (?P<key>\b(?:{_SENSITIVE_NAMES})\b)
    (?P<sep>["']?\s*[:=]\s*(?:b(?=["']))?|["']\s*,\s*b?(?=["']))      # name: v, 'name': 'v', (b'name', b'v')
    (?:
        (?P<q>["'])(?P<quoted>[^"'\r\n]*)                 # a quoted value, up to its quote
      | (?P<scheme>(?:bearer|basic|token)\s+)?(?P<bare>[^\s"',;&}}\])]+)   # a bare value
    )
    """
_URL_CREDENTIALS = r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/@]+@"


@functools.cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The key-value and URL patterns, compiled by the first redaction: a command that logs nothing
    (a status in a script's loop) never compiles them."""
    return re.compile(_KEY_VALUE), re.compile(_URL_CREDENTIALS)


def _mask_key_value(match: re.Match[str]) -> str:
    if match.group("q") is not None:
        return f"{match.group('key')}{match.group('sep')}{match.group('q')}{MASK}"
    return f"{match.group('key')}{match.group('sep')}{match.group('scheme') or ''}{MASK}"


class Redactor:
    """Masks secrets in text: registered values first, then the well-known patterns."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._known: re.Pattern[str] | None = None
        self.generation = 0

    def register(self, value: str) -> None:
        """Mask this exact value (and its URL-encoded form) from now on."""
        if not value or len(value) < _MIN_SECRET_LENGTH:
            return
        with self._lock:
            variants = {value, quote(value, safe="")} - self._values
            if not variants:
                return
            self._values |= variants
            ordered = sorted(self._values, key=len, reverse=True)  # longest first: no partial hits
            self._known = re.compile("|".join(re.escape(v) for v in ordered))
            self.generation += 1

    def redact(self, text: str) -> str:
        known = self._known
        if known is not None:
            text = known.sub(MASK, text)
        key_value, url_credentials = _patterns()
        text = key_value.sub(_mask_key_value, text)
        return url_credentials.sub(rf"\1{MASK}@", text)

    def redact_record(self, record: logging.LogRecord) -> None:
        """Rewrite a record in place so that nothing in it shows a secret."""
        mark = getattr(record, _GENERATION, None)
        # Skip a record already redacted with the current secrets, unless its content was
        # replaced since (``makeLogRecord`` fills a factory-made record afterwards, for one).
        if (
            mark is not None
            and mark[0] == self.generation
            and mark[1] is record.msg
            and not record.args
            and not record.exc_info
        ):
            return
        try:
            try:
                message = record.getMessage()
            except Exception:  # bad %-args: keep what we can, masked, rather than lose the line
                message = f"{record.msg!s} (unformattable arguments: {record.args!r})"
            record.msg = self.redact(message)
            record.args = ()
            if record.exc_info:
                if not record.exc_text and record.exc_info[0] is not None:
                    record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
                # Formatters print exc_text when it is set; the exception object itself (whose
                # args may hold the secret) must not reach a handler that formats it anew.
                record.exc_info = None
            if record.exc_text:
                record.exc_text = self.redact(record.exc_text)
            if record.stack_info:
                record.stack_info = self.redact(record.stack_info)
            if isinstance(getattr(record, "message", None), str):
                record.message = self.redact(record.message)
        except Exception:  # never leak because redaction broke: drop the content instead
            record.msg, record.args = "(log message dropped: it could not be redacted)", ()
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        setattr(record, _GENERATION, (self.generation, record.msg))


class RedactingRecordFactory:
    """A LogRecordFactory that redacts each record as it is made (see the module docstring)."""

    def __init__(self, previous: Callable[..., logging.LogRecord], redactor: Redactor) -> None:
        self.previous = previous
        self.redactor = redactor
        self.owner: object | None = None  # the LogHandles that may uninstall it
        self.saved_levels: dict[str, int] = {}

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.previous(*args, **kwargs)
        self.redactor.redact_record(record)
        return record


class RedactionFilter(logging.Filter):
    """Handler filter: redacts again just before output (records that bypassed the factory)."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        self.redactor.redact_record(record)
        return True


def _private_opener(path: str, flags: int) -> int:
    """``open()``'s opener for log files: created 0600 whatever the umask, and an existing one that
    others could read (from an older version) is made private too."""
    fd = os.open(path, flags, 0o600)
    if hasattr(os, "fchmod"):
        mode = stat.S_IMODE(os.fstat(fd).st_mode)
        if mode & 0o077:
            os.fchmod(fd, mode & 0o700)
    return fd


def _private_rotating_handler(path: Path, max_bytes: int, backup_count: int) -> logging.Handler:
    """A ``RotatingFileHandler`` whose files only the user can read (rotation renames, so the
    rotated copies keep that mode)."""
    from logging.handlers import RotatingFileHandler

    class PrivateRotatingFileHandler(RotatingFileHandler):
        def _open(self) -> TextIOWrapper:
            stream = open(  # noqa: SIM115 - the handler keeps it open, as the base class does
                self.baseFilename,
                self.mode,
                encoding=self.encoding,
                errors=self.errors,
                opener=_private_opener,
            )
            return cast(TextIOWrapper, stream)  # text mode: open() gives a TextIOWrapper

    return PrivateRotatingFileHandler(path, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8")


class LogFileHandler(logging.Handler):
    """The log file: rotating, private, and opened by the first record that reaches it.

    ``logging.handlers`` brings pickle, socket and queue with it (~7 ms): a ``status --json`` in a
    script's loop logs nothing, so it never pays for them. The file itself is created (private) at
    once, so that it is there to show before anything was logged.
    """

    def __init__(self, path: Path, *, max_bytes: int, backup_count: int) -> None:
        super().__init__(logging.DEBUG)
        self.path = path
        self._max_bytes = max_bytes
        self._backup_count = backup_count
        self._file: logging.Handler | None = None
        os.close(_private_opener(str(path), os.O_WRONLY | os.O_CREAT | os.O_APPEND))

    def emit(self, record: logging.LogRecord) -> None:
        # Handler.handle() holds self.lock around emit(): one rotating handler, however many threads.
        if self._file is None:
            try:
                self._file = _private_rotating_handler(self.path, self._max_bytes, self._backup_count)
            except Exception:
                self.handleError(record)
                return
            self._file.setFormatter(self.formatter)
        self._file.emit(record)

    def setFormatter(self, fmt: logging.Formatter | None) -> None:
        super().setFormatter(fmt)
        if self._file is not None:
            self._file.setFormatter(fmt)

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]  # created in Handler.__init__
            if self._file is not None:
                self._file.flush()

    def close(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            if self._file is not None:
                self._file.close()
                self._file = None
            super().close()


class TailHandler(logging.Handler):
    """Keeps the last ``capacity`` formatted lines in memory, for a "Show log" window.

    Listeners are called with each new line on the thread that logged it; a Qt window must
    hand the line over to the GUI thread (``ui/qt_bridge.py``) rather than touch widgets here.
    """

    def __init__(self, capacity: int = 2000, level: int = logging.DEBUG) -> None:
        super().__init__(level)
        self._lines: deque[str] = deque(maxlen=capacity)
        self._listeners: list[Callable[[str], None]] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:
            self.handleError(record)
            return
        self._lines.append(line)  # Handler.handle() holds self.lock around emit()
        for listener in list(self._listeners):
            try:
                listener(line)
            except Exception:
                self.handleError(record)

    def lines(self) -> list[str]:
        """A copy of the kept lines, oldest first."""
        with self.lock:  # type: ignore[union-attr]  # created in Handler.__init__
            return list(self._lines)

    def text(self) -> str:
        return "\n".join(self.lines())

    def add_listener(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """Call ``listener(line)`` for each new line; returns a function that removes it."""
        with self.lock:  # type: ignore[union-attr]
            self._listeners.append(listener)

        def remove() -> None:
            with self.lock:  # type: ignore[union-attr]
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return remove


@dataclass
class LogHandles:
    """What ``setup_logging`` installed; ``close()`` removes it again."""

    log_file: Path
    file_handler: LogFileHandler
    tail: TailHandler
    console: logging.Handler | None
    redactor: Redactor
    debug: bool
    _factory: RedactingRecordFactory = field(repr=False)
    _closed: bool = field(default=False, repr=False)

    def register_secret(self, value: str) -> None:
        """Mask this value in every log record from now on (tokens, feed passwords…)."""
        self.redactor.register(value)

    @property
    def handlers(self) -> list[logging.Handler]:
        return [h for h in (self.file_handler, self.tail, self.console) if h is not None]

    def flush(self) -> None:
        for handler in self.handlers:
            handler.flush()

    def close(self) -> None:
        """Remove our handlers, restore the record factory and the logger levels. Idempotent."""
        if self._closed:
            return
        self._closed = True
        root = logging.getLogger()
        for handler in self.handlers:
            root.removeHandler(handler)
            handler.close()
        if self._factory.owner is self:
            for name, level in self._factory.saved_levels.items():
                logging.getLogger(name).setLevel(level)
            if logging.getLogRecordFactory() is self._factory:
                logging.setLogRecordFactory(self._factory.previous)
            self._factory.owner = None


def register_secret(value: str) -> bool:
    """Register a secret with the active redaction; False when logging is not set up by us."""
    factory = logging.getLogRecordFactory()
    if isinstance(factory, RedactingRecordFactory):
        factory.redactor.register(value)
        return True
    return False


def current_log_file() -> Path | None:
    """The file this process's log lines go to (``setup_logging``'s), or None when none was set up.
    The window's log viewer shows this one: a demo opened from the welcome page has a profile (and
    a log folder) of its own, while the lines keep going to the file set up at start."""
    factory = logging.getLogRecordFactory()
    owner = factory.owner if isinstance(factory, RedactingRecordFactory) else None
    return owner.log_file if isinstance(owner, LogHandles) else None


def redact(text: str) -> str:
    """``text`` masked as a log line would be: the registered secrets and the well-known
    patterns (for text that leaves the app another way, such as the crash dialog's report)."""
    factory = logging.getLogRecordFactory()
    redactor = factory.redactor if isinstance(factory, RedactingRecordFactory) else Redactor()
    return redactor.redact(text)


def _install_factory() -> RedactingRecordFactory:
    current = logging.getLogRecordFactory()
    if isinstance(current, RedactingRecordFactory):
        return current  # a second setup keeps the secrets registered so far
    factory = RedactingRecordFactory(current, Redactor())
    logging.setLogRecordFactory(factory)
    return factory


def _remove_owned_handlers(root: logging.Logger) -> None:
    for handler in list(root.handlers):
        if getattr(handler, _OWNED, False):
            root.removeHandler(handler)
            handler.close()


def setup_logging(
    log_dir: str | Path,
    *,
    debug: bool = False,
    console_level: int | None = None,
    max_bytes: int = 2 * 1024 * 1024,
    backup_count: int = 5,
    tail_capacity: int = 2000,
) -> LogHandles:
    """Install the rotating file, the tail and (with ``console_level``) a stderr handler.

    ``debug`` sets our loggers and the HTTP/scheduler libraries to DEBUG (their output is
    still redacted); otherwise ours log INFO and the libraries WARNING. Calling it again
    replaces the previous handlers instead of adding more. ``log_dir`` must exist (see
    ``adapters.paths.ProfilePaths.ensure``).
    """
    root = logging.getLogger()
    factory = _install_factory()
    if factory.owner is not None:
        _remove_owned_handlers(root)
    else:
        names = (OUR_LOGGER, *LIBRARY_LOGGERS)
        factory.saved_levels = {name: logging.getLogger(name).level for name in names}
    redaction = RedactionFilter(factory.redactor)

    log_file = Path(log_dir) / LOG_FILE_NAME
    file_handler = LogFileHandler(log_file, max_bytes=max_bytes, backup_count=backup_count)
    file_handler.setFormatter(logging.Formatter(FILE_FORMAT))
    tail = TailHandler(tail_capacity)
    tail.setFormatter(logging.Formatter(FILE_FORMAT))
    console: logging.Handler | None = None
    if console_level is not None:
        console = logging.StreamHandler(sys.stderr)
        console.setLevel(console_level)
        console.setFormatter(logging.Formatter(CONSOLE_FORMAT))
    handles = LogHandles(
        log_file=log_file,
        file_handler=file_handler,
        tail=tail,
        console=console,
        redactor=factory.redactor,
        debug=debug,
        _factory=factory,
    )
    for handler in handles.handlers:
        handler.addFilter(redaction)
        setattr(handler, _OWNED, True)
        root.addHandler(handler)
    factory.owner = handles

    logging.getLogger(OUR_LOGGER).setLevel(logging.DEBUG if debug else logging.INFO)
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if debug else logging.WARNING)
    return handles
