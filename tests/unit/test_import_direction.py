"""The package's layers, enforced: imports point down, ``splunk/`` and ``client/`` never meet, and
only ``splunk/`` imports splunklib. Every import counts, including those inside functions."""

import ast
import os
import shutil

import pytest

PACKAGE = os.path.join(os.path.dirname(__file__), "..", "..", "bin", "modelops")

# Lower number = lower layer. A module may import its own part or a lower layer.
LAYERS = {
    "_version": 0, "errors": 0, "stats": 0,
    "schema": 1, "values": 1, "splunkd": 1,
    "metrics": 2,
    "engine": 3, "registry": 3,
    "splunk": 4, "client": 4,
    "": 5,  # modelops/__init__.py: the notebook facade, resolves names lazily
}
# Parts on one layer that must stay independent of each other.
APART = {frozenset({"splunk", "client"}), frozenset({"engine", "registry"})}
# Third-party imports and the only parts allowed to make them.
THIRD_PARTY = {"splunklib": {"splunk"}, "pandas": {"client"}, "numpy": {"client"}}
# Imported anywhere as an optional accelerator: inside ``try: ... except ImportError`` (notebooks have
# numpy; Splunk's Python does not, and the pure-Python path gives the same numbers).
OPTIONAL = {"numpy"}
# Deliberate exceptions, each with its reason.
ALLOWED = {
    # ``registry.open_registry`` stays the notebook API; it resolves lazily to the container side and
    # never runs inside Splunk (whose package has no client/).
    ("registry", "client"),
}


def part_of(module):
    """``modelops.engine.drift`` -> ``engine``; ``modelops`` -> ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def module_name(path, root):
    relative = os.path.relpath(path, root)[:-3].split(os.sep)
    if relative[-1] == "__init__":
        relative = relative[:-1]
    return ".".join(["modelops", *relative])


def _guarded(tree):
    """Import nodes inside a ``try`` that catches ImportError."""
    guarded = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
                isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
                for h in node.handlers):
            guarded.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return guarded


def imported(tree, module, is_package, root):
    """Absolute names of everything a module imports, with whether the import is optional."""
    package = module if is_package else module.rpartition(".")[0]
    guarded = _guarded(tree)
    for node, name in _imports(tree, package, root):
        yield name, node.lineno, id(node) in guarded


def _is_module(name, root):
    path = os.path.join(root, *name.split(".")[1:])
    return os.path.isdir(path) or os.path.isfile(path + ".py")


def _imports(tree, package, root):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                if node.module is None:  # from .. import x: x is a module or a name of the package
                    for alias in node.names:
                        name = target + "." + alias.name
                        yield node, name if _is_module(name, root) else target
                    continue
                yield node, target
            else:
                yield node, node.module


def violations(root=PACKAGE):
    found = []
    for directory, _dirs, files in os.walk(root):
        for name in files:
            if not name.endswith(".py"):
                continue
            path = os.path.join(directory, name)
            module = module_name(path, root)
            source = part_of(module)
            with open(path, encoding="utf-8") as f:
                tree = ast.parse(f.read(), path)
            for target, line, optional in imported(tree, module, name == "__init__.py", root):
                where = "%s:%d" % (os.path.relpath(path, root), line)
                top = target.split(".")[0]
                if top in THIRD_PARTY and source not in THIRD_PARTY[top] and not (optional and top in OPTIONAL):
                    found.append("%s imports %s (only %s may)" % (where, target, "/".join(sorted(THIRD_PARTY[top]))))
                if top != "modelops":
                    continue
                dest = part_of(target)
                if dest == source or (source, dest) in ALLOWED:
                    continue
                if dest not in LAYERS:
                    found.append("%s imports %s, which has no layer" % (where, target))
                elif LAYERS[dest] > LAYERS[source] or frozenset({source, dest}) in APART:
                    found.append("%s (%s) imports %s (%s)" % (where, source or "modelops", target, dest))
    return found


def test_import_direction_holds():
    assert violations() == []


def test_every_part_has_a_layer():
    parts = {n[:-3] if n.endswith(".py") else n for n in os.listdir(PACKAGE)
             if n != "__pycache__" and n != "__init__.py"}
    assert parts <= set(LAYERS), parts - set(LAYERS)


@pytest.mark.parametrize(("file", "line", "expected"), [
    ("stats/twosample.py", "from ..metrics import accuracy", "imports modelops.metrics"),
    ("schema.py", "from .engine import drift", "imports modelops.engine"),
    ("engine/drift/__init__.py", "from ...registry import core", "imports modelops.registry"),
    ("client/cli.py", "from ..splunk import command", "imports modelops.splunk"),
    ("metrics.py", "import splunklib.searchcommands", "imports splunklib"),
    ("registry/core.py", "    import pandas", "imports pandas"),
    ("engine/compare/__init__.py", "    import numpy", "imports numpy"),
])
def test_import_direction_catches_an_upward_import(tmp_path, file, line, expected):
    copy = tmp_path / "modelops"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / file
    source = target.read_text(encoding="utf-8")
    if line.startswith(" "):
        line = "def _probe():\n" + line
    target.write_text(source + "\n\n" + line + "\n", encoding="utf-8")
    found = violations(str(copy))
    assert len(found) == 1 and expected in found[0], found
