"""Pure logic of the docker backend: limits and image chosen, memory sizes, owners, log lines."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from jupyter_mlops.errors import BackendError
from jupyter_mlops.run.backends.base import Execution
from jupyter_mlops.run.backends.docker import _Lines, _Output
from jupyter_mlops.run.backends.docker.engine import BASE_IMAGE, _owner_alive, owner_token
from jupyter_mlops.run.backends.docker.options import FALLBACK_USER, memory_bytes, resolve
from jupyter_mlops.secrets.masking import Masker


def _execution(tmp_path: Path, **options) -> Execution:
    tmp_path.chmod(0o755)
    return Execution(run_id="r", input_notebook=tmp_path / "in.ipynb", output_notebook=tmp_path / "out.ipynb",
                     log_path=tmp_path / "run.log", parameters={}, source_dir=tmp_path, **options)


def _step(name: str, **options) -> dict:
    return {"name": name, "retries": 0, "timeout": None, "image": None, "cpus": None, "memory": None,
            "gpus": None, **options}


@pytest.mark.parametrize("text, expected", [("512m", 512 * 1024**2), ("2g", 2 * 1024**3), ("1.5G", 1536 * 1024**2),
                                            ("64kb", 64 * 1024), ("1000", 1000)])
def test_memory_sizes(text, expected):
    assert memory_bytes(text, "--memory") == expected


def test_a_bad_memory_size_names_where_it_came_from(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_MLOPS_DOCKER_MEMORY", "lots")
    with pytest.raises(BackendError, match=r"setting docker_memory \(JUPYTER_MLOPS_DOCKER_MEMORY\): 'lots' is not a memory size"):
        resolve(_execution(tmp_path), [_step("a")])


def test_run_options_win_over_steps_which_win_over_defaults(tmp_path, monkeypatch):
    monkeypatch.delenv("JUPYTER_MLOPS_DOCKER_IMAGE", raising=False)
    monkeypatch.delenv("JUPYTER_MLOPS_DOCKER_MEMORY", raising=False)
    monkeypatch.setenv("JUPYTER_MLOPS_DOCKER_CPUS", "1")
    steps = [_step("a", memory="300m", cpus=0.5), _step("b", memory="1g", image="img:1")]

    from_steps = resolve(_execution(tmp_path), steps)
    assert (from_steps.image, from_steps.memory, from_steps.cpus) == ("img:1", "1g", 0.5)

    from_run = resolve(_execution(tmp_path, image="other:2", memory="2g", cpus=1.5), steps)
    assert (from_run.image, from_run.memory, from_run.cpus) == ("other:2", "2g", 1.5)

    defaults = resolve(_execution(tmp_path), [_step("a")])
    assert (defaults.image, defaults.memory, defaults.cpus, defaults.network) == (BASE_IMAGE, "2g", 1.0, "none")


def test_steps_asking_for_different_images_are_refused(tmp_path):
    with pytest.raises(BackendError, match="different images .*a: x:1, b: y:1.*--image"):
        resolve(_execution(tmp_path), [_step("a", image="x:1"), _step("b", image="y:1")])


def test_gpus_asked_by_a_step_are_requested(tmp_path):
    assert resolve(_execution(tmp_path), [_step("a"), _step("b", gpus=2)]).gpus == 2


def test_the_container_user_is_never_root(tmp_path, monkeypatch):
    monkeypatch.delenv("JUPYTER_MLOPS_DOCKER_USER", raising=False)
    if os.getuid() == 0:
        assert resolve(_execution(tmp_path), []).user == FALLBACK_USER
        os.chown(tmp_path, 4321, 4322)
        assert resolve(_execution(tmp_path), []).user == "4321:4322"
    else:
        assert resolve(_execution(tmp_path), []).user == f"{os.getuid()}:{os.getgid()}"
    monkeypatch.setenv("JUPYTER_MLOPS_DOCKER_USER", "0:0")
    with pytest.raises(BackendError, match="never run as root"):
        resolve(_execution(tmp_path), [])
    monkeypatch.setenv("JUPYTER_MLOPS_DOCKER_USER", "alice")
    with pytest.raises(BackendError, match="numeric uid:gid"):
        resolve(_execution(tmp_path), [])
    monkeypatch.setenv("JUPYTER_MLOPS_DOCKER_USER", "2000")
    assert resolve(_execution(tmp_path), []).user == "2000:2000"


@pytest.mark.skipif(os.getuid() != 0, reason="only a root host falls back to another user")
def test_a_folder_the_fallback_user_cannot_read_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("JUPYTER_MLOPS_DOCKER_USER", raising=False)
    execution = _execution(tmp_path)
    tmp_path.chmod(0o700)
    with pytest.raises(BackendError, match="mode 700.*cannot read it"):
        resolve(execution, [])


def test_owner_tokens_tell_a_dead_client_from_a_live_one():
    assert _owner_alive(owner_token())
    host, pid, started = owner_token().split(":")
    assert not _owner_alive(f"{host}:{pid}:{int(started) + 1}")  # same pid, another process
    assert not _owner_alive(f"{host}:99999999:1")
    assert _owner_alive(f"not-{socket.gethostname()}:1:1")  # another machine's: never reaped from here


def test_lines_are_split_across_chunks():
    lines = _Lines()
    assert lines.feed(b"@mlops-ev") == []
    assert lines.feed(b"ent {}\nsecond") == ["@mlops-event {}"]
    assert lines.feed(None) == []
    assert lines.feed(b" part\n") == ["second part"]


def test_the_containers_output_is_told_apart():
    events, executing = [], []
    output = _Output(lambda *event: events.append(event), on_executing=lambda: executing.append(True), echo=False,
                     masker=Masker([]))
    output.feed(b'@mlops-event {"step": null, "event": "executing", "details": {}}\n@mlops-event {"step": "a", ',
                b"[IPKernelApp] WARNING | a kernel warning\n")
    output.feed(b'"event": "started", "details": {}}\n', b"Traceback: boom\n\n")
    assert executing == [True]
    assert events == [("a", "started", {})]
    assert output.last_step == "a"
    assert output.last_words() == "Traceback: boom"
