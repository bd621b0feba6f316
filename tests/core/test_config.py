"""One settings mechanism: defaults, Jupyter config files, a server's config and JUPYTER_MLOPS_ variables."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from traitlets.config import Config

from jupyter_mlops.config import describe, settings, use_server_config
from jupyter_mlops.errors import SettingsError


@pytest.fixture
def config_dir(tmp_path, monkeypatch):
    folder = tmp_path / "jupyter-config"
    folder.mkdir()
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(folder))
    for name in ("JUPYTER_MLOPS_DOCKER_MEMORY", "JUPYTER_MLOPS_DOCKER_PIDS_LIMIT", "JUPYTER_MLOPS_RUN_SCHEDULER"):
        monkeypatch.delenv(name, raising=False)
    return folder


def _sources() -> dict[str, str]:
    return {value.name: value.source for value in describe()}


def test_precedence_default_then_file_then_server_then_environment(config_dir, monkeypatch):
    assert settings().docker_memory == "2g" and _sources()["docker_memory"] == "default"

    (config_dir / "jupyter_mlops_config.json").write_text(json.dumps({"MLOps": {"docker_memory": "3g"}}))
    assert settings().docker_memory == "3g"
    assert _sources()["docker_memory"] == str(config_dir / "jupyter_mlops_config.json")

    (config_dir / "jupyter_mlops_config.py").write_text("c.MLOps.docker_pids_limit = 64\n")
    assert settings().docker_pids_limit == 64

    server = Config()
    server.MLOps.docker_memory = "5g"
    use_server_config(server)
    try:
        assert settings().docker_memory == "5g" and _sources()["docker_memory"] == "Jupyter server configuration"
        monkeypatch.setenv("JUPYTER_MLOPS_DOCKER_MEMORY", "6g")
        assert settings().docker_memory == "6g"
        assert _sources()["docker_memory"] == "environment JUPYTER_MLOPS_DOCKER_MEMORY"
    finally:
        use_server_config(None)


def test_bad_settings_name_what_is_wrong(config_dir, monkeypatch):
    monkeypatch.setenv("JUPYTER_MLOPS_RUN_SCHEDULER", "maybe")
    with pytest.raises(SettingsError, match="JUPYTER_MLOPS_RUN_SCHEDULER='maybe'.*run_scheduler"):
        settings()
    monkeypatch.delenv("JUPYTER_MLOPS_RUN_SCHEDULER")
    path = config_dir / "jupyter_mlops_config.json"
    path.write_text(json.dumps({"MLOps": {"docker_memroy": "3g"}}))
    with pytest.raises(SettingsError, match="unknown setting MLOps.docker_memroy"):
        settings()
    path.write_text("{not json")
    with pytest.raises(SettingsError, match="jupyter_mlops_config.json: cannot read it"):
        settings()


def test_the_config_command_prints_values_and_sources(config_dir, monkeypatch):
    monkeypatch.setenv("JUPYTER_MLOPS_DOCKER_PIDS_LIMIT", "77")
    shown = subprocess.run([sys.executable, "-m", "jupyter_mlops.cli", "config", "--json"],
                           capture_output=True, text=True, check=True)
    by_name = {entry["name"]: entry for entry in json.loads(shown.stdout)}
    assert by_name["docker_pids_limit"]["value"] == 77
    assert by_name["docker_pids_limit"]["source"] == "environment JUPYTER_MLOPS_DOCKER_PIDS_LIMIT"
    assert by_name["home"]["environment"] == "JUPYTER_MLOPS_HOME"
