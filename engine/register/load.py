"""Validate a register completely (every problem, located) and convert it to N-Triples.

Nothing is written anywhere here: callers write the returned triples to a store only when there were no
problems, so an import is all-or-nothing.
"""
from __future__ import annotations

import datetime as dt
import gc
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from ..errors import ProblemCollector, UserInputError
from ..refs import CONDITION_NS, parse_ref
from .links import check_id_references, evidence_digest, is_local, location_problem
from .readers import Table, read_any
from .rdf import to_ntriples
from .schema import ART50_CASES, BOOL, MAX_CELL, SCHEMA, SINGLE_ID, Column, use_case_iri

ID_RE = re.compile(r"^[A-Za-z0-9._-]+$")
SHA_RE = re.compile(r"^[0-9a-fA-F]{64}$")
FORMULA_RE = re.compile(r"^(?:[=+@\t\r]|-[^\s\d.])")
#: Annex I Union harmonisation legislation by register code: (Annex I section as adopted, act)
ANNEX_I_PRODUCTS = {
    "machinery": "A", "toys": "A", "recreational-craft": "A", "lifts": "A", "atex": "A", "radio-equipment": "A",
    "pressure-equipment": "A", "cableway": "A", "personal-protective-equipment": "A", "gas-appliances": "A",
    "medical-devices": "A", "in-vitro-diagnostics": "A",
    "civil-aviation-security": "B", "two-three-wheel-vehicles": "B", "agricultural-vehicles": "B",
    "marine-equipment": "B", "rail": "B", "motor-vehicles": "B", "civil-aviation": "B",
}


@dataclass
class RegisterData:
    """A validated register: its rows (as strings) and its RDF (N-Triples)."""

    tables: dict[str, list[dict[str, str]]]
    ntriples: str
    source: str
    evidence_digests: dict[str, str | None] = field(default_factory=dict)

    @property
    def systems(self) -> list[dict[str, str]]:
        return self.tables.get("systems", [])


@lru_cache(maxsize=1)
def bundled_provisions() -> frozenset[str]:
    """IRIs of every provision in the bundled catalogues (to check references in a register)."""
    from .. import queries as q
    from .. import resources
    from ..store import GRAPH_BASE, open_store

    store = open_store()   # the catalogues alone (not a build: the build imports registers)
    for f in resources.framework_files():
        store.replace_graph(f"{GRAPH_BASE}catalogue/{f.name[:-4]}", resources.read_text(f), "turtle")
    rows = store.select(q.render("provisions")).rows
    return frozenset(r["p"].value for r in rows)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while millions of short-lived strings and dicts are made (none form cycles):
    a full collection every few hundred thousand allocations would cost ~30% of a large import."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def load_register(path: str | Path, known_provisions: frozenset[str] | None = None) -> RegisterData:
    """Read, validate and convert a register; raises UserInputError listing every problem."""
    with _gc_paused():
        return _load_register(Path(path), known_provisions)


