"""Validate a register completely (every problem, located) and convert it to N-Triples.

Nothing is written anywhere here: callers write the returned triples to a store only when there were no
problems, so an import is all-or-nothing.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..errors import ProblemCollector, UserInputError
from ..refs import CONDITION_NS, ONTOLOGY_NS, ORG_NS, Ref, parse_ref
from .links import check_id_references, evidence_digest, is_local, location_problem
from .readers import Table, read_any
from .records import records_ntriples
from .schema import MAX_CELL, SCHEMA, SINGLE_ID, Column

ID_RE = re.compile(r"^[A-Za-z0-9._-]+$")
SHA_RE = re.compile(r"^[0-9a-fA-F]{64}$")
FORMULA_RE = re.compile(r"^(?:[=+@\t\r]|-[^\s\d.])")
BOOL = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False, "": False}
USE_CASE_RE = re.compile(r"^(?:annex-iii-(\d)([a-h]?)|art5-1([a-h]{1,2})|(art50-[a-z-]+))$")
ART50_CASES = ("art50-interaction", "art50-synthetic-content", "art50-emotion-recognition",
               "art50-biometric-categorisation", "art50-deepfake", "art50-public-interest-text")
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


def use_case_iri(code: str) -> str | None:
    """The provision or condition a register use-case code names (None if the code is unknown)."""
    m = USE_CASE_RE.match(code)
    if not m:
        return None
    annex_area, annex_letter, art5_letter, art50 = m.groups()
    if annex_area:
        return Ref("euaiact", f"Annex III {annex_area}" + (f"({annex_letter})" if annex_letter else "")).iri
    if art5_letter:
        return Ref("euaiact", f"Art. 5(1)({art5_letter})").iri
    return CONDITION_NS + art50 if art50 in ART50_CASES else None


def _lit(v: str) -> str:
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


XSD = "http://www.w3.org/2001/XMLSchema#"


def load_register(path: str | Path, known_provisions: frozenset[str] | None = None) -> RegisterData:
    """Read, validate and convert a register; raises UserInputError listing every problem."""
    path = Path(path)
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
    # cross-file references
    for name, table in readable.items():
        check_id_references(name, table, checked[name], tables, ids, problems)
        for row, cells in zip(table.rows, checked[name]):
            for col in SCHEMA[name]:
                value = cells.get(col.name, "")
                if col.kind == "usecases" and value:
                    for code in [v.strip() for v in value.split(";") if v.strip()]:
                        iri = use_case_iri(code)
                        if iri and not iri.startswith(CONDITION_NS) and iri not in known:
                            problems.add(f"unknown use-case code {code!r}: the EU AI Act has no such point",
                                         table.file, row.number, col.name)
                elif col.kind in ("refs", "annexa") and value:
                    for text in [v.strip() for v in value.split(";") if v.strip()]:
                        _check_ref(text, col, known, problems, table.file, row.number)
    digests: dict[str, str | None] = {}
    if "evidence" in readable:
        for row, cells in zip(tables["evidence"].rows, checked["evidence"]):
            loc = cells.get("location", "")
            if loc and is_local(loc):
                digests[cells.get("id", "")] = evidence_digest(base, loc, problems, tables["evidence"].file,
                                                               row.number)
    problems.raise_if_any(f"register {path} has problems; nothing was imported")
    return RegisterData(checked, _to_ntriples(checked, digests), str(path), digests)


@lru_cache(maxsize=1)
def bundled_atoms() -> frozenset[str]:
    """Ids of every atom of the bundled requirement hub (a control may name one in ``implements``)."""
    from ..mappings.hubfiles import bundled_hub

    return frozenset(bundled_hub().atoms)


def _check_ref(text: str, col: Column, known: frozenset[str], problems: ProblemCollector, file: str,
               row: int) -> None:
    if text.startswith("hub:") and col.kind == "refs":
        if text not in bundled_atoms():
            import difflib

            near = difflib.get_close_matches(text, sorted(bundled_atoms()), n=3, cutoff=0.6)
            problems.add(f"unknown hub atom {text!r}" + (f"; did you mean {', '.join(near)}?" if near else
                                                         "; 'clausegraph hub' lists the atoms"), file, row, col.name)
        return
    try:
        ref = parse_ref(text)
    except UserInputError as exc:
        problems.add(exc.message, file, row, col.name)
        return
    if ref.iri not in known:
        problems.add(f"unknown provision {ref}", file, row, col.name)
    elif col.kind == "annexa" and not (ref.key in ("iso42001", "iso27001") and ref.id.startswith("A.")
                                       and ref.id.count(".") >= 2):
        problems.add(f"{ref} is not an ISO/IEC 42001 or 27001 Annex A control", file, row, col.name)


def _check_table(name: str, table: Table, problems: ProblemCollector) -> list[dict[str, str]]:
    schema = {c.name: c for c in SCHEMA[name]}
    for col in table.columns:
        if col not in schema:
            problems.add(f"unknown column {col!r}; expected {', '.join(schema)}", table.file, 1, col)
    for col in schema.values():
        if col.required and col.name not in table.columns:
            problems.add(f"missing required column {col.name!r}", table.file, 1, col.name)
    seen: dict[str, int] = {}
    out = []
    for row in table.rows:
        cells = {}
        for cname, col in schema.items():
            raw = row.cells.get(cname, "")
            value = raw.strip()
            if len(raw) > MAX_CELL:
                problems.add(f"cell too long ({len(raw)} characters; at most {MAX_CELL})", table.file, row.number,
                             cname)
                continue
            if col.required and not value:
                if cname in table.columns:
                    problems.add(f"{cname} is required", table.file, row.number, cname)
                continue
            if value:
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
            return None if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else "expected a date YYYY-MM-DD"
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


# ---------------------------------------------------------------- RDF

def _implemented_iri(text: str) -> str:
    """The IRI of what a control implements: a provision reference or a hub atom id (``hub:log.retain``)."""
    from ..mappings.hubfiles import atom_iri

    return atom_iri(text) if text.startswith("hub:") else parse_ref(text).iri


ROLE_IRI = {"provider": "Provider", "deployer": "Deployer", "importer": "Importer", "distributor": "Distributor",
            "authorised-representative": "AuthorisedRepresentative"}


#: boolean columns of systems.csv and the property each becomes (read by engine/queries/systems.rq)
SYSTEM_FLAGS = (("third_party_conformity", "thirdPartyConformity"), ("profiling", "profiling"),
                ("gpai_model", "gpaiModel"), ("public_body", "publicBody"), ("personal_data", "personalData"),
                ("bias_special_data", "biasSpecialData"), ("established_outside_eu", "establishedOutsideEu"),
                ("open_source", "openSource"), ("public_authority", "publicAuthority"),
                ("workplace", "workplace"), ("gpai_designated", "gpaiDesignated"))


def _to_ntriples(t: dict[str, list[dict[str, str]]], digests: dict[str, str | None]) -> str:
    cg = ONTOLOGY_NS
    a = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    org = f"<{ORG_NS}organisation>"
    out = [f"{org} {a} <{cg}Organisation> ."]

    def node(kind: str, ident: str) -> str:
        return f"<{ORG_NS}{kind}/{ident}>"

    def add(s: str, p: str, o: str) -> None:
        out.append(f"{s} <{cg}{p}> {o} .")

    def boolean(v: str) -> str:
        return f'"{"true" if BOOL.get(v.lower(), False) else "false"}"^^<{XSD}boolean>'

    def date(v: str) -> str:
        return f'"{v}"^^<{XSD}date>'

    def entity(kind: str, cls: str, ident: str, name: str | None = None) -> str:
        """Type, register membership, identifier (and name) of one register row's node."""
        n = node(kind, ident)
        out.append(f"{n} {a} <{cg}{cls}> .")
        add(n, "inRegister", org)
        add(n, "identifier", _lit(ident))
        if name is not None:
            add(n, "name", _lit(name))
        return n

    def id_list(cell: str) -> list[str]:
        return sorted({x.strip() for x in cell.split(";") if x.strip()})

    for s in t.get("systems", []):
        n = entity("system", "AISystem", s["id"], s["name"])
        add(n, "owner", _lit(s["owner"]))
        if s.get("purpose"):
            add(n, "purpose", _lit(s["purpose"]))
        for role in id_list(s.get("role", "")):
            add(n, "hasRole", f"<{cg}{ROLE_IRI[role]}>")
        if s.get("lifecycle"):
            add(n, "lifecycle", _lit(s["lifecycle"]))
        for code in id_list(s.get("use_cases", "")):
            add(n, "useCase", f"<{use_case_iri(code)}>")
            add(n, "useCaseCode", _lit(code))
        if s.get("annex_i_product"):
            add(n, "annexIProduct", _lit(s["annex_i_product"]))
        if s.get("art6_3_exemption"):
            add(n, "art6Exemption", _lit(s["art6_3_exemption"]))
        if s.get("training_flops"):
            add(n, "trainingFlops", f'"{float(s["training_flops"]):e}"^^<{XSD}double>')
        for reason in id_list(s.get("provider_by", "")):
            add(n, "providerBy", _lit(reason))
        for col, prop in SYSTEM_FLAGS:
            add(n, prop, boolean(s.get(col, "")))
    for c in t.get("controls", []):
        n = entity("control", "Control", c["id"], c["title"])
        add(n, "owner", _lit(c["owner"]))
        add(n, "status", _lit(c["status"]))
        if c.get("description"):
            add(n, "description", _lit(c["description"]))
        for ref in sorted({_implemented_iri(r.strip()) for r in c.get("implements", "").split(";") if r.strip()}):
            add(n, "implements", f"<{ref}>")
        for sid in id_list(c.get("systems", "")):
            add(n, "appliesToSystem", node("system", sid))
    for e in t.get("evidence", []):
        n = entity("evidence", "Evidence", e["id"], e["title"])
        add(n, "location", _lit(e["location"]))
        add(n, "collectedOn", date(e["collected_on"]))
        if e.get("valid_until"):
            add(n, "validUntil", date(e["valid_until"]))
        if e.get("kind"):
            add(n, "evidenceKind", _lit(e["kind"]))
        if e.get("sha256"):
            add(n, "sha256", _lit(e["sha256"].lower()))
        if digests.get(e["id"]):
            add(n, "computedSha256", _lit(digests[e["id"]] or ""))
        for cid in id_list(e["supports"]):
            add(n, "supports", node("control", cid))
    for r in t.get("risks", []):
        n = entity("risk", "Risk", r["id"], r["title"])
        add(n, "aboutSystem", node("system", r["system"]))
        add(n, "owner", _lit(r["owner"]))
        add(n, "treatment", _lit(r["treatment"]))
        for col, prop in (("source", "riskSource"), ("status", "status"),
                          ("acceptance_rationale", "acceptanceRationale")):
            if r.get(col):
                add(n, prop, _lit(r[col]))
        for col, prop in (("likelihood", "likelihood"), ("severity", "severity")):
            if r.get(col):
                add(n, prop, f'"{int(r[col])}"^^<{XSD}integer>')
        for cid in id_list(r.get("controls", "")):
            add(n, "treatedBy", node("control", cid))
    for s in t.get("assessments", []):
        n = entity("assessment", "Assessment", s["id"])
        add(n, "aboutSystem", node("system", s["system"]))
        add(n, "assessmentKind", _lit(s["kind"]))
        add(n, "assessedOn", date(s["date"]))
        add(n, "owner", _lit(s["owner"]))
        if s.get("location"):
            add(n, "location", _lit(s["location"]))
        if s.get("valid_until"):
            add(n, "validUntil", date(s["valid_until"]))
    for d in t.get("applicability", []):
        ref = parse_ref(d["ref"])
        n = f"<{ORG_NS}soa/{ref.key}/{ref.id}>"
        out.append(f"{n} {a} <{cg}ApplicabilityDecision> .")
        add(n, "inRegister", org)
        add(n, "decisionFor", f"<{ref.iri}>")
        add(n, "applicable", boolean(d["applicable"]))
        add(n, "justificationText", _lit(d["justification"]))
    out += records_ntriples(t, _lit)
    return "\n".join(out) + "\n"
