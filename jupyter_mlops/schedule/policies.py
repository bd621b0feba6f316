"""Misfire policy: which of the fire times that have come are run, and the next fire after them.

Pure logic over the schedule's cron, its policies and two instants, so every case is
tested without waiting. A fire is *on time* when it is late by at most `ON_TIME` seconds
(a loop woken a little late, a busy machine): it always runs. Later fires were *missed*
(no scheduler ran, the machine slept) and follow `catch_up`:

- `once` (default): run one for all of them (the latest), or none if an on-time fire runs anyway;
- `all`: run each (at most `MAX_CATCH_UP`; overlap and the concurrency limit still apply);
- `skip`: run none.

Whatever `catch_up` says, a fire older than `misfire_grace` seconds is dropped. Dropped
fires leave one `missed` record saying how many and why.
"""

from __future__ import annotations

from datetime import datetime, timezone

from . import cron
from .fires import MISSED, WAITING, NewFire
from .model import ScheduleSpec

ON_TIME = 5.0
MAX_CATCH_UP = 1000


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)


def _count(fires: list[float], truncated: bool) -> str:
    return f"more than {len(fires)}" if truncated else str(len(fires))


def plan_fires(spec: ScheduleSpec, due: float, now: float) -> tuple[list[NewFire], float]:
    """The fire records for the fires in [due, now], and the next fire time after now."""
    times = [due] + [f.timestamp() for f in cron.fires_between(spec.cron, spec.timezone, _at(due), _at(now),
                                                                 limit=MAX_CATCH_UP)]
    truncated = len(times) > MAX_CATCH_UP
    if truncated:  # keep the latest too: `once` must run the most recent fire, not the thousandth
        latest = cron.last_fire_until(spec.cron, spec.timezone, _at(times[-1]), _at(now))
        times += [latest.timestamp()] if latest else []
    grace = spec.misfire_grace
    tolerance = min(ON_TIME, grace) if grace else ON_TIME
    expired = [t for t in times if grace is not None and now - t > grace]
    late = [t for t in times if tolerance < now - t and t not in expired]
    on_time = [t for t in times if now - t <= tolerance]

    records = [NewFire(fire_time=t, state=WAITING, not_before=t) for t in on_time]
    if late:
        missed = _count(late, truncated)
        if spec.catch_up == "all":
            records += [NewFire(fire_time=t, state=WAITING, not_before=now, detail="missed fire caught up "
                                "(catch_up: all)") for t in late]
        elif spec.catch_up == "once" and on_time:
            records[-1].detail = f"also stands for {missed} missed fire(s) (catch_up: once)"
        elif spec.catch_up == "once":
            records.append(NewFire(fire_time=late[-1], state=WAITING, not_before=now,
                                   detail=f"runs once for {missed} missed fire(s) (catch_up: once)"))
        else:
            records.append(NewFire(fire_time=late[-1], state=MISSED, not_before=now,
                                   detail=f"{missed} missed fire(s) not run (catch_up: skip)"))
    if expired:
        records.append(NewFire(fire_time=expired[-1], state=MISSED, not_before=now,
                               detail=f"{_count(expired, truncated)} fire(s) older than the misfire grace of "
                                      f"{grace:g}s dropped"))
    following = cron.next_fire(spec.cron, spec.timezone, _at(max(now, times[-1])))
    return records, following.timestamp()
