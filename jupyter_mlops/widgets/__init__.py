"""In-notebook controls (ipywidgets) for the notebook the kernel belongs to.

A thin face over the service layer, like the CLI: every button calls the same service
function the matching `jupyter-mlops` command does. Works in every frontend that renders
ipywidgets (JupyterLab, Notebook 7, VS Code, hosted notebooks).
"""

from .panel import MLOpsPanel, PathPrompt, panel

__all__ = ["MLOpsPanel", "PathPrompt", "panel"]
