"""What a batch is asked to do (`BatchSpec`), what it did (`Batch`) and its results table.

Like the run models these are the REST API's contract: every field is read by something.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..run.model import SecretNames, Variables

from ..notify.model import Delivery, Notify


class BatchStatus(str, Enum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"  # every run succeeded
    failed = "failed"  # at least one run did not succeed, or its worker died before finishing it (see error)
    cancelled = "cancelled"  # stopped by the user, or by --fail-fast after a failure

    @property
    def finished(self) -> bool:
        return self not in (BatchStatus.queued, BatchStatus.running)


class BatchSpec(BaseModel):
    """A notebook and the parameter sets to run it with; every set becomes an ordinary run."""

    model_config = ConfigDict(extra="forbid")

    notebook: str
    points: list[dict[str, Any]] = Field(min_length=1, description="One parameter set per run, in order")
    steps: list[str] | None = Field(default=None, description="Run these steps (and what they need) in every run")
    backend: str = "local"
    image: str | None = Field(default=None, description="Container image of every run (container backends); "
                                                        "default: the steps' --image, else the backend's")
    cluster: str | None = Field(default=None, description="Dask cluster of every run (cluster backends); default: "
                                                          "the dask_scheduler setting")
    shared_path: bool = Field(default=False, description="The cluster's workers see the notebook's folder")
    parallel: int | None = Field(default=None, ge=1, description="Runs at once; default: the number of cores "
                                                                 "(dask: the cluster's threads)")
    fail_fast: bool = Field(default=False, description="Stop the batch at the first run that does not succeed")
    timeout: float | None = Field(default=None, gt=0, description="Whole-run timeout of each run, in seconds")
    kernel_name: str | None = Field(default=None, description="Kernel of every run; default: the notebook's")
    env: Variables = Field(default_factory=dict, description="Environment variables of every run's kernel")
    secrets: SecretNames = Field(default_factory=dict, description="Environment variable -> secret name, "
                                                                      "for every run (read as each run starts)")
    preload: list[str] | None = Field(
        default=None, description="Modules imported once by the kernel fork server (local and docker backends); "
                                  "default: the modules the notebook imports")
    notify: Notify | None = Field(default=None, description="Whom to tell when the batch ends (batch_done)")



class Batch(BaseModel):
    id: str
    notebook: str
    status: BatchStatus
    spec: BatchSpec
    run_ids: list[str] = Field(default_factory=list, description="One run per parameter set, in the spec's order")
    parallel: int = Field(description="Runs at once, as resolved when the batch was recorded")
    created_at: datetime
    started_at: datetime | None = None
    ended_at: datetime | None = None
    error: str | None = Field(default=None, description="Why the batch stopped early, if it did")
    counts: dict[str, int] = Field(default_factory=dict, description="Runs by status, filled in when read")
    notifications: list[Delivery] = Field(default_factory=list, description="Every delivery attempt about this batch")

    @property
    def duration(self) -> float | None:
        if self.started_at and self.ended_at:
            return (self.ended_at - self.started_at).total_seconds()
        return None


class ResultRow(BaseModel):
    run_id: str
    status: str
    duration: float | None
    parameters: dict[str, Any]
    metrics: dict[str, Any]
    error: str | None = None


class BatchResults(BaseModel):
    """Parameters × metrics × status × duration, one row per run: the table and the panel's chart."""

    batch_id: str
    parameters: list[str] = Field(description="Parameter columns: the names the batch varies or sets")
    metrics: list[str] = Field(description="Metric columns: every name any run recorded")
    rows: list[ResultRow]
