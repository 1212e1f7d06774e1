"""The window says what to do in its own words: no command, no flag, no retry it will not make."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backorder_desktop.adapters.bigcommerce.errors import error_from_response
from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.errors import FeedError
from backorder_desktop.domain.errors import InvalidSetting
from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.settings import parse_setting
from backorder_desktop.ui.error_router import REMEDIES
from backorder_desktop.ui.error_router import describe

COMMAND_LINE = re.compile(r"backorder-desktop|(^|\s)--[a-z]|`")


def _refused_setting() -> InvalidSetting:
    with pytest.raises(InvalidSetting) as refused:
        parse_setting("feed-url", "https://erp.example/stock.csv?api_key=k-1")
    return refused.value


@pytest.mark.parametrize(
    ("error", "remedy"),
    [
        (error_from_response("GET", "/v3/catalog/products", 403, b"{}"), Remedy.RECONNECT),
        (error_from_response("GET", "/v2/store", 403, b"{}"), Remedy.RECONNECT),
        (_refused_setting(), Remedy.SET_FEED_CREDENTIAL),
        (FeedError("The feed at x answered HTTP 503.", remedy=Remedy.RETRY_LATER), Remedy.RETRY_LATER),
    ],
    ids=["products-scope", "store-info-scope", "feed-url-with-key", "feed-down"],
)
def test_the_window_words_the_remedy_and_names_no_command(error: BackorderError, remedy: Remedy) -> None:
    _title, message = describe(error)
    assert error.remedy is remedy
    assert message.endswith(REMEDIES[remedy])
    assert not COMMAND_LINE.search(message), message


UI = Path(__file__).resolve().parents[2] / "backorder_desktop" / "ui"


@pytest.mark.parametrize("remedy", list(Remedy), ids=str)
def test_every_button_the_window_words_name_exists(remedy: Remedy) -> None:
    """A remedy that names a button, action or page (“Store connection…”) names one the window has."""
    sources = "\n".join(
        path.read_text(encoding="utf-8") for path in UI.rglob("*.py") if path.name != "error_router.py"
    )
    for label in re.findall(r"“([^”]+)”", REMEDIES[remedy]):
        assert f'"{label}"' in sources or f"“{label}”" in sources, label
    assert "under Webhooks" not in REMEDIES[remedy]  # Settings has no Webhooks section
