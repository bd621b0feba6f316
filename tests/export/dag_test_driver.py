"""Run inside the Airflow virtual environment: load an exported DAG through its loader, run it with
`dag.test()` and print what happened as JSON (the last line of stdout).

usage: python dag_test_driver.py LOADER.py DAG_ID RUN_CONF_JSON
"""

import json
import runpy
import sys

loader, dag_id, conf = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
dag = runpy.run_path(loader)[dag_id]
run = dag.test(run_conf=conf)
from airflow.utils.session import create_session  # noqa: E402  (after Airflow is configured by the run)

with create_session() as session:
    instances = run.get_task_instances(session=session)
    tasks = {ti.task_id: {"state": str(ti.state), "start": ti.start_date.timestamp() if ti.start_date else None,
                          "end": ti.end_date.timestamp() if ti.end_date else None} for ti in instances}
print(json.dumps({"state": str(run.state), "tasks": tasks}))
