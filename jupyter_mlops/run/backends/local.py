"""The default backend: papermill in this process, a fresh kernel on this machine."""

from __future__ import annotations

import papermill
from papermill.exceptions import PapermillExecutionError

from .. import engine
from .base import Backend, BackendOutcome, Execution, StepEventSink


class LocalBackend(Backend):
    name = "local"

    def execute(self, execution: Execution, on_step_event: StepEventSink) -> BackendOutcome:
        with open(execution.log_path, "a", encoding="utf-8") as log:
            try:
                papermill.execute_notebook(
                    str(execution.input_notebook), str(execution.output_notebook),
                    parameters=execution.parameters,
                    engine_name=engine.ENGINE_NAME,
                    kernel_name=execution.kernel_name,
                    # A given kernel already runs in the working directory; papermill's cwd is a
                    # process-wide chdir, which parallel runs in one process must not race on.
                    cwd=None if execution.kernel_manager else str(execution.cwd or execution.source_dir),
                    km=execution.kernel_manager,
                    request_save_on_cell_execute=execution.save_each_cell,
                    execution_timeout=execution.execution_timeout,
                    log_output=execution.log_output,
                    progress_bar=False,
                    mlops_on_step_event=on_step_event,
                    mlops_log=log,
                    mlops_echo=execution.log_output,
                    # A given (pooled) kernel was started with the environment already.
                    mlops_environment={} if execution.kernel_manager else execution.environment,
                    mlops_mask=execution.secret_values,
                )
            except PapermillExecutionError:
                pass  # the engine recorded which step failed and why in the output notebook
            except Exception as error:  # the kernel could not start, the notebook could not be written…
                message = execution.masker.text(f"{type(error).__name__}: {error}")
                log.write(f"[mlops] {message}\n")
                return BackendOutcome(error=message)
        return BackendOutcome()
