"""Impact: what loses coverage if a piece of evidence expires or is withdrawn, a control is removed or fails,
or on a future date; per framework, with the systems affected. A provision decomposed into hub atoms also
counts as losing when an atom it had met is no longer met (``atoms_lost``), even if its status stays partial."""
from __future__ import annotations

import datetime as dt

from .coverage import assess_all
from . import queries as q
from .errors import NotFoundError, UserInputError
from .org import controls
from .refs import FRAMEWORK_KEYS, framework_iri, iri_to_ref, parse_ref, sort_key
from .store import Store

RANK = {"covered": 2, "partial": 1, "uncovered": 0}


def impact(store: Store, as_of: dt.date, evidence: str | None = None, control: str | None = None,
           on: dt.date | None = None, via_mappings: bool = True) -> dict:
    if not (evidence or control or on):
        raise UserInputError("give --evidence ID, --control ID or --on DATE")
    ctl = controls(store)
    if control and control not in ctl:
        raise NotFoundError(f"no control {control!r} in the register")
    if evidence and not any(evidence in c.evidence for c in ctl.values()):
        raise NotFoundError(f"no evidence {evidence!r} in the register")
    later = on or as_of
    frameworks = []
    lost_iris: set[str] = set()
    for key in FRAMEWORK_KEYS:
        rows = store.select(q.render("assessable-provisions", framework=q.iri(framework_iri(key)),
                                     as_of=q.date(as_of))).rows
        refs = {r["r"].value: str(iri_to_ref(r["r"].value)) for r in rows}
        if not refs:
            continue
        before = {p.ref: p for p in assess_all(store, refs, as_of, via_mappings)}
        after = {p.ref: p for p in assess_all(store, refs, later, via_mappings,
                                               keep=lambda c, e: c != control and (not evidence or e != evidence))}
        changed = []
        for r, b in before.items():
            a = after[r]
            lost = sorted(set(a.left or ()) - set(b.left or ()))
            if RANK[a.status] < RANK[b.status] or lost:
                changed.append({"ref": r, "before": b.status, "after": a.status, "atoms_lost": lost})
        changed.sort(key=lambda c: sort_key(parse_ref(c["ref"])))
        lost_iris |= {parse_ref(c["ref"]).iri for c in changed}
        frameworks.append({"framework": key, "losing": len(changed), "provisions": changed})
    systems = _affected_systems(store, as_of, ctl, control, evidence, lost_iris)
    return {"as_of": as_of.isoformat(), "on": later.isoformat(), "evidence": evidence, "control": control,
            "via_mappings": via_mappings, "summary": {f["framework"]: f["losing"] for f in frameworks},
            "frameworks": frameworks, "systems": systems}


def _affected_systems(store: Store, as_of: dt.date, ctl: dict, control: str | None, evidence: str | None,
                      lost: set[str]) -> list[dict]:
    from .classify import Classifier, read_systems

    touched = set()
    for c in ctl.values():
        if c.id == control or (evidence and evidence in c.evidence):
            touched |= c.systems
    c = Classifier(store, as_of)
    out = []
    for s in read_systems(store):
        bound = {parse_ref(o["ref"]).iri for o in c.classify_system(s)["obligations"]}
        hit = sorted(str(iri_to_ref(i)) for i in bound & lost)
        if hit or s.id in touched:
            out.append({"id": s.id, "obligations_losing_coverage": hit,
                        "control_scoped_to_system": s.id in touched})
    return out
