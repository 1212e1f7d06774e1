"""Row 11, frozen: the PyInstaller bundle's start beside the source run's, as a ratio (target ≤ 1.2×).

The bundle is built as ``make package`` builds it (``packaging/build_bundle.py``, without the
archive) into ``build/bench-bundle/<hash>/``, where ``<hash>`` covers the app, ``packaging/``,
``resources/``, the pins, Python's and PyInstaller's versions: an unchanged tree reuses the bundle
(a build takes 25–40 s and both cores), a changed one replaces it (one bundle kept, ~200 MB).

Each command runs both ways on the same small profile (a demo store's catalog pulled, one product
in BackOrder; the store stopped) with the same environment, as :mod:`bench.startup` runs it (launch
to exit of a child process, peak RSS and CPU through its launcher):

- **source**: the installed ``backorder-desktop`` script of ``.venv``, its bytecode compiled;
- **bundle**: ``dist/backorder-desktop/backorder-desktop``.

Commands: ``--version``, ``status --json`` and the window (``--screenshot`` under
``QT_QPA_PLATFORM=offscreen``: it opens the window, waits until it has been idle for half a second,
saves a PNG and exits; that fixed wait is in both figures, so the window's ratio understates the
difference, which the row shows in ms too). Warm only: one unmeasured start of each, then ``repeat``
rounds that alternate source and bundle, so a busy moment of the shared machine weighs on both.
The ratio is median ÷ median.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.report import Row
from bench.report import load_average
from bench.report import skipped
from bench.startup import Run
from bench.startup import _fill_profile
from bench.startup import command_line
from bench.startup import compile_package
from bench.startup import run_once
from bench.store_process import ROOT

NAME = "Start-up (frozen bundle)"
KEY = "12"
TARGET_RATIO = 1.2
REPEAT = 10
PRODUCTS = 1_000
APP = "backorder-desktop"
CACHE = ROOT / "build" / "bench-bundle"
# What a bundle is built from: a change in any of these is a new bundle.
SOURCES = ("backorder_desktop", "packaging", "resources", "pyproject.toml", "constraints.txt")
NOT_BUILT_FROM = frozenset({"packaging/smoke_test.py"})


@dataclass(frozen=True)
class Pair:
    """One command's warm runs, from source and from the bundle."""

    label: str
    source: list[Run]
    bundle: list[Run]

    @property
    def source_s(self) -> float:
        return statistics.median(r.seconds for r in self.source)

    @property
    def bundle_s(self) -> float:
        return statistics.median(r.seconds for r in self.bundle)

    def as_json(self) -> dict[str, Any]:
        def runs(items: list[Run]) -> dict[str, list[float]]:
            return {
                "s": [round(r.seconds, 4) for r in items],
                "rss_mb": [round(r.rss_mb, 1) for r in items],
                "cpu_s": [round(r.cpu_s, 4) for r in items],
            }

        return {
            "source": runs(self.source),
            "bundle": runs(self.bundle),
            "median_source_s": self.source_s,
            "median_bundle_s": self.bundle_s,
            "median_source_rss_mb": statistics.median(r.rss_mb for r in self.source),
            "median_bundle_rss_mb": statistics.median(r.rss_mb for r in self.bundle),
            "median_source_cpu_s": statistics.median(r.cpu_s for r in self.source),
            "median_bundle_cpu_s": statistics.median(r.cpu_s for r in self.bundle),
        }


def pyinstaller_version() -> str | None:
    try:
        return metadata.version("pyinstaller")
    except metadata.PackageNotFoundError:
        return None


def source_hash(pyinstaller: str) -> str:
    """A digest of everything the bundle is built from (bytecode caches left out)."""
    digest = hashlib.sha256(f"{sys.version}\0{pyinstaller}\0".encode())
    for top in SOURCES:
        path = ROOT / top
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if "__pycache__" in file.parts or file.relative_to(ROOT).as_posix() in NOT_BUILT_FROM:
                continue
            digest.update(str(file.relative_to(ROOT)).encode() + b"\0")
            digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def cached_bundle(pyinstaller: str, progress: Callable[[str], None] = print) -> tuple[Path, dict[str, Any]]:
    """The bundle's program for the current tree (built now when there is none) and its build figures."""
    folder = CACHE / source_hash(pyinstaller)
    dist = folder / "dist"
    program = dist / APP / APP
    figures = dist / f"{APP}-build.json"  # written last by build_bundle.py: the build finished
    if program.exists() and figures.exists():
        progress(f"  reusing the bundle in {folder.relative_to(ROOT)} (sources unchanged)")
    else:
        shutil.rmtree(CACHE, ignore_errors=True)  # one bundle kept: each is ~200 MB
        progress(f"  building the bundle with PyInstaller {pyinstaller} into {folder.relative_to(ROOT)}")
        done = subprocess.run(
            [sys.executable, str(ROOT / "packaging" / "build_bundle.py"), "--no-archive",
             f"--dist={dist}", f"--work={folder / 'work'}"],
            cwd=ROOT,
            check=False,
            capture_output=True,
            text=True,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"the bundle did not build ({done.returncode}): {done.stderr[-1500:]}")
        shutil.rmtree(folder / "work", ignore_errors=True)
    return program, json.loads(figures.read_text(encoding="utf-8"))


