"""Warm children for a crash harness that kills the real command many times a run.

``crash_child`` starts a fresh interpreter per run; importing the command is most of such a run
(about 0.3 s of CPU, seconds on a loaded machine). ``WarmChildren`` starts one helper process that
imports the command once and then forks one child per run: each child is still its own process
running ``backorder_desktop.cli.main(ARGS…)`` with the same kill switch, killed with SIGKILL at
the same seeded statement, and the helper reports how it ended. Nothing is shared with the child
but the imported code: the helper opens no database, no connection and starts no thread.

The helper reads one JSON request a line on stdin (``args``, ``env``, ``stderr`` path) and answers
one JSON line (``code``: the exit code, or minus the signal that ended the child).
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.reliability.crash_child import _KillSwitch
from tests.reliability.crash_child import install
from tests.reliability.crash_world import ChildResult

REPLY_TIMEOUT_S = 60
_LEDGER_WRITE = "INSERT INTO stock_adjustments"


class WarmChildren:
    """Runs the real command in forked children of one warm helper (a context manager)."""

    def __init__(self, home: Path, token: str) -> None:
        self.home = home
        self.token = token
        self._files = Path(tempfile.mkdtemp(prefix="warm-children-"))  # counts and stderr, not in a profile
        env = {k: v for k, v in os.environ.items() if not k.startswith("BACKORDER_")}
        self._base_env = env
        self._helper = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.crash_zygote"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )

    def __enter__(self) -> WarmChildren:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for pipe in (self._helper.stdin, self._helper.stdout):
            if pipe is not None:
                pipe.close()
        self._helper.wait(timeout=REPLY_TIMEOUT_S)
        shutil.rmtree(self._files, ignore_errors=True)

    def child_env(self, kill_at: str = "", counts_file: Path | None = None) -> dict[str, str]:
        """The environment each child runs with (the token for that process only, as a merchant's
        ``BACKORDER_DESKTOP_TOKEN``; nothing else secret)."""
        return dict(
            self._base_env,
            BACKORDER_DESKTOP_TOKEN=self.token,
            BACKORDER_TEST_KILL_AT=kill_at,
            BACKORDER_TEST_COUNTS=str(counts_file or self._files / "counts.json"),
        )

    def run(
        self,
        *args: str,
        kill_at: str = "",
        home: Path | None = None,
        on_pid: Callable[[int], None] | None = None,
    ) -> ChildResult:
        """The command with ``args`` on the profile at ``home`` (default: this one's). ``on_pid`` is
        told the child's process id as soon as it is forked (for a harness that kills it itself)."""
        counts_file, stderr_file = self._files / "counts.json", self._files / "stderr.txt"
        counts_file.unlink(missing_ok=True)
        env = self.child_env(kill_at, counts_file)
        request = {"args": ["--home", str(home or self.home), *args], "env": env, "stderr": str(stderr_file)}
        request["tell_pid"] = on_pid is not None
        assert self._helper.stdin is not None and self._helper.stdout is not None
        self._helper.stdin.write(json.dumps(request).encode() + b"\n")
        self._helper.stdin.flush()
        if on_pid is not None:
            on_pid(int(json.loads(self._helper.stdout.readline())["pid"]))
        line = self._helper.stdout.readline()
        if not line:
            raise AssertionError(f"the warm helper ended (code {self._helper.poll()})")
        code = int(json.loads(line)["code"])
        counts = json.loads(counts_file.read_text()) if counts_file.exists() else None
        stderr = stderr_file.read_text(errors="replace") if stderr_file.exists() else ""
        return ChildResult(code == -signal.SIGKILL, code, counts, stderr)


class _Switch(_KillSwitch):
    """The kill switch, also noting how many commits had run at the last ledger entry the command
    wrote: the commit after it (``stock-commit`` in the counts) made the last ledger change durable.
    (The side copy of the user tables, ``main."stock_adjustments"``, is not a ledger write.)"""

    def on_statement(self, sql: str) -> None:
        super().on_statement(sql)
        if sql.lstrip().replace('"', "").startswith(_LEDGER_WRITE):  # a team database's names are quoted
            self.counts["stock-commit"] = self.counts["commit"] + 1


def _child(request: dict[str, Any], cli_main: Any) -> None:
    """In the forked child: the command with the kill switch, then exit as the command would."""
    code = 2
    try:
        os.environ.clear()
        os.environ.update(request["env"])
        quiet = os.open(os.devnull, os.O_RDWR)
        os.dup2(quiet, 0)
        os.dup2(quiet, 1)
        err = os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(err, 2)
        switch = _Switch(os.environ.get("BACKORDER_TEST_KILL_AT", ""))
        install(switch)
        try:
            cli_main(request["args"])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        atexit._run_exitfuncs()  # what the interpreter runs at a normal exit (the profile's closers)
        counts_path = os.environ.get("BACKORDER_TEST_COUNTS")
        if counts_path:
            Path(counts_path).write_text(json.dumps(switch.counts))
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def main() -> None:
    import psycopg  # noqa: F401  (a team profile's driver: imported once too, no connection made)

    from backorder_desktop.cli import main as cli_main  # imported once, before any fork

    for raw in sys.stdin.buffer:
        request = json.loads(raw)
        pid = os.fork()
        if pid == 0:
            _child(request, cli_main)
        if request.get("tell_pid"):
            sys.stdout.write(json.dumps({"pid": pid}) + "\n")
            sys.stdout.flush()
        _, status = os.waitpid(pid, 0)
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        sys.stdout.write(json.dumps({"code": code}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
