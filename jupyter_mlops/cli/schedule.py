"""`jupyter-mlops schedule …` (add, list, show, edit, pause, resume, remove, run-now, apply, preview)
and `jupyter-mlops scheduler`, the standalone scheduler daemon."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import click

from ..config import settings
from ..schedule.loop import SchedulerLoop
from ..schedule.model import Schedule
from ..service import runs as run_service
from ..service import schedules as service
from .common import comma_list, delivery_line, echo_json, example
from .environment_options import environment_fields
from .notify_options import given_notify, notify_options
from .run import collect_parameters

_POLICY_OPTIONS = [
    click.option("--tz", "timezone", help="IANA timezone of the cron (default UTC)."),
    click.option("-p", "--parameters", "typed", nargs=2, multiple=True, metavar="NAME VALUE",
                 help="A parameter, read as the parameter's type."),
    click.option("--steps", help="Comma-separated steps to run, with everything they depend on."),
    click.option("--backend", help="Where runs execute (local, docker, …)."),
    click.option("--image", help="Container image, for container backends."),
    click.option("--cluster", help="Dask cluster (tcp://host:8786 or a scheduler file), for --backend dask."),
    click.option("--shared-path/--no-shared-path", default=None,
                 help="The Dask workers see the notebook's folder at the same path: do not ship it."),
    click.option("--timeout", type=float, help="Seconds a run may take before it is stopped."),
    click.option("-k", "--kernel", "kernel_name", help="Kernel of the runs instead of the notebook's."),
    click.option("--env", "env_items", multiple=True, metavar="NAME=VALUE",
                 help="An environment variable of the runs' kernel (repeatable; edit: replaces them all)."),
    click.option("--secret", "secret_items", multiple=True, metavar="[VAR=]NAME",
                 help="Secret NAME as $NAME (or $VAR), read as each run starts (repeatable; edit: replaces them all)."),
    click.option("--follow-file/--pin-version", "follow_file", default=None,
                 help="Run what the notebook file holds at each fire, instead of the version pinned now "
                      "(--pin-version, the default)."),
    click.option("--catch-up", type=click.Choice(["once", "all", "skip"]),
                 help="Fires missed while no scheduler ran: run once (default), each, or none."),
    click.option("--misfire-grace", type=float, help="Seconds after which a missed fire is dropped."),
    click.option("--overlap", type=click.Choice(["skip", "queue", "allow"]),
                 help="A fire while the previous run still runs: skip it (default), queue it, or allow both."),
    click.option("--retries", type=int, help="Runs again after a failure, this many times at most."),
    click.option("--retry-backoff", type=float, help="Seconds before the first retry; doubles each time."),
    click.option("--notify-success/--no-notify-success", default=None,
                 help="Also notify successful runs (the same as adding success to --notify-on)."),
    click.option("--report", type=click.Choice(["html", "none"]),
                 help="html: keep each run's output notebook as HTML (report.html) in its run folder."),
    click.option("--keep-runs", type=int, help="Keep only the last N finished runs."),
    click.option("--keep-days", type=float, help="Keep finished runs only this many days."),
]


def _policy_options(command: Callable) -> Callable:
    for option in reversed(_POLICY_OPTIONS):
        command = option(command)
    return notify_options(command)


def _changes(notebook: str, options: dict[str, Any], current_notify: dict[str, Any] | None = None) -> dict[str, Any]:
    """The spec fields the user gave (None means not given)."""
    typed = options.pop("typed", ())
    steps = options.pop("steps", None)
    env_items, secret_items = options.pop("env_items", ()), options.pop("secret_items", ())
    notify = given_notify(options)
    on_success = options.pop("notify_success")
    if on_success is not None:
        events = notify.get("events") or [e for e in (current_notify or {}).get("events", ["failure"])
                                         if e != "success"]
        notify["events"] = [*events, "success"] if on_success else [e for e in events if e != "success"]
    report = options.pop("report", None)
    changes = {key: value for key, value in options.items() if value is not None}
    if report is not None:
        changes["report"] = None if report == "none" else report
    if typed:
        changes["parameters"] = collect_parameters(notebook, (), (), (), typed, ())
    if steps is not None:
        changes["steps"] = comma_list(steps) or None
    environment = environment_fields(env_items, secret_items)
    changes.update({key: environment[key] for key, given in (("env", env_items), ("secrets", secret_items))
                    if given})
    if notify:
        changes["notify"] = {**(current_notify or {}), **notify}
    return changes


def _when(moment: datetime | None, timezone: str) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M:%S %Z")


def _version_state(schedule: Schedule) -> str:
    """Which notebook the fires run, in a few words: the list's VERSION column."""
    if schedule.follow_file:
        return "follows file"
    if schedule.drift and schedule.drift.differs:
        return "file changed"
    return "pinned" if schedule.version else "-"


