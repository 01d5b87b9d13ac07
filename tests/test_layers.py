"""The package's layer order (docs/architecture.md) holds: no import runs up the layers, none forms a cycle.

Every import counts: module level, inside functions, and under `TYPE_CHECKING`. Each top-level private module
and each subpackage is one unit; a unit may import only units on lower layers (or itself).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "vertex_openai"

# Lowest first. Units on one line are independent of each other.
LAYERS: list[tuple[str, ...]] = [
    ("_sdk", "_exceptions", "_redact", "_endpoints", "_fake_mode", "_locations"),
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


# -- the openai SDK's internals are touched in one module only -----------------------------------------
TOUCHPOINT = f"{PACKAGE}._sdk"
_OWN_RECEIVERS = ("self", "cls")


# Parts of the openai package whose classes we subclass or reach into; the other generated API resources and
# the pydantic types hold no seam of ours (and are most of the files).
_SDK_SCANNED_RESOURCES = ("responses", "chat", "embeddings.py")


def _scanned(relative: Path) -> bool:
    parts = relative.parts
    if parts[0] == "types":
        return False
    return parts[0] != "resources" or len(parts) == 1 or parts[1] in _SDK_SCANNED_RESOURCES


_SDK_PRIVATE = re.compile(
    r"^\s*(?:async\s+)?def\s+(_[A-Za-z]\w*)"  # functions and methods
    r"|self\.(_[A-Za-z]\w*)\s*[:=][^=]"  # attributes set on instances
    r"|^\s+(_[A-Za-z]\w*)\s*[:=][^=]",  # class attributes
    re.MULTILINE,
)


def sdk_private_names(root: Path) -> set[str]:
    """`_`-prefixed names the openai package defines: functions and methods, class attributes, `self._x = ...`
    (read from the source text: a superset of what its classes define, found in milliseconds)."""
    names: set[str] = set()
    for path in root.rglob("*.py"):
        if not _scanned(path.relative_to(root)):
            continue
        for match in _SDK_PRIVATE.finditer(path.read_text(encoding="utf-8", errors="replace")):
            names.add(next(group for group in match.groups() if group))
    return {n for n in names if not n.startswith("__")}


def _is_private_sdk_module(module: str) -> bool:
    parts = module.split(".")
    return parts[0] == "openai" and any(p.startswith("_") for p in parts[1:])


def _sdk_bound_names(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """Names in a module that stand for the SDK: `openai`, names imported from it, classes from the touchpoint."""
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names if a.name.split(".")[0] == "openai")
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, is_package, node)
            if base.split(".")[0] == "openai":
                bound.update(a.asname or a.name for a in node.names)
            elif base == TOUCHPOINT:
                bound.update(a.asname or a.name for a in node.names if a.name[:1].isupper())
    return bound


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.value if not isinstance(node, ast.Call) else node.func
    return node.id if isinstance(node, ast.Name) else None


def _sdk_classes(tree: ast.AST, bound: set[str]) -> set[str]:
    """Classes of a module that are SDK objects: those with an SDK base, their subclasses, and the mixins
    combined with them (a mixin's `self` is the SDK object it is mixed into)."""
    classes = {node.name: node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    found = {name for name, node in classes.items() if any(_root_name(b) in bound for b in node.bases)}
    changed = True
    while changed:
        changed = False
        for name, node in classes.items():
            bases = {_root_name(b) for b in node.bases}
            if name not in found and bases & found:
                found.add(name)
                changed = True
            if name in found:
                for base in bases:
                    if base in classes and base not in found:
                        found.add(base)
                        changed = True
    return found


def _own_private_names(trees: dict[str, tuple[ast.AST, set[str]]]) -> set[str]:
    """Private names our own (non-SDK) classes define: what `x._name` may mean outside SDK objects."""
    own: set[str] = set()
    for tree, sdk in trees.values():
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name not in sdk):
            for node in ast.walk(cls):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    own.add(node.name)
                elif (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
                      and _root_name(node.value) in _OWN_RECEIVERS):
                    own.add(node.attr)
                elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                    own.add(node.target.id)
    return {n for n in own if n.startswith("_")}


def private_sdk_uses(root: Path, sdk_names: set[str], package: str = PACKAGE) -> list[str]:
    """Uses of the SDK's internals outside the touchpoint module: `openai._...` imports, SDK seams overridden
    or private SDK attributes read on SDK objects, and private SDK attributes of any other receiver."""
    modules = {_module_name(p, root): p for p in (root / package).rglob("*.py")}
    trees: dict[str, tuple[ast.AST, set[str]]] = {}
    for module, path in modules.items():
        if module != TOUCHPOINT:
            tree = ast.parse(path.read_text(encoding="utf-8"))
            trees[module] = (tree, _sdk_classes(tree, _sdk_bound_names(tree, module, path.name == "__init__.py")))
    own = _own_private_names(trees)
    found: list[str] = []
    for module, (tree, sdk_classes) in sorted(trees.items()):
        is_package = modules[module].name == "__init__.py"
        for node in ast.walk(tree):
            where = f"{module}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Import):
                found += [f"{where} imports {a.name}" for a in node.names if _is_private_sdk_module(a.name)]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(module, is_package, node)
                if _is_private_sdk_module(base):
                    found.append(f"{where} imports from {base}")
                elif base.split(".")[0] == "openai":
                    found += [f"{where} imports {base}.{a.name}" for a in node.names if a.name.startswith("_")]
            elif isinstance(node, ast.ClassDef) and node.name in sdk_classes:
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name in sdk_names:
                        found.append(f"{module}:{item.lineno} {node.name} overrides the SDK's {item.name}")
                for inner in ast.walk(node):
                    if (isinstance(inner, ast.Attribute) and inner.attr in sdk_names
                            and (_root_name(inner.value) in _OWN_RECEIVERS or _root_name(inner.value) == "super")):
                        found.append(f"{module}:{inner.lineno} {node.name} uses the SDK's {inner.attr}")
            elif (isinstance(node, ast.Attribute) and node.attr in sdk_names and node.attr not in own
                  and _root_name(node.value) not in (*_OWN_RECEIVERS, "super")):
                found.append(f"{where} uses the SDK's {node.attr}")
    return sorted(set(found))


def _openai_root() -> Path:
    import openai

    return Path(openai.__file__).resolve().parent


def test_only_the_touchpoint_module_touches_the_sdk_internals() -> None:
    uses = private_sdk_uses(SRC, sdk_private_names(_openai_root()))
    assert uses == [], "move these into src/vertex_openai/_sdk.py (a helper with a contract test):\n" + "\n".join(uses)


def test_private_name_checker_on_a_toy_tree(tmp_path: Path) -> None:
    pkg = tmp_path / PACKAGE
    files = {
        "__init__.py": "",
        "_sdk.py": "from openai._streaming import SSEDecoder\ndef f(c):\n    return c._client\n",
        "_mine.py": (
            "import threading\n"
            "class Store:\n    def __init__(self):\n        self._lock = threading.Lock()\n"
            "def peek(store):\n    return store._lock\n"
        ),
        "wire/__init__.py": "",
        "wire/_a.py": (
            "import openai\nfrom openai._models import construct_type\nfrom openai.lib import _tools\n"
            "from .._sdk import SSEDecoder\n"
            "class Dec(SSEDecoder):\n    def decode(self, line):\n        return self._data\n"
            "class Mix:\n    def hook(self):\n        return self._client\n"
            "class Client(Mix, openai.OpenAI):\n"
            "    def _prepare_options(self, o):\n        return super()._prepare_options(o)\n"
            "def stream_owner(stream):\n    return stream._client\n"
        ),
    }
    for name, text in files.items():
        (pkg / name).parent.mkdir(parents=True, exist_ok=True)
        (pkg / name).write_text(text)
    uses = private_sdk_uses(tmp_path, {"_client", "_prepare_options", "_data", "_lock"})
    assert "vertex_openai.wire._a:2 imports from openai._models" in uses
    assert "vertex_openai.wire._a:3 imports openai.lib._tools" in uses
    assert "vertex_openai.wire._a:7 Dec uses the SDK's _data" in uses  # a subclass of an SDK class from _sdk
    assert "vertex_openai.wire._a:10 Mix uses the SDK's _client" in uses  # a mixin combined with openai.OpenAI
    assert "vertex_openai.wire._a:12 Client overrides the SDK's _prepare_options" in uses
    assert "vertex_openai.wire._a:13 Client uses the SDK's _prepare_options" in uses
    assert "vertex_openai.wire._a:15 uses the SDK's _client" in uses
    assert not [u for u in uses if "_sdk:" in u or "_mine" in u]  # the touchpoint, and our own `_lock`
    assert len(uses) == 7, "\n".join(uses)


# -- SDK objects are not rebuilt outside the touchpoint module ----------------------------------------------
def _dotted(node: ast.expr) -> str:
    while isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def _sdk_helper_names(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """Names a module binds to the SDK's helper library `openai.lib` (its streaming helpers, parsing, tools)."""
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = _resolve(module, is_package, node)
            if base == "openai.lib" or base.startswith("openai.lib."):
                bound.update(a.asname or a.name for a in node.names)
            elif base == "openai":
                bound.update(a.asname or a.name for a in node.names if a.name == "lib")
        elif isinstance(node, ast.Import):
            bound.update(a.asname for a in node.names if a.asname and a.name.startswith("openai.lib"))
    return bound


def _sets_class(node: ast.AST) -> bool:
    """`x.__class__ = ...` (or augmented/annotated), `setattr(x, "__class__", ...)`, `object.__setattr__(...)`."""
    if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return any(isinstance(t, ast.Attribute) and t.attr == "__class__" for t in targets)
    if isinstance(node, ast.Call) and _dotted(node.func) in ("setattr", "object.__setattr__") and len(node.args) > 1:
        name = node.args[1]
        return isinstance(name, ast.Constant) and name.value == "__class__"
    return False


def sdk_object_rewrites(root: Path, package: str = PACKAGE) -> list[str]:
    """Outside the touchpoint module: classes built on the SDK's helper classes (`openai.lib`, e.g. the
    `responses.stream()` streams and managers, whose construction and iteration are not API), and objects whose
    `__class__` is switched (how our subclasses are put onto objects the SDK builds)."""
    found: list[str] = []
    for path in sorted((root / package).rglob("*.py")):
        module = _module_name(path, root)
        if module == TOUCHPOINT:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        helpers = _sdk_helper_names(tree, module, path.name == "__init__.py")
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for base in node.bases:
                    dotted = _dotted(base)
                    if dotted.split(".")[0] in helpers or dotted.startswith("openai.lib."):
                        found.append(f"{module}:{node.lineno} {node.name} subclasses the SDK helper {dotted}")
            elif _sets_class(node):
                found.append(f"{module}:{getattr(node, 'lineno', 0)} switches an object's __class__")
    return found


def test_only_the_touchpoint_module_rebuilds_sdk_objects() -> None:
    found = sdk_object_rewrites(SRC)
    assert found == [], "move these into src/vertex_openai/_sdk.py (a helper with a contract test):\n" + "\n".join(
        found)


def test_sdk_object_rewrite_checker_on_a_toy_tree(tmp_path: Path) -> None:
    pkg = tmp_path / PACKAGE
    files = {
        "__init__.py": "",
        "_sdk.py": "from openai.lib.streaming.responses import ResponseStream\nclass S(ResponseStream):\n    pass\n"
                   "def f(o):\n    o.__class__ = S\n",
        "responses/__init__.py": "",
        "responses/_a.py": (
            "import openai\nfrom typing import Any\n"
            "from openai.lib.streaming.responses import ResponseStreamManager as M\n"
            "class Manager(M[Any]):\n    pass\n"
            "class Stream(openai.lib.streaming.responses.ResponseStream):\n    pass\n"
            "def switch(obj):\n    obj.__class__ = Manager\n"
            "def switch2(obj):\n    object.__setattr__(obj, '__class__', Stream)\n"
            "class Fine(openai.Stream):\n    pass\n"
        ),
    }
    for name, text in files.items():
        (pkg / name).parent.mkdir(parents=True, exist_ok=True)
        (pkg / name).write_text(text)
    found = sdk_object_rewrites(tmp_path)
    assert found == [
        "vertex_openai.responses._a:4 Manager subclasses the SDK helper M",
        "vertex_openai.responses._a:6 Stream subclasses the SDK helper openai.lib.streaming.responses.ResponseStream",
        "vertex_openai.responses._a:9 switches an object's __class__",
        "vertex_openai.responses._a:11 switches an object's __class__",
    ], "\n".join(found)
