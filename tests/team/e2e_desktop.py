"""A whole team desktop as a process of its own: the real profile (``app.open_profile``, the team
database from ``team.json``, its election and listener) driven by JSON lines on standard input,
so a test can have three desktops edit, sync and push at once and kill one with SIGKILL.

    python -m tests.team.e2e_desktop HOME

Each line in is one request, each line out its answer (``{"error": kind, "title", "message"}``
when the facade raised one of ours):

    {"do": "lead"}                          -> {"leader", "leads"}
    {"do": "edits", "edits": [[kind, product_id, variant_id, quantity], ...]} -> {"done": n}
    {"do": "sync", "full": false}           -> {"outcome", "problems"}
    {"do": "push"}                          -> {"written", "failed"}
    {"do": "status"}                        -> {"outbox", "team"}
    {"do": "ingest_order", "id": n}         -> {"entries"} (what an order webhook does)
    {"do": "orders_counted"}                -> {"told"} (the hub hears that orders were counted)

The token comes from ``BACKORDER_DESKTOP_TOKEN`` (each person's own, for this process only).
It prints ``{"ready": true, "pid"}`` once the profile is open, and runs until its stdin closes.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import Any

from backorder_desktop.app import open_profile
from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.orders import OrderCount
from backorder_desktop.domain.runs import RunTrigger
from backorder_desktop.domain.stock import AdjustmentKind
from backorder_desktop.domain.stock import StockKey
from backorder_desktop.services.profile import Profile


def _say(**fields: object) -> None:
    print(json.dumps(fields, default=str), flush=True)


def _lead(profile: Profile, _request: dict[str, Any]) -> dict[str, object]:
    lead = profile.team_lead()
    return {"leader": lead.leader if lead else None, "leads": bool(lead and lead.this_desktop_leads)}


def _edits(profile: Profile, request: dict[str, Any]) -> dict[str, object]:
    for kind, product_id, variant_id, quantity in request["edits"]:
        profile.edit_stock(StockKey(product_id, variant_id), AdjustmentKind(kind), quantity)
    return {"done": len(request["edits"])}


def _sync(profile: Profile, request: dict[str, Any]) -> dict[str, object]:
    run = profile.sync(trigger=RunTrigger.CLI, full=bool(request.get("full")))
    return {"outcome": str(run.outcome), "problems": [str(p) for p in run.problems]}


def _push(profile: Profile, _request: dict[str, Any]) -> dict[str, object]:
    report = profile.push_now()
    return {"written": report.written, "failed": report.failed}


def _ingest_order(profile: Profile, request: dict[str, Any]) -> dict[str, object]:
    orders = profile.parts.orders  # the webhook receiver's call: no facade method of its own
    assert orders is not None
    return {"entries": orders.ingest_order(request["id"]).entries}


def _orders_counted(profile: Profile, _request: dict[str, Any]) -> dict[str, object]:
    profile.events.emit_orders_changed(OrderCount(orders=1))  # as an order webhook counted here
    return {"told": True}


def _status(profile: Profile, _request: dict[str, Any]) -> dict[str, object]:
    status = profile.status()
    return {"outbox": status.outbox, "team": status.team.as_json() if status.team else None}


HANDLERS: dict[str, Callable[[Profile, dict[str, Any]], dict[str, object]]] = {
    "lead": _lead,
    "edits": _edits,
    "sync": _sync,
    "push": _push,
    "status": _status,
    "ingest_order": _ingest_order,
    "orders_counted": _orders_counted,
}


def main(home: str) -> None:
    profile = open_profile(home, env_token=os.environ.get("BACKORDER_DESKTOP_TOKEN"))
    try:
        _say(ready=True, pid=os.getpid())
        for line in sys.stdin:
            request = json.loads(line)
            try:
                answer = HANDLERS[request["do"]](profile, request)
            except BackorderError as error:
                answer = {"error": str(error.kind), "title": error.title, "message": error.message}
            _say(**answer)
    finally:
        profile.close()


if __name__ == "__main__":
    main(sys.argv[1])
