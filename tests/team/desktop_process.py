"""A team desktop reduced to its team links, as a process of its own (the tests and the bench).

    python -m tests.team.desktop_process campaign URL NAME INTERVAL
        campaigns for the sync lead; prints {"name", "leads", "at"} at each change
    python -m tests.team.desktop_process listen URL
        listens for change notices; prints {"listening": true} once, then for each burst
        {"kinds", "newest", "at"}: ``newest`` is the ledger's newest entry read after hearing

``at`` is ``time.monotonic()``: on Linux one clock for every process, so the parent can subtract
its own. Each runs until its stdin closes (or it is killed).
"""

from __future__ import annotations

import json
import sys
import time

from backorder_desktop.adapters.team.leader import LeaderElection
from backorder_desktop.adapters.team.link import connect
from backorder_desktop.adapters.team.notify import ChangeListener

LISTEN_WAIT_S = 60.0


def _say(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


def campaign(url: str, name: str, interval: float) -> None:
    election = LeaderElection(
        url,
        name=name,
        interval=interval,
        on_change=lambda leads: _say(name=name, leads=leads, at=time.monotonic()),
    )
    _say(name=name, leads=False, at=time.monotonic())
    election.start()
    try:
        sys.stdin.read()
    finally:
        election.stop()


def listen(url: str) -> None:
    reader = connect(url, "listener")

    def heard(kinds: frozenset[str]) -> None:
        row = reader.execute("SELECT max(id) FROM stock_adjustments").fetchone()
        _say(kinds=sorted(kinds), newest=row[0] if row is not None else None, at=time.monotonic())

    listener = ChangeListener(url, name="listener", on_change=heard).start()
    listener.wait_listening(LISTEN_WAIT_S)
    _say(listening=True)
    try:
        sys.stdin.read()
    finally:
        listener.stop()
        reader.close()


if __name__ == "__main__":
    if sys.argv[1] == "campaign":
        campaign(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    else:
        listen(sys.argv[2])
