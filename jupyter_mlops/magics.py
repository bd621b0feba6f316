"""The IPython extension: `%%mlstep` cells behave exactly like the cell without the line.

Rather than wrapping the cell in a cell magic (which would change how the last expression is
displayed and add frames to tracebacks), an input transformer replaces the `%%mlstep` line by a
call to the `%mlstep` line magic, which validates the declaration and starts the step's clock.
The rest of the cell is the user's code, run by IPython as usual, on the same line numbers.
The duration is taken when the cell finishes (`post_run_cell`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class

from .pipeline.declarations import OptionError, magic_line, parse_option_line
from .session import notebook_path


@dataclass
class StepClock:
    """Durations of the steps run interactively in this kernel."""

    current: tuple[str, float] | None = None
    durations: dict[str, float] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)

    def transform(self, lines: list[str]) -> list[str]:
        if not lines:
            return lines
        options = magic_line("".join(lines))
        if options is None:
            return lines
        first = next(i for i, line in enumerate(lines) if line.strip())
        call = f"get_ipython().run_line_magic('mlstep', {options!r})\n"
        return lines[:first] + [call] + lines[first + 1:]

    def post_run_cell(self, result: Any) -> None:
        if self.current is None:
            return
        name, started = self.current
        self.current = None
        self.durations[name] = time.perf_counter() - started
        if result.success:
            self.failed.discard(name)
        else:
            self.failed.add(name)


@magics_class
class MLOpsMagics(Magics):
    def __init__(self, shell: Any, clock: StepClock) -> None:
        super().__init__(shell)
        self.clock = clock

    @line_magic
    def mlstep(self, line: str) -> None:
        """Declare the cell a pipeline step: `%%mlstep NAME [--after A,B] [--retries N] [--timeout S]
        [--image IMG] [--cpus N] [--memory 4g] [--gpus N] [--inputs f,g] [--outputs f,g]` as its first line."""
        try:
            declaration = parse_option_line(line)
        except OptionError as error:
            raise UsageError(f"%%mlstep {line}: {error}") from None
        self.clock.current = (declaration.name, time.perf_counter())

    @line_magic
    def mlsteps(self, line: str) -> None:
        """Print the pipeline of this notebook (or of the notebook path given)."""
        from .pipeline.describe import describe_pipeline
        from .service.runs import get_pipeline

        path = line.strip() or notebook_path(self.shell)
        if not path:
            raise UsageError("%mlsteps: cannot tell which notebook this kernel belongs to; "
                             "give its path: %mlsteps path/to/notebook.ipynb")
        print(describe_pipeline(get_pipeline(path)))
        if self.clock.durations:
            print("Run in this kernel:")
            for name, seconds in self.clock.durations.items():
                state = "failed" if name in self.clock.failed else "ok"
                print(f"  {name}: {seconds:.2f}s ({state})")

    @line_magic
    def mlops(self, line: str) -> Any:
        """Show the in-notebook controls (pipeline, Run now, Schedule, Batch, runs) for this notebook,
        or for the notebook path given; asks for the path when the kernel cannot tell."""
        from .widgets import panel

        return panel(line.strip() or None)


def register(shell: Any) -> None:
    clock = StepClock()
    shell.input_transformers_cleanup.append(clock.transform)
    shell.events.register("post_run_cell", clock.post_run_cell)
    shell.register_magics(MLOpsMagics(shell, clock))
