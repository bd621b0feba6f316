"""jupyter-mlops run vs the papermill CLI on the same notebook, alternating, N times each.

Prints both medians and the ratio (goal: ≤ 1.1). Usage: python benchmarks/run_overhead.py [-n 10] [NB]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_NOTEBOOK = ROOT / "example_notebooks" / "branching.ipynb"


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("notebook", nargs="?", default=str(DEFAULT_NOTEBOOK))
    parser.add_argument("-n", type=int, default=10, help="runs of each (default 10)")
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, "JUPYTER_MLOPS_HOME": str(Path(scratch) / "home")}
        mlops = [str(bin_dir / "jupyter-mlops"), "run", args.notebook]
        # Both run the kernel in the notebook's folder (jupyter-mlops does by default).
        papermill = [str(bin_dir / "papermill"), "--no-progress-bar", "--cwd", str(Path(args.notebook).parent),
                     args.notebook, str(Path(scratch) / "out.ipynb")]
        timed(mlops, env), timed(papermill, env)  # warm the file cache and the store
        times: dict[str, list[float]] = {"jupyter-mlops run": [], "papermill": []}
        for _ in range(args.n):
            times["jupyter-mlops run"].append(timed(mlops, env))
            times["papermill"].append(timed(papermill, env))
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"notebook: {args.notebook}  ({args.n} runs each, alternating)")
    for name, median in medians.items():
        print(f"  {name:20} median {median:.2f} s  (min {min(times[name]):.2f}, max {max(times[name]):.2f})")
    ratio = medians["jupyter-mlops run"] / medians["papermill"]
    print(f"  ratio jupyter-mlops / papermill: {ratio:.2f}  (goal ≤ 1.10)")


if __name__ == "__main__":
    main()
