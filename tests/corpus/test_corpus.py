"""Every notebook of the corpus (tests/corpus/cases.py) through `steps`, `run`, `POST pipeline` and
`POST runs`: a correct run or a one-line error, zero tracebacks, zero HTTP 500, zero half-written run
records, the CLI and the API agree, and where papermill succeeds, we succeed.

One real Jupyter server answers every API case. Kernels start only for notebooks that parse: for
each, the CLI (in this process) and the API's worker, one of each at a time; papermill itself only
where we did not succeed (where it succeeds, so must we). What a user's terminal shows from a
subprocess, kernel included, is tests/core/test_papermill_notebooks.py's concern.
"""

from __future__ import annotations

import json
import re
import signal
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
from jupyter_mlops.store import db
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
    server_home = tmp_path_factory.mktemp("corpus-server-home")
    cli_home = tmp_path_factory.mktemp("corpus-cli-home")
    with pytest.MonkeyPatch.context() as patch:  # the CLI runs in this process, on a store of its own
        patch.setenv("JUPYTER_MLOPS_HOME", str(cli_home))
        db.reset_engines()
        try:
            outcomes = _run_corpus(root, work, server_home)
        finally:
            db.reset_engines()
    return outcomes, server_home, cli_home


def _run_corpus(root: Path, work: Path, server_home: Path) -> dict[str, Outcome]:
    for case in CASES:
        (root / f"{case.name}.ipynb").write_bytes(case.content)
    outcomes = {case.name: Outcome() for case in CASES}
    with live_server(root, server_home, work, "--MLOps.run_scheduler=False") as server:
        for case in CASES:
            outcome = outcomes[case.name]
            outcome.steps = _cli_in_process("steps", str(root / f"{case.name}.ipynb"))
            outcome.pipeline = _request(server, "POST", "pipeline", b'{"content": ' + case.content + b"}")

        def through_the_api() -> None:
            # One run at a time, each to its end: a kernel per accepted case, never dozens at once.
            for case in CASES:
                outcome = outcomes[case.name]
                outcome.post_run = _request(server, "POST", "runs", json.dumps({"path": f"{case.name}.ipynb"}).encode())
                status, record = outcome.post_run
                deadline = time.monotonic() + 120
                while status == 201 and record["status"] not in FINISHED and time.monotonic() < deadline:
                    time.sleep(0.2)
                    _, record = _request(server, "GET", f"runs/{record['id']}")
                outcome.api_run = record if status == 201 else {}

        with ThreadPoolExecutor(1) as pool:  # beside the CLI's runs: two kernels at most, two cores
            api = pool.submit(through_the_api)
            handler = signal.getsignal(signal.SIGTERM)
            try:
                for case in CASES:  # in this (main) thread: `run` sets a SIGTERM handler
                    outcomes[case.name].run = _cli_in_process("run", str(root / f"{case.name}.ipynb"))
            finally:
                signal.signal(signal.SIGTERM, handler)
            api.result()
    for case in CASES:
        outcome = outcomes[case.name]
        if not case.ours and not (outcome.run[0] == 0 and outcome.api_run.get("status") == "succeeded"):
            outcome.papermill = _papermill(root / f"{case.name}.ipynb")
    return outcomes


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
        assert not re.search(r"\.py:\d+: ", line), f"{what}: a warning or a stack line: {line}"


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
