"""Precise errors. Every message names the notebook, cell, step or parameter at fault.

Faces (CLI, REST API, widgets) turn any `MLOpsError` into a one-line message; anything
else escaping the service layer is a bug.
"""

from __future__ import annotations


class MLOpsError(Exception):
    """Base class of every error jupyter-mlops reports to a user."""


# -- settings -------------------------------------------------------------------------------


class SettingsError(MLOpsError):
    """A setting that cannot be used: an unknown name, a value of the wrong type, an unreadable config file."""


# -- secrets --------------------------------------------------------------------------------


class SecretError(MLOpsError):
    """A secret that cannot be stored or used: a bad name, an empty value."""


class SecretNotFoundError(SecretError):
    """A secret a run or a channel needs is not set."""


# -- kernels and environments ---------------------------------------------------------------


class UnknownKernelError(MLOpsError):
    """A kernel name that no installed kernelspec has; the message lists the available ones."""


class EnvironmentVariableError(MLOpsError):
    """A malformed `--env NAME=VALUE` or `--secret [VAR=]NAME`."""


# -- notebooks ------------------------------------------------------------------------------


class NotebookError(MLOpsError):
    """A notebook that cannot be read: missing, not UTF-8, not JSON, not a notebook."""


# -- pipeline declarations ------------------------------------------------------------------


class PipelineError(MLOpsError):
    """A step declaration that cannot form a valid pipeline.

    Carries the cell (index and first line) and the step, so the panel can put the error
    against the cell.
    """

    def __init__(self, message: str, *, cell_index: int | None = None, cell_line: str = "",
                 step: str | None = None) -> None:
        self.cell_index = cell_index
        self.cell_line = cell_line
        self.step = step
        where = ""
        if cell_index is not None:
            where = f"cell {cell_index} ({cell_line!r}): " if cell_line else f"cell {cell_index}: "
        super().__init__(f"{where}{message}")
        self.detail = message


class DuplicateStepError(PipelineError):
    pass


class UnknownDependencyError(PipelineError):
    pass


class ForwardDependencyError(PipelineError):
    """A step depends on a step further down: the notebook could not run top to bottom."""


class CycleError(PipelineError):
    pass


class StepOptionError(PipelineError):
    """An unknown or malformed option on a `%%mlstep` line or in a cell tag."""


class DeclarationConflictError(PipelineError):
    """A cell's `%%mlstep` line and its `mlstep:`/`after:` tags disagree."""


class ParametersCellError(PipelineError):
    """The cell tagged `parameters` holds something other than plain assignments."""


# -- parameters and runs --------------------------------------------------------------------


class ParameterError(MLOpsError):
    """An unknown parameter name or a value of the wrong type; raised before any kernel starts."""


class UnknownStepError(MLOpsError):
    """`--steps`/`--only` names a step the notebook does not declare."""


class StepSelectionError(MLOpsError):
    """A run asked for both `--steps` (with dependencies) and `--only` (without)."""


# -- exports --------------------------------------------------------------------------------


class ExportError(MLOpsError):
    """A pipeline that cannot be handed to Airflow or Kubernetes as asked."""


class SharedMemoryError(ExportError):
    """Per-step export of a step that uses a variable another step defines, with no declared file
    between them: separate pods share no memory."""


class BackendError(MLOpsError):
    """A backend that is unknown, unavailable or misconfigured."""


class ContainerEngineError(BackendError):
    """No container engine answers, or it refused a request; the message says what to do."""


class ImageNotFoundError(BackendError):
    """The run's image is not in the local engine (images are built locally, never pulled)."""


class DaskClusterError(BackendError):
    """No Dask scheduler answers at the address or scheduler file, or the cluster could not be started."""


class DaskWorkerError(BackendError):
    """No Dask worker can take the run: none offers the resources it needs, or their Python differs."""


class DaskFolderTooLargeError(BackendError):
    """The notebook's folder is over the size that may travel to a Dask worker."""


class RunNotFoundError(MLOpsError):
    pass


class LauncherError(MLOpsError):
    """The warm-run launcher (run/launcher.py) exited or did not answer; the run starts the cold way."""


class RunStateError(MLOpsError):
    """An action that does not fit the run's state, e.g. cancelling a finished run."""


# -- lineage and safeguards -----------------------------------------------------------------


class CheckFailedError(MLOpsError):
    """Raised in a run's kernel by a safeguard (`jupyter_mlops.check`, `compare_with_previous`, …).

    The engine recognises this class by its name and ends the run `check_failed`, not `failed`.
    """

    def __init__(self, check: str, reasons: list[str]) -> None:
        self.check = check
        self.reasons = reasons
        super().__init__(f"check {check!r} failed: " + "; ".join(reasons))


class CheckUsageError(MLOpsError):
    """A safeguard called with arguments it cannot act on (unknown column kind, bad bounds…)."""


class LineageError(MLOpsError):
    """A run whose recorded lineage cannot serve the request, e.g. a rerun without its notebook snapshot."""


# -- schedules ------------------------------------------------------------------------------


class ScheduleError(MLOpsError):
    """A schedule that cannot be accepted: its cron, timezone, policies or name."""


class InvalidCronError(ScheduleError):
    pass


class UnknownTimezoneError(ScheduleError):
    pass


class NotebookVersionNotFoundError(ScheduleError):
    """A pinned notebook version that is no longer in the store."""


class ScheduleNotFoundError(ScheduleError):
    pass


class SchedulesFileError(ScheduleError):
    """A schedules YAML file that cannot be read or does not describe schedules."""


class LeaseLostError(ScheduleError):
    """A scheduler's lease expired or was taken over while it was acting: it must stop firing."""


# -- batches --------------------------------------------------------------------------------


class GridError(ParameterError):
    """A parameter grid or list that cannot be expanded: bad YAML/JSONL, empty, or a value of
    the wrong type; raised before any run is recorded."""


class BatchError(MLOpsError):
    """A batch that cannot run: its kernels could not be started, or it was asked something
    that does not fit its state."""


class BatchNotFoundError(MLOpsError):
    pass


class BatchStateError(BatchError):
    """An action that does not fit the batch's state, e.g. cancelling a finished batch."""


# -- notifications and reports ----------------------------------------------------------------


class NotifyError(MLOpsError):
    """Channels that cannot be set up: a malformed address, an unknown event, an alert expression that
    does not parse, email asked for while no SMTP server is configured."""


class DeliveryError(MLOpsError):
    """One delivery attempt failed; `transient` says whether trying again may help (a server down or
    answering 5xx) or not (a refused address, a missing secret)."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


class ReportError(MLOpsError):
    """A run's HTML report cannot be made: no output notebook yet, or nbconvert failed on it."""


class MetricsError(MLOpsError):
    """A metric history asked for wrongly: neither a schedule nor a notebook, or both."""
