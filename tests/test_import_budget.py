"""Each command imports only what it needs: no Qt on the command line, and no HTTP client, scheduler,
demo store or PostgreSQL driver for a command that does not use them.

A script calls ``status --json`` in a loop, so every library a command imports without using it is
paid on every call (psycopg alone cost ~0.1-0.3 s, most of a start). Each command runs in its own
interpreter, as the installed script runs it (``-X importtime`` needs the interpreter's flag, so
the command starts through ``backorder_desktop.cli.main`` here rather than ``run_cli``); at exit it
writes the modules it loaded, and a failure names each module it must not load with the chain of
imports that pulled it in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from backorder_desktop import __version__
from backorder_desktop.demo.server import DemoStore
from tests.integration.cli_runner import run_cli

# Never on the command line: the window's toolkit.
QT = ("PySide6", "shiboken6", "backorder_desktop.ui")
# The store's HTTP client, the scheduler, the demo store, the team database's driver, the webhook
# receiver: only for the commands that use them.
NOT_FOR_LOCAL_READS = (
    *QT,
    "httpx",
    "httpcore",
    "h2",
    "apscheduler",
    "backorder_desktop.demo",
    "psycopg",
    "psycopg2",
    "backorder_desktop.adapters.bigcommerce.client",
    "backorder_desktop.adapters.webhook_receiver",
    "backorder_desktop.adapters.erp",
    # The window's reads, the sync engine and its child, the feed: the facade builds a service when
    # it is first used.
    "backorder_desktop.services.dashboard",
    "backorder_desktop.services.stock_history",
    "backorder_desktop.domain.dashboard",
    "backorder_desktop.domain.stock_history",
    "backorder_desktop.services.sync_engine",
    "backorder_desktop.services.page_fetch",
    "backorder_desktop.services.feed",
    "backorder_desktop.services.backorder_rules",
    "backorder_desktop.adapters.bigcommerce",
    "backorder_desktop.adapters.sync_process",
)
# Opening a profile whose database is current, with no run left marked running, and no team: no
# sync lock (its library), no migration modules or migrator, no team set-up, no webhook service nor
# its random secrets.
NOT_AT_A_PLAIN_OPEN = (
    "filelock",
    "playhouse.migrate",
    "backorder_desktop.adapters.storage.migrations.m0001_initial",
    "backorder_desktop.services.team_setup",
    "backorder_desktop.domain.team_url",
    "backorder_desktop.services.webhooks",
    "secrets",
)
# status names the keyring; off macOS without the macOS backend's probe of Apple's libraries
# (ctypes' find_library runs a dozen ldconfig, gcc and ld processes there; the probe's own module
# fails and leaves, ctypes.util stays behind).
NOT_FOR_STATUS = (
    *NOT_FOR_LOCAL_READS,
    *NOT_AT_A_PLAIN_OPEN,
    # The schedule's time zone only for the ERP's daily run (this profile's source is the store's).
    "tzlocal",
    # The outbox is counted by the mirror: no stock service, nor the purchasing it is built with.
    "backorder_desktop.services.stock",
    "backorder_desktop.services.purchasing",
    # The log file's rotating handler (pickle, queue) comes with the first line logged: status logs none.
    "logging.handlers",
    "pickle",
    # The ports are the services' and the mirror's annotations: a status makes none of their classes.
    "backorder_desktop.domain.ports",
    # The rules' purchasing records and team mode's lead check: not for a profile's figures.
    "backorder_desktop.domain.purchasing",
    "backorder_desktop.services.team",
    # Listing no unread notification makes none (their domain comes with the first one told or read).
    "backorder_desktop.domain.notifications",
    *(() if sys.platform == "darwin" else ("ctypes.util",)),
)
# Reading or editing the mirror touches no secret: no keyring (status names the keyring, so it may).
NOT_FOR_MIRROR_WORK = (
    *NOT_FOR_LOCAL_READS,
    *NOT_AT_A_PLAIN_OPEN,
    "keyring",
    "secretstorage",
    "jeepney",
    "cryptography",
    # Nor the schedule (status names the next run).
    "backorder_desktop.services.scheduler",
    "backorder_desktop.services.schedule_rules",
    "tzlocal",
)
# --version answers before any profile is opened, and before the command line itself is imported.
NOT_FOR_VERSION = (
    *NOT_FOR_LOCAL_READS,
    "backorder_desktop.app",
    "backorder_desktop.services",
    "backorder_desktop.adapters",
    "backorder_desktop.domain",
    "backorder_desktop.cli.common",
    "backorder_desktop.cli.main",
    "click",
    "peewee",
    "keyring",
    "sqlite3",
)
# sync talks to the store (httpx is its job) but still needs no window, scheduler or demo store.
NOT_FOR_SYNC = (*QT, "apscheduler", "backorder_desktop.demo", "psycopg", "psycopg2")

RECORDER = """
import atexit, json, sys
out = sys.argv[1]
names = lambda: [n for n, m in sys.modules.items() if m is not None]
atexit.register(lambda: open(out, "w").write(json.dumps(names())))
sys.argv = ["backorder-desktop", *sys.argv[2:]]
from backorder_desktop.cli import main  # the installed script's entry point
main()
"""


def loaded_by(
    home: str | None, args: list[str], env: dict[str, str], scratch: Path, *, unset: tuple[str, ...] = ()
) -> tuple[set[str], str]:
    """The modules ``backorder-desktop --home HOME ARGS`` (without ``--home`` when None) had loaded at
    exit, and its import-time log."""
    record = scratch / "modules.json"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BACKORDER_DESKTOP_") and k not in unset}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", RECORDER, str(record), *home_option(home), *args],
        capture_output=True,
        text=True,
        env={**clean, **env},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"{args}: exit {done.returncode}: {done.stderr[-1500:]}"
    return set(json.loads(record.read_text())), done.stderr


def home_option(home: str | None) -> tuple[str, ...]:
    return ("--home", home) if home is not None else ()


def import_chain(importtime_log: str, module: str) -> str:
    """``a -> b -> module``: who first imported ``module``, from ``-X importtime``'s nested log."""
    rows: list[tuple[int, str]] = []
    for line in importtime_log.splitlines():
        if line.startswith("import time:") and "self [us]" not in line:
            name = line.split("|", 2)[2]
            rows.append((len(name) - len(name.lstrip()), name.strip()))
    # The log lists a module's imports before it, one level deeper: its importer is the next line
    # below at a shallower depth.
    for index, (depth, name) in enumerate(rows):
        if name == module:
            chain = [name]
            for later_depth, later in rows[index + 1 :]:
                if later_depth < depth:
                    chain.append(later)
                    depth = later_depth
            return " -> ".join(reversed(chain))
    return f"{module} (not in the import log)"


