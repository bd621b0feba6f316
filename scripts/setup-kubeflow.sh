#!/usr/bin/env bash
# The Kubeflow Pipelines SDK (kfp, kfp-kubernetes), papermill and a kernel in their own cached virtual
# environment (the `kubeflow` extra of pyproject.toml), for the export tests: they compile the exported
# pipelines and run them with KFP's local runner. kfp pins protobuf and friends, so it never shares the
# project's environment. Safe to run again; prints nothing on success. The tests find the environment at
# the same path (JUPYTER_MLOPS_KUBEFLOW_VENV).
exec "$(dirname "$0")/setup-venv.sh" kubeflow "${JUPYTER_MLOPS_KUBEFLOW_VENV:-$HOME/.cache/jupyter-mlops/kubeflow-venv}"
