"""How soon a run starts: `POST runs` and scheduled fires, with warm kernels and without (issue 20).

Starts a real `jupyter server` on loopback with the extension, twice: with the warm-run launcher
(the default) and with `--MLOps.warm_runs=False` (a new worker process and a new kernel per
run). For a tiny two-step notebook it sends `POST runs` N times, one run after another, and
measures from the request to the first step running (the step's own start time, recorded by the
engine) and to the client seeing the run succeed (polling `GET runs/{id}` every 20 ms). Then, with
the launcher, a schedule fires every 10 s for two minutes: fire time → first step running.
Prints medians and p99s, the memory of the idle pool (launcher, fork server and warm kernels;
PSS, which counts pages the forked kernels share once), and the load average.

Goals: median ≤ 0.5 s from `POST runs` to the first step; p99 ≤ 1 s from the fire time.

Usage: python benchmarks/start_latency.py [--runs 20] [--fire-minutes 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from datetime import datetime
from pathlib import Path

import nbformat
import psutil
from nbformat.v4 import new_code_cell, new_notebook

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

POST_GOAL, FIRE_GOAL = 0.5, 1.0


def tiny_notebook(path: Path) -> None:
    nbformat.write(new_notebook(cells=[
        new_code_cell("n = 3", metadata={"tags": ["parameters"]}),
        new_code_cell("%%mlstep load\ndata = list(range(n))"),
        new_code_cell("%%mlstep total\nprint(sum(data))"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}), path)


def call(server, method: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(f"{server.api}/{path}", method=method, headers=server.headers,
                                     data=None if body is None else json.dumps(body).encode())
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def first_step_started(run: dict) -> float:
    return datetime.fromisoformat(run["steps"][0]["started_at"]).timestamp()


def post_runs(server, count: int) -> tuple[list[float], list[float], list[str]]:
    to_first, to_done, kernels = [], [], []
    for _ in range(count + 1):  # the first warms the server's own caches and is not counted
        sent = time.time()
        run = call(server, "POST", "runs", {"path": "tiny.ipynb"})
        while run["status"] not in ("succeeded", "failed", "cancelled", "timed_out", "lost"):
            time.sleep(0.02)
            run = call(server, "GET", f"runs/{run['id']}")
        done = time.time()
        assert run["status"] == "succeeded", run
        to_first.append(first_step_started(run) - sent)
        to_done.append(done - sent)
        kernels.append(run["backend_info"].get("kernel", "started by the run (cold path)"))
    return to_first[1:], to_done[1:], kernels[1:]


def launcher_tree(server_pid: int) -> list[psutil.Process]:
    server = psutil.Process(server_pid)
    launchers = [p for p in server.children() if "jupyter_mlops.run.launcher" in " ".join(p.cmdline())]
    return [tree for launcher in launchers for tree in [launcher, *launcher.children(recursive=True)]]


def pool_memory(server_pid: int) -> str:
    processes = launcher_tree(server_pid)
    # Forked kernels carry their fork server's command line: they are its children.
    servers = {p.pid for p in processes if "batch.forkserver" in " ".join(p.cmdline())}
    kernels = [p for p in processes if p.ppid() in servers]
    pss = sum(p.memory_full_info().pss for p in processes) / 2**20
    rss = sum(p.memory_info().rss for p in processes) / 2**20
    return (f"{len(processes)} processes (launcher, fork server, {len(kernels)} warm kernels): "
            f"PSS {pss:.0f} MiB, RSS {rss:.0f} MiB")


def fires(server, home: Path, minutes: float) -> tuple[list[float], list[str]]:
    os.environ["JUPYTER_MLOPS_HOME"] = str(home)
    from jupyter_mlops.schedule import fires as fire_store

    schedule = call(server, "POST", "schedules", {"notebook": "tiny.ipynb", "cron": "*/10 * * * * *"})
    time.sleep(minutes * 60)
    call(server, "POST", f"schedules/{schedule['id']}/pause")
    time.sleep(3)  # the last fire's run finishes
    delays, kernels = [], []
    for fire in fire_store.history(schedule["id"], limit=1000):
        if fire.run_id is None:
            continue
        run = call(server, "GET", f"runs/{fire.run_id}")
        if run["status"] == "succeeded":
            delays.append(first_step_started(run) - fire.fire_time)
            kernels.append(run["backend_info"].get("kernel", "cold"))
    return delays, kernels


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[-1] if len(values) > 1 else values[0]


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} s, p99 {p99(values):.3f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--fire-minutes", type=float, default=2.0)
    args = parser.parse_args()

    from tests.server.live import live_server

    print(f"load average at start {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="mlops-start-bench-") as scratch:
        scratch = Path(scratch)
        results = {}
        for label, extra in (("warm kernels", ()), ("warm_runs off", ("--MLOps.warm_runs=False",))):
            home, root, work = scratch / label / "home", scratch / label / "root", scratch / label / "work"
            for folder in (home, root, work):
                folder.mkdir(parents=True)
            tiny_notebook(root / "tiny.ipynb")
            with live_server(root, home, work, "--MLOps.run_scheduler=False", *extra) as server:
                time.sleep(5)  # the launcher imports and forks its first kernels
                results[label] = post_runs(server, args.runs)
                if label == "warm kernels":
                    time.sleep(5)  # the pool refills
                    idle_memory = pool_memory(server.pid)
        print(f"POST runs for a tiny two-step notebook, {args.runs} runs one after another:")
        print(f"  {'':15} {'→ first step running':34} {'→ client sees it succeeded'}")
        for label, (to_first, to_done, kernels) in results.items():
            print(f"  {label:15} {summary(to_first):34} {summary(to_done)}   kernels: {sorted(set(kernels))}")
        print(f"idle pool: {idle_memory}")

        if args.fire_minutes > 0:
            home, root, work = scratch / "fires" / "home", scratch / "fires" / "root", scratch / "fires" / "work"
            for folder in (home, root, work):
                folder.mkdir(parents=True)
            tiny_notebook(root / "tiny.ipynb")
            with live_server(root, home, work) as server:
                time.sleep(5)
                delays, kernels = fires(server, home, args.fire_minutes)
            print(f"a schedule firing every 10 s for {args.fire_minutes:g} min, {len(delays)} runs: fire time → "
                  f"first step running {summary(delays)}, max {max(delays):.3f} s   kernels: {sorted(set(kernels))}")
        warm_first = statistics.median(results["warm kernels"][0])
        verdicts = [f"POST runs → first step median {warm_first:.3f} s "
                    f"({'meets' if warm_first <= POST_GOAL else 'MISSES'} ≤ {POST_GOAL} s)"]
        if args.fire_minutes > 0:
            verdicts.append(f"fire → first step p99 {p99(delays):.3f} s "
                            f"({'meets' if p99(delays) <= FIRE_GOAL else 'MISSES'} ≤ {FIRE_GOAL} s)")
        print("; ".join(verdicts) + f" (load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
