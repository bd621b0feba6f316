"""What the executor tells a run's kernel: which run it is, and the previous run to compare with.

"Previous" is the last successful run of the same schedule for a scheduled run, else of the
same notebook. It is resolved on the host when the run starts, so the kernel (possibly in a
container) never needs the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..run.model import RunStatus
from ..store import runs as run_store

if TYPE_CHECKING:
    from ..run.model import Run


def previous_successful_run(run: Run) -> Run | None:
    if run.schedule_id is not None:
        return run_store.latest_run(schedule_id=run.schedule_id, status=RunStatus.succeeded.value)
    return run_store.latest_run(notebook=run.notebook, status=RunStatus.succeeded.value)


def run_context(run: Run) -> dict[str, Any]:
    previous = previous_successful_run(run)
    return {
        "run_id": run.id, "notebook": run.notebook, "schedule_id": run.schedule_id, "run_dir": run.run_dir,
        "previous": None if previous is None else {
            "run_id": previous.id, "run_dir": previous.run_dir, "metrics": previous.metrics},
    }
