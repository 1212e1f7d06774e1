"""The import preview: what a stock file would change, before anything is applied.

The same facts the command line's ``import`` prints without ``--apply``: the rows read, each change
(SKU, stock now → in the file), the rows left unchanged, the SKUs skipped by why and the rows with
problems.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from PySide6.QtWidgets import QDialogButtonBox
from PySide6.QtWidgets import QHeaderView
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QTableWidget
from PySide6.QtWidgets import QTableWidgetItem
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.plurals import capped
from backorder_desktop.domain.plurals import counted
from backorder_desktop.services.profile import ApplyReport
from backorder_desktop.ui.error_router import REMEDIES
from backorder_desktop.ui.formatting import format_count
from backorder_desktop.ui.formatting import plural

SHOWN_SKUS = 20  # skipped SKUs named in the dialog; the rest are counted
SHOWN_INSTEAD = 3  # the variant SKUs named for a product whose stock is kept per variant
SHOWN_PROBLEMS = 50


def apply_summary(report: ApplyReport) -> str:
    """``Read 3 rows: 2 changes would be applied, 1 unchanged.`` (``… applied`` once applied)."""
    verb = "applied" if report.applied else "would be applied"
    changes = plural(len(report.changes), "change")
    return f"Read {plural(report.rows, 'row')}: {changes} {verb}, {format_count(report.unchanged)} unchanged."


def skipped_lines(report: ApplyReport) -> list[str]:
    """The rows that set no stock, kept apart by why as the command line keeps them, each kind
    counted and its SKUs named up to a cap ("and N more")."""
    kinds = [
        ("Unknown SKUs", report.unknown, ""),
        ("Not BackOrder products", report.not_backorder, f" {REMEDIES[Remedy.ASSIGN]}"),
        (
            "Stock kept per variant",
            [f"{e.sku} (use {capped(list(e.instead), SHOWN_INSTEAD)})" for e in report.per_variant],
            "",
        ),
        (
            "Stock kept for the whole product",
            [f"{e.sku} (use {e.instead[0]})" for e in report.whole_product],
            "",
        ),
        ("No stock tracked in BigCommerce", report.not_tracked, ""),
    ]
    return [
        f"{what} ({counted(len(skus), 'SKU')} skipped): {capped(skus, SHOWN_SKUS)}.{hint}"
        for what, skus, hint in kinds
        if skus
    ]


def skipped_counts(report: ApplyReport) -> list[str]:
    """How many rows set no stock, by why, in a few words each (a one-line summary's parts)."""
    kinds = [
        (len(report.not_backorder), "of products not in BackOrder"),
        (len(report.per_variant), "with stock kept per variant"),
        (len(report.whole_product), "with stock kept for the whole product"),
        (len(report.not_tracked), "not tracked in BigCommerce"),
    ]
    unknown = [counted(len(report.unknown), "unknown SKU")] if report.unknown else []
    return unknown + [f"{counted(count, 'SKU')} {what}" for count, what in kinds if count]


class ImportPreviewDialog(QDialog):
    """Shows an import's changes; accepted (``Apply``) means apply them."""

    def __init__(self, report: ApplyReport, path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("import_preview_dialog")
        self.setWindowTitle(f"Import stock from {Path(path).name}")
        self.resize(640, 480)
        layout = QVBoxLayout(self)
        self.summary_label = QLabel(apply_summary(report))
        self.summary_label.setObjectName("import_summary")
        self.summary_label.setWordWrap(True)
        layout.addWidget(self.summary_label)
        self.changes_table = QTableWidget(len(report.changes), 3)
        self.changes_table.setObjectName("import_changes")
        self.changes_table.setHorizontalHeaderLabels(["SKU", "Stock now", "In the file"])
        self.changes_table.verticalHeader().setVisible(False)
        self.changes_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.changes_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for row, change in enumerate(report.changes):
            cells = (change.item.sku, format_count(change.item.level), format_count(change.new_level))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.changes_table.setItem(row, column, item)
        self.changes_table.setVisible(bool(report.changes))
        layout.addWidget(self.changes_table, 1)
        notes = skipped_lines(report)
        notes += [f"{p.item}: {p.message}" for p in report.problems[:SHOWN_PROBLEMS]]
        if len(report.problems) > SHOWN_PROBLEMS:
            notes.append(f"and {plural(len(report.problems) - SHOWN_PROBLEMS, 'more problem')}")
        self.notes_label = QLabel("\n".join(notes))
        self.notes_label.setObjectName("import_notes")
        self.notes_label.setWordWrap(True)
        self.notes_label.setTextFormat(Qt.TextFormat.PlainText)  # SKUs and messages are not markup
        self.notes_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notes_label.setVisible(bool(notes))
        layout.addWidget(self.notes_label)
        buttons = QDialogButtonBox()
        self.apply_button = QPushButton(f"Apply {plural(len(report.changes), 'change')}")
        self.apply_button.setObjectName("apply_import_button")
        self.apply_button.setVisible(bool(report.changes))
        buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.AcceptRole)
        standard = QDialogButtonBox.StandardButton
        buttons.addButton(standard.Cancel if report.changes else standard.Close)
        self.apply_button.clicked.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
