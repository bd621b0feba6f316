"""Run now from the widgets: typed fields, a real run started by clicking, the runs table following it."""

from __future__ import annotations

import ipywidgets as widgets
import nbformat

from jupyter_mlops.run.model import RunStatus
from jupyter_mlops.service.runs import get_run, list_runs
from jupyter_mlops.widgets import MLOpsPanel, panel
from jupyter_mlops.widgets.location import JupyterServer


def test_each_parameter_gets_a_widget_of_its_type(pipeline_notebook):
    fields = panel(pipeline_notebook).run_form.parameters.fields
    kinds = {name: type(field.input) for name, field in fields.items()}
    assert kinds == {"count": widgets.IntText, "alpha": widgets.FloatText, "label": widgets.Text,
                     "verbose": widgets.Checkbox, "layers": widgets.Textarea, "options": widgets.Textarea}
    assert fields["layers"].input.value == "[1, 2]" and fields["count"].input.value == 3


def test_fill_the_form_click_run_and_see_the_run_recorded_and_followed(pipeline_notebook):
    view = panel(pipeline_notebook)
    fields = view.run_form.parameters.fields
    fields["count"].input.value = 5
    fields["alpha"].input.value = 2.0
    fields["label"].input.value = "from widgets"
    fields["verbose"].input.value = True
    fields["layers"].input.value = "[1, 2, 3]"
    fields["options"].input.value = '{"a": 10}'
    view.run_form.button.click()

    runs, total = list_runs(notebook=str(pipeline_notebook))
    assert total == 1
    run = runs[0]
    assert "started" in view.run_form.feedback.value and run.id in view.run_form.feedback.value
    assert run.parameters == {"count": 5, "alpha": 2.0, "label": "from widgets", "verbose": True,
                              "layers": [1, 2, 3], "options": {"a": 10}}
    assert run.id in view.runs.table.value
    assert view.runs.ticker.running  # the table follows the run it just started

    view.runs.ticker.join(timeout=90)
    assert not view.runs.ticker.running  # and stops once nothing runs
    finished = get_run(run.id)
    assert finished.status == RunStatus.succeeded, finished.error
    assert finished.metrics["score"] == sum(range(5)) * 2.0 + 3 + 10
    assert "data-status='succeeded'" in view.runs.table.value and "2/2" in view.runs.table.value
    output = nbformat.read(finished.output_notebook, as_version=4)
    assert any("label = \"from widgets\"" in cell.source for cell in output.cells)


def test_selected_steps_and_an_output_copy_that_the_runs_table_links(pipeline_notebook):
    view = panel(pipeline_notebook)
    view.run_form.steps.value = ("prepare",)
    view.run_form.output_copy.value = "copy-out.ipynb"
    run = view.run_form.run()
    copy = pipeline_notebook.parent / "copy-out.ipynb"
    assert run.steps_selected == ["prepare"] and run.spec.output_path == str(copy)
    view.runs.ticker.join(timeout=90)
    assert get_run(run.id).status.finished
    assert [step.name for step in get_run(run.id).steps] == ["prepare"] and copy.is_file()
    # Under the root of the Jupyter server the kernel belongs to, the copy is a JupyterLab link.
    view.runs.server = JupyterServer(pipeline_notebook.parent, "/")
    view.runs.refresh()
    assert '<a href="/lab/tree/copy-out.ipynb"' in view.runs.table.value


def test_invalid_json_is_flagged_as_typed_and_refused_on_run(pipeline_notebook):
    view = panel(pipeline_notebook)
    layers = view.run_form.parameters.fields["layers"]
    layers.input.value = "[1, 2"
    assert "ParameterError" in layers.problem.value and "&#x27;layers&#x27; is not valid JSON" in layers.problem.value
    layers.input.value = '{"not": "a list"}'
    assert "expects a JSON list" in layers.problem.value
    view.run_form.button.click()
    assert "ParameterError" in view.run_form.feedback.value
    assert list_runs(notebook=str(pipeline_notebook))[1] == 0  # nothing recorded, no kernel started
    layers.input.value = "[]"
    assert layers.problem.value == ""


def test_a_notebook_that_does_not_parse_says_why_and_reloads_once_fixed(write_notebook):
    path = write_notebook(["%%mlstep a\nx = 1", "%%mlstep a\ny = 2"])
    view = MLOpsPanel(path)
    assert "DuplicateStepError" in view.feedback.value and view.tabs.children == ()
    write_notebook(["%%mlstep a\nx = 1", "%%mlstep b\ny = 2"])
    view.reload_button.click()
    assert view.feedback.value == "" and view.tabs.titles == ("Pipeline", "Run now", "Schedule", "Batch")
    assert "<b>b</b>" in view.tabs.children[0].value


def test_only_values_changed_from_the_defaults_are_passed(pipeline_notebook):
    form = panel(pipeline_notebook).run_form.parameters
    assert form.values() == {}
    form.fields["alpha"].input.value = 0.5  # the default, retyped
    form.fields["verbose"].input.value = True
    form.fields["layers"].input.value = "[1,   2]"  # same list, other spelling
    assert form.values() == {"verbose": True}


def test_a_computed_default_starts_empty_shows_its_source_and_is_left_to_the_notebook(tmp_path):
    from jupyter_mlops.errors import ParameterError
    from jupyter_mlops.pipeline import parse_pipeline
    from jupyter_mlops.widgets.fields import ParametersForm
    from jupyter_mlops.widgets.pipeline_view import pipeline_html
    from tests.conftest import build_notebook

    pipeline = parse_pipeline(build_notebook(
        [("import os\npath = os.getcwd()\nn: int = int('3')\nalpha = 0.5", ["parameters"])]))
    form = ParametersForm(pipeline.parameters)
    path, n = form.fields["path"], form.fields["n"]
    assert path.input.value == "" and "os.getcwd()" in path.input.placeholder
    assert form.values() == {}  # nothing given: the notebook computes them
    path.input.value, n.input.value = "/data", "4"
    assert form.values() == {"path": "/data", "n": 4}
    path.input.value = "[1, 2]"
    assert form.values()["path"] == [1, 2]  # JSON when it reads as JSON, as -p does
    n.input.value = "four"
    try:
        form.values()
    except ParameterError as error:
        assert "'n' expects int" in str(error)
    else:
        raise AssertionError("an int parameter took 'four'")
    assert "path: any = os.getcwd()" in pipeline_html(pipeline)
    # the notebook that is only its parameters cell: a step without cells
    assert "<td>none</td>" in pipeline_html(parse_pipeline(build_notebook([("x = 1", ["parameters"])])))
