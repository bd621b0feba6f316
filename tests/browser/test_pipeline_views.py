"""The pipeline shown in the notebook (cell markers, step badges), its DAG drawn in the panel, and the
main-area MLOps dashboard (runs paged beyond 50, filtered and searched; a run page's timeline; two runs
compared cell by cell), in a real Chromium against a real `jupyter lab`; screenshots in both themes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import nbformat
import pytest

from .lab import THEMES, LabServer, screenshot, set_theme
from .panel import DIALOG, api, open_lab, open_notebook, run_command, show_panel
from .test_runs import RUN_TIMEOUT_MS
from .test_screenshots import finished_run

CELLS = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell"
DASHBOARD = ".jp-mlops-dashboard"


def set_source(page, index: int, source: str) -> None:
    page.evaluate("([i, source]) => window.jupyterapp.shell.currentWidget.content.widgets[i].model.sharedModel"
                  ".setSource(source)", [index, source])


def cell_steps(page) -> list[str | None]:
    """The step each cell of the open notebook is marked with (None: not a step's cell)."""
    return page.locator(CELLS).evaluate_all("cells => cells.map(c => c.dataset.mlopsStep ?? null)")


def seed_runs(server: LabServer, notebook: str, counts: dict[str, int]) -> None:
    """Records queued runs of a notebook in the server's store through the service layer, `counts[trigger]`
    of each trigger (listing and paging need records, not kernels)."""
    code = ("import json, sys; from jupyter_mlops.run.model import RunSpec; from jupyter_mlops.service import runs\n"
            "for trigger, count in json.loads(sys.argv[2]).items():\n"
            "    for _ in range(count): runs.queue_run(RunSpec(notebook=sys.argv[1], trigger=trigger))")
    subprocess.run([sys.executable, "-c", code, str(server.root_dir / notebook), json.dumps(counts)], check=True,
                   env={**os.environ, "JUPYTER_MLOPS_HOME": str(server.mlops_home)})


def open_dashboard(page, args: dict | None = None):
    run_command(page, "jupyter-mlops:open-dashboard", args)
    dashboard = page.locator(DASHBOARD)
    dashboard.wait_for()
    return dashboard


def wait_for_pager(dashboard, text: str) -> None:
    dashboard.locator(".jp-mlops-pager-text").filter(has_text=text).wait_for()


def test_cells_show_their_steps_and_follow_edits(page, notebook: str) -> None:
    open_notebook(page, notebook)
    page.locator(f'{CELLS}[data-mlops-step="train"]').wait_for()
    # The demo notebook: a markdown title (prelude), the parameters cell, prepare, train.
    assert cell_steps(page) == [None, None, "prepare", "train"]
    roles = page.locator(CELLS).evaluate_all("cells => cells.map(c => c.dataset.mlopsRole)")
    assert roles == ["prelude", "parameters", "step", "step"]
    badge = page.locator(f'{CELLS} [data-mlops-badge="train"]')
    assert "step train" in badge.inner_text() and "after prepare" in badge.inner_text()

    # A cell added after train joins it; removing train's step line moves its cells to prepare.
    page.evaluate("""() => window.jupyterapp.shell.currentWidget.content.model.sharedModel
                        .insertCell(4, {cell_type: 'code', source: 'print(model)'})""")
    page.wait_for_function("() => document.querySelectorAll('.jp-Notebook .jp-Cell')[4]?.dataset.mlopsStep === 'train'")
    set_source(page, 3, "model = sum(data) * alpha")
    page.wait_for_function("() => document.querySelectorAll('.jp-Notebook .jp-Cell')[4]?.dataset.mlopsStep === 'prepare'")
    assert cell_steps(page) == [None, None, "prepare", "prepare", "prepare"]
    assert page.locator(f'{CELLS} [data-mlops-badge="train"]').count() == 0

    # A duplicate step is the server's error, shown on the offending cell; the DAG says why it is not drawn.
    set_source(page, 3, "%%mlstep prepare\nmodel = 1")
    error_cell = page.locator(CELLS).nth(3)
    page.locator(f"{CELLS}.jp-mlops-cell-error").wait_for()
    assert "prepare" in error_cell.get_attribute("data-mlops-error")
    assert "prepare" in error_cell.locator(".jp-mlops-cell-badge-error").inner_text()
    sidebar = show_panel(page)
    assert "cannot be drawn" in sidebar.locator(".jp-mlops-dag-invalid").inner_text()

    # Clicking a badge opens the step dialog on that cell.
    set_source(page, 3, "%%mlstep train --after prepare\nmodel = 1")
    page.locator(f'{CELLS} [data-mlops-badge="train"]').click()
    page.locator(f"{DIALOG} .jp-mlops-step-form").wait_for()
    assert page.locator(f"{DIALOG} input").first.input_value() == "train"
    page.keyboard.press("Escape")


def test_dag_draws_the_steps_and_follows_a_run(page, lab_server: LabServer, notebook: str, lab_root) -> None:
    branching = nbformat.read(lab_root / notebook, as_version=4)
    branching.cells[3].source = "%%mlstep train --after prepare\nimport time\ntime.sleep(4)\nmodel = 1"
    branching.cells.append(nbformat.v4.new_code_cell("%%mlstep report --after prepare\nsummary = len(data)"))
    branching.cells.append(nbformat.v4.new_code_cell("%%mlstep publish --after train,report\ndone = True"))
    nbformat.write(branching, lab_root / notebook)
    open_notebook(page, notebook)
    sidebar = show_panel(page)
    dag = sidebar.locator(".jp-mlops-dag svg")
    dag.wait_for()
    nodes = dag.locator("[data-mlops-dag-node]").evaluate_all("ns => ns.map(n => n.dataset.mlopsDagNode)")
    edges = dag.locator("[data-mlops-dag-edge]").evaluate_all("es => es.map(e => e.dataset.mlopsDagEdge)")
    assert sorted(nodes) == ["prepare", "publish", "report", "train"]
    assert sorted(edges) == ["prepare->report", "prepare->train", "report->publish", "train->publish"]
    # Laid out top to bottom: a step below what it runs after.
    y = {name: dag.locator(f'[data-mlops-dag-node="{name}"]').bounding_box()["y"] for name in nodes}
    assert y["prepare"] < y["train"] == y["report"] < y["publish"]

    # Clicking a node goes to its cell.
    dag.locator('[data-mlops-dag-node="report"]').click()
    assert page.evaluate("() => window.jupyterapp.shell.currentWidget.content.activeCellIndex") == 4

    # During a run the nodes follow its steps live, and so do the badges.
    api(lab_server, "runs", "POST", {"path": notebook})
    dag.locator('[data-mlops-dag-node="train"][data-status="running"]').wait_for(timeout=RUN_TIMEOUT_MS)
    assert dag.locator('[data-mlops-dag-node="prepare"]').get_attribute("data-status") == "succeeded"
    assert dag.locator('[data-mlops-dag-node="publish"]').get_attribute("data-status") == "pending"
    dag.locator('[data-mlops-dag-node="publish"][data-status="succeeded"]').wait_for(timeout=RUN_TIMEOUT_MS)
    page.locator(f'{CELLS} [data-mlops-badge="train"] [data-status="succeeded"]').wait_for()


def test_dashboard_pages_filters_and_searches(page, lab_server: LabServer, notebook: str, lab_root) -> None:
    seed_runs(lab_server, notebook, {"manual": 53, "rerun": 2})
    # Its launcher card, its keyboard shortcut (settings › shortcuts) and the command open one main-area tab.
    run_command(page, "launcher:create")
    page.locator('.jp-LauncherCard:visible:has-text("MLOps Dashboard")').first.click()
    page.locator(f"#jupyter-mlops-dashboard {DASHBOARD}").wait_for()
    page.evaluate("""() => Array.from(window.jupyterapp.shell.widgets('main'))
                        .find(w => w.id === 'jupyter-mlops-dashboard').dispose()""")
    page.locator(DASHBOARD).wait_for(state="detached")
    page.locator("body").press("Control+Alt+d")
    dashboard = page.locator(f"#jupyter-mlops-dashboard {DASHBOARD}")
    dashboard.wait_for()
    dashboard.locator('select[data-filter="notebook"]').select_option(notebook)
    wait_for_pager(dashboard, "1–50 of 55")
    rows = dashboard.locator(".jp-mlops-runs-table tbody tr")
    assert rows.count() == 50
    dashboard.locator('[data-action="next"]').click()
    wait_for_pager(dashboard, "51–55 of 55")
    assert rows.count() == 5
    assert not dashboard.locator('[data-action="next"]').is_enabled()

    dashboard.locator('select[data-filter="trigger"]').select_option("rerun")
    wait_for_pager(dashboard, "1–2 of 2")  # a filter starts again at the first page
    one = rows.first.get_attribute("data-run")
    dashboard.locator('select[data-filter="trigger"]').select_option("")
    dashboard.locator('input[type="search"]').fill(one[-6:])
    wait_for_pager(dashboard, "1–1 of 1")
    assert rows.first.get_attribute("data-run") == one
    dashboard.locator('input[type="search"]').fill("no such run anywhere")
    wait_for_pager(dashboard, "0 runs")

    # A deleted notebook's runs still list and open.
    (lab_root / notebook).unlink()
    dashboard.locator('input[type="search"]').fill(one[-6:])
    wait_for_pager(dashboard, "1–1 of 1")
    rows.first.locator(".jp-mlops-link").click()
    dashboard.locator(f'.jp-mlops-run-page[data-run="{one}"]').wait_for()
    assert notebook in dashboard.locator(".jp-mlops-run-page-notebook").inner_text()


@pytest.fixture(scope="module")
def two_runs(lab_server: LabServer, lab_root) -> tuple[str, dict, dict]:
    """Two finished runs of one notebook, the second after an edit of its prepare step."""
    name = "compared.ipynb"
    demo = nbformat.read(lab_root / "browser_demo.ipynb", as_version=4)
    nbformat.write(demo, lab_root / name)
    first = finished_run(lab_server, name, 0.5)
    demo.cells[2].source = "%%mlstep prepare\ndata = list(range(12))\nprint(len(data))"
    nbformat.write(demo, lab_root / name)
    second = finished_run(lab_server, name, 2.0)
    return name, first, second


def test_run_page_shows_the_timeline(page, two_runs) -> None:
    _, first, _ = two_runs
    dashboard = open_dashboard(page)
    dashboard.locator(f'tr[data-run="{first["id"]}"] .jp-mlops-link').click()
    run_page = dashboard.locator(f'.jp-mlops-run-page[data-run="{first["id"]}"]')
    run_page.wait_for()
    for step in ("prepare", "train"):
        row = run_page.locator(f'.jp-mlops-timeline-row[data-step="{step}"]')
        assert row.get_attribute("data-status") == "succeeded"
        assert row.locator(".jp-mlops-timeline-bar").count() == 1
    # One time axis: train's bar starts after prepare's (the steps are short next to the kernel start).
    prepare, train = (run_page.locator(f'.jp-mlops-timeline-row[data-step="{s}"] .jp-mlops-timeline-bar')
                      .bounding_box() for s in ("prepare", "train"))
    assert train["x"] > prepare["x"]
    assert "alpha" in run_page.locator('[data-section="parameters"]').inner_text()
    assert "sha256" in run_page.locator('[data-section="lineage"]').inner_text()
    run_page.locator(".jp-mlops-log-text").filter(has_text="train").wait_for()


def test_compare_shows_the_changed_cell(page, two_runs) -> None:
    _, first, second = two_runs
    dashboard = open_dashboard(page)
    for run in (first, second):
        dashboard.locator(f'tr[data-run="{run["id"]}"] input[type="checkbox"]').check()
    dashboard.locator('[data-action="compare"]').click()
    view = dashboard.locator(".jp-mlops-compare-view")
    view.wait_for()
    assert "alpha" in view.locator(".jp-mlops-compare").first.inner_text()
    changed = view.locator('[data-mlops-cell-change="modified"]')
    changed.first.wait_for()
    text = " ".join(changed.all_inner_texts())
    assert "+data = list(range(12))" in text and "-data = list(range(10))" in text
    assert "alpha = 2" in text  # papermill's injected parameters differ too


@pytest.mark.parametrize("theme", THEMES)
def test_screenshots_of_the_pipeline_views(page, two_runs, theme: str) -> None:
    name, first, second = two_runs
    set_theme(page, theme)
    open_notebook(page, name)
    sidebar = show_panel(page)
    sidebar.locator('.jp-mlops-dag [data-mlops-dag-node="train"][data-status="succeeded"]').wait_for()
    page.locator(f'{CELLS} [data-mlops-badge="train"] [data-status="succeeded"]').wait_for()
    screenshot(page, "cell-markers-and-dag", theme)

    dashboard = open_dashboard(page)
    dashboard.locator(f'tr[data-run="{second["id"]}"]').wait_for()
    screenshot(page, "dashboard", theme)
    open_dashboard(page, {"run": second["id"]})
    dashboard.locator(".jp-mlops-timeline-row").first.wait_for()
    dashboard.locator(".jp-mlops-log-text").filter(has_text="train").wait_for()
    screenshot(page, "run-page", theme)
    open_dashboard(page, {"a": first["id"], "b": second["id"]})
    dashboard.locator('[data-mlops-cell-change="modified"]').first.wait_for()
    screenshot(page, "compare-notebooks", theme)


def test_schedule_page_shows_its_pinned_version_and_drift(page, lab_server: LabServer, notebook: str,
                                                          lab_root) -> None:
    schedule = api(lab_server, "schedules", "POST", {"notebook": notebook, "cron": "0 6 * * *", "timezone": "UTC"})
    changed = nbformat.read(lab_root / notebook, as_version=4)
    changed.cells[2].source = "%%mlstep prepare\ndata = list(range(30))"
    nbformat.write(changed, lab_root / notebook)
    dashboard = open_dashboard(page, {"schedule": schedule["id"]})
    card = dashboard.locator('[data-section="version"]')
    card.locator('[data-drift="true"]').wait_for()
    assert schedule["version"]["sha256"][:12] in card.inner_text()
    dashboard.locator(".jp-mlops-next-fires li").nth(2).wait_for()  # its next three fires
    card.locator("button:has-text('Show the difference')").click()
    card.locator(".jp-mlops-diff").filter(has_text="range(30)").wait_for()
    card.locator('[data-command="jupyter-mlops:pin-schedule"]').click()
    card.locator('[data-drift="false"]').wait_for()  # the live feed brings the re-pinned schedule
    assert api(lab_server, f"schedules/{schedule['id']}")["drift"]["differs"] is False


def test_the_setting_turns_the_markers_off(page, lab_server: LabServer, notebook: str) -> None:
    """Last in the module: it reloads the module's page."""
    save = "raw => window.jupyterapp.serviceManager.settings.save('jupyter-mlops:plugin', raw)"
    page.evaluate(save, '{"cellMarkers": false}')
    try:
        open_lab(page, lab_server)
        open_notebook(page, notebook)
        # The sidebar's graph comes after the notebook's cells are read: by then markers would be drawn.
        show_panel(page).locator('.jp-mlops-dag [data-mlops-dag-node="train"]').wait_for()
        page.wait_for_timeout(500)
        assert cell_steps(page) == [None, None, None, None]
        assert page.locator(f"{CELLS} .jp-mlops-cell-badge").count() == 0
    finally:
        page.evaluate(save, "{}")
