"""What a schedule asks for (`ScheduleSpec`) and what the store knows about it (`Schedule`).

These models are the REST API's contract and the shape of a schedules YAML file entry, so
every field is acted on: the cron and timezone by `schedule.cron`, the run fields by the
RunSpec each fire produces, the policies by `schedule.loop`, `notify` and `report` by
`notify.events` and the retention limits by `schedule.retention`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..notify.model import Notify
from ..run.model import RunSpec, RunStatus, SecretNames, Variables
from ..store.versions import NotebookVersion
from . import cron
from .drift import Drift

CatchUp = Literal["once", "all", "skip"]
Overlap = Literal["skip", "queue", "allow"]


class ScheduleSpec(BaseModel):
    """A notebook to run on a cron, with the run's options and the scheduling policies."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
                             description="Unique; defaults to the notebook's file name")
    notebook: str
    cron: str = Field(description="5 fields, or 6 with seconds first")
    timezone: str = "UTC"
    # What each fire runs (fields of RunSpec).
    parameters: dict[str, Any] = Field(default_factory=dict)
    steps: list[str] | None = None
    backend: str = "local"
    image: str | None = None
    cluster: str | None = Field(default=None, description="Dask cluster (cluster backends); default: the "
                                                          "dask_scheduler setting")
    shared_path: bool = Field(default=False, description="The cluster's workers see the notebook's folder")
    timeout: float | None = Field(default=None, gt=0, description="Seconds a run may take before it is stopped")
    kernel_name: str | None = Field(default=None, description="Kernel of the runs; default: the notebook's")
    env: Variables = Field(default_factory=dict, description="Environment variables of the runs' kernel")
    secrets: SecretNames = Field(default_factory=dict, description="Environment variable -> secret name, read "
                                                                      "as each run starts")
    follow_file: bool = Field(default=False, description="Run what the notebook file holds at each fire, instead "
                                                         "of the version pinned when the schedule was made")
    # Policies.
    catch_up: CatchUp = Field(default="once", description="Fires missed while no scheduler ran: run the latest "
                              "once, run each, or skip them")
    misfire_grace: float | None = Field(default=None, gt=0, description="Seconds after which a missed fire is "
                                        "dropped whatever catch_up says; none: no limit")
    overlap: Overlap = Field(default="skip", description="When a fire comes while this schedule's previous run "
                             "still runs: skip the fire, queue it, or allow both")
    retries: int = Field(default=0, ge=0, le=10, description="Runs again after a failure, this many times at most")
    retry_backoff: float = Field(default=60.0, ge=0, description="Seconds before the first retry; doubles each time")
    notify: Notify | None = None
    report: Literal["html"] | None = Field(default=None, description="Keep each run's output notebook as HTML "
                                                                     "(report.html) in its run folder")
    keep_runs: int | None = Field(default=None, ge=1, description="Keep this schedule's last N finished runs")
    keep_days: float | None = Field(default=None, gt=0, description="Keep finished runs this many days")


    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        return cron.check_cron(value)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        cron.zone(value)
        return value

    def run_spec(self, version: str | None = None) -> RunSpec:
        """What each fire runs; `version`: the pinned notebook version it executes."""
        return RunSpec(notebook=self.notebook, notebook_version=version, parameters=self.parameters,
                       steps=self.steps, backend=self.backend, image=self.image, cluster=self.cluster,
                       shared_path=self.shared_path, timeout=self.timeout,
                       kernel_name=self.kernel_name, env=self.env, secrets=self.secrets, trigger="schedule")


class Schedule(ScheduleSpec):
    """A stored schedule, with what the faces show next to it."""

    id: str
    name: str
    paused: bool = False
    source: str | None = Field(default=None, description="The schedules file it was applied from, if any")
    created_at: datetime
    updated_at: datetime
    next_fire_at: datetime | None = Field(default=None, description="None while paused")
    description: str = Field(default="", description="The cron in words, e.g. 'At 03:00, every day'")
    last_run_id: str | None = None
    last_run_status: RunStatus | None = None
    version: NotebookVersion | None = Field(default=None, description="The pinned notebook version every fire "
                                                                      "runs; none when following the file")
    drift: Drift | None = Field(default=None, description="The notebook file against the pinned version")

    def spec(self) -> ScheduleSpec:
        return ScheduleSpec(**self.model_dump(include=set(ScheduleSpec.model_fields)))

    def run_spec(self, version: str | None = None) -> RunSpec:
        pinned = None if self.follow_file or self.version is None else self.version.sha256
        return super().run_spec(version or pinned)


class ApplySummary(BaseModel):
    """What `schedule apply FILE` did, by schedule name."""

    created: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)
    notebook_changed: list[str] = Field(default_factory=list, description="Of those updated, the ones whose "
                                                                          "notebook moved on: pinned again")
    unchanged: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
