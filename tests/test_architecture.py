"""The layout is the architecture: layers import only the layers before them (inside functions too), the import
graph has no cycle but engine ↔ ops, `import tinygrad_mm` loads only the engine, generic views know ops and not models, the
closed form uses no engine, and no module grows past ~400 lines."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "tinygrad_mm"
LAYERS = ["files", "engine", "compiled", "models", "views", "cli"]  # each may import only itself and the ones before it
MAX_LINES = 420


def modules() -> dict[str, Path]:
    """Every module of the package → its file, named like ``engine.value`` (a package by its own name, the root "")."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path) -> set[str]:
    """The package modules ``name`` imports anywhere: at module level and inside functions (not in TYPE_CHECKING blocks)."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    package = [p for p in package if p]
    known, found = modules(), set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
               for statement in block.body for n in ast.walk(statement)}  # fmt: skip
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("tinygrad_mm."):
                    found.add(alias.name.removeprefix("tinygrad_mm."))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
            elif (node.module or "").startswith("tinygrad_mm"):
                base = []
            else:
                continue
            module = (node.module or "").removeprefix("tinygrad_mm").strip(".")
            target = ".".join([*base, *filter(None, module.split("."))])
            for alias in node.names:
                child = f"{target}.{alias.name}".strip(".")
                found.add(child if child in known else target)
    return {m for m in found if m in known}


def graph() -> dict[str, set[str]]:
    return {name: imports(name, path) for name, path in modules().items()}


# Upward imports not yet mended (issue 17, part 3): none left (to_python moved to views, the cache writes its own entries).
KNOWN_UPWARD: set[tuple[str, str]] = set()


def layer(module: str) -> int | None:
    head = module.split(".")[0]
    return LAYERS.index(head) if head in LAYERS else None


def test_each_layer_imports_only_itself_and_the_layers_before_it_even_inside_functions():
    for module, targets in graph().items():
        mine = layer(module)
        for target in targets:
            theirs = layer(target)
            if mine is not None and theirs is not None and (module, LAYERS[theirs]) not in KNOWN_UPWARD:
                assert theirs <= mine, f"{module} (layer {LAYERS[mine]}) imports {target} (layer {LAYERS[theirs]})"


def test_the_import_reader_sees_imports_inside_functions():
    found = graph()
    assert "compiled" in found["models.train"]  # models/train.py imports compile inside _compiled()
    assert "views.notebook" in found[""]  # the package root gives Value its Jupyter display, on first use


def test_the_import_graph_has_no_cycle_but_engine_and_its_ops():
    edges = graph()
    edges[""] = set()  # the package root wires the layers (Value's display): it is everyone's parent, not a module they use
    allowed = {"engine.value", "engine.op", "engine.ops"}  # ops subclass Value; Value's operators build ops
    for start in edges:
        stack, seen = [(start, (start,))], set()
        while stack:
            node, path = stack.pop()
            for nxt in edges.get(node, ()):
                if nxt == start:
                    cycle = set(path)
                    assert cycle <= allowed, f"import cycle: {' → '.join((*path, start))}"
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, (*path, nxt)))


def test_generic_views_know_ops_not_models():
    """Only the classroom gallery (pictures of the notes' example) may import a model."""
    for module, imports in graph().items():
        if module.startswith("views.") and module != "views.gallery":
            assert not [t for t in imports if t.startswith("models")], f"{module} imports {imports}"
    for path in (PACKAGE / "views").glob("*.py"):
        if path.name != "gallery.py":
            text = path.read_text(encoding="utf-8")
            assert "MaxMargin" not in text and "cs224n" not in text, path.name


def test_the_closed_form_is_an_independent_check():
    tree = ast.parse((PACKAGE / "models" / "closed_form.py").read_text(encoding="utf-8"))
    imported = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add("." * node.level + (node.module or ""))
    assert imported <= {"__future__", "math", "collections.abc", "dataclasses", "numbers", "operator", "typing"}, imported


def test_import_tinygrad_mm_loads_the_engine_only():
    code = "import sys, tinygrad_mm; print(sorted(m for m in sys.modules if m.startswith(('tinygrad_mm', 'graphviz'))))"
    loaded = eval(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert loaded and all(m == "tinygrad_mm" or m.startswith("tinygrad_mm.engine") for m in loaded), loaded
    code = "import sys, tinygrad_mm; tinygrad_mm.draw_dot; print('tinygrad_mm.views.drawing' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "True"


def test_no_module_is_over_about_400_lines():
    long = {name: n for name, path in modules().items() if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"split these modules (one job each): {long}"
