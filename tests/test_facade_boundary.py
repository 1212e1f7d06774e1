"""The window and the command line are faces of the ``Profile`` facade: they call its methods and
never reach past it into the services it wires (``Profile.parts``, for tests and benchmarks)."""

from __future__ import annotations

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


def test_core_messages_name_no_front_end() -> None:
    """The services and adapters say what is wrong; the words for what to do are the front ends'."""
    core = [*(PACKAGE / "services").rglob("*.py"), *(PACKAGE / "domain").rglob("*.py")]
    core += [PACKAGE / "adapters" / "storage" / "stock_mixin.py"]
    naming = [
        f"{path.relative_to(PACKAGE)}:{n}"
        for path in core
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"backorder-desktop (connect|assign|products|settings|outbox)|--push-outbox", line)
    ]
    assert not naming, naming


def test_the_window_describes_an_error_with_its_remedy() -> None:
    from backorder_desktop.domain.errors import NotConnected
    from backorder_desktop.domain.errors import Remedy
    from backorder_desktop.ui.error_router import REMEDIES
    from backorder_desktop.ui.error_router import describe

    title, message = describe(NotConnected("Connect a store first.", remedy=Remedy.CONNECT))
    assert title == "No store connected"
    assert message == f"Connect a store first.\n\n{REMEDIES[Remedy.CONNECT]}"
