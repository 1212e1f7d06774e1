"""Run the real ``backorder-desktop`` command in a subprocess, as a merchant or a script would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_cli(
    home: str | Path,
    *args: str,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 120,
) -> Result:
    """``backorder-desktop --home HOME ARGS...`` with ``env`` added to a clean copy of ours."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("BACKORDER_DESKTOP_")}
    full_env.update(env or {})
    process = subprocess.run(
        [sys.executable, "-m", "backorder_desktop", "--home", str(home), *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        check=False,
    )
    return Result(process.returncode, process.stdout, process.stderr)


def connect_cli(home: str | Path, store: Any, env: dict[str, str], token: str | None = None) -> Result:
    """``connect`` to a demo store, the token on standard input (as a script would give it)."""
    return run_cli(
        home,
        "connect",
        "--store-hash",
        store.store_hash,
        "--api-url",
        store.api_url,
        env=env,
        stdin=(token or store.token) + "\n",
    )
