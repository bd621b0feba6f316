"""The `jupyter-mlops` command end to end, in a subprocess, as a user types it."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import click
import nbformat
import pytest

PARAMS = ("alpha = 0.5\nn: int = 3\nlabel = 'a'", ["parameters"])


def cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jupyter_mlops.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=180)


@pytest.fixture
def pipeline_notebook(write_notebook):
    return write_notebook([
        PARAMS,
        "%%mlstep prepare\nvalues = [alpha] * n",
        "%%mlstep train --after prepare --retries 1\nprint('label', label, 'sum', sum(values))",
    ])


def test_steps_text_and_json(pipeline_notebook):
    text = cli("steps", str(pipeline_notebook))
    assert text.returncode == 0
    assert "train (cells 2-2) after prepare  [retries=1]" in text.stdout and "alpha: float = 0.5" in text.stdout
    data = json.loads(cli("steps", str(pipeline_notebook), "--json").stdout)
    assert [s["name"] for s in data["steps"]] == ["prepare", "train"]
    assert data["parameters"][1] == {"name": "n", "type": "int", "default": 3, "source": None, "cell_index": 0}


def test_run_prints_progress_id_and_output_then_runs_commands_find_it(pipeline_notebook):
    done = cli("run", str(pipeline_notebook), "-p", "alpha", "2", "-p", "label", "007", "-r", "n", "2")
    # -r passes a raw string, and n is an int parameter: refused before anything runs
    assert "ParameterError: parameter 'n' expects int" in done.stderr and done.returncode != 0
    done = cli("run", str(pipeline_notebook), "-p", "alpha", "2", "-p", "label", "007", "-p", "n", "2")
    assert done.returncode == 0, done.stderr
    assert "▶ prepare" in done.stderr and "✔ train succeeded" in done.stderr
    output_path = done.stdout.strip().splitlines()[-1]
    output = nbformat.read(output_path, as_version=4)
    assert "label 007 sum 4.0" in output.cells[-1].outputs[0].text  # str parameter kept as text
    listing = json.loads(cli("runs", "list", "--json").stdout)
    assert listing["total"] == 1
    run_id = listing["runs"][0]["id"]
    found = json.loads(cli("runs", "list", "--trigger", "manual", "--search", run_id[-6:], "--json").stdout)
    assert [r["id"] for r in found["runs"]] == [run_id]
    assert json.loads(cli("runs", "list", "--trigger", "rerun", "--json").stdout)["total"] == 0
    shown = cli("runs", "show", run_id)
    assert "succeeded" in shown.stdout and "train" in shown.stdout and output_path in shown.stdout
    assert "label 007 sum 4.0" in cli("runs", "log", run_id).stdout
    assert cli("runs", "cancel", run_id).stderr.strip().endswith("nothing to cancel")


def test_failed_run_exits_non_zero(write_notebook):
    path = write_notebook(["%%mlstep boom\nraise KeyError('column price')"])
    done = cli("run", str(path))
    assert done.returncode == 1
    assert "error in step boom: KeyError" in done.stderr


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_text("{not json"), "is not valid JSON"),
    (lambda p: p.write_bytes(b'{"x": "\xff"}'), "is not UTF-8"),
    (lambda p: p.write_text('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code"}]}'),
     "cell 0 (code) has no 'source'"),
    (lambda p: None, "notebook not found"),
])
def test_bad_input_is_one_clear_line_and_no_record(tmp_path, make, message):
    path = tmp_path / "bad.ipynb"
    make(path)
    done = cli("run", str(path))
    assert done.returncode != 0
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert json.loads(cli("runs", "list", "--json").stdout)["total"] == 0


def test_wrong_parameter_type_and_bad_parameter_files(pipeline_notebook, tmp_path):
    done = cli("run", str(pipeline_notebook), "-p", "n", "many")
    assert done.returncode != 0 and "parameter 'n' expects int" in done.stderr and "Traceback" not in done.stderr
    bad_yaml = tmp_path / "params.yaml"
    bad_yaml.write_text("alpha: [unclosed")
    done = cli("run", str(pipeline_notebook), "-f", str(bad_yaml))
    assert done.returncode != 0 and "is not valid YAML" in done.stderr


def test_papermill_parameter_options(pipeline_notebook, tmp_path):
    params_file = tmp_path / "params.yaml"
    params_file.write_text("alpha: 1.5\nn: 2\n")
    encoded = base64.b64encode(b"label: from-base64").decode()
    out = tmp_path / "explicit.ipynb"
    done = cli("run", str(pipeline_notebook), str(out), "-f", str(params_file), "-y", "n: 4", "-b", encoded,
               "-k", "python3", "--cwd", str(tmp_path), "--log-output", "--execution-timeout", "60")
    assert done.returncode == 0, done.stderr
    text = nbformat.read(out, as_version=4).cells[-1].outputs[0].text
    assert "label from-base64 sum 6.0" in text  # -y overrides -f; -b adds label
    assert "label from-base64" in done.stderr  # --log-output streams cell outputs


def test_prepare_only_writes_a_parametrized_notebook_without_running(pipeline_notebook, tmp_path):
    out = tmp_path / "prepared.ipynb"
    done = cli("run", str(pipeline_notebook), "-o", str(out), "-p", "n", "9", "--prepare-only")
    assert done.returncode == 0, done.stderr
    prepared = nbformat.read(out, as_version=4)
    assert any("n = 9" in c.source for c in prepared.cells)
    assert all(not c.get("outputs") for c in prepared.cells if c.cell_type == "code")
    assert json.loads(cli("runs", "list", "--json").stdout)["total"] == 0


def _all_commands(group: click.Group, ctx: click.Context, prefix: list[str]) -> list[list[str]]:
    found = [prefix]
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command.hidden:
            continue
        if isinstance(command, click.Group):
            found += _all_commands(command, ctx, [*prefix, name])
        else:
            found.append([*prefix, name])
    return found


def test_every_command_has_an_example_in_its_help():
    from click.testing import CliRunner

    from jupyter_mlops.cli import main

    commands = _all_commands(main, click.Context(main), [])
    assert ["run"] in commands and ["runs", "show"] in commands
    for command in commands:
        done = CliRunner().invoke(main, [*command, "--help"])
        assert done.exit_code == 0 and "Example:" in done.output, command


def test_jupyter_subcommand_form():
    done = subprocess.run(["jupyter", "mlops", "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "steps" in done.stdout


def test_cli_validates_notebooks_without_importing_unused_format_parsers(pipeline_notebook):
    """jsonschema's `rfc3987_syntax` costs ~2 s per process to import (the others ~50 ms); the CLI
    blocks them and still reads and validates notebooks (see jupyter_mlops/startup.py)."""
    probe = ("import sys, runpy\n"
             f"sys.argv = ['jupyter-mlops', 'steps', {str(pipeline_notebook)!r}]\n"
             "try:\n    runpy.run_module('jupyter_mlops.cli', run_name='__main__')\n"
             "except SystemExit as end:\n    assert end.code in (0, None), end.code\n"
             "import nbformat\n"
             "nbformat.validate(nbformat.read(sys.argv[2], as_version=4))\n"
             "for name in ('rfc3987_syntax', 'rfc3986_validator', 'isoduration'):\n"
             "    print(name + ':', sys.modules[name])\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "train (cells 2-2) after prepare" in done.stdout
    for parser in ("rfc3987_syntax", "rfc3986_validator", "isoduration"):
        assert f"{parser}: None" in done.stdout
