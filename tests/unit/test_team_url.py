"""A team database's address: which are accepted, the password taken out of it and put back only
to connect, and the description that messages show (never the password)."""

from __future__ import annotations

import pytest

from backorder_desktop.domain.errors import InvalidSetting
from backorder_desktop.domain.settings import actor_label
from backorder_desktop.domain.settings import parse_display_name
from backorder_desktop.domain.team_url import describe_team
from backorder_desktop.domain.team_url import parse_team_url
from backorder_desktop.domain.team_url import with_password


@pytest.mark.parametrize(
    ("text", "url", "password"),
    [
        (
            "postgresql://ana:s%40cret@db.example.com/shop?sslmode=require",
            "postgresql://ana@db.example.com/shop?sslmode=require",
            "s@cret",
        ),
        ("postgres://ana@127.0.0.1:5433/shop?password=pw", "postgres://ana@127.0.0.1:5433/shop", "pw"),
        ("postgresql://ana@localhost/shop", "postgresql://ana@localhost/shop", None),
        ("postgresql://ana@[::1]/shop", "postgresql://ana@[::1]/shop", None),
        ("postgresql:///shop", "postgresql:///shop", None),  # the default local socket
        (
            "postgresql://postgres@/shop?host=%2Frun%2Fpg&port=5432",
            "postgresql://postgres@/shop?host=%2Frun%2Fpg&port=5432",
            None,
        ),
        (
            "postgresql://ana@db.example.com/shop?sslmode=verify-full",
            "postgresql://ana@db.example.com/shop?sslmode=verify-full",
            None,
        ),
    ],
)
def test_accepted_addresses_keep_everything_but_the_password(
    text: str, url: str, password: str | None
) -> None:
    parsed = parse_team_url(text)

    assert (parsed.url, parsed.password) == (url, password)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("postgresql://ana@db.example.com/shop", "sslmode=require"),
        ("postgresql://ana@db.example.com/shop?sslmode=prefer", "sslmode=require"),
        ("postgresql://ana@localhost/shop?host=db.example.com", "db.example.com"),  # remote, in the query
        ("mysql://ana@localhost/shop", "postgresql://"),
        ("postgresql://ana@localhost/", "names no database"),
        ("postgresql://ana@localhost:99999/shop", "not a database address"),
    ],
)
def test_refused_addresses_say_why(text: str, words: str) -> None:
    with pytest.raises(InvalidSetting) as refused:
        parse_team_url(text)

    assert words in refused.value.message


def test_the_password_is_put_back_only_to_connect_and_never_described() -> None:
    parsed = parse_team_url("postgresql://ana:pw%26x@db.example.com/shop?sslmode=require")
    connect = with_password(parsed.url, parsed.password)

    assert parse_team_url(connect) == parsed
    assert "pw" not in describe_team(connect)
    assert describe_team(connect) == "shop on db.example.com as ana"
    assert with_password(parsed.url, None) == parsed.url


def test_a_change_names_the_person_and_the_computer_user() -> None:
    assert actor_label(parse_display_name("  Ana   Lima "), "ana") == "Ana Lima (ana)"
    assert actor_label("", "ana") == "ana"
    assert actor_label("ana", "ana") == "ana"
    with pytest.raises(InvalidSetting):
        parse_display_name("x" * 61)
