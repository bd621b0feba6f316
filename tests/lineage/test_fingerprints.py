"""Fingerprints, code hashes, git state and environments: no kernels."""

from __future__ import annotations

import os
import subprocess
import time

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from jupyter_mlops.lineage import environment, fingerprints, source
from jupyter_mlops.lineage.source import git_state, notebook_hash
from jupyter_mlops.store import db


def test_fingerprint_changes_with_the_data_and_not_otherwise(tmp_path, monkeypatch):
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2\n")
    hashed = []
    real = fingerprints._sha256
    monkeypatch.setattr(fingerprints, "_sha256", lambda path: hashed.append(path) or real(path))

    first = fingerprints.fingerprint(data)
    again = fingerprints.fingerprint(data)
    assert first == again and first.sha256 and first.size == 8
    assert len(hashed) == 1  # cached by (path, size, mtime): the second look did not read the file

    os.utime(data, ns=(data.stat().st_atime_ns, data.stat().st_mtime_ns + 5_000_000_000))
    touched = fingerprints.fingerprint(data)
    assert touched.mtime != first.mtime and touched.same_content(first)  # same bytes: same data
    assert len(hashed) == 2  # a new mtime is re-hashed, never trusted

    data.write_text("a,b\n1,3\n")  # same size, new content
    changed = fingerprints.fingerprint(data)
    assert changed.size == first.size and not changed.same_content(first)

    missing = fingerprints.fingerprint(tmp_path / "nope.csv")
    assert missing.sha256 is None and not missing.same_content(first)


def test_folder_fingerprint_follows_its_files(tmp_path):
    folder = tmp_path / "shards"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("a")
    (folder / "sub" / "b.txt").write_text("b")
    before = fingerprints.fingerprint(folder)
    assert before.size == 2 and fingerprints.fingerprint(folder).same_content(before)
    (folder / "sub" / "b.txt").write_text("B")
    assert not fingerprints.fingerprint(folder).same_content(before)


def test_notebook_hash_reads_code_only():
    cells = [new_markdown_cell("# title"), new_code_cell("x = 1", execution_count=3)]
    nb = new_notebook(cells=cells)
    same = new_notebook(cells=[new_markdown_cell("# other title"), new_code_cell("x = 1")])
    edited = new_notebook(cells=[new_code_cell("x = 2")])
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="out")]
    assert notebook_hash(nb) == notebook_hash(same) != notebook_hash(edited)


def test_git_commit_and_dirty_flag(tmp_path):
    assert git_state(tmp_path) is None  # not a repository
    git = ["git", "-C", str(tmp_path), "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    (tmp_path / "nb.ipynb").write_text("{}")
    subprocess.run([*git, "add", "nb.ipynb"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "first"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    clean = git_state(tmp_path)
    assert clean.commit == head and not clean.dirty
    (tmp_path / "untracked.csv").write_text("data")
    assert not git_state(tmp_path).dirty  # outputs a run writes next to the notebook are not code changes
    (tmp_path / "nb.ipynb").write_text('{"changed": 1}')
    assert git_state(tmp_path).dirty


def test_git_state_is_asked_again_only_when_something_git_sees_changed(tmp_path, monkeypatch):
    def edit(text):
        # Dated a little earlier: git does not trust (and rewrites its index for) a file changed
        # in the same second as its index, so the cache would only settle a second later.
        (tmp_path / "nb.ipynb").write_text(text)
        earlier = time.time() - 10
        os.utime(tmp_path / "nb.ipynb", (earlier, earlier))

    git = ["git", "-C", str(tmp_path), "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    edit("{}")
    subprocess.run([*git, "add", "nb.ipynb"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "first"], check=True)
    asked = []
    real = source._ask_git
    monkeypatch.setattr(source, "_ask_git", lambda folder: asked.append(folder) or real(folder))

    def state():
        """The state, then asked again: by then from the cache (git may rewrite its index while
        answering, so the first answer after a change is not always kept)."""
        answer = git_state(tmp_path)
        count = len(asked)
        assert git_state(tmp_path) == answer and len(asked) <= count + 1
        count = len(asked)
        assert git_state(tmp_path) == answer and len(asked) == count  # nothing changed: git is not run
        return answer

    first = state()
    asked.clear()
    (tmp_path / "out.csv").write_text("untracked output")
    assert git_state(tmp_path) == first and not asked
    edit("{ }")
    assert state().dirty
    subprocess.run([*git, "commit", "-q", "-am", "second"], check=True)  # the branch moves
    committed = state()
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert committed.commit == head != first.commit and not committed.dirty
    edit("{ }")  # the same bytes again: a new mtime, still clean
    asked.clear()
    assert not state().dirty and asked
    subprocess.run([*git, "checkout", "-q", "-b", "topic"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "on topic"], check=True)  # HEAD names another branch
    assert state().commit != committed.commit


def test_a_distribution_installed_while_the_process_runs_is_a_new_environment(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    before = environment.local_environment()
    assert environment.local_environment() == before
    (tmp_path / "newpkg-1.0.dist-info").mkdir()
    assert environment.local_environment().id != before.id


def test_local_environment_is_captured_once_and_shared(monkeypatch):
    captured = []
    real = environment._packages
    monkeypatch.setattr(environment, "_packages", lambda: captured.append(1) or real())
    first, second = environment.local_environment(), environment.local_environment()
    assert first == second and len(captured) == 1
    with db.reading() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM environments").scalar_one() == 1
    from jupyter_mlops.lineage.store import environment_packages
    assert "pandas" in environment_packages(first.id)

    monkeypatch.setattr(environment, "_distribution_entries", lambda: ["newpkg-1.0.dist-info"])
    assert environment.local_environment().id != first.id  # a package installed: a new environment


def test_packages_are_read_as_the_email_parser_reads_every_metadata_file(tmp_path, monkeypatch):
    import importlib.metadata

    # Name and Version after other headers, a folded header, CRLF line ends, no Version header.
    (tmp_path / "late_fields-2.0.dist-info").mkdir()
    (tmp_path / "late_fields-2.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nSummary: a summary\n  folded onto two lines\nName: Late-Fields\nVersion: 2.0\n\n"
        "Name: not-this\nVersion: 9\n")
    (tmp_path / "crlf-1.0.dist-info").mkdir()
    (tmp_path / "crlf-1.0.dist-info" / "METADATA").write_bytes(b"Metadata-Version: 2.1\r\nName: crlf\r\nVersion: 1.0\r\n")
    (tmp_path / "unversioned-0.dist-info").mkdir()
    (tmp_path / "unversioned-0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: unversioned\n\nBody\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    by_email_parser = {}
    for dist in importlib.metadata.distributions():
        metadata = dist.metadata
        if metadata is not None and metadata.get("Name"):
            by_email_parser.setdefault(metadata["Name"].lower(), metadata.get("Version"))
    packages = environment._packages()
    assert packages == dict(sorted(by_email_parser.items()))
    assert packages["late-fields"] == "2.0" and packages["crlf"] == "1.0" and packages["unversioned"] is None
    assert "pandas" in packages  # and the real environment's, all of them
