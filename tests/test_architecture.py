"""ARCHITECTURE.md's "may import" table, enforced: a forbidden import between packages fails here.

The core (``hla``, ``sab``, ``dsa``) knows nothing of storage or the web; the readings sit under
the doors; no door (``api``, ``web``, ``commands``) imports another.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "dsa_monitor"
CORE = {"errors", "collector", "hla", "sab", "dsa", "eplets"}
BELOW_DOORS = CORE | {"config", "store", "ingest", "reference", "evaluation", "readings", "alerts"}
MAY_IMPORT = {
    "errors": set(),
    "collector": set(),
    "config": {"errors"},
    "hla": {"errors"},
    "sab": {"errors", "collector", "hla"},
    "dsa": {"errors", "hla", "sab"},
    "eplets": {"errors", "hla"},
    "store": CORE | {"config"},
    "reference": {"errors", "hla", "eplets", "config"},
    "ingest": CORE | {"store", "config"},
    "evaluation": CORE | {"store"},
    "readings": CORE | {"store", "evaluation", "config", "reference"},
    "alerts": CORE | {"store", "evaluation", "config", "reference", "readings"},
    "demo": BELOW_DOORS,
    "api": BELOW_DOORS,
    "web": BELOW_DOORS,
    "commands": BELOW_DOORS | {"demo", "app"},
    "app": BELOW_DOORS | {"api", "web"},
    "cli": {"commands"},
    "__init__": set(),
}


def imported_packages(source: str, parts: tuple[str, ...]) -> set[str]:
    """The top-level packages of dsa_monitor a module imports (relative or absolute); ``parts``:
    the module's path inside the package (``("web", "plot.py")``)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(parts[:-1])[: len(parts) - node.level]
            target = base + (node.module.split(".") if node.module else [])
            if target:
                found.add(target[0])
            else:  # ``from .. import store``: each name is a package or the root's own name
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dsa_monitor."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("dsa_monitor."))
    return found


def package_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def test_every_module_imports_only_what_its_package_may():
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 100
    known = set(MAY_IMPORT) | {"__version__"}
    wrong = []
    for path in modules:
        package = package_of(path)
        assert package in MAY_IMPORT, f"{package} is not in the table: add it (and ARCHITECTURE.md)"
        source = path.read_text(encoding="utf-8")
        for target in imported_packages(source, path.relative_to(PACKAGE).parts) - {package, "__version__"}:
            if target in known and target not in MAY_IMPORT[package]:
                wrong.append(f"{path.relative_to(PACKAGE.parent)} imports {target}")
    assert not wrong, "forbidden imports:\n" + "\n".join(wrong)


def test_the_checker_sees_relative_absolute_and_root_imports():
    source = (
        "from ..api.dsa import donor_dsa\nfrom .plot import render_svg\n"
        "from .. import store\nimport dsa_monitor.alerts\n"
        "from dsa_monitor.evaluation import evaluate_pending\n"
    )
    assert imported_packages(source, ("web", "pages.py")) == {"api", "web", "store", "alerts", "evaluation"}
    assert imported_packages("from . import names\n", ("hla", "typing.py")) == {"hla"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_level_imports(path: Path) -> set[str]:
    """Modules of dsa_monitor imported at a module's top level (TYPE_CHECKING blocks too):
    what must be loaded before it. Imports inside functions run later and cannot cycle."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    body = list(ast.parse(path.read_text(encoding="utf-8")).body)
    for node in list(body):
        if isinstance(node, ast.If):
            body.extend(node.body)
    found = set()
    for node in body:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("dsa_monitor"):
                found.add(target)
                found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("dsa_monitor"))
    return found


def test_no_module_imports_itself_through_others():
    """Import cycles between modules (review finding: dsa.matching <-> dsa.panel_serology,
    store.connection <-> store.schema): each module loads after what it needs."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {
        name: {t for t in _top_level_imports(path) if t in modules and t != name}
        for name, path in modules.items()
    }
    # a package's __init__ importing its own modules is how packages are built, not a cycle
    graph = {name: {t for t in targets if not t.startswith(name + ".")} for name, targets in graph.items()}
    cycles, state = [], {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = "open"
        for target in sorted(graph[name]):
            if state.get(target) == "open":
                cycles.append(trail[trail.index(target) :] + [target] if target in trail else [name, target])
            elif target not in state:
                visit(target, trail + [target])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_every_error_a_user_is_shown_is_declared_in_errors_py():
    """A class deriving from an error of errors.py (what the doors show a user, with its code and
    status) is declared there, so that the codes and statuses are read in one file."""
    shown = {
        node.name
        for node in ast.walk(ast.parse((PACKAGE / "errors.py").read_text()))
        if isinstance(node, ast.ClassDef)
    }
    elsewhere = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "errors.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                (base.id if isinstance(base, ast.Name) else getattr(base, "attr", None)) in shown
                for base in node.bases
            ):
                elsewhere.append(f"{path.relative_to(PACKAGE.parent)}: {node.name}")
    assert not elsewhere, "declare these in dsa_monitor/errors.py:\n" + "\n".join(elsewhere)
