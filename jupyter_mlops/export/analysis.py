"""Which names each step defines and uses, to find steps that share memory.

In one kernel every step sees the variables of the steps before it. Exported per step, each
step runs in its own pod, so a variable defined in one step and used in another must travel
through a file the two declare (`--outputs` on one, `--inputs` on the other).
"""

from __future__ import annotations

import builtins
import symtable
from dataclasses import dataclass

from IPython.core.inputtransformer2 import TransformerManager
from nbformat import NotebookNode

from ..errors import SharedMemoryError
from ..pipeline.declarations import magic_line
from ..pipeline.model import Pipeline, Step

# Names a kernel provides without any cell defining them.
_KERNEL_NAMES = set(dir(builtins)) | {"get_ipython", "display", "In", "Out", "exit", "quit", "_", "__", "___",
                                      "__name__", "__file__", "__builtins__", "__doc__"}


@dataclass(frozen=True)
class Names:
    defined: frozenset[str]
    used: frozenset[str]  # read somewhere in the code and not defined there


@dataclass(frozen=True)
class SharedVariable:
    """`step` uses `name`, which only `defined_in` define, and no declared file connects them."""

    step: str
    cell_index: int
    name: str
    defined_in: tuple[str, ...]

    def describe(self) -> str:
        where = " and ".join(repr(s) for s in self.defined_in)
        return f"step {self.step!r} (cell {self.cell_index}) uses {self.name!r}, defined only in step {where}"


def python_source(source: str) -> str:
    """A cell as plain Python: the `%%mlstep` line dropped, IPython magics and `!` turned into calls."""
    if magic_line(source) is not None:
        source = source.lstrip("\n").partition("\n")[2]
    return TransformerManager().transform_cell(source)


def code_names(source: str) -> Names:
    """Names bound and read at the top level of a cell, including globals read inside its functions.

    A cell that is not valid Python defines and uses nothing here: running it fails on its own.
    """
    try:
        table = symtable.symtable(python_source(source), "<cell>", "exec")
    except SyntaxError:
        return Names(frozenset(), frozenset())
    defined = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}
    used = {s.get_name() for s in table.get_symbols() if s.is_referenced()}
    pending = list(table.get_children())
    while pending:  # functions, classes, lambdas and comprehensions read module globals too
        scope = pending.pop()
        pending.extend(scope.get_children())
        for symbol in scope.get_symbols():
            if symbol.is_global() and symbol.is_referenced():
                used.add(symbol.get_name())
            if symbol.is_declared_global() and symbol.is_assigned():
                defined.add(symbol.get_name())
    return Names(frozenset(defined), frozenset(used - defined))


def cells_names(notebook: NotebookNode, indices: list[int]) -> Names:
    defined: set[str] = set()
    used: set[str] = set()
    for index in indices:
        cell = notebook.cells[index]
        if cell.cell_type == "code":
            names = code_names(cell.source)
            used |= names.used - defined
            defined |= names.defined
    return Names(frozenset(defined), frozenset(used - defined))


def shared_memory_uses(notebook: NotebookNode, pipeline: Pipeline) -> list[SharedVariable]:
    """Every use of a variable that only another step defines, without a declared file between them."""
    available = set(_KERNEL_NAMES) | {p.name for p in pipeline.parameters}
    available |= cells_names(notebook, pipeline.prelude).defined
    names = {step.name: cells_names(notebook, step.cell_indices) for step in pipeline.steps}
    found = []
    for step in pipeline.steps:
        for name in sorted(names[step.name].used - available):
            definers = [other for other in pipeline.steps
                        if other.name != step.name and name in names[other.name].defined]
            if definers and not any(_connected(other, step) for other in definers):
                found.append(SharedVariable(step=step.name, cell_index=step.first_cell, name=name,
                                            defined_in=tuple(d.name for d in definers)))
    return found


def _connected(producer: Step, consumer: Step) -> bool:
    return bool(set(producer.outputs) & set(consumer.inputs))


def check_step_isolation(notebook: NotebookNode, pipeline: Pipeline) -> None:
    """Raise `SharedMemoryError` listing every step that relies on another step's memory."""
    found = shared_memory_uses(notebook, pipeline)
    if found:
        lines = "; ".join(f.describe() for f in found)
        raise SharedMemoryError(
            f"{pipeline.notebook or 'the notebook'} cannot run one pod per step: {lines}. Separate pods share no "
            "memory: write the value to a file in the defining step (declare it with --outputs), read it back in "
            "the using step (declare it with --inputs), or export the notebook whole (--whole)")