def _version_lines(schedule: Schedule) -> list[str]:
    if schedule.follow_file:
        return ["version:    follows the notebook file (follow_file): each fire runs what the file holds then"]
    if schedule.version is None:
        return []
    version = schedule.version
    git = (f", git {version.git_commit[:12]}{' (dirty)' if version.git_dirty else ''}"
           if version.git_commit else "")
    lines = [f"version:    pinned {version.sha256[:12]} of {version.created_at:%Y-%m-%d %H:%M:%S %Z}{git}"]
    if schedule.drift and schedule.drift.differs:
        lines.append(f"drift:      the file differs from the pinned version: {schedule.drift.summary} "
                     f"(`schedule pin {schedule.name}` runs the current one)")
    else:
        lines.append("drift:      none, the file is the pinned version")
    return lines


def _row(schedule: Schedule) -> str:
    state = "paused" if schedule.paused else _when(schedule.next_fire_at, schedule.timezone)
    last = schedule.last_run_status.value if schedule.last_run_status else "-"
    return (f"{schedule.name:20} {state:26} {last:10} {_version_state(schedule):13} {schedule.cron:16} "
            f"{schedule.description}")


@click.group("schedule", epilog=example("""
jupyter-mlops schedule add train.ipynb --cron "0 3 * * *" --tz Europe/Paris -p n_estimators 50
jupyter-mlops schedule list"""))
def schedule_group() -> None:
    """Run notebooks on cron schedules (fired by the scheduler in JupyterLab or `jupyter-mlops scheduler`)."""


@schedule_group.command("add", epilog=example('jupyter-mlops schedule add train.ipynb --cron "0 3 * * *" '
                                              '--tz Europe/Paris --retries 2 --webhook http://127.0.0.1:9000/hook'))
@click.argument("notebook", type=click.Path(dir_okay=False))
@click.option("--cron", "cron_expression", required=True,
              help='Five fields "min hour day month weekday", or six with seconds first.')
@click.option("--name", help="Unique name; defaults to the notebook's file name.")
@_policy_options
@click.option("--json", "as_json", is_flag=True)
def add_command(notebook: str, cron_expression: str, name: str | None, as_json: bool, **options: Any) -> None:
    """Schedule NOTEBOOK; everything is checked now (cron, timezone, notebook, parameters)."""
    spec = {"notebook": notebook, "cron": cron_expression, "name": name, **_changes(notebook, options)}
    schedule = service.add_schedule(spec)
    if as_json:
        echo_json(schedule)
        return
    click.echo(f"scheduled {schedule.name} ({schedule.id}): {schedule.description} ({schedule.timezone}); "
               f"next run {_when(schedule.next_fire_at, schedule.timezone)}")


@schedule_group.command("list", epilog=example("jupyter-mlops schedule list --json"))
@click.option("--json", "as_json", is_flag=True)
def list_command(as_json: bool) -> None:
    """Every schedule with its next fire time and its last run's status."""
    schedules = service.list_schedules()
    if as_json:
        echo_json(schedules)
        return
    click.echo(f"{'NAME':20} {'NEXT RUN':26} {'LAST RUN':10} {'VERSION':13} {'CRON':16} WHEN")
    for schedule in schedules:
        click.echo(_row(schedule))


