"""The Help menu: the README's sections, the log and the About box.

The README is opened where this copy has it (a source checkout, or a bundle that ships it), at the
section's anchor; in a copy without it the entries say so and stay disabled. The anchors are the
README headings' GitHub-style slugs; a test keeps ``README_SECTIONS`` equal to the README's headings.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMenu
from PySide6.QtWidgets import QWidget

NO_README = "This copy of BackOrder Desktop has no README file"
README_SECTIONS = (
    "Two commands",
    "Using it from the command line",
    "The demo store",
    "Benchmarks",
    "More",
)


def readme_path() -> Path | None:
    """The README of this copy: beside a frozen bundle's files, or at the source checkout's root."""
    candidates = []
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        candidates.append(Path(frozen_root) / "README.md")
    candidates.append(Path(__file__).resolve().parents[2] / "README.md")
    return next((path for path in candidates if path.is_file()), None)


def anchor(heading: str) -> str:
    """GitHub's slug of a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def section_url(heading: str, readme: Path) -> QUrl:
    url = QUrl.fromLocalFile(str(readme))
    url.setFragment(anchor(heading))
    return url


def build_help_menu(parent: QWidget, extra: list[QAction]) -> QMenu:
    """The README's sections, then ``extra`` (the log, About)."""
    menu = QMenu("Help", parent)
    menu.setObjectName("help_menu")
    readme = readme_path()
    for heading in README_SECTIONS:
        action = QAction(f"README: {heading}", menu)
        if readme is None:
            action.setEnabled(False)
            action.setToolTip(NO_README)
        else:
            url = section_url(heading, readme)
            action.setData(url)
            action.setToolTip(url.toString())
            action.triggered.connect(lambda _checked=False, url=url: QDesktopServices.openUrl(url))
        menu.addAction(action)
    menu.addSeparator()
    for action in extra:
        menu.addAction(action)
    return menu
