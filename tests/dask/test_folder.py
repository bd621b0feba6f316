"""What of the notebook's folder travels to a Dask worker: what .gitignore keeps, within the size limit."""

from __future__ import annotations

import pytest

from jupyter_mlops.errors import DaskFolderTooLargeError
from jupyter_mlops.run.backends.dask.folder import pack_folder, shipped_files, unpack_folder


def test_gitignore_files_at_any_depth_are_honoured(tmp_path):
    root = tmp_path / "project"
    (root / "data" / "raw").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref")
    (root / ".ipynb_checkpoints").mkdir()
    (root / ".ipynb_checkpoints" / "nb-checkpoint.ipynb").write_text("{}")
    (root / ".gitignore").write_text("*.bin\n/build/\n!keep.bin\n")
    (root / "nb.ipynb").write_text("{}")
    (root / "model.bin").write_bytes(b"0")
    (root / "keep.bin").write_bytes(b"1")
    (root / "build").mkdir()
    (root / "build" / "out.txt").write_text("x")
    (root / "data" / ".gitignore").write_text("raw/\n")
    (root / "data" / "raw" / "huge.csv").write_text("1,2")
    (root / "data" / "small.csv").write_text("3,4")

    kept = [path.relative_to(root).as_posix() for path in shipped_files(root)]
    assert kept == [".gitignore", "keep.bin", "nb.ipynb", "data/.gitignore", "data/small.csv"]

    unpack_folder(pack_folder(root, limit=10_000), tmp_path / "copy")
    assert (tmp_path / "copy" / "data" / "small.csv").read_text() == "3,4"
    assert not (tmp_path / "copy" / "model.bin").exists()


def test_a_folder_over_the_limit_names_its_biggest_files(tmp_path):
    (tmp_path / "nb.ipynb").write_text("{}")
    (tmp_path / "weights.pt").write_bytes(b"0" * 3_000_000)
    with pytest.raises(DaskFolderTooLargeError, match=r"3.0 MB .* limit of 1.0 MB .*biggest: weights.pt \(3.0 MB\)"):
        pack_folder(tmp_path, limit=1_000_000)
