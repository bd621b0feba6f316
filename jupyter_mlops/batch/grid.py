"""Parameter grids → the list of parameter sets a batch runs, typed and checked up front.

Three sources, as the CLI accepts them:
- a YAML grid file: `name: [v1, v2]` per parameter (a scalar is one fixed value); the
  cartesian product of all names;
- `-p name v1,v2,...` axes, read as the parameter's type (text stays text for `str`), also
  combined by cartesian product, together with a grid file if both are given;
- a JSONL file: one JSON object of parameters per line, run as listed.

Every value is checked against the notebook's parameters cell before anything is recorded or
any kernel starts; an error names the file, line or axis at fault.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import yaml

from ..errors import GridError, ParameterError
from ..pipeline.model import Parameter, Pipeline
from ..pipeline.parameters import parse_cli_value, validate_parameters

Axes = dict[str, list[Any]]


def _read(path: str | Path, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise GridError(f"cannot read {what} {path}: {error}") from None


def read_grid_file(path: str | Path) -> Axes:
    """A YAML mapping of parameter name → list of values (a scalar is a single value)."""
    try:
        loaded = yaml.safe_load(_read(path, "grid file"))
    except yaml.YAMLError as error:
        raise GridError(f"grid file {path} is not valid YAML: {error}") from None
    if not isinstance(loaded, dict) or not loaded:
        raise GridError(f"grid file {path} must be a mapping of parameter names to lists of values")
    axes = {}
    for name, values in loaded.items():
        values = values if isinstance(values, list) else [values]
        if not values:
            raise GridError(f"grid file {path}: parameter {name!r} has an empty list of values")
        axes[str(name)] = values
    return axes


def parse_axis(parameter: Parameter | None, name: str, raw: str) -> list[Any]:
    """`-p NAME v1,v2,...` → its values, each read as the parameter's type.

    Text parameters split on commas and stay text; others read the whole as a YAML flow list,
    so `0.1,0.2`, `true,false` and `[1, 2],[3]` (two list values) all work.
    """
    if parameter is not None and parameter.type == "str":
        return [part.strip() for part in raw.split(",")]
    try:
        values = yaml.safe_load(f"[{raw}]")
    except yaml.YAMLError:
        return [parse_cli_value(parameter, part.strip()) for part in raw.split(",")]
    if not values:
        raise GridError(f"-p {name}: no values given")
    return values


def read_params_list(path: str | Path) -> list[dict[str, Any]]:
    """A JSONL file: one JSON object of parameters per non-blank line."""
    points = []
    for number, line in enumerate(_read(path, "parameters list").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            point = json.loads(line)
        except json.JSONDecodeError as error:
            raise GridError(f"{path} line {number} is not valid JSON: {error.msg}") from None
        if not isinstance(point, dict):
            raise GridError(f"{path} line {number} must be a JSON object of parameters, got {type(point).__name__}")
        points.append(point)
    if not points:
        raise GridError(f"parameters list {path} holds no parameter sets")
    return points


def expand(axes: Axes) -> list[dict[str, Any]]:
    """The cartesian product of the axes, in a stable order (last axis varies fastest)."""
    names = list(axes)
    return [dict(zip(names, combination)) for combination in itertools.product(*(axes[n] for n in names))]


def check_axes(pipeline: Pipeline, axes: Axes) -> Axes:
    """Each axis value typed against its parameter, so an error names the axis, not a point."""
    checked: Axes = {}
    for name, values in axes.items():
        try:
            checked[name] = [validate_parameters(pipeline, {name: value})[name] for value in values]
        except ParameterError as error:
            raise GridError(f"grid axis {name!r}: {error}") from None
    return checked


def check_points(pipeline: Pipeline, points: list[dict[str, Any]], where: str) -> list[dict[str, Any]]:
    checked = []
    for number, point in enumerate(points, start=1):
        try:
            checked.append(validate_parameters(pipeline, point))
        except ParameterError as error:
            raise GridError(f"{where} point {number}: {error}") from None
    return checked


def grid_points(pipeline: Pipeline, *, grid_file: str | Path | None = None,
                axes: list[tuple[str, str]] = (), params_list: str | Path | None = None) -> list[dict[str, Any]]:
    """Every parameter set of a batch, validated against the notebook's parameters."""
    if params_list is not None:
        if grid_file is not None or axes:
            raise GridError("--params-list gives the runs explicitly; it cannot be combined with --grid or -p")
        return check_points(pipeline, read_params_list(params_list), str(params_list))
    combined: Axes = read_grid_file(grid_file) if grid_file is not None else {}
    for name, raw in axes:
        if name in combined:
            raise GridError(f"parameter {name!r} is given twice (in the grid file and with -p, or twice with -p)")
        combined[name] = parse_axis(pipeline.parameter(name), name, raw)
    if not combined:
        raise GridError("a batch needs a grid: --grid FILE, -p NAME v1,v2,... or --params-list FILE")
    # Axes first, so a wrong value is named by its axis; then each point (JSON data, etc.).
    return check_points(pipeline, expand(check_axes(pipeline, combined)), "grid")
