"""The server extension application: settings, routes, start and stop."""

from __future__ import annotations

from jupyter_server.extension.application import ExtensionApp

from ..config import settings, use_server_config

from ..schedule.loop import SchedulerLoop
from ..service.runs import start_launcher, stop_launcher
from .changes import ScheduleChanges, batch_changes, run_changes
from .feed import ChangeFeed
from .handlers.batches import batch_out
from .handlers.runs import run_out
from .handlers.schedules import schedule_out
from .paths import PathResolver
from .routes import ROUTES, tornado_pattern


class MLOpsExtension(ExtensionApp):
    """jupyter-mlops in Jupyter Server: the REST API under `<base_url>/mlops/api/` and the scheduler.

    It has no traits of its own: `c.MLOps.…` in the server's configuration (or `--MLOps.…=` on its command
    line) joins the one settings mechanism every face reads (config.py).
    """

    name = "jupyter_mlops"

    scheduler: SchedulerLoop | None = None

    def initialize_settings(self) -> None:
        use_server_config(self.serverapp.config)
        configured = settings()
        contents = self.serverapp.contents_manager
        paths = PathResolver(self.serverapp.root_dir, allow_hidden=contents.allow_hidden)
        self.feed = ChangeFeed([run_changes(lambda run: run_out(run, paths).model_dump_json()),
                                batch_changes(lambda batch: batch_out(batch, paths).model_dump_json()),
                                ScheduleChanges(lambda schedule: schedule_out(schedule, paths).model_dump_json())],
                               interval=configured.events_poll_interval, full_check_every=5.0)
        self.settings.update(mlops_paths=paths, mlops_feed=self.feed, mlops_keepalive=configured.events_keepalive)
        start_launcher()  # warm kernels for Run now, POST runs and scheduled fires
        if configured.run_scheduler:
            self.scheduler = SchedulerLoop(max_concurrent_runs=configured.max_concurrent_runs).start()

    def initialize_handlers(self) -> None:
        self.handlers.extend((tornado_pattern(path), handler) for path, handler in ROUTES)

    async def stop_extension(self) -> None:
        await self.feed.stop()
        if self.scheduler is not None:
            # Releases the lease at once, so a standby scheduler takes over without waiting for it to lapse.
            self.scheduler.stop()
        stop_launcher()  # no idle kernel outlives the server; runs in progress finish in their workers
        use_server_config(None)
