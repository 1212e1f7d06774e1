"""The repository stands on its own: a clone without BigCommerce's specs beside it passes its run,
saying once that the contract suite did not run; in CI that is an error, and so is a skipped
contract test. Each case runs pytest on tests/contract in a child process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.contract import location

ROOT = Path(__file__).resolve().parent.parent
NOTICE = "contract suite did not run"


def _pytest(*args: str, spec_dir: Path, ci: bool, pythonpath: Path | None = None) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS", "PYTHONPATH")}
    env[location.ENV_VAR] = str(spec_dir)
    if ci:
        env["CI"] = "true"
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,  # only so that a hang cannot stall the run
    )
    return done.returncode, done.stdout + done.stderr


def test_without_the_specs_the_contract_suite_is_left_out_with_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "no-specs-here"
    code, output = _pytest("tests/contract", spec_dir=missing, ci=False)
    assert code == 0, output
    notices = [line for line in output.splitlines() if NOTICE in line]
    assert len(notices) == 1, output
    assert str(missing) in notices[0] and location.ENV_VAR in notices[0]
    assert " deselected" in output
    for word in ("error", "skipped", "passed", "failed"):
        assert word not in output.lower(), output


def test_in_ci_missing_specs_fail_the_run(tmp_path: Path) -> None:
    missing = tmp_path / "no-specs-here"
    code, output = _pytest("tests/contract", spec_dir=missing, ci=True)
    assert code == 4, output  # pytest's usage error: nothing ran
    assert "the contract suite must run in CI" in output and str(missing) in output
    assert NOTICE not in output


def test_in_ci_a_skipped_contract_test_fails(tmp_path: Path) -> None:
    (tmp_path / "skip_every_test.py").write_text(
        "import pytest\n\n"
        "def pytest_collection_modifyitems(items):\n"
        "    for item in items:\n"
        "        item.add_marker(pytest.mark.skip(reason='skipped by the test'))\n"
    )
    specs = tmp_path / "specs"  # present (if empty): the skip stops each test before it reads them
    specs.mkdir()
    args = ("tests/contract/test_store_info.py", "-p", "skip_every_test")
    code, output = _pytest(*args, spec_dir=specs, ci=True, pythonpath=tmp_path)
    assert code == 1, output
    assert "a contract test may not be skipped in CI (skipped:" in output
    assert "skipped by the test" in output
    assert " skipped" not in output.splitlines()[-1]

    code, output = _pytest(*args, spec_dir=specs, ci=False, pythonpath=tmp_path)
    assert code == 0 and " skipped" in output.splitlines()[-1], output
