"""The retry rule decides by the recorded error's kind, whatever words the error had."""

from __future__ import annotations

from backorder_desktop.domain.errors import ErrorKind
from backorder_desktop.domain.models import ItemProblem
from backorder_desktop.domain.runs import RunOutcome
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.runs import SyncRun
from backorder_desktop.services.schedule_rules import PUSH_PROBLEM_ITEM
from backorder_desktop.services.schedule_rules import retry_after
from tests.recorded_runs import recorded_run


def _run(outcome: RunOutcome, kind: ErrorKind | None, title: str | None, *problems: ItemProblem) -> SyncRun:
    words = None if title is None else "words"
    return recorded_run(
        outcome=outcome, full=True, error_kind=kind, error_title=title, error_message=words, problems=problems
    )


def test_a_failed_run_is_retried_by_the_kind_of_its_error_not_its_title() -> None:
    offline = retry_after(_run(RunOutcome.FAILED, ErrorKind.OFFLINE, "Proxy unreachable"))
    assert offline is not None and (offline.trigger, offline.full) == (RunTrigger.RETRY, True)
    assert retry_after(_run(RunOutcome.FAILED, ErrorKind.SERVER_ERROR, "Server error")) is not None
    assert retry_after(_run(RunOutcome.FAILED, ErrorKind.USER, "Offline")) is None  # a look-alike title
    assert retry_after(_run(RunOutcome.FAILED, ErrorKind.AUTH, "BigCommerce refused the token")) is None


def test_a_pull_whose_push_failed_for_a_passing_reason_retries_the_push() -> None:
    busy = ItemProblem(PUSH_PROBLEM_ITEM, "Store busy", "words", ErrorKind.RATE_LIMITED)
    retry = retry_after(_run(RunOutcome.PARTIAL, None, None, busy))
    assert retry is not None and retry.trigger is RunTrigger.OUTBOX_RETRY
    refused = ItemProblem(PUSH_PROBLEM_ITEM, "Rate limited", "words", ErrorKind.PERMISSION_DENIED)
    assert retry_after(_run(RunOutcome.PARTIAL, None, None, refused)) is None
    no_kind = ItemProblem("product 7", "Rate limited", "words")  # a per-item problem, not an error
    assert retry_after(_run(RunOutcome.PARTIAL, None, None, no_kind)) is None
