"""Run inside the Airflow virtual environment: load exported DAGs through their loaders, run each
with `dag.test()` and print what happened as JSON, {dag_id: {state, tasks}}, on the last line of
stdout. One process for several DAGs: Airflow's in-process API starts once.

usage: python dag_test_driver.py LOADER.py DAG_ID RUN_CONF_JSON [LOADER.py DAG_ID RUN_CONF_JSON ...]
"""

import json
import runpy
import sys

results = {}
for loader, dag_id, conf in zip(sys.argv[1::3], sys.argv[2::3], sys.argv[3::3]):
    dag = runpy.run_path(loader)[dag_id]
    run = dag.test(run_conf=json.loads(conf))
    from airflow.utils.session import create_session  # configured by now

    with create_session() as session:
        instances = run.get_task_instances(session=session)
        tasks = {ti.task_id: {"state": str(ti.state), "start": ti.start_date.timestamp() if ti.start_date else None,
                              "end": ti.end_date.timestamp() if ti.end_date else None} for ti in instances}
    results[dag_id] = {"state": str(run.state), "tasks": tasks}
print(json.dumps(results))
