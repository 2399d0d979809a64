"""The layers of docs/architecture.md, checked on the source: imports only point down, pages are UI only."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OURS = {"pipelines", "models", "services", "dashboard", "pages", "app"}
# What each layer may import of ours. `python -m pipelines|models` are doors (their __main__ calls services.cli).
ALLOWED = {
    "pipelines": {"pipelines"},
    "models": {"models", "pipelines"},
    "services": {"services", "pipelines", "models"},
    "dashboard": {"dashboard", "services"},
    "pages": {"dashboard", "services"},
    "app": {"dashboard", "services"},
}
DOORS = {"pipelines/__main__.py", "models/__main__.py"}
UI_ONLY = {"pages", "app", "dashboard"}  # Streamlit may be imported here and nowhere else


def layer_files() -> list[tuple[str, Path]]:
    files = [("app", ROOT / "app.py")]
    for layer in ("pipelines", "models", "services", "dashboard", "pages"):
        files += [(layer, p) for p in sorted((ROOT / layer).glob("*.py"))]
    return files


def imported(path: Path, layer: str) -> set[str]:
    """Top-level modules a file imports (relative imports resolve to its own package), wherever the import stands."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add(layer if node.level else (node.module or "").split(".")[0])
    return names


def test_imports_only_point_down() -> None:
    wrong = []
    for layer, path in layer_files():
        rel = path.relative_to(ROOT).as_posix()
        for name in imported(path, layer):
            if name in OURS and name not in ALLOWED[layer] and not (rel in DOORS and name == "services"):
                wrong.append(f"{rel} imports {name}")
            if name == "streamlit" and layer not in UI_ONLY:
                wrong.append(f"{rel} imports streamlit")
    assert wrong == []


def test_pages_hold_no_sql_and_open_no_database() -> None:
    sql = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b\s+[\w*(]", re.I)
    wrong = []
    for layer, path in layer_files():
        if layer not in ("pages", "app"):
            continue
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if "duckdb" in imported(path, layer):
            wrong.append(f"{rel} imports duckdb")
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and sql.search(node.value) and " FROM " in node.value.upper():
                wrong.append(f"{rel}:{node.lineno} holds SQL")
            if isinstance(node, ast.Attribute) and node.attr in ("connect", "execute", "sql") and not (
                    isinstance(node.value, ast.Name) and node.value.id == "st"):
                wrong.append(f"{rel}:{node.lineno} calls .{node.attr}()")
    assert wrong == []


def test_pages_name_no_role() -> None:
    # Who may do what is a permission (services.auth.PERMISSIONS) checked by User.can, never a role compared on a page.
    role = re.compile(r"""["'](hr_admin|hr_leadership|department_head|viewer)["']""")
    found = [f"{path.relative_to(ROOT).as_posix()}:{n}" for layer, path in layer_files() if layer in ("pages", "app")
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if role.search(line)]
    assert found == []


def test_the_layer_rules_are_the_documented_ones() -> None:
    # docs/architecture.md states the same table; a change to one without the other fails here.
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for layer, allowed in ALLOWED.items():
        line = f"| `{layer}` | " + ", ".join(f"`{a}`" for a in sorted(allowed - {layer})) + " |"
        assert line in doc, line
