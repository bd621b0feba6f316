"""The example notebooks declare the pipelines they are meant to show."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from jupyter_mlops.pipeline import parse_pipeline

EXAMPLES = Path(__file__).resolve().parent.parent / "example_notebooks"


def dependencies(path: Path) -> dict[str, list[str]]:
    return {step.name: step.after for step in parse_pipeline(path).steps}


def test_train_evaluate_is_a_chain_with_files_between_steps() -> None:
    pipeline = parse_pipeline(EXAMPLES / "train_evaluate.ipynb")
    assert dependencies(EXAMPLES / "train_evaluate.ipynb") == {
        "prepare": [], "train": ["prepare"], "evaluate": ["train"]}
    train = pipeline.step("train")
    assert (train.retries, train.timeout, train.cpus, train.memory) == (1, 300, 2, "2g")
    assert train.inputs == ["artifacts/dataset.npz"] and train.outputs == ["artifacts/model.pkl"]
    assert pipeline.step("evaluate").inputs == ["artifacts/dataset.npz", "artifacts/model.pkl"]
    types = {p.name: p.type for p in pipeline.parameters}
    assert types.items() >= {
        "n_samples": "int", "test_size": "float", "learning_rate": "float", "random_state": "int"}.items()


def test_data_quality_joins_three_checks_into_a_report() -> None:
    pipeline = parse_pipeline(EXAMPLES / "data_quality.ipynb")
    assert dependencies(EXAMPLES / "data_quality.ipynb") == {
        "generate": [], "completeness": ["generate"], "validity": ["completeness"],
        "uniqueness": ["validity"], "report": ["completeness", "validity", "uniqueness"]}
    assert pipeline.step("report").outputs == ["artifacts/quality_report.json"]
    assert pipeline.parameter("fail_on_issues").type == "bool"


def test_branching_runs_two_feature_steps_after_load_and_joins_them() -> None:
    pipeline = parse_pipeline(EXAMPLES / "branching.ipynb")
    assert dependencies(EXAMPLES / "branching.ipynb") == {
        "load": [], "features_a": ["load"], "features_b": ["load"], "combine": ["features_a", "features_b"]}
    assert pipeline.step("combine").inputs == ["artifacts/features_a.csv", "artifacts/features_b.csv"]
    assert pipeline.parameter("lags").type == "list"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.ipynb")), ids=lambda p: p.name)
def test_examples_are_committed_clean(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), f"{path.name} has outputs"
    assert any("parameters" in c.metadata.get("tags", []) for c in code)
    assert not parse_pipeline(path).implicit
