"""Frozen smoke test (``make package-check``): runs the BUILT bundle headless and checks that it works.

It never imports the app: every check starts ``dist/backorder-desktop/backorder-desktop`` (or
``--bundle DIR``) as a user would, from an empty working folder, with a clean environment (no
``PYTHONPATH``, no virtualenv, no ``BACKORDER_DESKTOP_*`` overrides) and a private ``HOME``. The
checks, in order:

1. layout: the program, ``resources/`` icons, the app PNGs, the Qt platform plugins (offscreen,
   xcb, wayland) and SVG plugins, the package metadata keyring and APScheduler find their
   plugins by, certifi's CA file, the Linux desktop files; no GTK copied in;
2. ``--version`` prints the version of ``backorder_desktop/__init__.py``; ``--help`` lists the
   commands; ``--version`` and ``status --json`` load no Qt library (``LD_DEBUG=libs``);
3. with no D-Bus session, ``status --json`` works and reports no keyring (a normal state);
4. in a private D-Bus session with an unlocked gnome-keyring (``tests/fixtures_keyring.py``):
   ``status --json`` reports "SecretService Keyring"; the bundle's own ``demo-store`` serves a
   store; ``connect`` stores the token in that keyring (and in no file of the profile); ``sync``
   reads it back from the keyring and mirrors the store into a new database; ``status`` counts it;
5. ``--demo sync --json`` end to end (in-process demo store, 2,000 products);
6. the window offscreen: ``--demo --screenshot`` (the app icon is loaded from the bundle);
7. the window on a real display (Xvfb + openbox + trayer as tray host): the tray's "Sync now"
   through the app's tray test hook, which logs how many colours the tray icon shows;
   ``--screenshot`` saved to ``docs/screenshots/frozen-smoke.png``; and the running app with its
   tray, shot whole with ``import -window root`` to ``docs/screenshots/frozen-smoke-desktop.png``;
8. the release archive unpacks to one ``backorder-desktop/`` folder holding what the bundle holds,
   and the unpacked program starts;
9. ``install.sh`` from the unpacked archive into a temporary prefix: the installed command, menu
   entry (``desktop-file-validate`` when present) and icons, then ``--uninstall``.

Exit status 0 when every check passed; the report is printed and kept in
``build/smoke/report.json``. Needs the system packages of ``scripts/system-deps.sh``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import ExitStack
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "packaging"))
sys.path.insert(1, str(ROOT))
from build_bundle import archive_name  # noqa: E402
from prepare import PNG_SIZES  # noqa: E402
from prepare import read_identity  # noqa: E402

APP = "backorder-desktop"
TITLE = "BackOrder Desktop"
RUN_TIMEOUT_S = 120.0
DEMO_PRODUCTS = 2000  # app.DEMO_PRODUCTS: what `--demo` serves
STORE_PRODUCTS = 500
SCREEN = "1440x900x24"
# Kept from the user's environment; everything else is dropped so that nothing from the build
# (virtualenv, PYTHONPATH, resource overrides) can help the bundle.
_KEPT_VARS = ("PATH", "LANG", "LC_ALL", "TZ", "TERM", "USER", "LOGNAME")


class CheckFailed(Exception):
    """A check's expectation did not hold; the message says what was seen."""


@dataclass
class Result:
    name: str
    ok: bool
    detail: str
    seconds: float


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)
    figures: dict[str, object] = field(default_factory=dict)

    @contextmanager
    def check(self, name: str) -> Iterator[list[str]]:
        """Run one check; append details to the yielded list. A failure is recorded, not raised."""
        notes: list[str] = []
        started = time.perf_counter()
        ok = True
        try:
            yield notes
        except CheckFailed as exc:
            ok = False
            notes.append(str(exc))
        except (OSError, subprocess.SubprocessError, ValueError, KeyError, json.JSONDecodeError) as exc:
            ok = False
            notes.append(f"{type(exc).__name__}: {exc}")
        result = Result(name, ok, "; ".join(notes), round(time.perf_counter() - started, 2))
        self.results.append(result)
        detail = f": {result.detail}" if notes else ""
        print(f"{'PASS' if ok else 'FAIL'} {name} ({result.seconds:.1f} s){detail}")
        sys.stdout.flush()

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


