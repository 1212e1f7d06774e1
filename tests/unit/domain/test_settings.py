"""Settings validation: every bad value is refused with a reason, good ones round-trip."""

from __future__ import annotations

from datetime import time

import pytest

from backorder_desktop.domain.errors import InvalidSetting
from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.settings import Settings
from backorder_desktop.domain.settings import from_text
from backorder_desktop.domain.settings import is_web_address
from backorder_desktop.domain.settings import to_text
from backorder_desktop.domain.settings import with_setting


def test_defaults_match_design() -> None:
    settings = Settings()
    assert settings.inventory_source is InventorySource.BIGCOMMERCE
    assert settings.daily_sync_time == time(1, 0)


@pytest.mark.parametrize(
    ("name", "text", "needle"),
    [
        ("daily-sync-time", "25:00", "HH:MM"),
        ("daily-sync-time", "1am", "HH:MM"),
        ("inventory-source", "shopify", "bigcommerce, erp, api"),
        ("polling-interval", "0", "between 1 and"),
        ("polling-interval", "ten", "whole number"),
        ("feed-url", "ftp://x/y", "http(s)"),
        ("feed-format", "xml", "csv or json"),
        ("start-minimised", "maybe", "yes or no"),
        ("colour", "blue", "Unknown setting"),
    ],
)
def test_bad_values_are_refused_with_the_reason(name: str, text: str, needle: str) -> None:
    with pytest.raises(InvalidSetting) as info:
        with_setting(Settings(), name, text)
    assert needle in info.value.message


def test_round_trip_through_text() -> None:
    settings = with_setting(Settings(), "daily-sync-time", "02:30")
    settings = with_setting(settings, "inventory-source", "ERP")
    settings = with_setting(settings, "erp-name", "  Odoo ")
    again = from_text(to_text(settings))
    assert again == settings
    assert again.daily_sync_time == time(2, 30)
    assert again.erp_name == "Odoo"


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://api.bigcommerce.com", True),
        ("http://127.0.0.1:8765", True),
        ("https://[::1]:8080/feed", True),
        ("https://bücher.example/feed.csv", True),
        ("https://erp_internal.lan/stock", True),
        ("notaurl", False),
        ("api.bigcommerce.com", False),
        ("https://exa mple.com", False),
        ("https://api.example.com:99999", False),
        ("https://a..b", False),
        ("https://-bad.example", False),
    ],
)
def test_a_web_address_needs_a_scheme_and_a_well_formed_host_and_port(url: str, ok: bool) -> None:
    assert is_web_address(url) is ok
