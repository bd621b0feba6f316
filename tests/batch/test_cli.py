"""`jupyter-mlops batch NB ...`, `batch show ID`, `batch list` and `batch cancel ID`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

from click.testing import CliRunner

from jupyter_mlops.batch import store as batch_store
from jupyter_mlops.batch.model import BatchStatus
from jupyter_mlops.cli import main
from jupyter_mlops.service.batches import get_batch, list_batches


def test_batch_then_show_sorted_and_exported(write_notebook, tmp_path):
    notebook = write_notebook([("alpha = 0.5\ndepth = 1", ["parameters"]),
                               "import jupyter_mlops\njupyter_mlops.record('score', alpha * depth)"])
    runner = CliRunner()
    result = runner.invoke(main, ["batch", str(notebook), "-p", "alpha", "0.1,0.3", "-p", "depth", "1,2",
                                  "--parallel", "2"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].split() == ["alpha", "depth", "score", "status", "duration", "run_id"]
    assert "succeeded in" in result.stderr and "4 succeeded" in result.stderr
    (batch,), _ = list_batches()

    shown = runner.invoke(main, ["batch", "show", batch.id, "--sort", "score", "--desc"])
    assert shown.exit_code == 0, shown.output
    scores = [line.split()[2] for line in shown.stdout.splitlines()[1:]]
    assert scores == ["0.6", "0.3", "0.2", "0.1"]

    csv_path = tmp_path / "results.csv"
    exported = runner.invoke(main, ["batch", "show", batch.id, "--sort", "alpha", "--format", "csv",
                                    "-o", str(csv_path)])
    assert exported.exit_code == 0, exported.output
    lines = csv_path.read_text().splitlines()
    assert lines[0] == "alpha,depth,score,status,duration,run_id" and lines[1].startswith("0.1,1,0.1,succeeded,")

    as_json = runner.invoke(main, ["batch", "show", batch.id, "--format", "json"])
    assert [row["parameters"] for row in json.loads(as_json.stdout)["rows"]] == [
        {"alpha": 0.1, "depth": 1}, {"alpha": 0.1, "depth": 2}, {"alpha": 0.3, "depth": 1}, {"alpha": 0.3, "depth": 2}]
    listed = runner.invoke(main, ["batch", "list"])
    assert batch.id in listed.stdout


def test_a_wrong_value_is_refused_before_anything_runs(write_notebook):
    notebook = write_notebook([("depth = 1", ["parameters"]), "pass"])
    result = CliRunner().invoke(main, ["batch", str(notebook), "-p", "depth", "1,two"])
    assert result.exit_code == 1
    assert "GridError: grid axis 'depth': parameter 'depth' expects int" in result.output
    assert list_batches()[1] == 0

    local_image = CliRunner().invoke(main, ["batch", str(notebook), "-p", "depth", "1,2", "--image", "some:image"])
    assert local_image.exit_code == 2
    assert "--image: only for container backends (e.g. --backend docker)" in local_image.output
    assert list_batches()[1] == 0


def test_batch_cancel_from_another_shell_stops_a_foreground_batch(write_notebook, mlops_home):
    notebook = write_notebook([("seconds = 0.0", ["parameters"]), "import time\ntime.sleep(seconds)"])
    cli = subprocess.Popen([sys.executable, "-m", "jupyter_mlops.cli", "batch", str(notebook),
                            "-p", "seconds", "0,60,60", "--parallel", "1"],
                           env={**os.environ, "JUPYTER_MLOPS_HOME": str(mlops_home)},
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (batches := list_batches()[0]) or batches[0].counts != {"succeeded": 1, "running": 1, "queued": 1}:
            assert time.monotonic() < deadline and cli.poll() is None, "the batch never got going"
            time.sleep(0.2)
        assert batch_store.worker(batches[0].id)[0] == cli.pid  # the foreground CLI recorded itself

        cancelled = CliRunner().invoke(main, ["batch", "cancel", batches[0].id])
        assert cancelled.exit_code == 0 and "asked to stop" in cancelled.stdout, cancelled.output
        _, stderr = cli.communicate(timeout=60)
    finally:
        cli.kill()
    assert cli.returncode == 1 and "cancelled" in stderr
    batch = get_batch(batches[0].id)
    assert batch.status == BatchStatus.cancelled and batch.counts == {"succeeded": 1, "cancelled": 2}

    again = CliRunner().invoke(main, ["batch", "cancel", batch.id])
    assert again.exit_code != 0 and "has already finished (cancelled)" in again.output


def test_a_batch_prints_its_progress_and_results_only(write_notebook):
    # The kernels' fork server imports the debugger (debugpy), which warns on the terminal about
    # frozen modules unless its interpreter runs without them.
    notebook = write_notebook([("depth = 1", ["parameters"]), "print(depth)"])
    result = subprocess.run([sys.executable, "-m", "jupyter_mlops.cli", "batch", str(notebook), "-p", "depth", "1,2"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    progress = re.compile(r"\s*\d+%\|[^|]*\| \d+/\d+ \[[^]]*\]")
    noise = [line for line in result.stderr.splitlines()
             if line.strip() and not progress.fullmatch(line) and not line.startswith("batch ")]
    assert not noise, result.stderr
    assert [line.split()[:2] for line in result.stdout.splitlines()[1:]] == [["1", "succeeded"], ["2", "succeeded"]]
