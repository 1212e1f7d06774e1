"""The connected store's API client for one profile: made once per address, store and token.

Every service that talks to the store (the sync engine, the stock pusher, webhooks, the window's
sync child) asks this one object, so a token changed by ``connect`` is picked up at the next call
and an old client is never used again for another store.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from backorder_desktop.domain.errors import NotConnected
from backorder_desktop.domain.errors import UserFacingError
from backorder_desktop.services.credentials import TokenSource

# Types for the type checker only: a command that reads the profile (status) imports neither the
# webhook service nor the store's ports with the connection.
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Protocol

    from backorder_desktop.domain.models import StoreInfo
    from backorder_desktop.domain.ports import CatalogSource
    from backorder_desktop.domain.ports import InventoryTarget
    from backorder_desktop.domain.ports import OrderSource
    from backorder_desktop.domain.ports import ProductTarget
    from backorder_desktop.services.credentials import CredentialsService
    from backorder_desktop.services.webhooks import HookApi

    class StoreApi(CatalogSource, InventoryTarget, HookApi, OrderSource, ProductTarget, Protocol):
        """Everything this app asks of a store's API (the BigCommerce client)."""

    StoreApiFactory = Callable[[str, str, str], StoreApi]  # (api_url, store_hash, token)


class StoreConnection:
    """The connected store's token and client, from the keyring, this session, or the one-run token.

    A profile never connected can still work for one run: given a token and the store (its hash and
    API address) for this run, the first call that needs the store checks the token against it and
    remembers the store (so the catalog it fetches is known to be that store's), never the token.
    """

    def __init__(
        self,
        *,
        credentials: CredentialsService,
        client_factory: StoreApiFactory,
        env_token: str | None = None,
        env_store: tuple[str, str] | None = None,
        on_secret: Callable[[str], object] = lambda _secret: None,
    ) -> None:
        self._credentials = credentials
        self._client_factory = client_factory
        self._env_token = env_token
        self._env_store = env_store  # (store hash, API address) given for this run
        self._on_secret = on_secret  # the log redactor learns every token before it is used
        self._clients: dict[tuple[str, str, str], StoreApi] = {}
        self._lock = threading.Lock()
        self._connect_lock = threading.Lock()

    def store(self) -> tuple[StoreInfo, str]:
        """The connected store and its API address; a store given for this run (with its token) is
        connected for this run first. ``NotConnected`` when there is neither."""
        with self._connect_lock:
            try:
                current = self._credentials.connected_store()
            except NotConnected:
                if self._env_store is None or not self._env_token:
                    raise
                store_hash, api_url = self._env_store
                self._credentials.connect(store_hash, api_url, self._env_token, remember=False)
                return self._credentials.connected_store()
        if self._env_store is not None and self._env_store[0].strip() != current[0].store_hash:
            raise UserFacingError(
                f"This profile is connected to store {current[0].store_hash} ({current[0].name}), not to "
                f"the store {self._env_store[0].strip()} given for this run. Use another profile folder "
                "for a second store.",
                title="Another store is connected",
            )
        return current

    def store_hash(self) -> str:
        """The connected store's hash, or ``NotConnected``."""
        return self.store()[0].store_hash

    def token(self) -> str:
        """The token this run uses: the one given for this run, else this session's or the keyring's."""
        token = self._env_token or self._credentials.token(self.store_hash())
        self._on_secret(token)
        return token

    def token_source(self) -> TokenSource | None:
        """Where this run's token comes from (None: no store connected); reads no keyring."""
        current = self._credentials.stored_store()
        if self._env_token and (current is not None or self._env_store is not None):
            return TokenSource.RUN
        if current is None:
            return None
        return (
            TokenSource.SESSION
            if self._credentials.session_only(current[0].store_hash)
            else TokenSource.KEYRING
        )

    def client(self) -> StoreApi:
        """The connected store's client (``NotConnected`` when there is no store or token)."""
        store, api_url = self.store()
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
