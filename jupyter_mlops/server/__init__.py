"""The Jupyter server extension: the REST API under `<base_url>/mlops/api/` (issue 5).

Enabled on install by jupyter-config/jupyter_server_config.d/jupyter_mlops.json. Until the
API lands this only announces itself, so `jupyter server extension list` can check the wiring.
"""

from __future__ import annotations

from typing import Any


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "jupyter_mlops.server"}]


def _load_jupyter_server_extension(server_app: Any) -> None:
    server_app.log.info("jupyter_mlops server extension loaded")
