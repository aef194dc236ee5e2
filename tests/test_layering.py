"""The package's import layering, read from the source with ``ast``.

What this keeps true (see docs/architecture.md and DESIGN.md, "Layers of the
code"):

- no import cycle anywhere in ``src/nnzero``, counting imports written inside
  functions as well as those at module level;
- imports point down the rings: bottom <- core <- outer <- the root package.
  The core never imports the outer ring or the root package ``nnzero``, and
  nothing inside the package imports the root package (it only re-exports);
- no module imports another module's underscore names (``from x import _y``)
  or reads them off an imported module (``x._y``). The bottom private modules
  (``_validation``, ``_registry``, ...) may be imported for their public
  names, and a package's private modules (``plot._base``) by the modules of
  that package.

The rings are written out here, one list per ring, so that a new module must
be placed on purpose: a module missing from the table fails the test.

Where the modules that DESIGN.md does not name sit, and why:

- ``threads`` (BLAS thread control) is bottom: it needs only threadpoolctl
  and ``_validation``, and the model reads it.
- ``_kernels`` (the optional compiled optimizer updates) is bottom: it
  needs only numpy, numba and ``threads``, and the optimizers read it.
- ``perceptron`` is core, beside ``layers``: Rosenblatt's model is built
  from ``activations.Step`` and needs nothing of ``model``.
- ``gradcheck`` is core, beside ``model``: it checks the model's own
  gradients (``model.training``), and the root re-exports it.
- ``demo`` (the MNIST demo program) and ``playground`` (the web app) are
  outer: they use datasets and the model as a user does, through the
  modules that hold each name, never through the root package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = "nnzero"

# Rank of each ring: an import may only point to a module of the same or a
# lower rank. Inside a rank, the cycle check keeps the order acyclic.
BOTTOM, CORE_LEAF, CORE, MODEL, OUTER, TOP = range(6)
RING_NAMES = {BOTTOM: "bottom", CORE_LEAF: "core (leaf)", CORE: "core",
              MODEL: "core (model)", OUTER: "outer", TOP: "root"}

# The first entry whose prefix matches a module name decides its ring
# (a prefix ``nnzero.layers`` covers the package and its submodules).
RINGS = {
    BOTTOM: ["errors", "_validation", "_registry", "_io", "_flat", "_chunks", "_version",
             "_targets", "threads", "_kernels"],
    CORE_LEAF: ["activations", "initializers", "regularizers", "constraints", "schedules",
                "metrics"],
    CORE: ["losses", "optimizers", "layers", "perceptron"],
    MODEL: ["model", "gradcheck", "lr_finder"],
    OUTER: ["onnx", "interop", "plot", "report", "sklearn", "runs", "cli", "datasets", "demo",
            "playground", "__main__"],
}

# Private modules whose public names any module may import.
SHARED_PRIVATE = {f"{ROOT}.{name}" for name in
                  ("_validation", "_registry", "_io", "_flat", "_chunks", "_version",
                   "_targets")}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted((SRC / ROOT).rglob("*.py"))}


MODULES = _modules()


def _is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def _resolve(module: str, node: ast.ImportFrom) -> str:
    """The absolute name of the module that ``from ... import`` names."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    # In a package's __init__, `.` is the package itself; in a module, its parent.
    keep = len(base) - node.level + (1 if _is_package(module) else 0)
    prefix = base[:keep]
    return ".".join(prefix + ([node.module] if node.module else []))


def _internal(name: str) -> bool:
    return name == ROOT or name.startswith(ROOT + ".")


