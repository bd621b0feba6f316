"""`jupyter-mlops batch --backend dask` against what a user writes today, on a 48-point grid.

In one run, on a cluster of 2 single-thread workers on 127.0.0.1 (`dask scheduler` and two
`dask worker` processes started here):
  (a) jupyter-mlops batch NB -p ... --backend dask --cluster ADDRESS
  (b) client.submit(papermill.execute_notebook, ...) per point on the same cluster
  (c) jupyter-mlops batch NB -p ... on the local backend (default --parallel: the cores)
Prints each wall time and the ratios (b)/(a) (goal ≥ 4) and (a)/(c) (goal ≤ 1.3).

Usage: python benchmarks/dask.py [--points 48]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# This file is named dask.py: its folder, first on sys.path, would shadow the dask package.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import nbformat  # noqa: E402
from nbformat.v4 import new_code_cell, new_notebook  # noqa: E402

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
CELLS = ["alpha = 0.5\ndepth = 3",
         "import jupyter_mlops\nscore = alpha * depth\njupyter_mlops.record('score', score)\nprint(score)"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _write_notebook(folder: Path) -> Path:
    cells = [new_code_cell(source) for source in CELLS]
    cells[0].metadata["tags"] = ["parameters"]
    path = folder / "tiny.ipynb"
    nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC}), path)
    return path


def _grid(points: int) -> tuple[list[float], list[int]]:
    depths = [2, 3, 4, 5]
    return [round(0.1 * (i + 1), 2) for i in range(max(points // len(depths), 1))], depths


def _start_cluster(log_dir: Path) -> tuple[str, list[subprocess.Popen]]:
    from distributed import Client

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "dask"]
    processes = [subprocess.Popen([*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                  stdout=open(log_dir / "scheduler.log", "ab"), stderr=subprocess.STDOUT,
                                  cwd=log_dir, start_new_session=True)]
    for name in ("w1", "w2"):
        processes.append(subprocess.Popen(
            [*dask, "worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--no-dashboard", "--name", name],
            stdout=open(log_dir / f"{name}.log", "ab"), stderr=subprocess.STDOUT, cwd=log_dir,
            start_new_session=True))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with Client(address, timeout=5) as client:
                client.wait_for_workers(2, timeout=60)
                return address, processes
        except (OSError, TimeoutError):
            time.sleep(0.5)
    raise SystemExit(f"the cluster did not come up; see {log_dir}")


def _batch(notebook: Path, alphas: list[float], depths: list[int], home: Path, *backend: str) -> float:
    command = [sys.executable, "-m", "jupyter_mlops.cli", "batch", str(notebook),
               "-p", "alpha", ",".join(map(str, alphas)), "-p", "depth", ",".join(map(str, depths)), *backend]
    started = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=home.parent,
                          env={**os.environ, "JUPYTER_MLOPS_HOME": str(home)})
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}")
    return elapsed


def _papermill_on_dask(address: str, notebook: Path, alphas: list[float], depths: list[int], out: Path) -> float:
    """What a user writes today: one papermill call per point, as Dask tasks. Every point
    pays a kernel start. The notebook is read on the workers (they share this disk here)."""
    import papermill
    from distributed import Client

    started = time.perf_counter()
    with Client(address) as client:
        futures = [client.submit(papermill.execute_notebook, str(notebook), str(out / f"{alpha}-{depth}.ipynb"),
                                 parameters={"alpha": alpha, "depth": depth}, progress_bar=False, pure=False)
                   for alpha in alphas for depth in depths]
        client.gather(futures)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=48)
    arguments = parser.parse_args()
    alphas, depths = _grid(arguments.points)
    points = len(alphas) * len(depths)
    with tempfile.TemporaryDirectory(prefix="mlops-bench-dask-") as scratch:
        folder = Path(scratch)
        notebook = _write_notebook(folder)
        (folder / "out").mkdir()
        address, processes = _start_cluster(folder)
        try:
            # A warm-up point each, so no approach pays the first imports on the workers.
            _papermill_on_dask(address, notebook, alphas[:1], depths[:2], folder / "out")
            a = _batch(notebook, alphas, depths, folder / "home-a", "--backend", "dask", "--cluster", address)
            b = _papermill_on_dask(address, notebook, alphas, depths, folder / "out")
            c = _batch(notebook, alphas, depths, folder / "home-c")
        finally:
            for process in processes:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    print(f"{points} points of a tiny notebook, 2 single-thread Dask workers on 127.0.0.1, {os.cpu_count()} cores")
    print(f"(a) jupyter-mlops batch --backend dask        {a:7.1f} s  ({1000 * a / points:.0f} ms a point)")
    print(f"(b) client.submit(papermill.execute_notebook) {b:7.1f} s  ({1000 * b / points:.0f} ms a point)")
    print(f"(c) jupyter-mlops batch (local backend)       {c:7.1f} s  ({1000 * c / points:.0f} ms a point)")
    print(f"(b)/(a) = {b / a:.2f}  (goal >= 4: {'met' if b / a >= 4 else 'NOT met'})")
    print(f"(a)/(c) = {a / c:.2f}  (goal <= 1.3: {'met' if a / c <= 1.3 else 'NOT met'})")


if __name__ == "__main__":
    main()
