"""A computer without a keyring is not a dead end: the token can be kept for this session only
(``connect --session-only``; ``Profile.connect(remember=False)`` for the window), and a token
given with the store for one run works on a profile never connected. The token never reaches a
file, and nothing claims an option that does not exist."""

from __future__ import annotations

from pathlib import Path

from backorder_desktop.app import open_profile
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.services.profile import TokenSource
from tests.integration.cli_runner import connect_cli
from tests.integration.cli_runner import run_cli


def _one_run(store: DemoStore) -> dict[str, str]:
    return {
        "BACKORDER_DESKTOP_TOKEN": store.token,
        "BACKORDER_DESKTOP_STORE_HASH": store.store_hash,
        "BACKORDER_DESKTOP_API_URL": store.api_url,
    }


def _assert_nowhere(root: Path, token: str) -> None:
    files = [p for p in root.rglob("*") if p.is_file()]
    assert files
    assert [p for p in files if token.encode() in p.read_bytes()] == []


def test_without_a_keyring_connect_names_the_session_only_option_that_exists(
    home: str, demo_store: DemoStore, no_keyring_backend: dict[str, str]
) -> None:
    refused = connect_cli(home, demo_store, no_keyring_backend)

    assert refused.code == 1
    assert refused.stderr.startswith("No keyring available:")
    assert "`backorder-desktop connect --session-only`" in refused.stderr
    help_text = run_cli(home, "connect", "--help", env=no_keyring_backend).stdout
    assert "--session-only" in help_text


def test_connect_for_this_session_only_checks_the_token_and_saves_only_the_store(
    home: str, demo_store: DemoStore, no_keyring_backend: dict[str, str]
) -> None:
    connected = run_cli(
        home,
        "connect",
        "--store-hash",
        demo_store.store_hash,
        "--api-url",
        demo_store.api_url,
        "--session-only",
        env=no_keyring_backend,
        stdin=demo_store.token + "\n",
    )

    assert connected.code == 0, connected.stderr
    assert "The token is kept for this session only" in connected.stdout
    assert "BACKORDER_DESKTOP_TOKEN" in connected.stdout
    status = run_cli(home, "status", "--json", env=no_keyring_backend).json()
    assert (status["store_hash"], status["token"]) == (demo_store.store_hash, "keyring")
    later = run_cli(home, "sync", env={**no_keyring_backend, "BACKORDER_DESKTOP_TOKEN": demo_store.token})
    assert later.code == 0, later.stderr
    _assert_nowhere(Path(home), demo_store.token)


def test_a_token_and_store_given_for_one_run_sync_a_profile_never_connected(
    home: str, demo_store: DemoStore, no_keyring_backend: dict[str, str]
) -> None:
    env = {**no_keyring_backend, **_one_run(demo_store)}

    synced = run_cli(home, "--debug", "sync", env=env)

    assert synced.code == 0, synced.stderr
    assert "Full sync ok: 200 products seen" in synced.stdout
    status = run_cli(home, "status", "--json", env=env).json()
    assert (status["store_hash"], status["products"], status["token"]) == ("demo", 200, "run")
    _assert_nowhere(Path(home), demo_store.token)


def test_a_store_given_for_one_run_must_be_the_profiles_own(
    home: str, demo_store: DemoStore, no_keyring_backend: dict[str, str]
) -> None:
    env = {**no_keyring_backend, **_one_run(demo_store)}
    assert run_cli(home, "sync", env=env).code == 0

    other = run_cli(home, "sync", env={**env, "BACKORDER_DESKTOP_STORE_HASH": "otherstore"})

    assert other.code == 1
    assert other.stderr.startswith("Another store is connected:")


def test_the_facade_keeps_a_session_token_in_memory_for_the_window(
    home: str, demo_store: DemoStore, no_keyring_backend: dict[str, str]
) -> None:
    profile = open_profile(home)  # the window's way: the system keyring, here none
    try:
        report = profile.connect(demo_store.store_hash, demo_store.api_url, demo_store.token, remember=False)
        run = profile.sync(trigger=RunTrigger.CLI)
        status = profile.status()
    finally:
        profile.close()

    assert report.remembered is False
    assert "kept for this session only" in report.summary()
    assert run.counts.seen == 200
    assert status.token_source is TokenSource.SESSION
    _assert_nowhere(Path(home), demo_store.token)
