"""DSDL's notebook export, for dry runs outside the container and for tests.

DSDL exports the source of every code cell whose metadata ``name`` starts with ``mltkc_`` (in
notebook order) to ``/srv/app/model/<notebook>.py``; other cells are dropped.
"""

import importlib.util
import json
import os

CELL_PREFIX = "mltkc_"


def exported_source(notebook_path) -> str:
    with open(notebook_path, encoding="utf-8") as f:
        notebook = json.load(f)
    parts = []
    for cell in notebook.get("cells", []):
        name = str(cell.get("metadata", {}).get("name", ""))
        if cell.get("cell_type") == "code" and name.startswith(CELL_PREFIX):
            source = cell.get("source", "")
            parts.append(source if isinstance(source, str) else "".join(source))
    return "\n\n".join(parts) + "\n"


def export_notebook(notebook_path, target_dir, import_module=True):
    """Write ``<target_dir>/<notebook name>.py`` as DSDL would; return the imported module (or its path)."""
    name = os.path.splitext(os.path.basename(notebook_path))[0]
    os.makedirs(target_dir, exist_ok=True)
    module_path = os.path.join(target_dir, name + ".py")
    with open(module_path, "w", encoding="utf-8") as f:
        f.write(exported_source(notebook_path))
    if not import_module:
        return module_path
    spec = importlib.util.spec_from_file_location(name, module_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