def _load_register(path: Path, known_provisions: frozenset[str] | None) -> RegisterData:
    problems = ProblemCollector()
    tables, base = read_any(path, problems)
    known = known_provisions if known_provisions is not None else bundled_provisions()
    checked: dict[str, list[dict[str, str]]] = {}
    ids: dict[str, set[str]] = {}
    if "systems" not in tables and not problems.problems:
        problems.add("systems is required (systems.csv, a 'systems' sheet or a 'systems' key)", str(path))
    elif "systems" in tables and tables["systems"].readable and not tables["systems"].rows:
        problems.add("no systems: the file has a header but no rows, and a register describes at least one AI "
                     "system", tables["systems"].file, 2)   # the root cause of every unknown system id: said first
    readable = {name: table for name, table in tables.items() if table.readable}
    for name, table in readable.items():
        checked[name] = _check_table(name, table, problems)
        if any(c.name == "id" for c in SCHEMA[name]):
            ids[name] = {r["id"] for r in checked[name] if r.get("id")}
    # cross-file references (a reference's verdict is computed once per distinct text)
    ref_memo: dict[tuple[str, str], list[str]] = {}
    for name, table in readable.items():
        check_id_references(name, table, checked[name], tables, ids, problems)
        linked = [c for c in SCHEMA[name] if c.kind in ("usecases", "refs", "annexa")]
        for row, cells in zip(table.rows, checked[name]):
            for col in linked:
                value = cells.get(col.name, "")
                if not value:
                    continue
                if col.kind == "usecases":
                    for code in [v.strip() for v in value.split(";") if v.strip()]:
                        iri = use_case_iri(code)
                        if iri and not iri.startswith(CONDITION_NS) and iri not in known:
                            problems.add(f"unknown use-case code {code!r}: the EU AI Act has no such point",
                                         table.file, row.number, col.name)
                else:
                    for text in [v.strip() for v in value.split(";") if v.strip()]:
                        key = (col.kind, text)
                        if key not in ref_memo:
                            ref_memo[key] = _ref_problems(text, col, known)
                        for message in ref_memo[key]:
                            problems.add(message, table.file, row.number, col.name)
    digests: dict[str, str | None] = {}
    if "evidence" in readable:
        for row, cells in zip(tables["evidence"].rows, checked["evidence"]):
            loc = cells.get("location", "")
            if loc and is_local(loc):
                digests[cells.get("id", "")] = evidence_digest(base, loc, problems, tables["evidence"].file,
                                                               row.number)
    problems.raise_if_any(f"register {path} has problems; nothing was imported")
    return RegisterData(checked, to_ntriples(checked, digests), str(path), digests)


@lru_cache(maxsize=1)
def bundled_atoms() -> frozenset[str]:
    """Ids of every atom of the bundled requirement hub (a control may name one in ``implements``)."""
    from ..mappings.hubfiles import bundled_hub

    return frozenset(bundled_hub().atoms)


def _ref_problems(text: str, col: Column, known: frozenset[str]) -> list[str]:
    """What is wrong with one reference in a refs or annexa cell (empty when nothing is)."""
    if text.startswith("hub:") and col.kind == "refs":
        if text not in bundled_atoms():
            import difflib

            near = difflib.get_close_matches(text, sorted(bundled_atoms()), n=3, cutoff=0.6)
            return [f"unknown hub atom {text!r}" + (f"; did you mean {', '.join(near)}?" if near else
                                                    "; 'clausegraph hub' lists the atoms")]
        return []
    try:
        ref = parse_ref(text)
    except UserInputError as exc:
        return [exc.message]
    if ref.iri not in known:
        return [f"unknown provision {ref}"]
    if col.kind == "annexa" and not (ref.key in ("iso42001", "iso27001") and ref.id.startswith("A.")
                                     and ref.id.count(".") >= 2):
        return [f"{ref} is not an ISO/IEC 42001 or 27001 Annex A control"]
    return []


