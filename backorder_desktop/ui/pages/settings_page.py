"""The Settings tab: inventory source (three modes, one line each), schedules, the feed, start-up,
which notifications to show, stock files, and the team (its box is ``settings_team.py``: this
desktop's display name, the team's shared database, create or join).

The page only edits a form: ``save_requested`` carries the changed settings as text (the names of
``domain.settings``), and the window saves them through the profile on a worker, then shows what
was stored. Switching the mode while stock changes wait to be written asks first. Test feed,
Import and Export are asked for by signals too (``ui/stock_files.py`` carries them out) and their
answers shown here.
"""

from __future__ import annotations

import html
from datetime import time

from PySide6.QtCore import Qt
from PySide6.QtCore import QTime
from PySide6.QtCore import Signal
from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QAbstractButton
from PySide6.QtWidgets import QButtonGroup
from PySide6.QtWidgets import QCheckBox
from PySide6.QtWidgets import QComboBox
from PySide6.QtWidgets import QFileDialog
from PySide6.QtWidgets import QFrame
from PySide6.QtWidgets import QGridLayout
from PySide6.QtWidgets import QGroupBox
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QHeaderView
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QLineEdit
from PySide6.QtWidgets import QMessageBox
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QRadioButton
from PySide6.QtWidgets import QScrollArea
from PySide6.QtWidgets import QSpinBox
from PySide6.QtWidgets import QTableWidget
from PySide6.QtWidgets import QTableWidgetItem
from PySide6.QtWidgets import QTimeEdit
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from backorder_desktop.domain.models import InventorySource
from backorder_desktop.domain.notifications import NotificationKind
from backorder_desktop.domain.product_writes import BACKORDER_METHOD
from backorder_desktop.domain.product_writes import BackorderMethod
from backorder_desktop.domain.product_writes import MethodSwitch
from backorder_desktop.domain.settings import DISPLAY_NAME
from backorder_desktop.domain.settings import FEED_MAX_MINUTES
from backorder_desktop.domain.settings import FEED_MIN_MINUTES
from backorder_desktop.domain.settings import POLLING_MAX_MINUTES
from backorder_desktop.domain.settings import POLLING_MIN_MINUTES
from backorder_desktop.domain.settings import FeedFormat
from backorder_desktop.domain.settings import Settings
from backorder_desktop.domain.settings import to_text
from backorder_desktop.domain.stock import OutboxChoice
from backorder_desktop.services.profile import FeedPreview
from backorder_desktop.services.profile_team import TeamStatus
from backorder_desktop.ui.dialogs.import_dialog import skipped_counts
from backorder_desktop.ui.dialogs.import_dialog import skipped_lines
from backorder_desktop.ui.formatting import MODE_EXPLANATIONS
from backorder_desktop.ui.formatting import MODE_TITLES
from backorder_desktop.ui.formatting import format_count
from backorder_desktop.ui.formatting import plural
from backorder_desktop.ui.pages.settings_form import FIELD_WIDTH
from backorder_desktop.ui.pages.settings_form import SHORT_FIELD_WIDTH
from backorder_desktop.ui.pages.settings_form import form_layout
from backorder_desktop.ui.pages.settings_form import note
from backorder_desktop.ui.pages.settings_form import notify_changes
from backorder_desktop.ui.pages.settings_form import text_label
from backorder_desktop.ui.pages.settings_team import NO_TEAM as NO_TEAM  # where the tests have read it
from backorder_desktop.ui.pages.settings_team import TeamSection

FEED_CREDENTIAL_NOTE = "Kept in your keyring, never in a file; leave empty to keep the one saved"
BIGCOMMERCE_NOTE = (
    "Edit the stock of BackOrder products in Products: double-click a stock cell, or select a "
    "product and use its variants below the table. Changes made offline wait and are written to "
    "BigCommerce with the next sync; a product with a waiting change is marked."
)
STOCK_FILES_NOTE = (
    "Export the stock of BackOrder products to a CSV file for a spreadsheet, or import a CSV of "
    "sku,quantity: the changes are shown before anything is applied."
)
FEED_TEST_SETTINGS = ("feed-url", "feed-format", "feed-sku-field", "feed-quantity-field")
PREVIEW_HEADERS = ("Line", "SKU", "In the feed", "Stock now")


