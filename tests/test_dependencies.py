"""The dependency ranges cap every major version, and constraints.txt pins each one inside its range.

A fresh machine installs exactly what CI tested (``make`` passes ``-c constraints.txt``); a new major
release of a library can only arrive through ``make lock`` and a green run of the suite.
"""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        lines.extend(extra)
    return [Requirement(line) for line in lines]


def _pins() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, version = line.partition("==")
        assert version, f"constraints.txt: '{line}' is not an exact pin"
        pins[canonicalize_name(name)] = Version(version)
    return pins


@pytest.mark.parametrize("requirement", _requirements(), ids=str)
def test_every_range_caps_the_major_version(requirement: Requirement) -> None:
    assert any(spec.operator in ("<", "<=", "==", "~=") for spec in requirement.specifier), (
        f"{requirement} has no upper bound: a new major release would reach a fresh machine untested"
    )


@pytest.mark.parametrize("requirement", _requirements(), ids=str)
def test_constraints_pin_each_dependency_inside_its_range(requirement: Requirement) -> None:
    pinned = _pins().get(canonicalize_name(requirement.name))
    assert pinned is not None, f"{requirement.name} is not pinned in constraints.txt (run make lock)"
    assert requirement.specifier.contains(pinned, prereleases=True), (
        f"constraints.txt pins {requirement.name}=={pinned}, outside {requirement.specifier}"
    )


def test_the_environment_running_the_tests_is_the_locked_one() -> None:
    pins = _pins()
    wrong = {
        req.name: (metadata.version(req.name), str(pins[canonicalize_name(req.name)]))
        for req in _requirements()
        if Version(metadata.version(req.name)) != pins[canonicalize_name(req.name)]
    }
    assert not wrong, f"installed vs constraints.txt: {wrong} (make reinstalls when constraints.txt changes)"
