"""The Jupyter server extension: the REST API under `<base_url>/mlops/api/` (issue 5).

Enabled on install by jupyter-config/jupyter_server_config.d/jupyter_mlops.json; configured
with `c.MLOps.…` like any Jupyter setting (jupyter_mlops/config.py).
"""

from __future__ import annotations

from .app import MLOpsExtension


def _jupyter_server_extension_points() -> list[dict]:
    return [{"module": "jupyter_mlops.server", "app": MLOpsExtension}]


__all__ = ["MLOpsExtension"]
