"""Coverage: for each assessable provision of a framework (or each obligation binding one system), whether the
organisation's controls cover it on a date, directly or through the chained crosswalks, with every control,
piece of evidence and path that justifies the answer (many-to-many: all contributors are kept).

Rules (docs/cli.md): a control reaches R fully when it implements R, or a provision P with rel(R,P) equal or
subset_of; in part when rel(R,P) guarantees overlap (intersects_with, superset_of, overlaps). Covered: an
implemented control reaches R fully and has evidence valid on the date. Partial: not covered, but an
implemented or partial control reaches R (fully or in part) with valid evidence. Otherwise uncovered.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

from . import queries as q
from .errors import NotFoundError
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

    def as_dict(self) -> dict:
        return {"ref": self.ref, "status": self.status, "controls": self.controls, "evidence": self.evidence,
                "paths": self.paths}


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


def assess(refs: dict[str, str], edges: list[Edge]) -> list[ProvisionCoverage]:
    """Statuses from coverage edges (pure function: the brute-force test checks it independently)."""
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


def framework_coverage(store: Store, framework: str, as_of: dt.date, via_mappings: bool = False) -> dict:
    key = normalise_key(framework)
    rows = store.select(q.render("assessable-provisions", framework=q.iri(framework_iri(key)),
                                 as_of=q.date(as_of))).rows
    refs = {r["r"].value: _ref_text(r["r"].value) for r in rows}
    edges = coverage_edges(store, _values(list(refs)), as_of, via_mappings) if refs else []
    doc = _doc(key, as_of, via_mappings, refs, edges)
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


def system_coverage(store: Store, system_id: str, as_of: dt.date, via_mappings: bool = False) -> dict:
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
    edges = coverage_edges(store, _values(list(refs)), as_of, via_mappings, scope) if refs else []
    doc = _doc("euaiact", as_of, via_mappings, refs, edges)
    doc["system"] = system_id
    doc["tier"] = result["tier"]
    return doc


def _doc(key: str, as_of: dt.date, via: bool, refs: dict[str, str], edges: list[Edge]) -> dict:
    from .refs import parse_ref

    provisions = sorted(assess(refs, edges), key=lambda p: sort_key(parse_ref(p.ref)))
    summary = {"provisions": len(provisions), "covered": 0, "partial": 0, "uncovered": 0}
    for p in provisions:
        summary[p.status] += 1
    return {"framework": key, "as_of": as_of.isoformat(), "via_mappings": via, "summary": summary,
            "provisions": [p.as_dict() for p in provisions]}


def coverage_matrix(store: Store, as_of: dt.date) -> dict:
    """Framework x framework: for each (source, target), how many of the target's assessable provisions in
    force on ``as_of`` would be covered fully / in part through the (chained) crosswalks if the source were
    fully implemented. One pass over the relation index; independent of the register."""
    from .org import relation_index
    from .refs import FRAMEWORK_KEYS

    rels = relation_index(store)
    keys = list(FRAMEWORK_KEYS)
    provisions = {k: [r["r"].value for r in store.select(q.render(
        "assessable-provisions", framework=q.iri(framework_iri(k)), as_of=q.date(as_of))).rows] for k in keys}
    cells = {}
    for t in keys:
        for s in keys:
            if s == t:
                continue
            full = part = 0
            for iri in provisions[t]:
                kinds = {r.relationship for r in rels.get(iri, []) if iri_to_ref(r.other).key == s}
                if kinds & FULL:
                    full += 1
                elif kinds & PART:
                    part += 1
            total = len(provisions[t])
            cells[f"{s}->{t}"] = {"source": s, "target": t, "total": total, "covered": full, "partial": part,
                                  "uncovered": total - full - part}
    return {"as_of": as_of.isoformat(), "frameworks": keys,
            "totals": {k: len(v) for k, v in provisions.items()}, "cells": cells}