class Bundle:
    """Runs the frozen program with a clean environment from an empty working folder."""

    def __init__(self, folder: Path, work: Path) -> None:
        self.folder = folder
        self.program = folder / APP
        self.internal = folder / "_internal"
        self.work = work
        self.base_env = {name: os.environ[name] for name in _KEPT_VARS if name in os.environ}
        self.base_env.setdefault("LANG", "C.UTF-8")
        home = work / "home"
        home.mkdir(parents=True, exist_ok=True)
        self.base_env.update(HOME=str(home), XDG_RUNTIME_DIR=str(work))
        self.env = dict(self.base_env)

    def command(self, *args: str) -> list[str]:
        return [str(self.program), *args]

    def run(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        stdin: str | None = None,
        timeout: float = RUN_TIMEOUT_S,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args),
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=env if env is not None else self.env,
            cwd=self.work,
            timeout=timeout,
            check=False,
        )

    def run_ok(self, *args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
        result = self.run(*args, **kwargs)  # type: ignore[arg-type]
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-5:]
            raise CheckFailed(f"`{' '.join(args)}` exited {result.returncode}: {' | '.join(tail)}")
        return result

    def run_json(self, *args: str, **kwargs: object) -> object:
        return json.loads(self.run_ok(*args, **kwargs).stdout)


def _stop(process: subprocess.Popen[bytes] | subprocess.Popen[str], timeout: float = 10.0) -> int | None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)
    return process.returncode


def _wait_for(predicate: Callable[[], object], timeout: float, what: str, interval: float = 0.2) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise CheckFailed(f"timed out after {timeout:.0f} s waiting for {what}")


def _magick(tool: str) -> str:
    """ImageMagick's own program: a stand-in of the same name may come first on PATH."""
    system = Path("/usr/bin") / tool
    return str(system) if system.is_file() else tool


def _image_info(path: Path) -> tuple[int, int, int]:
    """Width, height and number of distinct colours of a picture (ImageMagick's identify)."""
    out = subprocess.run(
        [_magick("identify"), "-format", "%w %h %k", str(path)], capture_output=True, text=True, check=True
    ).stdout.split()
    return int(out[0]), int(out[1]), int(out[2])


def _log_text(home: Path) -> str:
    logs = sorted(home.rglob("*.log"))
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in logs)


def _no_tracebacks(home: Path, notes: list[str]) -> None:
    text = _log_text(home)
    expect(
        "Traceback" not in text,
        f"a traceback in the logs under {home}: {text[text.find('Traceback') :][:600]}",
    )
    warnings = [line for line in text.splitlines() if " WARNING " in line or " ERROR " in line]
    if warnings:
        notes.append(f"{len(warnings)} warning lines in the log, first: {warnings[0][:200]}")


# -- 1. layout -------------------------------------------------------------------------------------


