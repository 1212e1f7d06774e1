"""More environment faults (issue 8, item 5), through the real command line: a read-only profile
folder, the keyring locked between runs, the keyring gone between runs. Each run fails with exit 1
and a message that says what to do, and leaves the mirror as it was.

The tests run as root, and root ignores permission bits. The read-only folder test therefore runs
its command with the ``CAP_DAC_OVERRIDE`` and ``CAP_DAC_READ_SEARCH`` capabilities dropped from the
child's bounding set: permission bits then bind it as they bind any user, while it can still reach
the interpreter under ``/root`` (which ``nobody`` cannot).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from backorder_desktop.demo.server import DemoStore
from tests.integration.cli_runner import Result
from tests.integration.cli_runner import connect_cli
from tests.integration.cli_runner import run_cli
from tests.integration.support import connect_context

PR_CAPBSET_DROP = 24  # <linux/prctl.h>
CAP_DAC_OVERRIDE = 1
CAP_DAC_READ_SEARCH = 2
COUNTS = ("products", "variants", "backorder_products", "outbox", "last_manual_sync", "store_hash")


def _drop_root_file_rights() -> None:
    """In the child, before exec: file permissions apply to it as to an ordinary user."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def _run_cli_as_a_user(home: str | Path, *args: str, env: dict[str, str] | None = None) -> Result:
    """``run_cli``'s command, with root's right to ignore file permissions taken away."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("BACKORDER_DESKTOP_")}
    full_env.update(env or {})
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    process = subprocess.run(
        [sys.executable, "-m", "backorder_desktop", "--home", str(home), *args],
        input="",
        capture_output=True,
        text=True,
        env=full_env,
        timeout=60,
        check=False,
        preexec_fn=_drop_root_file_rights if is_root else None,
    )
    return Result(process.returncode, process.stdout, process.stderr)


def _counts(home: str | Path, env: dict[str, str] | None = None) -> dict[str, object]:
    status = run_cli(home, "status", "--json", env=env)
    assert status.code == 0, status.stderr
    report = status.json()
    return {key: report[key] for key in COUNTS}


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file under the folder and its bytes (a write anywhere shows up here)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _connect(home: str, store: DemoStore, env: dict[str, str]) -> None:
    connected = connect_cli(home, store, env)
    assert connected.code == 0, connected.stderr
    synced = run_cli(home, "sync", env=env)
    assert synced.code == 0, synced.stderr


@pytest.fixture
def shared_home() -> Iterator[Path]:
    """A profile folder outside pytest's root-only temporary folder."""
    base = Path(tempfile.mkdtemp(prefix="bd-readonly-"))
    base.chmod(0o755)
    try:
        yield base / "profile"
    finally:
        for folder in [base, *base.rglob("*")]:
            if folder.is_dir():
                folder.chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="capabilities are Linux's")
def test_a_read_only_profile_folder_says_which_folder_and_what_to_do_and_writes_nothing(
    shared_home: Path, demo_store: DemoStore
) -> None:
    env = {"BACKORDER_DESKTOP_TOKEN": demo_store.token}
    home = shared_home
    # A connected profile, synced by the command line with the token from the environment.
    context = connect_context(str(home), demo_store)
    context.close()
    assert run_cli(home, "sync", env=env).code == 0
    before_counts = _counts(home, env)
    data = home / "data"
    data.chmod(0o555)
    before = _tree(home)

    for args in (("status", "--json"), ("sync",)):
        result = _run_cli_as_a_user(home, *args, env=env)

        assert result.code == 1, result.stdout + result.stderr
        message = result.stderr.strip()
        assert message.startswith("Cannot save:"), message
        assert f"data folder {data}" in message
        assert "you do not have permission" in message
        assert "--home" in message and "permissions" in message  # what to do
        assert result.stdout == ""
        assert _tree(home) == before  # nothing written, not even a log line
    data.chmod(0o755)
    assert _counts(home, env) == before_counts


@pytest.mark.keyring
def test_the_keyring_locked_between_runs_stops_the_sync_with_unlock_advice(
    home: str, demo_store: DemoStore, secret_service: dict[str, str], request: pytest.FixtureRequest
) -> None:
    _connect(home, demo_store, secret_service)
    demo_store.catalog.update_product(demo_store.catalog.product_ids()[0], name="Changed while locked")
    before = _counts(home, secret_service)
    database = Path(home) / "data" / "backorder.db"

    request.getfixturevalue("locked_keyring")  # locked after the connect, until the test ends
    synced = run_cli(home, "sync", env=secret_service)

    assert synced.code == 1, synced.stdout + synced.stderr
    last = synced.stderr.strip().splitlines()[-1]
    assert last.startswith("Keyring locked:"), synced.stderr
    assert "unlock" in last.lower()
    assert demo_store.catalog.product_ids()  # the store is still there; only the keyring refused
    assert _counts(home, secret_service) == before
    assert database.exists()


@pytest.mark.keyring
@pytest.mark.parametrize("gone", ["no_keyring_backend", "no_dbus_session"])
def test_the_keyring_gone_between_runs_says_what_to_do_and_the_token_variable_works_once(
    home: str,
    demo_store: DemoStore,
    secret_service: dict[str, str],
    request: pytest.FixtureRequest,
    gone: str,
) -> None:
    _connect(home, demo_store, secret_service)
    before = _counts(home, secret_service)

    without_keyring: dict[str, str] = request.getfixturevalue(gone)
    synced = run_cli(home, "sync", env=without_keyring)

    assert synced.code == 1, synced.stdout + synced.stderr
    last = synced.stderr.strip().splitlines()[-1]
    assert last.startswith("No keyring available:"), synced.stderr
    assert "install and start a Secret Service" in last
    assert "session-only" in last
    assert _counts(home, without_keyring) == before

    # The token in the environment does for one run what the keyring did.
    with_token = run_cli(home, "sync", env={**without_keyring, "BACKORDER_DESKTOP_TOKEN": demo_store.token})
    assert with_token.code == 0, with_token.stderr
    after = _counts(home, without_keyring)
    assert after["last_manual_sync"] != before["last_manual_sync"]
    assert {k: v for k, v in after.items() if k != "last_manual_sync"} == {
        k: v for k, v in before.items() if k != "last_manual_sync"
    }
