"""Hand a pipeline to an existing engine when one machine is not enough.

`airflow`: a dag-factory YAML file (configuration, not code) and a small loader DAG, with
PapermillOperator or KubernetesPodOperator tasks. `kubeflow`: a compiled Kubeflow Pipelines (KFP v2)
pipeline and its Python source. `kubernetes`: a Job or CronJob manifest. All read the same `Pipeline`; `analysis` checks that steps can run in separate pods.
"""

from .airflow import AirflowOptions, export_airflow
from .analysis import check_step_isolation, shared_memory_uses
from .kubeflow import KubeflowOptions, export_kubeflow
from .kubernetes import KubernetesOptions, export_kubernetes

__all__ = ["AirflowOptions", "KubeflowOptions", "KubernetesOptions", "check_step_isolation", "export_airflow",
           "export_kubeflow", "export_kubernetes", "shared_memory_uses"]
