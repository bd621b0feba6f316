"""What changed between two runs: code cells, parameters, data files, environment, metrics."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from .model import Environment, FileFingerprint, Lineage

if TYPE_CHECKING:
    from ..run.model import Run

MISSING = None  # how a side without the value shows in a Change


class Change(BaseModel):
    name: str
    a: Any = MISSING
    b: Any = MISSING


class RunDiff(BaseModel):
    a: str = Field(description="First run id")
    b: str = Field(description="Second run id")
    code: list[str] = Field(default_factory=list, description="Unified diff of the executed code cells")
    parameters: list[Change] = Field(default_factory=list)
    inputs: list[Change] = Field(default_factory=list, description="Declared inputs whose content differs (sha256)")
    outputs: list[Change] = Field(default_factory=list, description="Declared outputs whose content differs (sha256)")
    environment: list[Change] = Field(default_factory=list, description="Image, Python or package versions")
    metrics: list[Change] = Field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not (self.code or self.parameters or self.inputs or self.outputs or self.environment or self.metrics)


def _values(a: dict[str, Any], b: dict[str, Any]) -> list[Change]:
    return [Change(name=name, a=a.get(name, MISSING), b=b.get(name, MISSING))
            for name in sorted(set(a) | set(b)) if a.get(name, MISSING) != b.get(name, MISSING)]


def _files(a: dict[str, FileFingerprint], b: dict[str, FileFingerprint]) -> list[Change]:
    changes = []
    for path in sorted(set(a) | set(b)):
        left, right = a.get(path), b.get(path)
        if left is None or right is None or not left.same_content(right):
            changes.append(Change(name=path, a=left.sha256 if left else MISSING, b=right.sha256 if right else MISSING))
    return changes


def _code(a: Run, b: Run, cells_a: list[str], cells_b: list[str]) -> list[str]:
    def lines(cells: list[str]) -> list[str]:
        out = []
        for index, source in enumerate(cells):
            out += [f"# --- code cell {index}", *source.splitlines()]
        return out

    return list(difflib.unified_diff(lines(cells_a), lines(cells_b), fromfile=f"run {a.id}", tofile=f"run {b.id}",
                                     lineterm=""))


def _environment(a: Environment | None, b: Environment | None,
                 packages_a: dict[str, str] | None, packages_b: dict[str, str] | None) -> list[Change]:
    if a is None or b is None:
        return [] if a == b else [Change(name="environment", a=a.id if a else MISSING, b=b.id if b else MISSING)]
    if a.id == b.id:
        return []
    if a.kind != "local" or b.kind != "local":
        return [Change(name="image", a=a.image or a.id if a.kind == "image" else f"local {a.prefix}",
                       b=b.image or b.id if b.kind == "image" else f"local {b.prefix}"),
                Change(name="image id", a=a.id, b=b.id)]
    changes = _values({"python": a.python, "prefix": a.prefix}, {"python": b.python, "prefix": b.prefix})
    if packages_a is not None and packages_b is not None:
        changes += _values(packages_a, packages_b)
    return changes or [Change(name="environment", a=a.id, b=b.id)]


def diff_records(a: Run, b: Run, *, cells: tuple[list[str], list[str]],
                 packages: tuple[dict[str, str] | None, dict[str, str] | None]) -> RunDiff:
    """`cells`: each run's executed code cells; `packages`: each local environment's packages."""
    lineage_a, lineage_b = a.lineage or _EMPTY, b.lineage or _EMPTY
    return RunDiff(
        a=a.id, b=b.id, code=_code(a, b, *cells),
        parameters=_values(a.lineage.parameters if a.lineage else a.parameters,
                           b.lineage.parameters if b.lineage else b.parameters),
        inputs=_files(lineage_a.inputs, lineage_b.inputs), outputs=_files(lineage_a.outputs, lineage_b.outputs),
        environment=_environment(lineage_a.environment, lineage_b.environment, *packages),
        metrics=_values(a.metrics, b.metrics))


_EMPTY = Lineage(notebook_sha256="")
