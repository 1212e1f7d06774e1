"""Keyring fixtures: a private D-Bus session with an unlocked gnome-keyring, and broken keyrings.

``secret_service`` (session scope) starts a private ``dbus-daemon`` from its own config file (no
service activation, so nothing else can be started on that bus, not even gnome-keyring's
graphical prompter: unlock prompts are dismissed at once, as on a headless machine) and a
``gnome-keyring-daemon`` inside it, unlocked with ``KEYRING_PASSWORD``. ``HOME`` and the XDG
folders point into the same temporary folder, so a test run never touches anyone's own keyring.
It yields the environment (a full copy, for tests that start CLI subprocesses) and sets it in
``os.environ`` until the end of the session.

The other fixtures build on it: ``keyring_store`` (a ``KeyringSecretStore`` whose entries are
purged after the test), ``locked_keyring`` (the login collection locked for one test, unlocked
afterwards through gnome-keyring's own unlock call), ``unlock_prompt_dismissed`` (a second
private keyring that was never unlocked: every access needs a prompt, which is dismissed), and
``no_keyring_backend`` / ``no_dbus_session`` (no usable backend at all).
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import ExitStack
from contextlib import closing
from contextlib import contextmanager
from pathlib import Path

import pytest
import secretstorage
from jeepney import MatchRule
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection
from secretstorage.util import DBusAddressWrapper
from secretstorage.util import format_secret
from secretstorage.util import open_session

from backorder_desktop.adapters.secrets import SERVICE
from backorder_desktop.adapters.secrets import KeyringSecretStore

KEYRING_PASSWORD = "pw"
SECRETS_BUS_NAME = "org.freedesktop.secrets"
# gnome-keyring's own interface (what its PAM module uses): unlock with a password, no prompt.
GNOME_KEYRING_INTERNAL = "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface"
START_TIMEOUT_S = 10.0
# The variables the private session replaces; everything else is inherited.
_ISOLATED_VARS = (
    "HOME",
    "XDG_DATA_HOME",
    "XDG_CONFIG_HOME",
    "XDG_CACHE_HOME",
    "XDG_RUNTIME_DIR",
    "DBUS_SESSION_BUS_ADDRESS",
    "PYTHON_KEYRING_BACKEND",
)
_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def _require_programs() -> None:
    missing = [name for name in ("dbus-daemon", "gnome-keyring-daemon") if shutil.which(name) is None]
    if missing:
        pytest.fail(
            f"keyring tests need {', '.join(missing)} on PATH (a real Secret Service in a private "
            "D-Bus session). Install them with scripts/system-deps.sh (Debian: apt-get install "
            "gnome-keyring dbus).",
            pytrace=False,
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    if process.stdout is not None:
        process.stdout.close()


def _start_bus(root: Path, env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start dbus-daemon and return it with its address, once it listens."""
    config = root / "bus.conf"
    config.write_text(_BUS_CONFIG.format(socket=root / "run" / "bus"), encoding="utf-8")
    # --nofork rather than --fork: the daemon stays our child, so it is reaped and cannot be
    # left behind as an orphan or a zombie; --print-address still tells us when it listens.
    with log.open("ab") as errors:
        bus = subprocess.Popen(
            ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
            stderr=errors,
            stdin=subprocess.DEVNULL,
            env=env,
        )
    assert bus.stdout is not None
    ready, _, _ = select.select([bus.stdout], [], [], START_TIMEOUT_S)
    address = bus.stdout.readline().decode().strip() if ready else ""
    if not address:
        _stop(bus)
        pytest.fail(f"dbus-daemon did not start: {log.read_text(errors='replace')}", pytrace=False)
    return bus, address


