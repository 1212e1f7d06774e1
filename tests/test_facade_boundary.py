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