def _check_table(name: str, table: Table, problems: ProblemCollector) -> list[dict[str, str]]:
    schema = {c.name: c for c in SCHEMA[name]}
    for col in table.columns:
        if col not in schema:
            problems.add(f"unknown column {col!r}; expected {', '.join(schema)}", table.file, 1, col)
    for col in schema.values():
        if col.required and col.name not in table.columns:
            problems.add(f"missing required column {col.name!r}", table.file, 1, col.name)
    present = set(table.columns)
    plan = [(cname, col, col.required, cname in present, col.kind in _MEMO_KINDS) for cname, col in schema.items()]
    memo: dict[tuple[str, str], str | None] = {}   # verdicts of enum, date, bool ... cells, per distinct value
    seen: dict[str, int] = {}
    out = []
    for row in table.rows:
        cells = {}
        get = row.cells.get
        for cname, col, required, in_file, memoised in plan:
            raw = get(cname, "")
            value = raw.strip() if raw else ""
            if len(raw) > MAX_CELL:
                problems.add(f"cell too long ({len(raw)} characters; at most {MAX_CELL})", table.file, row.number,
                             cname)
                continue
            if not value:
                if required:
                    if in_file:
                        problems.add(f"{cname} is required", table.file, row.number, cname)
                    continue
            elif memoised:
                key = (cname, value)
                err = memo[key] if key in memo else memo.setdefault(key, _check_value(name, col, value))
                if err:
                    problems.add(err, table.file, row.number, cname)
                    continue
            else:
                err = _check_value(name, col, value)
                if err:
                    problems.add(err, table.file, row.number, cname)
                    continue
            cells[cname] = value
        if cells.get("id"):
            if cells["id"] in seen:
                problems.add(f"duplicate id {cells['id']!r} (first on row {seen[cells['id']]})", table.file,
                             row.number, "id")
            seen.setdefault(cells["id"], row.number)
        out.append(cells)
    return out


#: value kinds whose few distinct values repeat across rows: each distinct value is checked once per table
_MEMO_KINDS = frozenset({"date", "bool", "int1_5", "float", "enum", "enums", "usecases", "product", "ids"})
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _check_value(table: str, col: Column, value: str) -> str | None:
    k = col.kind
    if k == "text":
        if FORMULA_RE.match(value):
            return "starts like a spreadsheet formula (=, +, -, @); write it differently or quote it"
        return None
    if k == "id":
        return None if ID_RE.match(value) else f"id {value!r} must match [A-Za-z0-9._-]+"
    if k == "date":
        try:
            dt.date.fromisoformat(value)
            return None if DATE_RE.fullmatch(value) else "expected a date YYYY-MM-DD"
        except ValueError:
            return f"expected a date YYYY-MM-DD, got {value!r}"
    if k == "bool":
        return None if value.lower() in BOOL else f"expected true/false (or yes/no, 1/0), got {value!r}"
    if k == "int1_5":
        return None if value in ("1", "2", "3", "4", "5") else f"expected an integer 1-5, got {value!r}"
    if k == "float":
        try:
            f = float(value)
            return None if f >= 0 and f == f and f != float("inf") else "expected a non-negative number"
        except ValueError:
            return f"expected a number like 3e25, got {value!r}"
    if k == "enum":
        return None if value in col.choices else f"expected one of {', '.join(col.choices)}, got {value!r}"
    if k == "enums":
        bad = [v for v in (x.strip() for x in value.split(";")) if v and v not in col.choices]
        return f"expected values from {', '.join(col.choices)}, got {', '.join(bad)}" if bad else None
    if k == "usecases":
        bad = [v for v in (x.strip() for x in value.split(";")) if v and use_case_iri(v) is None]
        return (f"unknown use-case code(s) {', '.join(bad)}; expected annex-iii-1a ... annex-iii-8b, "
                f"art5-1a ... art5-1h or {', '.join(ART50_CASES)}") if bad else None
    if k == "product":
        return None if value in ANNEX_I_PRODUCTS else \
            f"unknown Annex I legislation {value!r}; expected one of {', '.join(sorted(ANNEX_I_PRODUCTS))}"
    if k == "ids":
        vals = [v.strip() for v in value.split(";") if v.strip()]
        if (table, col.name) in SINGLE_ID and len(vals) != 1:
            return "expected exactly one id"
        bad = [v for v in vals if not ID_RE.match(v)]
        return f"ids must match [A-Za-z0-9._-]+: {', '.join(bad)}" if bad else None
    if k == "sha256":
        return None if SHA_RE.match(value) else "expected a SHA-256 digest: 64 hexadecimal characters"
    if k == "location":
        if FORMULA_RE.match(value):
            return "starts like a spreadsheet formula (=, +, -, @)"
        return location_problem(value)
    return None  # refs and annexa are checked against the catalogue later