def _start_keyring(
    address: str, env: dict[str, str], password: str | None, log: Path
) -> subprocess.Popen[bytes]:
    """Start gnome-keyring-daemon on the bus; returns once it owns org.freedesktop.secrets."""
    args = ["gnome-keyring-daemon", "--foreground", "--components=secrets"]
    if password is not None:
        args.append("--unlock")  # reads the login keyring's password from stdin
    rule = MatchRule(
        type="signal",
        sender="org.freedesktop.DBus",
        interface="org.freedesktop.DBus",
        member="NameOwnerChanged",
        path="/org/freedesktop/DBus",
    )
    rule.add_arg_condition(0, SECRETS_BUS_NAME)
    with closing(open_dbus_connection(bus=address)) as connection:
        connection.send_and_get_reply(message_bus.AddMatch(rule))
        with connection.filter(rule) as queue, log.open("ab") as errors:
            daemon = subprocess.Popen(
                args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors, env=env
            )
            assert daemon.stdin is not None
            daemon.stdin.write((password or "").encode())
            daemon.stdin.close()
            try:
                connection.recv_until_filtered(queue, timeout=START_TIMEOUT_S)
            except TimeoutError:
                _stop(daemon)
                pytest.fail(
                    f"gnome-keyring-daemon did not start: {log.read_text(errors='replace')}", pytrace=False
                )
    return daemon


@contextmanager
def private_secret_service(
    root: Path, *, password: str | None = KEYRING_PASSWORD
) -> Iterator[dict[str, str]]:
    """Run a private D-Bus session with gnome-keyring under ``root``; yield its environment.

    With ``password=None`` the daemon starts without a login keyring: any access needs an
    unlock prompt, and with no prompter on the bus the prompt is dismissed.
    """
    _require_programs()
    folders = {name: root / name for name in ("home", "data", "config", "cache", "run")}
    for folder in folders.values():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    env = dict(os.environ)
    env.pop("PYTHON_KEYRING_BACKEND", None)
    env.update(
        HOME=str(folders["home"]),
        XDG_DATA_HOME=str(folders["data"]),
        XDG_CONFIG_HOME=str(folders["config"]),
        XDG_CACHE_HOME=str(folders["cache"]),
        XDG_RUNTIME_DIR=str(folders["run"]),
    )
    log = root / "daemons.log"
    with ExitStack() as stack:
        bus, address = _start_bus(root, env, log)
        stack.callback(_stop, bus)
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        daemon = _Daemon(_start_keyring(address, env, password, log), address, env, password, log)
        stack.callback(lambda: _stop(daemon.process))
        _RUNNING[id(env)] = daemon
        stack.callback(_RUNNING.pop, id(env), None)
        yield env


class _Daemon:
    """A running gnome-keyring-daemon and what it takes to start it again on the same bus."""

    def __init__(
        self,
        process: subprocess.Popen[bytes],
        address: str,
        env: dict[str, str],
        password: str | None,
        log: Path,
    ) -> None:
        self.process, self.address, self.env, self.password, self.log = process, address, env, password, log

    def restart_if_dead(self) -> int | None:
        """Start the daemon again if it exited (its keyring files stay); returns the exit code seen."""
        code = self.process.poll()
        if code is not None:
            self.process = _start_keyring(self.address, self.env, self.password, self.log)
        return code


_RUNNING: dict[int, _Daemon] = {}
_SESSION_ENV: list[dict[str, str]] = []


@contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    """Apply the isolated variables of ``env`` to ``os.environ``; restore them afterwards."""
    saved = {name: os.environ.get(name) for name in _ISOLATED_VARS}
    for name in _ISOLATED_VARS:
        if name in env:
            os.environ[name] = env[name]
        else:
            os.environ.pop(name, None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _login_collection(connection: secretstorage.DBusConnection) -> secretstorage.Collection:
    return secretstorage.get_collection_by_alias(connection, "default")


def lock_keyring() -> None:
    """Lock the default collection of the Secret Service in ``os.environ``."""
    with closing(secretstorage.dbus_init()) as connection:
        _login_collection(connection).lock()


def unlock_keyring(password: str = KEYRING_PASSWORD) -> None:
    """Unlock the default collection without a prompt (gnome-keyring's own unlock call)."""
    with closing(secretstorage.dbus_init()) as connection:
        collection = _login_collection(connection)
        if not collection.is_locked():
            return
        session = open_session(connection)
        internal = DBusAddressWrapper(
            "/org/freedesktop/secrets",
            "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface",
            connection,
        )
        secret = format_secret(session, password.encode(), "text/plain")
        internal.call("UnlockWithMasterPassword", "o(oayays)", collection.collection_path, secret)
        if collection.is_locked():
            raise RuntimeError("gnome-keyring did not unlock the test keyring")


def keyring_entries(service_prefix: str = SERVICE) -> dict[tuple[str, str], str]:
    """Every entry in the test keyring whose service starts with the prefix: (service, key) → value."""
    entries: dict[tuple[str, str], str] = {}
    with closing(secretstorage.dbus_init()) as connection:
        for item in _login_collection(connection).get_all_items():
            attributes = item.get_attributes()
            service = attributes.get("service", "")
            if service.startswith(service_prefix):
                entries[(service, attributes.get("username", ""))] = item.get_secret().decode()
    return entries


def purge_keyring(service_prefix: str = SERVICE) -> None:
    """Delete every entry whose service starts with the prefix (unlocking first if needed)."""
    unlock_keyring()
    with closing(secretstorage.dbus_init()) as connection:
        for item in _login_collection(connection).get_all_items():
            if item.get_attributes().get("service", "").startswith(service_prefix):
                item.delete()


@pytest.fixture(scope="session")
def secret_service() -> Iterator[dict[str, str]]:
    """A private, unlocked gnome-keyring for the whole run; yields (and applies) its environment."""
    # tempfile, not tmp_path_factory: a unix socket path must stay under ~100 characters.
    root = Path(tempfile.mkdtemp(prefix="bd-keyring-"))
    try:
        with private_secret_service(root) as env, environment(env):
            _SESSION_ENV.append(env)
            try:
                yield env
            finally:
                _SESSION_ENV.remove(env)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def revive_session_keyring() -> int | None:
    """If the session's gnome-keyring-daemon died (it did once in a full run, under load), start it
    again on the same bus, unlocked, and warn; returns the exit code it had, or None if it was alive."""
    for env in _SESSION_ENV:
        daemon = _RUNNING.get(id(env))
        code = daemon.restart_if_dead() if daemon is not None else None
        if code is not None:
            warnings.warn(
                f"the test session's gnome-keyring-daemon had exited (code {code}); restarted it",
                stacklevel=1,
            )
            unlock_keyring()
            return code
    return None


@pytest.fixture(autouse=True)
def _session_keyring_alive() -> None:
    """One test's trouble with the daemon must not be charged to every test after it."""
    revive_session_keyring()


def session_keyring_process() -> subprocess.Popen[bytes]:
    """The session keyring's daemon process (for the test that kills it)."""
    return _RUNNING[id(_SESSION_ENV[0])].process


@pytest.fixture
def keyring_store(secret_service: dict[str, str]) -> Iterator[KeyringSecretStore]:
    """A ``KeyringSecretStore`` on the private keyring, empty: its service's entries are purged
    before (other tests connect through the same keyring) and after."""
    purge_keyring()
    store = KeyringSecretStore()
    try:
        yield store
    finally:
        purge_keyring()


@pytest.fixture
def locked_keyring(secret_service: dict[str, str]) -> Iterator[dict[str, str]]:
    """The private keyring, locked for this test (and unlocked again after it)."""
    lock_keyring()
    try:
        yield secret_service
    finally:
        unlock_keyring()


@pytest.fixture
def unlock_prompt_dismissed(secret_service: dict[str, str]) -> Iterator[dict[str, str]]:
    """A Secret Service with no login keyring: each access raises a prompt that gets dismissed."""
    root = Path(tempfile.mkdtemp(prefix="bd-nologin-"))
    try:
        with private_secret_service(root, password=None) as env, environment(env):
            yield env
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def no_keyring_backend(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """keyring's ``fail`` backend selected explicitly, as on a machine keyring finds nothing on."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    return dict(os.environ)


@pytest.fixture
def no_dbus_session(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """No D-Bus session at all (a headless Linux login): the Secret Service cannot be reached.

    keyring detects its backends once per process: the list is forgotten before (so the missing
    bus is what it sees) and after (so later tests do not inherit a list without the Secret
    Service)."""
    root = Path(tempfile.mkdtemp(prefix="bd-nobus-"))
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={root / 'no-bus'}")
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_RUNTIME_DIR"):
        monkeypatch.setenv(name, str(root))
    _forget_detected_backends()
    try:
        yield dict(os.environ)
    finally:
        _forget_detected_backends()
        shutil.rmtree(root, ignore_errors=True)


def _forget_detected_backends() -> None:
    import keyring.backend

    detected = keyring.backend.get_all_keyring
    if hasattr(detected, "saved_result"):
        detected.reset()  # type: ignore[attr-defined]  # jaraco.functools.once
