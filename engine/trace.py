"""Traceability: forward from a provision (any framework) to mapped provisions, implementing controls and
evidence; backward from a control or a piece of evidence to every provision in every framework it serves."""
from __future__ import annotations

import datetime as dt

from .bulk import gc_paused
from .catalogue import Catalogue
from .errors import NotFoundError
from .mappings.hubfiles import HUB_NS
from .org import controls, relation_index
from .records import findings_against
from .refs import iri_to_ref, sort_key
from .store import Store


def _prov(cat: Catalogue, iri: str, **extra) -> dict:
    info = cat.provisions.get(iri)
    ref = iri_to_ref(iri)
    return {"kind": "provision", "id": str(ref), "label": info.title if info else "", **extra, "children": []}


def _control(c, day: dt.date, **extra) -> dict:
    return {"kind": "control", "id": c.id, "label": c.title, "status": c.status, "owner": c.owner,
            "systems": sorted(c.systems), **extra,
            "children": [{"kind": "evidence", "id": e.id, "label": e.title, **e.as_dict(day), "children": []}
                         for e in sorted(c.evidence.values(), key=lambda e: e.id)]}


@gc_paused()
def trace_provision(store: Store, ref_text: str, as_of: dt.date) -> dict:
    cat = Catalogue.of(store)
    info = cat.resolve(ref_text)
    rels = relation_index(store)
    wanted = {a for iri in [info.iri] + [r.other for r in rels.get(info.iri, [])] for a in cat.ancestors(iri)}
    ctl = controls(store, implementing=sorted(wanted))

    def implementers(iri: str) -> list:
        chain = set(cat.ancestors(iri))   # a control implementing a heading implements what is below it
        return sorted((c for c in ctl.values() if c.implements & chain), key=lambda c: c.id)

    root = _prov(cat, info.iri)
    root["children"] += [_control(c, as_of, via="direct") for c in implementers(info.iri)]
    root["atoms"] = _atoms(store, info.iri, as_of)
    needed = {c for a in root["atoms"] or [] for c in a["by"]} - set(ctl)
    meeting = {**ctl, **(controls(store, ids=sorted(needed)) if needed else {})}
    for a in root["atoms"] or []:   # provision -> atom -> the controls meeting it (through any framework)
        root["children"].append({"kind": "atom", "id": a["id"], "label": a["title"], "met": a["met"],
                                 "children": [_control(meeting[c], as_of, via=a["id"]) for c in a["by"]]})
    for rel in sorted(rels.get(info.iri, []), key=lambda r: (r.derived, sort_key(iri_to_ref(r.other)))):
        node = _prov(cat, rel.other, relationship=rel.relationship, rationale=rel.rationale,
                     strength=rel.strength, derived=rel.derived)
        node["children"] = [_control(c, as_of, via=node["id"]) for c in implementers(rel.other)]
        root["children"].append(node)
    # the management system's records: findings raised against the provision (or one below it) -> actions -> evidence
    root["children"] += findings_against(store, provisions_below(cat, info.iri), as_of)
    return {"direction": "forward", "as_of": as_of.isoformat(), "root": root}


def _atoms(store: Store, iri: str, as_of: dt.date) -> list[dict] | None:
    """The provision's hub atoms, each met or not on ``as_of`` (through any framework) and by which controls;
    None when the hub does not decompose it."""
    from .hub import hub_index, met_atoms, requirements

    index = hub_index(store)
    if iri not in index.demands:
        return None
    return requirements(index, iri, met_atoms(store, [iri], as_of, True))


def provisions_below(cat: Catalogue, iri: str) -> set[str]:
    """The provision and every provision below it."""
    out, todo = {iri}, [iri]
    while todo:
        for kid in cat.children.get(todo.pop(), []):
            out.add(kid)
            todo.append(kid)
    return out


def trace_control(store: Store, control_id: str, as_of: dt.date, evidence_id: str | None = None) -> dict:
    cat = Catalogue.of(store)
    ctl = controls(store, ids=[control_id])
    if control_id not in ctl:
        raise NotFoundError(f"no control {control_id!r} in the register")
    rels = relation_index(store)
    c = ctl[control_id]
    node = _control(c, as_of)
    for iri in sorted(c.implements, key=lambda i: (i.startswith(HUB_NS), i)):
        if iri.startswith(HUB_NS):
            node["children"].append(_atom_node(store, cat, iri))
            continue
        p = _prov(cat, iri, relationship="implements")
        for rel in sorted(rels.get(iri, []), key=lambda r: (r.derived, sort_key(iri_to_ref(r.other)))):
            p["children"].append(_prov(cat, rel.other, relationship=rel.relationship, rationale=rel.rationale,
                                       strength=rel.strength, derived=rel.derived))
        node["children"].append(p)
    frameworks: dict[str, set[str]] = {}
    for p in node["children"]:
        if p["kind"] in ("provision", "atom"):
            for n in ([p] if p["kind"] == "provision" else []) + p["children"]:
                frameworks.setdefault(n["id"].split(":", 1)[0], set()).add(n["id"])
    return {"direction": "backward", "as_of": as_of.isoformat(), "root": node, "serves": {
        k: sorted(v, key=lambda r: sort_key(iri_to_ref(cat.resolve(r).iri))) for k, v in sorted(frameworks.items())}}


def _atom_node(store: Store, cat: Catalogue, iri: str) -> dict:
    """A hub atom a control names directly, with the provisions demanding it (which it therefore serves)."""
    from .hub import hub_index

    index = hub_index(store)
    info = index.atoms[iri]
    return {"kind": "atom", "id": info.id, "label": info.title, "relationship": "implements",
            "children": [_prov(cat, p, relationship="demands") for p in index.demanded_by.get(iri, [])]}


def trace_evidence(store: Store, evidence_id: str, as_of: dt.date) -> dict:
    ctl = controls(store)
    owners = [c for c in ctl.values() if evidence_id in c.evidence]
    if not owners:
        raise NotFoundError(f"no evidence {evidence_id!r} in the register")
    ev = owners[0].evidence[evidence_id]
    root = {"kind": "evidence", "id": ev.id, "label": ev.title, **ev.as_dict(as_of), "children": []}
    serves: dict[str, set[str]] = {}
    for c in sorted(owners, key=lambda c: c.id):
        t = trace_control(store, c.id, as_of)
        t["root"]["children"] = [n for n in t["root"]["children"] if n["kind"] in ("provision", "atom")]
        root["children"].append(t["root"])
        for k, v in t["serves"].items():
            serves.setdefault(k, set()).update(v)
    return {"direction": "backward", "as_of": as_of.isoformat(), "root": root,
            "serves": {k: sorted(v) for k, v in sorted(serves.items())}}


def flatten(node: dict, prefix: list[dict] | None = None) -> list[list[dict]]:
    """Root-to-leaf paths of a trace tree (for csv and markdown)."""
    path = (prefix or []) + [node]
    if not node["children"]:
        return [path]
    out = []
    for child in node["children"]:
        out += flatten(child, path)
    return out
