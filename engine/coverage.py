"""Coverage: for each assessable provision of a framework (or each obligation binding one system), whether the
organisation's controls cover it on a date, directly or through the requirement hub (or, for provisions the
hub does not decompose, the chained crosswalks), with every control, piece of evidence and path that justifies
the answer (many-to-many: all contributors are kept), and for decomposed provisions what is left.

Through the hub (docs/hub.md): a control meets an atom when it is implemented, has evidence valid on the date,
and names the atom or implements a provision demanding it (with ``via``: a provision of any framework; without:
R itself or a heading above it). R is covered when all its atoms are met, partial when some are, uncovered
when none are; ``requirements`` lists each atom with the controls meeting it and ``left`` the atoms not met.

A provision the hub records as demanding nothing assessable (a role rule, a permission) has no atoms: it is
covered by definition (an empty conjunction), with empty ``requirements`` and ``left``. Provisions the hub does
not decompose at all keep the crosswalk rules (docs/questions.md): a control reaches R fully when it implements R, or a provision P with rel(R,P)
equal or subset_of; in part when rel(R,P) guarantees overlap. Covered: an implemented control reaches R fully
with valid evidence; partial: an implemented or partial control reaches R with valid evidence. Their
``requirements`` and ``left`` are null.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

from . import queries as q
from .bulk import gc_paused
from .errors import NotFoundError
from .hub import HubIndex, Met, hub_index, met_atoms, requirements
from .refs import ORG_NS, framework_iri, iri_to_ref, normalise_key, sort_key
from .store import Store

FULL = {"equal", "subset_of"}
PART = {"intersects_with", "superset_of", "overlaps"}


@dataclass
class ProvisionCoverage:
    ref: str
    status: str = "uncovered"
    controls: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    paths: list[list[str]] = field(default_factory=list)
    requirements: list[dict] | None = None   # decomposed provisions: each atom, met or not, and by whom
    left: list[str] | None = None            # decomposed provisions: the atoms not met

    def as_dict(self) -> dict:
        return {"ref": self.ref, "status": self.status, "controls": self.controls, "evidence": self.evidence,
                "paths": self.paths, "requirements": self.requirements, "left": self.left}


@dataclass
class Edge:
    r: str
    p: str
    rel: str
    control: str
    status: str
    evidence: str | None


@lru_cache(maxsize=65536)
def _ref_text(iri: str) -> str:
    return str(iri_to_ref(iri))


def coverage_edges(store: Store, targets: str, as_of: dt.date, via: bool, scope: str = "") -> list[Edge]:
    text = q.render("coverage", targets=targets, via="true" if via else "false", scope=scope,
                    as_of=q.date(as_of))
    cols, rows = store.select_values(text)
    i = [cols.index(c) for c in ("r", "p", "rel", "cid", "status", "eid")]
    return [Edge(row[i[0]], row[i[1]], row[i[2]], row[i[3]], row[i[4]], row[i[5]]) for row in rows]


def hub_status(requirements: list[dict]) -> str:
    """covered when every atom is met, partial when some are, uncovered when none are."""
    met = sum(1 for r in requirements if r["met"])
    return "covered" if met == len(requirements) else ("partial" if met else "uncovered")


Keep = Callable[[str, "str | None"], bool]   # (control id, evidence id) -> does it count?


def _kept(met: dict[tuple[str, str], Met], keep: Keep) -> dict[tuple[str, str], Met]:
    out = {}
    for k, m in met.items():
        by = {c: [e for e in evs if keep(c, e)] for c, evs in m.by.items()}
        out[k] = Met({c: evs for c, evs in by.items() if evs})
    return out


def assess_hub(ref: str, iri: str, index: HubIndex, met: dict[tuple[str, str], Met], *,
               detail: bool = True) -> ProvisionCoverage:
    """One decomposed provision's coverage from the atoms met (pure function); without ``detail`` only its status,
    requirements and what is left (no paths, controls or evidence: what gaps needs)."""
    reqs = requirements(index, iri, met)
    pc = ProvisionCoverage(ref, hub_status(reqs), requirements=reqs, left=[r["id"] for r in reqs if not r["met"]])
    if not detail:
        return pc
    paths: list[list[str]] = []   # already sorted: atoms by id, controls, evidence (each unique)
    controls: set[str] = set()
    evidence: set[str] = set()
    for a in sorted(index.demands.get(iri, ())):
        m = met.get((iri, a))
        if m is None:
            continue
        aid = index.atoms[a].id
        paths += [[ref, aid, c, e] for c, e in m.pairs]
        controls.update(m.by)
        evidence |= m.evidence
    pc.paths, pc.controls, pc.evidence = paths, sorted(controls), sorted(evidence)
    return pc


def left_in_words(provision: dict) -> str:
    """What is left of one provision of a coverage answer, in words (for tables, documents and pages)."""
    reqs, left = provision.get("requirements"), provision.get("left")
    if reqs is None:
        return "not decomposed into hub atoms"
    met = len(reqs) - len(left)
    if not reqs:
        return "nothing left: demands nothing assessable"
    if not left:
        return f"nothing left: all {len(reqs)} atoms met"
    titles = {r["id"]: r["title"] for r in reqs}
    head = f"{met} of {len(reqs)} atoms met" if met else f"none of {len(reqs)} atoms met"
    return f"{head}; left: " + "; ".join(f"{titles[a]} ({a})" for a in left)


def assess(refs: dict[str, str], edges: list[Edge]) -> list[ProvisionCoverage]:
    """Statuses from coverage edges, for provisions the hub does not decompose (pure function: the brute-force
    test checks it independently)."""
    by_r: dict[str, list[Edge]] = {}
    for e in edges:
        by_r.setdefault(e.r, []).append(e)
    out = []
    for iri, ref in refs.items():
        pc = ProvisionCoverage(ref)
        es = [e for e in by_r.get(iri, []) if e.evidence]
        full = [e for e in es if e.status == "implemented" and e.rel in FULL]
        part = [e for e in es if e.status in ("implemented", "partial") and (e.rel in FULL or e.rel in PART)]
        chosen = full if full else part
        pc.status = "covered" if full else ("partial" if part else "uncovered")
        paths = {(ref,) + ((_ref_text(e.p),) if e.p != e.r else ()) + (e.control, e.evidence or "") for e in chosen}
        pc.paths = [list(p) for p in sorted(paths)]
        pc.controls = sorted({e.control for e in chosen})
        pc.evidence = sorted({e.evidence for e in chosen if e.evidence})
        out.append(pc)
    return out


def _values(iris: list[str]) -> str:
    return "VALUES ?r { " + " ".join(q.iri(i) for i in iris) + " }"


def assess_all(store: Store, refs: dict[str, str], as_of: dt.date, via: bool, scope: str = "",
               keep: Keep | None = None, *, detail: bool = True) -> list[ProvisionCoverage]:
    """Coverage of ``refs`` (IRI -> reference): through the hub for decomposed provisions, through the
    crosswalks for the others; ``keep(control, evidence)`` says which contributions count (None: all); without
    ``detail`` decomposed provisions get no paths, controls or evidence (see :func:`assess_hub`)."""
    index = hub_index(store)
    hub_refs = [i for i in refs if i in index.demands or i in index.nothing]
    rest = {i: r for i, r in refs.items() if i not in index.demands and i not in index.nothing}
    met = met_atoms(store, hub_refs, as_of, via, scope) if hub_refs else {}
    edges = coverage_edges(store, _values(list(rest)), as_of, via, scope) if rest else []
    if keep is not None:
        edges = [e for e in edges if keep(e.control, e.evidence)]
        met = _kept(met, keep)
    return assess(rest, edges) + [assess_hub(refs[i], i, index, met, detail=detail) for i in hub_refs]


@gc_paused()
def framework_coverage(store: Store, framework: str, as_of: dt.date, via_mappings: bool = False, *,
                       detail: bool = True) -> dict:
    key = normalise_key(framework)
    rows = store.select(q.render("assessable-provisions", framework=q.iri(framework_iri(key)),
                                 as_of=q.date(as_of))).rows
    refs = {r["r"].value: _ref_text(r["r"].value) for r in rows}
    doc = _doc(key, as_of, via_mappings, assess_all(store, refs, as_of, via_mappings, detail=detail))
    note = not_yet_in_force(store, key, as_of)
    if note:
        doc["note"] = note
    return doc


def not_yet_in_force(store: Store, key: str, as_of: dt.date) -> str | None:
    """Why nothing of framework ``key`` counts on ``as_of`` (it was not yet published or in force), or None."""
    from .catalogue import frameworks

    for f in frameworks(store, as_of):
        if f["key"] == key and not f["in_force"]:
            what = "published" if f["published"] == f["in_force_from"] else "in force"
            return f"{f['title']} was not yet {what} on {as_of}: it exists from {f['in_force_from']}"
    return None


@gc_paused()
def system_coverage(store: Store, system_id: str, as_of: dt.date, via_mappings: bool = False, *,
                    detail: bool = True) -> dict:
    """Coverage of the EU AI Act obligations binding one system, by controls that apply to it."""
    from .classify import Classifier, read_systems

    systems = {s.id: s for s in read_systems(store)}
    if system_id not in systems:
        raise NotFoundError(f"no system {system_id!r} in the register", )
    c = Classifier(store, as_of)
    result = c.classify_system(systems[system_id])
    from .refs import Ref

    refs = {Ref("euaiact", o["ref"].split(":", 1)[1]).iri: o["ref"] for o in result["obligations"]}
    sys_iri = f"{ORG_NS}system/{system_id}"
    scope = (f"FILTER(NOT EXISTS {{ ?control cg:appliesToSystem ?any }} || "
             f"EXISTS {{ ?control cg:appliesToSystem <{sys_iri}> }})")
    doc = _doc("euaiact", as_of, via_mappings, assess_all(store, refs, as_of, via_mappings, scope, detail=detail))
    doc["system"] = system_id
    doc["tier"] = result["tier"]
    return doc


def _doc(key: str, as_of: dt.date, via: bool, assessed: list[ProvisionCoverage]) -> dict:
    from .refs import parse_ref

    provisions = sorted(assessed, key=lambda p: sort_key(parse_ref(p.ref)))
    summary = {"provisions": len(provisions), "covered": 0, "partial": 0, "uncovered": 0}
    for p in provisions:
        summary[p.status] += 1
    return {"framework": key, "as_of": as_of.isoformat(), "via_mappings": via, "summary": summary,
            "provisions": [p.as_dict() for p in provisions]}


def assumed(store: Store, target: str, source: str, as_of: dt.date) -> dict[str, dict]:
    """If every provision of ``source`` were implemented: for each assessable provision of ``target`` in force
    on ``as_of``, its status, atoms met and demanded, and the atoms left (None when not decomposed). Decomposed provisions go through the hub (an atom is met
    when a ``source`` provision demands it); the others through the (chained) crosswalks (0 atoms of 0)."""
    from .org import relation_index

    rels = relation_index(store)
    index = hub_index(store)
    source_atoms = {a for p, ats in index.demands.items() if iri_to_ref(p).key == source for a in ats}
    out = {}
    for r in store.select(q.render("assessable-provisions", framework=q.iri(framework_iri(target)),
                                   as_of=q.date(as_of))).rows:
        iri = r["r"].value
        atoms = index.demands.get(iri, frozenset() if iri in index.nothing else None)
        if atoms is not None:
            n = len(atoms & source_atoms)
            out[iri] = {"status": "covered" if n == len(atoms) else ("partial" if n else "uncovered"), "met": n,
                        "atoms": len(atoms), "left": sorted(index.atoms[a].id for a in atoms - source_atoms)}
            continue
        kinds = {x.relationship for x in rels.get(iri, []) if iri_to_ref(x.other).key == source}
        out[iri] = {"status": "covered" if kinds & FULL else ("partial" if kinds & PART else "uncovered"),
                    "met": 0, "atoms": 0, "left": None}
    return out


def coverage_matrix(store: Store, as_of: dt.date) -> dict:
    """Framework x framework: for each (source, target), how many of the target's assessable provisions in
    force on ``as_of`` a fully implemented source would cover fully / in part, and the share of the target's
    atoms it meets (through the hub; provisions not decomposed through the crosswalks). Independent of the
    register."""
    from .refs import FRAMEWORK_KEYS

    keys = list(FRAMEWORK_KEYS)
    cells = {}
    totals = {}
    for t in keys:
        for s in keys:
            if s == t:
                continue
            st = assumed(store, t, s, as_of)
            totals[t] = len(st)
            count = {k: sum(1 for v in st.values() if v["status"] == k) for k in ("covered", "partial", "uncovered")}
            met, demanded = sum(v["met"] for v in st.values()), sum(v["atoms"] for v in st.values())
            cells[f"{s}->{t}"] = {"source": s, "target": t, "total": len(st), **count,
                                  "atoms": demanded, "atoms_met": met,
                                  "atoms_share": round(100.0 * met / demanded, 1) if demanded else None}
    return {"as_of": as_of.isoformat(), "frameworks": keys, "totals": totals, "cells": cells}
