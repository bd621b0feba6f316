"""`GET backends`: where runs can execute, and whether each can right now."""

from __future__ import annotations

from ...run.backends import backend_names, get_backend
from ..base import MLOpsHandler, protected
from ..models import BackendState, Backends


def backend_states() -> Backends:
    states = []
    for name in backend_names():
        backend = get_backend(name)
        available, detail = backend.availability()
        states.append(BackendState(name=name, available=available, detail=detail,
                                   images=backend.images() if available else []))
    return Backends(backends=states)


class BackendsHandler(MLOpsHandler):
    @protected
    async def get(self) -> None:
        self.reply(await self.call(backend_states))
