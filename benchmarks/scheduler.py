"""Scheduler benchmark: fire latency, and the cost of 10,000 schedules.

    python benchmarks/scheduler.py                       # both parts, scheduler-only launches
    python benchmarks/scheduler.py --workers             # (a) with a real worker process per run
    python benchmarks/scheduler.py --part a --duration 60 --schedules 5

(a) Schedules due every second (six-field cron `* * * * * *`) for `--duration` seconds, the
    loop in a thread as in the Jupyter server. Delay = fire time → the run's record is
    created and its worker launched (what the scheduler controls). By default the worker
    launch is replaced by a no-op, so the figure is the scheduler's own latency (validation,
    run record, prepared notebook included) and not the machine's kernel start-up; with
    `--workers` every fire starts a real worker and its kernel, and fire → worker running is
    printed too. Goal: p99 ≤ 0.5 s.
(b) 10,000 active schedules: time to insert them, RSS, time for the loop to load (first pass:
    lease, due query, sleep computation) and to list them all, idle CPU of the loop over
    `--idle` seconds, and the time to add and remove one schedule with 0 and with 10,000
    others (goal: independent of the count).

Everything runs against a temporary JUPYTER_MLOPS_HOME.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import psutil
from nbformat.v4 import new_code_cell, new_notebook


def _notebook(folder: Path) -> Path:
    path = folder / "tiny.ipynb"
    cells = [new_code_cell("x = 1", metadata={"tags": ["parameters"]}), new_code_cell("y = x + 1")]
    nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "language": "python",
                                                                        "display_name": "Python 3"}}), path)
    return path


def _quantiles(values: list[float]) -> str:
    values = sorted(values)
    p50 = statistics.median(values)
    p99 = values[min(len(values) - 1, round(0.99 * (len(values) - 1)))]
    return f"p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {values[-1] * 1000:.0f} ms (n={len(values)})"


def fire_latency(notebook: Path, duration: float, schedules: int, real_workers: bool) -> None:
    from jupyter_mlops.schedule import fires, loop as loop_module
    from jupyter_mlops.service import runs as run_service
    from jupyter_mlops.service import schedules as service

    launched: dict[str, float] = {}
    if not real_workers:
        class NoWorker:
            def wait(self) -> None:
                return None

        def record_launch(run_id: str) -> NoWorker:
            launched[run_id] = time.time()
            return NoWorker()

        loop_module.launch_worker = record_launch  # the test hook: no process, no kernel

    ids = [service.add_schedule({"notebook": str(notebook), "cron": "* * * * * *", "overlap": "allow",
                                 "name": f"every-second-{i}"}).id for i in range(schedules)]
    loop = loop_module.SchedulerLoop().start()
    time.sleep(duration)
    for schedule_id in ids:
        service.pause_schedule(schedule_id)
    loop.stop()
    if real_workers:  # their start times are recorded once they run
        for schedule_id in ids:
            for run in run_service.list_runs(schedule_id=schedule_id, limit=100_000)[0]:
                while not run_service.get_run(run.id).status.finished:
                    time.sleep(0.2)

    delays, running = [], []
    for schedule_id in ids:
        for fire in fires.history(schedule_id, limit=100_000):
            if fire.run_id is None:
                continue
            run = run_service.get_run(fire.run_id)
            started = launched.get(run.id, run.created_at.timestamp())
            delays.append(started - fire.fire_time)
            if real_workers and run.started_at:
                running.append(run.started_at.timestamp() - fire.fire_time)
    missed = sum(1 for schedule_id in ids for fire in fires.history(schedule_id, limit=100_000) if not fire.run_id)
    mode = "real worker processes" if real_workers else "worker launch replaced by a no-op (--workers for real ones)"
    print(f"(a) {schedules} schedule(s) every second for {duration:g}s, {mode}")
    print(f"    fire → run recorded and launched: {_quantiles(delays)}; fires without a run: {missed}")
    if running:
        print(f"    fire → worker running (kernel starting): {_quantiles(running)}")


def many_schedules(notebook: Path, count: int, idle: float) -> None:
    from jupyter_mlops.schedule import cron, store
    from jupyter_mlops.schedule.loop import SchedulerLoop
    from jupyter_mlops.service import schedules as service

    process = psutil.Process()
    rss_empty = process.memory_info().rss

    def add_remove(repeats: int = 20) -> tuple[float, float]:
        adds, removes = [], []
        for i in range(repeats):
            began = time.perf_counter()
            added = service.add_schedule({"notebook": str(notebook), "cron": "0 3 1 1 *", "name": f"probe-{i}"})
            adds.append(time.perf_counter() - began)
            began = time.perf_counter()
            service.remove_schedule(added.id)
            removes.append(time.perf_counter() - began)
        return statistics.median(adds), statistics.median(removes)

    empty_add, empty_remove = add_remove()
    base = service.add_schedule({"notebook": str(notebook), "cron": "0 3 1 1 *", "name": "base"})
    spec = base.spec()
    now = datetime.now(timezone.utc)
    began = time.perf_counter()
    for i in range(count - 1):
        # Minutes and hours spread over 1 January: active, and never due while this runs.
        expression = f"{i % 60} {(i // 60) % 24} 1 1 *"
        changed = spec.model_copy(update={"name": f"s{i:05d}", "cron": expression})
        store.insert(changed, next_fire=cron.next_fire(expression, "UTC", now), now=now)
    insert_time = time.perf_counter() - began
    rss_before = process.memory_info().rss

    loop = SchedulerLoop(heartbeat=2.0)
    began = time.perf_counter()
    sleep = loop.tick()
    load_time = time.perf_counter() - began
    began = time.perf_counter()
    listed = service.list_schedules()
    list_time = time.perf_counter() - began
    rss_listed = process.memory_info().rss
    del listed
    loop.stop()

    loop = SchedulerLoop(heartbeat=2.0).start()
    time.sleep(1.0)
    cpu_before, wall_before = process.cpu_times(), time.perf_counter()
    time.sleep(idle)
    cpu_after, wall_after = process.cpu_times(), time.perf_counter()
    loop.stop()
    full_add, full_remove = add_remove()  # like the empty-store figure: no loop running
    cpu = (cpu_after.user + cpu_after.system - cpu_before.user - cpu_before.system) / (wall_after - wall_before)

    print(f"(b) {count} active schedules")
    print(f"    inserted in {insert_time:.1f}s; process RSS {rss_before / 2**20:.0f} MiB "
          f"({rss_empty / 2**20:.0f} MiB before they existed)")
    print(f"    loop load (first pass: lease, due query, next wake-up {sleep:.0f}s away): {load_time * 1000:.1f} ms")
    print(f"    list_schedules() of all {count}: {list_time * 1000:.0f} ms, RSS then "
          f"{rss_listed / 2**20:.0f} MiB (the loop itself keeps nothing per schedule)")
    print(f"    idle loop CPU over {idle:g}s (heartbeat every 2 s): {cpu * 100:.3f}% of one core")
    print(f"    add one: {empty_add * 1000:.1f} ms with 0 others, {full_add * 1000:.1f} ms with {count}")
    print(f"    remove one: {empty_remove * 1000:.1f} ms with 0 others, {full_remove * 1000:.1f} ms with {count}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=["a", "b", "both"], default="both")
    parser.add_argument("--duration", type=float, default=60.0, help="(a) seconds of every-second fires")
    parser.add_argument("--schedules", type=int, default=5, help="(a) how many every-second schedules")
    parser.add_argument("--workers", action="store_true", help="(a) start a real worker process per run")
    parser.add_argument("--count", type=int, default=10_000, help="(b) how many schedules")
    parser.add_argument("--idle", type=float, default=20.0, help="(b) seconds of idle CPU measurement")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["JUPYTER_MLOPS_HOME"] = home
        notebook = _notebook(Path(home))
        print(f"cpus: {os.cpu_count()}, load average: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
        if args.part in ("a", "both"):
            fire_latency(notebook, args.duration, args.schedules, args.workers)
        if args.part in ("b", "both"):
            from jupyter_mlops.store import db
            os.environ["JUPYTER_MLOPS_HOME"] = str(Path(home) / "many")
            db.reset_engines()
            many_schedules(notebook, args.count, args.idle)


if __name__ == "__main__":
    main()
