"""Every notebook of the corpus (tests/corpus/cases.py) through `steps`, `run`, `POST pipeline` and
`POST runs`: a correct run or a one-line error, zero tracebacks, zero HTTP 500, zero half-written run
records, the CLI and the API agree, and where papermill succeeds, we succeed.

One real Jupyter server answers every API case. Kernels start only for notebooks that parse: for
each, the CLI in a subprocess (what a user's terminal shows) and the API's worker; papermill itself
only where we did not succeed (where it succeeds, so must we).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import papermill
import pytest
from click.testing import CliRunner

from jupyter_mlops.cli import main
from tests.corpus.cases import CASES, Case
from tests.server.live import live_server

FINISHED = {"succeeded", "failed", "cancelled", "timed_out", "check_failed", "lost"}
#: What our terminal output may hold besides the notebook's own prints: progress lines, the
#: outcome, the output notebook's path, and papermill's own notices for notebooks without a
#: parameters cell.
PAPERMILL_NOTICES = ("Input notebook does not contain a cell with tag 'parameters'",)


@dataclass
class Outcome:
    steps: tuple[int, str] = (0, "")
    pipeline: tuple[int, dict] = (0, {})
    post_run: tuple[int, dict] = (0, {})
    run: tuple[int, str] = (0, "")
    api_run: dict = field(default_factory=dict)
    papermill: str | None = None  # None: papermill succeeded; else its error; "" when not asked


def _request(server, method: str, route: str, body: bytes | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(f"{server.api}/{route}", data=body, method=method,
                                     headers={**server.headers, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        text = error.read()
        try:
            return error.code, json.loads(text)
        except json.JSONDecodeError:
            return error.code, {"unparsed": text.decode(errors="replace")}


def _cli_in_process(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return -1, f"{result.output}\nRAISED {type(result.exception).__name__}: {result.exception}"
    return result.exit_code, result.output


def _cli_subprocess(path: Path, home: Path) -> tuple[int, str]:
    result = subprocess.run([sys.executable, "-m", "jupyter_mlops.cli", "run", str(path)], capture_output=True,
                            text=True, timeout=300, cwd=path.parent, env={**os.environ, "JUPYTER_MLOPS_HOME": str(home)})
    return result.returncode, result.stdout + result.stderr


def _papermill(path: Path) -> str | None:
    try:
        papermill.execute_notebook(str(path), str(path.with_suffix(".papermill.ipynb")), progress_bar=False,
                                   cwd=str(path.parent))
    except BaseException as error:  # whatever papermill raises, it did not succeed
        return f"{type(error).__name__}: {error}"[:300]
    return None


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[dict[str, Outcome], Path, Path]:
    root, work = tmp_path_factory.mktemp("corpus-root"), tmp_path_factory.mktemp("corpus-work")
    server_home, cli_home = tmp_path_factory.mktemp("corpus-server-home"), tmp_path_factory.mktemp("corpus-cli-home")
    for case in CASES:
        (root / f"{case.name}.ipynb").write_bytes(case.content)
    outcomes = {case.name: Outcome() for case in CASES}
    with live_server(root, server_home, work, "--MLOps.run_scheduler=False") as server:
        for case in CASES:
            path, outcome = root / f"{case.name}.ipynb", outcomes[case.name]
            outcome.steps = _cli_in_process("steps", str(path))
            outcome.pipeline = _request(server, "POST", "pipeline", b'{"content": ' + case.content + b"}")
            outcome.post_run = _request(server, "POST", "runs", json.dumps({"path": path.name}).encode())

        def run(case: Case) -> None:
            path, outcome = root / f"{case.name}.ipynb", outcomes[case.name]
            if outcome.steps[0] == 0:  # it parses: a kernel starts
                outcome.run = _cli_subprocess(path, cli_home)
            else:
                outcome.run = _cli_in_process("run", str(path))

        with ThreadPoolExecutor(2) as pool:  # two at a time: the machine has two cores
            list(pool.map(run, CASES))
        deadline = time.monotonic() + 300
        for case in CASES:
            status, run_record = outcomes[case.name].post_run
            while status == 201 and time.monotonic() < deadline:
                _, run_record = _request(server, "GET", f"runs/{run_record['id']}")
                if run_record["status"] in FINISHED:
                    break
                time.sleep(0.5)
            outcomes[case.name].api_run = run_record if status == 201 else {}
    for case in CASES:
        outcome = outcomes[case.name]
        if not case.ours and not (outcome.run[0] == 0 and outcome.api_run.get("status") == "succeeded"):
            outcome.papermill = _papermill(root / f"{case.name}.ipynb")
    return outcomes, server_home, cli_home


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _assert_one_line_error(text: str, what: str) -> None:
    lines = _lines(text)
    assert len(lines) == 1 and lines[0].startswith("Error: "), f"{what}: not a one-line error:\n{text[:2000]}"


def _assert_clean_terminal(text: str, what: str) -> None:
    for line in _lines(text):
        if line.startswith(PAPERMILL_NOTICES) or line.startswith("Passed unknown parameter"):
            continue
        assert "Traceback" not in line and "Warning" not in line and "WARNING" not in line, f"{what}: {line}"


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 60 and len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_case(corpus, case):
    outcomes, _, _ = corpus
    outcome = outcomes[case.name]

    # steps: the pipeline, or one line
    code, text = outcome.steps
    assert code in (0, 1), text
    if code:
        _assert_one_line_error(text, "steps")
    else:
        assert "Traceback" not in text

    # POST pipeline: a report (200, with the cell at fault if any) or a 400 with one line
    status, report = outcome.pipeline
    assert status in (200, 400), report
    messages = [report["message"]] if status == 400 else [p["message"] for p in report.get("errors", [])]
    assert all("\n" not in m and m for m in messages), report

    # POST runs: refused with one line (400/404), or a run that finished, complete
    status, reply = outcome.post_run
    assert status in (201, 400, 404), reply
    if status != 201:
        assert "\n" not in reply["message"], reply
    else:
        run = outcome.api_run
        assert run["status"] in FINISHED, run
        assert run["status"] == "succeeded" or (run["error"] and "\n" not in run["error"].strip()), run

    # run: a run (exit 0 or 1) with a clean terminal, or a one-line refusal
    code, text = outcome.run
    assert code in (0, 1), text
    ran = any(line.startswith("run ") for line in _lines(text))
    if ran:
        _assert_clean_terminal(text, "run")
    else:
        _assert_one_line_error(text, "run")

    # every face agrees: the pipeline parses ⇔ the CLI runs it ⇔ the API runs it
    assert (outcome.steps[0] == 0) == ran == (status == 201), (outcome.steps, text[:500], reply)
    if ran:
        assert (code == 0) == (outcome.api_run["status"] == "succeeded"), (text[-1000:], outcome.api_run)
    else:
        assert outcome.steps[1].strip() in text or text.strip() in outcome.steps[1], (outcome.steps[1], text)

    # where papermill succeeds, we succeed
    if outcome.papermill is None and not case.ours:
        assert code == 0 and outcome.api_run.get("status") == "succeeded", (text[-1000:], outcome.api_run)


def test_no_run_record_is_half_written(corpus):
    outcomes, server_home, cli_home = corpus
    started = {"server": sum(o.post_run[0] == 201 for o in outcomes.values()),
               "cli": sum(any(line.startswith("run ") for line in _lines(o.run[1])) for o in outcomes.values())}
    for face, home in (("server", server_home), ("cli", cli_home)):
        folders = sorted((home / "runs").iterdir()) if (home / "runs").exists() else []
        assert len(folders) == started[face], face  # nothing refused left a folder
        for folder in folders:
            record = json.loads((folder / "record.json").read_text())
            assert record["status"] in FINISHED and record["ended_at"], record
            nbformat.read(folder / "input.ipynb", as_version=4)
            if record["status"] == "succeeded":
                nbformat.read(folder / "output.ipynb", as_version=4)
