"""**Batch**: values per parameter (a grid, as `jupyter-mlops batch -p NAME v1,v2`), then progress (and
cancel), then results."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from ..batch.grid import grid_points
from ..batch.model import Batch, BatchResults, BatchSpec
from ..batch.results import cell, columns
from ..batch.runner import default_parallel
from ..cli.common import format_duration
from ..errors import MLOpsError
from ..pipeline.model import Pipeline
from ..service.backends import BackendState
from ..service.batches import batch_results, cancel_batch, get_batch, start_batch
from .backend_choice import BackendChoice
from .environment import EnvironmentChoice
from .feedback import Feedback
from .tell import TellFields
from .ticker import Ticker

_STYLE = {"description_width": "140px"}


def _format(value: Any, column: str) -> str:
    if column == "duration":
        return format_duration(value)
    if value is None:
        return "—"
    return html.escape(f"{value:.4g}" if isinstance(value, float) else str(value))


def results_html(table: BatchResults) -> str:
    names = columns(table)
    head = "".join(f"<th>{html.escape(name)}</th>" for name in names)
    rows = "".join("<tr>" + "".join(f"<td>{_format(cell(row, name), name)}</td>" for name in names) + "</tr>"
                   for row in table.rows)
    return f"<table class='jp-mlops-batch-results'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def progress_text(batch: Batch) -> str:
    counts = ", ".join(f"{count} {status}" for status, count in sorted(batch.counts.items()))
    return f"batch {batch.id}: {batch.status.value} — {counts}"


class BatchView(widgets.VBox):
    def __init__(self, notebook: str, pipeline: Pipeline, backends: list[BackendState],
                 on_started: Callable[[Batch], None], *, interval: float = 1.0) -> None:
        self.notebook = notebook
        self.on_started = on_started
        self.pipeline = pipeline
        self.axes = {p.name: widgets.Text(description=p.name, placeholder=f"{p.default!r} (not varied)",
                                          style=_STYLE, layout={"width": "420px"})
                     for p in pipeline.parameters}
        self.parallel = widgets.BoundedIntText(value=default_parallel(), min=1, max=64, description="Runs at once",
                                               style=_STYLE)
        self.fail_fast = widgets.Checkbox(description="Stop at the first run that fails", indent=False)
        self.backend = BackendChoice(backends)
        self.environment = EnvironmentChoice()
        self.tell = TellFields(events=False)  # a batch tells once, when it ends (batch_done)
        self.button = widgets.Button(description="Start batch", button_style="primary", icon="th")
        self.cancel_button = widgets.Button(description="Cancel batch", icon="stop", layout={"display": "none"})
        self.feedback = Feedback()
        self.progress = widgets.IntProgress(value=0, min=0, max=1, layout={"visibility": "hidden"})
        self.status = widgets.HTML()
        self.results = widgets.HTML()
        self.batch: Batch | None = None
        self.ticker = Ticker(self.refresh, interval)
        self.button.on_click(lambda _button: self.start())
        self.cancel_button.on_click(lambda _button: self.cancel())
        hint = widgets.HTML("<small>Comma-separated values per parameter; the batch runs every combination.</small>")
        super().__init__([hint, *self.axes.values(), self.parallel, self.fail_fast, self.backend,
                          self.environment, self.tell, widgets.HBox([self.button, self.cancel_button]),
                          self.feedback, self.progress, self.status, self.results])

    def start(self) -> Batch | None:
        """Expand the grid and start the batch in a worker process of its own, as the CLI would."""
        axes = [(name, text.value) for name, text in self.axes.items() if text.value.strip()]
        if not axes:
            self.feedback.value = "<i>Give the values of at least one parameter.</i>"
            return None
        try:
            points = grid_points(self.pipeline, axes=axes)
            batch = start_batch(BatchSpec(notebook=self.notebook, points=points, parallel=self.parallel.value,
                                          fail_fast=self.fail_fast.value, notify=self.tell.values(),
                                          **self.backend.values(), **self.environment.values()))
        except MLOpsError as error:
            self.feedback.error(error)
            return None
        self.feedback.ok(f"Batch {batch.id} started: {len(points)} runs.")
        self.batch = batch
        self.progress.max = len(batch.run_ids)
        self.progress.layout.visibility = "visible"
        self.results.value = ""
        self.on_started(batch)
        self.cancel_button.layout.display = None
        if self.refresh():
            self.ticker.start()
        return batch

    def cancel(self) -> None:
        """Stop the batch shown: its finished runs are kept, the others cancelled (the ticker shows the end)."""
        try:
            cancel_batch(self.batch.id)
        except MLOpsError as error:  # e.g. it finished meanwhile
            self.feedback.error(error)
            return
        self.feedback.ok(f"Cancelling batch {self.batch.id}…")
        self.ticker.start()

    def refresh(self) -> bool:
        """Show the progress, then the results table once the batch has ended; True while it runs."""
        self.batch = get_batch(self.batch.id)
        self.progress.value = sum(count for status, count in self.batch.counts.items()
                                  if status not in ("queued", "running"))
        self.status.value = html.escape(progress_text(self.batch))
        if not self.batch.status.finished:
            return True
        self.cancel_button.layout.display = "none"
        self.results.value = results_html(batch_results(self.batch.id))
        return False
