"""Row 11: the command line's start-up — each command from launch to exit, warm and cold, peak memory.

Parent (:func:`rows_for`): a demo store process with N products fills a profile (a full pull) and
one product is assigned to BackOrder; the store is then stopped (none of the measured commands
uses the network). Each command runs as a merchant's script runs it, through the installed
``backorder-desktop`` script, as a child process; the figure is launch to exit (``perf_counter``
around the process) and its peak RSS (``wait4``'s ``ru_maxrss``):

- ``python -c pass``: the interpreter alone, the floor no command can go under;
- ``--version``, ``status --json``, ``products --search … --json``, ``stock set SKU N``.

**Warm**: median of ``repeat`` runs in a row (files in the OS cache, bytecode compiled), after
one unmeasured start. That start also leaves what a merchant's first ``status`` leaves: the
database's clean integrity check recorded beside it (a later start checks again only once the file
changed: a command that wrote, a sync) and the keyring backend seen (or none), so the runs measure
a script's ``status`` in a loop, not the first one after a sync.
**Cold**: the OS file cache dropped before each run (``sync; echo 1 > /proc/sys/vm/drop_caches``,
root only); where that is refused, the first start of a fresh copy of the package with its bytecode
just compiled (what a first start after installing is), and the row says which it used.

Bytecode: an install compiles it; a work tree run with ``PYTHONDONTWRITEBYTECODE`` (CI, this
machine) never writes it and would compile every module on every start, so the bench compiles the
package first (``compileall``; ``__pycache__`` is ignored by git).

The JSON also has ``-X importtime``'s self time per top-level package for each command (the
import-time profile: what a command pays before our first line runs).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.report import Row
from bench.store_process import ROOT
from bench.store_process import StoreProcess
from bench.worker import run_worker

NAME = "Start-up (command line)"
STATUS_TARGET_S = 0.150
STATUS_RSS_TARGET_MB = 35.0
REPEAT = 10
COLD_REPEAT = 3
QUICK_REPEAT = 2
QUICK_COLD_REPEAT = 1
DROP_CACHES = Path("/proc/sys/vm/drop_caches")
TOKEN_ENV = "BACKORDER_DESKTOP_TOKEN"
PROFILE_TOP = 8  # packages listed per command in the import-time profile


@dataclass(frozen=True)
class Run:
    seconds: float
    rss_mb: float
    cpu_s: float  # user + system: what the start costs, less sensitive than wall time to a busy machine


@dataclass(frozen=True)
class Figures:
    """One command's runs: warm and cold."""

    label: str
    warm: list[Run]
    cold: list[Run]
    cold_method: str

    @staticmethod
    def median_s(runs: list[Run]) -> float:
        return statistics.median(r.seconds for r in runs)

    @staticmethod
    def median_mb(runs: list[Run]) -> float:
        return statistics.median(r.rss_mb for r in runs)

    def as_json(self) -> dict[str, Any]:
        return {
            "warm_s": [round(r.seconds, 4) for r in self.warm],
            "warm_rss_mb": [round(r.rss_mb, 1) for r in self.warm],
            "warm_cpu_s": [round(r.cpu_s, 4) for r in self.warm],
            "cold_s": [round(r.seconds, 4) for r in self.cold],
            "cold_rss_mb": [round(r.rss_mb, 1) for r in self.cold],
            "cold_method": self.cold_method,
        }


# Starts the measured command and waits for it. A process's peak RSS (``ru_maxrss``) counts the
# memory of the process it was forked from until its exec: forked from the bench (tens of MB) every
# command would weigh at least that. This launcher is a bare interpreter (-I -S, a few MB, less
# than the floor) that spawns the command, so the peak is the command's own.
LAUNCHER = """
import json, os, sys, time
err = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
null = os.open(os.devnull, os.O_RDWR)
actions = [(os.POSIX_SPAWN_DUP2, null, 0), (os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, err, 2)]
started = time.perf_counter()
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ, file_actions=actions)
_pid, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - started
cpu = usage.ru_utime + usage.ru_stime
print(json.dumps([seconds, usage.ru_maxrss, cpu, os.waitstatus_to_exitcode(status)]))
"""


