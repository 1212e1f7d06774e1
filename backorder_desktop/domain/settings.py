"""User settings: the dataclass, its defaults and validation. No I/O here.

Values arrive as text from the CLI, the window or the database; ``parse_setting`` turns one
``name=value`` into a validated field or raises ``InvalidSetting`` saying what is allowed.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from dataclasses import dataclass
from datetime import time
from enum import StrEnum
from typing import Any
from urllib.parse import unquote
from urllib.parse import urlsplit

from backorder_desktop.domain.backorder_rules import InvalidRule
from backorder_desktop.domain.backorder_rules import check_template
from backorder_desktop.domain.errors import InvalidSetting
from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.orders import RestoreOn
from backorder_desktop.domain.product_writes import BackorderMethod

POLLING_MIN_MINUTES = 1
POLLING_MAX_MINUTES = 24 * 60
FEED_MIN_MINUTES = 5
FEED_MAX_MINUTES = 7 * 24 * 60
DEFAULT_WEBHOOK_PORT = 8765


class FeedFormat:
    CSV = "csv"
    JSON = "json"
    ALL = (CSV, JSON)


@dataclass(frozen=True, slots=True)
class Settings:
    """What the merchant chose. Secrets (tokens, feed credential) are never here."""

    inventory_source: InventorySource = InventorySource.BIGCOMMERCE
    daily_sync_time: time = time(1, 0)
    erp_name: str = ""
    polling_interval_minutes: int = 5
    feed_url: str = ""
    feed_format: str = FeedFormat.CSV
    feed_sku_field: str = "sku"
    feed_quantity_field: str = "quantity"
    feed_interval_minutes: int = 60
    start_minimised: bool = False
    # Webhooks (optional): the receiver listens on bind:port; BigCommerce posts to the
    # public URL (the merchant's tunnel or relay). Empty public URL: webhooks are off.
    webhook_bind: str = "127.0.0.1"
    webhook_port: int = DEFAULT_WEBHOOK_PORT
    webhook_public_url: str = ""
    # When a BackOrder order line's units go back to stock: cancelled / refunded orders (both).
    restore_stock_on: RestoreOn = RestoreOn.BOTH
    # How BackOrder products sell below zero: ``app`` turns tracking off in the store on assign;
    # ``native`` leaves it on and the store counts (its backorder limit is not written yet).
    backorder_method: BackorderMethod = BackorderMethod.APP
    # The shopper message of BackOrder items whose rule has none ({date}: "12 January").
    backorder_message: str = "Ships by {date}"
    # With the method ``app``: an expected date passed with units owed disables purchasing too.
    disable_on_date_passed: bool = False
    # Which notifications the tray shows (and ``service`` logs, ``status`` lists): one per kind.
    notify_limit_reached: bool = True
    notify_disabled: bool = True
    notify_re_enabled: bool = True
    notify_date_passed: bool = True
    notify_orders: bool = True
    notify_sync_failed: bool = True


INVENTORY_SOURCE = "inventory-source"  # the setting a mode switch changes (it asks about the outbox)

SETTING_NAMES: dict[str, str] = {
    INVENTORY_SOURCE: "inventory_source",
    "daily-sync-time": "daily_sync_time",
    "erp-name": "erp_name",
    "polling-interval": "polling_interval_minutes",
    "feed-url": "feed_url",
    "feed-format": "feed_format",
    "feed-sku-field": "feed_sku_field",
    "feed-quantity-field": "feed_quantity_field",
    "feed-interval": "feed_interval_minutes",
    "start-minimised": "start_minimised",
    "webhook-bind": "webhook_bind",
    "webhook-port": "webhook_port",
    "webhook-public-url": "webhook_public_url",
    "restore-stock-on": "restore_stock_on",
    "backorder-method": "backorder_method",
    "backorder-message": "backorder_message",
    "disable-on-date-passed": "disable_on_date_passed",
    "notify-limit-reached": "notify_limit_reached",
    "notify-disabled": "notify_disabled",
    "notify-re-enabled": "notify_re_enabled",
    "notify-date-passed": "notify_date_passed",
    "notify-orders": "notify_orders",
    "notify-sync-failed": "notify_sync_failed",
}

_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_time(text: str) -> time:
    match = _TIME_RE.match(text.strip())
    if not match:
        raise InvalidSetting(f"'{text}' is not a time of day. Use 24-hour HH:MM, for example 01:00 or 14:30.")
    return time(int(match.group(1)), int(match.group(2)))


def _parse_minutes(name: str, text: str, low: int, high: int) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise InvalidSetting(f"{name} must be a whole number of minutes, not '{text}'.") from None
    if not low <= value <= high:
        raise InvalidSetting(f"{name} must be between {low} and {high} minutes, not {value}.")
    return value


def _parse_bool(name: str, text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise InvalidSetting(f"{name} must be yes or no, not '{text}'.")


def _parse_url(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise InvalidSetting(
            f"'{text}' is not an http(s) address. Give the full URL, e.g. https://erp.example/feed.csv"
        )
    return text


# Query parameter names that carry a secret: whole words (``key``, ``sig``, ``auth`` in ``x-api-key``,
# ``apiKey``, ``X-Amz-Signature``) and fragments that are secrets wherever they stand (``authtoken``).
_SECRET_WORDS = frozenset({"key", "sig", "auth", "pass", "pwd", "jwt", "session", "sessionid"})
_SECRET_SUFFIXES = ("pwd",)
_SECRET_FRAGMENTS = (
    *("token", "secret", "passw", "credential", "signature"),
    *("apikey", "accesskey", "authkey", "passkey", "privatekey", "clientkey", "appkey", "userkey"),
    *("licensekey", "subscriptionkey", "feedkey"),
)
FEED_CREDENTIAL_ADVICE = (
    "Give the address without it, and keep the password or key in your computer's keyring "
    "instead, as the feed's credential: the app then sends it with every feed pull, and never "
    "saves it in a file."
)


def is_secret_name(name: str) -> bool:
    """Whether a query parameter's name says its value is a secret (case and separators ignored)."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", unquote(name))
    words = re.findall(r"[a-z]+", spaced.lower())
    joined = "".join(words)
    return any(word in _SECRET_WORDS or word.endswith(_SECRET_SUFFIXES) for word in words) or any(
        fragment in joined for fragment in _SECRET_FRAGMENTS
    )


