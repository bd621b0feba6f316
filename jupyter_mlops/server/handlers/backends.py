"""`GET backends`: where runs can execute, and whether each can right now."""

from __future__ import annotations

from ...service.backends import backend_states
from ..base import MLOpsHandler, protected
from ..models import Backends


class BackendsHandler(MLOpsHandler):
    @protected
    async def get(self) -> None:
        self.reply(Backends(backends=await self.call(backend_states)))
