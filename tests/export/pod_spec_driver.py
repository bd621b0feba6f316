"""Run inside the Airflow virtual environment: load an exported DAG and render every
KubernetesPodOperator's pod, as a triggered run would, without a cluster. Prints
{task_id: pod as Kubernetes JSON} on the last line of stdout.

usage: python pod_spec_driver.py LOADER.py DAG_ID RUN_CONF_JSON KUBECONFIG
"""

import json
import runpy
import sys

from kubernetes.client import ApiClient

loader, dag_id, conf, kubeconfig = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
dag = runpy.run_path(loader)[dag_id]
params = {name: dag.params[name] for name in dag.params} | conf
pods = {}
for task in dag.tasks:
    task.config_file = kubeconfig  # a dummy cluster that is never contacted
    task.render_template_fields({"dag": dag, "task": task, "run_id": "manual__test-run", "params": params})
    pods[task.task_id] = ApiClient().sanitize_for_serialization(task.build_pod_request_obj())
    pods[task.task_id]["task"] = {"retries": task.retries,
                                  "execution_timeout": task.execution_timeout.total_seconds()
                                  if task.execution_timeout else None,
                                  "upstream": sorted(task.upstream_task_ids)}
print(json.dumps(pods))
