"""Control planning: which not-yet-effective controls, which provisions not yet implemented, or which single hub
atoms close the most open requirements across the chosen target frameworks: a weighted greedy set cover over a
bipartite graph (networkx), explaining each pick.

What is open: for a provision decomposed into hub atoms, each atom it still lacks, worth the provision's share
(1 / its number of atoms, so a wholly uncovered provision is worth 1); for a provision the hub does not
decompose, the provision itself (uncovered 1, partial 0.5). A control or provision meets the atoms of what it
implements, in every framework at once; an atom pick ("meet hub:x") is a new or extended control.
"""
from __future__ import annotations

import datetime as dt

import networkx as nx

from .catalogue import Catalogue
from .coverage import FULL, framework_coverage
from .hub import hub_index
from .mappings.hubfiles import HUB_NS, atom_iri
from .org import controls, relation_index
from .refs import iri_to_ref, normalise_key, parse_ref, sort_key
from .store import Store

WEIGHT = {"uncovered": 1.0, "partial": 0.5}   # closing a partial gap is worth half an uncovered one
COST = {"control": 1.0, "atom": 1.0, "provision": 1.5}   # finishing a control or meeting one atom < a provision

Unit = tuple[str, str | None]   # (provision IRI, atom IRI it lacks, or None for a provision without atoms)


def plan(store: Store, targets: list[str], as_of: dt.date, budget: int = 10) -> dict:
    keys = [normalise_key(t) for t in targets]
    cat = Catalogue.of(store)
    rels = relation_index(store)
    index = hub_index(store)
    need: dict[Unit, float] = {}
    for k in keys:
        for p in framework_coverage(store, k, as_of, True, detail=False)["provisions"]:
            if p["status"] == "covered":
                continue
            iri = parse_ref(p["ref"]).iri
            if p["left"] is None:
                need[(iri, None)] = WEIGHT[p["status"]]
            else:
                for a in p["left"]:
                    need[(iri, atom_iri(a))] = 1.0 / len(p["requirements"])
    needing: dict[str, list[Unit]] = {}
    for u in need:
        if u[1] is not None:
            needing.setdefault(u[1], []).append(u)
    g = nx.DiGraph()
    for u, w in need.items():
        g.add_node(u, kind="need", weight=w)

    def below(p: str) -> list[str]:
        return [p] + [x for x in cat.provisions if p in cat.ancestors(x)[1:]]

    def reached(implemented: set[str]) -> dict[Unit, str]:
        """Open units met by implementing these provisions (headings include what is below them) and atoms."""
        out: dict[Unit, str] = {}
        atoms = {i for i in implemented if i.startswith(HUB_NS)}
        for p in implemented - atoms:
            for leaf in below(p):
                atoms |= index.demands.get(leaf, frozenset())
                if (leaf, None) in need:
                    out[(leaf, None)] = "implements"
                for r in rels.get(leaf, []):
                    back = {"subset_of": "superset_of", "superset_of": "subset_of"}.get(r.relationship, r.relationship)
                    if (r.other, None) in need and back in FULL:
                        out.setdefault((r.other, None), f"{back} {iri_to_ref(leaf)}")
        for a in atoms:
            for u in needing.get(a, []):
                out[u] = f"meets {index.atoms[a].id}"
        return out

    for c in controls(store).values():
        if c.status == "implemented" and any(e.valid_on(as_of) for e in c.evidence.values()):
            continue
        node = f"control:{c.id}"
        g.add_node(node, kind="control", cost=COST["control"], label=f"{c.id} ({c.status})")
        for u, how in reached(set(c.implements)).items():
            g.add_edge(node, u, how=how)
    for iri in sorted({u[0] for u in need}):
        node = f"provision:{iri}"
        g.add_node(node, kind="provision", cost=COST["provision"], label=str(iri_to_ref(iri)))
        for u, how in reached({iri}).items():
            g.add_edge(node, u, how=how)
    for a in sorted(needing):
        node = f"atom:{a}"
        g.add_node(node, kind="atom", cost=COST["atom"], label=index.atoms[a].id)
        for u in needing[a]:
            g.add_edge(node, u, how=f"meets {index.atoms[a].id}")
    picks, open_ = [], set(need)
    before = _open_provisions(open_)
    while len(picks) < budget:
        best, best_gain = None, 0.0
        for n, d in g.nodes(data=True):
            if d["kind"] == "need":
                continue
            gain = sum(g.nodes[u]["weight"] for u in g.successors(n) if u in open_) / d["cost"]
            if gain > best_gain + 1e-12 or (abs(gain - best_gain) <= 1e-12 and best is not None and n < best):
                best, best_gain = n, gain
        if best is None or best_gain <= 0:
            break
        hit = [u for u in g.successors(best) if u in open_]
        open_ -= set(hit)
        picks.append(_pick(g, best, best_gain, hit, open_, index))
        g.remove_node(best)
    return {"targets": keys, "as_of": as_of.isoformat(), "open_before": len(before),
            "open_after": len(_open_provisions(open_)), "atoms_open_before": sum(1 for u in need if u[1]),
            "atoms_open_after": sum(1 for u in open_ if u[1]), "weights": WEIGHT, "costs": COST, "picks": picks}


def _open_provisions(units: set[Unit]) -> set[str]:
    return {u[0] for u in units}


def _pick(g: nx.DiGraph, node: str, gain: float, hit: list[Unit], still_open: set[Unit], index) -> dict:
    """One pick explained: the provisions it closes, those it only advances, and the atoms it meets."""
    d = g.nodes[node]
    by_prov: dict[str, list[str]] = {}
    for u in hit:
        by_prov.setdefault(u[0], []).append(g.edges[node, u]["how"])
    remaining = _open_provisions(still_open)
    order = sorted(by_prov, key=lambda r: sort_key(iri_to_ref(r)))
    closes = [{"ref": str(iri_to_ref(r)), "how": "; ".join(sorted(set(by_prov[r])))} for r in order
              if r not in remaining]
    advances = [{"ref": str(iri_to_ref(r)), "how": "; ".join(sorted(set(by_prov[r])))} for r in order
                if r in remaining]
    atoms = sorted({index.atoms[u[1]].id for u in hit if u[1]})
    frameworks = sorted({iri_to_ref(r).key for r in by_prov})
    verb = {"control": "finish and evidence control", "atom": "meet", "provision": "implement"}[d["kind"]]
    return {"pick": d["label"], "kind": d["kind"], "gain": round(gain, 2), "closes": closes, "advances": advances,
            "atoms": atoms, "frameworks": frameworks,
            "explanation": f"{verb} {d['label']}: closes {len(closes)} and advances {len(advances)} open "
                           f"provision(s) in {', '.join(frameworks)}"
                           + (f" by meeting {len(atoms)} atom(s)" if atoms else "")
                           + f" (weighted gain {gain:.2f} per unit of cost)"}
