"""Parameters: inferred from papermill's `parameters` cell, checked before any kernel starts."""

from __future__ import annotations

import ast
import json
from typing import Any

import yaml

from ..errors import ParameterError, ParametersCellError
from .model import Parameter, Pipeline

_ANNOTATIONS = {"int", "float", "str", "bool", "list", "dict"}
_PY_TYPES: dict[str, type | tuple[type, ...]] = {
    "int": int, "float": (int, float), "str": str, "bool": bool, "list": list, "dict": dict,
}


def infer_parameters(source: str, cell_index: int) -> list[Parameter]:
    """Names, types and defaults of a parameters cell made of plain assignments."""
    first_line = source.strip().split("\n", 1)[0]

    def fail(message: str) -> ParametersCellError:
        return ParametersCellError(message, cell_index=cell_index, cell_line=first_line)

    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise fail(f"the parameters cell is not valid Python: {exc.msg} (line {exc.lineno})") from None
    parameters = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name, value, annotation = node.targets[0].id, node.value, None
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            name, value, annotation = node.target.id, node.value, node.annotation
        else:
            raise fail(f"line {node.lineno}: {ast.unparse(node)!r} is not a plain assignment "
                       "(parameters are `name = value` or `name: type = value`)")
        try:
            default = ast.literal_eval(value)
        except ValueError:
            raise fail(f"line {node.lineno}: the default of {name!r} is not a literal value "
                       f"({ast.unparse(value)!r})") from None
        type_name = type(default).__name__
        if annotation is not None:
            declared = ast.unparse(annotation)
            if declared not in _ANNOTATIONS:
                raise fail(f"line {node.lineno}: parameter {name!r} is annotated {declared!r}; "
                           f"use one of {', '.join(sorted(_ANNOTATIONS))}")
            type_name = declared
        if type_name in ("tuple",):
            type_name = "list"
        if type_name not in _PY_TYPES and type_name != "NoneType":
            raise fail(f"line {node.lineno}: parameter {name!r} has a default of unsupported type {type_name}")
        parameters.append(Parameter(name=name, type=type_name, default=default, cell_index=cell_index))
    return parameters


def check_value(parameter: Parameter, value: Any) -> Any:
    """The value if it fits the parameter's type (ints widen to floats), else a ParameterError."""
    if parameter.type == "NoneType" or value is None and parameter.default is None:
        return value
    expected = _PY_TYPES[parameter.type]
    if isinstance(value, bool) and parameter.type in ("int", "float"):
        ok = False  # True is an int to Python, never a number to a user
    else:
        ok = isinstance(value, expected)
    if not ok:
        raise ParameterError(f"parameter {parameter.name!r} expects {parameter.type} "
                             f"(default {parameter.default!r}), got {type(value).__name__} {value!r}")
    return float(value) if parameter.type == "float" else value


def validate_parameters(pipeline: Pipeline, values: dict[str, Any]) -> dict[str, Any]:
    """Check names and types. Without a parameters cell, papermill injects anything: so do we."""
    if pipeline.parameters_cell is None:
        return dict(values)
    checked = {}
    for name, value in values.items():
        parameter = pipeline.parameter(name)
        if parameter is None:
            known = ", ".join(p.name for p in pipeline.parameters) or "none"
            raise ParameterError(f"unknown parameter {name!r} for {pipeline.notebook or 'the notebook'} "
                                 f"(parameters: {known})")
        checked[name] = check_value(parameter, value)
    try:
        json.dumps(checked)
    except TypeError as exc:
        raise ParameterError(f"parameters must be JSON data: {exc}") from None
    return checked


def parse_cli_value(parameter: Parameter | None, raw: str) -> Any:
    """A `-p NAME VALUE` string as the parameter's type.

    A `str` parameter keeps the text as is (papermill would turn `-p name 123` into an int);
    other types read the text as YAML, so `0.5`, `true`, `[1, 2]` and `{a: 1}` all work.
    """
    if parameter is not None and parameter.type == "str":
        return raw
    try:
        return yaml.safe_load(raw) if raw.strip() else raw
    except yaml.YAMLError:
        return raw
