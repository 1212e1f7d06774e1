"""Entry point of ``python -m bench``: runs the suite and exits with its status."""

from __future__ import annotations

from bench.suite import main

raise SystemExit(main())
