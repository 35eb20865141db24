"""The layers keep their arrows one way: files -> graph -> questions -> facade -> doors.

Every import statement of every module is read (ast, including imports inside functions); the engine must name
no door, doors reach the questions only through the facade, and dates are defaulted in one place.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

from .conftest import ROOT

ENGINE, DOORS = ROOT / "engine", ROOT / "api"
DOOR_PACKAGES = ("clausegraph.api", "fastapi", "starlette", "uvicorn", "argparse", "rich", "jinja2", "mcp",
                 "fastmcp")
#: question functions a door must reach through the facade, never directly
QUESTIONS = {"catalogue": {"frameworks", "show"}, "crosswalk": {"crosswalk", "provision_mappings"},
             "classify": {"classify", "classify_one", "read_systems"}, "validate": {"validate"},
             "soa": {"statement_of_applicability"},
             "coverage": {"framework_coverage", "system_coverage", "coverage_matrix"}, "gaps": {"gaps"},
             "trace": {"trace_provision", "trace_control", "trace_evidence"}, "impact": {"impact"},
             "plan": {"plan"}, "build": {"build"}, "register": {"load_register"}, "org": {"controls"},
             "hub": {"hub_listing", "hub_crosswalk", "provision_atoms", "met_atoms", "hub_index"}}


def _package(path: Path) -> str:
    root, name = (ENGINE, "clausegraph.engine") if ENGINE in path.parents else (DOORS, "clausegraph.api")
    return ".".join([name, *path.parent.relative_to(root).parts])


def imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(absolute module, imported names, line) of every import in ``path``, relative ones resolved."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = _package(path).split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            out.append((base, [a.name for a in node.names], node.lineno))
    return out


def test_imports_are_resolved_correctly():
    """The oracle itself: a known relative import of a door and of the engine resolve to absolute names."""
    found = {m for m, _, _ in imports(DOORS / "cli" / "common.py")}
    assert "clausegraph.engine.facade" in found
    found = {m for m, _, _ in imports(ENGINE / "store" / "__init__.py")}
    assert "clausegraph.engine.store.base" in found


def test_the_engine_imports_no_door():
    bad = [f"{p.relative_to(ROOT)}:{line} imports {mod}" for p in ENGINE.rglob("*.py") for mod, _, line in imports(p)
           if any(mod == d or mod.startswith(d + ".") for d in DOOR_PACKAGES)]
    assert bad == []


def test_doors_ask_questions_only_through_the_facade():
    bad = []
    for p in DOORS.rglob("*.py"):
        for mod, names, line in imports(p):
            if not mod.startswith("clausegraph.engine."):
                continue
            module = mod.removeprefix("clausegraph.engine.").split(".")[0]
            direct = set(names) & QUESTIONS.get(module, set())
            if direct or (mod == "clausegraph.engine" and "queries" not in names and names
                          and set(names) - {"Clausegraph", "queries"}):
                bad.append(f"{p.relative_to(ROOT)}:{line} imports {sorted(direct) or names} from {mod}")
    assert bad == []


def test_dates_are_defaulted_in_one_place():
    hits = [f"{p.relative_to(ROOT)}:{i}" for p in [*ENGINE.rglob("*.py"), *DOORS.rglob("*.py")]
            for i, text in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if "date.today()" in text]
    assert len(hits) == 1 and hits[0].startswith("engine/facade.py:"), hits


SPARQL_TEXT = re.compile(r"\b(SELECT|CONSTRUCT|DESCRIBE)\s+(DISTINCT\s+)?[?*({$]|\bASK\s*\{|\bPREFIX\s+\w*:\s*<")
#: modules that generate SPARQL from data rather than holding query texts (the SHACL-to-SPARQL compiler), and
#: the home of the named queries (its PREFIXES serve ad-hoc queries in tests)
GENERATORS = {"engine/validate.py", "engine/queries.py"}


def test_every_sparql_text_is_a_named_query():
    """Query texts live in engine/queries/*.rq; no engine module writes one inline (string literals are read
    with ast, so docstrings and comments that mention SELECT do not count)."""
    bad = []
    for p in ENGINE.rglob("*.py"):
        rel = str(p.relative_to(ROOT))
        if rel in GENERATORS:
            continue
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SPARQL_TEXT.search(node.value):
                bad.append(f"{rel}:{node.lineno}")
    assert bad == []
