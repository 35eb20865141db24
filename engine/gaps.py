"""Gaps: what a target framework still needs given what the organisation has implemented, ordered by
importance. With ``from_key``, only controls implementing that framework count (e.g. "we are ISO 27001
certified: what does ISO 42001 add?"); ``assume_complete`` treats every provision of ``from_key`` as
implemented (the certification scenario, independent of the register)."""
from __future__ import annotations

import datetime as dt

from .bulk import gc_paused
from .catalogue import Catalogue
from .coverage import assumed, framework_coverage, not_yet_in_force, system_coverage
from .hub import hub_index
from .mappings.hubfiles import HUB_NS, atom_iri
from .org import relation_index
from .refs import iri_to_ref, normalise_key, parse_ref, sort_key
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


@gc_paused()
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
        found = {iri: (v["status"], v["left"]) for iri, v in assumed(store, tk, fk, as_of).items()}
    else:
        # statuses and what is left only: the paths of a large register are not needed here
        doc = (system_coverage(store, system, as_of, True, detail=False) if system
               else framework_coverage(store, tk, as_of, True, detail=False))
        provisions = doc["provisions"]
        if fk:
            # recompute with only the controls that implement provisions of the --from framework
            from .coverage import assess_all
            from .org import controls

            allowed = {c.id for c in controls(store).values() if any(_framework_of(p) == fk for p in c.implements)}
            refs = {parse_ref(p["ref"]).iri: p["ref"] for p in provisions}
            provisions = [p.as_dict() for p in assess_all(store, refs, as_of, True, keep=lambda c, e: c in allowed,
                                                          detail=False)]
        found = {parse_ref(p["ref"]).iri: (p["status"], p["left"]) for p in provisions}
        if system or tk == "euaiact":
            obligations = _binding_obligations(store, as_of, system)
    out = []
    for iri, (status, left) in found.items():
        if status == "covered":
            continue
        if tk == "euaiact" and obligations and iri not in obligations:
            continue   # an obligation that binds no system of the organisation is not a gap
        score, why = _importance(as_of, rels, iri, status, obligations.get(iri))
        info = cat.provisions.get(iri)
        out.append({"ref": str(iri_to_ref(iri)), "title": info.title if info else "", "status": status,
                    "importance": score, "why": why, "left": left,
                    "systems": sorted(set(obligations.get(iri, {}).get("systems", [])))})
    out.sort(key=lambda g: (-g["importance"], sort_key(parse_ref(g["ref"]))))
    atoms = unmet_atoms(store, out, tk)
    doc = {"target": tk, "from": fk, "system": system, "as_of": as_of.isoformat(),
           "assume_complete": assume_complete, "summary": {"gaps": len(out),
                                                           "uncovered": sum(g["status"] == "uncovered" for g in out),
                                                           "partial": sum(g["status"] == "partial" for g in out),
                                                           "atoms_left": len(atoms)},
           "gaps": out, "atoms": atoms}
    note = not_yet_in_force(store, tk, as_of)   # no gaps before the target exists: say why
    if note:
        doc["note"] = note
    return doc


def _binding_obligations(store: Store, as_of: dt.date, system: str | None) -> dict[str, dict]:
    """EU AI Act obligations binding the register's systems (or one), earliest application first."""
    from .classify import Classifier, read_systems

    obligations: dict[str, dict] = {}
    c = Classifier(store, as_of)
    iris: dict[str, str] = {}   # obligation reference -> IRI (a few hundred, repeated for every system)
    groups: dict[int, tuple[list[dict], list[str]]] = {}   # systems classified alike share one obligations list
    for s in read_systems(store):
        if system and s.id != system:
            continue
        obs = c.classify_system(s)["obligations"]
        groups.setdefault(id(obs), (obs, []))[1].append(s.id)
    for obs, ids in groups.values():
        for o in obs:
            iri = iris.get(o["ref"]) or iris.setdefault(o["ref"], parse_ref(o["ref"]).iri)
            best = obligations.get(iri)
            if best is None or o["applies_from"] < best["applies_from"]:
                obligations[iri] = {**o, "systems": (best or {}).get("systems", []) + ids}
            else:
                best["systems"].extend(ids)
    return obligations


def unmet_atoms(store: Store, gap_list: list[dict], target: str) -> list[dict]:
    """The atoms left across the gaps, grouped: each with the gaps it advances, the gaps it alone would close
    (its only missing atom), and how many provisions of the other frameworks demand it too (meeting it once
    counts everywhere). Most gaps advanced first."""
    index = hub_index(store)
    by_atom: dict[str, dict] = {}
    for g in gap_list:
        for a in g["left"] or ():
            entry = by_atom.setdefault(a, {"gaps": [], "closes": []})
            entry["gaps"].append(g["ref"])
            if len(g["left"]) == 1:
                entry["closes"].append(g["ref"])
    out = []
    for a, entry in by_atom.items():
        info = index.atoms[atom_iri(a)]
        elsewhere: dict[str, int] = {}
        for p in index.demanded_by.get(info.iri, []):
            key = iri_to_ref(p).key
            if key != target:
                elsewhere[key] = elsewhere.get(key, 0) + 1
        n, c = len(entry["gaps"]), len(entry["closes"])
        say = f"meeting it advances {n} {target} gap{'s' if n != 1 else ''}" + (f" and closes {c}" if c else "")
        if elsewhere:
            say += "; also demanded by " + ", ".join(f"{v} {k} provision{'s' if v != 1 else ''}"
                                                     for k, v in sorted(elsewhere.items()))
        out.append({"id": a, "title": info.title, "gaps": entry["gaps"], "closes": entry["closes"],
                    "also_demanded_by": dict(sorted(elsewhere.items())),
                    "frameworks": 1 + len(elsewhere), "why": say})
    out.sort(key=lambda x: (-len(x["gaps"]), -len(x["closes"]), -x["frameworks"], x["id"]))
    return out


def _framework_of(iri: str) -> str | None:
    """The framework key of an implemented provision IRI (None for a hub atom named directly)."""
    return None if iri.startswith(HUB_NS) else iri_to_ref(iri).key

