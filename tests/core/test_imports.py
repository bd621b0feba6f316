"""The package's faces import downwards: no face module imports another that imports it back."""

from __future__ import annotations

import ast
from pathlib import Path

import jupyter_mlops

PACKAGE = Path(jupyter_mlops.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every jupyter_mlops module a file imports, at its top or inside a function."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            found |= {base} | {f"{base}.{alias.name}" for alias in node.names}
    return {module for module in found if module.startswith("jupyter_mlops")}


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    return {name: {m for m in _imports(path) if m in modules and m != name} for name, path in modules.items()}


def _reaches(graph: dict[str, set[str]], start: str, goal_prefix: str) -> list[str] | None:
    """A chain of imports from `start` to a module under `goal_prefix`, or None."""
    pending, seen = [[start]], {start}
    while pending:
        chain = pending.pop()
        for module in graph.get(chain[-1], ()):
            if module == goal_prefix or module.startswith(goal_prefix + "."):
                return chain + [module]
            if module not in seen:
                seen.add(module)
                pending.append(chain + [module])
    return None


def test_the_widgets_do_not_import_the_magics_back():
    graph = _graph()
    assert _reaches(graph, "jupyter_mlops.magics", "jupyter_mlops.widgets")  # %mlops shows the panel
    for module in [m for m in graph if m.startswith("jupyter_mlops.widgets")]:
        chain = _reaches(graph, module, "jupyter_mlops.magics")
        assert chain is None, " -> ".join(chain)
