"""An APScheduler ``BackgroundScheduler`` that survives the wall clock being set back."""

from __future__ import annotations

import time as _time
from datetime import datetime

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED

from backorder_desktop.services.schedule_rules import CLOCK_JUMP_S

MAX_WAIT_S = 60.0  # APScheduler wakes at least this often, whatever the wall clock did


class SteadyScheduler(BackgroundScheduler):  # type: ignore[misc]
    """APScheduler sleeps until a *wall-clock* time: after the clock is set back it would sleep until
    the wall clock caught up again. This one wakes at least every ``MAX_WAIT_S``, compares the wall
    clock with the steady one, and after a jump back pulls every job to now."""

    _steady_seen: tuple[datetime, float] | None = None

    def _process_jobs(self) -> float:
        now, steady = datetime.now(self.timezone), _time.monotonic()
        seen, self._steady_seen = self._steady_seen, (now, steady)
        if seen is not None and (now - seen[0]).total_seconds() - (steady - seen[1]) < -CLOCK_JUMP_S:
            for job in self.get_jobs():
                if job.next_run_time is not None and job.next_run_time > now:
                    job.modify(next_run_time=now)
        try:
            wait = super()._process_jobs()
        except JobLookupError:
            # shutdown() ran while this loop was between running a one-shot job and removing it:
            # the job store is already gone with the scheduler. Nothing is left to do.
            if self.state != STATE_STOPPED:
                raise
            return MAX_WAIT_S
        return MAX_WAIT_S if wait is None else min(float(wait), MAX_WAIT_S)