def check_layout(report: Report, bundle: Bundle) -> None:
    with report.check("layout: program, resources, Qt plugins, metadata, desktop files") as notes:
        expect(bundle.program.is_file() and os.access(bundle.program, os.X_OK), f"{bundle.program} missing")
        internal = bundle.internal
        required = [
            "resources/icons/app.svg",
            *(
                f"resources/icons/tray-{state}-{variant}.svg"
                for state in ("idle", "syncing", "problem", "offline")
                for variant in ("light", "dark")
            ),
            *(f"resources/icons/app/{APP}-{size}.png" for size in PNG_SIZES),
            "PySide6/Qt/plugins/platforms/libqoffscreen.so",
            "PySide6/Qt/plugins/platforms/libqxcb.so",
            "PySide6/Qt/plugins/platforms/libqwayland.so",
            "PySide6/Qt/plugins/imageformats/libqsvg.so",
            "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
            "PySide6/Qt/lib/libQt6Svg.so.6",
            "certifi/cacert.pem",
        ]
        missing = [name for name in required if not (internal / name).exists()]
        expect(not missing, f"missing from _internal/: {', '.join(missing)}")
        metadata = {
            "keyring": "SecretService = keyring.backends.SecretService",
            "apscheduler": "cron = apscheduler.triggers.cron:CronTrigger",
        }
        for dist, entry in metadata.items():
            found = sorted(internal.glob(f"{dist}-*.dist-info/entry_points.txt"))
            expect(bool(found), f"no {dist} metadata (entry points) in the bundle")
            text = found[0].read_text(encoding="utf-8")
            expect(entry.replace(" ", "") in text.replace(" ", ""), f"{found[0].name} lacks {entry!r}")
        for dist in ("SecretStorage", "jeepney"):
            expect(
                bool(
                    list(internal.glob(f"{dist.lower()}-*.dist-info"))
                    or list(internal.glob(f"{dist}-*.dist-info"))
                ),
                f"no {dist} metadata",
            )
        gtk = sorted(p.name for p in internal.glob("libgtk-3*"))
        expect(not gtk, f"GTK was copied in ({gtk}); hooks/hook-PySide6.QtGui.py should leave it out")
        share = bundle.folder / "share"
        expect((share / "applications" / f"{APP}.desktop").is_file(), "share/applications/*.desktop missing")
        icons = sorted(share.glob(f"icons/hicolor/*/apps/{APP}.*"))
        expect(len(icons) == len(PNG_SIZES) + 1, f"hicolor icons: {len(icons)} found")
        expect(os.access(bundle.folder / "install.sh", os.X_OK), "install.sh missing or not executable")
        notes.append(f"{len(required)} files, {len(icons)} hicolor icons")


# -- 2. identity -----------------------------------------------------------------------------------


def check_identity(report: Report, bundle: Bundle) -> None:
    version = read_identity().version
    with report.check("--version and --help") as notes:
        started = time.perf_counter()
        out = bundle.run_ok("--version").stdout.strip()
        report.figures["version_start_seconds"] = round(time.perf_counter() - started, 2)
        expect(out == f"{APP}, version {version}", f"--version printed {out!r}, expected version {version}")
        helptext = bundle.run_ok("--help").stdout
        commands = ("connect", "sync", "status", "history", "settings", "products", "assign", "demo-store")
        absent = [c for c in commands if not re.search(rf"^\s+{c}\b", helptext, re.M)]
        expect(not absent, f"--help does not list {absent}")
        notes.append(f"{out!r} in {report.figures['version_start_seconds']} s")


def check_start_loads_no_qt(report: Report, bundle: Bundle) -> None:
    """The command line starts without Qt, as from source (run-time hooks must not import it)."""
    with report.check("--version and status --json load no Qt library") as notes:
        for args in (("--version",), ("--home", str(bundle.work / "p-noqt"), "status", "--json")):
            # The dynamic loader names every library it opens; its debug output goes to stderr.
            env = dict(bundle.env, LD_DEBUG="libs")
            result = bundle.run(*args, env=env)
            expect(result.returncode == 0, f"`{' '.join(args)}` exited {result.returncode}")
            loaded = re.findall(r"calling init: \S*/(libQt6\w+|libpyside6\S*|QtCore\S*)", result.stderr)
            qt = sorted(set(loaded))
            expect(not qt, f"`{' '.join(args)}` loaded {', '.join(qt)}")
            notes.append(f"{args[-1]}: no Qt")


# -- 3. no keyring ---------------------------------------------------------------------------------


def check_no_keyring(report: Report, bundle: Bundle) -> None:
    with report.check("no D-Bus session: status works, keyring reported missing") as notes:
        env = dict(bundle.base_env, DBUS_SESSION_BUS_ADDRESS=f"unix:path={bundle.work / 'no-bus'}")
        status = bundle.run_json("--home", str(bundle.work / "p-nokeyring"), "status", "--json", env=env)
        expect(isinstance(status, dict) and status.get("keyring_backend") is None, f"status said {status}")
        notes.append("keyring_backend: null")


