"""Model safeguards: compare this run's output file or metric with the previous successful run.

Each compared file is copied into the run's folder (`baselines/`), so the next run of the same
notebook or schedule compares with exactly what this run produced, even after the file at
the original path has been overwritten.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from ..errors import CheckFailedError, CheckUsageError
from ..metrics import record
from .context import RunContext, baseline_path, current_context

_READERS = {".parquet": "read_parquet", ".csv": "read_csv", ".json": "read_json", ".feather": "read_feather",
            ".pkl": "read_pickle", ".pickle": "read_pickle"}


def _read(path: Path) -> Any:
    import pandas

    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise CheckUsageError(f"compare_with_previous: cannot read {path.name} as a table "
                              f"(known suffixes: {', '.join(_READERS)})")
    return getattr(pandas, reader)(path)


def _note(text: str) -> None:
    # Shown in the cell's output and the run log; a pass without comparison must not look silent.
    print(f"[jupyter-mlops] {text}", file=sys.stderr)


def changed_fraction(old: Any, new: Any, key: str | list[str] | None = None, tolerance: float = 1e-9) -> float:
    """Fraction of rows that differ between two tables, aligned on `key` columns (else the index).

    A row present in only one table counts as changed; numbers within `tolerance` are equal and
    two missing values are equal.
    """
    import numpy
    import pandas

    if key is not None:
        old, new = old.set_index(key), new.set_index(key)
    rows = old.index.union(new.index)
    if len(rows) == 0:
        return 0.0
    common = old.index.intersection(new.index)
    columns = old.columns.intersection(new.columns)
    changed = len(rows) - len(common)
    if len(old.columns) != len(columns) or len(new.columns) != len(columns):
        return 1.0  # a column appeared or vanished: every row's content changed
    before, after = old.loc[common, columns], new.loc[common, columns]
    differs = pandas.Series(False, index=common)
    for column in columns:
        a, b = before[column], after[column]
        both_missing = a.isna() & b.isna()
        if pandas.api.types.is_numeric_dtype(a) and pandas.api.types.is_numeric_dtype(b):
            same = pandas.Series(numpy.isclose(a.to_numpy(float), b.to_numpy(float), rtol=0, atol=tolerance),
                                 index=common)
        else:
            same = a == b
        differs |= ~(same | both_missing)
    return (changed + int(differs.sum())) / len(rows)


def _context_or_note(what: str) -> RunContext | None:
    context = current_context()
    if context is None:
        _note(f"{what}: not running as a jupyter-mlops run, so there is no previous run to compare with")
    return context


def compare_with_previous(path: str, max_changed_fraction: float = 0.05, *, key: str | list[str] | None = None,
                          tolerance: float = 1e-9) -> float | None:
    """Fail the run if more than `max_changed_fraction` of the rows of the table at `path` differ
    from the previous successful run's; returns the fraction (None when there was nothing to
    compare with: first run, or not in a run)."""
    name = f"compare_with_previous({path!r})"
    current = Path(path)
    if not current.is_file():
        raise CheckUsageError(f"{name}: {current.resolve()} does not exist; write it before comparing")
    table = _read(current)
    context = _context_or_note(name)
    if context is None:
        return None
    if not context.run_dir.is_dir():
        raise CheckUsageError(f"{name}: the run folder {context.run_dir} is not visible from this kernel; "
                              "file comparisons need the local backend")
    kept = baseline_path(context.run_dir, path)
    kept.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(current, kept)
    previous = context.previous
    if previous is None:
        _note(f"{name}: no earlier successful run; this run's {path} becomes the baseline")
        return None
    earlier = baseline_path(previous.run_dir, path)
    if not earlier.is_file():
        _note(f"{name}: the previous successful run {previous.run_id} kept no copy of {path}; "
              "this run's becomes the baseline")
        return None
    fraction = changed_fraction(_read(earlier), table, key, tolerance)
    if fraction > max_changed_fraction:
        raise CheckFailedError(name, [f"{fraction:.1%} of rows changed since run {previous.run_id} "
                                      f"(at most {max_changed_fraction:.1%} allowed)"])
    return fraction


def compare_metric_with_previous(name: str, value: float, *, tolerance: float = 0.0,
                                 higher_is_better: bool = True) -> float | None:
    """Record metric `name` and fail the run if it is worse than the previous successful run's
    by more than `tolerance`; returns the previous value (None if there was none)."""
    record(name, value)
    check = f"compare_metric_with_previous({name!r})"
    context = _context_or_note(check)
    if context is None or context.previous is None:
        return None
    earlier = context.previous.metrics.get(name)
    if earlier is None:
        _note(f"{check}: the previous successful run {context.previous.run_id} recorded no {name!r}")
        return None
    worse_by = (earlier - value) if higher_is_better else (value - earlier)
    if worse_by > tolerance:
        raise CheckFailedError(check, [f"{name} = {value:g} is worse than {earlier:g} in run "
                                       f"{context.previous.run_id} by {worse_by:g} (tolerance {tolerance:g})"])
    return earlier
