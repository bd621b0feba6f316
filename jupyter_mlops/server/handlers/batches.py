"""Batches: list, start (one run per parameter set), read one, and its results table."""

from __future__ import annotations

from ...batch.model import BatchSpec
from ...service import batches as service
from ..base import MLOpsHandler, protected
from ..models import BatchPage, PageQuery, ResultsQuery


class BatchesHandler(MLOpsHandler):
    @protected
    async def get(self) -> None:
        query = self.query(PageQuery)
        batches, total = await self.call(service.list_batches, limit=query.limit, offset=query.offset)
        self.reply(BatchPage(batches=batches, total=total, limit=query.limit, offset=query.offset))

    @protected
    async def post(self) -> None:
        """`notebook` is a path relative to the server root; the batch runs in a worker of its own."""
        spec = self.body(BatchSpec)
        spec = spec.model_copy(update={"notebook": str(self.paths.resolve(spec.notebook, field="notebook"))})
        self.reply(await self.call(service.start_batch, spec), status=201)


class BatchHandler(MLOpsHandler):
    @protected
    async def get(self, batch_id: str) -> None:
        self.reply(await self.call(service.get_batch, batch_id))


class BatchResultsHandler(MLOpsHandler):
    @protected
    async def get(self, batch_id: str) -> None:
        query = self.query(ResultsQuery)
        self.reply(await self.call(service.batch_results, batch_id, sort=query.sort, descending=query.descending))
