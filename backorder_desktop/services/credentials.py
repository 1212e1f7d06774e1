"""Connecting a store: check a token against it, say what it may do, keep it in the keyring.

The token goes to the ``SecretStore`` only (never the database, a file or a log); the store's
hash, name and API URL go to the mirror.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import replace
from enum import StrEnum
from typing import TYPE_CHECKING

from backorder_desktop.domain.errors import NotConnected
from backorder_desktop.domain.errors import PermissionDenied
from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.errors import UserFacingError
from backorder_desktop.domain.keys import token_key
from backorder_desktop.domain.models import DEFAULT_API_URL
from backorder_desktop.domain.models import StoreInfo
from backorder_desktop.domain.settings import is_plain_http_to_another_computer
from backorder_desktop.domain.settings import is_web_address
from backorder_desktop.domain.settings import masked_url

# The store's ports for the type checker only: a status never makes their classes.
if TYPE_CHECKING:
    from backorder_desktop.domain.ports import CatalogSource
    from backorder_desktop.domain.ports import MirrorStore
    from backorder_desktop.domain.ports import Permissions
    from backorder_desktop.domain.ports import SecretStore

logger = logging.getLogger(__name__)

ClientFactory = Callable[[str, str, str], "CatalogSource"]  # (api_url, store_hash, token)


class TokenSource(StrEnum):
    """Where the store's token comes from, for the status to say (never the token itself)."""

    KEYRING = "keyring"  # kept in the OS keyring
    SESSION = "session"  # kept in memory for this session only
    RUN = "run"  # given for this run only (BACKORDER_DESKTOP_TOKEN)


@dataclass(frozen=True, slots=True)
class ConnectReport:
    """What ``connect`` found: the store, and what the token may and may not do."""

    store: StoreInfo
    api_url: str
    permissions: Permissions
    remembered: bool = True  # False: the token is kept for this session only, never written

    def summary(self) -> str:
        p = self.permissions
        lines = [
            f"Connected to {self.store.name} ({self.store.plan_name}).",
            *(
                []
                if self.remembered
                else ["The token is kept for this session only: it was not saved anywhere."]
            ),
            f"Catalog: {_ability(p.catalog_read, p.catalog_write)}. "
            f"Inventory: {_ability(p.inventory_read, p.inventory_write)}.",
        ]
        missing = p.missing()
        if missing:
            lines.append(
                "Missing: "
                + ", ".join(missing)
                + ". In BigCommerce, edit the API account and set Products and Inventory to "
                "'modify' and Store Locations to 'read-only' to manage backorder stock from this app."
            )
        return "\n".join(lines)


def check_api_url(api_url: str) -> str:
    """The API address, checked: ``https://`` (plain ``http://`` only to this computer, as the
    demo store is), else ``UserFacingError`` saying what to give."""
    url = api_url.strip()
    if not is_web_address(url):
        raise UserFacingError(
            f"'{masked_url(url)}' is not a web address. Use {DEFAULT_API_URL} (change it only for a "
            "test server).",
            title="Invalid API address",
        )
    if is_plain_http_to_another_computer(url):
        raise UserFacingError(
            f"The API address {masked_url(url)} starts with http://, so the access token would cross "
            f"the network unencrypted. Use {DEFAULT_API_URL}, or the https:// address of your test "
            "server; plain http is allowed only for this computer (127.0.0.1, localhost), as the demo "
            "store uses.",
            title="API address not encrypted",
        )
    return url


def _ability(read: bool, write: bool) -> str:
    if read and write:
        return "read and write"
    if read:
        return "read only"
    return "no access"


class CredentialsService:
    """Validates and stores tokens; hands out the connected store's client settings."""

    def __init__(self, *, secrets: SecretStore, mirror: MirrorStore, client_factory: ClientFactory) -> None:
        self._secrets = secrets
        self._mirror = mirror
        self._client_factory = client_factory
        # Tokens given for this session only (no keyring, or the merchant's choice): in memory,
        # by store hash, gone when the app closes; never written anywhere.
        self._session_tokens: dict[str, str] = {}

    def check(self, store_hash: str, api_url: str, token: str) -> ConnectReport:
        """Ask the store who it is and what the token may do; stores nothing."""
        store_hash = store_hash.strip()
        if not store_hash.isascii() or not store_hash.isalnum():
            raise UserFacingError(
                f"'{store_hash}' is not a store hash. It is the part after /stores/ in your API path, "
                "e.g. abc123xyz.",
                title="Invalid store hash",
            )
        if not token.strip():
            raise UserFacingError(
                "The access token is empty. Paste the token of your API account.", title="No token"
            )
        api_url = check_api_url(api_url)
        client = self._client_factory(api_url, store_hash, token.strip())
        try:
            store = client.get_store()
            permissions = client.check_permissions()
        finally:
            client.close()
        if not permissions.catalog_read:
            raise PermissionDenied(
                "This token cannot read products. In BigCommerce, edit the API account and set "
                "Products to 'read-only' or 'modify', then connect again."
            )
        return ConnectReport(store=store, api_url=api_url, permissions=permissions)

    def connect(self, store_hash: str, api_url: str, token: str, *, remember: bool = True) -> ConnectReport:
        """Check the token, then keep it (in the keyring; with ``remember`` False, in memory for this
        session only) and remember the store."""
        current = self._mirror.get_store()
        if current is not None and current[0].store_hash != store_hash.strip():
            raise UserFacingError(
                f"This profile is connected to store {current[0].store_hash} ({current[0].name}). "
                "A profile holds one store.",
                title="Another store is connected",
                remedy=Remedy.SECOND_STORE,
            )
        report = self.check(store_hash, api_url, token)
        key = report.store.store_hash
        if remember:
            self._secrets.set(token_key(key), token.strip())
            self._session_tokens.pop(key, None)
        else:
            self._session_tokens[key] = token.strip()
        self._mirror.set_store(report.store, report.api_url)
        logger.info(
            "connected store %s (%s)%s",
            key,
            report.store.name,
            "" if remember else ", token for this session only",
        )
        return replace(report, remembered=remember)

    def session_only(self, store_hash: str) -> bool:
        """Whether this session's token for the store is kept in memory only."""
        return store_hash in self._session_tokens

    def stored_store(self) -> tuple[StoreInfo, str] | None:
        """The connected store and its API URL, or None."""
        return self._mirror.get_store()

    def connected_store(self) -> tuple[StoreInfo, str]:
        """The connected store and its API URL, or ``NotConnected`` with the way forward."""
        current = self._mirror.get_store()
        if current is None:
            raise NotConnected("Connect a store first, or try the demo store.", remedy=Remedy.CONNECT)
        return current

    def token(self, store_hash: str) -> str:
        """The token of a store (this session's, else the keyring's), or ``NotConnected``."""
        token = self._session_tokens.get(store_hash) or self._secrets.get(token_key(store_hash))
        if not token:
            raise NotConnected(
                f"No access token for store {store_hash} in the keyring: connect the store again.",
                remedy=Remedy.CONNECT,
            )
        return token