def violations(loaded: set[str], forbidden: tuple[str, ...], log: str) -> list[str]:
    found = sorted(m for m in loaded if any(m == f or m.startswith(f + ".") for f in forbidden))
    # One line per forbidden package: the first of its modules that was loaded, and why.
    tops = {next(f for f in forbidden if m == f or m.startswith(f + ".")): m for m in reversed(found)}
    return [f"{top}: {import_chain(log, module)}" for top, module in sorted(tops.items())]


def test_each_command_loads_only_the_libraries_it_uses(
    connected_home: str, demo_store: DemoStore, tmp_path: Path
) -> None:
    env = {"BACKORDER_DESKTOP_TOKEN": demo_store.token}
    home = connected_home
    synced = run_cli(home, "sync", env=env)
    assert synced.code == 0, synced.stderr
    listed = run_cli(home, "products", "--limit", "50", "--json", env=env).json()
    product = next(p for p in listed if p["inventory_tracking"] != "none")  # stock set needs one
    assert run_cli(home, "assign", str(product["id"]), env=env).code == 0
    sku = product["variants"][0]["sku"] if product["inventory_tracking"] == "variant" else product["sku"]

    budgets: dict[str, tuple[list[str], tuple[str, ...]]] = {
        "--version": (["--version"], NOT_FOR_VERSION),
        "status --json": (["status", "--json"], NOT_FOR_STATUS),
        "products --search": (["products", "--search", sku, "--json"], NOT_FOR_MIRROR_WORK),
        "stock set": (["stock", "set", sku, "3"], NOT_FOR_MIRROR_WORK),
        "sync": (["sync"], NOT_FOR_SYNC),
    }
    over: dict[str, list[str]] = {}
    loaded: dict[str, set[str]] = {}
    for name, (args, forbidden) in budgets.items():
        # status looks the keyring up as on a merchant's computer (not the test's chosen backend).
        unset = ("PYTHON_KEYRING_BACKEND",) if name == "status --json" else ()
        # A script asks for the version alone, as the installed command's first argument.
        command_home = None if args == ["--version"] else home
        loaded[name], log = loaded_by(command_home, args, env, tmp_path, unset=unset)
        if found := violations(loaded[name], forbidden, log):
            over[name] = found

    assert over == {}
    # The budgets are checked against what really ran: each command loaded its own module.
    assert "backorder_desktop.cli.catalog" in loaded["status --json"]
    assert "backorder_desktop.cli.stock" in loaded["stock set"]
    assert "httpx" in loaded["sync"]
    assert "keyring.backends.SecretService" in loaded["status --json"]  # the keyring was looked up


