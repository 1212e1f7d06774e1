"""The command line says what to do in its own words: a refused token, an unusable profile folder,
a feed the server failed to send, a feed address with a key in it and a second store each end
with the command (or flag) to use, and no message promises a retry a one-off command will not make."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest

from backorder_desktop.cli.common import REMEDIES
from backorder_desktop.demo.server import DemoStore
from backorder_desktop.domain.errors import Remedy
from backorder_desktop.services.profile import Profile
from tests.integration.cli_runner import run_cli
from tests.integration.support import synced_store
from tests.integration.test_feed import FeedServer

MakeStore = Callable[..., DemoStore]
MakeContext = Callable[..., Profile]


@pytest.fixture
def synced(make_demo_store: MakeStore, make_context: MakeContext) -> tuple[DemoStore, dict[str, str]]:
    """A store synced into the profile, and the environment that gives commands its token."""
    return synced_store(make_demo_store, make_context)


@pytest.fixture
def feed(home: str, synced: tuple[DemoStore, dict[str, str]]) -> Iterator[tuple[FeedServer, dict[str, str]]]:
    """The profile in api mode, pulling from a loopback feed the test sets the reply of."""
    server = FeedServer()
    env = synced[1]
    assert run_cli(home, "settings", "set", "inventory-source", "api", env=env).code == 0
    assert run_cli(home, "settings", "set", "feed-url", server.url, env=env).code == 0
    yield server, env
    server.stop()


def _one_line(text: str) -> str:
    return text.replace("\n", " ")


def test_a_refused_token_says_to_connect_again_with_the_command(
    home: str, synced: tuple[DemoStore, dict[str, str]]
) -> None:
    result = run_cli(home, "sync", env={"BACKORDER_DESKTOP_TOKEN": "not-the-token"})

    assert result.code == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("BigCommerce refused the token:")
    assert last.endswith(REMEDIES[Remedy.RECONNECT])
    assert last.count("backorder-desktop connect") == 1


def test_a_profile_folder_in_the_way_names_the_flag_not_a_restart(home: str) -> None:
    Path(home).mkdir(parents=True, exist_ok=True)
    (Path(home) / "logs").write_text("a file where the log folder goes")

    result = run_cli(home, "status")

    assert result.code == 1
    assert "Cannot use" in result.stderr and "logs folder" in result.stderr
    assert REMEDIES[Remedy.OTHER_FOLDER] in _one_line(result.stderr)
    assert "start the app" not in result.stderr


def test_a_feed_server_error_in_a_one_off_pull_says_to_run_it_again(
    home: str, feed: tuple[FeedServer, dict[str, str]]
) -> None:
    server, env = feed
    server.status, server.body = 503, b"down for maintenance"

    result = run_cli(home, "feed", "pull", env=env)

    assert result.code == 1
    assert "answered HTTP 503" in result.stderr
    assert REMEDIES[Remedy.RETRY_LATER] in _one_line(result.stderr)
    assert "next pull" not in result.stderr and "will try again" not in result.stderr


def test_a_feed_that_wants_a_credential_names_the_command_that_keeps_it(
    home: str, feed: tuple[FeedServer, dict[str, str]]
) -> None:
    server, env = feed
    server.status = 401

    result = run_cli(home, "feed", "pull", env=env)

    assert result.code == 1
    assert "it needs a credential" in result.stderr
    assert REMEDIES[Remedy.SET_FEED_CREDENTIAL] in _one_line(result.stderr)
    assert "Settings" not in result.stderr  # the window's page


def test_a_feed_address_with_a_key_names_the_credential_command(home: str) -> None:
    result = run_cli(home, "settings", "set", "feed-url", "https://erp.example/stock.csv?api_key=k-1")

    assert result.code == 1
    assert REMEDIES[Remedy.SET_FEED_CREDENTIAL] in _one_line(result.stderr)
    assert result.stderr.count("backorder-desktop feed credential") == 1


def test_a_second_store_names_the_flag_for_another_profile(
    home: str, synced: tuple[DemoStore, dict[str, str]]
) -> None:
    store, env = synced

    result = run_cli(
        home,
        "connect",
        "--store-hash",
        "other1",
        "--api-url",
        store.api_url,
        stdin=store.token + "\n",
        env=env,
    )

    assert result.code == 1
    assert result.stderr.startswith("Another store is connected:")
    assert REMEDIES[Remedy.SECOND_STORE] in _one_line(result.stderr)
    assert "(--home)" not in result.stderr
