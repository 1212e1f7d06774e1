"""The names of this app's entries in the OS keyring (service ``backorder-desktop``): one home.

Each secret is kept per store, under a structured name: the store's API token, the ERP feed's
credential, and the webhook secret. A store hash is checked first, so that no name can be made to
read as another's.
"""

from __future__ import annotations


def token_key(store_hash: str) -> str:
    """The keyring entry of a store's API access token."""
    return f"bigcommerce:{_checked_hash(store_hash)}:access_token"


def feed_credential_key(store_hash: str) -> str:
    """The keyring entry of the ERP feed's credential used with a store (``api`` mode)."""
    return f"erp-feed:{_checked_hash(store_hash)}:credential"


def webhook_secret_key(store_hash: str) -> str:
    """The keyring entry of the secret header a store's webhooks carry."""
    return f"webhook:{_checked_hash(store_hash)}:secret"


def _checked_hash(store_hash: str) -> str:
    if not store_hash or ":" in store_hash or store_hash.strip() != store_hash:
        raise ValueError(f"not a store hash: {store_hash!r}")
    return store_hash