# -- 4. keyring, demo store, connect, sync ---------------------------------------------------------


@contextmanager
def demo_store(bundle: Bundle, token: str, products: int) -> Iterator[str]:
    """The bundle's own ``demo-store`` on a free port; yields its API URL."""
    process = subprocess.Popen(
        bundle.command("demo-store", "--port", "0", "--products", str(products), "--token", token),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=bundle.env,
        cwd=bundle.work,
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 30)
        line = process.stdout.readline() if ready else ""
        match = re.match(r"API URL: (\S+)", line)
        if not match:
            _stop(process)
            raise CheckFailed(f"demo-store did not start: {line!r} {process.stderr.read()[-400:]!r}")
        yield match.group(1)
    finally:
        code = _stop(process)
        if code not in (0, None):
            raise CheckFailed(f"demo-store exited {code} on SIGTERM")


def check_keyring_and_sync(report: Report, bundle: Bundle, env: dict[str, str]) -> None:
    from tests.fixtures_keyring import environment
    from tests.fixtures_keyring import keyring_entries

    profile = bundle.work / "p-keyring"
    with report.check("real keyring: status reports SecretService Keyring") as notes:
        status = bundle.run_json("--home", str(profile), "status", "--json", env=env)
        backend = status.get("keyring_backend") if isinstance(status, dict) else None
        expect(backend == "SecretService Keyring", f"keyring_backend is {backend!r}")
        notes.append(f"keyring_backend: {backend}")
    token = "smoke-" + secrets.token_urlsafe(18)
    with report.check(f"demo-store + connect + sync against it ({STORE_PRODUCTS} products)") as notes:
        with demo_store(bundle, token, STORE_PRODUCTS) as api_url:
            out = bundle.run_ok(
                "--home",
                str(profile),
                "connect",
                "--store-hash",
                "demo",
                "--api-url",
                api_url,
                stdin=token + "\n",
                env=env,
            ).stdout
            notes.append(f"connect: {out.strip().splitlines()[0][:80]}")
            with environment(env):
                entries = keyring_entries()
            stored = entries.get((APP, "bigcommerce:demo:access_token"))
            expect(stored == token, f"keyring entries after connect: {sorted(entries)}")
            leaked = [str(p) for p in profile.rglob("*") if p.is_file() and token.encode() in p.read_bytes()]
            expect(not leaked, f"the token is written in {leaked}")
            notes.append("token in gnome-keyring, in no profile file")
            started = time.perf_counter()
            run = bundle.run_json("--home", str(profile), "sync", "--json", env=env)
            seconds = round(time.perf_counter() - started, 2)
            expect(isinstance(run, dict) and run.get("outcome") == "ok", f"sync said {run}")
            seen = run["counts"]["seen"]  # type: ignore[index]
            expect(seen == STORE_PRODUCTS, f"sync saw {seen} products, expected {STORE_PRODUCTS}")
            notes.append(f"sync ok: {seen} products in {seconds} s")
        status = bundle.run_json("--home", str(profile), "status", "--json", env=env)
        expect(isinstance(status, dict) and status.get("products") == STORE_PRODUCTS, f"status said {status}")
        database = profile / "data" / "backorder.db"
        expect(database.is_file() and database.stat().st_size > 0, f"{database} missing")
        notes.append(f"database {database.stat().st_size // 1024} KiB, status counts {status['products']}")
        _no_tracebacks(profile, notes)


def check_demo_sync(report: Report, bundle: Bundle, env: dict[str, str]) -> None:
    with report.check(f"--demo sync --json end to end ({DEMO_PRODUCTS} products)") as notes:
        home = bundle.work / "p-demo"
        started = time.perf_counter()
        run = bundle.run_json("--demo", "--home", str(home), "sync", "--json", env=env)
        seconds = round(time.perf_counter() - started, 2)
        report.figures["demo_sync_seconds"] = seconds
        expect(isinstance(run, dict) and run.get("outcome") == "ok", f"sync said {run}")
        counts = run["counts"]  # type: ignore[index]
        expect(counts["seen"] == DEMO_PRODUCTS and counts["created"] == DEMO_PRODUCTS, f"counts {counts}")
        expect((home / "demo-profile" / "data" / "backorder.db").is_file(), "the demo database is missing")
        notes.append(f"{counts['seen']} products mirrored in {seconds} s (process start included)")
        _no_tracebacks(home, notes)


