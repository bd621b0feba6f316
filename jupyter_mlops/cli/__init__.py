"""`jupyter-mlops` (also `jupyter mlops`): a thin face over the service layer.

Each command group lives in its own module and is registered here.
"""

from __future__ import annotations

import click

from .batch import batch_group
from .common import main
from .export import export_group
from .image import image_group
from .run import run_command
from .runs import runs_group
from .schedule import schedule_group, scheduler_command
from .steps import steps_command

main.add_command(steps_command)
main.add_command(run_command)
main.add_command(runs_group)
main.add_command(export_group)
main.add_command(schedule_group)
main.add_command(scheduler_command)
main.add_command(image_group)
main.add_command(batch_group)

__all__ = ["main"]
