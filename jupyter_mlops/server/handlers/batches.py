"""Batches: list, start (one run per parameter set), read one, cancel, and its results table (JSON or CSV)."""

from __future__ import annotations

from ...batch.model import Batch, BatchSpec
from ...batch.results import to_csv
from ...service import batches as service
from ..base import MLOpsHandler, protected
from ..models import BatchesQuery, BatchOut, BatchPage, ResultsQuery
from ..errors import refuse_commands
from ..paths import PathResolver


def batch_out(batch: Batch, paths: PathResolver) -> BatchOut:
    # Validated when read from the store (counts included): constructing skips a second validation.
    return BatchOut.model_construct(**dict(batch), path=paths.relative(batch.notebook))


class BatchesHandler(MLOpsHandler):
    @protected
    async def get(self) -> None:
        query = self.query(BatchesQuery)
        notebook = None
        if query.notebook:  # batches of a deleted notebook can still be listed: it need not exist
            notebook = str(self.paths.resolve(query.notebook, must_exist=False, field="notebook"))
        batches, total = await self.call(service.list_batches, notebook=notebook, limit=query.limit,
                                         offset=query.offset)
        self.reply(BatchPage(batches=[batch_out(b, self.paths) for b in batches], total=total, limit=query.limit,
                             offset=query.offset))

    @protected
    async def post(self) -> None:
        """`notebook` is a path relative to the server root; the batch runs in a worker of its own."""
        spec = self.body(BatchSpec)
        refuse_commands(spec.notify.model_dump() if spec.notify else None)
        spec = spec.model_copy(update={"notebook": str(self.paths.resolve(spec.notebook, field="notebook"))})
        self.reply(batch_out(await self.call(service.start_batch, spec), self.paths), status=201)


class BatchHandler(MLOpsHandler):
    @protected
    async def get(self, batch_id: str) -> None:
        self.reply(batch_out(await self.call(service.get_batch, batch_id), self.paths))


class CancelBatchHandler(MLOpsHandler):
    @protected
    async def post(self, batch_id: str) -> None:
        """202: a running batch's worker is signalled and records it cancelled shortly after."""
        self.reply(batch_out(await self.call(service.cancel_batch, batch_id), self.paths), status=202)


class BatchResultsHandler(MLOpsHandler):
    @protected
    async def get(self, batch_id: str) -> None:
        query = self.query(ResultsQuery)
        self.reply(await self.call(service.batch_results, batch_id, sort=query.sort, descending=query.descending))


class BatchResultsCsvHandler(MLOpsHandler):
    @protected
    async def get(self, batch_id: str) -> None:
        """The same table as `jupyter-mlops batch show ID --format csv`, as a file to save."""
        query = self.query(ResultsQuery)
        table = await self.call(service.batch_results, batch_id, sort=query.sort, descending=query.descending)
        self.set_header("Content-Disposition", f'attachment; filename="batch-{table.batch_id}.csv"')
        self.finish(to_csv(table), set_content_type="text/csv; charset=utf-8")
