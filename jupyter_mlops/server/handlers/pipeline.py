"""`GET pipeline?path=` and `POST pipeline` (unsaved content): the steps, or the cell at fault."""

from __future__ import annotations

import json

import nbformat

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
        try:
            notebook = nbformat.reads(json.dumps(request.content), as_version=4)
            nbformat.validate(notebook)  # the parser may then rely on every cell's shape
        except Exception as error:  # nbformat raises several unrelated types for non-notebooks
            raise ApiError(400, NotebookError.__name__, f"content is not a notebook: {error}",
                           field="content") from None
        self.reply(await self.call(_report, notebook, "unsaved notebook"))
