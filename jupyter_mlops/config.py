"""Settings: one traitlets `MLOps` configurable read by every face — the server extension, the CLI and the
`scheduler` daemon — so a setting means the same wherever a run starts.

Where a value comes from, lowest precedence first:
1. the trait's default;
2. `jupyter_mlops_config.json` / `.py` in the Jupyter config path (`jupyter --paths`), as `c.MLOps.<name>`;
3. in a Jupyter server, its own configuration (`jupyter_server_config.py`, `--MLOps.<name>=…`);
4. the environment, `JUPYTER_MLOPS_<NAME>` (e.g. `JUPYTER_MLOPS_DOCKER_MEMORY=4g`).

`settings()` is cheap enough to call where a value is used (a stat per config file and a look at the
environment), so a change to a file or a variable is seen by the next run without a restart.
Each issue's settings are traits here, grouped by concern; `jupyter-mlops config` lists them all.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_core.paths import jupyter_config_path
from traitlets import Bool, CaselessStrEnum, Dict, Float, Int, TraitError, Unicode
from traitlets.config import Config, Configurable
from traitlets.config.loader import ConfigFileNotFound, JSONFileConfigLoader, PyFileConfigLoader

from .errors import SettingsError

SECTION = "MLOps"
ENV_PREFIX = "JUPYTER_MLOPS_"
CONFIG_FILE = "jupyter_mlops_config"


class MLOps(Configurable):
    """Every jupyter-mlops setting. Add a setting here, as a trait with `config=True` and a help text."""

    # -- store --------------------------------------------------------------------------------------------
    home = Unicode("", help="Folder of the store (mlops.db, runs/, secrets/); empty: <jupyter data dir>/mlops.",
                   ).tag(config=True)

    # -- secrets ------------------------------------------------------------------------------------------
    secrets_dir = Unicode("", help="Folder of the secrets (0700, a 0600 file each); empty: <home>/secrets.",
                          ).tag(config=True)

    # -- docker backend -----------------------------------------------------------------------------------
    docker_image = Unicode("", help="Image for docker runs that name none; empty: the base image "
                                    "jupyter-mlops-base:bookworm.").tag(config=True)
    docker_memory = Unicode("2g", help="Memory limit of a docker run whose steps ask for none (e.g. 512m, 4g).",
                            ).tag(config=True)
    docker_cpus = Float(2.0, help="CPU limit of a docker run whose steps ask for none (at most the machine's).",
                        ).tag(config=True)
    docker_pids_limit = Int(512, help="Most processes a run's container may hold.").tag(config=True)
    docker_user = Unicode("", help="uid:gid docker runs use; empty: the host user, or for root the notebook "
                                   "folder's owner (never root).").tag(config=True)

    # -- dask backend -------------------------------------------------------------------------------------
    dask_scheduler = Unicode(
        "", help="The Dask cluster of `--backend dask` runs that give no --cluster: a scheduler address "
                 "(tcp://host:8786) or the path of a scheduler file (dask scheduler --scheduler-file).").tag(config=True)
    dask_cluster = Dict(
        {}, help="A cluster to start instead of connecting to a running scheduler, used when neither --cluster nor "
                 "dask_scheduler is given: {\"class\": \"dask_jobqueue.SLURMCluster\", \"args\": {...keyword "
                 "arguments...}, \"workers\": N}. It lives as long as the process that runs the work (a run's "
                 "worker, a batch), which scales it to `workers` (default 1).").tag(config=True)
    dask_max_folder_size = Int(
        100_000_000, help="Most bytes of the notebook's folder (what .gitignore keeps) that travel to a Dask worker "
                          "with each run; larger folders are refused (use --shared-path if the workers see them).",
    ).tag(config=True)
    dask_connect_timeout = Float(
        10.0, help="Seconds to wait for the Dask scheduler to answer before a run is refused.").tag(config=True)

    # -- scheduler ----------------------------------------------------------------------------------------
    run_scheduler = Bool(
        True, help="Run the scheduler loop inside the Jupyter server, so schedules fire while it runs. Any number "
                   "of servers and `jupyter-mlops scheduler` daemons may share a store: one holds the lease "
                   "and fires, the others stand by.").tag(config=True)
    max_concurrent_runs = Int(
        None, allow_none=True, help="Scheduled runs at once, across all schedules, when this process's scheduler "
                                    "is the active one; none: no limit.").tag(config=True)

    # -- notifications (email, Slack, webhooks, commands) and reports --------------------------------------
    smtp_host = Unicode("", help="SMTP server that sends notification email; empty: email is refused when a "
                                 "schedule, batch or run asks for it.").tag(config=True)
    smtp_port = Int(0, help="SMTP port; 0: 465 with smtp_security=ssl, 587 with starttls, 25 with none.",
                    ).tag(config=True)
    smtp_security = CaselessStrEnum(["starttls", "ssl", "none"], default_value="starttls",
                                    help="How the SMTP connection is protected: STARTTLS after connecting, TLS "
                                         "from the start (ssl), or none (a relay on the same machine).",
                                    ).tag(config=True)
    smtp_ca_file = Unicode("", help="PEM file of the certificate authority (or the self-signed certificate) the SMTP "
                                    "server's certificate must be signed by, trusted instead of the system's CAs; "
                                    "empty: the system's CAs. The certificate is always verified.",
                           ).tag(config=True)
    smtp_user = Unicode("", help="SMTP login; empty: send without logging in.").tag(config=True)
    smtp_password_secret = Unicode("", help="Name of the secret (`jupyter-mlops secret set NAME`) holding the "
                                            "SMTP password.").tag(config=True)
    smtp_from = Unicode("", help="Sender address of notification email; empty: jupyter-mlops@<this host>.",
                        ).tag(config=True)
    smtp_timeout = Float(20.0, help="Seconds an SMTP connection or command may take.").tag(config=True)
    public_url = Unicode("", help="The Jupyter server's address as people reach it (e.g. "
                                  "https://hub.example.org/user/ana/), for links in notifications; empty: no link.",
                         ).tag(config=True)
    notify_attempts = Int(4, help="Attempts per channel and message when a delivery fails for a reason that may "
                                  "pass (a server down, an HTTP 5xx or 429, an SMTP 4xx).").tag(config=True)
    notify_backoff = Float(30.0, help="Seconds before the second delivery attempt; doubles each attempt.",
                           ).tag(config=True)
    notify_timeout = Float(10.0, help="Seconds a webhook or Slack request may take.").tag(config=True)
    notify_command_timeout = Float(60.0, help="Seconds a notify command may take.").tag(config=True)

    # -- warm runs (single runs and fires start at once) ---------------------------------------------------
    warm_runs = Bool(
        True, help="In the Jupyter server and the `scheduler` daemon, start single runs and fires from a long-lived "
                   "launcher that keeps warm kernels (forked from a fork server), instead of a new worker process "
                   "and a new kernel per run. Every run still gets a brand-new kernel. False: today's cold path.",
    ).tag(config=True)
    warm_kernels = Int(
        2, min=0, max=16, help="Warm kernels kept ready per kernelspec in use (0: none kept; a run then forks its "
                               "kernel when it starts, still without a new interpreter).").tag(config=True)
    warm_idle_timeout = Float(
        600.0, min=0.0, help="Seconds without a run of a kernelspec after which its warm kernels and fork server "
                             "shut down (0: never); the next run of it starts them again.").tag(config=True)
    warm_preload = Unicode(
        "", help="Modules, comma-separated, that the warm kernels' fork server imports besides what every kernel "
                 "imports at start (e.g. numpy,pandas): a run's `import` of them is then already done.",
    ).tag(config=True)

    # -- export kubeflow -----------------------------------------------------------------------------------
    kubeflow_python = Unicode(
        "", help="Python with the kfp and kfp-kubernetes packages (the `kubeflow` extra) that compiles pipelines "
                 "written by `export kubeflow`; empty: the Python running jupyter-mlops.").tag(config=True)

    # -- server events ------------------------------------------------------------------------------------
    events_poll_interval = Float(
        0.5, help="Seconds between two looks at the store for run, batch and schedule changes to push to the event "
                  "streams (a look is two stat calls unless something was written).").tag(config=True)
    events_keepalive = Float(
        15.0, help="Seconds of quiet after which an event stream sends a comment, so proxies keep it open.",
    ).tag(config=True)


def env_name(setting: str) -> str:
    return ENV_PREFIX + setting.upper()


@dataclass(frozen=True)
class SettingValue:
    name: str
    value: Any
    source: str  # "default", a config file's path, "Jupyter server configuration" or "environment JUPYTER_MLOPS_…"
    help: str


_lock = threading.Lock()
_server_config: Config | None = None
_cached: tuple[tuple, MLOps, dict[str, str]] | None = None


def use_server_config(config: Config | None) -> None:
    """A Jupyter server's own configuration takes part (call with None when it stops)."""
    global _server_config, _cached
    with _lock:
        _server_config, _cached = config, None


