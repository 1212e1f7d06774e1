"""Standalone write benchmark, kept for ``python bench/bench_writes.py``: runs ``bench.writes``.

The logic lives in ``bench/writes.py`` (row 1 of ``python -m bench``); this file only keeps the
old command working.

    python bench/bench_writes.py [--products N] [--repeat R] [--seed S] [--profile]
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.writes import main

if __name__ == "__main__":
    raise SystemExit(main())