def _secret_pair(part: str) -> bool:
    return bool(part) and is_secret_name(part.partition("=")[0])


def _query_pairs(query: str) -> list[tuple[str, str]]:
    return [(part.partition("=")[0], part.partition("=")[2]) for part in query.split("&") if part]


def _split(url: str) -> tuple[str, str, str, str, str] | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return parts.scheme, parts.netloc, parts.path, parts.query, parts.fragment


def url_secret(url: str) -> str | None:
    """What in ``url`` is a secret, in words ("a user name and password"), or None."""
    split = _split(url)
    if split is None:
        return None
    netloc, query = split[1], split[3]
    if "@" in netloc:
        return "a user name or password (before the @)"
    names = [name for name, _ in _query_pairs(query) if is_secret_name(name)]
    if names:
        return "a key in its query (" + ", ".join(f"{unquote(n)}=…" for n in names) + ")"
    return None


def url_secret_values(url: str) -> list[str]:
    """The secret parts of ``url`` (user info, values of key-like query parameters), as written
    and decoded: for the log's redaction."""
    split = _split(url)
    if split is None:
        return []
    netloc, query = split[1], split[3]
    found: list[str] = []
    if "@" in netloc:
        userinfo = netloc.rpartition("@")[0]
        found += [userinfo, *userinfo.split(":", 1)]
    found += [value for name, value in _query_pairs(query) if is_secret_name(name)]
    return [v for value in found if value for v in {value, unquote(value)}]


def masked_url(url: str) -> str:
    """``url`` with its user info and key-like query values replaced by ``***`` (for display)."""
    split = _split(url)
    if split is None or url_secret(url) is None:
        return url
    scheme, netloc, path, query, fragment = split
    if "@" in netloc:
        netloc = "***@" + netloc.rpartition("@")[2]
    parts = query.split("&")
    query = "&".join(f"{part.partition('=')[0]}=***" if _secret_pair(part) else part for part in parts)
    tail = (f"?{query}" if query else "") + (f"#{fragment}" if fragment else "")
    return f"{scheme}://{netloc}{path}{tail}"


