"""Error kinds: every error class has its kind, and ``error_for`` rebuilds the class from it."""

from __future__ import annotations

import pytest

from backorder_desktop.domain import errors
from backorder_desktop.domain.errors import CLASS_OF_KIND
from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.errors import ErrorKind
from backorder_desktop.domain.errors import error_for
from backorder_desktop.domain.stock import InvalidStock

ERROR_CLASSES = [
    value
    for value in vars(errors).values()
    if isinstance(value, type) and issubclass(value, BackorderError) and value is not BackorderError
]


# Refinements that keep their parent's kind on purpose: whatever treats the parent (the scheduler's
# "busy", the window's routing) treats them alike, and a recorded one is rebuilt as the parent with its
# own title. Any other class sharing a kind is a mistake this list makes visible.
SHARES_ITS_PARENTS_KIND = {errors.AnotherDesktopSyncs}


@pytest.mark.parametrize(
    "cls", sorted(SHARES_ITS_PARENTS_KIND, key=lambda c: c.__name__), ids=lambda c: c.__name__
)
def test_a_refinement_is_rebuilt_as_its_parent_with_its_own_title(cls: type[BackorderError]) -> None:
    parent = CLASS_OF_KIND[cls.kind]
    assert parent is not cls and issubclass(cls, parent)
    rebuilt = error_for(cls.kind, "what to do next", cls.title)
    assert (type(rebuilt), rebuilt.title, rebuilt.message) == (parent, cls.title, "what to do next")


@pytest.mark.parametrize(
    "cls", [c for c in ERROR_CLASSES if c not in SHARES_ITS_PARENTS_KIND], ids=lambda c: c.__name__
)
def test_every_error_class_has_a_kind_that_rebuilds_it(cls: type[BackorderError]) -> None:
    assert CLASS_OF_KIND[cls.kind] is cls
    rebuilt = error_for(cls.kind, "what to do next")
    assert (type(rebuilt), rebuilt.title, rebuilt.message) == (cls, cls.title, "what to do next")


def test_every_kind_names_one_class_and_other_errors_fall_back_to_user_or_bug() -> None:
    assert set(CLASS_OF_KIND) == set(ErrorKind)
    assert len(set(CLASS_OF_KIND.values())) == len(ErrorKind)
    assert InvalidStock.kind is ErrorKind.USER  # a UserFacingError elsewhere in the domain
    assert BackorderError.kind is ErrorKind.BUG


def test_error_for_keeps_a_recorded_title() -> None:
    error = error_for(ErrorKind.SYNC_STOPPED, "Closed while syncing.", "Interrupted")
    assert isinstance(error, errors.SyncStopped) and str(error) == "Interrupted: Closed while syncing."
