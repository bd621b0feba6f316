"""What a run is asked to do (`RunSpec`) and what it did (`Run`).

These pydantic models are also the REST API's contract, so every field here is read by
something: the executor, a backend, the store or a face.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from ..lineage.model import Lineage
from ..notify.model import Delivery, Notify
from ..secrets.names import SECRET_NAME

#: What an environment variable's name may be (POSIX: letters, digits, '_', not starting with a digit).
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_variable_names(value: dict[str, str]) -> dict[str, str]:
    """Validator of `env` and `secrets`: keys are variable names."""
    for name in value:
        if not ENV_NAME.match(name):
            raise ValueError(f"environment variable name {name!r} is not valid: use letters, digits and "
                             "'_', not starting with a digit")
    return value


def check_secret_names(value: dict[str, str]) -> dict[str, str]:
    """Validator of `secrets`: values are secret names."""
    for variable, name in value.items():
        if not SECRET_NAME.match(name):
            raise ValueError(f"secret name {name!r} (for ${variable}) is not valid: use letters, digits, "
                             "'_', '.', '-', starting with a letter or '_'")
    return value


#: `env` of every model that starts kernels (RunSpec, BatchSpec, ScheduleSpec, the API's StartRun).
Variables = Annotated[dict[str, str], AfterValidator(check_variable_names)]
#: `secrets` of the same models: environment variable -> secret name, both checked.
SecretNames = Annotated[dict[str, str], AfterValidator(check_variable_names), AfterValidator(check_secret_names)]


class RunStatus(str, Enum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"
    timed_out = "timed_out"
    lost = "lost"  # its worker vanished (killed, machine stopped); the reason is in `error`
    check_failed = "check_failed"  # a safeguard (%%mlcheck, jupyter_mlops.check) refused; `error` says which and why

    @property
    def finished(self) -> bool:
        return self not in (RunStatus.queued, RunStatus.running)


class StepStatus(str, Enum):
    pending = "pending"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    timed_out = "timed_out"
    check_failed = "check_failed"
    skipped = "skipped"  # not reached because an earlier step failed


Trigger = Literal["manual", "schedule", "batch", "rerun"]


class RunSpec(BaseModel):
    """Everything needed to execute a notebook once. Parameters are data, never code."""

    model_config = ConfigDict(extra="forbid")

    notebook: str = Field(description="Path of the source notebook")
    notebook_version: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{64}$",
        description="Execute this kept version of the notebook (its sha256) instead of what the file holds now; "
                    "a pinned schedule's runs name the version they executed")
    parameters: dict[str, Any] = Field(default_factory=dict)
    steps: list[str] | None = Field(
        default=None, description="Run these steps and everything they depend on; None runs all")
    only: list[str] | None = Field(
        default=None, description="Run the prelude and exactly these steps, not what they depend on "
                                  "(one task of an exported pipeline, whose inputs come from files)")
    backend: str = "local"
    timeout: float | None = Field(default=None, gt=0, description="Whole-run timeout in seconds")
    execution_timeout: float | None = Field(
        default=None, gt=0, description="Per-cell timeout in seconds (papermill's)")
    kernel_name: str | None = None
    cwd: str | None = Field(default=None, description="Working directory of the kernel; default: the notebook's folder")
    output_path: str | None = Field(
        default=None, description="Extra copy of the output notebook (any papermill I/O path)")
    log_output: bool = Field(default=False, description="Also stream cell outputs to stderr")
    # Container backends (docker) act on these; a limit left unset comes from the steps'
    # options, else from the backend's configured default.
    image: str | None = Field(default=None, description="Container image to run in")
    network: Literal["none", "host"] = Field(default="none", description="Container network: none, or host on request")
    cpus: float | None = Field(default=None, gt=0, description="CPU limit of the run's container")
    memory: str | None = Field(default=None, pattern=r"^\d+(\.\d+)?[kmgKMG]?[bB]?$",
                               description="Memory limit of the run's container, e.g. 512m or 2g")
    writable_source: bool = Field(
        default=False, description="Mount the notebook's folder writable in the container, as papermill locally")
    # Cluster backends (dask) act on these.
    cluster: str | None = Field(default=None, description="Dask scheduler address (tcp://host:8786) or scheduler "
                                                          "file; default: the dask_scheduler setting")
    shared_path: bool = Field(default=False, description="The cluster's workers see the notebook's folder at the "
                                                         "same path: it is not shipped with the run")
    # The kernel's environment, on every backend.
    env: Variables = Field(default_factory=dict, description="Environment variables of the kernel "
                                "(plain values, recorded with the run)")
    secrets: SecretNames = Field(
        default_factory=dict, description="Environment variable -> secret name: the value is read from the "
                                          "secret store when the run starts, never recorded, masked as *** "
                                          "in everything the run writes")
    trigger: Trigger = "manual"
    notify: Notify | None = Field(
        default=None, description="Whom to tell when this run fails, succeeds, is slow or alerts (single runs; "
                                  "schedules and batches have their own)")


    @model_validator(mode="after")
    def _env_or_secret(self) -> RunSpec:
        both = sorted(set(self.env) & set(self.secrets))
        if both:
            raise ValueError(f"${both[0]} is given both as --env and as --secret; choose one")
        return self


class StepResult(BaseModel):
    name: str
    status: StepStatus = StepStatus.pending
    started_at: datetime | None = None
    ended_at: datetime | None = None
    duration: float | None = None
    attempts: int = 0
    error: str | None = None


class Run(BaseModel):
    """The record of one execution: kept for good, next to its output notebook and log."""

    id: str
    notebook: str
    status: RunStatus
    trigger: Trigger = "manual"
    schedule_id: str | None = None
    batch_id: str | None = None
    backend: str = "local"
    parameters: dict[str, Any] = Field(default_factory=dict)
    steps_selected: list[str] | None = None
    steps: list[StepResult] = Field(default_factory=list)
    metrics: dict[str, Any] = Field(default_factory=dict)
    backend_info: dict[str, Any] = Field(default_factory=dict, description="e.g. the image id a container ran on")
    lineage: Lineage | None = Field(default=None, description="What exactly ran: code, environment, data files")
    notifications: list[Delivery] = Field(default_factory=list, description="Every delivery attempt about this run")
    created_at: datetime
    started_at: datetime | None = None
    ended_at: datetime | None = None
    error: str | None = None
    failed_step: str | None = None
    run_dir: str
    output_notebook: str
    log_path: str
    spec: RunSpec

    @property
    def duration(self) -> float | None:
        if self.started_at and self.ended_at:
            return (self.ended_at - self.started_at).total_seconds()
        return None