def check_offscreen_window(report: Report, bundle: Bundle, env: dict[str, str]) -> None:
    with report.check("window offscreen: --demo --screenshot") as notes:
        home = bundle.work / "p-offscreen"
        shot = bundle.work / "offscreen.png"
        run_env = dict(env, QT_QPA_PLATFORM="offscreen")
        bundle.run_ok("--demo", "--home", str(home), "--screenshot", str(shot), env=run_env)
        width, height, colours = _image_info(shot)
        expect(
            width >= 600 and height >= 400 and colours > 50, f"screenshot {width}x{height}, {colours} colours"
        )
        notes.append(f"{width}x{height}, {colours} colours")
        _no_tracebacks(home, notes)


# -- 7. a real display with a tray -----------------------------------------------------------------


@contextmanager
def x_display(stack_env: dict[str, str], log: Path) -> Iterator[dict[str, str]]:
    """Xvfb on a free display (``-displayfd``), openbox and a trayer tray host; yields the env."""
    with ExitStack() as stack, log.open("ab") as errors:
        read_fd, write_fd = os.pipe()
        xvfb = subprocess.Popen(
            # -noreset: a server reset (last client gone) would write the number again to a
            # closed pipe, and Xvfb dies of that.
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", SCREEN, "-nolisten", "tcp", "-noreset"],
            pass_fds=(write_fd,),
            stdout=errors,
            stderr=errors,
            stdin=subprocess.DEVNULL,
            env=stack_env,
        )
        os.close(write_fd)
        stack.callback(os.close, read_fd)
        stack.callback(_stop, xvfb)
        ready, _, _ = select.select([read_fd], [], [], 15)
        number = os.read(read_fd, 32).decode().strip() if ready else ""
        if not number.isdigit():
            raise CheckFailed(f"Xvfb did not start (see {log})")
        env = dict(stack_env, DISPLAY=f":{number}", QT_QPA_PLATFORM="xcb")
        env.pop("WAYLAND_DISPLAY", None)
        openbox = subprocess.Popen(
            ["openbox"], stdout=errors, stderr=errors, stdin=subprocess.DEVNULL, env=env
        )
        stack.callback(_stop, openbox)
        trayer = subprocess.Popen(
            [
                "trayer",
                "--edge",
                "top",
                "--align",
                "right",
                "--widthtype",
                "request",
                "--height",
                "32",
                "--SetDockType",
                "true",
                "--SetPartialStrut",
                "true",
                "--transparent",
                "false",
                "--tint",
                "0xd8dee9",
            ],
            stdout=errors,
            stderr=errors,
            stdin=subprocess.DEVNULL,
            env=env,
        )
        stack.callback(_stop, trayer)
        _wait_for(
            lambda: _xdotool(env, "search", "--onlyvisible", "--class", "trayer"), 15, "trayer's window"
        )
        yield env


