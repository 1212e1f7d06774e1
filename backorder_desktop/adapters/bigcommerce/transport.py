"""One call to a store's API: a quota slot, the request, retries, and a domain error on failure.

:class:`StoreTransport` is what :class:`~backorder_desktop.adapters.bigcommerce.client.BigCommerceClient`
calls for every request. Each attempt takes a slot from the store's
:class:`~backorder_desktop.adapters.bigcommerce.ratelimit.RateLimiter`, sends the request,
feeds the reply's headers back to it, reads and parses the body, and turns any failure into an
``ApiError``. The retry policy (tenacity):

* 429: always retried (the request was refused, not run), after the limiter's pause, up to
  ``RetryPolicy.rate_limit_attempts`` attempts; then ``RateLimited``;
* 500/502/504, timeouts, connection failures and malformed or cut-off bodies: retried with
  exponential backoff **only for idempotent requests** (GET, HEAD, and a PUT the caller marks
  ``idempotent=True`` because it sets absolute values); then ``ServerError``/``Offline``/
  ``MalformedReply``;
* every other status (4xx, 503) is mapped at once and never retried.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from typing import TypeVar

import httpx
from tenacity import RetryCallState
from tenacity import Retrying

from backorder_desktop.adapters.bigcommerce.errors import RETRYABLE_STATUSES
from backorder_desktop.adapters.bigcommerce.errors import error_from_response
from backorder_desktop.adapters.bigcommerce.errors import error_from_transport
from backorder_desktop.adapters.bigcommerce.errors import malformed
from backorder_desktop.adapters.bigcommerce.ratelimit import RateLimiter
from backorder_desktop.domain.errors import ApiError
from backorder_desktop.domain.errors import MalformedReply
from backorder_desktop.domain.errors import Offline
from backorder_desktop.domain.errors import RateLimited
from backorder_desktop.domain.errors import ServerError

__all__ = ["RequestEvent", "RequestStats", "RetryPolicy", "StoreTransport"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently to retry (tests use tiny delays)."""

    attempts: int = 4  # total tries for 5xx, timeouts, connection errors, malformed bodies
    initial_delay_s: float = 0.5
    max_delay_s: float = 15.0
    jitter: float = 0.25  # ± share of each delay, so parallel threads do not retry in step
    rate_limit_attempts: int = 6  # total tries while the store answers 429

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.rate_limit_attempts < 1:
            raise ValueError("attempt counts must be at least 1")
        if self.initial_delay_s < 0 or self.max_delay_s < 0 or not 0 <= self.jitter <= 1:
            raise ValueError("delays must be >= 0 and jitter between 0 and 1")

    def delay(self, retry_number: int) -> float:
        """Seconds before retry number ``retry_number`` (1 for the first retry)."""
        base = min(self.max_delay_s, self.initial_delay_s * 2.0 ** (retry_number - 1))
        return max(0.0, base * (1 + self.jitter * (2 * random.random() - 1)))


@dataclass(frozen=True, slots=True)
class RequestStats:
    """Counters since the client was made (requests = HTTP requests actually sent)."""

    requests: int = 0
    retries: int = 0
    rate_limited_429: int = 0
    failures: int = 0  # calls that ended in an error after any retries


@dataclass(frozen=True, slots=True)
class RequestEvent:
    """One attempt, for the ``on_request`` hook: ``status`` is None when no reply came."""

    method: str
    path: str
    status: int | None
    elapsed_s: float
    attempt: int


class _Transient(Exception):
    """Internal: an attempt failed in a way worth retrying; carries the final domain error."""

    def __init__(self, error: ApiError, *, rate_limited: bool = False) -> None:
        super().__init__(str(error))
        self.error = error
        self.rate_limited = rate_limited


