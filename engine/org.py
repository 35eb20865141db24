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


def controls(store: Store, implementing: list[str] | None = None, ids: list[str] | None = None) -> dict[str, Control]:
    """Controls with what they implement, their systems and evidence; optionally only those implementing one
    of ``implementing`` (provision IRIs) or with one of ``ids``."""
    flt = ""
    if implementing is not None:
        flt = ("VALUES ?impl { " + " ".join(q.iri(i) for i in implementing) + " } ?control cg:implements ?impl .")
    elif ids is not None:
        flt = "VALUES ?cid { " + " ".join(q.string(i) for i in ids) + " }"
    out: dict[str, Control] = {}
    cols, rows = store.select_values(q.render("controls", filter=flt))
    ix = {c: i for i, c in enumerate(cols)}
    day = dt.date.fromisoformat
    for row in rows:
        v = {k: row[i] for k, i in ix.items() if row[i] is not None}
        c = out.get(v["cid"])
        if c is None:
            c = out[v["cid"]] = Control(v["control"], v["cid"], v.get("title", ""), v["status"], v.get("owner", ""))
        if "p" in v:
            c.implements.add(v["p"])
        if "sid" in v:
            c.systems.add(v["sid"])
        if "eid" in v and v["eid"] not in c.evidence:
            c.evidence[v["eid"]] = Evidence(v["e"], v["eid"], v.get("etitle", ""), v.get("location", ""),
                                            v.get("sha"), v.get("computed"), day(v["collected"][:10]),
                                            day(v["until"][:10]) if "until" in v else None)
    return out


@dataclass(frozen=True)
class Relation:
    other: str
    relationship: str      # of the first provision relative to ``other``
    rationale: str
    strength: int
    derived: bool


def relation_index(store: Store) -> dict[str, list[Relation]]:
    """For every provision IRI, its mapped provisions with the relationship read from its side (cached until
    the store is next written)."""
    from .cache import per_store

    return per_store(store, "relations", lambda: _relation_index(store))


def _relation_index(store: Store) -> dict[str, list[Relation]]:
    out: dict[str, list[Relation]] = {}
    for r in store.select(q.render("mapping-relations")).rows:
        s, o, rel = r["s"].value, r["o"].value, r["rel"].value
        if rel == "not_related":
            continue
        rat, st, der = r["rationale"].value, int(r["strength"].value), bool(r["derived"].py)
        out.setdefault(s, []).append(Relation(o, rel, rat, st, der))
        out.setdefault(o, []).append(Relation(s, INVERSE_NAME.get(rel, rel), rat, st, der))
    return out
