"""Fire times of a cron expression in a timezone, and its human-readable form.

Cron fields are matched against the *local wall clock* (croniter on naive local times), then
each local time is turned into an instant:

- a local time that does not exist (the hour skipped when clocks go forward) fires once, at
  the shifted time: 02:30 on a day Paris jumps from 02:00 to 03:00 fires at 03:30 CEST;
- a local time that happens twice (the hour repeated when clocks go back) fires once, at its
  first occurrence;
- instants are strictly increasing, so a skipped time shifted onto a time that exists anyway
  (`*/15` across the gap) fires once, not twice.

Five fields are standard cron; six fields put seconds first (as cron-descriptor reads them),
which is what sub-minute schedules and the benchmark use.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cron_descriptor import ExpressionDescriptor, Options
from croniter import CroniterError, croniter

from ..errors import InvalidCronError, UnknownTimezoneError

#: Clock changes move local time by at most this much (historically 2 h; 1 h nearly everywhere).
_CLOCK_CHANGE = timedelta(hours=3)


def zone(name: str) -> ZoneInfo:
    """The IANA timezone `name`, or an UnknownTimezoneError naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise UnknownTimezoneError(f"unknown timezone {name!r} (use an IANA name such as 'Europe/Paris' or 'UTC')") \
            from None


def check_cron(expression: str) -> str:
    """The expression with normalised spacing, or an InvalidCronError saying what is wrong."""
    fields = expression.split()
    if len(fields) not in (5, 6):
        raise InvalidCronError(f"invalid cron {expression!r}: expected 5 fields (minute hour day month weekday) "
                               f"or 6 with seconds first, got {len(fields)}")
    normalised = " ".join(fields)
    if not croniter.is_valid(normalised, second_at_beginning=True):
        raise InvalidCronError(f"invalid cron {expression!r}: a field is out of range or malformed")
    try:
        croniter(normalised, datetime(2000, 1, 1), second_at_beginning=True).get_next(datetime)
    except CroniterError as error:  # e.g. 30 February
        raise InvalidCronError(f"invalid cron {expression!r}: it never fires ({error})") from None
    return normalised


@lru_cache(maxsize=4096)
def describe(expression: str) -> str:
    """'At 03:00, every day' — the wording shown wherever a cron is shown."""
    options = Options()
    options.use_24hour_time_format = True
    options.verbose = False
    text = ExpressionDescriptor(expression, options).get_description()
    day_fields = expression.split()[-3:]
    if day_fields == ["*", "*", "*"] and text.startswith("At ") and "," not in text:
        text += ", every day"
    return text


def _instant(local: datetime, tz: ZoneInfo) -> datetime:
    # fold=0 picks the first of a repeated time and, for a skipped time, the offset from before
    # the jump — which lands on the shifted wall-clock time (02:30 → 03:30 after +1h).
    return local.replace(tzinfo=tz, fold=0).astimezone(timezone.utc)


def _margin(tz: ZoneInfo, instant: datetime) -> timedelta:
    """How far to look around `instant` in local time: zero unless the clock changes nearby.

    Near a clock change the local→instant mapping is not monotonic (a skipped 02:30 lands
    after 03:00), so searches start earlier; elsewhere they start exactly at `instant`,
    which keeps every-second schedules cheap.
    """
    before = (instant - _CLOCK_CHANGE).astimezone(tz).utcoffset()
    after = (instant + _CLOCK_CHANGE).astimezone(tz).utcoffset()
    return _CLOCK_CHANGE if before != after else timedelta(0)


def _local(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant.astimezone(tz).replace(tzinfo=None)


def fires_after(expression: str, tz_name: str, after: datetime) -> Iterator[datetime]:
    """The fire instants (UTC) strictly after `after`, in order, without end."""
    tz = zone(tz_name)
    after = after.astimezone(timezone.utc)
    matches = croniter(expression, _local(after, tz) - _margin(tz, after), second_at_beginning=True)
    last = after
    while True:
        instant = _instant(matches.get_next(datetime), tz)
        if instant > last:  # drops times already passed and skipped times shifted onto a fire
            last = instant
            yield instant


def next_fire(expression: str, tz_name: str, after: datetime) -> datetime:
    return next(fires_after(expression, tz_name, after))


def fires_between(expression: str, tz_name: str, after: datetime, until: datetime,
                  limit: int | None = None) -> list[datetime]:
    """Fire instants in (after, until], at most `limit` of them (the earliest)."""
    found = []
    for instant in fires_after(expression, tz_name, after):
        if instant > until or (limit is not None and len(found) >= limit):
            break
        found.append(instant)
    return found


def last_fire_until(expression: str, tz_name: str, after: datetime, until: datetime) -> datetime | None:
    """The latest fire instant in (after, until], searched backwards from `until`: after a long
    outage this costs the same as after a short one."""
    tz = zone(tz_name)
    until = until.astimezone(timezone.utc)
    margin = _margin(tz, until)
    local_until = _local(until, tz)
    previous = croniter(expression, local_until + margin + timedelta(seconds=1), second_at_beginning=True)
    best = None
    while True:
        local = previous.get_prev(datetime)
        instant = _instant(local, tz)
        if instant <= until and (best is None or instant > best):
            best = instant
        if best is not None and local <= local_until - margin:
            break
        if instant <= after and local <= local_until - margin:
            break
    return best if best is not None and best > after else None
