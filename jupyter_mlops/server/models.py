"""The API's own request and response models; records (Pipeline, Run, …) are the service's models.

Requests forbid unknown fields, so a typo is a 400 that names it instead of a silently
ignored option.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator

from ..batch.model import Batch
from ..notify.model import Notify
from ..pipeline import Pipeline
from ..run.model import Run, RunStatus, Trigger, check_secret_names, check_variable_names
from ..schedule.drift import Drift
from ..schedule.model import Schedule, ScheduleSpec
from ..service.backends import BackendState
from ..service.kernels import KernelChoice
from ..service.secrets import SecretEntry


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


#: Offsets beyond this are refused (400) rather than overflowing SQLite's or a file's 64-bit offsets.
MAX_OFFSET = 2**53


# -- pipeline ---------------------------------------------------------------------------------


class PipelineQuery(Request):
    path: str = Field(description="Notebook path relative to the server root")


class PipelineContent(Request):
    content: dict[str, Any] = Field(description="Notebook JSON (nbformat 4), e.g. unsaved editor content")


class PipelineProblem(BaseModel):
    error: str = Field(description="Error class, e.g. CycleError")
    message: str
    cell_index: int | None = None
    cell_line: str | None = None
    step: str | None = None


class PipelineReport(BaseModel):
    """The pipeline, or why the notebook does not declare a valid one (with the cell at fault)."""

    pipeline: Pipeline | None = None
    errors: list[PipelineProblem] = Field(default_factory=list)


# -- runs -------------------------------------------------------------------------------------


class StartRun(Request):
    path: str = Field(description="Notebook path relative to the server root")
    parameters: dict[str, Any] = Field(default_factory=dict, description="Values for the parameters cell (JSON data)")
    steps: list[str] | None = Field(default=None, description="Run these steps and their dependencies; all if absent")
    backend: str = "local"
    image: str | None = Field(default=None, description="Container image (container backends)")
    notify: Notify | None = Field(default=None, description="Channels and events of this run (no `command`)")
    cluster: str | None = Field(default=None, description="Dask cluster: scheduler address or scheduler file "
                                                          "(dask backend); default: the dask_scheduler setting")
    shared_path: bool = Field(default=False, description="The Dask workers see the notebook's folder (dask backend)")
    kernel_name: str | None = Field(default=None, description="Kernel instead of the notebook's (see GET kernels)")
    env: dict[str, str] = Field(default_factory=dict, description="Environment variables of the kernel")
    secrets: dict[str, str] = Field(default_factory=dict, description="Environment variable -> secret name")

    _variables = field_validator("env", "secrets")(lambda value: check_variable_names(value))
    _secrets = field_validator("secrets")(lambda value: check_secret_names(value))


class PageQuery(Request):
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)


class RunsQuery(PageQuery):
    notebook: str | None = Field(default=None, description="Only this notebook's runs (path relative to the root)")
    status: RunStatus | None = None
    schedule_id: str | None = None
    batch_id: str | None = None
    trigger: Trigger | None = Field(default=None, description="Only runs started this way")
    search: str | None = Field(default=None, max_length=200,
                               description="Part of the run id, notebook path, error or parameters (any case)")


class RunOut(Run):
    path: str | None = Field(description="The notebook's path relative to the server root; null outside it")


class RerunOut(BaseModel):
    run: RunOut = Field(description="The new run, queued: the original's input notebook snapshot, parameters and image")
    warnings: list[str] = Field(description="Declared inputs that changed since the original run (a rerun executes "
                                            "the same code and parameters; data is read as it is now)")


class RunPage(BaseModel):
    runs: list[RunOut]
    total: int = Field(description="Runs matching the filters, over all pages")
    limit: int
    offset: int


class LogQuery(Request):
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET,
                        description="Byte offset to read from (the previous reply's next_offset)")


class LogChunk(BaseModel):
    text: str
    next_offset: int


class ReportQuery(Request):
    no_input: bool = Field(default=False, description="Leave the code cells' input out (outputs only)")


class MetricsQuery(Request):
    schedule_id: str | None = Field(default=None, description="A schedule's runs (id or name)")
    notebook: str | None = Field(default=None, description="A notebook's runs (path relative to the root)")
    metric: str | None = Field(default=None, description="Only this metric")


# -- backends ---------------------------------------------------------------------------------


class Backends(BaseModel):
    backends: list[BackendState]


class Kernels(BaseModel):
    kernels: list[KernelChoice]


# -- secrets (write-only: no reply ever holds a value) ----------------------------------------


class SecretValue(Request):
    value: str = Field(description="The secret's value; stored 0600, never returned", min_length=1)


class Secrets(BaseModel):
    secrets: list[SecretEntry]


# -- batches ----------------------------------------------------------------------------------


class BatchesQuery(PageQuery):
    notebook: str | None = Field(default=None, description="Only this notebook's batches (path relative to the root)")


class BatchOut(Batch):
    path: str | None = Field(description="The notebook's path relative to the server root; null outside it")


class BatchPage(BaseModel):
    batches: list[BatchOut]
    total: int = Field(description="Batches matching the filters, over all pages")
    limit: int
    offset: int


class ResultsQuery(Request):
    sort: str | None = Field(default=None, description="A column: a parameter, a metric, status, duration or run_id")
    descending: bool = False


# -- schedules --------------------------------------------------------------------------------


class ScheduleOut(Schedule):
    path: str | None = Field(description="The notebook's path relative to the server root; null outside it")


class Schedules(BaseModel):
    schedules: list[ScheduleOut]


#: `PATCH schedules/{id}`: any fields of a ScheduleSpec; the merged spec is validated as a whole.
ScheduleUpdate = create_model(
    "ScheduleUpdate", __config__=ConfigDict(extra="forbid"),
    **{name: (field.annotation | None, None) for name, field in ScheduleSpec.model_fields.items()})


class PinOut(BaseModel):
    schedule: ScheduleOut
    changes: Drift = Field(description="What changed from the version pinned before")


class ScheduleDiff(BaseModel):
    diff: str = Field(description="nbdime's rendering of the file against the pinned version; '' when equal")


class CronQuery(Request):
    cron: str = Field(description="5 fields, or 6 with seconds first")
    timezone: str = "UTC"


class CronPreview(BaseModel):
    description: str = Field(description="The cron in words")
    next: list[datetime] = Field(description="The next three fire times, in the timezone")
