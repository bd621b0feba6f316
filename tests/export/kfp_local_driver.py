"""Run inside the Kubeflow virtual environment: load a compiled pipeline (the YAML a KFP backend gets), run it
with KFP's local runner (every task a subprocess, artifacts in PIPELINE_ROOT) and print what happened as JSON,
{state, error, tasks: {task: {artifact: path}}}, on the last line of stdout.

usage: python kfp_local_driver.py PIPELINE.yaml PIPELINE_ROOT ARGUMENTS_JSON
"""

import json
import re
import sys
from pathlib import Path

from kfp import components, local

compiled, root, arguments = sys.argv[1:]
pipeline = components.load_component_from_file(compiled)
local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=root)
try:
    pipeline(**json.loads(arguments))
    state, error = "SUCCESS", None
except RuntimeError as failure:  # the local runner raises when a task fails
    state, error = "FAILURE", re.sub(r"\x1b\[[0-9;]*m", "", str(failure))
(run,) = Path(root).iterdir()  # one folder per pipeline run, one per task in it
tasks = {task.name: {artifact.name: str(artifact) for artifact in task.iterdir()} for task in run.iterdir()}
print(json.dumps({"state": state, "error": error, "tasks": tasks}))
