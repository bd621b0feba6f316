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
    """Names, types and defaults of the names a parameters cell assigns.

    papermill runs any parameters cell and injects its values after it; so do we. A name
    assigned a literal (`alpha = 0.5`, `alpha: float = 0.5`, `a, b = 1, 2`) has that type and
    is checked; a name assigned anything else (`path = os.getcwd()`) is of type "any" with the
    default's source. Other statements (imports, calls) are not parameters: they run in the cell.
    """
    first_line = source.strip().split("\n", 1)[0]

    def fail(message: str) -> ParametersCellError:
        return ParametersCellError(message, cell_index=cell_index, cell_line=first_line)

    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        line = f" (line {exc.lineno})" if exc.lineno else ""
        raise fail(f"the parameters cell is not valid Python: {exc.msg}{line}") from None
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurd nesting
        raise fail(f"the parameters cell cannot be read as Python: {exc}") from None
    found: dict[str, Parameter] = {}  # the last assignment of a name is its default, in first-seen order
    for node in tree.body:
        for name, value, annotation, text in _assignments(node):
            found[name] = _parameter(name, value, annotation, text, cell_index)
    return list(found.values())


def _assignments(node: ast.stmt) -> list[tuple[str, ast.expr | None, ast.expr | None, str]]:
    """(name, its value's expression or None when it has none alone, annotation, the value's source)
    for each name a statement assigns."""
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
        return [(node.target.id, node.value, node.annotation, ast.unparse(node.value))]
    if not isinstance(node, ast.Assign):
        return []
    found = []
    for target in node.targets:  # `a = b = 1` assigns both
        if isinstance(target, ast.Name):
            found.append((target.id, node.value, None, ast.unparse(node.value)))
        elif isinstance(target, (ast.Tuple, ast.List)) and all(isinstance(t, ast.Name) for t in target.elts):
            values = node.value.elts if (isinstance(node.value, (ast.Tuple, ast.List))
                                         and len(node.value.elts) == len(target.elts)
                                         and not any(isinstance(v, ast.Starred) for v in node.value.elts)) else None
            found += [(t.id, values[i], None, ast.unparse(values[i])) if values else
                      (t.id, None, None, f"({ast.unparse(node.value)})[{i}]") for i, t in enumerate(target.elts)]
    return found


def _parameter(name: str, value: ast.expr | None, annotation: ast.expr | None, text: str,
               cell_index: int) -> Parameter:
    declared = ast.unparse(annotation) if annotation is not None else None
    try:
        default = ast.literal_eval(value) if value is not None else None
        literal = value is not None
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        default, literal = None, False
    type_name = type(default).__name__ if literal else "any"
    if type_name == "tuple":
        type_name = "list"
    if type_name not in _PY_TYPES and type_name != "NoneType":  # a set, bytes, a complex number...
        type_name, literal, default = "any", False, None
    if declared in _ANNOTATIONS:  # `n: int = int(os.environ["N"])` too: the annotation is the type
        type_name = declared
    elif declared is not None:  # `x: Optional[int] = None`, `a: np.ndarray = ...`: a type we cannot check
        type_name = "any"
    return Parameter(name=name, type=type_name, default=default, source=None if literal else text,
                     cell_index=cell_index)


def literal_assignments(source: str) -> bool:
    """Whether a parameters cell only assigns literals (so it may run anywhere, first or last)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    for node in tree.body:
        assigned = _assignments(node)
        if not assigned or len(assigned) != len(_targets(node)):
            return False
        try:
            for _, value, _, _ in assigned:
                ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return False
    return True


def _targets(node: ast.stmt) -> list[ast.expr]:
    if isinstance(node, ast.AnnAssign):
        return [node.target]
    if isinstance(node, ast.Assign):
        return [t for target in node.targets for t in (target.elts if isinstance(target, (ast.Tuple, ast.List))
                                                       else [target])]
    return []


def check_value(parameter: Parameter, value: Any) -> Any:
    """The value if it fits the parameter's type (ints widen to floats), else a ParameterError."""
    if parameter.type in ("NoneType", "any") or value is None and parameter.default is None:
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
