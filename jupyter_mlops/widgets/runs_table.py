"""The notebook's recent runs, refreshed while any of them is still queued or running."""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as widgets

from ..cli.common import format_duration
from ..errors import MLOpsError
from ..run.model import Run, StepStatus
from ..service.lineage import Rerun, start_rerun
from ..service.runs import list_runs
from .feedback import Feedback
from .location import JupyterServer, file_link
from .ticker import Ticker

_DONE = {StepStatus.succeeded, StepStatus.failed, StepStatus.timed_out, StepStatus.skipped}


def _progress(run: Run) -> str:
    if not run.steps:
        return ""
    done = sum(step.status in _DONE for step in run.steps)
    current = next((step.name for step in run.steps if step.status == StepStatus.running), None)
    return f"{done}/{len(run.steps)}" + (f" ({html.escape(current)})" if current else "")


def _output(run: Run) -> str:
    """The copy the user asked for when it exists (it may lie under the server root), else the run folder's."""
    copy = run.spec.output_path
    return copy if copy and Path(copy).is_file() else run.output_notebook


def _row(run: Run, server: JupyterServer | None) -> str:
    error = f'<br><small title="{html.escape(run.error)}">{html.escape(run.error[:120])}</small>' if run.error else ""
    started = run.created_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    return (f"<tr data-run-id='{html.escape(run.id)}' data-status='{run.status.value}'>"
            f"<td><code>{html.escape(run.id)}</code></td><td>{started}</td><td>{html.escape(run.trigger)}</td>"
            f"<td class='jp-mlops-status'>{run.status.value}{error}</td><td>{_progress(run)}</td>"
            f"<td>{format_duration(run.duration)}</td><td>{file_link(_output(run), server)}</td></tr>")


def runs_html(runs: list[Run], total: int, server: JupyterServer | None) -> str:
    if not runs:
        return "<p><i>No runs of this notebook yet.</i></p>"
    head = ("<tr><th>run</th><th>created</th><th>trigger</th><th>status</th><th>steps</th><th>duration</th>"
            "<th>output notebook</th></tr>")
    more = f"<p><small>{len(runs)} most recent of {total}</small></p>" if total > len(runs) else ""
    return (f"<table class='jp-mlops-runs'><thead>{head}</thead>"
            f"<tbody>{''.join(_row(run, server) for run in runs)}</tbody></table>{more}")


class RunsTable(widgets.VBox):
    """`list_runs(notebook=...)` as a table; follows progress in the background until every run has ended.

    A finished run can be re-run exactly: its own notebook snapshot, parameters, image and secret
    names, whatever the notebook holds now (as the panel's Re-run and `jupyter-mlops runs rerun`)."""

    def __init__(self, notebook: str, server: JupyterServer | None, *, limit: int = 10,
                 interval: float = 1.0) -> None:
        self.notebook = notebook
        self.server = server
        self.limit = limit
        self.table = widgets.HTML()
        self.ticker = Ticker(self.refresh, interval)
        # Runs started elsewhere (CLI, a schedule) show up on demand; the table then follows them too.
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh", layout={"width": "auto"})
        self.refresh_button.on_click(lambda _button: self.follow())
        self.rerun_choice = widgets.Dropdown(description="Finished run", options=[],
                                             style={"description_width": "auto"})
        self.rerun_button = widgets.Button(description="Re-run exactly", icon="repeat", disabled=True,
                                           tooltip="A new run of this run's own notebook snapshot and parameters")
        self.rerun_button.on_click(lambda _button: self.rerun())
        self.feedback = Feedback()
        super().__init__([widgets.HBox([widgets.HTML("<b>Runs</b>"), self.refresh_button]), self.table,
                          widgets.HBox([self.rerun_choice, self.rerun_button]), self.feedback])
        self.follow()

    def refresh(self) -> bool:
        """Redraw; True while some run still has to finish."""
        runs, total = list_runs(notebook=self.notebook, limit=self.limit)
        self.table.value = runs_html(runs, total, self.server)
        finished = [(f"{run.id} ({run.status.value})", run.id) for run in runs if run.status.finished]
        if list(self.rerun_choice.options) != finished:  # unchanged: the user's choice stays as it is
            chosen = self.rerun_choice.value
            self.rerun_choice.options = finished
            if chosen in {run_id for _, run_id in finished}:
                self.rerun_choice.value = chosen
        self.rerun_button.disabled = not finished
        return any(not run.status.finished for run in runs)

    def rerun(self) -> Rerun | None:
        """Start the chosen finished run again in a worker process of its own, and follow it."""
        if self.rerun_choice.value is None:
            return None
        try:
            queued = start_rerun(self.rerun_choice.value)
        except MLOpsError as error:
            self.feedback.error(error)
            return None
        changed = f" Inputs changed since: {'; '.join(queued.warnings)}" if queued.warnings else ""
        self.feedback.ok(f"Run {queued.run.id} started from run {self.rerun_choice.value}'s snapshot.{changed}")
        self.follow()
        return queued

    def follow(self) -> None:
        """Redraw now, and keep redrawing while runs progress (after a new run is started, say)."""
        if self.refresh():
            self.ticker.start()