def secret_in_feed_url_message(url: str) -> str | None:
    """The message for a feed address that holds a secret, or None when it holds none."""
    what = url_secret(url)
    if what is None:
        return None
    return (
        f"The feed address {masked_url(url)} has {what} in it. Addresses are kept in the profile's "
        f"database and its backups, and shown in the settings. {FEED_CREDENTIAL_ADVICE}"
    )


def is_loopback_host(host: str | None) -> bool:
    """127.0.0.0/8, ::1 or localhost: this computer (the demo store, tests)."""
    if not host:
        return False
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# A host name: dot-separated labels of letters (any script: a name in another alphabet is encoded
# when sent), digits, hyphens and underscores (some internal names have them). An IPv6 address
# comes bracketed and is checked by ``ipaddress``. Spaces or other characters are a typo.
_HOST_NAME = re.compile(r"(?!-)[\w-]{1,63}(?<!-)(\.(?!-)[\w-]{1,63}(?<!-))*\.?")


def is_web_address(url: str) -> bool:
    """Whether ``url`` is an ``http(s)://`` address with a well-formed host (and port, if any)."""
    try:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return False
        _ = parts.port  # raises ValueError for a port that is not a number from 0 to 65535
    except ValueError:
        return False
    if any(char.isspace() for char in url):
        return False
    host = parts.hostname
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return False
        return True
    return _HOST_NAME.fullmatch(host) is not None


def is_plain_http_to_another_computer(url: str) -> bool:
    """Whether ``url`` is ``http://`` to a host other than this computer (so unencrypted)."""
    try:
        parts = urlsplit(url.strip())
        return parts.scheme.lower() == "http" and not is_loopback_host(parts.hostname)
    except ValueError:
        return False


def _parse_bind(text: str) -> str:
    text = text.strip()
    if text == "localhost":
        return "127.0.0.1"
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise InvalidSetting(
            f"webhook-bind must be an IP address to listen on, such as 127.0.0.1 (only this computer) "
            f"or 0.0.0.0 (every network), not '{text}'."
        ) from None


