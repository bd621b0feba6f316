"""When notebooks run: cron schedules with policies, and the single scheduler loop that fires them.

- `model`: `ScheduleSpec` (what a user asks) and `Schedule` (what the store knows), the API contract;
- `cron`: fire times in a timezone with the daylight-saving rules, and the cron in words;
- `policies`: which missed fires run (catch-up, grace window);
- `store`, `fires`, `lease`: the tables — schedules, fire history, the single-active-scheduler lease;
- `loop`: `SchedulerLoop`, which fires, starts runs in worker processes and follows them;
- `reconcile`, `retention`: lost runs, old runs (the loop tells about runs through `jupyter_mlops.notify`).

The Jupyter server extension and the `jupyter-mlops scheduler` daemon run the loop the same way:

    from jupyter_mlops.schedule.loop import SchedulerLoop
    loop = SchedulerLoop(max_concurrent_runs=None).start()   # a daemon thread; returns at once
    ...
    loop.stop()                                              # on shutdown; hands the lease over

User actions go through `jupyter_mlops.service.schedules`, never through these modules.
"""
