"""The sync child's wire format for errors: each error crosses the pipe as its kind and comes back as
the same class, with its words (``adapters/sync_process.py``; the window routes by class)."""

from __future__ import annotations

import json

import pytest

from backorder_desktop.adapters.sync_process import error_from_json
from backorder_desktop.adapters.sync_process import error_to_json
from backorder_desktop.domain.errors import CLASS_OF_KIND
from backorder_desktop.domain.errors import ErrorKind
from backorder_desktop.domain.errors import InvalidData
from backorder_desktop.domain.errors import NotConnected
from backorder_desktop.domain.errors import Remedy
from backorder_desktop.domain.errors import UserFacingError
from backorder_desktop.domain.errors import error_for
from backorder_desktop.domain.stock import InvalidStock


@pytest.mark.parametrize("kind", list(ErrorKind))
def test_every_error_kind_crosses_the_pipe_as_its_own_class(kind: ErrorKind) -> None:
    wire = json.dumps(error_to_json(error_for(kind, "what to do next", "A title")))
    back = error_from_json(json.loads(wire))
    assert type(back) is CLASS_OF_KIND[kind]
    assert (back.kind, back.title, back.message) == (kind, "A title", "what to do next")


def test_an_api_error_keeps_its_status_and_the_servers_reasons() -> None:
    sent = InvalidData("The store refused 1 value.", status=422, reasons={"variant 5": "too large"})
    back = error_from_json(json.loads(json.dumps(error_to_json(sent))))
    assert isinstance(back, InvalidData)
    assert (back.title, back.status, back.reasons) == (sent.title, 422, {"variant 5": "too large"})


def test_an_error_class_without_a_kind_of_its_own_crosses_as_a_user_error_with_its_words() -> None:
    sent = InvalidStock("That SKU is not a BackOrder product.")
    back = error_from_json(error_to_json(sent))
    assert (type(back), back.kind, back.title, back.message) == (
        UserFacingError,
        ErrorKind.USER,
        sent.title,
        sent.message,
    )


def test_the_wire_names_no_class() -> None:
    wire = error_to_json(error_for(ErrorKind.OFFLINE, "No network."))
    assert wire["kind"] == "offline" and "type" not in wire


@pytest.mark.parametrize("remedy", [*list(Remedy), None])
def test_an_errors_remedy_crosses_the_pipe(remedy: Remedy | None) -> None:
    sent = NotConnected("Connect a store first.", remedy=remedy)
    back = error_from_json(json.loads(json.dumps(error_to_json(sent))))
    assert back.remedy is remedy
