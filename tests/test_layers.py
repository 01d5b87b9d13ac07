"""The package's layer order (docs/architecture.md) holds: no import runs up the layers, none forms a cycle.

Every import counts: module level, inside functions, and under `TYPE_CHECKING`. Each top-level private module
and each subpackage is one unit; a unit may import only units on lower layers (or itself).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "vertex_openai"

# Lowest first. Units on one line are independent of each other.
LAYERS: list[tuple[str, ...]] = [
    ("_exceptions", "_redact", "_endpoints", "_fake_mode", "_locations"),
    ("_auth",),
    ("_adc",),
    ("_config",),
    ("gemini", "structured"),
    ("wire",),
    ("responses", "embeddings"),
    ("_http_auth", "_options"),
    ("_client",),
    ("__init__", "bulk"),
    ("testing", "extensions", "multimodal"),
    ("demo",),
    ("cli",),
    ("__main__",),
]
# Third-party packages that only the optional subsystem named beside them may import.
OPTIONAL_IMPORTS = {"vcr": "testing", "pytest": "testing", "pytest_recording": "testing"}


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph(root: Path, package: str = PACKAGE) -> dict[str, set[str]]:
    """Every module of `package` under `root` and the modules it imports (ours and third-party, top names)."""
    modules = {_module_name(p, root): p for p in (root / package).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, is_package, node)
                targets.add(base)
                targets.update(f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in modules)
        graph[name] = {t for t in targets if t != name}
    return graph


def unit_of(module: str, package: str = PACKAGE) -> str | None:
    if module == package:
        return "__init__"
    if not module.startswith(package + "."):
        return None
    return module.split(".")[1]


def violations(graph: dict[str, set[str]], layers: list[tuple[str, ...]], package: str = PACKAGE) -> list[str]:
    """Imports that run sideways or upward between units, imports of unlisted units, and optional deps misplaced."""
    layer = {unit: i for i, units in enumerate(layers) for unit in units}
    found = []
    for module, targets in sorted(graph.items()):
        here = unit_of(module, package)
        if here not in layer:
            found.append(f"{module}: unit {here!r} has no layer in docs/architecture.md")
            continue
        for target in sorted(targets):
            there = unit_of(target, package)
            top = target.split(".")[0]
            if there is None:
                owner = OPTIONAL_IMPORTS.get(top)
                if owner is not None and here != owner:
                    found.append(f"{module} imports {top}, which only {package}.{owner} may use")
                continue
            if there == here:
                continue
            if there not in layer:
                found.append(f"{module} imports {target}: unit {there!r} has no layer")
            elif layer[there] >= layer[here]:
                found.append(f"{module} ({here}, layer {layer[here]}) imports {target} ({there}, layer {layer[there]})")
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Import cycles among our own modules (Tarjan's strongly connected components of size > 1)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in graph:
                continue
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


# Built while pytest collects, before any test runs: CPython 3.11's `ast.parse` can raise a spurious
# "SystemError: AST constructor recursion depth mismatch" in a thread that earlier hit a RecursionError,
# which the hostile-input tests provoke on purpose.
GRAPH = import_graph(SRC)


def test_no_import_runs_up_the_layers() -> None:
    assert violations(GRAPH, LAYERS) == []


def test_no_import_cycles() -> None:
    assert cycles(GRAPH) == []


def test_every_unit_on_disk_has_a_layer() -> None:
    listed = {unit for units in LAYERS for unit in units}
    on_disk = {p.stem if p.is_file() else p.name for p in (SRC / PACKAGE).iterdir()
               if (p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists()))}
    assert on_disk <= listed, f"add to LAYERS and docs/architecture.md: {sorted(on_disk - listed)}"


def test_layer_table_matches_the_architecture_page() -> None:
    page = (SRC.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    for units in LAYERS:
        row = " ".join(f"`{u}`" for u in units)
        assert row in page, f"docs/architecture.md should list the layer {row}"


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    pkg = tmp_path / PACKAGE
    for name, text in {
        "__init__.py": "",
        "_low.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ._high import X\n",
        "_high.py": "from ._low import *\n",
        "wire/__init__.py": "",
        "wire/_a.py": "def f():\n    from .._high import X\n    import vcr\n",
    }.items():
        (pkg / name).parent.mkdir(parents=True, exist_ok=True)
        (pkg / name).write_text(text)
    return tmp_path


def test_checker_sees_type_checking_and_function_level_imports(toy: Path) -> None:
    graph = import_graph(toy)
    layers = [("_low",), ("wire",), ("_high",), ("__init__",)]
    found = violations(graph, layers)
    assert any(v.startswith("vertex_openai._low (_low, layer 0) imports vertex_openai._high") for v in found)
    assert any(v.startswith("vertex_openai.wire._a (wire, layer 1) imports vertex_openai._high") for v in found)
    assert "vertex_openai.wire._a imports vcr, which only vertex_openai.testing may use" in found
    assert cycles(graph) == [["vertex_openai._high", "vertex_openai._low"]]