class SettingsPage(QWidget):
    """A form over ``Settings``; the window loads and saves it.

    Laid out in two columns: where stock comes from (the mode, then the fields of that mode), then
    you and your team, on the left; how often the app updates, selling on backorder,
    notifications and stock files on the right. The mode's fields are short, so the team's box
    shows without scrolling at the window's default size."""

    save_requested = Signal(object, object, object)  # {name: text}, OutboxChoice or None, credential or None
    feed_test_requested = Signal(object, object)  # the form's feed settings {name: text}, credential or None
    export_requested = Signal(str)  # the file to write
    import_requested = Signal(str)  # the file to read
    method_preview_requested = Signal(object)  # the changes {name: text}, the backorder method among them
    team_requested = Signal(str, str)  # "create" or "join", the database address (its password in it)
    settings_shown = Signal()  # the form was filled from stored settings (the team's part is read apart)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settings_page")
        self._loaded = Settings()
        self._loaded_display_name = ""
        self._pending_changes = 0
        self.mode_question: QMessageBox | None = None
        self.method_question: QMessageBox | None = None
        self.file_dialog: QFileDialog | None = None
        outer = QVBoxLayout(self)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        grid = QGridLayout(body)
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(12)
        left = QVBoxLayout()
        left.addWidget(self._build_modes())
        left.addWidget(self._build_bigcommerce())
        left.addWidget(self._build_erp())
        left.addWidget(self._build_feed())
        left.addWidget(self._build_team())
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self._build_general())
        right.addWidget(self._build_backorders())
        right.addWidget(self._build_notifications())
        right.addWidget(self._build_files())
        right.addStretch(1)
        grid.addLayout(left, 0, 0)
        grid.addLayout(right, 0, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        scroll.setWidget(body)
        outer.addWidget(scroll)
        buttons = QHBoxLayout()
        self.status_label = QLabel("")
        self.status_label.setObjectName("settings_status")
        self.status_label.setWordWrap(True)
        buttons.addWidget(self.status_label, 1)
        self.revert_button = QPushButton("Revert")
        self.revert_button.clicked.connect(lambda: self.show_settings(self._loaded))
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("save_settings_button")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        outer.addLayout(buttons)
        self.show_settings(Settings())

    # --- building ---------------------------------------------------------------------------

    def _build_modes(self) -> QGroupBox:
        box = QGroupBox("Inventory source: who owns the stock of BackOrder products")
        layout = QVBoxLayout(box)
        layout.setSpacing(2)
        self.mode_group = QButtonGroup(self)
        self.mode_buttons: dict[InventorySource, QRadioButton] = {}
        for mode in InventorySource:
            button = QRadioButton(MODE_TITLES[mode])
            button.setObjectName(f"mode_{mode.value}")
            button.setToolTip(MODE_EXPLANATIONS[mode])
            explanation = note(MODE_EXPLANATIONS[mode])
            explanation.setIndent(24)
            explanation.setContentsMargins(0, 0, 0, 6)
            self.mode_group.addButton(button)
            self.mode_buttons[mode] = button
            layout.addWidget(button)
            layout.addWidget(explanation)
        self.mode_group.buttonToggled.connect(self._on_mode_group_button_toggled)
        return box

    def _build_bigcommerce(self) -> QGroupBox:
        box = self.bigcommerce_box = QGroupBox("Manage inventory in BigCommerce")
        layout = QVBoxLayout(box)
        layout.addWidget(text_label(BIGCOMMERCE_NOTE))
        return box

    def _build_erp(self) -> QGroupBox:
        box = self.erp_box = QGroupBox("Manage inventory in ERP")
        form = form_layout(box)
        self.daily_time = QTimeEdit()
        self.daily_time.setObjectName("daily_sync_time")
        self.daily_time.setDisplayFormat("HH:mm")
        self.daily_time.setFixedWidth(SHORT_FIELD_WIDTH)
        form.addRow("Daily full sync at", self.daily_time)
        self.erp_name = QLineEdit()
        self.erp_name.setObjectName("erp_name")
        self.erp_name.setMaxLength(200)
        self.erp_name.setMaximumWidth(FIELD_WIDTH)
        self.erp_name.setPlaceholderText("e.g. Odoo, NetSuite, SAP Business One")
        form.addRow("ERP name", self.erp_name)
        form.addRow("", note("For your reference only: it changes nothing in how data syncs."))
        notify_changes(self.daily_time, self._update_buttons)
        notify_changes(self.erp_name, self._update_buttons)
        return box

    def _build_feed(self) -> QGroupBox:
        box = self.feed_box = QGroupBox("Sync inventory via BackOrder API: your ERP's feed")
        form = form_layout(box)
        self.feed_url = QLineEdit()
        self.feed_url.setObjectName("feed_url")
        self.feed_url.setPlaceholderText("https://erp.example.com/stock.csv")
        form.addRow("Feed address", self.feed_url)
        self.feed_credential = QLineEdit()
        self.feed_credential.setObjectName("feed_credential")
        self.feed_credential.setEchoMode(QLineEdit.EchoMode.Password)
        self.feed_credential.setToolTip(FEED_CREDENTIAL_NOTE)
        self.feed_credential.setPlaceholderText(FEED_CREDENTIAL_NOTE)
        form.addRow("Password or key", self.feed_credential)
        self.feed_format = QComboBox()
        self.feed_format.addItems([f.upper() for f in FeedFormat.ALL])
        self.feed_format.setFixedWidth(SHORT_FIELD_WIDTH)
        form.addRow("Format", self.feed_format)
        self.feed_sku_field = QLineEdit()
        self.feed_sku_field.setFixedWidth(SHORT_FIELD_WIDTH)
        form.addRow("SKU column", self.feed_sku_field)
        self.feed_quantity_field = QLineEdit()
        self.feed_quantity_field.setFixedWidth(SHORT_FIELD_WIDTH)
        form.addRow("Quantity column", self.feed_quantity_field)
        self.feed_interval = QSpinBox()
        self.feed_interval.setRange(FEED_MIN_MINUTES, FEED_MAX_MINUTES)
        self.feed_interval.setSuffix(" minutes")
        self.feed_interval.setFixedWidth(SHORT_FIELD_WIDTH)
        form.addRow("Pull the feed every", self.feed_interval)
        test_row = QHBoxLayout()
        self.test_feed_button = QPushButton("Test feed")
        self.test_feed_button.setObjectName("test_feed_button")
        self.test_feed_button.setToolTip(
            "Fetch the feed with the settings above and show its first rows; nothing is changed"
        )
        self.test_feed_button.clicked.connect(self._on_test_feed_button_clicked)
        test_row.addWidget(self.test_feed_button)
        test_row.addStretch(1)
        form.addRow("", test_row)
        self.feed_result = text_label("")
        self.feed_result.setObjectName("feed_test_result")
        form.addRow(self.feed_result)
        self.feed_preview = QTableWidget(0, len(PREVIEW_HEADERS))
        self.feed_preview.setObjectName("feed_preview")
        self.feed_preview.setHorizontalHeaderLabels(list(PREVIEW_HEADERS))
        self.feed_preview.verticalHeader().setVisible(False)
        self.feed_preview.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.feed_preview.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.feed_preview.setVisible(False)
        form.addRow(self.feed_preview)
        feed_fields: list[QWidget] = [self.feed_url, self.feed_format, self.feed_sku_field]
        for widget in [*feed_fields, self.feed_quantity_field, self.feed_interval, self.feed_credential]:
            notify_changes(widget, self._update_buttons)
        return box

    def _build_team(self) -> TeamSection:
        team = self.team = TeamSection()
        team.team_requested.connect(self.team_requested)
        # the team's widgets, by the names the window's tests reach them
        self.display_name = team.display_name
        self.team_database = team.team_database
        self.team_url = team.team_url
        self.team_password = team.team_password
        self.create_team_button = team.create_team_button
        self.team_result = team.team_result
        notify_changes(self.display_name, self._update_buttons)
        return team

    def _build_general(self) -> QGroupBox:
        box = QGroupBox("Updates and start-up")
        form = form_layout(box)
        self.polling = QSpinBox()
        self.polling.setObjectName("polling_interval")
        self.polling.setRange(POLLING_MIN_MINUTES, POLLING_MAX_MINUTES)
        self.polling.setSuffix(" minutes")
        self.polling.setFixedWidth(SHORT_FIELD_WIDTH)
        form.addRow("Check BigCommerce every", self.polling)
        form.addRow(note("Changes made in BigCommerce reach this app within this time."))
        self.start_minimised = QCheckBox("Start minimised to the tray")
        self.start_minimised.setObjectName("start_minimised")
        form.addRow("", self.start_minimised)
        notify_changes(self.polling, self._update_buttons)
        notify_changes(self.start_minimised, self._update_buttons)
        return box

    def _build_backorders(self) -> QGroupBox:
        box = QGroupBox("Selling on backorder")
        form = form_layout(box)
        self.backorder_method = QComboBox()
        self.backorder_method.setObjectName("backorder_method")
        for method, label in _METHOD_LABELS.items():
            self.backorder_method.addItem(label, method.value)
        form.addRow("Method", self.backorder_method)
        form.addRow(note("Switching moves every BackOrder product in BigCommerce; you see what first."))
        notify_changes(self.backorder_method, self._update_buttons)
        return box

    def _build_notifications(self) -> QGroupBox:
        box = QGroupBox("Notifications")
        layout = QVBoxLayout(box)
        layout.setSpacing(2)
        layout.addWidget(note("Shown from the tray, and listed in the status bar's details, when:"))
        self.notify_boxes: dict[NotificationKind, QCheckBox] = {}
        for kind in NotificationKind:
            check = QCheckBox(kind.label)
            check.setObjectName(f"notify_{kind.value}")
            self.notify_boxes[kind] = check
            layout.addWidget(check)
            notify_changes(check, self._update_buttons)
        return box

    def _build_files(self) -> QGroupBox:
        box = QGroupBox("Stock files")
        layout = QVBoxLayout(box)
        layout.addWidget(text_label(STOCK_FILES_NOTE))
        row = QHBoxLayout()
        self.import_button = QPushButton("Import stock…")
        self.import_button.setObjectName("import_stock_button")
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.export_button = QPushButton("Export stock…")
        self.export_button.setObjectName("export_stock_button")
        self.export_button.clicked.connect(self._on_export_button_clicked)
        row.addWidget(self.import_button)
        row.addWidget(self.export_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.files_result = text_label("")
        self.files_result.setObjectName("stock_files_result")
        layout.addWidget(self.files_result)
        return box

    # --- showing and reading ----------------------------------------------------------------

    def show_settings(self, settings: Settings) -> None:
        """Fill the form with stored settings (after loading or saving)."""
        self._loaded = settings
        self.mode_buttons[settings.inventory_source].setChecked(True)
        self.daily_time.setTime(QTime(settings.daily_sync_time.hour, settings.daily_sync_time.minute))
        self.erp_name.setText(settings.erp_name)
        self.feed_url.setText(settings.feed_url)
        self.feed_format.setCurrentIndex(max(0, list(FeedFormat.ALL).index(settings.feed_format)))
        self.feed_sku_field.setText(settings.feed_sku_field)
        self.feed_quantity_field.setText(settings.feed_quantity_field)
        self.feed_interval.setValue(settings.feed_interval_minutes)
        self.polling.setValue(settings.polling_interval_minutes)
        self.start_minimised.setChecked(settings.start_minimised)
        self.backorder_method.setCurrentIndex(
            max(0, self.backorder_method.findData(settings.backorder_method.value))
        )
        shown = to_text(settings)
        for kind, check in self.notify_boxes.items():
            check.setChecked(shown[kind.setting] == "yes")
        self.feed_credential.clear()  # saved (or not): it is never shown again
        self._show_mode_fields()
        self._update_buttons()
        self.settings_shown.emit()

    @property
    def team_question(self) -> QMessageBox | None:
        return self.team.team_question

    def show_team(self, status: TeamStatus, *, shareable: bool = True) -> None:
        """This desktop's display name and the team's database (never its password), and who leads.
        ``shareable`` False (the demo store's profile): no team can be created or joined from it."""
        self._loaded_display_name = status.display_name
        self.team.show_team(status, shareable=shareable)
        self._update_buttons()

    def show_team_result(self, text: str) -> None:
        """What creating or joining the team did (or why not); the fields are ready again."""
        self.team.show_team_result(text)

    def selected_mode(self) -> InventorySource:
        for mode, button in self.mode_buttons.items():
            if button.isChecked():
                return mode
        return self._loaded.inventory_source

    def form_text(self) -> dict[str, str]:
        """The form as setting name → text (the language of ``catalog.set_setting``)."""
        daily = self.daily_time.time()
        return {
            "inventory-source": self.selected_mode().value,
            "daily-sync-time": time(daily.hour(), daily.minute()).strftime("%H:%M"),
            "erp-name": self.erp_name.text().strip(),
            "polling-interval": str(self.polling.value()),
            "feed-url": self.feed_url.text().strip(),
            "feed-format": self.feed_format.currentText().lower(),
            "feed-sku-field": self.feed_sku_field.text().strip(),
            "feed-quantity-field": self.feed_quantity_field.text().strip(),
            "feed-interval": str(self.feed_interval.value()),
            "start-minimised": "yes" if self.start_minimised.isChecked() else "no",
            BACKORDER_METHOD: str(self.backorder_method.currentData()),
            DISPLAY_NAME: " ".join(self.display_name.text().split()),
        } | {kind.setting: "yes" if check.isChecked() else "no" for kind, check in self.notify_boxes.items()}

    def changes(self) -> dict[str, str]:
        stored = to_text(self._loaded) | {DISPLAY_NAME: self._loaded_display_name}
        return {name: text for name, text in self.form_text().items() if stored.get(name) != text}

    def set_pending_changes(self, count: int) -> None:
        """How many stock changes wait to be written (the outbox)."""
        self._pending_changes = count

    def set_status(self, text: str) -> None:
        self.status_label.setText(text)

    # --- reactions --------------------------------------------------------------------------

    def _on_mode_group_button_toggled(self, _button: QAbstractButton, checked: bool) -> None:
        if checked:
            self._show_mode_fields()
            self._update_buttons()

    def _show_mode_fields(self) -> None:
        mode = self.selected_mode()
        self.bigcommerce_box.setVisible(mode is InventorySource.BIGCOMMERCE)
        self.erp_box.setVisible(mode is InventorySource.ERP)
        self.feed_box.setVisible(mode is InventorySource.API)

    def _update_buttons(self, *_args: object) -> None:
        dirty = bool(self.changes()) or bool(self.feed_credential.text().strip())
        self.save_button.setEnabled(dirty)
        self.revert_button.setEnabled(dirty)
        if dirty:
            self.status_label.setText("")

    def _on_save_button_clicked(self) -> None:
        changes = self.changes()
        if not changes and not self.new_feed_credential():
            return
        if "inventory-source" in changes and self._pending_changes > 0:
            self._ask_about_pending(changes)
            return
        if BACKORDER_METHOD in changes:  # the controller reads what it moves, then asks
            self.method_preview_requested.emit(changes)
            return
        self.save_requested.emit(changes, None, self.new_feed_credential())

    def ask_method_switch(self, switch: MethodSwitch, changes: dict[str, str]) -> None:
        """Switching the backorder method: what it changes in BigCommerce first, then Switch or
        Cancel; with writes waiting, write them (or discard the stock changes) first, or Cancel."""
        if not switch.changes:
            self.save_requested.emit(changes, None, self.new_feed_credential())
            return
        box = self.method_question = QMessageBox(self)
        box.setObjectName("method_switch_question")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Switch the backorder method?")
        box.setText(switch.summary())
        choices: dict[QAbstractButton, OutboxChoice | None] = {}
        if switch.blocked:
            box.setInformativeText(f"{switch.waiting()}: write them first, or cancel.")
            choices[box.addButton("Write them now and switch", QMessageBox.ButtonRole.AcceptRole)] = (
                OutboxChoice.PUSH
            )
            if switch.pending_stock:
                discard = box.addButton("Discard the stock changes", QMessageBox.ButtonRole.DestructiveRole)
                choices[discard] = OutboxChoice.DISCARD
        else:
            choices[box.addButton("Switch", QMessageBox.ButtonRole.AcceptRole)] = None
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)

        def decided(button: QAbstractButton) -> None:
            self.method_question = None
            if button in choices:
                self.save_requested.emit(changes, choices[button], self.new_feed_credential())
            else:
                self.backorder_method.setCurrentIndex(
                    self.backorder_method.findData(self._loaded.backorder_method.value)
                )

        box.buttonClicked.connect(decided)
        box.open()

    def _on_test_feed_button_clicked(self) -> None:
        form = self.form_text()
        feed = {name: form[name] for name in FEED_TEST_SETTINGS}
        self.test_feed_button.setEnabled(False)
        self.feed_preview.setVisible(False)
        self.feed_result.setText("Fetching the feed…")
        self.feed_test_requested.emit(feed, self.new_feed_credential())

    def show_feed_preview(self, preview: FeedPreview) -> None:
        """A feed test's answer: what a pull would do, and the feed's first rows."""
        self.test_feed_button.setEnabled(True)
        self.feed_result.setText(feed_preview_text(preview))
        rows = preview.first_rows
        self.feed_preview.setRowCount(len(rows))
        for index, row in enumerate(rows):
            now = format_count(row.current) if row.current is not None else "not a BackOrder SKU"
            cells = (str(row.line), row.sku, format_count(row.quantity), now)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column != 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.feed_preview.setItem(index, column, item)
        self.feed_preview.resizeColumnToContents(0)
        self.feed_preview.resizeColumnToContents(3)
        header = self.feed_preview.horizontalHeader().height()
        height = header + sum(self.feed_preview.rowHeight(r) for r in range(len(rows))) + 4
        self.feed_preview.setFixedHeight(height)
        self.feed_preview.setVisible(bool(rows))

    def show_feed_problem(self, title: str, message: str) -> None:
        """A feed test that failed: why, in the feed's box (the form stays as it is)."""
        self.test_feed_button.setEnabled(True)
        self.feed_preview.setVisible(False)
        self.feed_result.setText(f"<b>{title}</b><br>{message}".replace("\n", "<br>"))

    def _on_export_button_clicked(self) -> None:
        self._ask_for_file(
            "Export stock to a CSV file", QFileDialog.AcceptMode.AcceptSave, self.export_requested
        )

    def _on_import_button_clicked(self) -> None:
        self._ask_for_file(
            "Import stock from a CSV file", QFileDialog.AcceptMode.AcceptOpen, self.import_requested
        )

    def _ask_for_file(self, title: str, mode: QFileDialog.AcceptMode, chosen: SignalInstance) -> None:
        dialog = self.file_dialog = QFileDialog(self, title)
        dialog.setObjectName("stock_file_dialog")
        dialog.setAcceptMode(mode)
        dialog.setNameFilters(["CSV files (*.csv)", "All files (*)"])
        dialog.setDefaultSuffix("csv")
        if mode is QFileDialog.AcceptMode.AcceptOpen:
            dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(chosen.emit)
        dialog.open()

    def set_files_result(self, text: str) -> None:
        """What the last import or export did."""
        self.files_result.setText(text)

    def new_feed_credential(self) -> str | None:
        """The feed password or key typed in, to keep in the keyring; None when left empty."""
        return self.feed_credential.text().strip() or None

    def _ask_about_pending(self, changes: dict[str, str]) -> None:
        """Switching mode with stock changes waiting: write them, discard them, or cancel (§3)."""
        count = self._pending_changes
        box = self.mode_question = QMessageBox(self)
        box.setObjectName("mode_switch_question")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Stock changes are waiting")
        box.setText(
            f"{plural(count, 'stock change')} {'has' if count == 1 else 'have'} not been written to "
            "BigCommerce yet. What should happen to them before the inventory source changes?"
        )
        push = box.addButton("Write them now", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton(f"Discard {plural(count, 'change')}", QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)

        def decided(button: QAbstractButton) -> None:
            self.mode_question = None
            if button is push:
                self.save_requested.emit(changes, OutboxChoice.PUSH, self.new_feed_credential())
            elif button is discard:
                self.save_requested.emit(changes, OutboxChoice.DISCARD, self.new_feed_credential())
            else:
                self.mode_buttons[self._loaded.inventory_source].setChecked(True)

        box.buttonClicked.connect(decided)
        box.open()


_METHOD_LABELS = {
    BackorderMethod.APP: "This app (tracking off in BigCommerce)",
    BackorderMethod.NATIVE: "BigCommerce's own backorders (beta)",
}


def feed_preview_text(preview: FeedPreview) -> str:
    """``Read 1,204 rows: 12 changes a pull would make, 1,180 unchanged, 12 SKUs unknown.``, the
    skipped SKUs by why (as the command line lists them), and why a pull would be refused."""
    report = preview.report
    parts = [
        f"{plural(len(report.changes), 'change')} a pull would make",
        f"{format_count(report.unchanged)} unchanged",
    ]
    parts += skipped_counts(report)
    if report.problems:
        parts.append(f"{plural(len(report.problems), 'row')} with problems")
    text = f"Read {plural(report.rows, 'row')}: " + ", ".join(parts) + ". Nothing was changed."
    text += "".join(f"<br>{html.escape(line)}" for line in skipped_lines(report))
    if preview.refused:
        text += f"<br><b>A pull would be refused:</b> {preview.refused}"
    if preview.first_rows:
        text += f"<br>The first {plural(len(preview.first_rows), 'row')} as read:"
    return text
