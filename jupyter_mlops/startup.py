"""What jupyter-mlops' own processes (the CLI, run and batch workers) do first, to start fast."""

from __future__ import annotations

import sys


def skip_iri_format_parsers() -> None:
    """Keep jsonschema from importing `rfc3987_syntax` in this process.

    nbformat imports jsonschema, whose format checkers import `rfc3987_syntax` when it is
    installed (jupyter-events requires it); that module compiles its grammars at import, about
    2 s of every CLI call and worker start here (python-jsonschema/jsonschema#1428). It serves
    only the `iri` and `iri-reference` formats, which nothing in these processes checks:
    notebooks are validated without format checks. Not for processes jupyter-mlops does not own
    (a user's kernel, the Jupyter server), and no effect once jsonschema is imported.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # None in sys.modules: `import` raises ImportError
