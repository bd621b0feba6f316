"""Schedules: list, create, read, change, delete, pause, resume, run now, and a cron preview."""

from __future__ import annotations

from ...schedule.model import Schedule, ScheduleSpec
from ...service import schedules as service
from ..base import MLOpsHandler, protected
from ..errors import ApiError, refuse_commands
from ..models import CronPreview, CronQuery, PinOut, ScheduleDiff, ScheduleUpdate, ScheduleOut, Schedules
from ..paths import PathResolver
from .runs import run_out


def schedule_out(schedule: Schedule, paths: PathResolver) -> ScheduleOut:
    return ScheduleOut(**dict(schedule), path=paths.relative(schedule.notebook))


class _ScheduleHandler(MLOpsHandler):
    async def check_confined(self, schedule_id: str) -> None:
        """Refuse (403) to make a schedule run that was made elsewhere (the CLI) for a notebook
        outside this server's root: nothing outside the root runs through this API."""
        schedule = await self.call(service.get_schedule, schedule_id)
        relative = self.paths.relative(schedule.notebook)
        if relative is None:
            raise ApiError(403, "PathError", f"schedule {schedule.name!r} runs {schedule.notebook}, outside the "
                                             "server root; change it with the jupyter-mlops CLI", field="notebook")
        self.paths.resolve(relative, field="notebook")  # and no symlink has since led it out


class SchedulesHandler(MLOpsHandler):
    @protected
    async def get(self) -> None:
        schedules = await self.call(service.list_schedules)
        self.reply(Schedules(schedules=[schedule_out(s, self.paths) for s in schedules]))

    @protected
    async def post(self) -> None:
        """`notebook` is a path relative to the server root, like every path the API takes."""
        spec = self.body(ScheduleSpec)
        refuse_commands(spec.notify.model_dump() if spec.notify else None)
        spec = spec.model_copy(update={"notebook": str(self.paths.resolve(spec.notebook, field="notebook"))})
        self.reply(schedule_out(await self.call(service.add_schedule, spec), self.paths), status=201)


class ScheduleHandler(_ScheduleHandler):
    @protected
    async def get(self, schedule_id: str) -> None:
        self.reply(schedule_out(await self.call(service.get_schedule, schedule_id), self.paths))

    @protected
    async def patch(self, schedule_id: str) -> None:
        changes = self.body(ScheduleUpdate).model_dump(exclude_unset=True)
        refuse_commands(changes.get("notify"))
        await self.check_confined(schedule_id)
        if changes.get("notify") is not None:
            # The API can neither set a command channel (refused above) nor send one back: a client that
            # replaces the other channels (the panel's dialog) keeps the command the CLI set, not drops it unseen.
            current = (await self.call(service.get_schedule, schedule_id)).notify
            if current is not None and current.command:
                changes["notify"] = {**changes["notify"], "command": current.command}
        if changes.get("notebook") is not None:
            changes["notebook"] = str(self.paths.resolve(changes["notebook"], field="notebook"))
        schedule = await self.call(service.update_schedule, schedule_id, changes)
        self.reply(schedule_out(schedule, self.paths))

    @protected
    async def delete(self, schedule_id: str) -> None:
        self.reply(schedule_out(await self.call(service.remove_schedule, schedule_id), self.paths))


class PauseScheduleHandler(MLOpsHandler):
    @protected
    async def post(self, schedule_id: str) -> None:
        self.reply(schedule_out(await self.call(service.pause_schedule, schedule_id), self.paths))


class ResumeScheduleHandler(_ScheduleHandler):
    @protected
    async def post(self, schedule_id: str) -> None:
        await self.check_confined(schedule_id)
        self.reply(schedule_out(await self.call(service.resume_schedule, schedule_id), self.paths))


class RunScheduleNowHandler(_ScheduleHandler):
    @protected
    async def post(self, schedule_id: str) -> None:
        await self.check_confined(schedule_id)
        self.reply(run_out(await self.call(service.run_schedule_now, schedule_id), self.paths), status=201)


class PinScheduleHandler(_ScheduleHandler):
    @protected
    async def post(self, schedule_id: str) -> None:
        """Pin the notebook's current content ("Update to the current notebook")."""
        await self.check_confined(schedule_id)
        result = await self.call(service.pin_schedule, schedule_id)
        self.reply(PinOut(schedule=schedule_out(result.schedule, self.paths), changes=result.changes))


class ScheduleDiffHandler(_ScheduleHandler):
    @protected
    async def get(self, schedule_id: str) -> None:
        await self.check_confined(schedule_id)
        self.reply(ScheduleDiff(diff=await self.call(service.schedule_diff, schedule_id)))


class CronPreviewHandler(MLOpsHandler):
    @protected
    async def get(self) -> None:
        query = self.query(CronQuery)
        description, upcoming = await self.call(service.preview_cron, query.cron, query.timezone)
        self.reply(CronPreview(description=description, next=upcoming))
