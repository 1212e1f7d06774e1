"""Secrets stay out of addresses, and never cross the network in clear (issue 13).

A feed address holding a password or key is refused when it is set (it would be kept in the
database, its copies and backups, and shown by ``settings show``); one stored by an older version
still works, is warned about once and is shown masked. The feed's credential and the store's token
go only to https addresses, or plain http on this computer (the demo store). The feed credential is
masked in the log like the token. Real parts: the SQLite mirror, the private keyring, the demo
store's feed over loopback HTTP.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from backorder_desktop.adapters.bigcommerce.client import BigCommerceClient
from backorder_desktop.adapters.clock import SystemClock
from backorder_desktop.adapters.erp.feed_client import HttpStockFeed
from backorder_desktop.adapters.secrets import KeyringSecretStore
from backorder_desktop.adapters.secrets import MemorySecretStore
from backorder_desktop.adapters.storage.mirror_store import SqliteMirrorStore
from backorder_desktop.adapters.storage.mirror_store import open_mirror
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.errors import FeedError
from backorder_desktop.domain.errors import InvalidSetting
from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.errors import UserFacingError
from backorder_desktop.domain.keys import feed_credential_key
from backorder_desktop.domain.ports import SecretStore
from backorder_desktop.domain.settings import Settings
from backorder_desktop.domain.settings import is_plain_http_to_another_computer
from backorder_desktop.domain.settings import is_secret_name
from backorder_desktop.domain.settings import masked_url
from backorder_desktop.domain.settings import with_setting
from backorder_desktop.logging_setup import register_secret
from backorder_desktop.logging_setup import setup_logging
from backorder_desktop.services.catalog import CatalogService
from backorder_desktop.services.credentials import CredentialsService
from backorder_desktop.services.credentials import check_api_url
from backorder_desktop.services.feed import FeedService
from backorder_desktop.services.stock import StockService
from tests.integration.cli_runner import run_cli

STORE_HASH = "abc123"
PASSWORD = "correct horse battery"  # a credential that looks like no token: only registration masks it
ADVICE = "backorder-desktop feed credential"  # the command line's remedy


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[SqliteMirrorStore]:
    store = open_mirror(tmp_path / "backorder.db")
    yield store
    store.close()


def _feed(mirror: SqliteMirrorStore, secrets: SecretStore) -> FeedService:
    """The feed service as the app wires it: the credential goes to the log's redaction."""

    def no_store() -> object:
        raise AssertionError("nothing is written to BigCommerce in these tests")

    stock = StockService(store=mirror, clock=SystemClock(), target_factory=no_store)  # type: ignore[arg-type]
    return FeedService(
        store=mirror,
        stock=stock,
        feed=HttpStockFeed(),
        secrets=secrets,
        store_hash=lambda: STORE_HASH,
        on_secret=register_secret,
    )


def _api_mode(mirror: SqliteMirrorStore, feed_url: str) -> None:
    settings = with_setting(Settings(), "inventory-source", "api")
    mirror.save_settings(dataclasses.replace(settings, feed_url=feed_url))  # as stored, not validated


def _catalog(mirror: SqliteMirrorStore) -> CatalogService:
    return CatalogService(mirror=mirror, clock=SystemClock(), keyring_backend=lambda: None)


# --- a password or key in the feed address ------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("https://dana:hunter22@erp.example/stock.csv", "hunter22"),
        ("https://erp.example/stock.csv?token=tk-991&format=csv", "tk-991"),
        ("https://erp.example/stock.csv?X-Api-Key=k-551", "k-551"),
        ("https://erp.example/stock.csv?apiKey=k-552", "k-552"),
        ("https://erp.example/stock.csv?ACCESS_TOKEN=k-553", "k-553"),
        ("https://files.example/stock.csv?X-Amz-Signature=k-554", "k-554"),
        ("https://erp.example/stock.csv?sig=k-555&page=1", "k-555"),
        ("https://erp.example/stock.csv?password=k-556", "k-556"),
    ],
)
def test_a_feed_address_holding_a_password_or_key_is_refused(
    mirror: SqliteMirrorStore, url: str, secret: str
) -> None:
    catalog = _catalog(mirror)
    with pytest.raises(InvalidSetting) as info:
        catalog.set_setting("feed-url", url)
    assert "keyring" in info.value.message and info.value.remedy is Remedy.SET_FEED_CREDENTIAL
    assert secret not in info.value.message
    assert mirror.load_settings().feed_url == ""


