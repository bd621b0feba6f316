"""A batch's results table: one row per run, sortable, exported as CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ..errors import BatchError
from ..store import runs as run_store
from .model import Batch, BatchResults, ResultRow

#: Columns every table has besides its parameters and metrics.
FIXED_COLUMNS = ["run_id", "status", "duration"]


def results_table(batch: Batch) -> BatchResults:
    runs = run_store.get_runs(batch.run_ids)
    rows = [ResultRow(run_id=run.id, status=run.status.value, duration=run.duration, parameters=run.parameters,
                      metrics=run.metrics, error=run.error) for run in runs]
    parameters = list(dict.fromkeys(name for point in batch.spec.points for name in point))
    metrics = list(dict.fromkeys(name for row in rows for name in row.metrics))
    return BatchResults(batch_id=batch.id, parameters=parameters, metrics=metrics, rows=rows)


def cell(row: ResultRow, column: str) -> Any:
    if column in FIXED_COLUMNS:
        return getattr(row, column)
    if column in row.parameters:
        return row.parameters[column]
    return row.metrics.get(column)


def sort_rows(table: BatchResults, column: str, *, descending: bool = False) -> list[ResultRow]:
    """Rows ordered by a column; rows without a value (a failed run's metric) always come last."""
    known = [*FIXED_COLUMNS, *table.parameters, *table.metrics]
    if column not in known:
        raise BatchError(f"cannot sort by {column!r}: the columns are {', '.join(known)}")
    present = [row for row in table.rows if cell(row, column) is not None]
    missing = [row for row in table.rows if cell(row, column) is None]

    def key(row: ResultRow) -> tuple:
        value = cell(row, column)
        # Numbers before text, so a column mixing both still sorts instead of failing.
        return (0, value, "") if isinstance(value, (int, float)) else (1, 0, json.dumps(value, sort_keys=True))

    return sorted(present, key=key, reverse=descending) + missing


def columns(table: BatchResults) -> list[str]:
    return [*table.parameters, *table.metrics, "status", "duration", "run_id"]


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def to_csv(table: BatchResults) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = columns(table)
    writer.writerow(names)
    for row in table.rows:
        writer.writerow([_text(cell(row, name)) for name in names])
    return buffer.getvalue()


def to_json(table: BatchResults) -> str:
    return table.model_dump_json(indent=2)
