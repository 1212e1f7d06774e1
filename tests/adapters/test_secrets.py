"""KeyringSecretStore on a real gnome-keyring (private D-Bus session), and every failure state."""

from __future__ import annotations

import gc
import logging
import shutil
import subprocess
import sys
import tempfile
import threading
import traceback
import warnings
from pathlib import Path

import keyring.errors
import pytest

from backorder_desktop.adapters.secrets import MEMORY_BACKEND_NAME
from backorder_desktop.adapters.secrets import SERVICE
from backorder_desktop.adapters.secrets import KeyringSecretStore
from backorder_desktop.adapters.secrets import MemorySecretStore
from backorder_desktop.adapters.secrets import detect_backend
from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.errors import KeyringLocked
from backorder_desktop.domain.errors import KeyringRefused
from backorder_desktop.domain.errors import KeyringUnavailable
from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.errors import UserFacingError
from backorder_desktop.domain.keys import feed_credential_key
from backorder_desktop.domain.keys import token_key
from tests.fixtures_keyring import environment
from tests.fixtures_keyring import keyring_entries
from tests.fixtures_keyring import private_secret_service
from tests.fixtures_keyring import purge_keyring
from tests.fixtures_keyring import revive_session_keyring
from tests.fixtures_keyring import session_keyring_process

SECRET = "tok-3f9a1c77e2b04d55a1b2"
HERE = __name__  # "tests.adapters.test_secrets": fake backends below are loaded by this path


