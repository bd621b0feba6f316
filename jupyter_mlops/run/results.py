"""An executed notebook → the per-step results and outcome the engine left in its metadata."""

from __future__ import annotations

from datetime import datetime

from nbformat import NotebookNode

from ..metrics import read_records
from .model import RunStatus, StepResult, StepStatus
from .plan import PLAN_KEY, RESULTS_KEY


def step_results(notebook: NotebookNode) -> list[StepResult]:
    results = notebook.metadata.get(PLAN_KEY, {}).get(RESULTS_KEY, [])
    steps = []
    for result in results:
        name = result["name"]
        started = datetime.fromisoformat(result["started_at"]) if result.get("started_at") else None
        ended = datetime.fromisoformat(result["ended_at"]) if result.get("ended_at") else None
        steps.append(StepResult(
            name=name, status=StepStatus(result["status"]), started_at=started, ended_at=ended,
            duration=(ended - started).total_seconds() if started and ended else None,
            attempts=result.get("attempts", 0), error=result.get("error")))
    return steps


def outcome(notebook: NotebookNode) -> tuple[RunStatus, str | None, str | None]:
    """(status, error, failed step); a notebook the engine never finished counts as failed."""
    recorded = notebook.metadata.get(PLAN_KEY, {}).get("outcome")
    if recorded is None:
        return RunStatus.failed, "the run stopped before the notebook finished executing", None
    return RunStatus(recorded["status"]), recorded.get("error"), recorded.get("failed_step")


def metrics(notebook: NotebookNode) -> dict:
    return read_records(notebook)