def run_once(argv: Sequence[str], env: dict[str, str]) -> Run:
    """Launch to exit of one process, and its peak RSS; a failed command raises with its stderr."""
    with tempfile.TemporaryDirectory(prefix="bench-run-") as folder:
        errors = Path(folder) / "stderr"
        done = subprocess.run(
            [sys.executable, "-I", "-S", "-c", LAUNCHER, str(errors), *argv],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
        seconds, rss_kb, cpu_s, code = json.loads(done.stdout)
        if code != 0:
            tail = errors.read_text(errors="replace")[-800:]
            raise RuntimeError(f"{' '.join(argv[-4:])} exited {code}: {tail}")
    return Run(seconds, rss_kb / 1024, cpu_s)  # kB on Linux


def drop_file_cache() -> bool:
    """Drop the OS page cache (root on Linux); False where the machine does not allow it."""
    try:
        os.sync()
        DROP_CACHES.write_text("1\n")
    except OSError:
        return False
    return True


def compile_package(target: Path) -> None:
    """Write the package's bytecode (as an install does), whatever PYTHONDONTWRITEBYTECODE says."""
    if not compileall.compile_dir(str(target), quiet=2, workers=1):
        raise RuntimeError(f"compileall failed in {target}")


def command_line() -> list[str]:
    """The installed ``backorder-desktop`` script beside this interpreter, else ``python -m``."""
    script = Path(sys.executable).with_name("backorder-desktop")
    if script.exists():
        return [sys.executable, str(script)]
    return [sys.executable, "-m", "backorder_desktop"]


def measure(
    label: str,
    argv: Sequence[str],
    env: dict[str, str],
    *,
    repeat: int,
    cold_repeat: int,
    fresh_copy: Callable[[], tuple[list[str], dict[str, str]]],
) -> Figures:
    """``fresh_copy``: the same command on a fresh copy of the package (cold, where the cache stays)."""
    run_once(argv, env)  # the first start after setting up is neither warm nor honestly cold
    warm = [run_once(argv, env) for _ in range(repeat)]
    cold: list[Run] = []
    method = "page cache dropped before each run"
    for _ in range(cold_repeat):
        if drop_file_cache():
            cold.append(run_once(argv, env))
        else:
            method = (
                "first start of a fresh copy of the package, bytecode just compiled (cache not droppable)"
            )
            cold.append(run_once(*fresh_copy()))
    return Figures(label, warm, cold, method)


def import_profile(argv: Sequence[str], env: dict[str, str]) -> dict[str, float]:
    """``-X importtime``'s self time per top-level package, ms (largest first, ``PROFILE_TOP``)."""
    done = subprocess.run(
        [argv[0], "-X", "importtime", *argv[1:]],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    return dict(importtime_by_package(done.stderr).most_common(PROFILE_TOP))


def importtime_by_package(stderr: str) -> Counter[str]:
    """Self time per top-level package, ms, from ``-X importtime``'s lines."""
    micros: Counter[str] = Counter()
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cumulative, name = line[len("import time:") :].split("|", 2)
        micros[name.strip().split(".")[0]] += int(self_us)
    return Counter({name: round(us / 1000, 1) for name, us in micros.items()})


def rows_for(
    products: int,
    *,
    seed: int,
    repeat: int = REPEAT,
    cold_repeat: int = COLD_REPEAT,
    progress: Callable[[str], None] = print,
) -> list[Row]:
    compile_package(ROOT / "backorder_desktop")
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as scratch:
        home = str(Path(scratch) / "profile")
        progress(f"  filling a profile with {products:,} products, one assigned to BackOrder")
        sku = _fill_profile(home, products, seed)
        env = {k: v for k, v in os.environ.items() if not k.startswith("BACKORDER_DESKTOP_")}
        base = command_line()
        copies = iter(range(1_000_000))

        def fresh_copy(args: list[str]) -> Callable[[], tuple[list[str], dict[str, str]]]:
            def copy() -> tuple[list[str], dict[str, str]]:
                folder = Path(scratch) / f"copy-{next(copies)}"
                shutil.copytree(ROOT / "backorder_desktop", folder / "backorder_desktop")
                compile_package(folder / "backorder_desktop")
                # -P: the copy, not the work tree the bench runs in (-m would put the current folder first)
                return [sys.executable, "-P", "-m", "backorder_desktop", *args], {
                    **env,
                    "PYTHONPATH": str(folder),
                }

            return copy

        commands = {
            "--version": ["--version"],
            "status --json": ["--home", home, "status", "--json"],
            "products --search … --json": ["--home", home, "products", "--search", sku, "--json"],
            "stock set": ["--home", home, "stock", "set", sku, "7"],
        }
        progress(f"  python -c pass: {repeat} warm, {cold_repeat} cold")
        floor = [sys.executable, "-c", "pass"]
        figures = [
            measure(
                "python -c pass",
                floor,
                env,
                repeat=repeat,
                cold_repeat=cold_repeat,
                fresh_copy=lambda: (floor, env),
            )
        ]
        profiles: dict[str, dict[str, float]] = {}
        for label, args in commands.items():
            progress(f"  {label}: {repeat} warm, {cold_repeat} cold")
            argv = [*base, *args]
            figures.append(
                measure(label, argv, env, repeat=repeat, cold_repeat=cold_repeat, fresh_copy=fresh_copy(args))
            )
            profiles[label] = import_profile(argv, env)
    return _rows(products, figures, profiles, repeat, cold_repeat)


def _fill_profile(home: str, products: int, seed: int) -> str:
    """A profile with the catalog pulled and one product in BackOrder; returns the SKU its stock is set by."""
    with StoreProcess(products=products, seed=seed, latency_ms=0) as store:
        filled = run_worker(
            ["pull", "--home", home, "--api-url", store.api_url, "--store-hash", store.store_hash,
             "--token", store.token]
        )  # fmt: skip
        if filled["mirror_after"] != products:
            raise RuntimeError(f"the profile has {filled['mirror_after']:,} of {products:,} products")
        env = {
            **os.environ,
            TOKEN_ENV: store.token,
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
        cli = [*command_line(), "--home", home]
        listed = subprocess.run(
            [*cli, "products", "--limit", "100", "--json"],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        # One whose stock the store counts: stock set refuses a product that tracks none.
        product = next(p for p in json.loads(listed.stdout) if p["inventory_tracking"] != "none")
        subprocess.run(
            [*cli, "assign", str(product["id"])], capture_output=True, text=True, env=env, check=True
        )
    # A product tracked by variant takes its stock per variant SKU.
    by_variant = product["inventory_tracking"] == "variant"
    return str(product["variants"][0]["sku"] if by_variant else product["sku"])


def _rows(
    products: int,
    figures: list[Figures],
    profiles: dict[str, dict[str, float]],
    repeat: int,
    cold_repeat: int,
) -> list[Row]:
    floor = figures[0]
    floor_warm, floor_cold = Figures.median_s(floor.warm), Figures.median_s(floor.cold)
    floor_cpu = statistics.median(r.cpu_s for r in floor.warm)
    common = (
        f"Launch to exit of the installed command as a child process, median of {repeat} warm runs and "
        f"{cold_repeat} cold ({floor.cold_method if cold_repeat else 'none'}); the floor is the bare "
        f"interpreter (python -c pass: {floor_warm * 1000:.0f} ms warm, {floor_cold * 1000:.0f} ms cold, "
        f"{Figures.median_mb(floor.warm):.0f} MB). Bound = the issue's target for status --json "
        f"({STATUS_TARGET_S * 1000:.0f} ms, {STATUS_RSS_TARGET_MB:.0f} MB); the other commands are shown "
        "against the same 150 ms without a target."
    )
    data_all = {f.label: f.as_json() for f in figures}
    rows = [
        Row(
            key="11",
            name="Start-up: python -c pass (floor)",
            products=None,
            ours=f"{floor_warm * 1000:.0f} ms warm, {floor_cold * 1000:.0f} ms cold, "
            f"{Figures.median_mb(floor.warm):.0f} MB, CPU {floor_cpu * 1000:.0f} ms",
            bound=f"{STATUS_TARGET_S * 1000:.0f} ms (how much of it the interpreter alone takes)",
            ratio=floor_warm / STATUS_TARGET_S,
            note=common,
            data={"runs": data_all, "import_profile_ms": profiles},
        )
    ]
    for f in figures[1:]:
        warm, cold, mb = Figures.median_s(f.warm), Figures.median_s(f.cold), Figures.median_mb(f.warm)
        is_status = f.label == "status --json"
        cpu = statistics.median(r.cpu_s for r in f.warm)
        profile = {"median_rss_mb": mb, "median_cpu_s": cpu, "import_profile_ms": profiles.get(f.label, {})}
        memory = f"{mb:.0f} MB peak, CPU {cpu * 1000:.0f} ms"
        rows.append(
            _time_row(
                f"{f.label}, warm", products, warm, floor_warm, memory=memory, target=is_status, data=profile
            )
        )
        if cold_repeat:
            rows.append(_time_row(f"{f.label}, cold", products, cold, floor_cold, note=f.cold_method))
        if is_status:
            rows.append(
                Row(
                    key="11",
                    name="Start-up: status --json, peak memory",
                    products=products,
                    ours=f"{mb:.1f} MB",
                    bound=f"{STATUS_RSS_TARGET_MB:.0f} MB (floor {Figures.median_mb(floor.warm):.0f} MB)",
                    ratio=mb / STATUS_RSS_TARGET_MB,
                    target=1.0,
                    data={"median_rss_mb": mb},
                )
            )
    return rows


def _time_row(
    label: str,
    products: int,
    seconds: float,
    floor_s: float,
    *,
    memory: str = "",
    note: str = "",
    target: bool = False,
    data: dict[str, Any] | None = None,
) -> Row:
    """A command's median start against the status bound (a target for status --json warm only)."""
    return Row(
        key="11",
        name=f"Start-up: {label}",
        products=products,
        ours=f"{seconds * 1000:.0f} ms" + (f", {memory}" if memory else ""),
        bound=f"{STATUS_TARGET_S * 1000:.0f} ms (floor {floor_s * 1000:.0f} ms)",
        ratio=seconds / STATUS_TARGET_S,
        target=1.0 if target else None,
        note=note,
        data={"median_s": seconds, **(data or {})},
    )


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.startup", description=(__doc__ or "").splitlines()[0])
    p.add_argument("--products", type=int, default=10_000)
    p.add_argument("--repeat", type=int, default=REPEAT)
    p.add_argument("--cold-repeat", type=int, default=COLD_REPEAT)
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)
    rows = rows_for(args.products, seed=args.seed, repeat=args.repeat, cold_repeat=args.cold_repeat)
    for row in rows:
        print(
            f"{row.name:<48} {row.ours:<34} {row.bound:<24} {'' if row.ratio is None else f'{row.ratio:.2f}'}"
        )
    print(json.dumps(rows[0].data["import_profile_ms"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
