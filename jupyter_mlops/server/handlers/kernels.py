"""`GET kernels`: the kernelspecs a run, batch or schedule can choose (the dialogs' kernel choice)."""

from __future__ import annotations

from ...service.kernels import list_kernels
from ..base import MLOpsHandler, protected
from ..models import Kernels


class KernelsHandler(MLOpsHandler):
    @protected
    async def get(self) -> None:
        self.reply(Kernels(kernels=await self.call(list_kernels)))
