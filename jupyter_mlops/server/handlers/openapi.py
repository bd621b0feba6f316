"""`GET openapi.json`: the API's OpenAPI document, as kept in the repository."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jupyter_server.utils import url_path_join

from ..base import API_PREFIX, MLOpsHandler, protected

#: Written by `python -m jupyter_mlops.server.openapi`.
DOCUMENT = Path(__file__).resolve().parent.parent / "openapi.json"


@cache
def _document() -> str:
    return DOCUMENT.read_text()


class OpenAPIHandler(MLOpsHandler):
    @protected
    async def get(self) -> None:
        document = json.loads(_document())
        # The kept document assumes base URL "/"; this server may live under another one.
        document["servers"] = [{"url": url_path_join(self.base_url, API_PREFIX)}]
        self.reply(document)
