"""The connection dialog: typos are told under their field, long texts are shown whole, and the
window never tells the merchant to run a command."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from backorder_desktop.domain.errors import KeyringUnavailable
from backorder_desktop.domain.keys import token_key
from backorder_desktop.services.profile import TokenSource
from backorder_desktop.ui.dialogs.crash_dialog import CrashDialog
from tests.ui.fakes import GOOD_TOKEN

pytestmark = pytest.mark.gui


@pytest.fixture
def dialog(qtbot, fake_launcher, make_controller):
    """The connection dialog opened from the welcome page, over the real (empty) profile."""
    controller = make_controller(fake_launcher)
    with qtbot.waitSignal(controller.profile_adopted, timeout=20_000):
        controller.start()
    qtbot.mouseClick(controller.window.welcome.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.flows.connection_dialog is not None, timeout=20_000)
    opened = controller.flows.connection_dialog
    opened.controller = controller
    yield opened
    if controller.flows.connection_dialog is not None:  # still open (a connect closes and deletes it)
        opened.reject()


def _fully_shown(label) -> bool:
    """The label is as tall as its wrapped text needs, and inside the dialog."""
    bottom = label.mapTo(label.window(), label.rect().bottomLeft()).y()
    return label.height() >= label.heightForWidth(label.width()) and bottom <= label.window().height()


def test_an_api_address_without_a_scheme_is_told_under_its_field_and_the_dialog_stays(
    qtbot, dialog, fake_launcher
) -> None:
    dialog.store_hash.setText("abc123")
    dialog.token.setText(GOOD_TOKEN)
    dialog.advanced_button.setChecked(True)
    dialog.api_url.setText("notaurl")
    for button in (dialog.test_button, dialog.connect_button):
        with qtbot.waitSignal(dialog.check_finished, timeout=20_000) as blocker:
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert blocker.args == [False]
        assert dialog.isVisible() and dialog.api_url_error.isVisible()
        assert "“notaurl” is not a web address" in dialog.api_url_error.text()
        assert "https://" in dialog.api_url_error.text()
        assert _fully_shown(dialog.api_url_error)
        assert not dialog.store_hash_error.isVisible() and not dialog.token_error.isVisible()
    controller = dialog.controller
    assert not [d for d in controller.router.open_dialogs() if isinstance(d, CrashDialog)]
    assert controller.router.last_route is None  # nothing reached the error router
    assert fake_launcher.secrets.values == {}  # and nothing was kept

    # Typing in the field clears its line; a sound address then connects.
    qtbot.keyClicks(dialog.api_url, "x")
    assert not dialog.api_url_error.isVisible()
    dialog.api_url.setText("https://api.example.com")
    with qtbot.waitSignal(dialog.connected, timeout=20_000):
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    assert fake_launcher.secrets.values[token_key("abc123")] == GOOD_TOKEN


def test_plain_http_to_another_computer_and_a_bad_store_hash_are_told_before_anything_is_sent(
    qtbot, dialog, fake_launcher
) -> None:
    requests_before = fake_launcher.store.page_requests
    dialog.store_hash.setText("stores/abc123")
    dialog.advanced_button.setChecked(True)
    dialog.api_url.setText("http://api.example.com")
    with qtbot.waitSignal(dialog.check_finished, timeout=20_000):
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert "“stores/abc123” is not a store hash" in dialog.store_hash_error.text()
    assert "Paste the access token" in dialog.token_error.text()
    assert "unencrypted" in dialog.api_url_error.text()
    assert dialog.store_hash.hasFocus() or not dialog.isActiveWindow()
    assert all(_fully_shown(label) for label in (dialog.store_hash_error, dialog.api_url_error))
    assert fake_launcher.store.page_requests == requests_before
    # The demo store's plain http on this computer is fine.
    dialog.api_url.setText("http://127.0.0.1:8765")
    dialog.store_hash.setText("abc123")
    dialog.token.setText(GOOD_TOKEN)
    with qtbot.waitSignal(dialog.check_finished, timeout=20_000) as blocker:
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [True]
    assert "Connected to Dana's Bikes" in dialog.result_label.text()


def test_the_keyring_advice_is_shown_whole(qtbot, dialog, fake_launcher) -> None:
    fake_launcher.secrets.error = KeyringUnavailable(
        "No usable keyring was found to keep your access token safe. On Linux, install and start a "
        "Secret Service such as GNOME Keyring (gnome-keyring) or KWallet, then try again."
    )
    dialog.store_hash.setText("abc123")
    dialog.token.setText(GOOD_TOKEN)
    with qtbot.waitSignal(dialog.check_finished, timeout=20_000):
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.connect_button.isEnabled(), timeout=20_000)
    label = dialog.result_label
    assert "No keyring available" in label.text() and "install gnome-keyring" in label.text()
    assert _fully_shown(label)


def test_without_a_keyring_the_token_can_be_kept_for_this_session_only(qtbot, dialog, fake_launcher) -> None:
    fake_launcher.secrets.error = KeyringUnavailable("No keyring service is running on this computer.")
    dialog.store_hash.setText("abc123")
    dialog.token.setText(GOOD_TOKEN)
    assert not dialog.session_button.isVisible()  # offered only when the keyring cannot keep it
    with qtbot.waitSignal(dialog.check_finished, timeout=20_000):
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    assert dialog.session_button.isVisible() and dialog.session_button.text() == "Use for this session only"
    assert "“Use for this session only”" in dialog.result_label.text()

    controller = dialog.controller
    qtbot.waitUntil(dialog.session_button.isEnabled, timeout=20_000)  # the connect's task has ended
    with qtbot.waitSignal(dialog.connected, timeout=20_000):
        qtbot.mouseClick(dialog.session_button, Qt.MouseButton.LeftButton)
    assert fake_launcher.secrets.values == {}  # nothing kept
    qtbot.waitUntil(lambda: controller.window.products.model.rowCount() == 120, timeout=20_000)
    qtbot.waitUntil(
        lambda: controller.status is not None and controller.status.products == 120, timeout=20_000
    )
    assert controller.status.token_source is TokenSource.SESSION
