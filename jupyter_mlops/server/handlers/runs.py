"""Runs: list and start, read one, cancel, tail its log, fetch its output notebook or its HTML report,
compare two; the metric history of a schedule's or a notebook's runs."""

from __future__ import annotations

import asyncio
from pathlib import Path

from ...run.model import Run, RunSpec
from ...service import metrics as metrics_service
from ...service import lineage as lineage_service
from ...service import runs as service
from ..base import MLOpsHandler, protected
from ..errors import ApiError, refuse_commands
from ..models import (LogChunk, LogQuery, MetricsQuery, ReportQuery, RerunOut, RunOut, RunPage, RunsQuery,
                      StartRun)
from ..paths import PathResolver


def run_out(run: Run, paths: PathResolver) -> RunOut:
    # The record was validated when read from the store: constructing skips a second validation
    # (a fifth of the time of a page of 50).
    return RunOut.model_construct(**dict(run), path=paths.relative(run.notebook))


class RunsHandler(MLOpsHandler):
    @protected
    async def get(self) -> None:
        query = self.query(RunsQuery)
        notebook = None
        if query.notebook:  # runs of a deleted notebook can still be listed: it need not exist
            notebook = str(self.paths.resolve(query.notebook, must_exist=False, field="notebook"))
        runs, total = await self.call(
            service.list_runs, notebook=notebook, status=query.status.value if query.status else None,
            schedule_id=query.schedule_id, batch_id=query.batch_id, trigger=query.trigger, search=query.search or None,
            limit=query.limit, offset=query.offset)
        self.reply(RunPage(runs=[run_out(r, self.paths) for r in runs], total=total, limit=query.limit,
                           offset=query.offset))

    @protected
    async def post(self) -> None:
        request = self.body(StartRun)
        refuse_commands(request.notify.model_dump() if request.notify else None)
        fields = request.model_dump(exclude={"path"}, exclude_none=True)
        spec = RunSpec(notebook=str(self.paths.resolve(request.path)), **fields)
        run = await self.call(service.start_run, spec)
        self.reply(run_out(run, self.paths), status=201)


class RunHandler(MLOpsHandler):
    @protected
    async def get(self, run_id: str) -> None:
        self.reply(run_out(await self.call(service.get_run, run_id), self.paths))


class CancelRunHandler(MLOpsHandler):
    @protected
    async def post(self, run_id: str) -> None:
        self.reply(run_out(await self.call(service.cancel_run, run_id), self.paths), status=202)


class RerunHandler(MLOpsHandler):
    """A new run of exactly what the run executed (its snapshot, not the notebook file as it is now)."""

    @protected
    async def post(self, run_id: str) -> None:
        rerun = await self.call(lineage_service.start_rerun, run_id)
        self.reply(RerunOut(run=run_out(rerun.run, self.paths), warnings=rerun.warnings), status=201)


class RunLogHandler(MLOpsHandler):
    @protected
    async def get(self, run_id: str) -> None:
        query = self.query(LogQuery)
        text, next_offset = await self.call(service.read_log, run_id, query.offset)
        self.reply(LogChunk(text=text, next_offset=next_offset))


class RunNotebookHandler(MLOpsHandler):
    """The executed notebook (nbformat JSON): written as the run goes, complete once it ends."""

    @protected
    async def get(self, run_id: str) -> None:
        run = await self.call(service.get_run, run_id)
        output = Path(run.output_notebook)
        if not output.is_file():
            raise ApiError(404, "OutputNotFound", f"run {run_id} has no output notebook yet ({run.status.value})")
        self.set_header("Content-Type", "application/json")
        self.finish(await asyncio.to_thread(output.read_bytes))


#: A report is the run's notebook, whose outputs may carry any HTML and script: served as a sandboxed
#: document (a unique origin, no script, no form, no plugin), it can never act as the user in JupyterLab.
REPORT_POLICY = ("sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
                 "media-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'")


class RunReportHandler(MLOpsHandler):
    """The output notebook as HTML (nbconvert), safe to open in a browser tab."""

    @property
    def content_security_policy(self) -> str:
        return REPORT_POLICY

    @protected
    async def get(self, run_id: str) -> None:
        query = self.query(ReportQuery)
        page = await self.call(service.run_report, run_id, no_input=query.no_input)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")
        self.finish(page, set_content_type="text/html; charset=utf-8")


class MetricsHandler(MLOpsHandler):
    @protected
    async def get(self) -> None:
        query = self.query(MetricsQuery)
        notebook = None
        if query.notebook:  # runs of a deleted notebook still have a history
            notebook = str(self.paths.resolve(query.notebook, must_exist=False, field="notebook"))
        if (query.schedule_id is None) == (notebook is None):
            raise ApiError(400, "ValidationError", "give schedule_id or notebook (one of them)", field="schedule_id")
        history = await self.call(metrics_service.metric_history, schedule=query.schedule_id, notebook=notebook,
                                  metric=query.metric)
        self.reply(history)


class CompareRunsHandler(MLOpsHandler):
    @protected
    async def get(self, run_id: str, other_id: str) -> None:
        self.reply(await self.call(lineage_service.compare_runs, run_id, other_id))
