"""The layers keep their order: web → application → auth and projections → domain.

Read from the source (every ``import``, at module level or inside a function), so a module that
imports upward, sideways or in a cycle fails here before anyone has to find it in review:

- ``portal/`` (views, schemas, CLI, importer, notices) is the web layer and may import anything
  below it;
- ``portal/services/`` is the application layer: every use case, no Flask;
- ``auth/`` and ``projections/`` sit side by side and do not import each other;
- ``domain/`` imports only the standard library, eventsourcing's domain module and itself.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("portal", "domain", "projections", "auth")
RANK = {"web": 3, "application": 2, "auth": 1, "projections": 1, "domain": 0}
WEB_LIBRARIES = {"flask", "flask_htmx", "flask_wtf", "flask_limiter", "werkzeug", "jinja2",
                 "govuk_frontend_jinja"}
# Third-party libraries the domain may use besides eventsourcing.domain, each a pure
# computation with no I/O: the UK's bank holidays (procurement working days) and the
# symmetric cipher that seals a bid's content in its events until opening.
DOMAIN_LIBRARIES = {"holidays", "cryptography"}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _imported_names(name: str, path: Path) -> set[str]:
    """Every dotted name ``name`` imports, with relative imports resolved; ``from pkg import
    sub`` names the submodule when there is one."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                names.add(candidate if candidate in MODULES else base)
    return names


def _own(dotted: str) -> str | None:
    """The project module a dotted name lives in, or None for the standard library and
    third-party packages."""
    while dotted and dotted not in MODULES:
        dotted = dotted.rpartition(".")[0]
    return dotted or None


IMPORTS = {name: _imported_names(name, path) for name, path in MODULES.items()}
EDGES = {name: {own for n in names if (own := _own(n)) and own != name}
         for name, names in IMPORTS.items()}


def layer(module: str) -> str:
    if module == "portal.services" or module.startswith("portal.services."):
        return "application"
    top = module.partition(".")[0]
    return "web" if top == "portal" else top


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in EDGES[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(MODULES)))
    try:
        for module in sorted(MODULES):
            if module not in index:
                visit(module)
    finally:
        sys.setrecursionlimit(limit)
    return found


def test_the_source_is_found():
    # Guards the checks below against passing on an empty graph.
    assert {"portal.services.application", "domain.vacancy", "auth.credentials",
            "projections.runner", "portal.views.vacancies"} <= set(MODULES)
    assert "domain.vacancy" in EDGES["portal.services.application"]


def test_no_import_cycles():
    assert _cycles() == []


def test_imports_run_only_downward():
    wrong = sorted(
        f"{module} ({layer(module)}) imports {other} ({layer(other)})"
        for module, others in EDGES.items() for other in others
        if layer(other) != layer(module) and RANK[layer(other)] >= RANK[layer(module)])
    assert wrong == []


def test_the_domain_imports_only_the_standard_library_eventsourcing_domain_and_itself():
    wrong = []
    for module, names in IMPORTS.items():
        if layer(module) != "domain":
            continue
        for name in names:
            top = name.partition(".")[0]
            if (top in sys.stdlib_module_names or top == "domain" or top in DOMAIN_LIBRARIES
                    or name == "eventsourcing.domain"
                    or name.startswith("eventsourcing.domain.")):
                continue
            wrong.append(f"{module} imports {name}")
    assert sorted(wrong) == []


def test_the_application_layer_reaches_no_web_library():
    """Not directly, and not through anything it imports."""
    reach: dict[str, set[str]] = defaultdict(set)
    for module in MODULES:
        if layer(module) != "application":
            continue
        seen, todo = set(), [module]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            for name in IMPORTS[current]:
                if name.partition(".")[0] in WEB_LIBRARIES:
                    reach[module].add(f"{current} imports {name}")
            todo.extend(EDGES[current])
    assert dict(reach) == {}
