"""HTML reports of runs: the output notebook rendered by nbconvert, kept next to a run on request."""

from .html import REPORT_FILE, keep_report, render_report

__all__ = ["REPORT_FILE", "keep_report", "render_report"]
