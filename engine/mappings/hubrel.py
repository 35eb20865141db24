"""Relations computed from the requirement hub (pure functions over atom sets, no store).

Two provisions relate as their atom sets do (NIST IR 8477 set relationships): equal, subset_of, superset_of,
intersects_with, or not_related when both are decomposed into at least one atom and share none. A provision
that demands nothing assessable, or is not decomposed, relates to nothing through the hub: nothing is
inferred from absence. Curated rows are a second opinion, checked against the hub here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping as MappingT

from ..refs import Ref, sort_key
from .algebra import NAMES, set_relation
from .sssom import Mapping

RELATIONS = ("equal", "subset_of", "superset_of", "intersects_with", "not_related")
#: curated relationship -> the hub relations it agrees with. A curated intersects_with is read as "some overlap"
#: (the profile's conservative choice when in doubt, docs/crosswalks.md), so it needs one shared atom.
AGREES = {"equal": {"equal"}, "subset_of": {"equal", "subset_of"}, "superset_of": {"equal", "superset_of"},
          "intersects_with": {"equal", "subset_of", "superset_of", "intersects_with"},
          "not_related": {"not_related"}}
HUB_AUTHOR = "cgagent:clausegraph-hub"
HUB_SOURCE = "clausegraph requirement hub (mappings/hub)"

Atoms = MappingT[Ref, frozenset[str]]


def relation(a: frozenset[str], b: frozenset[str]) -> str | None:
    """The set relationship of ``a`` to ``b``; None when either is empty (nothing to compare)."""
    if not a or not b:
        return None
    return NAMES[set_relation(frozenset(a), frozenset(b))]


def strength(a: frozenset[str], b: frozenset[str]) -> int:
    """1-10: the share of the union both demand (Jaccard), at least 1 when they share an atom."""
    union = a | b
    return max(1, round(10 * len(a & b) / len(union))) if a & b else 1


def derived_mapping(subject: Ref, obj: Ref, a: frozenset[str], b: frozenset[str]) -> Mapping:
    """The mapping of ``subject`` to ``obj`` computed from their atoms (both non-empty)."""
    rel = relation(a, b)
    shared = tuple(sorted(a & b))
    parts = [f"derived through the requirement hub: {len(shared)} shared atom(s)"]
    if a - b:
        parts.append(f"only {subject} demands {', '.join(sorted(a - b))}")
    if b - a:
        parts.append(f"only {obj} demands {', '.join(sorted(b - a))}")
    return Mapping(subject, obj, rel or "not_related", "semantic", strength(a, b), "; ".join(parts), HUB_AUTHOR,
                   HUB_SOURCE, "semapv:MappingChaining", derived=True, via=shared)


def by_atom(atoms: Atoms) -> dict[str, list[Ref]]:
    """Atom id -> the provisions demanding it."""
    out: dict[str, list[Ref]] = {}
    for ref, ids in atoms.items():
        for a in ids:
            out.setdefault(a, []).append(ref)
    return out


def derive(atoms: Atoms, from_key: str, to_key: str) -> list[Mapping]:
    """Every pair (A in from_key, B in to_key) sharing an atom, with its computed relationship; a decomposed A
    sharing no atom with any decomposed B gets one no-counterpart row (not_related). Sorted by subject, object."""
    index = by_atom(atoms)
    targets = [r for r, ids in atoms.items() if r.key == to_key and ids]
    out: list[Mapping] = []
    for subject in sorted((r for r, ids in atoms.items() if r.key == from_key and ids), key=sort_key):
        a = atoms[subject]
        partners = {r for x in a for r in index.get(x, ()) if r.key == to_key}
        for obj in sorted(partners, key=sort_key):
            out.append(derived_mapping(subject, obj, a, atoms[obj]))
        if not partners and targets:
            out.append(Mapping(subject, None, "not_related", "semantic", 10,
                               f"derived through the requirement hub: shares no atom with any of the "
                               f"{len(targets)} decomposed {to_key} provisions", HUB_AUTHOR, HUB_SOURCE,
                               "semapv:MappingChaining", derived=True, target=to_key))
    return out


@dataclass(frozen=True)
class Disagreement:
    """A curated row that contradicts the relation computed from the hub."""

    mapping: Mapping
    file: str
    hub: str                   # the computed relation ("shares hub:x with euaiact:Art. 12(1)" for no-counterpart)
    shared: tuple[str, ...]

    def describe(self) -> str:
        m = self.mapping
        if m.object is None:
            return (f"curated: {m.subject} has no counterpart in {m.target}, but the hub says it shares "
                    f"{', '.join(self.shared)} with {self.hub}")
        return (f"curated {m.relationship} between {m.subject} and {m.object} contradicts the hub, which derives "
                f"{self.hub}" + (f" (shared: {', '.join(self.shared)})" if self.shared else " (no shared atom)"))


def disagreements(curated: Iterable[tuple[str, Mapping]], atoms: Atoms) -> list[Disagreement]:
    """Every curated row (file, mapping) whose relationship the hub contradicts; rows where either side is not
    decomposed into atoms are not judged."""
    index = by_atom(atoms)
    out = []
    for file, m in curated:
        a = atoms.get(m.subject, frozenset())
        if not a:
            continue
        if m.object is None:
            partners = sorted({r for x in a for r in index.get(x, ()) if r.key == m.target}, key=sort_key)
            if partners:
                shared = tuple(sorted(a & atoms[partners[0]]))
                out.append(Disagreement(m, file, ", ".join(str(p) for p in partners[:5])
                                        + (" ..." if len(partners) > 5 else ""), shared))
            continue
        b = atoms.get(m.object, frozenset())
        rel = relation(a, b)
        if rel is not None and rel not in AGREES[m.relationship]:
            out.append(Disagreement(m, file, rel, tuple(sorted(a & b))))
    return out


def distribution(atoms: Atoms, keys: Iterable[str]) -> list[dict]:
    """Per framework pair, how many provision pairs the hub relates, by relationship (each unordered pair of
    frameworks once, read from the first), and how many of the first's decomposed provisions relate to none."""
    keys = list(keys)
    out = []
    for i, fk in enumerate(keys):
        for tk in keys[i + 1:]:
            counts = dict.fromkeys(RELATIONS[:4], 0)
            alone = 0
            for m in derive(atoms, fk, tk):
                if m.object is None:
                    alone += 1
                else:
                    counts[m.relationship] += 1
            related = sum(counts.values())
            typed = related - counts["intersects_with"]
            out.append({"pair": f"{fk}--{tk}", "related_pairs": related, **counts, "no_counterpart": alone,
                        "typed_share": round(100.0 * typed / related, 1) if related else 0.0})
    return out