def _parse_port(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise InvalidSetting(f"webhook-port must be a port number (1024-65535), not '{text}'.") from None
    if not 1024 <= value <= 65535:
        raise InvalidSetting(f"webhook-port must be between 1024 and 65535, not {value}.")
    return value


def _parse_public_url(text: str) -> str:
    """BigCommerce delivers only to https on port 443 (notes §8.5); loopback is allowed for tests."""
    url = _parse_url(text)
    if not url:
        return ""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise InvalidSetting(f"'{text}' has an invalid port.") from None
    if not is_loopback_host(parts.hostname) and (parts.scheme != "https" or port not in (None, 443)):
        raise InvalidSetting(
            f"'{text}' cannot receive webhooks: BigCommerce delivers only to https:// addresses on "
            "port 443. Give your tunnel's or relay's https address."
        )
    return url


def _parse_choice(choices: type[StrEnum], name: str, text: str) -> StrEnum:
    try:
        return choices(text.strip().lower())
    except ValueError:
        allowed = ", ".join(choice.value for choice in choices)
        raise InvalidSetting(f"{name} must be one of {allowed}, not '{text}'.") from None


def parse_setting(cli_name: str, text: str, *, stored: bool = False) -> tuple[str, object]:
    """Validate one setting given as text; returns (field name, typed value).

    ``stored``: the text comes from the profile's database, saved by an older version. A feed
    address holding a secret is then accepted (the app warns about it at start,
    ``secret_in_feed_url_message``); typed in, it is refused."""
    field_name = SETTING_NAMES.get(cli_name)
    if field_name is None:
        raise InvalidSetting(f"Unknown setting '{cli_name}'. Known settings: {', '.join(SETTING_NAMES)}.")
    value: object
    if field_name == "inventory_source":
        value = _parse_choice(InventorySource, cli_name, text)
    elif field_name == "restore_stock_on":
        value = _parse_choice(RestoreOn, cli_name, text)
    elif field_name == "backorder_method":
        value = _parse_choice(BackorderMethod, cli_name, text)
    elif field_name == "backorder_message":
        try:
            value = check_template(text)
        except InvalidRule as exc:
            raise InvalidSetting(exc.message) from None
    elif field_name == "daily_sync_time":
        value = parse_time(text)
    elif field_name == "polling_interval_minutes":
        value = _parse_minutes(cli_name, text, POLLING_MIN_MINUTES, POLLING_MAX_MINUTES)
    elif field_name == "feed_interval_minutes":
        value = _parse_minutes(cli_name, text, FEED_MIN_MINUTES, FEED_MAX_MINUTES)
    elif field_name == "feed_url":
        value = _parse_url(text)
        problem = None if stored else secret_in_feed_url_message(str(value))
        if problem is not None:
            raise InvalidSetting(problem, remedy=Remedy.SET_FEED_CREDENTIAL)
    elif field_name == "feed_format":
        value = text.strip().lower()
        if value not in FeedFormat.ALL:
            raise InvalidSetting(f"feed-format must be csv or json, not '{text}'.")
    elif field_name in ("start_minimised", "disable_on_date_passed") or field_name.startswith("notify_"):
        value = _parse_bool(cli_name, text)
    elif field_name == "webhook_bind":
        value = _parse_bind(text)
    elif field_name == "webhook_port":
        value = _parse_port(text)
    elif field_name == "webhook_public_url":
        value = _parse_public_url(text)
    else:
        value = text.strip()
        if len(str(value)) > 200:
            raise InvalidSetting(f"{cli_name} is limited to 200 characters.")
    return field_name, value


def with_setting(settings: Settings, cli_name: str, text: str, *, stored: bool = False) -> Settings:
    """A copy of ``settings`` with one setting changed after validation (``stored``: see
    ``parse_setting``)."""
    field_name, value = parse_setting(cli_name, text, stored=stored)
    changes: dict[str, Any] = {field_name: value}
    return dataclasses.replace(settings, **changes)


def to_text(settings: Settings) -> dict[str, str]:
    """Settings as CLI name → text, the inverse of ``parse_setting``."""
    out: dict[str, str] = {}
    for cli_name, field_name in SETTING_NAMES.items():
        value = getattr(settings, field_name)
        if isinstance(value, time):
            out[cli_name] = value.strftime("%H:%M")
        elif isinstance(value, bool):
            out[cli_name] = "yes" if value else "no"
        else:
            out[cli_name] = str(value)
    return out


def shown_text(settings: Settings) -> dict[str, str]:
    """``to_text`` for display (``settings show``, the status): a password or key that an
    address holds is masked. A masked address cannot be saved back: it is refused as holding one."""
    out = to_text(settings)
    for name in ("feed-url", "webhook-public-url"):
        out[name] = masked_url(out[name])
    return out


def from_text(values: dict[str, str]) -> Settings:
    """Rebuild settings from stored text; unknown names are ignored, bad values raise."""
    settings = Settings()
    for cli_name, text in values.items():
        if cli_name in SETTING_NAMES:
            settings = with_setting(settings, cli_name, text)
    return settings


DISPLAY_NAME = "display-name"
"""This desktop's person, named in the stock history and the rules (kept on this computer, never in
a team's shared settings: each desktop has its own)."""
DISPLAY_NAME_MAX = 60


def parse_display_name(text: str) -> str:
    """A display name as typed: trimmed, one line, at most 60 characters (empty: none)."""
    name = " ".join(text.split())
    if len(name) > DISPLAY_NAME_MAX:
        raise InvalidSetting(f"{DISPLAY_NAME} is limited to {DISPLAY_NAME_MAX} characters.")
    return name


def actor_label(display_name: str, os_user: str) -> str:
    """Who made a change, as every record of it names the person: "Ana (ana)", or the computer's
    user name alone when no display name is set."""
    name = display_name.strip()
    if not name or name == os_user:
        return os_user
    return f"{name} ({os_user})"
