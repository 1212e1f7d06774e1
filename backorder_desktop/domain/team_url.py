"""A team database's address: which ones are accepted, and the password kept apart from it.

A team's profile lives on a PostgreSQL server. Its address is kept in the profile folder without
its password; the password goes to the keyring (``team_password_key``). An address that reaches
another computer must ask for TLS (``sslmode=require`` or stronger): the password and the store's
data would cross the network in the clear otherwise. No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl
from urllib.parse import quote
from urllib.parse import unquote
from urllib.parse import urlencode
from urllib.parse import urlsplit

from backorder_desktop.domain.errors import InvalidSetting
from backorder_desktop.domain.settings import is_loopback_host

SCHEMES = ("postgresql", "postgres")
SAFE_SSL_MODES = ("require", "verify-ca", "verify-full")
_PASSWORD_PARAM = "password"  # noqa: S105 (libpq's parameter name, not a password)
EXAMPLE = "postgresql://USER@HOST/DATABASE?sslmode=require"


@dataclass(frozen=True, slots=True)
class TeamUrl:
    """A checked team address: ``url`` holds no password; ``password`` is the one it held, if any."""

    url: str
    password: str | None = None


def parse_team_url(text: str) -> TeamUrl:
    """Check a team database's address and take its password out (``InvalidSetting`` says why not)."""
    raw = text.strip()
    try:
        parts = urlsplit(raw)
        netloc_host = parts.hostname
        _ = parts.port  # a port out of range, or not a number
    except ValueError:
        raise InvalidSetting(f"That is not a database address. Give one like {EXAMPLE}.") from None
    if parts.scheme.lower() not in SCHEMES:
        raise InvalidSetting(
            f"A team database's address starts with postgresql:// (PostgreSQL is the only server a team "
            f"can share). Give one like {EXAMPLE}."
        )
    if not parts.path.strip("/"):
        raise InvalidSetting(f"The address names no database. Give one like {EXAMPLE}.")
    query = parse_qsl(parts.query, keep_blank_values=True)
    password = parts.password
    if password is not None:
        password = unquote(password)
    kept: list[tuple[str, str]] = []
    for name, value in query:
        if name == _PASSWORD_PARAM:
            password = value
        else:
            kept.append((name, value))
    hosts = [h for h in (netloc_host, *_query_hosts(kept)) if h]
    remote = [h for h in hosts if not _is_local(h)]
    ssl_mode = dict(kept).get("sslmode", "")
    if remote and ssl_mode not in SAFE_SSL_MODES:
        raise InvalidSetting(
            f"The database is on another computer ({remote[0]}): the password and your store's data "
            "would cross the network unencrypted. Add ?sslmode=require (or verify-full) to the address; "
            "the server must accept TLS connections."
        )
    netloc = _netloc(parts.username, parts.netloc.rpartition("@")[2])
    url = _joined(parts.scheme.lower(), netloc, parts.path, urlencode(kept))
    return TeamUrl(url=url, password=password or None)


def with_password(url: str, password: str | None) -> str:
    """The address to connect with: the kept one, and the keyring's password as a parameter."""
    if not password:
        return url
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), (_PASSWORD_PARAM, password)]
    return _joined(parts.scheme, parts.netloc, parts.path, urlencode(query))


def team_password_key(url: str) -> str:
    """The keyring entry of the password for a team database (by its address without a password)."""
    return f"team-database:{url}:password"


def describe_team(url: str) -> str:
    """The database and its server, for messages and the status: never a password."""
    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/")) or "(default)"
    hosts = [h for h in (parts.hostname, *_query_hosts(parse_qsl(parts.query))) if h]
    where = hosts[0] if hosts else "this computer"
    if where.startswith("/"):
        where = "this computer (local socket)"
    user = f" as {unquote(parts.username)}" if parts.username else ""
    return f"{name} on {where}{user}"


def _joined(scheme: str, netloc: str, path: str, query: str) -> str:
    """The parts as one address; ``urlunsplit`` would drop the ``//`` of an empty host (the local
    socket: ``postgresql:///shop``), which libpq then cannot read."""
    return f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")


def _query_hosts(query: list[tuple[str, str]]) -> list[str]:
    return [h.strip() for name, value in query if name in ("host", "hostaddr") for h in value.split(",")]


def _is_local(host: str) -> bool:
    """A unix socket (a folder), or this computer's loopback."""
    return host.startswith("/") or is_loopback_host(host)


def _netloc(username: str | None, host_port: str) -> str:
    if username is None:
        return host_port
    return f"{quote(unquote(username), safe='')}@{host_port}"
