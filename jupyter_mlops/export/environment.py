"""Environment variables and secrets of an exported pipeline: values for plain variables, and for
secrets only references, resolved on the other side by name: Kubernetes `Secret` keys
(`secretKeyRef`) for pods, Airflow Variables or Connections for tasks on Airflow's workers.
A secret's value is never written into an export.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

SecretsFrom = Literal["variables", "connections"]


@dataclass
class ExportEnvironment:
    env: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)  # variable -> secret name (a key / Variable / Connection)

    def __bool__(self) -> bool:
        return bool(self.env or self.secrets)

    def container_env(self, secret_name: str) -> list[dict[str, Any]]:
        """A Kubernetes container's `env` entries: plain values, and each secret from the Secret's key."""
        return ([{"name": name, "value": value} for name, value in self.env.items()]
                + [{"name": variable, "valueFrom": {"secretKeyRef": {"name": secret_name, "key": key}}}
                   for variable, key in self.secrets.items()])

    def kubernetes_needs(self, secret_name: str, namespace: str) -> list[str]:
        """What must exist in the cluster, as the command that makes it."""
        if not self.secrets:
            return []
        keys = sorted(set(self.secrets.values()))
        literals = " ".join(f"--from-literal={key}=..." for key in keys)
        return [f"a Kubernetes Secret {secret_name!r} in namespace {namespace!r} with the key(s) {', '.join(keys)}: "
                f"kubectl create secret generic {secret_name} -n {namespace} {literals}"]

    def airflow_needs(self, secrets_from: SecretsFrom) -> list[str]:
        needs = []
        for name in sorted(set(self.secrets.values())):
            if secrets_from == "variables":
                needs.append(f"an Airflow Variable {name!r}: airflow variables set {name} ...")
            else:
                needs.append(f"an Airflow Connection {name!r} whose password is the secret: "
                             f"airflow connections add {name} --conn-type generic --conn-password ...")
        return needs