class _Imports(ast.NodeVisitor):
    """Every import of the package's own modules in one module, wherever it
    is written, and every ``name._private`` read off an imported module."""

    def __init__(self, module: str):
        self.module = module
        self.edges: dict[str, int] = {}  # imported module -> first line
        self.private: list[str] = []
        self.bound: dict[str, str] = {}  # local name -> module it is bound to

    def _edge(self, target: str, line: int) -> None:
        if _internal(target) and target != self.module:
            self.edges.setdefault(target, line)

    def _private_module(self, target: str, line: int) -> None:
        last = target.rsplit(".", 1)[-1]
        if not last.startswith("_") or last.startswith("__") or target in SHARED_PRIVATE:
            return
        package = target.rsplit(".", 1)[0]
        if self.module == package or self.module.startswith(package + "."):
            return  # a package's private module, used inside that package
        self.private.append(f"{self.module}:{line} imports private module {target}")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if not _internal(alias.name):
                continue
            self._edge(alias.name, node.lineno)
            self._private_module(alias.name, node.lineno)
            if alias.asname:
                self.bound[alias.asname] = alias.name
            else:
                self.bound[alias.name.split(".")[0]] = alias.name.split(".")[0]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        source = _resolve(self.module, node)
        if not _internal(source):
            return
        self._private_module(source, node.lineno)
        for alias in node.names:
            full = f"{source}.{alias.name}"
            local = alias.asname or alias.name
            if full in MODULES:
                self._edge(full, node.lineno)
                self._private_module(full, node.lineno)
                self.bound[local] = full
            else:
                self._edge(source, node.lineno)
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    self.private.append(
                        f"{self.module}:{node.lineno} imports {alias.name} from {source}")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        chain = []
        value = node
        while isinstance(value, ast.Attribute):
            chain.append(value.attr)
            value = value.value
        if isinstance(value, ast.Name) and value.id in self.bound:
            target = self.bound[value.id]
            for attr in reversed(chain):
                if f"{target}.{attr}" in MODULES:
                    target = f"{target}.{attr}"
                    continue
                if attr.startswith("_") and not attr.startswith("__"):
                    self.private.append(
                        f"{self.module}:{node.lineno} reads {attr} of module {target}")
                break
            return  # the whole chain is handled; do not visit its inner attributes
        self.generic_visit(node)


def _imported_by_name(node: ast.AST) -> bool:
    """``importlib.import_module("nnzero.x")`` (or ``__import__``): an import too."""
    if not isinstance(node, ast.Call) or not node.args:
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    first = node.args[0]
    return (name in ("import_module", "__import__") and isinstance(first, ast.Constant)
            and isinstance(first.value, str) and _internal(first.value))


def _scan(module: str) -> _Imports:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"), str(MODULES[module]))
    scanner = _Imports(module)
    # Imports first, wherever they are written, so that an attribute read in
    # one function sees a module imported in another.
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            scanner.visit_Import(node)
        elif isinstance(node, ast.ImportFrom):
            scanner.visit_ImportFrom(node)
        elif _imported_by_name(node):
            scanner._edge(node.args[0].value, node.lineno)
    seen = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and id(node) not in seen:
            # Mark inner attributes of a chain so each chain is read once.
            inner = node.value
            while isinstance(inner, ast.Attribute):
                seen.add(id(inner))
                inner = inner.value
            scanner.visit_Attribute(node)
    return scanner


SCANS = {module: _scan(module) for module in MODULES}


def _rank(module: str) -> int | None:
    if module == ROOT:
        return TOP
    for rank, names in RINGS.items():
        for name in names:
            full = f"{ROOT}.{name}"
            if module == full or module.startswith(full + "."):
                return rank
    return None


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _graph() -> dict[str, set[str]]:
    return {module: {t for t in scan.edges if t in MODULES} for module, scan in SCANS.items()}


def test_every_module_has_a_ring():
    missing = sorted(m for m in MODULES if _rank(m) is None)
    assert not missing, (
        f"Modules not placed in a ring in tests/test_layering.py: {', '.join(missing)}")


def test_no_import_cycles():
    graph = _graph()
    cycles = _cycles(graph)
    lines = []
    for component in cycles:
        members = set(component)
        for module in component:
            for target in sorted(graph[module] & members):
                lines.append(f"  {module} -> {target} "
                             f"(line {SCANS[module].edges[target]})")
    assert not cycles, (
        "Import cycles (module-level or inside functions) among:\n"
        + "\n".join("  {" + ", ".join(c) + "}" for c in cycles)
        + "\nthrough these imports:\n" + "\n".join(lines))


def test_imports_point_down_the_rings():
    wrong = []
    for module, scan in SCANS.items():
        rank = _rank(module)
        for target, line in sorted(scan.edges.items()):
            target_rank = _rank(target)
            if rank is None or target_rank is None or target_rank <= rank:
                continue
            wrong.append(f"  {module} ({RING_NAMES[rank]}) -> {target} "
                         f"({RING_NAMES[target_rank]}), line {line}")
    assert not wrong, "Imports that point up the rings:\n" + "\n".join(wrong)


def test_nothing_imports_the_root_package():
    wrong = [f"  {m}, line {scan.edges[ROOT]}" for m, scan in SCANS.items() if ROOT in scan.edges]
    assert not wrong, (
        "The root package only re-exports; import from the module that holds the name:\n"
        + "\n".join(wrong))


