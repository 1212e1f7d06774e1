"""``backorder-desktop sync-child``: one sync for the window, in a process of its own.

Not for people (hidden from ``--help``): ``Profile.sync()`` in another process. The window starts
it; both ends of their protocol (JSON lines, the child's life) are in ``adapters/sync_process.py``;
this command only opens the job's profile and runs the sync.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from typing import Any

import click

from backorder_desktop.domain.errors import BackorderError
from backorder_desktop.domain.errors import BugError
from backorder_desktop.domain.runs import RunKind
from backorder_desktop.domain.runs import RunTrigger

if TYPE_CHECKING:
    from backorder_desktop.adapters.sync_process import ChildWire


@click.command(name="sync-child", hidden=True)
def sync_child() -> None:
    """Run one sync for the window (the job comes on standard input)."""
    from backorder_desktop.adapters.sync_process import serve_child  # the protocol's both ends

    serve_child(_run)


def _run(job: dict[str, Any], wire: ChildWire) -> dict[str, Any]:
    """``Profile.sync()`` in this process, on the job's profile; its events go down the wire."""
    from backorder_desktop import app
    from backorder_desktop.adapters.secrets import MemorySecretStore
    from backorder_desktop.adapters.sync_process import error_to_json
    from backorder_desktop.adapters.sync_process import forward_logging
    from backorder_desktop.logging_setup import setup_logging

    profile = None
    try:
        paths = app.profile_paths_for(job["home"])
        forward_logging(setup_logging(paths.log_dir, debug=bool(job.get("debug"))), wire)
        profile = app.open_profile(
            job["home"],
            env_token=job.get("token") or None,
            secret_store=MemorySecretStore() if job.get("memory_secrets") else None,
            campaign=False,  # its parent leads the team's syncs, and asked for this one
        )
        profile.subscribe("run_started", wire.started)
        profile.subscribe("progress", wire.progress)
        run = profile.sync(
            kind=RunKind(job["kind"]), trigger=RunTrigger(job["trigger"]), full=bool(job["full"])
        )
        return {"event": "finished", "run_id": run.id}
    except BackorderError as exc:
        return {"event": "failed", "run_id": wire.run_id, "error": error_to_json(exc)}
    except Exception as exc:  # a bug: the run (if any) is recorded as failed by the engine already
        logging.getLogger(__name__).exception("the sync process failed")
        error = BugError(f"{type(exc).__name__} in the sync process. The log has the details.")
        return {"event": "failed", "run_id": wire.run_id, "error": error_to_json(error)}
    finally:
        if profile is not None:
            profile.close()
