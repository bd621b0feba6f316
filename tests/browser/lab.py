"""Start a real `jupyter lab` for browser tests, and drive its page (../shared/PLATFORM.md)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LABEXTENSION_SOURCE = REPO / "labextension"
LABEXTENSION_BUILD = REPO / "jupyter_mlops" / "labextension"
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
THEMES = ["JupyterLab Light", "JupyterLab Dark"]
# A small %%mlstep notebook that the `lab_root` fixture writes into the server's root dir.
DEMO_NOTEBOOK = "browser_demo.ipynb"


def _newest_mtime(*paths: Path) -> float:
    newest = 0.0
    for path in paths:
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        newest = max([newest, *(p.stat().st_mtime for p in files)])
    return newest


def ensure_labextension_built() -> Path:
    """The prebuilt extension, rebuilt first if a source is newer than the last build.

    So a browser test always shows the current labextension/ source, also in a work tree
    installed before the last edit (the `pip install` hook only rebuilds on a src/ change).
    """
    sources = [LABEXTENSION_SOURCE / name for name in ("src", "style", "package.json")]
    built = LABEXTENSION_BUILD / "package.json"
    if built.exists() and _newest_mtime(LABEXTENSION_BUILD) >= _newest_mtime(*sources):
        return LABEXTENSION_BUILD
    jlpm = shutil.which("jlpm")
    if jlpm is None:
        raise RuntimeError("jlpm not found: install jupyterlab (pip install -e .) to build labextension/")
    if not (LABEXTENSION_SOURCE / "node_modules").is_dir():
        subprocess.run([jlpm, "install"], cwd=LABEXTENSION_SOURCE, check=True)
    subprocess.run([jlpm, "build:prod"], cwd=LABEXTENSION_SOURCE, check=True)
    return LABEXTENSION_BUILD


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


@dataclass
class LabServer:
    """A running `jupyter lab` process."""

    url: str  # http://127.0.0.1:PORT/ (the base URL, with its trailing slash)
    token: str
    root_dir: Path
    log_file: Path
    process: subprocess.Popen
    mlops_home: Path  # the server's store ($JUPYTER_MLOPS_HOME), for tests that seed records

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# The frontends a test can start: `jupyter <app>` is `python -m <module>`, configured as <config class>.
APPS = {"lab": ("jupyterlab", "LabApp"), "notebook": ("notebook", "JupyterNotebookApp")}


def start_lab(workdir: Path, root_dir: Path, mlops_home: Path, labextension: Path,
              timeout: float = 120.0, app: str = "lab") -> LabServer:
    """Start `jupyter lab` (or another frontend of APPS, e.g. `notebook` for Notebook 7) on
    loopback with a real token, and wait until it answers.

    Configuration, settings and workspaces live under `workdir`, so nothing of the
    developer's own JupyterLab leaks in; `labextension` is served ahead of any installed copy.
    """
    module, app_class = APPS[app]
    config_dir = workdir / "config"
    settings_dir = workdir / "settings"
    # The news and update checks would reach outside loopback and pop a toast over the panel.
    _write_json(settings_dir / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings",
                {"fetchNews": "false", "checkForUpdates": False})
    # First on JUPYTER_PATH, so this build wins over a copy `pip install` left in the environment
    # (Notebook 7 prefers that copy to one on its extra_labextensions_path).
    data_dir = workdir / "data"
    (data_dir / "labextensions").mkdir(parents=True, exist_ok=True)
    (data_dir / "labextensions" / "jupyter-mlops").symlink_to(labextension, target_is_directory=True)

    port = free_port()
    token = secrets.token_hex(24)
    env = {
        # Email channels are refused while no SMTP server is configured; no browser test sends a message, so a
        # loopback host is enough to make one (the environment may name another).
        "JUPYTER_MLOPS_SMTP_HOST": "127.0.0.1",
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(config_dir),
        "JUPYTERLAB_SETTINGS_DIR": str(settings_dir),
        "JUPYTERLAB_WORKSPACES_DIR": str(workdir / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(workdir / "runtime"),
        "JUPYTER_PATH": os.pathsep.join(filter(None, [str(data_dir), os.environ.get("JUPYTER_PATH")])),
        "JUPYTER_MLOPS_HOME": str(mlops_home),
    }
    log_file = workdir / f"jupyter-{app}.log"
    command = [
        sys.executable, "-m", module,
        "--no-browser", "--allow-root",
        "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root_dir}",
        # Tests run commands through window.jupyterapp (e.g. to switch themes).
        f"--{app_class}.expose_app_in_browser=True",
    ]
    with log_file.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    server = LabServer(f"http://127.0.0.1:{port}/", token, root_dir, log_file, process, mlops_home)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter {app} exited with {process.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"{server.url}api/status?token={token}", timeout=2):
                return server
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.25)
    server.stop()
    raise RuntimeError(f"jupyter {app} did not answer within {timeout:.0f} s:\n{server.log_tail()}")


def set_theme(page, theme: str) -> None:
    """Switch JupyterLab's theme through its own command and wait until it is applied."""
    page.evaluate("theme => window.jupyterapp.commands.execute('apputils:change-theme', {theme})",
                  theme)
    page.wait_for_selector(f'body[data-jp-theme-name="{theme}"]', state="attached")
    # JupyterLab covers the page with its splash screen while the new theme's CSS loads.
    page.wait_for_selector("#jupyterlab-splash", state="detached")


def screenshot(page, name: str, theme: str) -> Path:
    """Save a PNG of the page under test-artifacts/screenshots/, named after the view and theme."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{theme.lower().replace(' ', '-')}.png"
    page.screenshot(path=str(path))
    return path
