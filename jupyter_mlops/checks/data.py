"""`jupyter_mlops.check(df, ...)`: assertions on a table, all reported at once.

pandas is imported only when a check runs: kernels import jupyter_mlops at start.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..errors import CheckFailedError, CheckUsageError

Bounds = tuple[float | None, float | None]


def _kinds() -> dict[str, Callable[[Any], bool]]:
    from pandas.api import types

    return {
        "int": types.is_integer_dtype,
        "float": types.is_float_dtype,
        "number": lambda dtype: types.is_numeric_dtype(dtype) and not types.is_bool_dtype(dtype),
        "bool": types.is_bool_dtype,
        "str": lambda dtype: types.is_string_dtype(dtype) or types.is_object_dtype(dtype),
        "datetime": types.is_datetime64_any_dtype,
        "category": lambda dtype: isinstance(dtype, types.CategoricalDtype),
    }


def _schema(data: Any, schema: Mapping[str, Any]) -> list[str]:
    """Columns and their kinds ("int", "float", "number", "bool", "str", "datetime", "category",
    a Python type, or an exact dtype name such as "int32")."""
    kinds = _kinds()
    reasons = []
    for column, wanted in schema.items():
        if column not in data.columns:
            reasons.append(f"column {column!r} is missing")
            continue
        dtype = data[column].dtype
        kind = getattr(wanted, "__name__", wanted) if isinstance(wanted, type) else str(wanted)
        matches = kinds[kind](dtype) if kind in kinds else str(dtype) == kind
        if not matches:
            reasons.append(f"column {column!r} has dtype {dtype}, expected {kind}")
    return reasons


def _pandera(data: Any, schema: Any) -> list[str]:
    from pandera.errors import SchemaError, SchemaErrors

    try:
        schema.validate(data, lazy=True)
    except SchemaErrors as errors:
        cases = errors.failure_cases
        return [f"column {row['column']!r}: {row['check']} failed for {row['failure_case']!r}"
                for _, row in cases.head(20).iterrows()]
    except SchemaError as error:
        return [str(error)]
    return []


def _ranges(data: Any, ranges: Mapping[str, Bounds]) -> list[str]:
    reasons = []
    for column, bounds in ranges.items():
        if column not in data.columns:
            reasons.append(f"column {column!r} is missing")
            continue
        try:
            low, high = bounds
        except (TypeError, ValueError):
            raise CheckUsageError(f"ranges[{column!r}] must be (low, high), with None for no bound; "
                                  f"got {bounds!r}") from None
        values = data[column].dropna()
        outside = values[((values < low) if low is not None else False)
                         | ((values > high) if high is not None else False)]
        if len(outside):
            examples = ", ".join(repr(v) for v in outside.head(3).tolist())
            reasons.append(f"column {column!r}: {len(outside)} of {len(values)} values outside "
                           f"[{low}, {high}] (e.g. {examples})")
    return reasons


def _nulls(data: Any, limits: float | Mapping[str, float]) -> list[str]:
    columns = limits if isinstance(limits, Mapping) else dict.fromkeys(data.columns, limits)
    reasons = []
    for column, limit in columns.items():
        if column not in data.columns:
            reasons.append(f"column {column!r} is missing")
            continue
        fraction = float(data[column].isna().mean()) if len(data) else 0.0
        if fraction > limit:
            reasons.append(f"column {column!r}: {fraction:.1%} missing values (at most {limit:.1%} allowed)")
    return reasons


def _rows(count: int, low: int | None, high: int | None) -> list[str]:
    if low is not None and count < low:
        return [f"{count} rows, expected at least {low}"]
    if high is not None and count > high:
        return [f"{count} rows, expected at most {high}"]
    return []


def check(data: Any, name: str = "data", *, schema: Mapping[str, Any] | Any = None,
          ranges: Mapping[str, Bounds] | None = None, max_null_fraction: float | Mapping[str, float] | None = None,
          min_rows: int | None = None, max_rows: int | None = None) -> Any:
    """Assert on a pandas DataFrame; raise `CheckFailedError` naming every failed assertion.

    `schema`: column → kind, or a pandera `DataFrameSchema` (when pandera is installed).
    `ranges`: column → (low, high), None for an open side; missing values are not counted.
    `max_null_fraction`: one fraction for every column, or column → fraction.
    Returns `data`, so a check can sit inline: `df = check(load(), "raw", min_rows=1000)`.
    """
    if not hasattr(data, "columns"):
        raise CheckUsageError(f"check({name!r}): expected a pandas DataFrame, got {type(data).__name__}")
    reasons: list[str] = []
    if schema is not None:
        reasons += _schema(data, schema) if isinstance(schema, Mapping) else _pandera(data, schema)
    if ranges:
        reasons += _ranges(data, ranges)
    if max_null_fraction is not None:
        reasons += _nulls(data, max_null_fraction)
    reasons += _rows(len(data), min_rows, max_rows)
    if reasons:
        raise CheckFailedError(name, reasons)
    return data