@schedule_group.command("show", epilog=example("jupyter-mlops schedule show nightly --diff"))
@click.argument("schedule")
@click.option("--diff", "with_diff", is_flag=True, help="Also print how the file differs from the pinned version "
                                                        "(nbdime).")
@click.option("--json", "as_json", is_flag=True)
def show_command(schedule: str, with_diff: bool, as_json: bool) -> None:
    """A schedule's settings, its pinned version and drift, and its recent runs (SCHEDULE: id or name)."""
    found = service.get_schedule(schedule)
    if as_json:
        echo_json(found)
        return
    click.echo(f"{found.name} ({found.id}){'  [paused]' if found.paused else ''}")
    click.echo(f"notebook:   {found.notebook}")
    for line in _version_lines(found):
        click.echo(line)
    if found.kernel_name:
        click.echo(f"kernel:     {found.kernel_name}")
    if found.env or found.secrets:
        secrets = [name if name == variable else f"{variable}={name}" for variable, name in found.secrets.items()]
        click.echo(f"env:        {found.env}  secrets: {', '.join(secrets) or '-'}")
    click.echo(f"cron:       {found.cron}  ({found.description}, {found.timezone})")
    click.echo(f"next run:   {_when(found.next_fire_at, found.timezone)}")
    click.echo(f"parameters: {found.parameters}")
    click.echo(f"policies:   catch_up={found.catch_up} misfire_grace={found.misfire_grace} overlap={found.overlap} "
               f"retries={found.retries} retry_backoff={found.retry_backoff:g}s timeout={found.timeout}")
    click.echo(f"retention:  keep_runs={found.keep_runs} keep_days={found.keep_days}")
    if found.notify:
        click.echo(f"notify:     {found.notify.model_dump(exclude_none=True, exclude_defaults=True)}")
    if found.report:
        click.echo(f"report:     {found.report} (report.html in each run folder)")
    if found.source:
        click.echo(f"applied from {found.source}")
    runs, total = run_service.list_runs(schedule_id=found.id, limit=10)
    click.echo(f"runs ({total}):")
    for run in runs:
        version = (run.spec.notebook_version or "file")[:12]
        click.echo(f"  {run.id:24} {run.status.value:10} {version:12} {run.error or ''}")
        for delivery in run.notifications:
            click.echo(f"    {delivery_line(delivery)}")
    if with_diff and found.drift and found.drift.differs:
        click.echo(service.schedule_diff(found.id))


@schedule_group.command("pin", epilog=example("jupyter-mlops schedule pin nightly"))
@click.argument("schedule")
def pin_command(schedule: str) -> None:
    """Pin the notebook's current content: the next fires run it. Prints what changed.

    A notebook that no longer parses, or no longer takes the schedule's parameters, is refused
    and the old version stays pinned.
    """
    result = service.pin_schedule(schedule)
    version = result.schedule.version
    click.echo(f"pinned {result.schedule.name} to {version.sha256[:12]}: {result.changes.summary}")


@schedule_group.command("edit", epilog=example('jupyter-mlops schedule edit nightly --cron "30 4 * * *" --retries 1'))
@click.argument("schedule")
@click.option("--cron", "cron", help="A new cron expression.")
@click.option("--name", help="A new name.")
@click.option("--notebook", type=click.Path(dir_okay=False), help="Another notebook.")
@_policy_options
def edit_command(schedule: str, **options: Any) -> None:
    """Change the given settings of a schedule; the others stay."""
    current = service.get_schedule(schedule)
    notebook = options.get("notebook") or current.notebook
    changes = _changes(notebook, options, current.notify.model_dump() if current.notify else None)
    if "parameters" in changes:  # -p sets the given parameters and keeps the others
        changes["parameters"] = {**current.parameters, **changes["parameters"]}
    if not changes:
        raise click.UsageError("nothing to change: give at least one option")
    updated = service.update_schedule(current.id, changes)
    click.echo(f"updated {updated.name}: {updated.description} ({updated.timezone}); "
               f"next run {_when(updated.next_fire_at, updated.timezone)}")