class StoreTransport:
    """Sends requests to one store with its limiter, retry policy and error mapping. Thread-safe."""

    def __init__(
        self,
        http: httpx.Client,
        limiter: RateLimiter,
        *,
        retry: RetryPolicy,
        secret: str = "",
        on_request: Callable[[RequestEvent], None] | None = None,
    ) -> None:
        self._http = http
        self._limiter = limiter
        self._retry = retry
        self._secret = secret
        self._on_request = on_request
        self._lock = threading.Lock()
        self._counts = {"requests": 0, "retries": 0, "rate_limited_429": 0, "failures": 0}

    @property
    def stats(self) -> RequestStats:
        with self._lock:
            return RequestStats(**self._counts)

    def _count(self, name: str) -> None:
        with self._lock:
            self._counts[name] += 1

    def call(
        self,
        method: str,
        path: str,
        parse: Callable[[Any], T],
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        idempotent: bool | None = None,
    ) -> T:
        """Send ``method path`` and return ``parse(json_reply)``; raise an ``ApiError`` on failure.

        ``parse`` runs inside the attempt, so a reply of the wrong shape (``MalformedReply``
        from ``parse``) is retried like a cut-off one. ``idempotent`` defaults to True for
        GET/HEAD only; never pass True for a request that adds or creates something.
        """
        method = method.upper()
        safe = method in _SAFE_METHODS if idempotent is None else idempotent
        counts = {"attempt": 0, "transient": 0, "429": 0}

        def attempt() -> T:
            return self._attempt(method, path, parse, params, json_body, counts)

        def should_retry(state: RetryCallState) -> bool:
            exc = state.outcome.exception() if state.outcome else None
            if not isinstance(exc, _Transient):
                return False
            if exc.rate_limited:
                return counts["429"] < self._retry.rate_limit_attempts
            return safe and counts["transient"] < self._retry.attempts

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, _Transient) and exc.rate_limited:
                return 0.0  # the limiter holds every caller until the quota resets
            return self._retry.delay(counts["transient"])

        def before_sleep(state: RetryCallState) -> None:
            self._count("retries")
            exc = state.outcome.exception() if state.outcome else None
            reason = exc.error.message if isinstance(exc, _Transient) else repr(exc)
            if self._secret:
                reason = reason.replace(self._secret, "***")
            logger.info("Retrying %s %s (attempt %d): %s", method, path, state.attempt_number + 1, reason)

        retrying = Retrying(
            retry=should_retry,
            stop=lambda state: False,  # should_retry already counts attempts per kind
            wait=wait,
            sleep=self._limiter.clock.sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except _Transient as exc:
            self._count("failures")
            raise self._redact(exc.error) from None
        except ApiError as exc:
            self._count("failures")
            raise self._redact(exc) from None

    def _attempt(
        self,
        method: str,
        path: str,
        parse: Callable[[Any], T],
        params: Mapping[str, str] | None,
        json_body: Any,
        counts: dict[str, int],
    ) -> T:
        counts["attempt"] += 1
        sent_at = self._limiter.acquire()
        started = time.monotonic()
        status: int | None = None
        try:
            self._count("requests")
            try:
                request = self._http.build_request(method, path, params=params, json=json_body)
                response = self._http.send(request, stream=True)
            except httpx.TransportError as exc:
                counts["transient"] += 1
                raise _Transient(error_from_transport(method, path, exc)) from None
            except (httpx.InvalidURL, httpx.HTTPError) as exc:  # not a network failure: not retried
                raise ApiError(
                    f"The request {method} {path} could not be made ({type(exc).__name__}). "
                    "Check the store's API address; if it is right, please report this with the log."
                ) from None
            try:
                status = code = response.status_code
                self._limiter.observe(response.headers, sent_at=sent_at, status=code)
                body = self._read(response, method, path, counts)
            finally:
                response.close()
        finally:
            self._limiter.release()
            if self._on_request is not None:
                self._on_request(
                    RequestEvent(method, path, status, time.monotonic() - started, counts["attempt"])
                )
        if code == 429:
            self._count("rate_limited_429")
            counts["429"] += 1
            raise _Transient(error_from_response(method, path, code, body), rate_limited=True)
        if code in RETRYABLE_STATUSES:
            counts["transient"] += 1
            raise _Transient(error_from_response(method, path, code, body))
        if not 200 <= code < 300:
            raise error_from_response(method, path, code, body)
        return self._parse(method, path, body, parse, counts)

    def _read(self, response: httpx.Response, method: str, path: str, counts: dict[str, int]) -> bytes:
        try:
            return response.read()
        except httpx.TimeoutException as exc:
            counts["transient"] += 1
            raise _Transient(error_from_transport(method, path, exc)) from None
        except httpx.TransportError:
            # The headers came but the body broke off (connection closed, length mismatch).
            counts["transient"] += 1
            raise _Transient(malformed(method, path, "cut off before its end")) from None
        except httpx.HTTPError:  # e.g. a body that does not decode (bad gzip)
            counts["transient"] += 1
            raise _Transient(malformed(method, path, "not readable (bad encoding)")) from None

    def _parse(
        self, method: str, path: str, body: bytes, parse: Callable[[Any], T], counts: dict[str, int]
    ) -> T:
        try:
            data = json.loads(body) if body else None
        except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
            counts["transient"] += 1
            what = "not valid JSON (it may have been cut off)"
            raise _Transient(malformed(method, path, what)) from None
        try:
            return parse(data)
        except MalformedReply as exc:
            counts["transient"] += 1
            raise _Transient(exc) from None

    def _redact(self, error: ApiError) -> ApiError:
        if self._secret and self._secret in error.message:
            error.message = error.message.replace(self._secret, "***")
            error.args = (error.message,)
        if isinstance(error, MalformedReply):
            # Retries did not help: the API may have changed under us, worth a human's look.
            logger.warning("%s: %s", error.title, error.message)
        elif isinstance(error, Offline | ServerError | RateLimited):
            logger.info("Giving up: %s: %s", error.title, error.message)
        return error