#: The variables jupyter_config_path depends on → the candidate files: working the path out
#: costs about a millisecond (home and real paths), and every store transaction reads a setting.
_files_for: dict[tuple, list[Path]] = {}


def _config_files(environ: dict[str, str]) -> list[Path]:
    """Candidate files, lowest precedence first (jupyter_config_path lists the highest first)."""
    key = tuple(sorted((name, value) for name, value in environ.items()
                       if (name.startswith(("JUPYTER", "XDG_")) and not name.startswith(ENV_PREFIX))
                       or name in ("HOME", "PROGRAMDATA")))
    files = _files_for.get(key)
    if files is None:
        files = _files_for[key] = [Path(folder) / f"{CONFIG_FILE}{suffix}"
                                   for folder in reversed(jupyter_config_path()) for suffix in (".json", ".py")]
    return files


def _key(files: list[Path], environ: dict[str, str]) -> tuple:
    stats = []
    for path in files:
        try:
            stat = path.stat()
            stats.append((str(path), stat.st_mtime_ns, stat.st_size))
        except OSError:
            continue
    environment = tuple(sorted((k, v) for k, v in environ.items() if k.startswith(ENV_PREFIX)))
    return tuple(stats), environment, id(_server_config)


def _read_file(path: Path) -> Config:
    loader_class = JSONFileConfigLoader if path.suffix == ".json" else PyFileConfigLoader
    try:
        return loader_class(path.name, path=str(path.parent)).load_config()
    except ConfigFileNotFound:
        return Config()
    except Exception as error:  # a syntax error in a .py file, broken JSON: name the file
        raise SettingsError(f"{path}: cannot read it: {type(error).__name__}: {error}") from None


