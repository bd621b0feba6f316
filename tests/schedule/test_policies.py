"""Misfire planning (pure logic): which fires run after the loop was late or away."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from jupyter_mlops.schedule.model import ScheduleSpec
from jupyter_mlops.schedule.policies import plan_fires

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc).timestamp()  # a fire of "* * * * *"


def spec(**policies) -> ScheduleSpec:
    return ScheduleSpec(notebook="nb.ipynb", cron="* * * * *", **policies)


def summary(records):
    return [(int(r.fire_time - T0), r.state, r.detail) for r in records]


def test_an_on_time_fire_runs_and_the_next_one_follows():
    records, following = plan_fires(spec(), T0, T0 + 0.3)
    assert summary(records) == [(0, "waiting", None)]
    assert following == T0 + 60


def test_a_fire_a_little_late_is_still_on_time_even_with_skip():
    records, _ = plan_fires(spec(catch_up="skip"), T0, T0 + 4)
    assert summary(records) == [(0, "waiting", None)]


def test_catch_up_once_runs_the_latest_missed_fire():
    records, following = plan_fires(spec(), T0, T0 + 4 * 60 + 45)
    assert summary(records) == [(240, "waiting", "runs once for 5 missed fire(s) (catch_up: once)")]
    assert following == T0 + 300


def test_catch_up_once_with_an_on_time_fire_runs_only_that_one():
    records, _ = plan_fires(spec(), T0, T0 + 4 * 60 + 3)
    assert summary(records) == [(240, "waiting", "also stands for 4 missed fire(s) (catch_up: once)")]


def test_catch_up_all_runs_each_missed_fire():
    records, _ = plan_fires(spec(catch_up="all"), T0, T0 + 2 * 60 + 45)
    assert [(t, state) for t, state, _ in summary(records)] == [(0, "waiting"), (60, "waiting"), (120, "waiting")]


def test_catch_up_skip_runs_none_and_says_so():
    records, _ = plan_fires(spec(catch_up="skip"), T0, T0 + 2 * 60 + 45)
    assert summary(records) == [(120, "missed", "3 missed fire(s) not run (catch_up: skip)")]


@pytest.mark.parametrize("catch_up", ["once", "all", "skip"])
def test_fires_older_than_the_grace_window_are_dropped(catch_up):
    records, _ = plan_fires(spec(catch_up=catch_up, misfire_grace=150), T0, T0 + 4 * 60 + 45)
    dropped = records[-1]
    assert (dropped.state, int(dropped.fire_time - T0)) == ("missed", 120)
    assert dropped.detail == "3 fire(s) older than the misfire grace of 150s dropped"
    run = [int(r.fire_time - T0) for r in records if r.state == "waiting"]
    assert run == {"once": [240], "all": [180, 240], "skip": []}[catch_up]


def test_a_long_outage_costs_little_and_once_still_runs_the_latest_fire():
    every_second = ScheduleSpec(notebook="nb.ipynb", cron="* * * * * *")
    records, following = plan_fires(every_second, T0, T0 + 30 * 86400 + 0.5)
    assert [(r.fire_time - T0, r.state) for r in records] == [(30 * 86400, "waiting")]
    assert "more than" in records[0].detail
    assert following == T0 + 30 * 86400 + 1
