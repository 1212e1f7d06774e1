"""Stock files and the feed test from the window: export, import with a preview first, Test feed.

Each is one call on the open ``Profile`` on a worker (the file is read or written there too), its
answer shown on the Settings page; an import is applied only after its preview is accepted.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from backorder_desktop.domain.errors import UserFacingError
from backorder_desktop.services.profile import ApplyReport
from backorder_desktop.services.profile import Profile
from backorder_desktop.ui.dialogs.import_dialog import ImportPreviewDialog
from backorder_desktop.ui.dialogs.import_dialog import apply_summary
from backorder_desktop.ui.error_router import describe
from backorder_desktop.ui.formatting import plural

if TYPE_CHECKING:
    from backorder_desktop.ui.controller import AppController

logger = logging.getLogger(__name__)


def _import(profile: Profile, path: str, *, apply: bool) -> ApplyReport:
    with Path(path).open("rb") as source:
        return profile.import_stock(source, apply=apply)


def _export(profile: Profile, path: str) -> int:
    """Writes the export; returns how many items it holds."""
    text = profile.export_stock()
    Path(path).write_text(text, encoding="utf-8", newline="")
    return max(0, len(text.splitlines()) - 1)


class StockFileFlow:
    """The Settings page's Import, Export and Test feed buttons, carried out on the profile."""

    def __init__(self, controller: AppController) -> None:
        self._c = controller
        self.preview_dialog: ImportPreviewDialog | None = None
        page = controller.window.settings
        page.export_requested.connect(self.export_to)
        page.import_requested.connect(self.preview_import)
        page.feed_test_requested.connect(self.test_feed)

    def export_to(self, path: str) -> None:
        c, profile = self._c, self._c.profile
        if profile is None:
            return
        page = c.window.settings
        page.set_files_result("Exporting…")
        c.runner.run_in_background(
            lambda: _export(profile, path),
            on_result=lambda count: page.set_files_result(
                f"Exported the stock of {plural(count, 'item')} to {path}."
            ),
            on_error=self._on_files_failed,
        )

    def preview_import(self, path: str) -> None:
        c, profile = self._c, self._c.profile
        if profile is None:
            return
        c.window.settings.set_files_result("Reading the file…")
        c.runner.run_in_background(
            lambda: _import(profile, path, apply=False),
            on_result=lambda report: self._show_preview(profile, path, report),
            on_error=self._on_files_failed,
        )

    def _show_preview(self, profile: Profile, path: str, report: ApplyReport) -> None:
        page = self._c.window.settings
        page.set_files_result(f"{Path(path).name}: {apply_summary(report)} Nothing changed yet.")
        dialog = self.preview_dialog = ImportPreviewDialog(report, path, self._c.window)

        def decided(result: int) -> None:
            self.preview_dialog = None
            dialog.deleteLater()
            if result and report.changes:
                self._apply_import(profile, path)

        dialog.finished.connect(decided)
        dialog.open()

    def _apply_import(self, profile: Profile, path: str) -> None:
        c = self._c
        page = c.window.settings
        page.set_files_result("Applying…")

        def applied(report: ApplyReport) -> None:
            logger.info("stock import from the window applied %s changes", len(report.changes))
            page.set_files_result(f"{Path(path).name}: {apply_summary(report)}")
            c.refresh_after_change()

        c.runner.run_in_background(
            lambda: _import(profile, path, apply=True), on_result=applied, on_error=self._on_files_failed
        )

    def _on_files_failed(self, error: BaseException) -> None:
        if isinstance(error, OSError):  # the file itself: not found, no permission, disk full
            reason = error.strerror or str(error)
            self._c.window.settings.set_files_result(f"The file could not be used: {reason}.")
            return
        self._c.window.settings.set_files_result("")
        self._c.router.route(error)

    def test_feed(self, feed_settings: Mapping[str, str], credential: str | None) -> None:
        c, profile = self._c, self._c.profile
        page = c.window.settings
        if profile is None:
            return

        def failed(error: BaseException) -> None:
            # A feed that cannot be read is told in its box, where its settings are; a bug of
            # ours still reaches the crash dialog.
            page.show_feed_problem(*describe(error))
            if not isinstance(error, UserFacingError):
                c.router.route(error)

        c.runner.run_in_background(
            lambda: profile.test_feed(feed_settings, credential=credential),
            on_result=page.show_feed_preview,
            on_error=failed,
        )
