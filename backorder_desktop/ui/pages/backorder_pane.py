"""The BackOrder pane beside the variants: the selected products' backorder rules, edited in bulk.

A limit, incoming units, an expected date and the shopper message for every item of the selection
(a product with stock per variant: each variant). With several items a field shows a value only
when they all share it; a field the merchant does not touch is not changed ("set the expected date
of these 40 products" leaves their limits alone), and the summary says what Apply will change on
how many items. Apply checks every touched field through the facade first and shows what is wrong
beside the field; the facade then changes the whole selection or nothing. With one product selected,
its stock chart is shown below the rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox
from PySide6.QtWidgets import QDateEdit
from PySide6.QtWidgets import QFormLayout
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QLineEdit
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from backorder_desktop.domain.backorder_rules import BackorderRule
from backorder_desktop.domain.backorder_rules import InvalidRule
from backorder_desktop.domain.backorder_rules import parse_units
from backorder_desktop.domain.backorder_rules import render_message
from backorder_desktop.services.profile import Profile
from backorder_desktop.services.profile import RulesReport
from backorder_desktop.services.profile import RuleView
from backorder_desktop.ui.formatting import plural
from backorder_desktop.ui.workers import BackgroundRunner

if TYPE_CHECKING:
    from backorder_desktop.ui.charts.stock_chart import StockChartPanel

FIELDS = ("limit", "incoming", "expected", "message")
FIELD_NAMES = {
    "limit": "limit",
    "incoming": "incoming units",
    "expected": "expected date",
    "message": "message",
}
MIXED = "Differs: leave to keep"
INVALID_STYLE = "border: 1px solid #c0392b;"
ERROR_STYLE = "color: #c0392b;"
PROMPT = "Select BackOrder products to set their limits, expected dates and message."

ProductIds = Callable[[Profile], list[int]]  # the selection's product ids, read on a worker


@dataclass(frozen=True, slots=True)
class _Loaded:
    refs: list[str]
    views: list[RuleView]
    default_message: str


class BackorderPane(QWidget):
    """Shows and edits the rules of the products the table has selected."""

    rules_changed = Signal()  # saved: the table's columns show the new rules
    message_posted = Signal(str)

    def __init__(self, runner: BackgroundRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("backorder_pane")
        self._runner = runner
        self._profile: Profile | None = None
        self._loaded: _Loaded | None = None
        self._generation = 0
        self._filling = False
        self.touched: set[str] = set()
        self.field_errors: dict[str, str] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        self.title = QLabel(PROMPT)
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        self.limit_edit = self._line("limit", "No limit")
        self.limit_edit.setToolTip("Units it may sell below zero; blank sells without a limit")
        form.addRow("Limit", self.limit_edit)
        self.incoming_edit = self._line("incoming", "0")
        self.incoming_edit.setToolTip("Units expected from the supplier")
        form.addRow("Incoming", self.incoming_edit)
        self.date_edit = QDateEdit()
        self.date_edit.setObjectName("expected_date")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.dateChanged.connect(self._on_date_edit_date_changed)
        self.no_date = QCheckBox("No date")
        self.no_date.setObjectName("no_date")
        self.no_date.toggled.connect(self._on_no_date_toggled)
        dates = QHBoxLayout()
        dates.addWidget(self.date_edit, 1)
        dates.addWidget(self.no_date)
        form.addRow("Expected", dates)
        self.message_edit = self._line("message", "")
        self.message_edit.setToolTip(
            "What shoppers read: {date} is the expected date, {incoming} the units coming"
        )
        form.addRow("Message", self.message_edit)
        self.preview = QLabel("")
        self.preview.setObjectName("backorder_preview")
        self.preview.setWordWrap(True)
        form.addRow("Shoppers read", self.preview)
        layout.addLayout(form)
        self.error_label = QLabel("")
        self.error_label.setObjectName("backorder_error")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.hide()
        layout.addWidget(self.error_label)
        self.summary = QLabel("")
        self.summary.setObjectName("backorder_summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        self.revert_button = QPushButton("Revert")
        self.revert_button.setObjectName("backorder_revert")
        self.revert_button.clicked.connect(self.revert)
        self.apply_button = QPushButton("Apply")
        self.apply_button.setObjectName("backorder_apply")
        self.apply_button.clicked.connect(self.apply)
        bottom.addWidget(self.revert_button)
        bottom.addWidget(self.apply_button)
        layout.addLayout(bottom)
        self._chart: StockChartPanel | None = None  # built when first shown: QtCharts loads then
        self._layout = layout
        self._chart_at = layout.count()
        layout.addStretch(1)
        self._lines = {"limit": self.limit_edit, "incoming": self.incoming_edit, "message": self.message_edit}
        self._editors: dict[str, QWidget] = {**self._lines, "expected": self.date_edit}
        self._show_state()

    def _line(self, name: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(f"backorder_{name}")
        edit.setPlaceholderText(placeholder)
        edit.textEdited.connect(lambda _text: self._touch(name))
        return edit

    # --- what is shown ------------------------------------------------------------------------

    def set_profile(self, profile: Profile | None) -> None:
        self._profile = profile
        self.show_selection(None)

    @property
    def item_count(self) -> int:
        return 0 if self._loaded is None else len(self._loaded.views)

    def is_loading(self) -> bool:
        return self._loading

    _loading = False
    _source: ProductIds | None = None

    def show_selection(self, product_ids: ProductIds | None) -> None:
        """Read the rules of the selection (None: nothing selected) on a worker and show them;
        edits not applied are dropped."""
        self._generation += 1
        generation, profile = self._generation, self._profile
        self._source = product_ids
        self._loaded = None
        self.touched.clear()
        self._clear_errors()
        self._show_chart(None)  # until the selection's rules say it is one BackOrder product
        if profile is None or product_ids is None:
            self.title.setText(PROMPT)
            self._show_state()
            return
        self._loading = True
        self.title.setText("Reading the backorder rules…")
        self._show_state()

        def load() -> _Loaded:
            refs = [str(pid) for pid in product_ids(profile)]
            return _Loaded(refs, profile.backorder_rules(refs), profile.settings().backorder_message)

        self._runner.run_in_background(
            load,
            on_result=lambda loaded: self._on_loaded(generation, loaded),
            on_error=lambda error: self._on_load_failed(generation, error),
            on_finished=lambda: self._load_finished(generation),
        )

    def _load_finished(self, generation: int) -> None:
        if generation == self._generation:
            self._loading = False

    def _on_loaded(self, generation: int, loaded: _Loaded) -> None:
        if generation != self._generation:
            return
        self._loaded = loaded
        count = len(loaded.views)
        products = plural(len(loaded.refs), "product")
        items = plural(count, "item")
        self.title.setText(
            f"<b>BackOrder rules</b> · {products}" + ("" if count == len(loaded.refs) else f", {items}")
        )
        self.message_edit.setPlaceholderText(loaded.default_message or "No message")
        self._fill()
        self._show_chart(int(loaded.refs[0]) if len(loaded.refs) == 1 else None)

    @property
    def chart(self) -> StockChartPanel:
        if self._chart is None:
            from backorder_desktop.ui.charts.stock_chart import StockChartPanel

            self._chart = StockChartPanel(self._runner, self)
            self._chart.hide()
            self._layout.insertWidget(self._chart_at, self._chart, 3)
        return self._chart

    def _show_chart(self, product_id: int | None) -> None:
        """One product selected: its stock chart below the rules (read on a worker)."""
        profile = self._profile
        if product_id is None or profile is None:
            if self._chart is not None:
                self._chart.show_product(None)
                self._chart.hide()
            return
        self.chart.show()
        self.chart.show_product(lambda variant_id: profile.stock_chart(product_id, variant_id))

    def _on_load_failed(self, generation: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        if not isinstance(error, InvalidRule):
            raise error
        self.title.setText("<b>BackOrder rules</b>")
        self._show_error(error.message)
        self._show_state()

    def _fill(self) -> None:
        """The loaded values: each field the items' shared value, or blank with "differs"."""
        self._filling = True
        try:
            rules = [view.rule for view in self._views]
            limit = _shared(rule.limit for rule in rules)
            self._set_line(self.limit_edit, limit, "No limit", lambda v: "" if v is None else str(v))
            incoming = _shared(rule.incoming for rule in rules)
            self._set_line(self.incoming_edit, incoming, "0", str)
            message = _shared(rule.message for rule in rules)
            placeholder = self._loaded.default_message if self._loaded is not None else ""
            self._set_line(self.message_edit, message, placeholder or "No message", str)
            expected = _shared(rule.expected for rule in rules)
            day = expected if isinstance(expected, date) else None
            self.date_edit.setDate(_qdate(day or date.today()))
            self.no_date.setChecked(expected is None)
            self.no_date.setText("No date" if expected is not _DIFFERS else "No date (dates differ)")
        finally:
            self._filling = False
        self._show_state()

    def _set_line(
        self, edit: QLineEdit, value: object, placeholder: str, text: Callable[[object], str]
    ) -> None:
        if value is _DIFFERS:
            edit.setText("")
            edit.setPlaceholderText(MIXED)
        else:
            edit.setText(text(value))
            edit.setPlaceholderText(placeholder)

    @property
    def _views(self) -> list[RuleView]:
        return [] if self._loaded is None else self._loaded.views

    # --- editing ------------------------------------------------------------------------------

    def _touch(self, name: str) -> None:
        if self._filling or self._loaded is None:
            return
        self.touched.add(name)
        self.field_errors.pop(name, None)
        self._mark(name, None)
        self._show_state()

    def _on_date_edit_date_changed(self, _day: QDate) -> None:
        if not self._filling:
            self._filling = True
            self.no_date.setChecked(False)  # a date picked is a date wanted
            self._filling = False
            self._touch("expected")

    def _on_no_date_toggled(self, _checked: bool) -> None:
        self.date_edit.setEnabled(not self.no_date.isChecked())
        self._touch("expected")

    def revert(self) -> None:
        """Back to the loaded values; nothing is changed."""
        self.touched.clear()
        self._clear_errors()
        self._fill()

    def edit_values(self) -> tuple[dict[str, object], list[str], dict[str, str]]:
        """The touched fields as ``set_backorder_rules`` takes them (values, fields to clear) and
        the ones that cannot be read (a limit that is not a number), by field."""
        values: dict[str, object] = {}
        clear: list[str] = []
        problems: dict[str, str] = {}
        for name in FIELDS:
            if name not in self.touched:
                continue
            if name == "expected":
                if self.no_date.isChecked():
                    clear.append(name)
                else:
                    values[name] = self.date_edit.date().toPython()
                continue
            text = self._lines[name].text().strip()
            if not text:
                clear.append(name)
            elif name == "message":
                values[name] = text
            else:
                try:
                    values[name] = parse_units(FIELD_NAMES[name], text)
                except InvalidRule as exc:
                    problems[name] = exc.message
        return values, clear, problems

    def apply(self) -> None:
        """Check the touched fields and change the whole selection, or show what is wrong."""
        profile, loaded = self._profile, self._loaded
        if profile is None or loaded is None or not self.touched:
            return
        values, clear, problems = self.edit_values()
        self._clear_errors()
        if problems:
            self._show_field_errors(problems)
            return
        generation = self._generation

        def work() -> dict[str, str] | RulesReport:
            found = profile.backorder_rule_problems(**values)
            if found:
                return found
            return profile.set_backorder_rules(loaded.refs, clear=clear, **values)

        self.apply_button.setEnabled(False)
        self._runner.run_in_background(
            work,
            on_result=lambda result: self._on_applied(generation, result),
            on_error=lambda error: self._on_apply_failed(generation, error),
        )

    def _on_applied(self, generation: int, result: dict[str, str] | RulesReport) -> None:
        if generation != self._generation:
            return
        if isinstance(result, dict):
            self._show_field_errors(result)
            return
        self.message_posted.emit(f"Backorder rules changed for {plural(len(result.changed), 'item')}.")
        self.rules_changed.emit()
        self.show_selection(self._source)

    def _on_apply_failed(self, generation: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        if not isinstance(error, InvalidRule):
            self._show_state()
            raise error
        self._show_error(error.message)
        self._show_state()

    # --- showing state ------------------------------------------------------------------------

    def _show_field_errors(self, problems: dict[str, str]) -> None:
        self.field_errors = dict(problems)
        for name, text in problems.items():
            self._mark(name, text)
        self._show_error("\n".join(f"{FIELD_NAMES[n].capitalize()}: {t}" for n, t in problems.items()))
        self._show_state()

    def _mark(self, name: str, problem: str | None) -> None:
        editor = self._editors[name]
        editor.setStyleSheet("" if problem is None else INVALID_STYLE)
        editor.setProperty("problem", problem or "")
        if problem is not None:
            editor.setToolTip(problem)

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    def _clear_errors(self) -> None:
        for name in list(self.field_errors):
            self._mark(name, None)
        self.field_errors = {}
        self._show_error("")

    def _show_state(self) -> None:
        ready = self._loaded is not None and bool(self._views)
        for editor in (self.limit_edit, self.incoming_edit, self.message_edit, self.no_date):
            editor.setEnabled(ready)
        self.date_edit.setEnabled(ready and not self.no_date.isChecked())
        self.apply_button.setEnabled(ready and bool(self.touched))
        self.revert_button.setEnabled(ready and bool(self.touched))
        self.summary.setText(self._summary() if ready else "")
        self.preview.setText(self._preview() if ready else "")

    def _summary(self) -> str:
        if not self.touched:
            return f"Edit a field to change it for {plural(len(self._views), 'item')}."
        names = [FIELD_NAMES[name] for name in FIELDS if name in self.touched]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return f"Apply changes the {listed} of {plural(len(self._views), 'item')}; other fields are kept."

    def _preview(self) -> str:
        """What shoppers of the first item read with the fields as they stand."""
        views, loaded = self._views, self._loaded
        if not views or loaded is None:
            return ""
        first = views[0]
        rule = first.rule
        values, clear, _ = self.edit_values()
        incoming = values.get("incoming", 0 if "incoming" in clear else rule.incoming)
        expected = values.get("expected", None if "expected" in clear else rule.expected)
        template = (
            str(values.get("message", "" if "message" in clear else rule.message)) or loaded.default_message
        )
        preview_rule = BackorderRule(
            incoming=incoming if isinstance(incoming, int) else rule.incoming,
            expected=expected if isinstance(expected, date) else None,
        )
        try:
            shown = render_message(template, preview_rule) if template else None
        except InvalidRule as exc:
            return f"(cannot be shown: {exc.message})"
        who = f" ({first.sku})" if len(views) > 1 else ""
        if shown is None:
            return (
                f"Nothing: the message needs an expected date{who}." if template else "Nothing: no message."
            )
        return f"“{shown}”{who}"


class _Differs:
    """Items of the selection that do not share a value."""


_DIFFERS = _Differs()


def _shared(values: object) -> object:
    """The one value every item has, or ``_DIFFERS``."""
    seen = list(dict.fromkeys(values))  # type: ignore[call-overload]
    return seen[0] if len(seen) == 1 else _DIFFERS


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)
