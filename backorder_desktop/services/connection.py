"""The connected store's API client for one profile: made once per address, store and token.

Every service that talks to the store (the sync engine, the stock pusher, webhooks, the window's
sync child) asks this one object, so a token changed by ``connect`` is picked up at the next call
and an old client is never used again for another store.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from backorder_desktop.domain.ports import CatalogSource
from backorder_desktop.domain.ports import InventoryTarget
from backorder_desktop.services.credentials import CredentialsService
from backorder_desktop.services.webhooks import HookApi


class StoreApi(CatalogSource, InventoryTarget, HookApi, Protocol):
    """Everything this app asks of a store's API (the BigCommerce client)."""


StoreApiFactory = Callable[[str, str, str], StoreApi]  # (api_url, store_hash, token)


class StoreConnection:
    """The connected store's token and client, from the keyring or the one-run token."""

    def __init__(
        self,
        *,
        credentials: CredentialsService,
        client_factory: StoreApiFactory,
        env_token: str | None = None,
        on_secret: Callable[[str], object] = lambda _secret: None,
    ) -> None:
        self._credentials = credentials
        self._client_factory = client_factory
        self._env_token = env_token
        self._on_secret = on_secret  # the log redactor learns every token before it is used
        self._clients: dict[tuple[str, str, str], StoreApi] = {}
        self._lock = threading.Lock()

    def store_hash(self) -> str:
        """The connected store's hash, or ``NotConnected``."""
        return self._credentials.connected_store()[0].store_hash

    def token(self) -> str:
        """The token this run uses: ``BACKORDER_DESKTOP_TOKEN`` when given, else the keyring's."""
        token = self._env_token or self._credentials.token(self.store_hash())
        self._on_secret(token)
        return token

    def client(self) -> StoreApi:
        """The connected store's client (``NotConnected`` when there is no store or token)."""
        store, api_url = self._credentials.connected_store()
        token = self._env_token or self._credentials.token(store.store_hash)
        self._on_secret(token)
        key = (api_url, store.store_hash, token)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._clients[key] = self._client_factory(api_url, store.store_hash, token)
            return client

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()
