"""What the team tests that drive the real command share: a keyring emptied around each test, a
command that must succeed, and the database URL with a password in it."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import pytest

from tests.fixtures_keyring import purge_keyring
from tests.integration.cli_runner import Result


@pytest.fixture(autouse=True)
def keyring_emptied(secret_service: dict[str, str]) -> Iterator[None]:
    """Each test starts with no entry of this app in the session's keyring and leaves none (autouse
    in a module that imports it)."""
    purge_keyring()
    yield
    purge_keyring()


def ok(result: Result) -> Result:
    assert result.code == 0, result.stderr
    return result


def with_password(url: str, password: str) -> str:
    """The fixture's URL with ``password`` (the test server trusts its socket and ignores it)."""
    parts = urlsplit(url)
    user, _, host = parts.netloc.rpartition("@")
    return urlunsplit((parts.scheme, f"{user}:{password}@{host}", parts.path, parts.query, ""))
