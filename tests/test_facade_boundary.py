"""The window and the command line are faces of the ``Profile`` facade: they call its methods and
never reach past it into the services it wires (``Profile.parts``, for tests and benchmarks)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "backorder_desktop"
FRONT_ENDS = sorted([*(PACKAGE / "ui").rglob("*.py"), *(PACKAGE / "cli").rglob("*.py")])


@pytest.mark.parametrize("path", FRONT_ENDS, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_front_ends_never_reach_past_the_facade(path: Path) -> None:
    reaching = [
        f"{n}: {line.strip()}"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\.parts\b", line)
    ]
    assert not reaching, "use a Profile method instead of its parts:\n" + "\n".join(reaching)


def test_the_front_ends_were_found() -> None:
    names = {p.name for p in FRONT_ENDS}
    assert {"controller.py", "main.py", "common.py"} <= names


# --- remedies: what to do, in each front end's own words ---------------------------------------


def test_every_remedy_has_words_in_the_window_and_on_the_command_line() -> None:
    from backorder_desktop.cli.common import REMEDIES as CLI_WORDS
    from backorder_desktop.domain.errors import Remedy
    from backorder_desktop.ui.error_router import REMEDIES as WINDOW_WORDS

    assert set(CLI_WORDS) == set(Remedy) == set(WINDOW_WORDS)
    assert all("backorder-desktop" in CLI_WORDS[r] or "--" in CLI_WORDS[r] for r in Remedy)
    assert not [r for r in Remedy if "backorder-desktop" in WINDOW_WORDS[r] or "--" in WINDOW_WORDS[r]]


# Words in a core message that belong to one front end: a command or flag of the command line,
# the window's Settings page, or a promise that something retries (true of automatic updates only).
FRONT_END_WORDS = re.compile(
    r"`backorder-desktop|backorder-desktop [a-z]"
    r"|(^|[\s(`])--[a-z]"
    r"|\bin Settings\b"
    r"|will (try again|retry)|next (pull|sync|run) will|start the app again|session-only option",
)
CORE = sorted(
    path for path in PACKAGE.rglob("*.py") if path.relative_to(PACKAGE).parts[0] not in ("cli", "ui", "demo")
)


def message_texts(source: str) -> list[tuple[int, str]]:
    """Every string literal of a module that can end up in a message (f-string parts too), with its
    line: docstrings and other bare string statements are documentation, not messages."""
    tree = ast.parse(source)
    bare = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in bare
    ]


def test_core_messages_name_no_front_end() -> None:
    """The services, adapters and domain say what is wrong; the words for what to do are the front
    ends' (an error's ``remedy``, which the command line and the window each put in their words)."""
    naming = [
        f"{path.relative_to(PACKAGE)}:{line}: {text.strip()[:80]}"
        for path in CORE
        for line, text in message_texts(path.read_text(encoding="utf-8"))
        if FRONT_END_WORDS.search(text)
    ]
    assert not naming, "\n".join(naming)


@pytest.mark.parametrize(
    "text",
    [
        "Reconnect with a valid token: `backorder-desktop connect`.",
        "run backorder-desktop feed credential in a terminal",
        "Choose a folder you can write to with --home DIR, then start the app again.",
        "Use another profile folder (--home) for a second store.",
        "The feed's server had a problem; the next pull will try again.",
        "Enter the feed's password or key in Settings; nothing was changed.",
    ],
)
def test_the_core_message_check_catches_front_end_words(text: str) -> None:
    source = f"def fail():\n    raise ValueError(f'{{1}} ' + {text!r})\n"
    assert [found for _, found in message_texts(source) if FRONT_END_WORDS.search(found)]


def test_the_core_message_check_reads_the_adapters_too() -> None:
    names = {str(path.relative_to(PACKAGE)) for path in CORE}
    assert {"adapters/paths.py", "adapters/erp/feed_client.py", "adapters/bigcommerce/errors.py"} <= names
    assert {"domain/settings.py", "services/feed.py", "app.py"} <= names
    assert not [name for name in names if name.startswith(("cli/", "ui/", "demo/"))]


def test_the_window_describes_an_error_with_its_remedy() -> None:
    from backorder_desktop.domain.errors import NotConnected
    from backorder_desktop.domain.errors import Remedy
    from backorder_desktop.ui.error_router import REMEDIES
    from backorder_desktop.ui.error_router import describe

    title, message = describe(NotConnected("Connect a store first.", remedy=Remedy.CONNECT))
    assert title == "No store connected"
    assert message == f"Connect a store first.\n\n{REMEDIES[Remedy.CONNECT]}"
