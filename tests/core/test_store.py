"""The store under several writers at once, and its versioned schema."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from sqlalchemy import text

from jupyter_mlops.run.model import RunSpec, RunStatus
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
