"""The pipeline a notebook declares: steps, their dependencies, the prelude and the parameters."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from ..errors import UnknownStepError

#: "any": a name the parameters cell assigns something other than a literal (`os.getcwd()`,
#: `Path("data")`): papermill injects any value for it, so do we; its default is only known as source.
ParameterType = Literal["int", "float", "str", "bool", "list", "dict", "NoneType", "any"]


class Parameter(BaseModel):
    name: str
    type: ParameterType
    default: Any = None
    source: str | None = Field(
        default=None, description="The default's source when it is not a literal (type any), e.g. os.getcwd()")
    cell_index: int


class Step(BaseModel):
    name: str
    cell_indices: list[int] = Field(description="Code and markdown cells of the step, in order")
    after: list[str] = Field(default_factory=list)
    retries: int = 0
    timeout: float | None = None
    image: str | None = None
    cpus: float | None = None
    memory: str | None = None
    gpus: int | None = None
    pool: str | None = Field(default=None, description="Node pool when exported: node selector and toleration")
    inputs: list[str] = Field(default_factory=list)
    outputs: list[str] = Field(default_factory=list)
    kind: Literal["step", "check"] = Field(
        default="step", description="check (%%mlcheck): a failed assertion ends the run as check_failed")
    declared_by: Literal["magic", "tags", "implicit"] = "magic"

    @property
    def first_cell(self) -> int | None:
        """None for the implicit step of a notebook whose only code cell is the parameters cell."""
        return self.cell_indices[0] if self.cell_indices else None


class Pipeline(BaseModel):
    """A validated DAG of steps, in notebook order."""

    notebook: str | None = None
    steps: list[Step]
    prelude: list[int] = Field(description="Cells every run executes first")
    parameters: list[Parameter] = Field(default_factory=list)
    parameters_cell: int | None = None
    implicit: bool = Field(
        default=False, description="True when the notebook declares no step and runs whole as one")

    def step(self, name: str) -> Step:
        for step in self.steps:
            if step.name == name:
                return step
        known = ", ".join(s.name for s in self.steps)
        raise UnknownStepError(f"no step named {name!r} in {self.notebook or 'the notebook'} (steps: {known})")

    def closure(self, names: list[str]) -> list[Step]:
        """The named steps and everything they depend on, in notebook order."""
        wanted: set[str] = set()
        pending = [self.step(n).name for n in names]
        while pending:
            name = pending.pop()
            if name not in wanted:
                wanted.add(name)
                pending.extend(self.step(name).after)
        return [s for s in self.steps if s.name in wanted]

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)
