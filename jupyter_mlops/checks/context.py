"""In a run's kernel: which run this is and which earlier run safeguards compare with.

The executor resolves both on the host and the engine hands them to the kernel as
`JUPYTER_MLOPS_RUN_CONTEXT` (see `checks.host`), or writes them to the file its pool named in
`JUPYTER_MLOPS_RUN_CONTEXT_FILE` before the first cell; outside a run there is no context.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..run.plan import RUN_CONTEXT_ENV, RUN_CONTEXT_FILE_ENV

BASELINES = "baselines"


@dataclass(frozen=True)
class PreviousRun:
    run_id: str
    run_dir: Path
    metrics: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunContext:
    run_id: str
    notebook: str
    schedule_id: str | None
    run_dir: Path
    previous: PreviousRun | None


def current_context() -> RunContext | None:
    raw = os.environ.get(RUN_CONTEXT_ENV)
    if not raw and os.environ.get(RUN_CONTEXT_FILE_ENV):
        try:
            raw = Path(os.environ[RUN_CONTEXT_FILE_ENV]).read_text(encoding="utf-8")
        except FileNotFoundError:  # a pooled kernel whose run has no context
            raw = None
    if not raw:
        return None
    data = json.loads(raw)
    previous = data.get("previous")
    return RunContext(
        run_id=data["run_id"], notebook=data["notebook"], schedule_id=data.get("schedule_id"),
        run_dir=Path(data["run_dir"]),
        previous=PreviousRun(previous["run_id"], Path(previous["run_dir"]), previous.get("metrics") or {})
        if previous else None)


def baseline_path(run_dir: Path, declared: str) -> Path:
    """Where a run keeps its copy of a compared file, so the next run can compare with it."""
    return run_dir / BASELINES / declared.strip("/").replace("/", "__")