def _simple(name: str, action: Callable[[str], Schedule], verb: str, help_text: str) -> None:
    @schedule_group.command(name, help=help_text, epilog=example(f"jupyter-mlops schedule {name} nightly"))
    @click.argument("schedule")
    def command(schedule: str) -> None:
        done = action(schedule)
        click.echo(f"{verb} {done.name} ({done.id})")


_simple("pause", service.pause_schedule, "paused", "Stop firing a schedule until it is resumed.")
_simple("resume", service.resume_schedule, "resumed", "Fire a paused schedule again, from its next cron time.")
_simple("remove", service.remove_schedule, "removed", "Delete a schedule (its runs stay in the store).")


@schedule_group.command("run-now", epilog=example("jupyter-mlops schedule run-now nightly"))
@click.argument("schedule")
def run_now_command(schedule: str) -> None:
    """Start a run of the schedule now, in a worker process; prints the run id."""
    run = service.run_schedule_now(schedule)
    click.echo(run.id)


@schedule_group.command("apply", epilog=example("jupyter-mlops schedule apply notebooks/schedules.yaml"))
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True)
def apply_command(file: str, as_json: bool) -> None:
    """Make the schedules match a YAML file (a list under `schedules:`, notebooks relative to the file).

    Creates and updates by name, removes what this file created before and no longer lists;
    applying the same file again changes nothing.
    """
    summary = service.apply_schedules_file(file)
    if as_json:
        echo_json(summary)
        return
    changed = set(summary.notebook_changed)
    lines = {"created": summary.created, "updated": [n for n in summary.updated if n not in changed],
             "updated (notebook changed)": summary.notebook_changed, "unchanged": summary.unchanged,
             "removed": summary.removed}
    for label, names in lines.items():
        if names:
            click.echo(f"{label}: {', '.join(names)}")
    if not any(summary.model_dump().values()):
        click.echo("no schedules in the file")


@schedule_group.command("preview", epilog=example('jupyter-mlops schedule preview "0 3 * * 1-5" --tz Europe/Paris'))
@click.argument("cron")
@click.option("--tz", "timezone", default="UTC", show_default=True)
@click.option("--count", default=3, show_default=True)
def preview_command(cron: str, timezone: str, count: int) -> None:
    """A cron in words and its next fire times."""
    description, upcoming = service.preview_cron(cron, timezone, count)
    click.echo(description)
    for moment in upcoming:
        click.echo(f"  {moment:%Y-%m-%d %H:%M:%S %Z}")


@click.command("scheduler", epilog=example("jupyter-mlops scheduler --max-concurrent-runs 4"))
@click.option("--max-concurrent-runs", type=click.IntRange(min=1),
              help="At most this many scheduled runs at once [default: the max_concurrent_runs setting].")
@click.option("--heartbeat", type=float, default=2.0, show_default=True,
              help="Seconds between lease renewals (and checks for other processes' changes).")
@click.option("--lease-ttl", type=float, default=10.0, show_default=True,
              help="Seconds without a heartbeat before another scheduler takes over.")
def scheduler_command(max_concurrent_runs: int | None, heartbeat: float, lease_ttl: float) -> None:
    """Run the scheduler in the foreground, for machines that keep scheduling when JupyterLab is closed.

    Safe next to a Jupyter server's scheduler: one of them is active, the other stands by.
    Stop with Ctrl-C or SIGTERM; runs in progress carry on in their own processes.
    """
    if heartbeat >= lease_ttl:
        raise click.BadParameter("must be longer than --heartbeat, or the lease lapses between beats",
                                 param_hint="--lease-ttl")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    if max_concurrent_runs is None:
        max_concurrent_runs = settings().max_concurrent_runs
    run_service.start_launcher()  # fires start on warm kernels (the warm_* settings)
    loop = SchedulerLoop(max_concurrent_runs=max_concurrent_runs, heartbeat=heartbeat, lease_ttl=lease_ttl).start()
    click.echo(f"scheduler {loop.holder} running; Ctrl-C stops it", err=True)
    while not stopped.wait(1.0):  # a timed wait lets the signal handlers run promptly
        pass
    loop.stop()
    run_service.stop_launcher()
