"""Settings' "You and your team" on the real app (``AppLauncher``, the demo store over HTTP, a real
keyring and a real PostgreSQL server): the display name is saved for this desktop and names the
person in the stock history; Create team moves the profile into the team database after asking,
with the password typed in a masked field and kept in the keyring only, and the window reopens
the profile on the team database; an address that cannot be used is told in place."""

from __future__ import annotations

import getpass
from pathlib import Path
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import pytest
from PySide6.QtWidgets import QLineEdit
from PySide6.QtWidgets import QMessageBox

from backorder_desktop.app import AppLauncher
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.ui.pages.settings_page import NO_TEAM
from tests.fixtures_demo import remember_store
from tests.fixtures_keyring import keyring_entries
from tests.fixtures_keyring import purge_keyring
from tests.ui.conftest import wait_idle

pytestmark = pytest.mark.gui

PASSWORD = "Window-team-pw-91c3"  # the test server trusts its socket; checked for leaks


@pytest.fixture
def team_window(qtbot, home, demo_store, secret_service, make_controller):
    """The window on a profile connected to the demo store (a real keyring beside it), after its
    first sync, showing Settings."""
    purge_keyring()
    remember_store(home, demo_store)
    controller = make_controller(AppLauncher(home, env_token=demo_store.token))
    with qtbot.waitSignal(controller.profile_adopted, timeout=20_000):
        controller.start()
    wait_idle(qtbot, controller, timeout=30_000)
    controller.window.tabs.setCurrentWidget(controller.window.settings)
    yield controller
    purge_keyring()


def test_the_display_name_is_saved_for_this_desktop_and_names_the_person_in_the_stock_history(
    qtbot, team_window
) -> None:
    controller = team_window
    page = controller.window.settings
    qtbot.waitUntil(lambda: page.team_database.text() == NO_TEAM, timeout=20_000)
    assert page.team_url.isVisible() or not page.isVisible()

    page.display_name.setText("  Ana   Lima ")
    assert page.save_button.isEnabled()
    page.save_button.click()

    qtbot.waitUntil(lambda: page.status_label.text() == "Saved.", timeout=20_000)
    qtbot.waitUntil(lambda: page.display_name.text() == "Ana Lima", timeout=20_000)
    wait_idle(qtbot, controller)
    assert not page.save_button.isEnabled()  # what is shown is what is stored
    profile = controller.profile
    me = f"Ana Lima ({getpass.getuser()})"
    assert profile.team_status().me == me
    product = next(p for p in profile.products() if p.inventory_tracking.value == "product")
    profile.assign([product.sku])
    edit = profile.edit_stock(product.sku, AdjustmentKind.ADD, 3)
    assert edit.adjustment.actor == me
    assert profile.stock_history(product.id)[0].actor == me


def test_create_team_asks_first_moves_the_profile_and_the_window_opens_the_team_database(
    postgres_url, qtbot, team_window, home
) -> None:
    controller = team_window
    page = controller.window.settings
    qtbot.waitUntil(lambda: page.team_database.text() == NO_TEAM, timeout=20_000)
    before = controller.profile
    assigned = before.products()[0]
    before.assign([assigned.sku])
    assert page.team_password.echoMode() is QLineEdit.EchoMode.Password
    assert not page.create_team_button.isEnabled()

    page.team_url.setText(postgres_url)
    page.team_password.setText(PASSWORD)
    page.create_team_button.click()
    question = page.team_question
    assert isinstance(question, QMessageBox)
    assert "Move this computer's catalog" in question.text()
    move = next(b for b in question.buttons() if b.text() == "Move and create")
    with qtbot.waitSignal(controller.profile_adopted, timeout=30_000):
        move.click()

    assert page.team_result.text().startswith("Moved "), page.team_result.text()
    assert page.team_password.text() == ""
    after = controller.profile
    assert after is not before
    assert after.info.database_path.startswith(urlsplit(postgres_url).path.lstrip("/"))
    assert after.backorder_ids() == {assigned.id}
    qtbot.waitUntil(lambda: page.team_database.text().startswith("Shared with your team"), timeout=20_000)
    assert PASSWORD not in page.team_database.text()
    assert not page.team_url.isVisibleTo(page)
    assert PASSWORD in keyring_entries().values()
    assert [p for p in Path(home).rglob("*") if p.is_file() and PASSWORD.encode() in p.read_bytes()] == []


def test_an_address_that_cannot_be_used_is_told_in_place_and_nothing_moves(qtbot, team_window, home) -> None:
    page = team_window.window.settings
    qtbot.waitUntil(lambda: page.team_database.text() == NO_TEAM, timeout=20_000)
    remote = urlunsplit(("postgresql", "ana@db.example.com", "/shop", "", ""))

    page.team_url.setText(remote)
    page.create_team_button.click()

    assert page.team_question is None
    assert "sslmode=require" in page.team_result.text()
    assert not (Path(home) / "config" / "team.json").exists()
