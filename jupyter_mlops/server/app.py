"""The server extension application: configuration (`c.MLOps.…`), routes, start and stop."""

from __future__ import annotations

from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, Float, Int

from ..schedule.loop import SchedulerLoop
from .changes import ScheduleChanges, batch_changes, run_changes
from .feed import ChangeFeed
from .handlers.batches import batch_out
from .handlers.runs import run_out
from .handlers.schedules import schedule_out
from .paths import PathResolver
from .routes import ROUTES, tornado_pattern


class MLOps(ExtensionApp):
    """jupyter-mlops in Jupyter Server: the REST API under `<base_url>/mlops/api/` and the scheduler."""

    name = "jupyter_mlops"

    run_scheduler = Bool(
        True, help="Run the scheduler loop inside the server, so schedules fire while it runs. Any number "
                   "of servers and `jupyter-mlops scheduler` daemons may share a store: one holds the lease "
                   "and fires, the others stand by.",
    ).tag(config=True)

    max_concurrent_runs = Int(
        None, allow_none=True, help="Scheduled runs at once, across all schedules, when this server's "
                                    "scheduler is the active one; none: no limit.",
    ).tag(config=True)

    events_poll_interval = Float(
        0.5, help="Seconds between two looks at the store for run, batch and schedule changes to push to the event "
                  "streams (a look is two stat calls unless something was written).",
    ).tag(config=True)

    events_keepalive = Float(
        15.0, help="Seconds of quiet after which an event stream sends a comment, so proxies keep it open.",
    ).tag(config=True)

    scheduler: SchedulerLoop | None = None

    def initialize_settings(self) -> None:
        contents = self.serverapp.contents_manager
        paths = PathResolver(self.serverapp.root_dir, allow_hidden=contents.allow_hidden)
        self.feed = ChangeFeed([run_changes(lambda run: run_out(run, paths).model_dump_json()),
                                batch_changes(lambda batch: batch_out(batch, paths).model_dump_json()),
                                ScheduleChanges(lambda schedule: schedule_out(schedule, paths).model_dump_json())],
                               interval=self.events_poll_interval, full_check_every=5.0)
        self.settings.update(mlops_paths=paths, mlops_feed=self.feed, mlops_keepalive=self.events_keepalive)
        if self.run_scheduler:
            self.scheduler = SchedulerLoop(max_concurrent_runs=self.max_concurrent_runs).start()

    def initialize_handlers(self) -> None:
        self.handlers.extend((tornado_pattern(path), handler) for path, handler in ROUTES)

    async def stop_extension(self) -> None:
        await self.feed.stop()
        if self.scheduler is not None:
            # Releases the lease at once, so a standby scheduler takes over without waiting for it to lapse.
            self.scheduler.stop()
