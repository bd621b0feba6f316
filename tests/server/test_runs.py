"""Runs through the API, on a real kernel: start, read, list and filter, log, output, cancel."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nbformat
import pytest

from jupyter_mlops.run.model import RunSpec
from jupyter_mlops.service import runs as service

TRAIN_THREE = ["%%mlstep a\nx = 1", "%%mlstep b\ny = x + 1", "%%mlstep c\nz = y + 1"]
SLOW = [("seconds = 30", ["parameters"]), "%%mlstep wait\nimport time\ntime.sleep(seconds)"]


async def test_run_start_to_output(api, notebook, wait_for_run, tmp_path):
    path = notebook(name="work/train.ipynb")
    # Parameters are data, never code: this text is injected as a string, not evaluated.
    marker = tmp_path / "evaluated"
    payload = f"__import__('pathlib').Path({str(marker)!r}).write_text('x')"
    status, run = await api("POST", "runs", {"path": path, "parameters": {"alpha": 2.0, "label": payload}})
    assert status == 201 and run["status"] in ("queued", "running")
    assert run["path"] == path and run["parameters"] == {"alpha": 2.0, "label": payload}

    run = await wait_for_run(run["id"])
    assert run["status"] == "succeeded", run["error"]
    assert not marker.exists()
    assert [(s["name"], s["status"]) for s in run["steps"]] == [("prepare", "succeeded"), ("train", "succeeded")]

    status, output = await api("GET", f"runs/{run['id']}/notebook")
    assert status == 200 and output["nbformat"] == 4
    assert any("score 12.0" in "".join(o.get("text", "")) for c in output["cells"] for o in c.get("outputs", []))

    status, chunk = await api("GET", f"runs/{run['id']}/log")
    assert status == 200 and chunk["next_offset"] == len(chunk["text"].encode())
    status, rest = await api("GET", f"runs/{run['id']}/log", offset=chunk["next_offset"])
    assert rest == {"text": "", "next_offset": chunk["next_offset"]}

    status, finished = await api("POST", f"runs/{run['id']}/cancel")
    assert status == 409 and finished["error"] == "RunStateError"


async def test_cancel_a_running_run(api, notebook, wait_for_run):
    _, run = await api("POST", "runs", {"path": notebook(SLOW, name="slow.ipynb")})
    for _ in range(100):  # let the kernel start, so the cancel reaches a running step
        _, run = await api("GET", f"runs/{run['id']}")
        if run["status"] == "running":
            break
        await asyncio.sleep(0.1)
    status, _ = await api("POST", f"runs/{run['id']}/cancel")
    assert status == 202
    assert (await wait_for_run(run["id"], timeout=30))["status"] == "cancelled"


async def test_selected_steps_run_with_what_they_need_and_nothing_else(api, notebook, wait_for_run):
    _, run = await api("POST", "runs", {"path": notebook(TRAIN_THREE), "steps": ["b"]})
    run = await wait_for_run(run["id"])
    assert run["status"] == "succeeded" and [s["name"] for s in run["steps"]] == ["a", "b"]


async def test_list_paginates_and_filters(api, notebook, jp_root_dir):
    first, second = notebook(name="a.ipynb"), notebook(name="b/b.ipynb")
    # Recorded through the service without executing them: listing needs records, not kernels.
    queued = [service.queue_run(RunSpec(notebook=str(jp_root_dir / path))).id for path in (first, second, first)]

    status, page = await api("GET", "runs", notebook=first, limit=1)
    assert status == 200 and page["total"] == 2 and page["limit"] == 1
    assert [r["id"] for r in page["runs"]] == [queued[2]]  # newest first
    _, page = await api("GET", "runs", notebook=first, limit=1, offset=1)
    assert [r["id"] for r in page["runs"]] == [queued[0]]
    _, page = await api("GET", "runs", notebook="b/b.ipynb")
    assert [(r["id"], r["path"]) for r in page["runs"]] == [(queued[1], "b/b.ipynb")]
    _, page = await api("GET", "runs", status="queued")
    assert page["total"] == 3
    _, page = await api("GET", "runs", status="failed")
    assert page["total"] == 0 and page["runs"] == []


async def test_list_filters_by_trigger_and_search(api, notebook, jp_root_dir):
    path = str(jp_root_dir / notebook(name="search_me.ipynb"))
    manual = service.queue_run(RunSpec(notebook=path, parameters={"alpha": 0.25})).id
    rerun = service.queue_run(RunSpec(notebook=path, trigger="rerun")).id
    _, page = await api("GET", "runs", trigger="rerun")
    assert [r["id"] for r in page["runs"]] == [rerun] and page["total"] == 1
    _, page = await api("GET", "runs", search="SEARCH_ME")  # the notebook's path, any case
    assert page["total"] == 2
    _, page = await api("GET", "runs", search='"alpha":0.25')  # the parameters, as the record holds them
    assert [r["id"] for r in page["runs"]] == [manual]
    _, page = await api("GET", "runs", search=manual[-6:], trigger="manual")  # part of the id, with a filter
    assert [r["id"] for r in page["runs"]] == [manual]
    _, page = await api("GET", "runs", search="100%_")  # LIKE wildcards are plain text
    assert page["total"] == 0
    status, error = await api("GET", "runs", trigger="cron")
    assert status == 400 and "trigger" in error["message"]


async def test_compare_two_runs_cell_by_cell(api, notebook, wait_for_run, jp_root_dir):
    path = notebook()
    _, first = await api("POST", "runs", {"path": path, "parameters": {"alpha": 1}})
    first = await wait_for_run(first["id"])
    changed = nbformat.read(jp_root_dir / path, as_version=4)
    changed.cells[1].source = "%%mlstep prepare\ndata = [3, 2, 1]"  # the same sum: train prints the same
    changed.cells.insert(2, nbformat.v4.new_markdown_cell("a note"))
    nbformat.write(changed, jp_root_dir / path)
    _, second = await api("POST", "runs", {"path": path, "parameters": {"alpha": 1}})
    second = await wait_for_run(second["id"])
    assert (first["status"], second["status"]) == ("succeeded", "succeeded")

    status, comparison = await api("GET", f"runs/{first['id']}/compare/{second['id']}")
    assert status == 200 and comparison["lineage_problem"] is None and comparison["cells_problem"] is None
    kinds = [(c["kind"], c["a_index"], c["b_index"]) for c in comparison["cells"]]
    # prepare changed and the note is new; train printed the same score, so only its timings differ, which
    # are not a change (nor is papermill's injected parameters cell, the same in both).
    modified = next(c for c in comparison["cells"] if c["kind"] == "modified")
    assert "source" in modified["changed"] and "+data = [3, 2, 1]" in modified["source_diff"]
    assert ("added", None, modified["b_index"] + 1) in kinds
    assert [k for k, *_ in kinds].count("modified") == 1 and [k for k, *_ in kinds].count("added") == 1
    assert comparison["lineage"]["code"]  # the lineage diff says the code changed too

    status, error = await api("GET", f"runs/{first['id']}/compare/nope")
    assert status == 404 and "nope" in error["message"]


async def test_rerun_executes_the_runs_own_snapshot_not_the_edited_file(api, notebook, wait_for_run, jp_root_dir):
    path = notebook()
    _, first = await api("POST", "runs", {"path": path, "parameters": {"alpha": 3}})
    first = await wait_for_run(first["id"])
    assert first["status"] == "succeeded", first["error"]
    edited = nbformat.read(jp_root_dir / path, as_version=4)
    edited.cells[-1].source = "%%mlstep train\nraise RuntimeError('edited since the run')"
    nbformat.write(edited, jp_root_dir / path)

    status, rerun = await api("POST", f"runs/{first['id']}/rerun")
    assert status == 201 and rerun["warnings"] == []
    assert rerun["run"]["trigger"] == "rerun" and rerun["run"]["path"] == path
    assert rerun["run"]["parameters"] == {"alpha": 3}
    finished = await wait_for_run(rerun["run"]["id"])
    assert finished["status"] == "succeeded", finished["error"]  # the edit is not what ran
    _, output = await api("GET", f"runs/{finished['id']}/notebook")
    assert not any("edited since the run" in "".join(cell["source"]) for cell in output["cells"])
    assert any("score 18.0" in "".join(o.get("text", "")) for c in output["cells"] for o in c.get("outputs", []))

    status, error = await api("POST", "runs/nope/rerun")
    assert status == 404 and error["error"] == "RunNotFoundError"


async def test_refusals_name_what_is_wrong(api, notebook):
    path = notebook()
    cases = [
        ({"path": path, "parameters": {"alpha": "high"}}, 400, "ParameterError", "alpha"),
        ({"path": path, "parameters": {"gamma": 1}}, 400, "ParameterError", "gamma"),
        ({"path": path, "steps": ["deploy"]}, 400, "UnknownStepError", "deploy"),
        ({"path": path, "backend": "mainframe"}, 400, "BackendError", "mainframe"),
        ({"path": path, "cwd": "/"}, 400, "ValidationError", "cwd"),
        ({"path": path, "steps": "prepare"}, 400, "ValidationError", "steps"),
        ({"parameters": {}}, 400, "ValidationError", "path"),
    ]
    for body, status, kind, named in cases:
        got, error = await api("POST", "runs", body)
        assert (got, error["error"]) == (status, kind), body
        assert named in error["message"], error
    _, page = await api("GET", "runs")
    assert page["total"] == 0  # nothing refused was recorded


async def test_unknown_run_is_404(api):
    for route in ("runs/nope", "runs/nope/log", "runs/nope/notebook"):
        status, error = await api("GET", route)
        assert status == 404 and error["error"] == "RunNotFoundError" and "nope" in error["message"]
    status, _ = await api("POST", "runs/nope/cancel")
    assert status == 404


async def test_bad_query_values_are_400_naming_the_field(api):
    for params, field in (({"limit": "many"}, "limit"), ({"limit": 0}, "limit"), ({"status": "asleep"}, "status"),
                          ({"colour": "red"}, "colour")):
        status, error = await api("GET", "runs", **params)
        assert status == 400 and error["field"] == field, (params, error)


async def test_backends_lists_local_as_available(api):
    status, reply = await api("GET", "backends")
    local = next(b for b in reply["backends"] if b["name"] == "local")
    assert status == 200 and local["available"] is True


async def test_backends_list_the_docker_engines_local_images(api):
    status, reply = await api("GET", "backends")
    docker = next(b for b in reply["backends"] if b["name"] == "docker")
    if not docker["available"]:
        pytest.skip(f"!!! DOCKER ENGINE NOT AVAILABLE ({docker['detail']}): image listing not checked; "
                    "run scripts/setup-docker.sh")
    assert "jupyter-mlops-base:bookworm" in docker["images"]
    assert next(b for b in reply["backends"] if b["name"] == "local")["images"] == []


async def test_a_log_offset_past_the_end_reads_nothing(api, notebook, jp_root_dir):
    # Recorded without executing it; the offset is the largest a client may send (2**53 - 1):
    # past what a file seek takes, it answered 500 before.
    run = service.queue_run(RunSpec(notebook=str(jp_root_dir / notebook())))
    Path(run.log_path).write_text("one line\n")
    for offset in (0, 9, 10, 9007199254740991):
        status, chunk = await api("GET", f"runs/{run.id}/log", offset=offset)
        assert status == 200, chunk
        assert chunk == {"text": "one line\n"[offset:], "next_offset": max(offset, 9)}
