"""A throwaway PostgreSQL server for the tests and the benchmarks: ``start_server()``.

``initdb`` into a temporary folder under /tmp, then ``postgres`` on a unix socket in that folder
only (``listen_addresses`` empty: no TCP port to find free or to clash with a parallel run; the
port number only names the socket file), durability off (``fsync``, ``synchronous_commit``,
``full_page_writes``): initdb plus start take about a second. The caller stops it
(``PostgresServer.stop``: ``pg_ctl stop -m immediate``) and removes ``root``.

``initdb`` and ``postgres`` refuse to run as root (CI and this machine run as root), so under root
both run as the ``postgres`` system user that Debian's ``postgresql-15`` package creates, dropped to
with ``setpriv`` (util-linux, always present); the temporary folder is handed to that user. Clients
connect as the database superuser ``postgres`` with ``trust`` authentication; only the socket's
folder (mode 0700, the server user's) lets anyone in.

Missing binaries raise ``ServerUnavailable`` with the fix (``scripts/system-deps.sh`` installs
them); the tests' fixtures (``tests/fixtures_postgres.py``) turn it into a failure, never a skip.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg

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


class ServerUnavailable(RuntimeError):
    """PostgreSQL's server binaries (or the user to run them as) are missing; the message says how
    to install them."""


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


def start_server() -> PostgresServer:
    """initdb a fresh cluster in a temporary folder and start it; the caller stops it."""
    bindir = find_bindir()
    if bindir is None:
        raise ServerUnavailable(FIX)
    run_as = None
    if os.geteuid() == 0:
        try:
            run_as = pwd.getpwnam(SERVER_USER)
        except KeyError:
            raise ServerUnavailable(
                f"This runs as root, and PostgreSQL refuses to: its server runs as the system user "
                f"{SERVER_USER!r}, which is missing. {FIX}"
            ) from None
    # Under /tmp, not $TMPDIR: the server's user must reach the folder, and a unix socket's path
    # must stay under about 100 characters.
    root = Path(tempfile.mkdtemp(prefix="backorder-pg-", dir="/tmp" if Path("/tmp").is_dir() else None))  # noqa: S108
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
