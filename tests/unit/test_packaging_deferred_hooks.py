"""The frozen bundle's deferred run-time hooks (packaging/pyinstaller/runtime_hooks/rth_deferred_hooks.py).

A hook must still patch its module for every user of it, only later: right after the module's first
import, or at the first call of the one function it replaces. Real modules on a real import path;
the hook file is loaded as the bundle loads it (outside a frozen app it installs nothing itself).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

HOOK_FILE = (
    Path(__file__).resolve().parents[2]
    / "packaging"
    / "pyinstaller"
    / "runtime_hooks"
    / "rth_deferred_hooks.py"
)


@pytest.fixture
def hooks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    spec = importlib.util.spec_from_file_location("rth_deferred_hooks_under_test", HOOK_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.syspath_prepend(str(tmp_path))
    names = ("deferred_target", "lazy_target")
    yield module
    for name in names:
        sys.modules.pop(name, None)
        sys.modules.pop(module.deferred_module_name(name), None)
    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "_AfterImport"]


def _write(folder: Path, name: str, text: str) -> None:
    (folder / f"{name}.py").write_text(text, encoding="utf-8")


def test_outside_a_frozen_app_nothing_is_installed(hooks: ModuleType) -> None:
    assert not any(type(f).__name__ == "_AfterImport" for f in sys.meta_path)


def test_a_hook_runs_right_after_the_first_import_of_its_module(
    hooks: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(hooks.DEFERRED, "deferred_target", None)
    _write(tmp_path, "deferred_target", "value = 'plain'\n")
    _write(
        tmp_path,
        hooks.deferred_module_name("deferred_target"),
        "import deferred_target\ndeferred_target.value = 'patched for the frozen app'\n",
    )
    sys.meta_path.insert(0, hooks._AfterImport({"deferred_target"}))

    import deferred_target  # type: ignore[import-not-found]

    assert deferred_target.value == "patched for the frozen app"
    # The module keeps its own loader: inspect and linecache find its source through it.
    assert type(deferred_target.__loader__).__name__ == "SourceFileLoader"
    assert deferred_target.__spec__.loader is deferred_target.__loader__


def test_a_hook_that_replaces_one_function_runs_at_its_first_call_only(
    hooks: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(hooks.DEFERRED, "lazy_target", "describe")
    _write(tmp_path, "lazy_target", "def describe(x):\n    return f'plain {x}'\n")
    hook = hooks.deferred_module_name("lazy_target")
    _write(
        tmp_path,
        hook,
        "import lazy_target\n"
        "_original = lazy_target.describe\n"
        "def _patched(x):\n"
        "    return 'frozen ' + _original(x)\n"
        "lazy_target.describe = _patched\n",
    )
    sys.meta_path.insert(0, hooks._AfterImport({"lazy_target"}))

    import lazy_target  # type: ignore[import-not-found]
    from lazy_target import describe  # what a module that imported the name early holds

    assert hook not in sys.modules  # imported, not yet called: the hook has not run
    assert describe(1) == "frozen plain 1"
    assert hook in sys.modules
    assert lazy_target.describe(2) == "frozen plain 2"
    assert describe(3) == "frozen plain 3"  # the early name follows the patched function


def test_a_hook_the_build_did_not_include_is_skipped(
    hooks: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(hooks.DEFERRED, "deferred_target", None)
    _write(tmp_path, "deferred_target", "value = 'plain'\n")
    sys.meta_path.insert(0, hooks._AfterImport({"deferred_target"}))

    import deferred_target  # type: ignore[import-not-found]

    assert deferred_target.value == "plain"
