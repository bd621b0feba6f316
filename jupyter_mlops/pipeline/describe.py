"""A pipeline as text, for terminals and `%mlsteps`."""

from __future__ import annotations

from .model import Pipeline


def describe_pipeline(pipeline: Pipeline) -> str:
    lines = [f"Pipeline of {pipeline.notebook}" + (" (no %%mlstep: runs whole as one step)" if pipeline.implicit else "")]
    if pipeline.parameters:
        lines.append("Parameters:")
        lines += [f"  {p.name}: {p.type} = {p.source if p.source is not None else repr(p.default)}"
                  for p in pipeline.parameters]
    lines.append("Steps:")
    for step in pipeline.steps:
        options = [f"{k}={v}" for k, v in step.model_dump(
            include={"retries", "timeout", "image", "cpus", "memory", "gpus", "inputs", "outputs"}).items()
            if v not in (None, 0, [])]
        after = f" after {', '.join(step.after)}" if step.after else ""
        cells = (f"cells {step.cell_indices[0]}-{step.cell_indices[-1]}" if step.cell_indices
                 else "no cells: the parameters cell is all it runs")
        lines.append(f"  {step.name} ({cells}){after}"
                     + (f"  [{' '.join(options)}]" if options else ""))
    return "\n".join(lines)
