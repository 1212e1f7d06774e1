"""The About box: version, the versions underneath, and where this profile keeps its things."""

from __future__ import annotations

import platform

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QDialog
from PySide6.QtWidgets import QDialogButtonBox
from PySide6.QtWidgets import QFormLayout
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from backorder_desktop import __version__
from backorder_desktop.services.profile import ProfileInfo
from backorder_desktop.ui import assets
from backorder_desktop.ui.dialogs.log_viewer import log_location


def about_facts(info: ProfileInfo | None, keyring_backend: str | None = None) -> list[tuple[str, str]]:
    """What the About box lists (also handy for support)."""
    facts = [
        ("Version", __version__),
        ("Python", platform.python_version()),
        ("Qt", f"{qVersion()} (PySide6 {pyside_version})"),
        ("System", platform.platform()),
    ]
    if info is not None:
        facts += [
            ("Profile folder", info.profile_dir),
            ("Database", info.database_path),
            ("Log", log_location(info.log_dir) or info.log_dir),
            ("Keyring", keyring_backend or "none available"),
        ]
    return facts


class AboutDialog(QDialog):
    def __init__(
        self, info: ProfileInfo | None, keyring_backend: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("about_dialog")
        self.setWindowTitle("About BackOrder Desktop")
        layout = QVBoxLayout(self)
        logo = QLabel()
        logo.setPixmap(assets.app_icon().pixmap(64, 64))
        logo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(logo)
        title = QLabel(f"<h3>BackOrder Desktop {__version__}</h3>")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(title)
        blurb = QLabel("A desktop companion for BigCommerce merchants who sell on backorder.")
        blurb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(blurb)
        form = QFormLayout()
        self.facts = about_facts(info, keyring_backend)
        for name, value in self.facts:
            label = QLabel(value)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
            form.addRow(f"{name}:", label)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
