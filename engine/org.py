"""The organisation's controls and evidence as plain data, and the mapping relation index: shared by trace,
impact and plan (one query each, then Python over small structures)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from . import queries as q
from .mappings.sssom import INVERSE_NAME
from .store import Store


@dataclass
class Evidence:
    iri: str
    id: str
    title: str = ""
    location: str = ""
    sha256: str | None = None
    computed: str | None = None
    collected: dt.date | None = None
    until: dt.date | None = None

    def valid_on(self, day: dt.date) -> bool:
        return bool(self.collected and self.collected <= day and (self.until is None or day <= self.until))

    def as_dict(self, day: dt.date) -> dict:
        return {"id": self.id, "title": self.title, "location": self.location, "sha256": self.sha256,
                "digest_matches": (None if not (self.sha256 and self.computed)
                                   else self.sha256.lower() == self.computed.lower()),
                "collected_on": self.collected.isoformat() if self.collected else None,
                "valid_until": self.until.isoformat() if self.until else None, "valid": self.valid_on(day)}


@dataclass
class Control:
    iri: str
    id: str
    title: str = ""
    status: str = ""
    owner: str = ""
    implements: set[str] = field(default_factory=set)
    systems: set[str] = field(default_factory=set)
    evidence: dict[str, Evidence] = field(default_factory=dict)


def controls(store: Store) -> dict[str, Control]:
    out: dict[str, Control] = {}
    for r in store.select(q.render("controls")).rows:
        v = {k: t.py for k, t in r.items()}
        c = out.setdefault(v["cid"], Control(r["control"].value, v["cid"], v.get("title", ""), v["status"],
                                             v.get("owner", "")))
        if "p" in v:
            c.implements.add(r["p"].value)
        if "sid" in v:
            c.systems.add(v["sid"])
        if "eid" in v and v["eid"] not in c.evidence:
            c.evidence[v["eid"]] = Evidence(r["e"].value, v["eid"], v.get("etitle", ""), v.get("location", ""),
                                            v.get("sha"), v.get("computed"), v.get("collected"), v.get("until"))
    return out


@dataclass(frozen=True)
class Relation:
    other: str
    relationship: str      # of the first provision relative to ``other``
    rationale: str
    strength: int
    derived: bool


def relation_index(store: Store) -> dict[str, list[Relation]]:
    """For every provision IRI, its mapped provisions with the relationship read from its side."""
    out: dict[str, list[Relation]] = {}
    for r in store.select(q.render("mapping-relations")).rows:
        s, o, rel = r["s"].value, r["o"].value, r["rel"].value
        if rel == "not_related":
            continue
        rat, st, der = r["rationale"].value, int(r["strength"].value), bool(r["derived"].py)
        out.setdefault(s, []).append(Relation(o, rel, rat, st, der))
        out.setdefault(o, []).append(Relation(s, INVERSE_NAME.get(rel, rel), rat, st, der))
    return out