class PlaintextKeyring:
    """Stand-in for keyrings.alt's PlaintextKeyring (priority 0.5, "not recommended").

    Deliberately not a ``keyring.backend.KeyringBackend`` subclass: subclasses register
    themselves in keyring's process-wide backend list, and this one must only be reachable by
    naming it in ``PYTHON_KEYRING_BACKEND``.
    """

    priority = 0.5
    written: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.written.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.written[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.written.pop((service, username), None)


class HighPriorityPlaintextKeyring(PlaintextKeyring):
    """A plaintext store that claims a recommended priority: refused by its name alone."""

    priority = 9


class RefusingKeyring(PlaintextKeyring):
    """A recommended backend whose writes fail, echoing the password in the error (as some do)."""

    priority = 5

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError(f"cannot store {password!r} for {username}")


def assert_secret_absent(error: BaseException, secret: str = SECRET) -> None:
    """Neither the message nor anything a traceback of the error would print shows the secret."""
    assert isinstance(error, UserFacingError)
    assert secret not in str(error)
    assert secret not in repr(error)
    assert secret not in error.message and secret not in error.title
    assert secret not in "".join(traceback.format_exception(error))


def use_backend(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", f"{HERE}.{name}")


# --- keys -------------------------------------------------------------------------------------


def test_keys_are_structured_per_store_and_purpose() -> None:
    assert token_key("abc123") == "bigcommerce:abc123:access_token"
    assert feed_credential_key("abc123") == "erp-feed:abc123:credential"
    assert token_key("abc123") != token_key("abc124")
    for bad in ("", "a:b", " abc"):
        with pytest.raises(ValueError, match="store hash"):
            token_key(bad)


# --- the real keyring ---------------------------------------------------------------------------


@pytest.mark.keyring
def test_round_trip_on_gnome_keyring(keyring_store: KeyringSecretStore) -> None:
    key = token_key("abc123")
    assert keyring_store.get(key) is None
    keyring_store.set(key, SECRET)
    assert keyring_store.get(key) == SECRET
    # It really is in the Secret Service, under our service name and the structured key.
    assert keyring_entries() == {(SERVICE, key): SECRET}
    keyring_store.set(key, SECRET + "-rotated")
    assert keyring_store.get(key) == SECRET + "-rotated"
    keyring_store.delete(key)
    assert keyring_store.get(key) is None
    assert keyring_entries() == {}
    assert keyring_store.backend_name() == "SecretService Keyring"
    assert keyring_store.backend_id() == "keyring.backends.SecretService.Keyring"
    assert detect_backend() == "SecretService Keyring"


@pytest.mark.keyring
def test_entries_of_two_stores_and_two_keys_are_independent(keyring_store: KeyringSecretStore) -> None:
    other = KeyringSecretStore(f"{SERVICE}-other-profile")
    keyring_store.set(token_key("store-a"), "token-for-a")
    keyring_store.set(token_key("store-b"), "token-for-b")
    keyring_store.set(feed_credential_key("store-a"), "feed-for-a")
    other.set(token_key("store-a"), "token-for-a-elsewhere")

    keyring_store.delete(token_key("store-b"))

    assert keyring_store.get(token_key("store-a")) == "token-for-a"
    assert keyring_store.get(token_key("store-b")) is None
    assert keyring_store.get(feed_credential_key("store-a")) == "feed-for-a"
    assert other.get(token_key("store-a")) == "token-for-a-elsewhere"
    assert other.get(feed_credential_key("store-a")) is None


@pytest.mark.keyring
def test_a_second_store_instance_reads_what_the_first_wrote(keyring_store: KeyringSecretStore) -> None:
    keyring_store.set(token_key("abc"), SECRET)
    assert KeyringSecretStore().get(token_key("abc")) == SECRET


@pytest.mark.keyring
def test_deleting_a_missing_entry_is_only_logged_at_debug(
    keyring_store: KeyringSecretStore, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="backorder_desktop.adapters.secrets"):
        keyring_store.delete(token_key("never-stored"))
    notes = [r for r in caplog.records if "no entry" in r.getMessage()]
    assert [r.levelno for r in notes] == [logging.DEBUG]
    assert token_key("never-stored") in notes[0].getMessage()


@pytest.mark.keyring
def test_a_dead_session_daemon_is_started_again_with_its_entries(keyring_store: KeyringSecretStore) -> None:
    key = token_key("revive")
    keyring_store.set(key, SECRET)
    daemon = session_keyring_process()
    daemon.kill()
    daemon.wait(timeout=10)
    with pytest.raises(KeyringUnavailable):
        keyring_store.get(key)
    with pytest.warns(UserWarning, match="gnome-keyring-daemon had exited"):
        assert revive_session_keyring() is not None
    assert session_keyring_process() is not daemon
    assert keyring_store.get(key) == SECRET  # the same keyring file, unlocked again
    assert revive_session_keyring() is None  # alive now: nothing to do


@pytest.mark.keyring
def test_concurrent_writes_from_threads_all_land(secret_service: dict[str, str]) -> None:
    # Its own daemon: eight writers at once are the hardest load gnome-keyring gets in the suite,
    # and a daemon that failed under it took the session's keyring (and every later test) with it.
    root = Path(tempfile.mkdtemp(prefix="bd-kr-"))  # a short path: the bus socket lives there
    try:
        with private_secret_service(root) as env, environment(env):
            _write_from_threads(KeyringSecretStore())
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _write_from_threads(keyring_store: KeyringSecretStore) -> None:
    keys = [token_key(f"store{i}") for i in range(8)]
    errors: list[BaseException] = []

    def write(key: str) -> None:
        try:
            keyring_store.set(key, f"value-of-{key}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert {key: keyring_store.get(key) for key in keys} == {key: f"value-of-{key}" for key in keys}


@pytest.mark.keyring
def test_a_cli_subprocess_given_the_environment_sees_the_same_keyring(
    keyring_store: KeyringSecretStore, secret_service: dict[str, str]
) -> None:
    keyring_store.set(token_key("abc"), SECRET)
    code = (
        "from backorder_desktop.adapters.secrets import KeyringSecretStore\n"
        "from backorder_desktop.domain.keys import token_key\n"
        "print(KeyringSecretStore().get(token_key('abc')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=secret_service, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == SECRET


# --- locked ------------------------------------------------------------------------------------


@pytest.mark.keyring
def test_locked_keyring_is_keyring_locked_with_an_unlock_hint(
    keyring_store: KeyringSecretStore, locked_keyring: dict[str, str]
) -> None:
    with pytest.raises(KeyringLocked) as raised:
        keyring_store.set(token_key("abc"), SECRET)
    assert "unlock your keyring and try again" in raised.value.message.lower()
    assert "SecretService Keyring" in raised.value.message
    assert_secret_absent(raised.value)
    with pytest.raises(KeyringLocked):
        keyring_store.get(token_key("abc"))


@pytest.mark.keyring
def test_store_works_again_once_the_keyring_is_unlocked(keyring_store: KeyringSecretStore) -> None:
    from tests.fixtures_keyring import lock_keyring
    from tests.fixtures_keyring import unlock_keyring

    keyring_store.set(token_key("abc"), SECRET)
    lock_keyring()
    try:
        with pytest.raises(KeyringLocked):
            keyring_store.get(token_key("abc"))
    finally:
        unlock_keyring()
    assert keyring_store.get(token_key("abc")) == SECRET


@pytest.mark.keyring
def test_dismissed_unlock_prompt_is_keyring_locked(unlock_prompt_dismissed: dict[str, str]) -> None:
    store = KeyringSecretStore()
    with pytest.raises(KeyringLocked, match=r"(?i)unlock your keyring"):
        store.set(token_key("abc"), SECRET)
    with pytest.raises(KeyringLocked) as raised:
        store.get(token_key("abc"))
    assert_secret_absent(raised.value)


@pytest.mark.keyring
def test_a_keyring_that_stops_answering_is_unavailable(secret_service: dict[str, str]) -> None:
    root = Path(tempfile.mkdtemp(prefix="bd-gone-"))
    store = KeyringSecretStore()
    try:
        with private_secret_service(root) as env, environment(env):
            store.set(token_key("abc"), SECRET)
            assert store.get(token_key("abc")) == SECRET
        # The daemons are stopped now; the store is asked again in that same (dead) session.
        with environment(env), pytest.raises(KeyringUnavailable) as raised:
            store.get(token_key("abc"))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    assert raised.value.remedy is Remedy.SESSION_ONLY
    assert_secret_absent(raised.value)


# --- no backend -----------------------------------------------------------------------------------


def test_no_backend_is_keyring_unavailable_with_the_way_forward(no_keyring_backend: dict[str, str]) -> None:
    store = KeyringSecretStore()  # lazy: building the store touches no keyring
    for attempt in (
        lambda: store.get(token_key("abc")),
        lambda: store.set(token_key("abc"), SECRET),
        lambda: store.delete(token_key("abc")),
        store.backend_name,
    ):
        with pytest.raises(KeyringUnavailable) as raised:
            attempt()
        message = raised.value.message
        assert "gnome-keyring" in message.lower() and "kwallet" in message.lower()
        assert raised.value.remedy is Remedy.SESSION_ONLY
        assert_secret_absent(raised.value)
    assert detect_backend() is None


def test_no_dbus_session_is_keyring_unavailable(no_dbus_session: dict[str, str]) -> None:
    store = KeyringSecretStore()
    with pytest.raises(KeyringUnavailable) as raised:
        store.set(token_key("abc"), SECRET)
    assert "Secret Service" in raised.value.message
    assert_secret_absent(raised.value)
    assert detect_backend() is None


def test_null_backend_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    with pytest.raises(KeyringUnavailable, match="does not store anything"):
        KeyringSecretStore().set(token_key("abc"), SECRET)


def test_unknown_backend_name_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "no_such_module.Keyring")
    with pytest.raises(KeyringUnavailable, match="no_such_module"):
        KeyringSecretStore().get(token_key("abc"))


@pytest.mark.parametrize("backend", ["PlaintextKeyring", "HighPriorityPlaintextKeyring"])
def test_plaintext_backend_is_refused_and_never_written(
    monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    PlaintextKeyring.written.clear()
    use_backend(monkeypatch, backend)
    store = KeyringSecretStore()
    with pytest.raises(KeyringUnavailable) as raised:
        store.set(token_key("abc"), SECRET)
    assert "refused" in raised.value.message
    assert_secret_absent(raised.value)
    assert PlaintextKeyring.written == {}
    assert detect_backend() is None


def test_plaintext_backend_pinned_in_settings_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    PlaintextKeyring.written.clear()
    store = KeyringSecretStore(backend=f"{HERE}.PlaintextKeyring")
    with pytest.raises(KeyringUnavailable, match="in the settings"):
        store.set(token_key("abc"), SECRET)
    assert PlaintextKeyring.written == {}


def test_other_backend_errors_are_keyring_refused_without_the_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    use_backend(monkeypatch, "RefusingKeyring")
    with pytest.raises(KeyringRefused) as raised:
        KeyringSecretStore().set(token_key("abc"), SECRET)
    assert "PasswordSetError" in raised.value.message  # the cause is named …
    assert_secret_absent(raised.value)  # … but the echoed secret is scrubbed, chain included
    assert raised.value.__cause__ is None


# --- session-only store -------------------------------------------------------------------------


def test_memory_store_round_trip_and_independence() -> None:
    first, second = MemorySecretStore(), MemorySecretStore()
    first.set(token_key("abc"), SECRET)
    assert first.get(token_key("abc")) == SECRET
    assert second.get(token_key("abc")) is None
    first.delete(token_key("abc"))
    first.delete(token_key("abc"))  # missing: no error
    assert first.get(token_key("abc")) is None
    assert first.backend_name() == MEMORY_BACKEND_NAME
    assert "session" in first.backend_name().lower()


@pytest.mark.parametrize("store", [MemorySecretStore(), KeyringSecretStore()])
def test_empty_key_or_value_is_a_programming_error(store: MemorySecretStore | KeyringSecretStore) -> None:
    with pytest.raises(ValueError):
        store.set("", SECRET)
    with pytest.raises(ValueError):
        store.set(token_key("abc"), "")


def test_errors_are_user_facing_with_titles() -> None:
    for error_type in (KeyringUnavailable, KeyringLocked, KeyringRefused):
        assert issubclass(error_type, BackorderError)
        assert error_type.title


@pytest.mark.keyring
def test_purge_helper_leaves_other_services_alone(keyring_store: KeyringSecretStore) -> None:
    outsider = KeyringSecretStore("someone-else")
    outsider.set("k", "outsider-secret")
    try:
        keyring_store.set(token_key("abc"), SECRET)
        purge_keyring()
        assert keyring_store.get(token_key("abc")) is None
        assert outsider.get("k") == "outsider-secret"
    finally:
        outsider.delete("k")


@pytest.mark.keyring
def test_failed_calls_on_a_locked_keyring_leak_no_dbus_connection(
    keyring_store: KeyringSecretStore, locked_keyring: dict[str, str]
) -> None:
    # keyring's SecretService backend raises before closing its connection when locked; the
    # store closes it, or each attempt would leave a socket for the garbage collector.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            with pytest.raises(KeyringLocked):
                keyring_store.get(token_key("abc"))
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_missing_daemons_fail_the_keyring_fixture_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # neither dbus-daemon nor gnome-keyring-daemon here
    missing_daemons = pytest.raises(pytest.fail.Exception, match=r"scripts/system-deps\.sh")
    with missing_daemons, private_secret_service(tmp_path):
        pass
