"""Local runs end to end, with real kernels: results, selection, timeouts, retries, failures."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time

import nbformat
import psutil
import pytest

from jupyter_mlops.errors import NotebookError, ParameterError, UnknownStepError
from jupyter_mlops.run.model import RunSpec, RunStatus, StepStatus
from jupyter_mlops.service import runs as service

PARAMS = ("alpha = 0.5\nn: int = 3\nlabel = 'a'", ["parameters"])


def run(path, **spec) -> "service.Run":
    return service.run_notebook(RunSpec(notebook=str(path), **spec))


def statuses(record) -> dict[str, str]:
    return {step.name: step.status.value for step in record.steps}


def test_parameters_steps_metrics_and_output(write_notebook, tmp_path):
    path = write_notebook([
        "import jupyter_mlops", PARAMS,
        "%%mlstep prepare\ndata = list(range(n))\nprint('prepared', len(data))",
        ("md", "## train"),
        "%%mlstep train\nscore = alpha * sum(data)\njupyter_mlops.record('score', score)",
        "%%mlstep report\nprint(label, score)",
    ])
    record = run(path, parameters={"alpha": 2, "n": 4, "label": "run-1"})
    assert record.status == RunStatus.succeeded, record.error
    assert statuses(record) == {"prepare": "succeeded", "train": "succeeded", "report": "succeeded"}
    assert all(step.duration is not None and step.duration >= 0 for step in record.steps)
    assert record.metrics == {"score": 12.0}  # alpha=2.0 * (0+1+2+3)
    assert record.parameters == {"alpha": 2.0, "n": 4, "label": "run-1"}
    output = nbformat.read(record.output_notebook, as_version=4)
    injected = [c for c in output.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "alpha = 2.0" in injected[0].source
    assert output.cells[-1].source.startswith("%%mlstep report")  # the source is kept as written
    assert "run-1 12.0" in output.cells[-1].outputs[0].text
    log = open(record.log_path).read()
    assert "prepared 4" in log and "step train finished" in log
    assert record.started_at <= record.ended_at


def test_step_selection_runs_the_prelude_and_upstream_only(write_notebook, tmp_path):
    path = write_notebook([
        "import pathlib\nseen = pathlib.Path('seen.txt')\nseen.write_text('')",
        "%%mlstep load\nseen.write_text(seen.read_text() + 'load ')",
        "%%mlstep branch_a --after load\nseen.write_text(seen.read_text() + 'a ')",
        "%%mlstep branch_b --after load\nseen.write_text(seen.read_text() + 'b ')",
        "%%mlstep join --after branch_a,branch_b\nseen.write_text(seen.read_text() + 'join ')",
    ])
    record = run(path, steps=["branch_b"])
    assert record.status == RunStatus.succeeded
    assert (tmp_path / "seen.txt").read_text() == "load b "
    assert [s.name for s in record.steps] == ["load", "branch_b"]
    with pytest.raises(UnknownStepError, match="'nope'"):
        run(path, steps=["nope"])


def test_failing_step_is_recorded_with_its_error_and_later_steps_skipped(write_notebook):
    path = write_notebook([
        "%%mlstep ok\nx = 1", "%%mlstep boom\nraise ValueError('bad data in column price')", "%%mlstep after\ny = 2"])
    record = run(path)
    assert record.status == RunStatus.failed
    assert record.failed_step == "boom"
    assert "ValueError: bad data in column price" in record.error
    assert statuses(record) == {"ok": "succeeded", "boom": "failed", "after": "skipped"}
    output = nbformat.read(record.output_notebook, as_version=4)
    # papermill's error banner and the anchor on the failing cell
    assert any("An Exception was encountered" in c.source for c in output.cells if c.cell_type == "markdown")
    assert any('id="papermill-error-cell"' in c.source for c in output.cells if c.cell_type == "markdown")


def test_retries_re_execute_the_step_in_the_same_kernel(write_notebook):
    path = write_notebook([
        "attempts = 0",
        "%%mlstep flaky --retries 2\nattempts += 1\nif attempts < 3:\n    raise RuntimeError(f'try {attempts}')",
        "%%mlstep after\nprint('attempts', attempts)",
    ])
    record = run(path)
    assert record.status == RunStatus.succeeded, record.error
    flaky = record.steps[0]
    assert flaky.attempts == 3 and flaky.status == StepStatus.succeeded
    output = nbformat.read(record.output_notebook, as_version=4)
    assert output.cells[-1].outputs[0].text.strip() == "attempts 3"  # same kernel: state kept
    record = run(write_notebook(["%%mlstep never --retries 1\nraise RuntimeError('always')"], name="never.ipynb"))
    assert record.status == RunStatus.failed and record.steps[0].attempts == 2


def test_step_timeout_interrupts_and_records_timed_out(write_notebook):
    path = write_notebook(["%%mlstep fast\nx = 1", "%%mlstep slow --timeout 1\nimport time\ntime.sleep(30)",
                           "%%mlstep never\ny = 1"])
    started = time.monotonic()
    record = run(path)
    assert time.monotonic() - started < 20
    assert record.status == RunStatus.timed_out
    assert record.failed_step == "slow" and "timeout" in record.error
    assert statuses(record) == {"fast": "succeeded", "slow": "timed_out", "never": "skipped"}


def test_run_timeout_and_execution_timeout(write_notebook):
    path = write_notebook(["%%mlstep a\nimport time\ntime.sleep(0.2)", "%%mlstep b\ntime.sleep(30)"])
    record = run(path, timeout=3)
    assert record.status == RunStatus.timed_out and "the run exceeded its timeout of 3.0 s" in record.error
    record = run(path, execution_timeout=2)
    assert record.status == RunStatus.timed_out and record.failed_step == "b"


def test_bad_parameters_are_refused_before_any_record(write_notebook):
    path = write_notebook([PARAMS, "%%mlstep a\nx = 1"])
    with pytest.raises(ParameterError, match="'beta'"):
        run(path, parameters={"beta": 1})
    with pytest.raises(ParameterError, match="'n' expects int"):
        run(path, parameters={"n": "three"})
    with pytest.raises(ParameterError, match="'alpha' expects float"):
        run(path, parameters={"alpha": True})
    with pytest.raises(NotebookError, match="not found"):
        run(path.parent / "missing.ipynb")
    assert service.list_runs()[1] == 0


def test_papermill_semantics_raises_exception_tag_and_sys_exit(write_notebook):
    tolerated = write_notebook([("1 / 0", ["raises-exception"]), "%%mlstep after\nok = True"], name="tolerated.ipynb")
    record = run(tolerated)
    assert record.status == RunStatus.succeeded and record.steps[0].status == StepStatus.succeeded
    exits = write_notebook(["%%mlstep stop\nimport sys\nsys.exit(0)", "%%mlstep never\nraise RuntimeError"],
                           name="exits.ipynb")
    record = run(exits)
    assert record.status == RunStatus.succeeded
    assert statuses(record) == {"stop": "succeeded", "never": "skipped"}
    fails = write_notebook(["import sys\nsys.exit(3)"], name="fails.ipynb")
    assert run(fails).status == RunStatus.failed


def test_notebook_without_steps_runs_whole_as_one_step(write_notebook):
    path = write_notebook([PARAMS, "x = n * 2", "print(x)"])
    record = run(path, parameters={"n": 5})
    assert record.status == RunStatus.succeeded
    assert [(s.name, s.status.value) for s in record.steps] == [("notebook", "succeeded")]
    output = nbformat.read(record.output_notebook, as_version=4)
    assert output.cells[-1].outputs[0].text.strip() == "10"


def test_kernel_that_dies_is_recorded_as_failed_with_the_reason(write_notebook):
    path = write_notebook(["%%mlstep die\nimport os, signal\nos.kill(os.getpid(), signal.SIGKILL)", "%%mlstep after\nx = 1"])
    record = run(path)
    assert record.status == RunStatus.failed
    assert record.failed_step == "die" and "kernel died" in record.error


def test_explicit_output_path_gets_a_copy(write_notebook, tmp_path):
    path = write_notebook(["%%mlstep a\nprint('hello')"])
    target = tmp_path / "out" / "result.ipynb"
    target.parent.mkdir()
    record = run(path, output_path=str(target))
    assert record.status == RunStatus.succeeded
    assert nbformat.read(target, as_version=4).cells[0].outputs[0].text.strip() == "hello"


def _kernels_of(pid: int) -> list[psutil.Process]:
    return [p for p in psutil.process_iter(["cmdline"])
            if "ipykernel_launcher" in " ".join(p.info["cmdline"] or []) and p.ppid() == pid]


def test_detached_run_can_be_cancelled_and_leaves_no_kernel(write_notebook):
    path = write_notebook(["%%mlstep wait\nimport time\ntime.sleep(60)", "%%mlstep after\nx = 1"])
    record = service.start_run(RunSpec(notebook=str(path)))
    deadline = time.monotonic() + 30
    while service.get_run(record.id).steps == [] or service.get_run(record.id).steps[0].status != StepStatus.running:
        assert time.monotonic() < deadline, "the run never started"
        time.sleep(0.2)
    worker = psutil.Process(service.run_store.worker_pid(record.id))
    assert _kernels_of(worker.pid)
    service.cancel_run(record.id)
    worker.wait(timeout=30)
    final = service.get_run(record.id)
    assert final.status == RunStatus.cancelled
    assert not [p for p in psutil.process_iter(["cmdline"]) if record.id in " ".join(p.info["cmdline"] or [])]


def test_a_detached_runs_step_shows_finished_while_the_next_one_runs(write_notebook):
    # Unwatched in its worker, a run writes a step's end with the next step's start: never later.
    path = write_notebook(["%%mlstep first\nx = 1", "%%mlstep second\nimport time\ntime.sleep(60)"])
    record = service.start_run(RunSpec(notebook=str(path)))
    deadline = time.monotonic() + 60
    while statuses(current := service.get_run(record.id)).get("second") != "running":
        assert time.monotonic() < deadline and not current.status.finished, "the second step never started"
        time.sleep(0.1)
    assert statuses(current) == {"first": "succeeded", "second": "running"}
    assert current.steps[0].attempts == 1
    worker = psutil.Process(service.run_store.worker_pid(record.id))
    service.cancel_run(record.id)
    worker.wait(timeout=30)
    assert statuses(service.get_run(record.id)) == {"first": "succeeded", "second": "skipped"}


def test_a_cancel_while_the_kernel_starts_leaves_no_kernel(write_notebook, tmp_path, monkeypatch):
    # A "kernel" that never answers: the run's worker waits for it to be ready when the cancel comes.
    spec = tmp_path / "jupyter" / "kernels" / "silent"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-c", "import time; time.sleep(300)", "{connection_file}", str(spec)],
        "display_name": "never ready", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))  # the worker inherits it
    record = service.start_run(RunSpec(notebook=str(write_notebook(["%%mlstep a\nx = 1"])), kernel_name="silent"))
    deadline = time.monotonic() + 60
    while not (kernels := [p for p in psutil.process_iter(["cmdline"])
                           if str(spec) in (p.info["cmdline"] or [])]):
        assert time.monotonic() < deadline and not service.get_run(record.id).status.finished, "no kernel started"
        time.sleep(0.1)
    worker = psutil.Process(service.run_store.worker_pid(record.id))
    service.cancel_run(record.id)
    worker.wait(timeout=30)
    assert service.get_run(record.id).status == RunStatus.cancelled, service.get_run(record.id).error
    gone, alive = psutil.wait_procs(kernels, timeout=10)
    assert alive == [], "the kernel that was starting outlived its cancelled run"


class _MemoryHandler:
    """A papermill I/O handler for a test scheme, standing in for s3:// or gs://."""

    written: dict[str, str] = {}

    @classmethod
    def read(cls, path):
        return cls.written[path]

    @classmethod
    def write(cls, buf, path):
        cls.written[path] = buf

    @classmethod
    def listdir(cls, path):
        return list(cls.written)

    @classmethod
    def pretty_path(cls, path):
        return path


