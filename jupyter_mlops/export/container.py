"""What a pod of an exported pipeline runs, and on which nodes.

Kept in Kubernetes' own terms (quantities, label selectors, taint tolerations) so the Airflow
export (KubernetesPodOperator arguments) and the Kubernetes manifests share one mapping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import ExportError
from ..pipeline.model import Parameter, Pipeline, Step

GPU_RESOURCE = "nvidia.com/gpu"
DATA_VOLUME = "mlops-data"
RUN_FOLDER_VARIABLE = "MLOPS_RUN_FOLDER"  # the run's folder on the data volume, mounted as the working directory
_UNITS = {"": "", "k": "Ki", "m": "Mi", "g": "Gi"}
_BYTES = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}


def memory_quantity(memory: str) -> str:
    """A step's `--memory` (docker style: 512m, 4g, 4gb) as a Kubernetes quantity (512Mi, 4Gi)."""
    number, unit = re.fullmatch(r"(\d+(?:\.\d+)?)([kmg]?)b?", memory.lower()).groups()
    return number + _UNITS[unit]


def _memory_bytes(memory: str) -> float:
    number, unit = re.fullmatch(r"(\d+(?:\.\d+)?)([kmg]?)b?", memory.lower()).groups()
    return float(number) * _BYTES[unit]


@dataclass
class PodNeeds:
    """Resources and placement for one pod: one step, or a whole notebook."""

    cpus: float | None = None
    memory: str | None = None
    gpus: int | None = None
    pool: str | None = None

    def resources(self) -> dict[str, dict[str, str]]:
        """Requests and limits: memory and GPUs are limited (a pod over its memory is killed, not slowed)."""
        requests: dict[str, str] = {}
        limits: dict[str, str] = {}
        if self.cpus:
            requests["cpu"] = f"{self.cpus:g}"
        if self.memory:
            requests["memory"] = limits["memory"] = memory_quantity(self.memory)
        if self.gpus:
            requests[GPU_RESOURCE] = limits[GPU_RESOURCE] = str(self.gpus)
        return {key: value for key, value in (("requests", requests), ("limits", limits)) if value}

    def node_selector(self, pool_label: str) -> dict[str, str]:
        return {pool_label: self.pool} if self.pool else {}

    def tolerations(self, pool_label: str) -> list[dict[str, str]]:
        """Node pools of special machines are usually tainted so that only pods asking for them land there."""
        tolerations = []
        if self.pool:
            tolerations.append({"key": pool_label, "operator": "Equal", "value": self.pool, "effect": "NoSchedule"})
        if self.gpus:
            tolerations.append({"key": GPU_RESOURCE, "operator": "Exists", "effect": "NoSchedule"})
        return tolerations


def step_needs(step: Step) -> PodNeeds:
    return PodNeeds(cpus=step.cpus, memory=step.memory, gpus=step.gpus, pool=step.pool)


def notebook_needs(pipeline: Pipeline) -> PodNeeds:
    """One pod running every step needs the most any step asks for, on the one pool they agree on."""
    pools = {s.name: s.pool for s in pipeline.steps if s.pool}
    if len(set(pools.values())) > 1:
        asked = ", ".join(f"{name}: {pool}" for name, pool in pools.items())
        raise ExportError(f"steps of {pipeline.notebook or 'the notebook'} ask for different node pools ({asked}) "
                          "but one pod runs the whole notebook: export it per step (--per-step)")
    memories = [s.memory for s in pipeline.steps if s.memory]
    return PodNeeds(cpus=max((s.cpus for s in pipeline.steps if s.cpus), default=None),
                    memory=max(memories, key=_memory_bytes) if memories else None,
                    gpus=max((s.gpus for s in pipeline.steps if s.gpus), default=None),
                    pool=next(iter(pools.values()), None))


def image_for(steps: list[Step], default: str | None,
              holding: str = "jupyter-mlops and the notebook") -> str:
    """A step's own `--image` wins over the export's `--image`; `holding` says what the image needs."""
    images = {s.image for s in steps if s.image}
    if len(images) > 1:
        raise ExportError(f"steps ask for different images ({', '.join(sorted(images))}) but run in one pod")
    image = next(iter(images), None) or default
    if not image:
        raise ExportError(f"a container image is needed: pass --image (an image with {holding})")
    return image


@dataclass
class RunCommand:
    """`jupyter-mlops run` inside the image, working in the run's folder on the data volume."""

    notebook: str  # path inside the image
    workdir: str
    output: str
    only: str | None = None
    parameters: list[tuple[Parameter, str]] = field(default_factory=list)  # (parameter, value or template)

    def arguments(self) -> list[str]:
        words = ["run", self.notebook, "--cwd", self.workdir, "-o", self.output]
        if self.only:
            words += ["--only", self.only]
        for parameter, value in self.parameters:
            # -r keeps text as text; -p reads the value as YAML (JSON from templates is YAML)
            words += ["-r" if parameter.type == "str" else "-p", parameter.name, value]
        return words