def test_no_module_uses_another_modules_private_names():
    wrong = sorted(line for scan in SCANS.values() for line in scan.private)
    assert not wrong, "Private names used across modules:\n  " + "\n  ".join(wrong)


# The checks above must be able to fail: each scanner rule on a small source.

def _scan_source(module: str, source: str, tmp_path, monkeypatch) -> _Imports:
    path = tmp_path / "m.py"
    path.write_text(source, encoding="utf-8")
    monkeypatch.setitem(MODULES, module, path)
    return _scan(module)


@pytest.mark.parametrize("source, expected", [
    ("from .. import __version__\n", "nnzero"),
    ("def f():\n    from ..onnx import to_onnx\n", "nnzero.onnx"),
    ("from . import training\n", "nnzero.model.training"),
    ("from .base import Layer\n", "nnzero.model.base"),
    ("import nnzero.plot as p\n", "nnzero.plot"),
    ("import importlib\nimportlib.import_module('nnzero.report')\n", "nnzero.report"),
])
def test_scanner_resolves_imports(source, expected, tmp_path, monkeypatch):
    scan = _scan_source("nnzero.model.fake", source, tmp_path, monkeypatch)
    assert expected in scan.edges


@pytest.mark.parametrize("source, fragment", [
    ("from .saving import _json\n", "imports _json from nnzero.model.saving"),
    ("from . import saving\n\ndef f():\n    return saving._json\n",
     "reads _json of module nnzero.model.saving"),
    ("import nnzero.plot.boundary\nnnzero.plot.boundary._check_xy\n",
     "reads _check_xy of module nnzero.plot.boundary"),
    ("from ..plot import _base\n", "imports private module nnzero.plot._base"),
])
def test_scanner_finds_private_names(source, fragment, tmp_path, monkeypatch):
    scan = _scan_source("nnzero.model.fake", source, tmp_path, monkeypatch)
    assert any(fragment in line for line in scan.private), scan.private


@pytest.mark.parametrize("source", [
    "from .._validation import check_int\n",
    "from . import _helpers\n",  # the package's own private module
    "from .. import _registry\n_registry.Registry\n",
    "x = object()\nx._anything\n",  # not a module: beyond what imports can tell
])
def test_scanner_allows(source, tmp_path, monkeypatch):
    monkeypatch.setitem(MODULES, "nnzero.model._helpers", Path("unused.py"))
    scan = _scan_source("nnzero.model.fake", source, tmp_path, monkeypatch)
    assert scan.private == []


def test_cycle_finder():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


# -- names: each means one thing -------------------------------------------------------

def test_layers_init_only_re_exports():
    tree = ast.parse(MODULES[f"{ROOT}.layers"].read_text(encoding="utf-8"))
    defined = [node for node in tree.body
               if not isinstance(node, (ast.Import, ast.ImportFrom, ast.Expr))
               and not (isinstance(node, ast.Assign)
                        and [t.id for t in node.targets if isinstance(t, ast.Name)] == ["__all__"])]
    assert defined == [], [ast.dump(node)[:80] for node in defined]


def test_one_class_per_name():
    import nnzero as nz

    assert not hasattr(nz.activations, "Activation")
    for name in nz.activations.names():
        assert isinstance(nz.activations.get(name), nz.activations.ActivationFunction), name
    assert issubclass(nz.layers.Activation, nz.layers.Layer)
    assert nz.layers.Dense.params_packable and not nz.layers.Layer.params_packable
    assert not hasattr(nz.layers.Layer, "flat_params_ok")


def test_each_layer_lives_in_a_module_named_for_it():
    import nnzero as nz

    homes = {"Dense": "dense", "Dropout": "dropout", "Flatten": "flatten",
             "Activation": "activation", "BatchNormalization": "batchnorm",
             "RandomFlip": "augment", "RandomTranslation": "augment"}
    assert {name: getattr(nz.layers, name).__module__ for name in homes} == {
        name: f"nnzero.layers.{module}" for name, module in homes.items()}
    assert f"{ROOT}.layers.simple" not in MODULES


def test_saved_files_name_layers_as_before():
    # Files refer to layers by these registered names; renaming modules or
    # classes must never change them.
    import nnzero as nz

    assert nz.layers.names() == ["activation", "batch_normalization", "batchnorm", "dense",
                                 "dropout", "flatten", "random_flip", "random_translation"]
    assert nz.layers.get({"name": "activation", "activation": "relu"}).activation.registered_name \
        == "relu"
