"""Batch… from the panel: a grid of parameter values, the batch's live progress, its chart of a
metric against a parameter, the sortable results table, and cancelling a batch."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from .lab import THEMES, LabServer, screenshot, set_theme
from .panel import ACCEPT, DIALOG, api, open_notebook, show_panel, show_tab
from .test_runs import save_when_asked

BATCH_TIMEOUT_MS = 240_000
BATCH_BUTTON = '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar-item[data-jp-item-name="mlops-batch"]'


@pytest.fixture
def scored_notebook(lab_root: Path, request: pytest.FixtureRequest) -> str:
    """A notebook that records a metric computed from its parameters (and can be made slow)."""
    parameters = nbformat.v4.new_code_cell("alpha = 0.5\ndepth = 3\nnap = 0.0")
    parameters.metadata["tags"] = ["parameters"]
    notebook = nbformat.v4.new_notebook(
        cells=[parameters, nbformat.v4.new_code_cell(
            "%%mlstep score\nimport time\nimport jupyter_mlops\ntime.sleep(nap)\n"
            "jupyter_mlops.record('score', alpha * depth)")],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                  "language_info": {"name": "python"}})
    name = f"{request.node.name}.ipynb"
    nbformat.write(notebook, lab_root / name)
    return name


def rows(sidebar) -> list[list[str]]:
    """The results table: one list of cell texts per run (parameters, metrics, status, duration)."""
    return sidebar.locator(".jp-mlops-results tbody tr").evaluate_all(
        "trs => trs.map(tr => Array.from(tr.querySelectorAll('td')).slice(0, -1).map(td => td.innerText.trim()))")


def test_batch_from_the_panel_shows_its_chart_and_results(page, lab_server: LabServer, scored_notebook: str) -> None:
    open_notebook(page, scored_notebook)
    sidebar = show_panel(page)
    sidebar.locator('[data-command="jupyter-mlops:batch"]').click()
    save_when_asked(page)

    # Each parameter takes values separated by commas; the dialog counts the combinations.
    form = page.locator(f"{DIALOG} .jp-mlops-run-form")
    assert "1 run with the defaults" in form.inner_text()
    page.locator(f'{DIALOG} [data-parameter="alpha"] input').fill("0.5, 1, x")
    assert "value 3" in page.locator(f'{DIALOG} [data-parameter="alpha"]').inner_text()
    assert not page.locator(ACCEPT).is_enabled()
    page.locator(f'{DIALOG} [data-parameter="alpha"] input').fill("2, 0.5, 1")
    page.locator(f'{DIALOG} [data-parameter="depth"] input').fill("1, 10")
    assert "6 runs" in form.inner_text()
    screenshot(page, "batch-dialog", THEMES[0])
    page.locator(f'{DIALOG} input[aria-label="Runs at once"]').fill("2")
    page.click(ACCEPT)
    page.locator(DIALOG).wait_for(state="detached")

    # The panel opens the new batch and follows it live to the end.
    batch = sidebar.locator(".jp-mlops-batch")
    batch.wait_for()
    batch_id = batch.get_attribute("data-batch")
    sidebar.locator('.jp-mlops-batch[data-status="succeeded"]').wait_for(timeout=BATCH_TIMEOUT_MS)
    record = api(lab_server, f"batches/{batch_id}")
    assert record["parallel"] == 2
    assert record["spec"]["points"] == [
        {"alpha": a, "depth": d} for a in (2, 0.5, 1) for d in (1, 10)]
    # The table follows shortly after the batch's own record: wait for its every row to be done.
    sidebar.locator('.jp-mlops-results tbody tr[data-status="succeeded"]').nth(5).wait_for()
    assert "6 succeeded" in batch.locator(".jp-mlops-progress").inner_text()

    # The table: a row per run in the grid's order, parameters then the recorded metric.
    assert [row[:3] for row in rows(sidebar)] == [
        ["2", "1", "2"], ["2", "10", "20"], ["0.5", "1", "0.5"], ["0.5", "10", "5"], ["1", "1", "1"], ["1", "10", "10"]]

    # Sorting by a column asks the server; a second click reverses it.
    sidebar.locator(".jp-mlops-results th button", has_text="score").click()
    page.wait_for_function("() => document.querySelector('.jp-mlops-results tbody td:nth-child(3)')?.innerText === '0.5'")
    assert [row[2] for row in rows(sidebar)] == ["0.5", "1", "2", "5", "10", "20"]
    sidebar.locator(".jp-mlops-results th button", has_text="score").click()
    page.wait_for_function("() => document.querySelector('.jp-mlops-results tbody td:nth-child(3)')?.innerText === '20'")
    assert [row[2] for row in rows(sidebar)] == ["20", "10", "5", "2", "1", "0.5"]
    assert sidebar.locator('.jp-mlops-results th[aria-sort="descending"]').inner_text().startswith("score")

    # CSV downloads the table as shown: the same columns, sorted the same way.
    with page.expect_download() as download:
        batch.locator('[data-command="jupyter-mlops:download-batch-results"]').click()
    assert download.value.suggested_filename == f"batch-{batch_id}.csv"
    lines = Path(download.value.path()).read_text().splitlines()
    assert lines[0] == "alpha,depth,score,status,duration,run_id"
    assert [line.split(",")[2] for line in lines[1:]] == ["20.0", "10.0", "5.0", "2.0", "1.0", "0.5"]

    # The chart: score by alpha, a dot per run; a larger alpha is further right, a larger score higher.
    chart = sidebar.locator(".jp-mlops-plot")
    assert chart.get_attribute("aria-label") == "score by alpha: 6 runs"
    dots = chart.locator(".jp-mlops-point").evaluate_all(
        "cs => cs.map(c => [c.querySelector('title').textContent, +c.getAttribute('cx'), +c.getAttribute('cy')])")
    by_title = {title: (cx, cy) for title, cx, cy in dots}
    assert by_title["alpha=0.5, depth=10 → score 5"][0] < by_title["alpha=2, depth=10 → score 20"][0]
    assert by_title["alpha=2, depth=10 → score 20"][1] < by_title["alpha=2, depth=1 → score 2"][1]
    # …and against the other parameter when chosen.
    sidebar.locator('.jp-mlops-chart select[aria-label="Parameter"]').select_option("depth")
    assert chart.get_attribute("aria-label") == "score by depth: 6 runs"

    for theme in [*THEMES[1:], THEMES[0]]:  # ending on the default theme, for the tests after
        set_theme(page, theme)
        screenshot(page, "batch", theme)

    # A dot opens its run's output notebook.
    chart.locator(".jp-mlops-point").first.click()
    output = page.locator(".jp-mlops-output-notebook")
    output.wait_for()
    assert "jupyter_mlops.record('score'" in output.inner_text()

    # Back to the list: the batch is there with its counts.
    sidebar.locator('button[aria-label="Back to the batches"]').click()
    item = sidebar.locator(f'.jp-mlops-run[data-batch="{batch_id}"]')
    item.wait_for()
    assert "6 runs" in item.inner_text()
    assert "6 succeeded" in item.inner_text()


def test_cancel_a_batch_from_the_panel(page, lab_server: LabServer, scored_notebook: str) -> None:
    # From the notebook's toolbar this time: one quick run, then one that sleeps long enough to be
    # cancelled while it runs, then another that never starts.
    open_notebook(page, scored_notebook)
    page.click(BATCH_BUTTON)
    save_when_asked(page)
    page.locator(f'{DIALOG} [data-parameter="nap"] input').fill("0, 120, 0")
    page.locator(f'{DIALOG} input[aria-label="Runs at once"]').fill("1")
    page.click(ACCEPT)
    page.locator(DIALOG).wait_for(state="detached")

    sidebar = show_panel(page)
    batch = sidebar.locator(".jp-mlops-batch")
    batch.wait_for()
    batch_id = batch.get_attribute("data-batch")
    # Cancel once the slow run is under way (the quick one has succeeded).
    batch.locator(".jp-mlops-progress", has_text="1 succeeded").wait_for(timeout=BATCH_TIMEOUT_MS)
    batch.locator('[data-command="jupyter-mlops:cancel-batch"]').click()
    sidebar.locator('.jp-mlops-batch[data-status="cancelled"]').wait_for(timeout=60_000)
    assert batch.locator('[data-command="jupyter-mlops:cancel-batch"]').count() == 0
    statuses = [row["status"] for row in api(lab_server, f"batches/{batch_id}/results")["rows"]]
    assert statuses[0] == "succeeded" and "succeeded" not in statuses[1:], statuses
    # The table says the same, live.
    sidebar.locator('.jp-mlops-results tbody tr[data-status="cancelled"]').first.wait_for()
