"""The Settings tab's "You and your team" box: this desktop's display name (every change it makes
names it), the team's shared database and who leads, and creating or joining a team.

The display name is part of the page's form (saved with Save); creating or joining is asked for by
``team_requested`` (``ui/team_flow.py`` carries it out) and its answer shown here.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QAbstractButton
from PySide6.QtWidgets import QGroupBox
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QLineEdit
from PySide6.QtWidgets import QMessageBox
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QWidget

from backorder_desktop.domain.errors import InvalidSetting
from backorder_desktop.domain.settings import DISPLAY_NAME_MAX
from backorder_desktop.domain.team_url import parse_team_url
from backorder_desktop.domain.team_url import with_password
from backorder_desktop.services.profile_team import TeamStatus
from backorder_desktop.ui.pages.settings_form import FIELD_WIDTH
from backorder_desktop.ui.pages.settings_form import form_layout
from backorder_desktop.ui.pages.settings_form import note
from backorder_desktop.ui.pages.settings_form import text_label

NO_TEAM = "Your data is on this computer only."
DEMO_NO_TEAM = "The demo store's data stays on this computer: connect your own store to share it with a team."
TEAM_URL_NOTE = (
    "The PostgreSQL database your team shares. A server on another computer needs ?sslmode=require "
    "at the end: the password and your data cross the network"
)
TEAM_PASSWORD_NOTE = "Kept in your keyring, never in a file"  # noqa: S105 (words, not a password)


class TeamSection(QGroupBox):
    """The display name field and the team's database; the page reads the name with its form."""

    team_requested = Signal(str, str)  # "create" or "join", the database address (its password in it)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("You and your team", parent)
        self.team_question: QMessageBox | None = None
        form = self.team_form = form_layout(self)
        self.display_name = QLineEdit()
        self.display_name.setObjectName("display_name")
        self.display_name.setMaxLength(DISPLAY_NAME_MAX)
        self.display_name.setMaximumWidth(FIELD_WIDTH)
        self.display_name.setPlaceholderText("e.g. Ana")
        form.addRow("Your name", self.display_name)
        form.addRow(note("Shown in the stock history beside every change made on this computer."))
        self.team_database = text_label(NO_TEAM)
        self.team_database.setObjectName("team_database")
        form.addRow(self.team_database)
        self.team_leader = text_label("")
        self.team_leader.setObjectName("team_leader")
        self.team_leader.setVisible(False)
        form.addRow(self.team_leader)
        self.team_url = QLineEdit()
        self.team_url.setObjectName("team_url")
        self.team_url.setPlaceholderText("postgresql://user@server/database?sslmode=require")
        self.team_url.setToolTip(TEAM_URL_NOTE)
        form.addRow("Team database", self.team_url)
        self.team_password = QLineEdit()
        self.team_password.setObjectName("team_password")
        self.team_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.team_password.setPlaceholderText(TEAM_PASSWORD_NOTE)
        self.team_password.setToolTip(TEAM_PASSWORD_NOTE)
        form.addRow("Password", self.team_password)
        row = QHBoxLayout()
        self.create_team_button = QPushButton("Create team…")
        self.create_team_button.setObjectName("create_team_button")
        self.create_team_button.setToolTip(
            "Move this computer's catalog, BackOrder products, stock history and settings into the "
            "empty database above, and use it from now on"
        )
        self.create_team_button.clicked.connect(lambda: self._ask_team("create"))
        self.join_team_button = QPushButton("Join team")
        self.join_team_button.setObjectName("join_team_button")
        self.join_team_button.setToolTip("Use the database of a team created on another computer")
        self.join_team_button.clicked.connect(lambda: self._ask_team("join"))
        row.addWidget(self.create_team_button)
        row.addWidget(self.join_team_button)
        row.addStretch(1)
        form.addRow("", row)
        self.team_result = text_label("")
        self.team_result.setObjectName("team_result")
        form.addRow(self.team_result)
        for field in (self.team_url, self.team_password):
            field.textChanged.connect(self._update_team_buttons)
        self._update_team_buttons()

    def show_team(self, status: TeamStatus, *, shareable: bool = True) -> None:
        """This desktop's display name and the team's database (never its password), and who leads.
        ``shareable`` False (the demo store's profile): no team can be created or joined from it."""
        self.display_name.setText(status.display_name)
        self.display_name.setToolTip(f"Your changes are recorded as {status.me}")
        if status.in_team:
            name = f"{status.team_name}: " if status.team_name else ""
            self.team_database.setText(f"Shared with your team: {name}{status.database}")
            self.team_leader.setText(f"Syncs run on the desktop that leads: {status.leader}")
        else:
            self.team_database.setText(NO_TEAM if shareable else DEMO_NO_TEAM)
            self.team_leader.setText("")
        self.team_leader.setVisible(status.in_team)
        for widget in (self.team_url, self.team_password, self.create_team_button, self.join_team_button):
            widget.setVisible(shareable and not status.in_team)
            label = self.team_form.labelForField(widget)
            if label is not None:
                label.setVisible(shareable and not status.in_team)

    def show_team_result(self, text: str) -> None:
        """What creating or joining the team did (or why not); the fields are ready again."""
        self.team_password.clear()
        self.team_result.setText(text)
        self._update_team_buttons()

    def _update_team_buttons(self, *_args: object) -> None:
        ready = bool(self.team_url.text().strip())
        self.create_team_button.setEnabled(ready)
        self.join_team_button.setEnabled(ready)

    def _ask_team(self, action: str) -> None:
        """Create asks first (it moves this computer's data); join goes at once."""
        url = self.team_url.text().strip()
        password = self.team_password.text() or None
        try:
            checked = parse_team_url(url)  # told here, before anything is asked or moved
        except InvalidSetting as exc:
            self.team_result.setText(exc.message)
            return
        address = with_password(checked.url, password) if password else url
        if action == "join":
            self._send_team(action, address)
            return
        box = self.team_question = QMessageBox(self)
        box.setObjectName("create_team_question")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Create a team?")
        box.setText(
            "Move this computer's catalog, BackOrder products, stock history, waiting changes, rules "
            "and settings into the team database, and use it from now on?"
        )
        box.setInformativeText(
            "Each table is counted on both sides before the move is kept. This computer's own file "
            "stays as it is."
        )
        move = box.addButton("Move and create", QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)

        def decided(button: QAbstractButton) -> None:
            self.team_question = None
            if button is move:
                self._send_team(action, address)

        box.buttonClicked.connect(decided)
        box.open()

    def _send_team(self, action: str, address: str) -> None:
        self.create_team_button.setEnabled(False)
        self.join_team_button.setEnabled(False)
        moving = "Moving your data into the team database…"
        self.team_result.setText(moving if action == "create" else "Joining the team…")
        self.team_requested.emit(action, address)
