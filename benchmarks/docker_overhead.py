"""The same notebook on the `local` and the `docker` backend, alternating, N times each.

Prints both medians and the difference a run (goal: docker ≤ 0.5 s over local). Runs go through
the service layer in this process, so what is measured is the backend, not CLI start-up. Also
prints the floor of any container run: create → start → `python -c pass` → remove, with the same
isolation settings, since a kernel in the lean base image may start faster than a local one.
Usage: python benchmarks/docker_overhead.py [-n 10] [--image IMAGE] [NB]
(default notebook: three small %%mlstep cells using only the standard library, so the base image
runs it; pass an example notebook together with an --image built with its requirements.)
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

CELLS = [
    "%%mlstep load\nrows = [i * 0.5 for i in range(1000)]",
    "%%mlstep total\ntotal = sum(rows)",
    "%%mlstep report\nprint(f'total={total}')",
]


def write_default_notebook(folder: Path) -> Path:
    path = folder / "three_steps.ipynb"
    notebook = new_notebook(cells=[new_code_cell(source) for source in CELLS],
                            metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                     "language": "python"}})
    nbformat.write(notebook, path)
    path.parent.chmod(0o755)  # readable by the container's non-root user
    return path


def container_cycle(image: str | None) -> float:
    from jupyter_mlops.run.backends.docker.engine import BASE_IMAGE, connect

    client = connect()
    started = time.perf_counter()
    client.containers.run(image or BASE_IMAGE, ["python", "-c", "pass"], remove=True, network_mode="none",
                          read_only=True, tmpfs={"/tmp": ""}, user="10001:10001", cap_drop=["ALL"],
                          security_opt=["no-new-privileges"], init=True, mem_limit="2g", pids_limit=512)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebook", nargs="?")
    parser.add_argument("-n", type=int, default=10, help="runs of each (default 10)")
    parser.add_argument("--image", help="image for the docker runs (default: the configured base image)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        os.environ["JUPYTER_MLOPS_HOME"] = str(Path(scratch) / "home")
        # Imported after JUPYTER_MLOPS_HOME is set: the store opens there.
        from jupyter_mlops.run.model import RunSpec, RunStatus
        from jupyter_mlops.service.runs import run_notebook

        notebook = args.notebook or str(write_default_notebook(Path(scratch)))
        specs = {"local": RunSpec(notebook=notebook),
                 "docker": RunSpec(notebook=notebook, backend="docker", image=args.image)}

        def timed(name: str) -> float:
            started = time.perf_counter()
            run = run_notebook(specs[name])
            elapsed = time.perf_counter() - started
            if run.status != RunStatus.succeeded:
                raise SystemExit(f"{name} run failed: {run.error}")
            return elapsed

        timed("local"), timed("docker")  # warm the file cache, the store and the imports
        times: dict[str, list[float]] = {"local": [], "docker": [], "container cycle": []}
        for _ in range(args.n):
            for name in ("local", "docker"):
                times[name].append(timed(name))
            times["container cycle"].append(container_cycle(args.image))

    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"notebook: {args.notebook or 'three standard-library steps'}  ({args.n} runs each, alternating)")
    for name, median in medians.items():
        print(f"  {name:15} median {median:.2f} s  (min {min(times[name]):.2f}, max {max(times[name]):.2f})")
    difference = medians["docker"] - medians["local"]
    print(f"  docker - local: {difference:+.2f} s a run  (goal ≤ +0.50 s)")


if __name__ == "__main__":
    main()
