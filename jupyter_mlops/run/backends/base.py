"""The contract between the executor and a place that runs notebooks.

A backend gets a prepared notebook (already sliced to the selected steps, with each step's
retries and timeout in its metadata) and must leave the executed notebook at
`execution.output_notebook`; the per-step results are read from that notebook by the
executor, so every backend reports them the same way. A backend never knows about schedules
or batches.

A backend must start the kernel with `execution.environment` added to its environment and write
nothing the kernel says without `execution.masker` (the engine does both when given
`mlops_environment` and `mlops_mask`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, ClassVar

from ...secrets.masking import Masker
from ..model import RunStatus

#: Called with (step name, event, details) as steps start and finish: "started" / "finished".
StepEventSink = Callable[[str, str, dict[str, Any]], None]


@dataclass
class Execution:
    run_id: str
    input_notebook: Path  # prepared by run.prepare: sliced, steps annotated
    output_notebook: Path
    log_path: Path
    parameters: dict[str, Any]
    source_dir: Path  # the source notebook's folder: relative paths resolve against it
    cwd: Path | None = None
    kernel_name: str | None = None
    execution_timeout: float | None = None  # per cell
    run_timeout: float | None = None  # whole run
    log_output: bool = False
    # Container backends only (RunSpec fields of the same names).
    image: str | None = None
    network: str = "none"
    cpus: float | None = None
    memory: str | None = None
    writable_source: bool = False
    # A kernel already running in the run's working directory, to use for this run instead of
    # starting one (batches start kernels ahead of need: local ones from `KernelPool`, docker
    # ones from the backend's `kernel_pool`); its owner discards it afterwards.
    kernel_manager: Any = None
    # False: the output notebook is written once, when the run ends, instead of after every
    # cell as papermill does (batches: for short runs those writes cost more than the cells).
    save_each_cell: bool = True
    # Cluster backends (dask): which cluster, and whether its workers see this machine's paths.
    cluster: str | None = None
    shared_path: bool = False
    #: The batch this run belongs to, whose group the backend may have prepared (`open_group`).
    group: str | None = None
    #: Called with details only the backend knows while the run runs (e.g. the worker it went to),
    #: merged into the record's `backend_info` at once.
    on_info: Callable[[dict[str, Any]], None] | None = None
    # Every backend: variables the kernel gets on top of its own environment (the run's `env`,
    # and its secrets' values, read when the run started). `secret_variables` names those that
    # hold a secret: every text the run writes (output notebook, log, errors, what is echoed)
    # goes through `masker` first, so their values appear as ***.
    environment: dict[str, str] = field(default_factory=dict)
    secret_variables: frozenset[str] = frozenset()

    @cached_property
    def masker(self) -> Masker:
        return Masker(self.environment[name] for name in self.secret_variables)

    @property
    def secret_values(self) -> list[str]:
        """The values to mask, for code that builds its own `Masker` (the engine, in a container)."""
        return [self.environment[name] for name in sorted(self.secret_variables)]


@dataclass
class BackendOutcome:
    """What only the backend can know: a reason the notebook itself cannot record."""

    status: RunStatus | None = None  # overrides the status read from the output notebook
    error: str | None = None
    info: dict[str, Any] = field(default_factory=dict)  # e.g. the image id a container ran on


class RunGroup(ABC):
    """Runs of one notebook that one process is about to execute (a batch): prepared once for all."""

    #: Set by the backend once no further run of the group can execute (e.g. its cluster went away).
    stop_reason: str | None = None

    @abstractmethod
    def cancel(self) -> None:
        """Stop every run of the group now, from any thread; their `execute` calls return soon."""

    @abstractmethod
    def close(self) -> None:
        """Release what the group holds, once no run of it executes any more."""


class Backend(ABC):
    name: ClassVar[str]
    #: Runs go to a cluster named by `Execution.cluster` (the faces then offer --cluster, not images).
    cluster: ClassVar[bool] = False

    @abstractmethod
    def execute(self, execution: Execution, on_step_event: StepEventSink) -> BackendOutcome:
        """Execute the notebook; return when it has finished, failed, or been cancelled.

        Cancellation arrives as `KeyboardInterrupt` in the calling thread (the worker turns
        SIGTERM into it); a backend must release its kernel or container before re-raising.
        """

    def kernel_pool(self, execution: Execution, *, slots: int, total: int, preload: list[str]) -> Any:
        """Kernels started ahead of need for `total` runs of one notebook like `execution`, at most
        `slots` at once, with `preload` imported once for all; None: each run starts its own.

        The pool has `take()` (a started kernel manager for `Execution.kernel_manager`),
        `discard(kernel)` after its run, `stop()` (kill every kernel, from any thread) and
        `close()`. Bad input (image, limits) raises a `BackendError` before any run starts.
        """
        return None

    def availability(self) -> tuple[bool, str]:
        """Whether this backend can run now, and why not."""
        return True, "ready"

    def check(self, spec: Any) -> None:
        """Refuse a RunSpec this backend cannot run, before it is recorded (raise BackendError)."""

    def default_parallel(self, spec: Any) -> int | None:
        """Runs at once for a batch of `spec` that does not say; None: the number of cores here."""
        return None

    def open_group(self, group: str, spec: Any, runs: int, preload: list[str] | None) -> RunGroup | None:
        """Prepare for `runs` runs of `spec` (a RunSpec) that execute in threads of this process
        with `Execution.group` = `group`; None: each run executes in a worker process of its own."""
        return None

    def abandon_group(self, group: str, spec: Any) -> None:
        """Release what a group left behind when the process executing it died before `close()`
        (kill -9): e.g. its state on a cluster's workers. Best effort: never raises."""

    def release_abandoned(self, spec: Any, abandoned: Callable[[str], bool]) -> None:
        """`abandon_group` for every group found left on the backend `spec` (a RunSpec) runs on that
        `abandoned(group)` says is over (one it does not know may be another store's, or running).
        Called before a new group opens there. Best effort: never raises."""

    def images(self) -> list[str]:
        """The images a run can choose on this backend (none for backends without images)."""
        return []
