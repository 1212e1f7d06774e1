"""The crash dialog's copyable report masks secrets as the log does (issue 13): a registered one
(the feed credential, a token) and token-shaped values, in the message and in the traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication

from backorder_desktop.logging_setup import register_secret
from backorder_desktop.logging_setup import setup_logging
from backorder_desktop.ui.dialogs.crash_dialog import CrashDialog
from backorder_desktop.ui.error_router import ErrorRouter

pytestmark = pytest.mark.gui

PASSWORD = "correct horse battery"  # looks like no token: only its registration masks it
API_KEY = "ak_5f3e9c1d7b2a"


def _fail_with_secrets() -> None:
    try:
        raise PermissionError(f"the ERP refused {PASSWORD!r}")
    except PermissionError as exc:
        where = f"https://dana:{PASSWORD}@erp.example"
        raise RuntimeError(f"feed pull failed (api_key={API_KEY}, {where})") from exc


def test_the_copyable_crash_report_has_no_secret(qtbot, tmp_path: Path, expected_warnings) -> None:
    handles = setup_logging(tmp_path)
    router = ErrorRouter()
    router.log_dir = str(tmp_path)
    reports: list[str] = []
    router.crash_reported.connect(reports.append)
    try:
        register_secret(PASSWORD)  # as the feed service does when it reads the credential
        try:
            _fail_with_secrets()
        except RuntimeError:
            router.handle_uncaught(*sys.exc_info())
        dialog = next(d for d in router.open_dialogs() if isinstance(d, CrashDialog))
        dialog.copy_button.click()
        copied = QGuiApplication.clipboard().text()
        texts = [dialog.report, dialog.report_view.toPlainText(), copied, *reports]
        handles.flush()
        texts.append(handles.log_file.read_text(encoding="utf-8"))
        for open_dialog in router.open_dialogs():
            open_dialog.close()
    finally:
        handles.close()
    leaked = [i for i, text in enumerate(texts) for secret in (PASSWORD, API_KEY) if secret in text]
    assert leaked == []  # (first: a failing assert below would show the report)
    assert "PermissionError: the ERP refused '***'" in dialog.report  # the traceback is still there
    assert "RuntimeError: feed pull failed" in dialog.report and "_fail_with_secrets" in dialog.report
    assert len(reports) == 1 and [r.levelname for r in expected_warnings] == ["ERROR"]
