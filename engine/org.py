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
    (i_control, i_cid, i_title, i_status, i_owner, i_p, i_sid, i_e, i_eid, i_etitle, i_location, i_sha, i_computed,
     i_collected, i_until) = (cols.index(c) for c in ("control", "cid", "title", "status", "owner", "p", "sid", "e",
                                                      "eid", "etitle", "location", "sha", "computed", "collected",
                                                      "until"))
    day = dt.date.fromisoformat
    for row in rows:   # one row per (control, implemented, system, evidence): read by position, it is hot
        cid = row[i_cid]
        c = out.get(cid)
        if c is None:
            c = out[cid] = Control(row[i_control], cid, row[i_title] or "", row[i_status], row[i_owner] or "")
        if row[i_p] is not None:
            c.implements.add(row[i_p])
        if row[i_sid] is not None:
            c.systems.add(row[i_sid])
        eid = row[i_eid]
        if eid is not None and eid not in c.evidence:
            until = row[i_until]
            c.evidence[eid] = Evidence(row[i_e], eid, row[i_etitle] or "", row[i_location] or "", row[i_sha],
                                       row[i_computed], day(row[i_collected][:10]),
                                       day(until[:10]) if until is not None else None)
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
