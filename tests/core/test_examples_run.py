"""Every example notebook runs end to end, as a newcomer would run it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jupyter_mlops.run.model import RunSpec, RunStatus
from jupyter_mlops.service import runs as service

EXAMPLES = Path(__file__).resolve().parents[2] / "example_notebooks"


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.ipynb")))
def test_example_runs_end_to_end(name, tmp_path):
    shutil.copy(EXAMPLES / name, tmp_path / name)  # runs write their artifacts next to the notebook
    record = service.run_notebook(RunSpec(notebook=str(tmp_path / name)))
    assert record.status == RunStatus.succeeded, f"{record.failed_step}: {record.error}"
    assert all(step.status.value == "succeeded" for step in record.steps)
    print(f"{name}: {record.duration:.1f} s, metrics {record.metrics}")
    assert record.duration < 60  # under 30 s on an idle 2-core machine; slack for a loaded one
