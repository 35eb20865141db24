"""Gaps: what a target framework still needs given what the organisation has implemented, ordered by
importance. With ``from_key``, only controls implementing that framework count (e.g. "we are ISO 27001
certified: what does ISO 42001 add?"); ``assume_complete`` treats every provision of ``from_key`` as
implemented (the certification scenario, independent of the register)."""
from __future__ import annotations

import datetime as dt

from . import queries as q
from .catalogue import Catalogue
from .coverage import FULL, PART, framework_coverage, system_coverage  # noqa: F401
from .org import relation_index
from .refs import framework_iri, iri_to_ref, normalise_key, parse_ref, sort_key
from .store import Store

STATUS_WEIGHT = {"uncovered": 2.0, "partial": 1.0}


def _importance(as_of: dt.date, rels: dict, iri: str, status: str, obligation: dict | None) -> tuple[float, str]:
    """A documented score: status first (uncovered 2, partial 1) x 10, then for EU AI Act obligations
    applicable now +5 / upcoming +3 minus years until they apply, plus the number of other frameworks'
    provisions mapped to it with strength >= 5 (how many requirements implementing it would also serve)."""
    score = STATUS_WEIGHT[status] * 10
    reasons = [status]
    if obligation:
        if obligation["status"] == "applicable":
            score += 5
            reasons.append("applies now")
        else:
            days = (dt.date.fromisoformat(obligation["applies_from"]) - as_of).days
            score += 3 - max(days, 0) / 365
            reasons.append(f"applies from {obligation['applies_from']}")
    strong = {r.other for r in rels.get(iri, []) if r.strength >= 5}
    if strong:
        score += len(strong) * 0.5
        reasons.append(f"also serves {len(strong)} mapped provision{'s' if len(strong) != 1 else ''} (strength >= 5)")
    return round(score, 2), ", ".join(reasons)


def gaps(store: Store, target: str, as_of: dt.date, from_key: str | None = None, system: str | None = None,
         assume_complete: bool = False) -> dict:
    tk = normalise_key(target)
    fk = normalise_key(from_key) if from_key else None
    rels = relation_index(store)
    cat = Catalogue.of(store)
    obligations: dict[str, dict] = {}
    if assume_complete:
        if not fk:
            from .errors import UserInputError

            raise UserInputError("--assume-complete needs --from KEY")
        statuses = _assumed(store, tk, fk, as_of, rels)
    else:
        doc = (system_coverage(store, system, as_of, True) if system else framework_coverage(store, tk, as_of, True))
        statuses = {parse_ref(p["ref"]).iri: p["status"] for p in doc["provisions"]}
        if fk:
            # recompute with only the controls that implement provisions of the --from framework
            from .coverage import _values, assess, coverage_edges
            from .org import controls

            allowed = {c.id for c in controls(store).values() if any(iri_to_ref(p).key == fk for p in c.implements)}
            refs = {iri: str(iri_to_ref(iri)) for iri in statuses}
            edges = [e for e in coverage_edges(store, _values(list(refs)), as_of, True) if e.control in allowed] \
                if refs else []
            statuses = {parse_ref(p.ref).iri: p.status for p in assess(refs, edges)}
        if system or tk == "euaiact":
            from .classify import Classifier, read_systems

            c = Classifier(store, as_of)
            for s in read_systems(store):
                if system and s.id != system:
                    continue
                for o in c.classify_system(s)["obligations"]:
                    iri = parse_ref(o["ref"]).iri
                    best = obligations.get(iri)
                    if best is None or o["applies_from"] < best["applies_from"]:
                        obligations[iri] = {**o, "systems": (best or {}).get("systems", []) + [s.id]}
                    else:
                        best["systems"].append(s.id)
    out = []
    for iri, status in statuses.items():
        if status == "covered":
            continue
        if tk == "euaiact" and obligations and iri not in obligations:
            continue   # an obligation that binds no system of the organisation is not a gap
        score, why = _importance(as_of, rels, iri, status, obligations.get(iri))
        info = cat.provisions.get(iri)
        out.append({"ref": str(iri_to_ref(iri)), "title": info.title if info else "", "status": status,
                    "importance": score, "why": why,
                    "systems": sorted(set(obligations.get(iri, {}).get("systems", [])))})
    out.sort(key=lambda g: (-g["importance"], sort_key(parse_ref(g["ref"]))))
    return {"target": tk, "from": fk, "system": system, "as_of": as_of.isoformat(),
            "assume_complete": assume_complete, "summary": {"gaps": len(out),
                                                            "uncovered": sum(g["status"] == "uncovered" for g in out),
                                                            "partial": sum(g["status"] == "partial" for g in out)},
            "gaps": out}


def _assumed(store: Store, tk: str, fk: str, as_of: dt.date, rels: dict) -> dict[str, str]:
    rows = store.select(q.render("assessable-provisions", framework=q.iri(framework_iri(tk)),
                                 as_of=q.date(as_of))).rows
    out = {}
    for r in rows:
        iri = r["r"].value
        kinds = {x.relationship for x in rels.get(iri, []) if iri_to_ref(x.other).key == fk}
        out[iri] = "covered" if kinds & FULL else ("partial" if kinds & PART else "uncovered")
    return out