def test_an_address_without_one_is_kept(mirror: SqliteMirrorStore) -> None:
    url = "https://erp.example/stock.csv?format=csv&monkey=1&author=dana&design=2"
    assert _catalog(mirror).set_setting("feed-url", url).feed_url == url
    assert mirror.load_settings().feed_url == url


def test_a_stored_address_with_a_secret_still_works_and_is_warned_about_once_masked(
    tmp_path: Path, demo_store: DemoStore, expected_warnings: list[logging.LogRecord]
) -> None:
    key = "k-9001-zz"
    url = f"{demo_store.api_url}/feeds/stock.csv?key={key}"
    older = open_mirror(tmp_path / "backorder.db")
    _api_mode(older, url)  # saved by a version that accepted it
    older.close()

    mirror = open_mirror(tmp_path / "backorder.db")
    try:
        assert mirror.load_settings().feed_url == url  # loads: the feed keeps working
        feed = _feed(mirror, MemorySecretStore())
        first = feed.url_warning()
        assert feed.url_warning() == first
        report = feed.pull(push=False)
        shown = _catalog(mirror).settings_text()["feed-url"]
    finally:
        mirror.close()
    assert report.rows > 0
    assert first is not None and "keyring" in first and key not in first
    assert shown == f"{demo_store.api_url}/feeds/stock.csv?key=***"
    assert [r.getMessage() for r in expected_warnings] == [first]  # once, though asked three times


# --- plain http ---------------------------------------------------------------------------------


def test_the_feed_credential_never_goes_over_plain_http_to_another_computer(
    mirror: SqliteMirrorStore, keyring_store: KeyringSecretStore, demo_store: DemoStore
) -> None:
    _api_mode(mirror, "http://erp.invalid/stock.csv")
    feed = _feed(mirror, keyring_store)
    with pytest.raises(UserFacingError) as refused:
        feed.set_credential(PASSWORD)
    assert refused.value.title == "Feed address not encrypted" and "https://" in refused.value.message
    assert keyring_store.get(feed_credential_key(STORE_HASH)) is None

    keyring_store.set(feed_credential_key(STORE_HASH), PASSWORD)  # saved before the address changed
    with pytest.raises(FeedError) as info:
        feed.pull(push=False)
    assert "https://" in info.value.message and "Nothing was sent" in info.value.message
    assert PASSWORD not in info.value.message

    _api_mode(mirror, f"{demo_store.api_url}/feeds/stock.csv")  # http to this computer: allowed
    feed.set_credential(PASSWORD)
    assert feed.pull(push=False).rows > 0


def test_the_api_address_must_be_https_except_on_this_computer(
    mirror: SqliteMirrorStore, demo_store: DemoStore
) -> None:
    made: list[str] = []

    def client_factory(api_url: str, store_hash: str, token: str) -> BigCommerceClient:
        made.append(api_url)
        return BigCommerceClient(api_url, store_hash, token)

    credentials = CredentialsService(
        secrets=MemorySecretStore(), mirror=mirror, client_factory=client_factory
    )
    with pytest.raises(UserFacingError) as plain:
        credentials.connect(demo_store.store_hash, "http://api.bigcommerce.com", demo_store.token)
    assert plain.value.title == "API address not encrypted"
    assert "https://api.bigcommerce.com" in plain.value.message
    with pytest.raises(UserFacingError) as odd:
        credentials.check(demo_store.store_hash, "ftp://api.example.com", demo_store.token)
    assert odd.value.title == "Invalid API address"
    assert made == [] and mirror.get_store() is None

    report = credentials.connect(demo_store.store_hash, demo_store.api_url, demo_store.token)  # 127.0.0.1
    assert report.store.store_hash == demo_store.store_hash and made == [demo_store.api_url]
    assert check_api_url(" https://api.bigcommerce.com ") == "https://api.bigcommerce.com"