def test_output_path_goes_through_papermills_io_handlers(write_notebook):
    from papermill.iorw import papermill_io

    registered = list(papermill_io._handlers)
    papermill_io.register("memtest://", _MemoryHandler)
    try:
        record = run(write_notebook(["%%mlstep a\nprint('to the bucket')"]), output_path="memtest://bucket/out.ipynb")
    finally:
        papermill_io._handlers = registered  # papermill has no unregister
    assert record.status == RunStatus.succeeded
    assert "to the bucket" in _MemoryHandler.written["memtest://bucket/out.ipynb"]


def test_a_cancel_that_comes_as_soon_as_the_run_is_recorded_running_ends_it_cancelled(write_notebook):
    # cancel_run's SIGTERM becomes KeyboardInterrupt in the worker; here it lands at the first thing the
    # worker does once the record says running (telling its progress), before any kernel is taken.
    from jupyter_mlops.run.executor import execute_run
    from jupyter_mlops.store import runs as run_store

    queued = service.queue_run(RunSpec(notebook=str(write_notebook(["%%mlstep a\nx = 1"]))))

    def interrupted(record) -> None:
        assert record.status == RunStatus.running
        raise KeyboardInterrupt

    ended = execute_run(queued.id, on_progress=interrupted)
    assert (ended.status, ended.error) == (RunStatus.cancelled, "cancelled by the user")
    assert service.get_run(queued.id).status == RunStatus.cancelled
    assert run_store.worker_pid(queued.id) is None  # no process is recorded as executing it any more


