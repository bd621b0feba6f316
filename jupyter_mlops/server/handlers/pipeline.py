"""`GET pipeline?path=` and `POST pipeline` (unsaved content): the steps, or the cell at fault."""

from __future__ import annotations

import asyncio

from ...errors import NotebookError, PipelineError
from ...service import runs as service
from ..base import MLOpsHandler, protected
from ..errors import ApiError
from ..models import PipelineContent, PipelineProblem, PipelineQuery, PipelineReport


def _report(notebook, name: str) -> PipelineReport:
    # An invalid declaration is the normal state of a notebook being edited: it is a report
    # (200, with the cell), not a failed request.
    try:
        return PipelineReport(pipeline=service.get_pipeline(notebook, name=name))
    except PipelineError as error:
        return PipelineReport(errors=[PipelineProblem(
            error=type(error).__name__, message=error.detail, cell_index=error.cell_index,
            cell_line=error.cell_line or None, step=error.step)])


class PipelineHandler(MLOpsHandler):
    @protected
    async def get(self) -> None:
        query = self.query(PipelineQuery)
        real = self.paths.resolve(query.path)
        self.reply(await self.call(_report, real, query.path))

    @protected
    async def post(self) -> None:
        request = self.body(PipelineContent)
        try:  # read as a saved notebook is: any nbformat version, odd cells filled in or named
            notebook = await asyncio.to_thread(service.read_notebook_content, request.content, "content")
        except NotebookError as error:
            raise ApiError(400, NotebookError.__name__, str(error), field="content") from None
        self.reply(await self.call(_report, notebook, "unsaved notebook"))
