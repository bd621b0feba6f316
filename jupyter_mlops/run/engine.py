"""A papermill engine that executes a prepared notebook step by step.

It keeps everything papermill does (parameter injection happens before, the output notebook,
cell metadata, the error banner) and adds what steps need: a step's cells are retried together
in the same kernel, a step and the whole run have deadlines, each step's result is written to
the output notebook's metadata (`metadata.mlops.results`), and progress is reported as steps
start and finish.

This module imports only papermill, nbclient and nbformat, so it also runs inside a bare
container image next to papermill.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime, timezone
from typing import Any

from jupyter_core.utils import run_sync
from nbclient.exceptions import CellExecutionError, DeadKernelError
from nbformat import NotebookNode
from nbformat.v4 import new_output
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from traitlets import Any as AnyTrait
from traitlets import Dict, List, Unicode

from ..secrets.masking import Masker
from .plan import CHECK_FAILED, CONTEXT_KEY, PLAN_KEY, RESULTS_KEY, RUN_CONTEXT_ENV, cell_step, code_to_execute

ENGINE_NAME = "mlops"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _groups(cells: list[NotebookNode]) -> list[tuple[str | None, list[int]]]:
    """Consecutive cells of the same step, in order.

    A prelude cell that sits inside a step (a parameters cell below the first step, or the
    cell papermill injects after it) runs as part of that step, so a step is never split.
    """
    groups: list[tuple[str | None, list[int]]] = []
    for index, cell in enumerate(cells):
        step = cell_step(cell)
        if groups and (groups[-1][0] == step or step is None):
            groups[-1][1].append(index)
        else:
            groups.append((step, [index]))
    return groups


class StepAwareClient(PapermillNotebookClient):
    mlops_on_step_event = AnyTrait(None, allow_none=True, help="callable(step, event, details)")
    mlops_log = AnyTrait(None, allow_none=True, help="text file receiving cell outputs and step events")
    mlops_echo = AnyTrait(False, help="also write cell outputs to stderr (--log-output)")
    mlops_environment = Dict(value_trait=Unicode(), help="variables added to the environment of the kernel "
                                                         "this client starts; a given kernel, started before "
                                                         "its run was known, gets them in its os.environ")
    mlops_mask = List(Unicode(), help="secret values: written as *** in every output, error and log line")
    mlops_kernel_environment = Dict(value_trait=Unicode(), help="variables set inside a Python kernel started "
                                                                "ahead of its run (which could not get them at start)")
    mlops_cwd = AnyTrait(None, allow_none=True, help="working directory for a kernel started ahead elsewhere")

    def execute(self, **kwargs: Any) -> NotebookNode:
        self.reset_execution_trackers()
        self._step_deadline: float | None = None
        self._run_deadline: float | None = None
        self._abandoned_kernel = False
        self._masker = Masker(self.mlops_mask)
        self._kernel_given = self.km is not None  # already started: its environment is set through it
        if self.mlops_environment and not self._kernel_given:
            kwargs["env"] = {**os.environ, **self.mlops_environment}
        # Sockets for a kernel this client starts (a given one has its own already).
        sockets = nullcontext() if self._kernel_given else tempfile.TemporaryDirectory(prefix="mlops-kernel-")
        with sockets as self._sockets:
            with self.setup_kernel(**kwargs):
                self.papermill_execute_cells()
                if not self._abandoned_kernel:  # a timed-out kernel may never answer again
                    # A pooled kernel's client kept the reply it got when the kernel was ready.
                    info = getattr(self.kc, "ready_reply", None) or self.wait_for_reply(self.kc.kernel_info())
                    self.nb.metadata["language_info"] = info["content"]["language_info"]
                self.set_widgets_metadata()
        return self.nb

    @contextmanager
    def setup_kernel(self, **kwargs: Any) -> Iterator[None]:
        """nbclient's, which leaves the kernel it started running when the start itself is
        interrupted (a cancel's SIGTERM before the kernel answered): this one kills it then."""
        owns_kernel = kwargs.get("cleanup_kc", self.owns_km)
        try:
            with super().setup_kernel(**kwargs):
                yield
        except BaseException:
            # Once the kernel was ready nbclient has shut it down and let go of its manager.
            if owns_kernel and self.km is not None and self.km.has_kernel:
                run_sync(self.km.shutdown_kernel)(now=True)
            raise

    def create_kernel_manager(self) -> Any:
        """The kernel we start talks over unix sockets, as the batch pool's do: no TCP ports to
        race for, and no "running over TCP without encryption" warning on the user's terminal."""
        manager = super().create_kernel_manager()
        manager.transport = "ipc"
        manager.ip = os.path.join(self._sockets, "k")  # short: a socket path has at most 107 bytes
        return manager

    # -- step loop ----------------------------------------------------------------------

    def papermill_execute_cells(self) -> None:
        plan = self.nb.metadata.get(PLAN_KEY, {})
        options = {step["name"]: step for step in plan.get("steps", [])}
        run_timeout = plan.get("run_timeout")
        run_deadline = time.monotonic() + run_timeout if run_timeout else None
        self.timeout_func = self._cell_timeout
        self.interrupt_on_timeout = True
        results: dict[str, dict[str, Any]] = {
            name: {"name": name, "status": "pending", "attempts": 0} for name in options}
        outcome = {"status": "succeeded", "error": None, "failed_step": None}
        if plan.get(CONTEXT_KEY) is not None:
            self._share_context(plan[CONTEXT_KEY])
        # A kernel started before its run was known gets the run's variables and folder now.
        variables = {**(self.mlops_environment if self._kernel_given else {}), **self.mlops_kernel_environment}
        if variables or self.mlops_cwd:
            self._prepare_kernel(variables)

        for step, indices in _groups(self.nb.cells):
            step_options = options.get(step, {}) if step else {}
            retries = int(step_options.get("retries", 0))
            result = results.get(step) if step else None
            if result is not None:
                result.update(status="running", started_at=_now())
                self._emit(step, "started", {})
            attempt = 0
            while True:
                attempt += 1
                step_deadline = (time.monotonic() + step_options["timeout"]
                                 if step_options.get("timeout") else None)
                self._step_deadline, self._run_deadline = step_deadline, run_deadline
                self._run_timeout = run_timeout
                failure = self._execute_cells(indices, check=step_options.get("kind") == "check")
                if failure is None or failure["kind"] != "error" or attempt > retries:
                    break
                self._log(f"step {step!r} failed ({failure['error']}); retry {attempt} of {retries}\n")
                for index in indices:
                    self._reset_cell(index)
            if result is not None:
                result.update(attempts=attempt, ended_at=_now())
            if failure is None:
                if result is not None:
                    result["status"] = "succeeded"
                    self._emit(step, "finished", result)
                continue
            if failure["kind"] == "exit":  # sys.exit(0): papermill stops and calls it a success
                if result is not None:
                    result["status"] = "succeeded"
                    self._emit(step, "finished", result)
                break
            status = {"timeout": "timed_out", "check": "check_failed"}.get(failure["kind"], "failed")
            outcome = {"status": status, "error": failure["error"], "failed_step": step}
            if result is not None:
                result.update(status=status, error=failure["error"])
                self._emit(step, "finished", result)
            break
        for name, result in results.items():
            if result["status"] != "pending":
                continue
            if outcome["status"] == "succeeded" and not self._has_cells(name):
                # The implicit step of a notebook that is only its parameters cell: nothing to run.
                result.update(status="succeeded", attempts=1, started_at=_now(), ended_at=_now())
                self._emit(name, "started", {})
                self._emit(name, "finished", result)
            else:
                result["status"] = "skipped"
        # A list keeps the steps' order (nbformat writes mappings with sorted keys).
        self.nb.metadata[PLAN_KEY][RESULTS_KEY] = list(results.values())
        self.nb.metadata[PLAN_KEY]["outcome"] = outcome

    def _has_cells(self, step: str) -> bool:
        return any(cell_step(cell) == step for cell in self.nb.cells)

    def _share_context(self, context: dict[str, Any]) -> None:
        """Tell a Python kernel which run it executes (safeguards compare with the previous run).

        A kernel forked ahead by a `KernelPool` reads it from the file its pool named
        (`context_file`), written here before any cell runs: an execute request costs a small
        batch point about a twentieth of its CPU time. Any other kernel gets it through an
        execute request, since batches hand us kernels started before their run was known: not
        waited for, as the kernel executes requests in order, so this runs before the first
        cell, and nbclient skips replies and outputs to requests other than the cell's own.
        """
        language = self.nb.metadata.get("kernelspec", {}).get("language")
        if language not in (None, "python"):
            return
        context_file = getattr(self.km, "context_file", None)
        if context_file is not None:
            context_file.write_text(json.dumps(context), encoding="utf-8")
            return
        code = f"import os as _o; _o.environ[{RUN_CONTEXT_ENV!r}] = {json.dumps(context)!r}; del _o"
        self.kc.execute(code, silent=True, store_history=False)

    def _prepare_kernel(self, variables: dict[str, str]) -> None:
        """Give a Python kernel taken from a pool its run's variables and working directory
        (as `_share_context`: sent ahead of the first cell, not waited for)."""
        if self.nb.metadata.get("kernelspec", {}).get("language") not in (None, "python"):
            return
        code = "import os as _o; "
        if variables:  # in the kernel's os.environ, which its subprocesses inherit
            code += f"_o.environ.update(__import__('json').loads({json.dumps(variables)!r})); "
        if self.mlops_cwd:
            code += f"_o.chdir({str(self.mlops_cwd)!r}); "
        self.kc.execute(code + "del _o", silent=True, store_history=False)

    def _execute_cells(self, indices: list[int], check: bool = False) -> dict[str, str] | None:
        """Run cells in order; on failure say how it failed: error, check, timeout, exit or dead kernel.

        A safeguard's exception, or any failed `assert` in a check step (`check`), is a failed check.
        """
        for index in indices:
            cell = self.nb.cells[index]
            started = time.monotonic()
            source = cell.source
            self._cell_timed_out = False
            try:
                self.nb_man.cell_start(cell, index)
                cell.source = code_to_execute(cell)  # the kernel never sees %%mlstep lines
                self.execute_cell(cell, index)
            except CellExecutionError as error:
                self.nb_man.cell_exception(self.nb.cells[index], cell_index=index, exception=error)
                if error.ename == "SystemExit" and error.evalue in ("", "0"):
                    return {"kind": "exit", "error": ""}
                if self._cell_timed_out:
                    return self._timed_out(index, time.monotonic() - started)
                # The reply's ename/evalue come straight from the kernel: masked like outputs.
                if error.ename == CHECK_FAILED or (check and error.ename == "AssertionError"):
                    return self._failure("check", f"{error.ename}: {error.evalue}")
                return self._failure("error", f"{error.ename}: {error.evalue}")
            except DeadKernelError:
                self._abandoned_kernel = True
                message = "the kernel died while executing this cell (out of memory, or killed)"
                self._add_error(index, "DeadKernelError", message)
                self.nb_man.cell_exception(self.nb.cells[index], cell_index=index, exception=None)
                return {"kind": "error", "error": f"DeadKernelError: {message}"}
            finally:
                cell.source = source
                self.nb_man.cell_complete(self.nb.cells[index], cell_index=index)
        return None

    async def _async_handle_timeout(self, timeout: int, cell: NotebookNode | None = None) -> Any:
        # nbclient's one hook for "this cell ran out of time"; it then interrupts the kernel.
        self._cell_timed_out = True
        return await super()._async_handle_timeout(timeout, cell)

    def _timed_out(self, index: int, elapsed: float) -> dict[str, str]:
        self._abandoned_kernel = True
        cell = self.nb.cells[index]
        cell.outputs = [o for o in cell.outputs if not (o.output_type == "error" and o.ename == "KeyboardInterrupt")]
        step = cell_step(cell)
        now = time.monotonic() + 0.05
        if self._run_deadline is not None and now >= self._run_deadline:
            message = f"the run exceeded its timeout of {self._run_timeout} s"
        elif self._step_deadline is not None and now >= self._step_deadline:
            message = f"step {step!r} exceeded its timeout"
        else:
            message = f"the cell exceeded the execution timeout of {self.timeout} s"
        message += f" (cell {index} interrupted after {elapsed:.1f} s)"
        self._add_error(index, "TimeoutError", message)
        return {"kind": "timeout", "error": f"TimeoutError: {message}"}

    def _add_error(self, index: int, ename: str, evalue: str) -> None:
        # An error output is what papermill looks for to mark the run failed and add its banner.
        self.nb.cells[index].outputs.append(
            new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"]))

    def _reset_cell(self, index: int) -> None:
        cell = self.nb.cells[index]
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None

    def _cell_timeout(self, cell: NotebookNode) -> float | None:
        budgets = [self.timeout] if self.timeout else []
        for deadline in (self._step_deadline, self._run_deadline):
            if deadline is not None:
                budgets.append(max(deadline - time.monotonic(), 0.01))
        return min(budgets) if budgets else None

    # -- masking ------------------------------------------------------------------------

    def process_message(self, msg: dict[str, Any], cell: NotebookNode, cell_index: int) -> NotebookNode | None:
        # Every output (stream, display, result, error and its traceback) is built from a
        # message: masked here, no secret reaches the notebook, the log or what is echoed.
        if self._masker:
            msg = {**msg, "content": self._masker.value(msg["content"])}
        return super().process_message(msg, cell, cell_index)

    def _failure(self, kind: str, error: str) -> dict[str, str]:
        return {"kind": kind, "error": self._masker.text(error)}

    # -- progress and log ---------------------------------------------------------------

    def _emit(self, step: str, event: str, details: dict[str, Any]) -> None:
        self._log(f"[mlops] step {step} {event}"
                  + (f": {details.get('status')}" if event == "finished" else "") + "\n")
        if self.mlops_on_step_event is not None:
            self.mlops_on_step_event(step, event, dict(details))

    def _log(self, text: str) -> None:
        if self.mlops_log is not None:
            self.mlops_log.write(self._masker.text(text))
            self.mlops_log.flush()

    def log_output_message(self, output: NotebookNode) -> None:
        if output.output_type == "stream":
            text = output.text
        elif output.output_type == "error":
            text = "\n".join(output.traceback) + "\n"
        elif "text/plain" in output.get("data", {}):
            text = output.data["text/plain"] + "\n"
        else:
            return
        self._log(text)
        if self.mlops_echo:
            sys.stderr.write(text)
            sys.stderr.flush()


class StepAwareEngine(NBClientEngine):
    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                 stderr_file=None, start_timeout=60, execution_timeout=None,
                                 input_path=None, **kwargs):
        # log_output is always on so every output reaches our log; mlops_echo decides stderr.
        return StepAwareClient(
            nb_man, kernel_name=kernel_name, timeout=execution_timeout, startup_timeout=start_timeout,
            log_output=True, stdout_file=stdout_file, stderr_file=stderr_file, **kwargs).execute()


papermill_engines.register(ENGINE_NAME, StepAwareEngine)
