"""`python -m jupyter_mlops.run.in_container JOB_JSON`: the process a `docker` run starts.

It does inside the container what the `local` backend does in-process: papermill with the
step-aware engine, the run log written into the (mounted) run folder. Step events go to
stdout as one JSON line each after `EVENT_PREFIX`, where the host parses them for live
progress; everything else the process says goes to stderr.

Imports only papermill (through the engine): the plain base image has nothing else.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import papermill
from papermill.exceptions import PapermillExecutionError

from ..secrets.masking import Masker
from . import engine

EVENT_PREFIX = "@mlops-event "
#: The event (with no step) sent once the kernel is up and the first cell starts: the run's
#: timeout counts from there, as in the engine.
EXECUTING = "executing"
#: Exit status when papermill itself failed (kernel did not start, notebook not writable…).
EXIT_ERROR = 3


def _emit(step: str | None, event: str, details: dict[str, Any]) -> None:
    line = json.dumps({"step": step, "event": event, "details": details}, default=str)
    sys.stdout.write(f"{EVENT_PREFIX}{line}\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    job = json.loads((argv or sys.argv[1:])[0])
    cells_started: list[int] = []

    def cell_started(cell_index: int, **_hook_arguments: Any) -> None:
        if not cells_started:
            _emit(None, EXECUTING, {})
        cells_started.append(cell_index)

    with open(job["log_path"], "a", encoding="utf-8") as log:
        try:
            papermill.execute_notebook(
                job["input_notebook"], job["output_notebook"],
                parameters=job["parameters"],
                engine_name=engine.ENGINE_NAME,
                kernel_name=job["kernel_name"],
                cwd=job["cwd"],
                execution_timeout=job["execution_timeout"],
                progress_bar=False,
                request_save_on_cell_execute=job["save_each_cell"],
                # Cell outputs echo to stderr, which the host streams when asked to follow.
                stdout_file=sys.stderr if job["log_output"] else None,
                stderr_file=sys.stderr if job["log_output"] else None,
                mlops_on_step_event=_emit,
                on_cell_start=cell_started,  # nbclient's hook
                mlops_log=log,
                mlops_echo=job["log_output"],
                # The kernel inherits this process's environment, secrets included (the
                # container's); the job names the variables whose values must be masked.
                mlops_mask=[os.environ[name] for name in job["mask_variables"]],
            )
        except PapermillExecutionError:
            pass  # the engine recorded which step failed and why in the output notebook
        except Exception as error:  # the kernel could not start, the notebook could not be written…
            message = Masker(os.environ[name] for name in job["mask_variables"]).text(
                f"{type(error).__name__}: {error}")
            log.write(f"[mlops] {message}\n")
            sys.stderr.write(f"[mlops] {message}\n")
            return EXIT_ERROR
    return 0


if __name__ == "__main__":
    sys.exit(main())
