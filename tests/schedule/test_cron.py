"""Fire times with an explicit clock: cron + timezone, both daylight-saving transitions."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from jupyter_mlops.errors import InvalidCronError, UnknownTimezoneError
from jupyter_mlops.schedule import cron

PARIS = ZoneInfo("Europe/Paris")
UTC = timezone.utc


def local(instants):
    return [i.astimezone(PARIS).strftime("%m-%d %H:%M%z") for i in instants]


def test_daily_fire_in_timezone():
    fires = cron.fires_between("0 3 * * *", "Europe/Paris", datetime(2026, 1, 10, tzinfo=UTC),
                               datetime(2026, 1, 12, 23, tzinfo=UTC))
    assert fires == [datetime(2026, 1, 10, 2, tzinfo=UTC), datetime(2026, 1, 11, 2, tzinfo=UTC),
                     datetime(2026, 1, 12, 2, tzinfo=UTC)]


def test_skipped_local_time_fires_once_at_the_shifted_time():
    # 29 March 2026: Paris jumps from 02:00 to 03:00; 02:30 does not exist.
    fires = cron.fires_between("30 2 * * *", "Europe/Paris", datetime(2026, 3, 27, tzinfo=UTC),
                               datetime(2026, 3, 31, tzinfo=UTC))
    assert local(fires) == ["03-27 02:30+0100", "03-28 02:30+0100", "03-29 03:30+0200", "03-30 02:30+0200"]


def test_skipped_times_shifted_onto_existing_ones_fire_once():
    fires = cron.fires_between("*/20 * * * *", "Europe/Paris", datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
                               datetime(2026, 3, 29, 2, 10, tzinfo=UTC))
    assert local(fires) == ["03-29 01:40+0100", "03-29 03:00+0200", "03-29 03:20+0200", "03-29 03:40+0200",
                            "03-29 04:00+0200"]


def test_repeated_local_time_fires_once():
    # 25 October 2026: Paris goes back from 03:00 to 02:00; 02:30 happens twice.
    fires = cron.fires_between("30 2 * * *", "Europe/Paris", datetime(2026, 10, 23, tzinfo=UTC),
                               datetime(2026, 10, 27, tzinfo=UTC))
    assert local(fires) == ["10-23 02:30+0200", "10-24 02:30+0200", "10-25 02:30+0200", "10-26 02:30+0100"]
    hourly = cron.fires_between("0 * * * *", "Europe/Paris", datetime(2026, 10, 24, 23, tzinfo=UTC),
                                datetime(2026, 10, 25, 3, tzinfo=UTC))
    assert local(hourly) == ["10-25 02:00+0200", "10-25 03:00+0100", "10-25 04:00+0100"]


def test_next_fire_from_inside_the_repeated_hour_does_not_fire_again():
    second_0230 = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET, the second time
    assert local([cron.next_fire("45 2 * * *", "Europe/Paris", second_0230)]) == ["10-26 02:45+0100"]


def test_next_fire_just_after_the_jump_still_fires_the_shifted_time():
    after_jump = datetime(2026, 3, 29, 1, 10, tzinfo=UTC)  # 03:10 CEST
    assert local([cron.next_fire("30 2 * * *", "Europe/Paris", after_jump)]) == ["03-29 03:30+0200"]


def test_seconds_field_and_latest_fire_after_an_outage():
    start = datetime(2026, 5, 1, 12, tzinfo=UTC)
    assert cron.fires_between("*/10 * * * * *", "UTC", start, datetime(2026, 5, 1, 12, 0, 30, tzinfo=UTC)) == [
        datetime(2026, 5, 1, 12, 0, s, tzinfo=UTC) for s in (10, 20, 30)]
    a_year_later = datetime(2027, 5, 1, 12, 0, 5, 500, tzinfo=UTC)
    assert cron.last_fire_until("* * * * * *", "UTC", start, a_year_later) == datetime(2027, 5, 1, 12, 0, 5,
                                                                                          tzinfo=UTC)
    assert cron.last_fire_until("0 3 * * *", "UTC", start, datetime(2026, 5, 1, 13, tzinfo=UTC)) is None
    assert local([cron.last_fire_until("30 2 * * *", "Europe/Paris", start.replace(month=3),
                                       datetime(2026, 3, 29, 1, 40, tzinfo=UTC))]) == ["03-29 03:30+0200"]


def test_descriptions():
    assert cron.describe("0 3 * * *") == "At 03:00, every day"
    assert cron.describe("0 9 * * 1-5") == "At 09:00, Monday through Friday"
    assert cron.describe("*/5 * * * * *") == "Every 5 seconds"


@pytest.mark.parametrize("expression, message", [
    ("61 * * * *", "out of range"), ("* * *", "expected 5 fields"), ("0 0 30 2 *", "never fires"),
    ("every day", "expected 5 fields")])
def test_invalid_cron_is_refused(expression, message):
    with pytest.raises(InvalidCronError, match=message):
        cron.check_cron(expression)


def test_unknown_timezone_is_refused():
    with pytest.raises(UnknownTimezoneError, match="Mars/Olympus"):
        cron.zone("Mars/Olympus")
