"""The environment a run's kernel ran in, captured once and shared between runs.

A local environment is keyed by `sys.prefix` and a hash of the installed distributions'
folder names (which carry name and version), so the key is cheap to compute on every run
(a folder is listed again only when its mtime changed); the full package list is read only
the first time a key is seen and stored in the `environments` table. A container run's
environment is its image id.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import platform
import sys

from . import store
from .model import Environment

_DIST_SUFFIXES = (".dist-info", ".egg-info")


#: sys.path folder → (its mtime, the distribution folders in it): installing, upgrading or
#: removing a distribution adds or removes such a folder, which changes the folder's mtime.
_listings: dict[str, tuple[int, list[str]]] = {}


def _listing(folder: str) -> list[str]:
    try:
        mtime = os.stat(folder).st_mtime_ns
        known = _listings.get(folder)
        if known is None or known[0] != mtime:
            known = _listings[folder] = (mtime, [name for name in os.listdir(folder) if name.endswith(_DIST_SUFFIXES)])
    except OSError:
        return []
    return known[1]


def _distribution_entries() -> list[str]:
    return sorted({name for folder in sys.path for name in _listing(folder or ".")})


def _name_and_version(dist: importlib.metadata.Distribution) -> tuple[str | None, str | None]:
    """The `Name` and `Version` fields of a distribution's core metadata.

    Read from the header block directly: `dist.metadata` parses the whole file (long description
    included) with the email package, which for a couple of hundred distributions costs some
    60 ms of a fresh store's first run (a batch's first kernels wait for it). Both fields are
    single-line headers before the first blank line; any other layout is parsed the slow way.
    """
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO")
    fields: dict[str, str] = {}
    for line in (text or "").split("\n\n", 1)[0].splitlines():
        key, _, value = line.partition(":")
        if key in ("Name", "Version") and key not in fields:
            fields[key] = value.strip()
            if len(fields) == 2:
                return fields["Name"], fields["Version"]
    metadata = dist.metadata
    return (metadata.get("Name"), metadata.get("Version")) if metadata is not None else (None, None)


def _packages() -> dict[str, str]:
    packages: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        try:
            name, version = _name_and_version(dist)
        except FileNotFoundError:
            # A dist-info folder without its METADATA (an install in progress, a broken one): newer
            # importlib_metadata finders raise MetadataNotFound where the standard library gives None.
            continue
        if name:
            packages.setdefault(name.lower(), version)  # the first on sys.path is the one imported
    return dict(sorted(packages.items()))


def local_environment() -> Environment:
    """This interpreter's environment (the one `python3` kernels run in), recorded once per key."""
    key_text = "\n".join([sys.prefix, *_distribution_entries()])
    env_id = hashlib.sha256(key_text.encode()).hexdigest()[:16]
    python = platform.python_version()
    if not store.has_environment(env_id):
        store.save_environment(env_id, sys.prefix, python, _packages())
    return Environment(kind="local", id=env_id, python=python, prefix=sys.prefix)


def image_environment(backend_info: dict) -> Environment | None:
    """The image a container backend reported running the run on, if it did."""
    if not backend_info.get("image_id"):
        return None
    return Environment(kind="image", id=backend_info["image_id"], image=backend_info.get("image"))
