"""Chaining crosswalks soundly: path consistency over every path, per rationale.

Nodes are provisions; each curated mapping is an edge carrying a relation mask (and its inverse backwards).
For every pair (A, C) connected through B the composed mask rel(A,B) o rel(B,C) is intersected with what is
known about (A, C), until nothing changes (path consistency, as for Allen's interval algebra). Unknown pairs
start as "anything" and a mask that stays "anything" is not a mapping: nothing is inferred from absence.
An empty intersection is a contradiction, reported with the two paths that conflict.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from ..refs import Ref
from .algebra import ANY, BY_NAME, NAMES, compose, inverse, mask_name
from .sssom import Mapping


@dataclass
class Edge:
    mask: int
    strength: int
    path: tuple[Ref, ...]   # intermediate provisions (empty for a curated mapping)


@dataclass
class Contradiction:
    subject: Ref
    object: Ref
    rationale: str
    paths: list[tuple[Ref, ...]]   # full paths subject ... object that conflict
    masks: list[str]

    def describe(self) -> str:
        ps = "; ".join(f"{' -> '.join(str(r) for r in p)} says {m}" for p, m in zip(self.paths, self.masks))
        return f"contradiction between {self.subject} and {self.object} ({self.rationale}): {ps}"


@dataclass
class Closure:
    derived: list[Mapping] = field(default_factory=list)
    contradictions: list[Contradiction] = field(default_factory=list)


def _network(mappings: list[Mapping], rationale: str) -> dict[Ref, dict[Ref, Edge]]:
    net: dict[Ref, dict[Ref, Edge]] = {}
    for m in mappings:
        if m.object is None or m.rationale != rationale or m.derived:
            continue
        mask = BY_NAME[m.relationship]
        for a, b, mk in ((m.subject, m.object, mask), (m.object, m.subject, inverse(mask))):
            known = net.setdefault(a, {}).get(b)
            if known is None:
                net[a][b] = Edge(mk, m.strength, ())
            else:  # two curated rows about the same pair: intersect (conflicts surface as contradictions)
                known.mask &= mk
                known.strength = max(known.strength, m.strength)
    return net


def close(mappings: list[Mapping], max_path: int | None = None) -> Closure:
    """Derived mappings (single relationship or 'overlaps' only) and contradictions, for every rationale."""
    result = Closure()
    for rationale in sorted({m.rationale for m in mappings}):
        _close_one(mappings, rationale, result, max_path)
    return result


def _close_one(mappings: list[Mapping], rationale: str, result: Closure, max_path: int | None) -> None:
    net = _network(mappings, rationale)
    curated = {(a, b) for a, row in net.items() for b in row}
    # direct contradictions between curated rows
    for a, row in net.items():
        for b, e in row.items():
            if e.mask == 0 and a < b:
                result.contradictions.append(Contradiction(a, b, rationale, [(a, b)], ["contradiction"]))
    queue = deque((a, b) for a, row in net.items() for b in row)
    reported: set[tuple[Ref, Ref]] = set()
    while queue:
        a, b = queue.popleft()
        ab = net[a].get(b)
        if ab is None or ab.mask == 0:
            continue
        # extend a->b by b->c, and c->a by a->b
        for c, bc in list(net.get(b, {}).items()):
            if c == a or bc.mask == 0 or (max_path and len(ab.path) + len(bc.path) + 2 > max_path):
                continue
            _refine(net, a, c, compose(ab.mask, bc.mask), min(ab.strength, bc.strength),
                    ab.path + (b,) + bc.path, queue, result, rationale, reported)
        # the network is symmetric (every edge is stored with its inverse), so a's predecessors are its successors
        for c, ca in [(x, net[x][a]) for x in list(net.get(a, {})) if a in net.get(x, {})]:
            if c == b or ca.mask == 0 or (max_path and len(ca.path) + len(ab.path) + 2 > max_path):
                continue
            _refine(net, c, b, compose(ca.mask, ab.mask), min(ca.strength, ab.strength),
                    ca.path + (a,) + ab.path, queue, result, rationale, reported)
    for a, row in net.items():
        for c, e in row.items():
            if (a, c) in curated or a == c or e.mask in (0, ANY) or a.key == c.key:
                continue
            name = mask_name(e.mask)
            if e.mask not in NAMES and name != "overlaps":
                continue
            result.derived.append(Mapping(a, c, name, rationale, e.strength,
                                          f"derived by chaining {len(e.path) + 1} curated mappings",
                                          "cgagent:clausegraph-chaining", "", "semapv:MappingChaining",
                                          derived=True, path=e.path))


def _refine(net, a: Ref, c: Ref, mask: int, strength: int, path: tuple[Ref, ...], queue, result: Closure,
            rationale: str, reported: set) -> None:
    if mask == ANY or a == c:
        return
    row = net.setdefault(a, {})
    known = row.get(c)
    if known is None:
        row[c] = Edge(mask, strength, path)
        net.setdefault(c, {})[a] = Edge(inverse(mask), strength, tuple(reversed(path)))
        queue.append((a, c))
        return
    new = known.mask & mask
    if new == known.mask:
        if strength > known.strength and new == mask:
            known.strength = strength
        return
    if new == 0:
        key = (min(a, c), max(a, c))
        if key not in reported:
            reported.add(key)
            result.contradictions.append(Contradiction(
                a, c, rationale, [(a, *known.path, c), (a, *path, c)], [mask_name(known.mask), mask_name(mask)]))
        return
    known.mask, known.path = new, (path if new == mask else known.path)
    known.strength = min(known.strength, strength) if new != mask else strength
    back = net.setdefault(c, {})
    back[a] = Edge(inverse(new), known.strength, tuple(reversed(known.path)))
    queue.append((a, c))
