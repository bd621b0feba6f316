"""The store under several writers at once, and its versioned schema."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from jupyter_mlops.errors import RunNotFoundError
from jupyter_mlops.run.model import Run, RunSpec, RunStatus
from jupyter_mlops.store import db
from jupyter_mlops.store import runs as run_store

WRITER = textwrap.dedent("""
    import sys
    from jupyter_mlops.run.model import RunSpec, RunStatus
    from jupyter_mlops.store import runs
    for i in range(int(sys.argv[1])):
        run = runs.create_run(RunSpec(notebook=f"/nb/{sys.argv[2]}.ipynb", parameters={"i": i}))
        def finish(record, i=i):
            record.status = RunStatus.succeeded
            record.metrics = {"i": i}
        runs.update_run(run.id, finish)
""")


def test_several_processes_record_runs_at_once_and_nothing_is_lost():
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, "40", f"writer{n}"]) for n in range(4)]
    assert [w.wait(timeout=120) for w in writers] == [0, 0, 0, 0]
    runs, total = run_store.list_runs(limit=1000)
    assert total == 160
    assert all(r.status == RunStatus.succeeded and r.metrics == {"i": r.parameters["i"]} for r in runs)
    for n in range(4):
        assert run_store.list_runs(notebook=f"/nb/writer{n}.ipynb")[1] == 40


def test_schema_is_versioned_and_new_migrations_apply_to_an_existing_store():
    run = run_store.create_run(RunSpec(notebook="/nb/a.ipynb"))
    with db.reading() as connection:
        assert connection.execute(text("SELECT version FROM schema_versions WHERE component='runs'")).scalar() >= 1

    def add_note_column(connection):
        connection.exec_driver_sql("ALTER TABLE runs ADD COLUMN note TEXT")

    db.register_migrations("test_component", [add_note_column])
    try:
        with db.reading() as connection:
            assert connection.execute(text("SELECT note FROM runs WHERE id=:id"), {"id": run.id}).first() == (None,)
        db.reset_engines()  # reopening does not run it twice
        assert run_store.get_run(run.id).id == run.id
    finally:
        db._MIGRATIONS.pop("test_component")


def test_search_text_is_kept_as_runs_change_and_filled_in_for_runs_recorded_before_it():
    migrations = db._MIGRATIONS["runs"]
    db.reset_engines()
    db.register_migrations("runs", migrations[:-1])  # a store from before the search column
    try:
        with db.transaction() as connection:
            old = Run(id="old-run", notebook="/nb/legacy.ipynb", status="failed", created_at=run_store.now(),
                                run_dir="x", output_notebook="x", log_path="x", error="KeyError: 'price'",
                                spec=RunSpec(notebook="/nb/legacy.ipynb"), parameters={"alpha": 0.5})
            connection.execute(text("INSERT INTO runs (id, notebook, status, trigger, backend, created_at, record)"
                                    " VALUES ('old-run', :notebook, 'failed', 'manual', 'local', :at, :record)"),
                               {"notebook": old.notebook, "at": old.created_at.isoformat(),
                                "record": old.model_dump_json()})
    finally:
        db.register_migrations("runs", migrations)  # the migration fills the column in
    assert [r.id for r in run_store.list_runs(search="'PRICE'")[0]] == ["old-run"]  # the error, any case
    assert [r.id for r in run_store.list_runs(search='"alpha":0.5')[0]] == ["old-run"]
    with db.reading() as connection:
        backfilled = connection.execute(text("SELECT search_text FROM runs WHERE id = 'old-run'")).scalar_one()
    assert backfilled == run_store.search_text(old)  # the SQL and the Python agree

    new = run_store.create_run(RunSpec(notebook="/nb/fresh.ipynb"))
    assert run_store.list_runs(search="went wrong")[1] == 0

    def fail(record):
        record.status, record.error = RunStatus.failed, "step train went wrong"

    run_store.update_run(new.id, fail)
    assert [r.id for r in run_store.list_runs(search="went wrong")[0]] == [new.id]


def test_several_runs_are_read_together_in_the_order_asked_and_a_missing_one_is_named():
    created = [run_store.create_run(RunSpec(notebook=f"/nb/{i}.ipynb")) for i in range(5)]
    asked = [created[3].id, created[0].id, created[4].id, created[1].id, created[2].id]
    assert [run.id for run in run_store.get_runs(asked)] == asked
    assert [run.notebook for run in run_store.get_runs(asked[:2])] == ["/nb/3.ipynb", "/nb/0.ipynb"]
    with pytest.raises(RunNotFoundError, match="no run with id 'nope'"):
        run_store.get_runs([created[0].id, "nope"])


def test_a_batchs_runs_are_recorded_together_or_not_at_all(monkeypatch):
    specs = [RunSpec(notebook="/nb/grid.ipynb", parameters={"alpha": alpha}) for alpha in (0.1, 0.2, 0.3)]
    created = run_store.create_runs(specs, batch_id="batch-1")
    assert [run.parameters for run in run_store.get_runs([run.id for run in created])] == [
        {"alpha": 0.1}, {"alpha": 0.2}, {"alpha": 0.3}]
    assert {run.batch_id for run in created} == {"batch-1"}

    # The third insert of the next batch fails (its id is taken): the first two are not kept either.
    taken = created[0]
    shutil.rmtree(taken.run_dir)
    ids = iter(["20260101-000000-aaaaaa", "20260101-000000-bbbbbb", taken.id])
    monkeypatch.setattr(run_store, "new_run_id", lambda: next(ids))
    with pytest.raises(IntegrityError):
        run_store.create_runs(specs, batch_id="batch-2")
    assert run_store.list_runs(batch_id="batch-2") == ([], 0)
