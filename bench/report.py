"""The suite's one table: rows (ours vs a bound, as a ratio), the machine, text/markdown/JSON output."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from collections.abc import Sequence
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"

OK = "ok"
NOT_BUILT = "not built yet"
FAILED = "failed"


@dataclass
class Row:
    """One line of the table: our figure, the bound's figure, and ``ratio`` = ours ÷ bound.

    ``target`` is the largest ratio that meets the target (``None``: no target, shown only).
    ``status`` is ``ok``, ``not built yet`` (skipped; ``note`` says why) or ``failed``.
    """

    key: str
    name: str
    products: int | None
    ours: str
    bound: str
    ratio: float | None
    target: float | None = None
    note: str = ""
    status: str = OK
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def met(self) -> bool | None:
        if self.status != OK or self.ratio is None or self.target is None:
            return None
        return self.ratio <= self.target

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["met"] = self.met
        return out


def skipped(key: str, name: str, reason: str, products: int | None = None) -> Row:
    """A row that is not measured yet (the part it measures is still being built)."""
    return Row(key, name, products, "—", "—", None, None, note=reason, status=NOT_BUILT)


def failed(key: str, name: str, error: BaseException | str, products: int | None = None) -> Row:
    return Row(key, name, products, "—", "—", None, None, note=f"failed: {error}", status=FAILED)


# --- the machine --------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip()


def machine() -> dict[str, Any]:
    """What the run ran on: CPU model, cores, RAM, Python, OS."""
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count() or 0,
        "ram_gb": round(_ram_gb(), 1),
        "python": platform.python_version(),
        "os": platform.platform(),
        "load_at_start": load_average(),
    }


def load_average() -> float | None:
    """The 1-minute load average (other work on the machine shows here), None where unknown."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def machine_line(info: dict[str, Any]) -> str:
    line = (
        f"{info['cpu']}, {info['cores']} cores, {info['ram_gb']:.0f} GB RAM, "
        f"Python {info['python']}, {info['os']}"
    )
    loads = [x for x in (info.get("load_at_start"), info.get("load_at_end")) if x is not None]
    if loads:
        line += f"; load average at start/end {' / '.join(f'{x:.1f}' for x in loads)}"
    return line


# --- rendering ----------------------------------------------------------------------------------

HEADER = ("#", "measure", "products", "ours", "bound", "ratio", "target", "met")


def _cells(row: Row) -> tuple[str, ...]:
    products = f"{row.products:,}" if row.products else "—"
    ratio = f"{row.ratio:.2f}×" if row.ratio is not None else "—"
    target = f"≤ {row.target:g}×" if row.target is not None else "—"
    if row.status != OK:
        met = row.status
    else:
        met = {True: "yes", False: "NO", None: "—"}[row.met]
    return (row.key, row.name, products, row.ours, row.bound, ratio, target, met)


def _notes(rows: Sequence[Row]) -> list[str]:
    """Each distinct note once, labelled with the row it first belongs to."""
    out: list[str] = []
    seen: set[str] = set()
    for row in rows:
        if row.note and row.note not in seen:
            seen.add(row.note)
            out.append(f"[{row.key}] {row.note}")
    return out


def render_text(rows: Sequence[Row], meta: dict[str, Any]) -> str:
    cells = [HEADER, *(_cells(r) for r in rows)]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADER))]
    right = {2, 5}
    lines = [f"backorder-desktop bench · {meta['when']} · commit {meta['commit']} · {meta['mode']}"]
    lines.append(f"machine: {machine_line(meta['machine'])}")
    rule = "  ".join("-" * w for w in widths)
    for index, line in enumerate(cells):
        padded = (c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(line))
        lines.append("  ".join(padded).rstrip())
        if index == 0:
            lines.append(rule)
    lines.append("")
    lines.extend(_notes(rows))
    lines.append(f"total time: {meta['seconds']:.0f} s")
    return "\n".join(lines)


def render_markdown(rows: Sequence[Row], meta: dict[str, Any]) -> str:
    def esc(text: str) -> str:
        return text.replace("|", "\\|")

    lines = [
        f"Measured {meta['when']} (commit `{meta['commit']}`, `{meta['command']}`, "
        f"{meta['seconds']:.0f} s) on {machine_line(meta['machine'])}.",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join(("---:" if i in (2, 5) else "---") for i in range(len(HEADER))) + "|",
    ]
    lines.extend("| " + " | ".join(esc(c) for c in _cells(r)) + " |" for r in rows)
    lines.append("")
    lines.extend(f"- {esc(note)}" for note in _notes(rows))
    return "\n".join(lines) + "\n"


def write_results(rows: Sequence[Row], meta: dict[str, Any], directory: Path = RESULTS) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    json_path = directory / "latest.json"
    md_path = directory / "latest.md"
    payload = {"meta": meta, "rows": [r.as_json() for r in rows]}
    json_path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    md_path.write_text(render_markdown(rows, meta))
    return json_path, md_path


def new_meta(command: str, mode: str) -> dict[str, Any]:
    return {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _git_commit(),
        "command": command,
        "mode": mode,
        "machine": machine(),
        "seconds": 0.0,
    }