def _xdotool(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(["xdotool", *args], capture_output=True, text=True, env=env, check=False)
    return result.stdout.strip() if result.returncode == 0 else ""


def _tray_geometry(env: dict[str, str]) -> tuple[int, int, int, int]:
    window = _xdotool(env, "search", "--onlyvisible", "--class", "trayer").split()[0]
    shell = dict(
        line.split("=", 1)
        for line in _xdotool(env, "getwindowgeometry", "--shell", window).splitlines()
        if "=" in line
    )
    return int(shell["X"]), int(shell["Y"]), int(shell["WIDTH"]), int(shell["HEIGHT"])


def check_display(report: Report, bundle: Bundle, env: dict[str, str], shots: Path) -> None:
    log = bundle.work / "x-session.log"
    try:
        with x_display(env, log) as xenv:
            check_tray_sync(report, bundle, xenv)
            check_window_screenshot(report, bundle, xenv, shots)
            check_desktop_shot(report, bundle, xenv, shots)
    except CheckFailed as exc:
        with report.check("X display with openbox and trayer"):
            raise exc


def check_tray_sync(report: Report, bundle: Bundle, env: dict[str, str]) -> None:
    with report.check("Xvfb + trayer: tray icon shown and drawn, tray 'Sync now' runs a sync") as notes:
        home = bundle.work / "p-tray"
        run_env = dict(env, BACKORDER_DESKTOP_TEST_TRAY_ACTION="sync")
        bundle.run_ok("--demo", "--home", str(home), env=run_env)
        text = _log_text(home)
        drawn = re.findall(r"tray icon at (-?\d+),(-?\d+) size (\d+)x(\d+) showing (\d+) colours", text)
        expect(bool(drawn), "the tray test hook logged no tray icon")
        x, y, width, height, colours = (int(v) for v in drawn[-1])
        expect(
            width > 0 and height > 0 and colours > 2,
            f"tray icon {width}x{height} at {x},{y}: {colours} colours",
        )
        outcome = re.findall(r"tray sync finished: (\w+)", text)
        expect(outcome[-1:] == ["ok"], f"tray sync finished: {outcome}")
        # The window's syncs run in the frozen executable's own `sync-child` process.
        child = re.findall(r"\[sync process\] sync run \d+: (\w+)", text)
        expect("ok" in child, f"no sync run logged by the sync process: {child}")
        notes.append(
            f"icon {width}x{height} at {x},{y} shows {colours} colours; tray sync ok (in the sync process)"
        )
        _no_tracebacks(home, notes)


def check_window_screenshot(report: Report, bundle: Bundle, env: dict[str, str], shots: Path) -> None:
    with report.check("Xvfb: --demo --screenshot (docs/screenshots/frozen-smoke.png)") as notes:
        home = bundle.work / "p-screenshot"
        shot = shots / "frozen-smoke.png"
        started = time.perf_counter()
        bundle.run_ok("--demo", "--home", str(home), "--screenshot", str(shot), env=env)
        report.figures["window_screenshot_seconds"] = round(time.perf_counter() - started, 2)
        width, height, colours = _image_info(shot)
        expect(
            width >= 600 and height >= 400 and colours > 50, f"screenshot {width}x{height}, {colours} colours"
        )
        notes.append(f"{shot.relative_to(ROOT) if shot.is_relative_to(ROOT) else shot}: {width}x{height}")
        _no_tracebacks(home, notes)


def check_desktop_shot(report: Report, bundle: Bundle, env: dict[str, str], shots: Path) -> None:
    with report.check("Xvfb: running window + tray, full-screen shot (frozen-smoke-desktop.png)") as notes:
        home = bundle.work / "p-desktop"
        shot = shots / "frozen-smoke-desktop.png"
        with (bundle.work / "desktop-app.log").open("ab") as output:
            app = subprocess.Popen(
                bundle.command("--demo", "--home", str(home)),
                stdout=output,
                stderr=output,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=bundle.work,
            )
        try:
            # The title names the store first once it is known: "Demo store — BackOrder Desktop".
            window = _wait_for(
                lambda: _xdotool(env, "search", "--onlyvisible", "--name", f"{TITLE}$"), 60, "the window"
            )
            # The menu entry's StartupWMClass must name the window's WM_CLASS (its instance part).
            by_class = _xdotool(env, "search", "--onlyvisible", "--classname", f"^{APP}$")
            expect(
                str(window) in by_class.split(),
                f"WM_CLASS {APP!r} (StartupWMClass) on {by_class!r}, not {window}",
            )
            notes.append(f"WM_CLASS {APP}")

            def mirrored() -> bool:
                if app.poll() is not None:
                    raise CheckFailed(f"the app exited {app.returncode} before its demo sync finished")
                status = bundle.run("--home", str(home / "demo-profile"), "status", "--json", env=env)
                return status.returncode == 0 and json.loads(status.stdout).get("products") == DEMO_PRODUCTS

            _wait_for(mirrored, 90, "the window's demo sync", interval=0.5)
            time.sleep(2.0)  # the table and the tray tooltip catch up with the finished sync
            subprocess.run([_magick("import"), "-window", "root", str(shot)], env=env, check=True, timeout=30)
            x, y, width, height = _tray_geometry(env)
            crop = subprocess.run(
                [
                    _magick("convert"),
                    str(shot),
                    "-crop",
                    f"{width}x{height}+{x}+{y}",
                    "+repage",
                    "-format",
                    "%k",
                    "info:",
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            expect(
                int(crop) > 2, f"the tray area {width}x{height}+{x}+{y} shows {crop} colours: no icon drawn"
            )
            notes.append(f"tray area {width}x{height}+{x}+{y}: {crop} colours")
            screen_w, screen_h, colours = _image_info(shot)
            notes.append(f"{screen_w}x{screen_h}, {colours} colours")
        finally:
            code = _stop(app, timeout=30)
        expect(code in (0, -signal.SIGTERM), f"the app exited {code} on SIGTERM")
        _no_tracebacks(home, notes)


# -- 8. install.sh ---------------------------------------------------------------------------------


def check_archive(report: Report, bundle: Bundle, archive: Path) -> Path | None:
    """Unpack the release archive; returns the unpacked bundle folder (None when it is unusable)."""
    unpacked = bundle.work / "unpacked"
    folder: Path | None = None
    with report.check(f"archive {archive.name}: unpacks to {APP}/, runs") as notes:
        expect(archive.is_file(), f"{archive} missing (make package writes it)")
        expect(
            archive.stat().st_mtime >= bundle.program.stat().st_mtime, "the archive is older than the bundle"
        )
        unpacked.mkdir()
        with tarfile.open(archive) as tar:
            tops = {Path(name).parts[0] for name in tar.getnames()}
            expect(tops == {APP}, f"top folders in the archive: {sorted(tops)}")
            tar.extractall(unpacked, filter="tar")
        folder = unpacked / APP
        ours = sorted(str(p.relative_to(bundle.folder)) for p in bundle.folder.rglob("*"))
        theirs = sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))
        expect(ours == theirs, f"the archive holds {len(theirs)} entries, the bundle {len(ours)}")
        version = subprocess.run(
            [str(folder / APP), "--version"], capture_output=True, text=True, env=bundle.base_env, check=False
        )
        expect(version.returncode == 0, f"the unpacked program exited {version.returncode}: {version.stderr}")
        notes.append(f"{archive.stat().st_size / 1024 / 1024:.1f} MiB, {len(theirs)} entries, starts")
    return folder


def check_install(report: Report, bundle: Bundle, folder: Path) -> None:
    with report.check(
        f"install.sh (from {folder.parent.name}/) into a temporary prefix, then --uninstall"
    ) as notes:
        prefix = bundle.work / "prefix"
        env = dict(bundle.base_env, PREFIX=str(prefix))
        install = subprocess.run(
            [str(folder / "install.sh")],
            capture_output=True,
            text=True,
            env=env,
            cwd=bundle.work,
            check=False,
        )
        expect(
            install.returncode == 0,
            f"install.sh exited {install.returncode}: {install.stderr.strip()[-300:]}",
        )
        linked = prefix / "bin" / APP
        version = subprocess.run(
            [str(linked), "--version"], capture_output=True, text=True, env=env, check=False
        )
        expect(version.returncode == 0 and read_identity().version in version.stdout, f"installed: {version}")
        desktop = prefix / "share" / "applications" / f"{APP}.desktop"
        text = desktop.read_text(encoding="utf-8")
        expect(f"Exec={prefix / 'lib' / APP / APP}" in text, "the menu entry does not run the installed copy")
        icons = sorted((prefix / "share" / "icons" / "hicolor").glob(f"*/apps/{APP}.*"))
        expect(len(icons) == len(PNG_SIZES) + 1, f"{len(icons)} icons installed")
        if shutil.which("desktop-file-validate"):
            valid = subprocess.run(
                ["desktop-file-validate", str(desktop)], capture_output=True, text=True, check=False
            )
            expect(
                valid.returncode == 0, f"desktop-file-validate: {valid.stdout.strip()} {valid.stderr.strip()}"
            )
            notes.append("menu entry valid")
        notes.append(f"installed to {prefix.name}/lib/{APP}, {len(icons)} icons")
        removal = subprocess.run(
            [str(prefix / "lib" / APP / "install.sh"), "--uninstall"],
            capture_output=True,
            text=True,
            env=env,
            cwd=bundle.work,
            check=False,
        )
        expect(removal.returncode == 0, f"--uninstall exited {removal.returncode}: {removal.stderr.strip()}")
        # update-desktop-database leaves its (now empty) cache behind, as for any uninstalled app.
        left = [
            str(p.relative_to(prefix))
            for p in prefix.rglob("*")
            if (p.is_file() or p.is_symlink()) and p.name != "mimeinfo.cache"
        ]
        expect(not left, f"left after --uninstall: {left[:5]}")


# --------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / APP, help="The one-folder bundle.")
    parser.add_argument(
        "--screenshots", type=Path, default=ROOT / "docs" / "screenshots", help="Where PNGs go."
    )
    parser.add_argument(
        "--archive", type=Path, default=None, help="The .tar.gz (default: next to the bundle)."
    )
    parser.add_argument("--report", type=Path, default=ROOT / "build" / "smoke" / "report.json")
    parser.add_argument("--keep", action="store_true", help="Keep the temporary folder (profiles, logs).")
    args = parser.parse_args(argv)
    bundle_dir = args.bundle.resolve()
    if not (bundle_dir / APP).is_file():
        print(f"smoke test: no bundle at {bundle_dir}; build it with `make package`", file=sys.stderr)
        return 2
    args.screenshots.mkdir(parents=True, exist_ok=True)
    # Short: unix socket paths (D-Bus, X) must stay under ~100 characters.
    work = Path(tempfile.mkdtemp(prefix="bd-smoke-"))
    report = Report()
    started = time.perf_counter()
    print(f"smoke test: {bundle_dir} (work folder {work})")
    try:
        bundle = Bundle(bundle_dir, work)
        check_layout(report, bundle)
        check_identity(report, bundle)
        check_start_loads_no_qt(report, bundle)
        check_no_keyring(report, bundle)
        from tests.fixtures_keyring import private_secret_service

        with private_secret_service(work / "keyring") as session:
            env = dict(bundle.base_env)
            for name in (
                "HOME",
                "XDG_DATA_HOME",
                "XDG_CONFIG_HOME",
                "XDG_CACHE_HOME",
                "XDG_RUNTIME_DIR",
                "DBUS_SESSION_BUS_ADDRESS",
            ):
                env[name] = session[name]
            bundle.env = env
            check_keyring_and_sync(report, bundle, env)
            check_demo_sync(report, bundle, env)
            check_offscreen_window(report, bundle, env)
            check_display(report, bundle, env, args.screenshots.resolve())
        archive = args.archive or bundle_dir.parent / archive_name(read_identity().version)
        unpacked = check_archive(report, bundle, archive)
        check_install(report, bundle, unpacked or bundle_dir)
    finally:
        report.figures["smoke_seconds"] = round(time.perf_counter() - started, 1)
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(
            json.dumps(
                {"ok": report.ok, "figures": report.figures, "checks": [r.__dict__ for r in report.results]},
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
        if args.keep:
            print(f"smoke test: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    passed = sum(r.ok for r in report.results)
    failed = len(report.results) - passed
    print(f"smoke test: {passed} passed, {failed} failed in {report.figures['smoke_seconds']} s")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
