"""What jupyter-mlops' own processes (the CLI, run and batch workers) do first, to start fast."""

from __future__ import annotations

import gc
import sys


def skip_unused_format_checkers() -> None:
    """Keep jsonschema from importing the parsers of formats that nothing in this process checks.

    nbformat imports jsonschema, whose format checkers import each format's parser when it is
    installed (jupyter-events requires them). `rfc3987_syntax` (the `iri` formats) compiles its
    grammars at import, about 2 s of every CLI call and worker start here
    (python-jsonschema/jsonschema#1428); `rfc3986_validator` (`uri`) and `isoduration`
    (`duration`, which imports arrow) add another 50 ms. Notebooks are validated without format
    checks. Not for processes jupyter-mlops does not own (a user's kernel, the Jupyter server),
    and no effect once jsonschema is imported.
    """
    if "jsonschema" not in sys.modules:
        for parser in ("rfc3987_syntax", "rfc3986_validator", "isoduration"):
            sys.modules.setdefault(parser, None)  # None in sys.modules: `import` raises ImportError


def skip_exit_collections() -> None:
    """Spare this process the garbage collections of its own exit; call it when the work is done.

    The interpreter collects garbage several times while it tears down its modules; with
    everything a command imports (nbformat, papermill, SQLAlchemy, jupyter_client, …) those
    collections walk every live object and cost about 0.3 s of each CLI call and worker exit
    here. Frozen objects are ignored by collections; everything still runs as usual at exit
    (atexit handlers, finalizers, flushing).
    """
    gc.freeze()
