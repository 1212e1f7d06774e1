"""PostgreSQL fixtures: a throwaway server for the test session, and a fresh database per test.

``postgres_server`` (session scope) runs ``initdb`` in a temporary folder and starts ``postgres``
on a unix socket in that folder only (``listen_addresses`` empty: no TCP port to find free or to
clash with a parallel run; the port number only names the socket file). Durability is switched off
(``fsync``, ``synchronous_commit``, ``full_page_writes``): a crash loses only a test's database,
and initdb plus start take about a second. ``pg_ctl stop -m immediate`` ends it after the session.

``initdb`` and ``postgres`` refuse to run as root (CI and this machine run the suite as root), so
under root both run as the ``postgres`` system user that Debian's ``postgresql-15`` package creates,
dropped to with ``setpriv`` (util-linux, always present); the temporary folder is handed to that
user. Clients connect as the database superuser ``postgres`` with ``trust`` authentication; only
the socket's folder (mode 0700, the server user's) lets anyone in, and the tests run as that user or
as root.

``postgres_url`` creates a database of its own for each test (``CREATE DATABASE`` from
``template0``: a few milliseconds) and yields its ``postgresql://`` URL; the database is dropped
after the test, with any connection the test left open.

Missing binaries fail the test with the fix (``scripts/system-deps.sh`` installs them) — never a
skip: the team tests are part of the suite everywhere ``make test`` runs.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

SERVER_USER = "postgres"  # the system user Debian's package creates; used only when we are root
SUPERUSER = "postgres"  # the database role initdb creates (-U)
SOCKET_PORT = 5432  # names the socket file only: the server listens on no TCP port
START_TIMEOUT_S = 60
BINARIES = ("initdb", "pg_ctl", "postgres")
FIX = (
    "PostgreSQL's server binaries (initdb, pg_ctl, postgres) were not found. Install them with "
    "`scripts/system-deps.sh` (Debian: apt-get install postgresql-15), or point BACKORDER_PG_BIN "
    "at the folder that holds them."
)
# Speed over durability: a throwaway server whose data nobody keeps.
SERVER_SETTINGS = {
    "listen_addresses": "",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "100",
    "shared_buffers": "32MB",
}


def find_bindir(
    env: dict[str, str] | os._Environ[str] = os.environ,
    debian_root: Path = Path("/usr/lib/postgresql"),
    path: str | None = None,
) -> Path | None:
    """Where initdb, pg_ctl and postgres are: BACKORDER_PG_BIN, Debian's newest versioned folder, or PATH."""
    candidates: list[Path] = []
    if env.get("BACKORDER_PG_BIN"):
        candidates.append(Path(env["BACKORDER_PG_BIN"]))
    candidates.extend(sorted(debian_root.glob("*/bin"), key=lambda p: _major(p.parent.name), reverse=True))
    on_path = shutil.which("initdb", path=path)
    if on_path:
        candidates.append(Path(on_path).parent)
    for folder in candidates:
        if all((folder / name).is_file() for name in BINARIES):
            return folder
    return None


def _major(name: str) -> int:
    return int(name) if name.isdigit() else -1


@dataclass
class PostgresServer:
    """A running throwaway server: its socket folder, and how to reach its databases."""

    bindir: Path
    root: Path
    socket_dir: Path
    data_dir: Path
    log_file: Path
    run_as: pwd.struct_passwd | None

    def url(self, database: str) -> str:
        """A libpq URL of ``database`` on this server, over its unix socket."""
        host = quote(str(self.socket_dir), safe="")
        return f"postgresql://{SUPERUSER}@/{quote(database)}?host={host}&port={SOCKET_PORT}"

    def admin(self) -> psycopg.Connection[tuple[object, ...]]:
        """An autocommit connection to the ``postgres`` database (CREATE/DROP DATABASE need one)."""
        return psycopg.connect(self.url("postgres"), autocommit=True)

    def _command(self, *args: str | Path) -> list[str]:
        command = [str(a) for a in args]
        if self.run_as is None:
            return command
        return [
            "setpriv",
            f"--reuid={self.run_as.pw_uid}",
            f"--regid={self.run_as.pw_gid}",
            "--clear-groups",
            *command,
        ]

    def run(self, *args: str | Path) -> None:
        """Run one of the server's binaries (as the server's user), failing with its output."""
        done = subprocess.run(
            self._command(*args), capture_output=True, text=True, timeout=START_TIMEOUT_S, check=False
        )
        if done.returncode != 0:
            log = self.log_file.read_text(errors="replace")[-3000:] if self.log_file.exists() else ""
            raise RuntimeError(
                f"{Path(str(args[0])).name} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}\n{log}"
            )

    def start(self) -> None:
        options = " ".join(f"-c {key}='{value}'" for key, value in SERVER_SETTINGS.items())
        options += f" -k {self.socket_dir} -p {SOCKET_PORT}"
        self.run(
            self.bindir / "pg_ctl", "start", "-w", "-t", str(START_TIMEOUT_S),
            "-D", self.data_dir, "-l", self.log_file, "-o", options,
        )  # fmt: skip

    def stop(self) -> None:
        self.run(self.bindir / "pg_ctl", "stop", "-m", "immediate", "-D", self.data_dir)

    def restart(self) -> None:
        """Stop at once (every session cut, as a crash or a server restart does) and start again."""
        self.stop()
        self.start()


def require_bindir(bindir: Path | None) -> Path:
    """The binaries' folder, or the test fails (never skips) saying how to install them."""
    if bindir is None:
        pytest.fail(FIX, pytrace=False)
    return bindir


def start_server() -> PostgresServer:
    """initdb a fresh cluster in a temporary folder and start it; the caller stops it."""
    bindir = require_bindir(find_bindir())
    run_as = None
    if os.geteuid() == 0:
        try:
            run_as = pwd.getpwnam(SERVER_USER)
        except KeyError:
            pytest.fail(
                f"The tests run as root, and PostgreSQL refuses to: its server runs as the system user "
                f"{SERVER_USER!r}, which is missing. {FIX}",
                pytrace=False,
            )
    # Under /tmp, not $TMPDIR: the server's user must reach the folder, and a unix socket's path
    # must stay under about 100 characters.
    root = Path(tempfile.mkdtemp(prefix="backorder-pg-", dir="/tmp" if Path("/tmp").is_dir() else None))
    server = PostgresServer(
        bindir=bindir,
        root=root,
        socket_dir=root / "socket",
        data_dir=root / "data",
        log_file=root / "server.log",
        run_as=run_as,
    )
    server.socket_dir.mkdir(mode=0o700)
    if run_as is not None:
        for path in (root, server.socket_dir):
            os.chown(path, run_as.pw_uid, run_as.pw_gid)
    server.run(
        bindir / "initdb", "-D", server.data_dir, "-U", SUPERUSER, "--auth=trust",
        "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions",
    )  # fmt: skip
    server.start()
    return server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = start_server()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


_database_numbers = itertools.count(1)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of a new, empty database of the session's server, dropped after the test."""
    name = f"test_{os.getpid()}_{next(_database_numbers)}"
    with postgres_server.admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    try:
        yield postgres_server.url(name)
    finally:
        with postgres_server.admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
