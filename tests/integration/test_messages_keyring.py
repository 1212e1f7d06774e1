"""A keyring store handed in explicitly (the window's tests, scripts) that has no backend: the
profile still opens and reports its status, saying there is no keyring instead of failing."""

from __future__ import annotations

from pathlib import Path

import pytest

from backorder_desktop import app
from backorder_desktop.adapters.secrets import KeyringSecretStore


@pytest.mark.parametrize("no_keyring", ["no_keyring_backend", "no_dbus_session"])
def test_status_with_a_given_keyring_store_and_no_keyring(
    tmp_path: Path, no_keyring: str, request: pytest.FixtureRequest
) -> None:
    request.getfixturevalue(no_keyring)
    profile = app.open_profile(str(tmp_path / "home"), secret_store=KeyringSecretStore())
    try:
        status = profile.status()
    finally:
        profile.close()
    assert status.keyring_backend is None
    assert status.store_hash is None
