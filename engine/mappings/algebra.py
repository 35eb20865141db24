"""The NIST IR 8477 set relationships as a relation algebra (RCC5 over non-empty sets).

A derived relationship is a set of possible base relationships, held as a 5-bit mask. Composition follows the
table in the project notes (checked by brute force over set triples in the tests); several paths between the
same provisions are intersected (path consistency). An empty mask is a contradiction.
"""
from __future__ import annotations

EQUAL, SUBSET, SUPERSET, INTERSECTS, DISJOINT = 1, 2, 4, 8, 16
ANY = EQUAL | SUBSET | SUPERSET | INTERSECTS | DISJOINT
OVERLAPS = EQUAL | SUBSET | SUPERSET | INTERSECTS

NAMES = {EQUAL: "equal", SUBSET: "subset_of", SUPERSET: "superset_of", INTERSECTS: "intersects_with",
         DISJOINT: "not_related"}
BY_NAME = {v: k for k, v in NAMES.items()}
BASE = (EQUAL, SUBSET, SUPERSET, INTERSECTS, DISJOINT)

_E, _S, _P, _I, _D = EQUAL, SUBSET, SUPERSET, INTERSECTS, DISJOINT
#: COMPOSE[a][b] = possible rel(A,C) given rel(A,B) = a and rel(B,C) = b
COMPOSE: dict[int, dict[int, int]] = {
    _E: {_E: _E, _S: _S, _P: _P, _I: _I, _D: _D},
    _S: {_E: _S, _S: _S, _P: ANY, _I: _S | _I | _D, _D: _D},
    _P: {_E: _P, _S: _E | _S | _P | _I, _P: _P, _I: _P | _I, _D: _P | _I | _D},
    _I: {_E: _I, _S: _S | _I, _P: _P | _I | _D, _I: ANY, _D: _P | _I | _D},
    _D: {_E: _D, _S: _S | _I | _D, _P: _D, _I: _S | _I | _D, _D: ANY},
}


def compose(m1: int, m2: int) -> int:
    """Possible rel(A,C) for any rel(A,B) in m1 and rel(B,C) in m2."""
    out = 0
    for a in BASE:
        if m1 & a:
            for b in BASE:
                if m2 & b:
                    out |= COMPOSE[a][b]
    return out


def inverse(mask: int) -> int:
    """rel(B,A) from rel(A,B): subset and superset swap, the others are symmetric."""
    out = mask & (EQUAL | INTERSECTS | DISJOINT)
    if mask & SUBSET:
        out |= SUPERSET
    if mask & SUPERSET:
        out |= SUBSET
    return out


def mask_name(mask: int) -> str:
    """A single relationship name, 'overlaps', 'unknown' (no information) or the names joined by '|'."""
    if mask in NAMES:
        return NAMES[mask]
    if mask == OVERLAPS:
        return "overlaps"
    if mask == ANY:
        return "unknown"
    if mask == 0:
        return "contradiction"
    return "|".join(NAMES[b] for b in BASE if mask & b)


def covers_fully(mask: int) -> bool:
    """R is fully covered by P when every possible rel(R,P) is equal or subset_of (R within P)."""
    return mask != 0 and not (mask & ~(EQUAL | SUBSET))


def covers_partly(mask: int) -> bool:
    """Some overlap between R and P is guaranteed (no possibility of disjointness)."""
    return mask != 0 and not (mask & DISJOINT)


def set_relation(a: frozenset, b: frozenset) -> int:
    """The base relationship between two non-empty sets (used to verify the table)."""
    if a == b:
        return EQUAL
    if a < b:
        return SUBSET
    if a > b:
        return SUPERSET
    if a & b:
        return INTERSECTS
    return DISJOINT
