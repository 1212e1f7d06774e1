"""The one place that builds ``httpx.Client`` objects: timeouts, user agent, auth, pool limits.

Every HTTP client of the app (the BigCommerce client, later the ERP feed) comes from
:func:`make_http_client`, so that timeouts are always explicit (httpx's default of 5 s for
everything is wrong for a 250-product page and too long for a dead connect), the user agent
always carries the app version, and tests can inject a transport instead of patching httpx.

Retries, rate limiting and error mapping are not done here: they depend on the remote API and
live in the adapter that speaks it (``adapters/bigcommerce/transport.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from backorder_desktop import APP_NAME
from backorder_desktop import __version__

__all__ = [
    "DEFAULT_MAX_CONNECTIONS",
    "Timeouts",
    "make_http_client",
    "user_agent",
]

# A full pull fetches pages with up to 4 threads (bigcommerce-api-notes §7: 2–4 concurrent GETs).
DEFAULT_MAX_CONNECTIONS = 4


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds to wait for each phase of a request.

    ``connect``: TCP + TLS handshake; short, because a dead network should show as offline
    quickly. ``read``: between bytes of the reply; a page of 250 products with variants can take
    a while to be generated. ``write``: sending the body. ``pool``: waiting for a free pooled
    connection when all are busy.
    """

    connect: float = 10.0
    read: float = 60.0
    write: float = 30.0
    pool: float = 60.0

    def __post_init__(self) -> None:
        for name in ("connect", "read", "write", "pool"):
            value = getattr(self, name)
            if not value > 0:
                raise ValueError(f"timeout {name} must be a positive number of seconds, not {value!r}")

    @classmethod
    def uniform(cls, seconds: float) -> Timeouts:
        """The same limit for every phase (tests use short ones)."""
        return cls(connect=seconds, read=seconds, write=seconds, pool=seconds)

    def to_httpx(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


def user_agent() -> str:
    """``backorder-desktop/<version>``: lets the store's logs tell our requests apart."""
    return f"{APP_NAME}/{__version__}"


def make_http_client(
    *,
    base_url: str,
    token: str | None = None,
    timeouts: Timeouts | None = None,
    transport: httpx.BaseTransport | None = None,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    extra_headers: Mapping[str, str] | None = None,
) -> httpx.Client:
    """A configured client; the caller owns it and must ``close()`` it.

    ``token`` is sent as ``X-Auth-Token`` (BigCommerce's scheme). ``transport`` replaces the
    network (``httpx.MockTransport`` in unit tests). The pool keeps ``max_connections`` open so
    that concurrent page fetches reuse connections instead of opening new ones.
    """
    if max_connections < 1:
        raise ValueError("max_connections must be at least 1")
    headers = {
        "User-Agent": user_agent(),
        "Accept": "application/json",
    }
    if token is not None:
        headers["X-Auth-Token"] = token
    if extra_headers:
        headers.update(extra_headers)
    limits = httpx.Limits(
        max_connections=max_connections,
        max_keepalive_connections=max_connections,
        keepalive_expiry=30.0,
    )
    return httpx.Client(
        base_url=base_url,
        headers=headers,
        timeout=(timeouts or Timeouts()).to_httpx(),
        limits=limits,
        transport=transport,
        follow_redirects=False,
        trust_env=True,
    )
