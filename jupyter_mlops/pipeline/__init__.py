"""What runs: a notebook's steps, dependencies, prelude and parameters."""

from .model import Parameter, Pipeline, Step
from .parser import parse_pipeline, read_notebook

__all__ = ["Parameter", "Pipeline", "Step", "parse_pipeline", "read_notebook"]