def test_version_says_what_the_command_lines_own_version_option_says(tmp_path: Path) -> None:
    """``--version`` alone is answered before click is imported; with another option, by click."""
    alone = subprocess.run(
        [sys.executable, "-m", "backorder_desktop", "--version"], capture_output=True, text=True, check=False
    )
    with_click = run_cli(str(tmp_path), "--version")  # after --home: click's version option

    assert alone.returncode == with_click.code == 0
    assert alone.stdout == with_click.stdout == f"backorder-desktop, version {__version__}\n"


def test_the_chain_names_who_imported_a_module() -> None:
    log = "\n".join(
        [
            "import time: self [us] | cumulative | imported package",
            "import time:        10 |         10 |       psycopg",
            "import time:        10 |         20 |     peewee",
            "import time:        10 |         10 |     tenacity",
            "import time:        10 |         40 |   backorder_desktop.adapters.storage",
            "import time:        10 |         50 | backorder_desktop.app",
        ]
    )

    assert (
        import_chain(log, "psycopg")
        == "backorder_desktop.app -> backorder_desktop.adapters.storage -> peewee -> psycopg"
    )
    assert violations({"psycopg", "psycopg.pq", "click"}, ("psycopg", "PySide6"), log) == [
        "psycopg: backorder_desktop.app -> backorder_desktop.adapters.storage -> peewee -> psycopg"
    ]


def test_a_team_database_opens_after_sqlite_storage_imported_peewee_without_its_driver(
    postgres_url: str,
) -> None:
    """The storage package imports peewee with PostgreSQL's driver hidden; opening a team database
    later hands the driver to peewee, and its connection, transactions and migrations work."""
    script = """
import sys
import backorder_desktop.adapters.storage
assert "psycopg" not in sys.modules, "the storage package loaded psycopg"
from backorder_desktop.adapters.storage.postgres import open_postgres_database, schema_version
from backorder_desktop.adapters.storage import migrations
db = open_postgres_database(sys.argv[1])
with db.atomic():
    db.execute_sql("SELECT 1")
print(schema_version(db.connection()), migrations.LATEST_VERSION)
db.close()
"""
    done = subprocess.run(
        [sys.executable, "-c", script, postgres_url], capture_output=True, text=True, timeout=120, check=False
    )

    assert done.returncode == 0, done.stderr[-2000:]
    version, latest = done.stdout.split()
    assert version == latest
