"""Status names the keyring from the backend last seen working, without importing keyring, and only
while that record is fresh and made under the same choice of backend; a keyring gone or locked is
still told by the commands that use a secret."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest

from backorder_desktop.adapters.secrets import ABSENT_FRESH
from backorder_desktop.adapters.secrets import SEEN_FRESH
from backorder_desktop.adapters.secrets import BackendRecord
from backorder_desktop.adapters.secrets import KeyringSecretStore
from backorder_desktop.adapters.secrets import describe_backend
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.errors import KeyringLocked
from backorder_desktop.domain.errors import KeyringUnavailable
from backorder_desktop.domain.keys import token_key
from tests.integration.cli_runner import connect_cli
from tests.integration.cli_runner import run_cli

NOON = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)

# Status in a process of its own, as a script calls it; prints its keyring line and whether
# keyring was imported to tell it.
STATUS_PROBE = """
import json, sys
from backorder_desktop.app import open_profile
profile = open_profile(sys.argv[1])
try:
    named = profile.status().keyring_backend
finally:
    profile.close()
print(json.dumps([named, "keyring" in sys.modules]))
"""


def _status_probe(home: str, env: dict[str, str]) -> tuple[str | None, bool]:
    done = subprocess.run(
        [sys.executable, "-c", STATUS_PROBE, home], capture_output=True, text=True, env=env, check=True
    )
    named, imported = json.loads(done.stdout)
    return named, imported


def test_a_fresh_record_names_the_backend_labelled_with_when(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    record = BackendRecord(tmp_path / "keyring-backend.json")
    assert record.recalled(now=NOON) is None
    record.note("SecretService Keyring", "used", at=NOON)
    assert record.recalled(now=NOON) == "SecretService Keyring (last used 2026-12-05 12:00 UTC)"
    assert record.recalled(now=NOON + SEEN_FRESH / 2) is not None
    assert record.recalled(now=NOON + SEEN_FRESH * 2) is None  # too old: looked up again
    assert "SecretService Keyring" in record.path.read_text()


def test_a_record_made_under_another_backend_choice_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    record = BackendRecord(tmp_path / "keyring-backend.json")
    record.note("SecretService Keyring", "used")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    assert record.recalled() is None
    assert describe_backend(record) is None  # looked up: keyring's fail backend is none
    assert record.absent()


def test_no_keyring_found_is_believed_for_a_shorter_while(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    record = BackendRecord(tmp_path / "keyring-backend.json")
    record.note("", "absent", at=NOON)
    assert record.absent(now=NOON + ABSENT_FRESH / 2)
    assert record.recalled(now=NOON) is None
    assert not record.absent(now=NOON + ABSENT_FRESH * 2)
    record.note("SecretService Keyring", "used", at=NOON)  # a secret saved meanwhile: believed at once
    assert not record.absent(now=NOON)


def test_a_keyring_gone_is_told_by_a_secret_read_and_the_record_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    record = BackendRecord(tmp_path / "keyring-backend.json")
    record.note("SecretService Keyring", "used")  # seen working earlier under this same choice
    assert record.recalled() is not None
    with pytest.raises(KeyringUnavailable):
        KeyringSecretStore(record=record).get(token_key("abc"))
    assert record.recalled() is None
    assert describe_backend(record) is None


@pytest.mark.keyring
def test_status_after_connect_names_the_keyring_without_importing_it(
    home: str, demo_store: DemoStore, secret_service: dict[str, str]
) -> None:
    assert connect_cli(home, demo_store, secret_service).code == 0
    named, imported = _status_probe(home, secret_service)
    assert named is not None and named.startswith("SecretService Keyring (last used ")
    assert imported is False
    shown = run_cli(home, "status", env=secret_service)
    assert "Keyring: SecretService Keyring (last used " in shown.stdout


@pytest.mark.keyring
def test_status_without_a_record_looks_the_keyring_up_and_records_it(
    home: str, secret_service: dict[str, str]
) -> None:
    named, imported = _status_probe(home, secret_service)
    assert (named, imported) == ("SecretService Keyring", True)
    named, imported = _status_probe(home, secret_service)
    assert named is not None and named.startswith("SecretService Keyring (last detected ")
    assert imported is False


@pytest.mark.keyring
def test_a_locked_keyring_is_still_told_by_a_read_and_the_record_kept(
    tmp_path: Path, secret_service: dict[str, str]
) -> None:
    from tests.fixtures_keyring import lock_keyring
    from tests.fixtures_keyring import unlock_keyring

    record = BackendRecord(tmp_path / "keyring-backend.json")
    store = KeyringSecretStore(record=record)
    store.set(token_key("abc"), "tok-8c1d")
    lock_keyring()
    try:
        with pytest.raises(KeyringLocked):
            KeyringSecretStore(record=record).get(token_key("abc"))
    finally:
        unlock_keyring()
    assert (record.recalled() or "").startswith("SecretService Keyring (last used ")  # there, locked
    store.delete(token_key("abc"))