@pytest.mark.parametrize(
    ("url", "plain"),
    [
        ("http://erp.example/f.csv", True),
        ("HTTP://10.0.0.7/f.csv", True),
        ("http://127.0.0.1:8080/f.csv", False),
        ("http://127.5.6.7/f.csv", False),
        ("http://[::1]:8080/f.csv", False),
        ("http://localhost:8080/f.csv", False),
        ("https://erp.example/f.csv", False),
    ],
)
def test_plain_http_is_told_apart_from_this_computer(url: str, plain: bool) -> None:
    assert is_plain_http_to_another_computer(url) is plain


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        *[(n, True) for n in ("token", "x-api-key", "apiKey", "APIKEY", "Ocp-Apim-Subscription-Key")],
        *[(n, True) for n in ("client_secret", "passwd", "pwd", "sig", "auth", "X-Goog-Credential")],
        *[(n, False) for n in ("format", "sku", "page", "monkey", "author", "design")],
    ],
)
def test_key_like_parameter_names(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


def test_masked_addresses() -> None:
    assert masked_url("https://u:p@erp.example:8443/a.csv?page=2&token=t#x") == (
        "https://***@erp.example:8443/a.csv?page=2&token=***#x"
    )
    assert masked_url("https://erp.example/a.csv?page=2") == "https://erp.example/a.csv?page=2"
    with pytest.raises(InvalidSetting):  # a masked address cannot be saved back
        with_setting(Settings(), "feed-url", "https://erp.example/a.csv?token=***")


# --- the feed credential in the log -------------------------------------------------------------


@pytest.mark.parametrize("credential", [PASSWORD, f"dana:{PASSWORD}"])
def test_the_feed_credential_is_masked_in_the_log(
    tmp_path: Path, keyring_store: KeyringSecretStore, demo_store: DemoStore, credential: str
) -> None:
    handles = setup_logging(tmp_path)
    try:
        mirror = open_mirror(tmp_path / "backorder.db")
        try:
            _api_mode(mirror, f"{demo_store.api_url}/feeds/stock.csv")
            keyring_store.set(feed_credential_key(STORE_HASH), credential)  # `feed credential`, earlier
            _feed(mirror, keyring_store).pull(push=False)  # reads it from the keyring
        finally:
            mirror.close()
        logging.getLogger("backorder_desktop.erp").info("the ERP answered: wrong password %s", PASSWORD)
        handles.flush()
        text = handles.log_file.read_text(encoding="utf-8")
    finally:
        handles.close()
    assert "the ERP answered: wrong password ***" in text
    leaked = PASSWORD in text  # (not shown by a failing assert)
    assert not leaked


# --- the command line -----------------------------------------------------------------------------


def test_the_command_line_refuses_warns_and_masks(home: str, no_keyring_backend: dict[str, str]) -> None:
    key = "k-7331-qq"
    refused = run_cli(
        home, "settings", "set", "feed-url", f"https://erp.example/s.csv?token={key}", env=no_keyring_backend
    )
    assert refused.code == 1 and refused.stderr.startswith("Invalid setting: The feed address")
    assert ADVICE in refused.stderr and key not in refused.stderr + refused.stdout

    older = open_mirror(Path(home) / "data" / "backorder.db")  # as an older version saved it
    stored = dataclasses.replace(older.load_settings(), feed_url=f"https://erp.example/s.csv?key={key}")
    older.save_settings(stored)
    older.close()
    shown = run_cli(home, "settings", "show", env=no_keyring_backend)
    assert shown.code == 0
    assert "feed-url: https://erp.example/s.csv?key=***" in shown.stdout.splitlines()
    assert shown.stderr.startswith("Warning: The feed address https://erp.example/s.csv?key=*** has a key")
    assert ADVICE in shown.stderr and key not in shown.stdout + shown.stderr
