"""The status popover says where the store's token comes from: the keyring, or this session only
(asked for again at the next start)."""

from __future__ import annotations

import pytest

from backorder_desktop.services.profile import TokenSource
from backorder_desktop.ui.status_bar import TOKEN_WORDS
from tests.ui.conftest import wait_idle
from tests.ui.fakes import GOOD_TOKEN

pytestmark = pytest.mark.gui


def test_a_token_kept_in_the_keyring_is_said_in_the_popover(qtbot, demo) -> None:
    label = demo.window.status_panel.details.token_label
    qtbot.waitUntil(lambda: label.text() == TOKEN_WORDS[TokenSource.KEYRING], timeout=20_000)


def test_a_session_only_token_is_said_in_the_popover(qtbot, fake_launcher, make_controller) -> None:
    controller = make_controller(fake_launcher)
    with qtbot.waitSignal(controller.profile_adopted, timeout=20_000):
        controller.start()
    wait_idle(qtbot, controller)
    label = controller.window.status_panel.details.token_label
    assert label.text() == ""  # no store, no token

    controller.profile.connect("abc123", "http://127.0.0.1:9", GOOD_TOKEN, remember=False)
    controller.refresh_status()

    qtbot.waitUntil(lambda: label.text() == TOKEN_WORDS[TokenSource.SESSION], timeout=20_000)
    assert "not saved" in label.text()
