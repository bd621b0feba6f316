"""`jupyter-mlops batch` against three ways of running papermill, on a 48-point grid.

For each of two notebooks — a tiny one, and one that imports numpy, pandas and scikit-learn
and fits a small model — in one run:
  (a) jupyter-mlops batch NB -p ... -p ...           (default --parallel: the number of cores)
  (b) a loop of the papermill CLI, one process per point
  (c) papermill.execute_notebook in a loop in one process
  (d) papermill.execute_notebook in a 2-process pool
  (a') (a) again, last: the ratios use the mean of (a) and (a')
and, for the tiny notebook when a Docker engine with the base image answers (the base image
has no numpy, pandas or scikit-learn), side by side in the same run:
  (e) jupyter-mlops batch NB --backend docker ...    (locked-down slot containers)
  (f) a loop of `jupyter-mlops run NB --backend docker -p ...`, one container per point
Prints each wall time, the ratios of (b), (c) and (d) to (a) and of (e) to (a) and (f) to (e)
against the issues' goals, and the peak memory of each approach's whole process tree (PSS:
pages shared between processes, e.g. forked kernels, are split between them instead of counted
once per process; a container's processes are not the client's descendants and are not counted).

Usage: python benchmarks/batch.py [--points 48] [--only tiny|sklearn] [--no-docker | --docker-only]
(--docker-only: just (a), (e), (f) and (a'), for the tiny notebook.)
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil
from nbformat.v4 import new_code_cell, new_notebook

GOALS = {"b": (25, 8), "c": (6, 3), "d": (2, 1.5)}  # (goal, at the very least) for (x) / (a)
DOCKER_GOALS = {"e": 2, "f": 5}  # (e) / (a) at most, (f) / (e) at least
#: Issue 20 ("batches, closer to the floor"), for the tiny notebook: (x) / (a) at least.
FLOOR_GOALS = {"b": 60, "c": 20}
# papermill's default (60 s) is too short for a kernel to start on a machine as loaded as ours.
START_TIMEOUT = 600
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
NOTEBOOKS = {
    "tiny": [
        "alpha = 0.5\ndepth = 3",
        "import jupyter_mlops\nscore = alpha * depth\njupyter_mlops.record('score', score)\nprint(score)",
    ],
    "sklearn": [
        "alpha = 0.5\ndepth = 3",
        "import jupyter_mlops\nimport numpy as np\nimport pandas as pd\n"
        "from sklearn.datasets import make_classification\nfrom sklearn.linear_model import RidgeClassifier\n"
        "from sklearn.model_selection import train_test_split",
        "X, y = make_classification(n_samples=400, n_features=10, random_state=depth)\n"
        "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"
        "model = RidgeClassifier(alpha=alpha).fit(X_train, y_train)\n"
        "accuracy = float(model.score(X_test, y_test))\n"
        "jupyter_mlops.record('accuracy', accuracy)\n"
        "pd.DataFrame({'accuracy': [accuracy]})",
    ],
}


def write_notebook(folder: Path, name: str) -> Path:
    cells = [new_code_cell(source) for source in NOTEBOOKS[name]]
    cells[0].metadata["tags"] = ["parameters"]
    path = folder / f"{name}.ipynb"
    nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC}), path)
    return path


def grid(points: int) -> tuple[list[float], list[int]]:
    depths = [2, 3, 4, 5]
    alphas = [round(0.1 * (i + 1), 2) for i in range(max(points // len(depths), 1))]
    return alphas, depths


class PeakMemory:
    """Samples the PSS of a process and all its descendants; keeps the largest total.

    Every 0.25 s: a sample reads each process's smaps (about 2 ms of CPU per process), so sampling
    more often takes a noticeable share of two cores from the approaches with more processes.
    """

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            total = 0
            try:
                processes = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            for process in processes:
                try:
                    total += process.memory_full_info().pss
                except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(0.25)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def measure(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall time and peak tree memory of one command, which must succeed."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    memory = PeakMemory(process.pid)
    _, stderr = process.communicate()
    elapsed = time.perf_counter() - started
    peak = memory.stop()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])}… failed:\n{stderr[-3000:]}")
    return elapsed, peak


# -- the three papermill ways, each run as `python benchmarks/batch.py --way X NB OUT_DIR ...` ----


def _points(alphas: list[float], depths: list[int]) -> list[dict]:
    return [{"alpha": a, "depth": d} for a, d in itertools.product(alphas, depths)]


def _execute(job: tuple[str, str, dict]) -> None:
    import papermill

    notebook, output, parameters = job
    papermill.execute_notebook(notebook, output, parameters=parameters, progress_bar=False,
                               start_timeout=START_TIMEOUT)


def way(name: str, notebook: str, out_dir: str, alphas: list[float], depths: list[int]) -> None:
    jobs = [(notebook, str(Path(out_dir) / f"{name}-{i}.ipynb"), point)
            for i, point in enumerate(_points(alphas, depths))]
    if name == "b":
        papermill_cli = str(Path(sys.executable).parent / "papermill")
        for notebook, output, point in jobs:
            parameters = [arg for key, value in point.items() for arg in ("-p", key, str(value))]
            subprocess.run([papermill_cli, "--no-progress-bar", "--start-timeout", str(START_TIMEOUT), notebook,
                            output, *parameters], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elif name == "c":
        for job in jobs:
            _execute(job)
    elif name == "d":
        with multiprocessing.get_context("fork").Pool(2) as pool:
            pool.map(_execute, jobs, chunksize=1)
    elif name == "f":
        mlops = str(Path(sys.executable).parent / "jupyter-mlops")
        for notebook, _output, point in jobs:
            parameters = [arg for key, value in point.items() for arg in ("-p", key, str(value))]
            subprocess.run([mlops, "run", notebook, "--backend", "docker", *parameters], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def docker_usable() -> str | None:
    """Why the docker side cannot run here, or None."""
    from jupyter_mlops.errors import MLOpsError
    from jupyter_mlops.run.backends.docker.engine import BASE_IMAGE, connect, find_image

    try:
        find_image(connect(timeout=10), BASE_IMAGE)
    except MLOpsError as error:
        return str(error)
    return None


def compare(name: str, scratch: Path, points: int, docker: bool, papermill: bool = True) -> None:
    notebook = write_notebook(scratch, name)
    alphas, depths = grid(points)
    total = len(alphas) * len(depths)
    env = {**os.environ, "JUPYTER_MLOPS_HOME": str(scratch / f"home-{name}")}
    out_dir = scratch / f"out-{name}"
    out_dir.mkdir()
    mlops = [str(Path(sys.executable).parent / "jupyter-mlops"), "batch", str(notebook),
             "-p", "alpha", ",".join(map(str, alphas)), "-p", "depth", ",".join(map(str, depths))]
    baseline = [sys.executable, __file__, "--alphas", json.dumps(alphas), "--depths", json.dumps(depths),
                "--notebook", str(notebook), "--out-dir", str(out_dir), "--way"]
    labels = {"a": "jupyter-mlops batch", "b": "papermill CLI loop", "c": "execute_notebook loop",
              "d": "execute_notebook 2-proc pool", "a'": "jupyter-mlops batch, again",
              "e": "jupyter-mlops batch --backend docker", "f": "jupyter-mlops run --backend docker loop"}
    commands = {"a": mlops, "a'": mlops, "e": [*mlops, "--backend", "docker"]}
    print(f"\n{name} notebook, {total} points, {os.cpu_count()} cores", flush=True)
    results = {}
    # (a) first and last: on a machine shared with other work the load drifts while the long
    # baselines run, and the ratios use the mean of both. Each line prints once measured. The
    # docker batch (e) sits next to (a) so that both see about the same load.
    ways = ["a", *(["e"] if docker else []), *(["b", "c", "d"] if papermill else []), *(["f"] if docker else []), "a'"]
    for key in ways:
        seconds, peak = results[key] = measure(commands.get(key, [*baseline, key]), env)
        print(f"  ({key}) {labels[key]:38} {seconds:7.2f} s  {seconds / total * 1000:7.0f} ms/run"
              f"  peak memory {peak / 2**20:7.0f} MiB   (load average {os.getloadavg()[0]:.1f})", flush=True)
    batch_seconds = (results["a"][0] + results["a'"][0]) / 2
    for key, (goal, least) in GOALS.items() if papermill else ():
        ratio = results[key][0] / batch_seconds
        verdict = "goal met" if ratio >= goal else "minimum met" if ratio >= least else "MISSED"
        print(f"  ({key}) / mean(a, a') = {ratio:5.1f}x   goal {goal}x, at least {least}x: {verdict}")
        if name == "tiny" and key in FLOOR_GOALS:
            print(f"      issue 20's goal for the tiny notebook, at least {FLOOR_GOALS[key]}x: "
                  f"{'goal met' if ratio >= FLOOR_GOALS[key] else 'MISSED'}")
    if docker:
        slower = results["e"][0] / batch_seconds
        faster = results["f"][0] / results["e"][0]
        print(f"  (e) / mean(a, a') = {slower:5.1f}x   goal at most {DOCKER_GOALS['e']}x: "
              f"{'goal met' if slower <= DOCKER_GOALS['e'] else 'MISSED'}")
        print(f"  (f) / (e)         = {faster:5.1f}x   goal at least {DOCKER_GOALS['f']}x: "
              f"{'goal met' if faster >= DOCKER_GOALS['f'] else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=48)
    parser.add_argument("--only", choices=sorted(NOTEBOOKS))
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--no-docker", action="store_true", help="leave out the docker backend's (e) and (f)")
    which.add_argument("--docker-only", action="store_true", help="only (a), (e), (f), (a') on the tiny notebook")
    parser.add_argument("--way", choices=["b", "c", "d", "f"], help=argparse.SUPPRESS)
    parser.add_argument("--notebook", help=argparse.SUPPRESS)
    parser.add_argument("--out-dir", help=argparse.SUPPRESS)
    parser.add_argument("--alphas", type=json.loads, help=argparse.SUPPRESS)
    parser.add_argument("--depths", type=json.loads, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.way:
        way(args.way, args.notebook, args.out_dir, args.alphas, args.depths)
        return
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    why_not = None if args.no_docker else docker_usable()
    if why_not:
        print(f"docker backend left out: {why_not}")
    with tempfile.TemporaryDirectory() as scratch:
        Path(scratch).chmod(0o755)  # the containers' non-root user reads the notebooks
        if args.docker_only:
            if why_not:
                raise SystemExit(why_not)
            compare("tiny", Path(scratch), args.points, docker=True, papermill=False)
        for name in [] if args.docker_only else [args.only] if args.only else list(NOTEBOOKS):
            compare(name, Path(scratch), args.points, docker=name == "tiny" and not args.no_docker and not why_not)
    print(f"\nload average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
