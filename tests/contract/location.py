"""Where the contract suite finds BigCommerce's OpenAPI specs, and what a run does without them.

The specs are not part of this repository: they sit in ``../shared/bigcommerce-openapi/`` beside the
checkout (as in CI), or wherever ``BIGCOMMERCE_OPENAPI_DIR`` points. Without that folder the contract
suite is left out of the run with one line saying so (tests/conftest.py); in CI (``CI=true``) a
missing folder fails the run instead, so CI never passes without the contract suite. Standard
library only: the root conftest asks before any contract module (and openapi-core) is imported.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "BIGCOMMERCE_OPENAPI_DIR"
CONTRACT_DIR = Path(__file__).resolve().parent
DEFAULT_DIR = CONTRACT_DIR.parents[1].parent / "shared" / "bigcommerce-openapi"


def spec_dir() -> Path:
    """``BIGCOMMERCE_OPENAPI_DIR``, else ``../shared/bigcommerce-openapi`` beside the checkout."""
    return Path(os.environ.get(ENV_VAR) or DEFAULT_DIR)


def specs_present() -> bool:
    return spec_dir().is_dir()


def in_ci() -> bool:
    """``CI=true`` (GitHub Actions, GitLab and most others set it)."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


_HOW_TO_RUN = f"to run it, put BigCommerce's OpenAPI specs there or point {ENV_VAR} at their folder"


def not_run_notice(count: int) -> str:
    """The one line a run without the specs prints."""
    return f"contract suite did not run ({count} tests): no spec folder at {spec_dir()}; {_HOW_TO_RUN}"


def missing_in_ci() -> str:
    return f"the contract suite must run in CI, but there is no spec folder at {spec_dir()}; {_HOW_TO_RUN}"