def measure_pair(
    label: str, source: Sequence[str], bundle: Sequence[str], env: dict[str, str], repeat: int
) -> Pair:
    run_once(source, env)  # a first start after setting up is not a warm one
    run_once(bundle, env)
    source_runs: list[Run] = []
    bundle_runs: list[Run] = []
    for _ in range(repeat):
        source_runs.append(run_once(source, env))
        bundle_runs.append(run_once(bundle, env))
    return Pair(label, source_runs, bundle_runs)


def measure_rows(
    products: int = PRODUCTS,
    *,
    seed: int = 7,
    repeat: int = REPEAT,
    progress: Callable[[str], None] = print,
) -> list[Row]:
    pyinstaller = pyinstaller_version()
    if pyinstaller is None:
        return [
            skipped(
                KEY,
                "Start-up: frozen bundle ÷ source",
                "PyInstaller is not installed (make bench-bundle installs it)",
            )
        ]
    compile_package(ROOT / "backorder_desktop")
    program, build = cached_bundle(pyinstaller, progress)
    with tempfile.TemporaryDirectory(prefix="bench-bundle-") as scratch:
        home = str(Path(scratch) / "profile")
        progress(f"  filling a profile with {products:,} products, one assigned to BackOrder")
        _fill_profile(home, products, seed)
        env = {k: v for k, v in os.environ.items() if not k.startswith("BACKORDER_DESKTOP_")}
        env["QT_QPA_PLATFORM"] = "offscreen"
        commands = {
            "--version": ["--version"],
            "status --json": ["--home", home, "status", "--json"],
            "window shown (--screenshot)": [
                "--home",
                home,
                "--screenshot",
                str(Path(scratch) / "window.png"),
            ],
        }
        pairs = []
        for label, args in commands.items():
            progress(f"  {label}: {repeat} warm runs each, source and bundle alternating")
            pairs.append(measure_pair(label, [*command_line(), *args], [str(program), *args], env, repeat))
    return _rows(products, pairs, build, repeat)


def _rows(products: int, pairs: list[Pair], build: dict[str, Any], repeat: int) -> list[Row]:
    note = (
        f"Frozen bundle (PyInstaller, one folder, built in {build.get('build_seconds', '?')} s) against the "
        f"installed script from source, same profile and environment; launch to exit, median of {repeat} "
        "warm runs each, alternating. The window's figure is a --screenshot run offscreen, which waits "
        "for half a second of idle before it saves and exits, in both. Bound = the source run; target "
        f"≤ {TARGET_RATIO}× (the issue's), on the wall time. CPU time (user + system) is shown beside it: "
        "on a busy machine it moves far less than the wall time does."
    )
    rows = []
    for pair in pairs:
        data = pair.as_json()
        data["load_average"] = load_average()
        rows.append(
            Row(
                key=KEY,
                name=f"Start-up, frozen bundle: {pair.label}",
                products=products,
                ours=(
                    f"{pair.bundle_s * 1000:.0f} ms ({(pair.bundle_s - pair.source_s) * 1000:+.0f} ms), "
                    f"{data['median_bundle_rss_mb']:.0f} MB, CPU {data['median_bundle_cpu_s'] * 1000:.0f} ms"
                ),
                bound=(
                    f"source {pair.source_s * 1000:.0f} ms, {data['median_source_rss_mb']:.0f} MB, "
                    f"CPU {data['median_source_cpu_s'] * 1000:.0f} ms"
                ),
                ratio=pair.bundle_s / pair.source_s,
                target=TARGET_RATIO,
                note=note,
                data=data,
            )
        )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.bundle", description=(__doc__ or "").splitlines()[0])
    p.add_argument("--products", type=int, default=PRODUCTS)
    p.add_argument("--repeat", type=int, default=REPEAT)
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)
    rows = measure_rows(args.products, seed=args.seed, repeat=args.repeat)
    for row in rows:
        ratio = "" if row.ratio is None else f"{row.ratio:.2f}×"
        print(f"{row.name:<52} {row.ours:<40} {row.bound:<36} {ratio}")
    print(json.dumps({row.name: row.data for row in rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