def _load(files: list[Path]) -> tuple[MLOps, dict[str, str]]:
    known = MLOps.class_trait_names(config=True)
    merged = Config()
    sources = dict.fromkeys(known, "default")

    def take(section: Any, source: str) -> None:
        for name in section:
            if name not in known:
                raise SettingsError(f"{source}: unknown setting MLOps.{name} (known: {', '.join(sorted(known))})")
            sources[name] = source
        merged.merge(Config({SECTION: section}))

    for path in files:
        if path.exists():
            config = _read_file(path)
            if SECTION in config:
                take(config[SECTION], str(path))
    if _server_config is not None and SECTION in _server_config:
        take(_server_config[SECTION], "Jupyter server configuration")

    try:
        instance = MLOps(config=merged)
    except TraitError as error:
        raise SettingsError(f"a configured MLOps setting is invalid: {error}") from None
    for name in known:
        text = os.environ.get(env_name(name))
        if text is None:
            continue
        trait = instance.traits()[name]
        try:
            # A mapping is JSON in the environment (traitlets' own parsing of it is deprecated).
            setattr(instance, name, json.loads(text) if isinstance(trait, Dict) else trait.from_string(text))
        except (TraitError, ValueError) as error:  # json.JSONDecodeError is a ValueError
            raise SettingsError(f"{env_name(name)}={text!r} is not a valid {type(trait).__name__.lower()} "
                                f"for setting {name}: {error}") from None
        sources[name] = f"environment {env_name(name)}"
    return instance, sources


def _current() -> tuple[MLOps, dict[str, str]]:
    global _cached
    # One copy of the environment for both: reading os.environ decodes every variable, and every
    # store transaction reads a setting.
    environ = dict(os.environ)
    files = _config_files(environ)
    key = _key(files, environ)
    with _lock:
        if _cached is None or _cached[0] != key:
            instance, sources = _load(files)
            _cached = (key, instance, sources)
        return _cached[1], _cached[2]


def settings() -> MLOps:
    """The current settings (read again when a config file or a JUPYTER_MLOPS_ variable changed)."""
    return _current()[0]


def describe() -> list[SettingValue]:
    """Every setting with its value and where the value came from, for `jupyter-mlops config`."""
    instance, sources = _current()
    return [SettingValue(name, getattr(instance, name), sources[name], instance.traits()[name].help)
            for name in MLOps.class_trait_names(config=True)]
