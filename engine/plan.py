"""Control planning: which not-yet-effective controls, or which provisions not yet implemented, close the most
uncovered provisions across the chosen target frameworks: a weighted greedy set cover over a bipartite graph
(networkx), explaining each pick."""
from __future__ import annotations

import datetime as dt

import networkx as nx

from .catalogue import Catalogue
from .coverage import FULL, framework_coverage
from .org import controls, relation_index
from .refs import iri_to_ref, normalise_key, parse_ref, sort_key
from .store import Store

WEIGHT = {"uncovered": 1.0, "partial": 0.5}   # closing a partial gap is worth half an uncovered one
COST = {"control": 1.0, "provision": 1.5}     # finishing an existing control is cheaper than a new one


def plan(store: Store, targets: list[str], as_of: dt.date, budget: int = 10) -> dict:
    keys = [normalise_key(t) for t in targets]
    cat = Catalogue.of(store)
    rels = relation_index(store)
    need: dict[str, float] = {}
    for k in keys:
        for p in framework_coverage(store, k, as_of, True)["provisions"]:
            if p["status"] != "covered":
                need[parse_ref(p["ref"]).iri] = WEIGHT[p["status"]]
    g = nx.DiGraph()
    for iri, w in need.items():
        g.add_node(iri, kind="need", weight=w)

    def fully_reached(p: str) -> dict[str, str]:
        reached = {}
        for leaf in [p] + [x for x, info in cat.provisions.items() if p in cat.ancestors(x)[1:]]:
            if leaf in need:
                reached[leaf] = "implements"
            for r in rels.get(leaf, []):
                # r.relationship is leaf relative to other; we need rel(other, leaf) in FULL
                back = {"subset_of": "superset_of", "superset_of": "subset_of"}.get(r.relationship, r.relationship)
                if r.other in need and back in FULL:
                    reached.setdefault(r.other, f"{back} {iri_to_ref(leaf)}")
        return reached

    ctl = controls(store)
    for c in ctl.values():
        effective = c.status == "implemented" and any(e.valid_on(as_of) for e in c.evidence.values())
        if effective:
            continue
        node = f"control:{c.id}"
        g.add_node(node, kind="control", cost=COST["control"], label=f"{c.id} ({c.status})")
        for p in c.implements:
            for r, how in fully_reached(p).items():
                g.add_edge(node, r, how=how)
    for iri in list(need):
        node = f"provision:{iri}"
        g.add_node(node, kind="provision", cost=COST["provision"], label=str(iri_to_ref(iri)))
        for r, how in fully_reached(iri).items():
            g.add_edge(node, r, how=how)
    picks, open_ = [], set(need)
    while len(picks) < budget:
        best, best_gain = None, 0.0
        for n, d in g.nodes(data=True):
            if d["kind"] == "need":
                continue
            gain = sum(g.nodes[r]["weight"] for r in g.successors(n) if r in open_) / d["cost"]
            if gain > best_gain or (gain == best_gain and best is not None and n < best):
                best, best_gain = n, gain
        if best is None or best_gain <= 0:
            break
        closes = sorted((r for r in g.successors(best) if r in open_), key=lambda r: sort_key(iri_to_ref(r)))
        open_ -= set(closes)
        d = g.nodes[best]
        picks.append({"pick": d["label"], "kind": d["kind"], "gain": round(best_gain, 2),
                      "closes": [{"ref": str(iri_to_ref(r)), "how": g.edges[best, r]["how"]} for r in closes],
                      "explanation": f"{'finish and evidence control' if d['kind'] == 'control' else 'implement'} "
                                     f"{d['label']}: closes {len(closes)} open provision(s) "
                                     f"(weighted gain {best_gain:.2f} per unit of cost)"})
        g.remove_node(best)
    return {"targets": keys, "as_of": as_of.isoformat(), "open_before": len(need), "open_after": len(open_),
            "weights": WEIGHT, "costs": COST, "picks": picks}
