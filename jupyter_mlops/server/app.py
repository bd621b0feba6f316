"""The server extension application: configuration (`c.MLOps.…`), routes, start and stop."""

from __future__ import annotations

from jupyter_server.extension.application import ExtensionApp
from traitlets import Float

from .changes import RunChanges
from .feed import ChangeFeed
from .handlers.runs import run_out
from .paths import PathResolver
from .routes import ROUTES, tornado_pattern


class MLOps(ExtensionApp):
    """jupyter-mlops in Jupyter Server: the REST API under `<base_url>/mlops/api/`."""

    name = "jupyter_mlops"
    load_other_extensions = True

    events_poll_interval = Float(
        0.5, help="Seconds between two looks at the store for run and schedule changes to push to "
                  "the event streams (each look is two stat calls unless something was written).",
    ).tag(config=True)

    events_keepalive = Float(
        15.0, help="Seconds of quiet after which an event stream sends a comment to keep proxies from "
                   "closing it.",
    ).tag(config=True)

    def initialize_settings(self) -> None:
        contents = self.serverapp.contents_manager
        paths = PathResolver(self.serverapp.root_dir, allow_hidden=contents.allow_hidden)
        self.feed = ChangeFeed([RunChanges(lambda run: run_out(run, paths).model_dump_json())],
                               interval=self.events_poll_interval, full_check_every=5.0)
        self.settings.update(mlops_paths=paths, mlops_feed=self.feed, mlops_keepalive=self.events_keepalive)

    def initialize_handlers(self) -> None:
        self.handlers.extend((tornado_pattern(path), handler) for path, handler in ROUTES)

    async def stop_extension(self) -> None:
        await self.feed.stop()
