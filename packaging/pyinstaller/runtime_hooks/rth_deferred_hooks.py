"""Runtime hook: PyInstaller's own hooks for inspect, pkgutil and multiprocessing run when the app
first needs them, not at every start.

PyInstaller runs a hook for each of these modules before the app's first line whenever the module
is in the bundle, and each hook imports its module (with zipfile, subprocess, multiprocessing.spawn
…) to patch it for the frozen app. ``--version`` imports none of them but inspect from source, so a
frozen start paid for them on every command. Each hook only patches the module it is named after,
so running it right after that module's first import gives the app the same patched module. The
inspect hook replaces one function, ``inspect.getsourcefile``, and imports zipfile for it: it runs
at that function's first call instead (tracebacks and ``inspect`` users call it; dataclasses, which
imports inspect on every start, does not).

The spec moves each hook into the archive as ``_pyi_deferred_rth_<module>`` (see
``deferred_module_name``); this hook runs it when its moment comes. The spec imports this file too
(for the names), so nothing happens outside a frozen app.
"""

from __future__ import annotations

import sys
from typing import Any

# The module whose hook is deferred, and the function whose first call runs it (None: its import).
DEFERRED = {"inspect": "getsourcefile", "multiprocessing": None, "pkgutil": None}
DEFERRED_MODULES = tuple(DEFERRED)


def deferred_module_name(module: str) -> str:
    return f"_pyi_deferred_rth_{module}"


class _ThenScheduleHook:
    """The module's own loader, then its PyInstaller hook scheduled once the module has run."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        # The module is what the app sees afterwards: give it back its real loader.
        module.__loader__ = module.__spec__.loader = self._loader
        self._loader.exec_module(module)
        _schedule_hook(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class _AfterImport:
    """A meta path finder that only wraps the loader of the deferred modules' first import."""

    def __init__(self, pending: set[str]) -> None:
        self._pending = pending

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name not in self._pending:
            return None
        self._pending.discard(name)
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _ThenScheduleHook(spec.loader)
                return spec
        return None


def _run_hook(hook_module: str) -> None:
    try:
        __import__(hook_module)
    except ModuleNotFoundError as error:
        # The spec moves only the hooks PyInstaller chose for this build; no hook, nothing to run.
        if error.name != hook_module:
            raise


def _schedule_hook(module: Any) -> None:
    """Run the module's hook now, or at the first call of the function it patches."""
    name = module.__name__
    attribute = DEFERRED[name]
    if attribute is None:
        _run_hook(deferred_module_name(name))
        return
    original = getattr(module, attribute)
    ran = False

    def first_call(*args: Any, **kwargs: Any) -> Any:
        nonlocal ran
        if not ran:
            ran = True
            setattr(module, attribute, original)  # the hook wraps the original, as it would at start
            _run_hook(deferred_module_name(name))
        return getattr(module, attribute)(*args, **kwargs)

    setattr(module, attribute, first_call)


def _install() -> None:
    if not getattr(sys, "frozen", False):
        return
    pending = set()
    for name in DEFERRED_MODULES:
        if name in sys.modules:  # imported by the bootstrap already
            _schedule_hook(sys.modules[name])
        else:
            pending.add(name)
    sys.meta_path.insert(0, _AfterImport(pending))


_install()
