"""Memory: the SQLite store of runs, schedules and batches, and the run folders."""

from .db import home

__all__ = ["home"]