def test_a_cancel_that_a_library_turns_into_another_error_still_ends_the_run_cancelled(write_notebook, monkeypatch):
    # As a kernel's start or a client's clean-up may: the interrupt comes out as an error of its own.
    from jupyter_mlops.run import cancel
    from jupyter_mlops.run.backends.base import BackendOutcome
    from jupyter_mlops.run.backends.local import LocalBackend
    from jupyter_mlops.run.executor import execute_run

    def interrupted_then_reworded(self, execution, on_step_event):
        try:
            os.kill(os.getpid(), signal.SIGTERM)  # what cancel_run sends the run's worker
            time.sleep(5)
        except KeyboardInterrupt:
            return BackendOutcome(error="RuntimeError: Kernel died before replying to kernel_info")
        raise AssertionError("SIGTERM did not interrupt the run")

    monkeypatch.setattr(cancel, "_requested", threading.Event())
    monkeypatch.setattr(LocalBackend, "execute", interrupted_then_reworded)
    previous = signal.getsignal(signal.SIGTERM)
    cancel.cancel_on_sigterm()
    try:
        queued = service.queue_run(RunSpec(notebook=str(write_notebook(["%%mlstep a\nx = 1"]))))
        record = execute_run(queued.id)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert (record.status, record.error) == (RunStatus.cancelled, "cancelled by the user")
    assert statuses(record) == {"a": "skipped"}
