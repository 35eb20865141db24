"""Questions over the management system's own records: incidents with their Art. 73 deadlines, open findings
and actions, decision history per system, the impact of an incident, and the record side of a trace (provision ->
findings raised against it -> corrective actions -> evidence, and back from a finding, an action or a decision).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from . import queries as q
from .errors import NotFoundError
from .refs import ONTOLOGY_NS, ORG_NS, iri_to_ref, sort_key
from .store import Store

PROV = "http://www.w3.org/ns/prov#"


@dataclass
class Record:
    """One register row of a record table, read back from the graph: property local name -> values."""

    iri: str
    id: str
    kind: str                                  # decision, incident, finding, action, audit, review, supplier
    values: dict[str, list[str]] = field(default_factory=dict)

    def one(self, prop: str) -> str | None:
        vals = self.values.get(prop)
        return vals[0] if vals else None

    def ids(self, prop: str) -> list[str]:
        return sorted(v.rsplit("/", 1)[-1] for v in self.values.get(prop, []))

    def day(self, prop: str) -> dt.date | None:
        v = self.one(prop)
        return dt.date.fromisoformat(v[:10]) if v else None


CLASSES = {"decision": "GateDecision", "incident": "Incident", "finding": "FindingRecord",
           "action": "CorrectiveAction", "audit": "InternalAudit", "review": "ManagementReview",
           "supplier": "Supplier"}


def read_records(store: Store) -> dict[str, dict[str, Record]]:
    """Every record of the seven tables: kind -> id -> Record (one query)."""
    values = " ".join(f"({q.iri(ONTOLOGY_NS + cls)} {q.string(kind)})" for kind, cls in CLASSES.items())
    rows = store.select(q.render("records", classes=f"VALUES (?cls ?kind) {{ {values} }}")).rows
    out: dict[str, dict[str, Record]] = {k: {} for k in CLASSES}
    for r in rows:
        kind, ident = r["kind"].value, r["id"].value
        rec = out[kind].setdefault(ident, Record(r["s"].value, ident, kind))
        p = r["p"].value
        name = p[len(ONTOLOGY_NS):] if p.startswith(ONTOLOGY_NS) else "prov:" + p[len(PROV):] \
            if p.startswith(PROV) else p
        rec.values.setdefault(name, []).append(r["o"].value)
    for table in out.values():
        for rec in table.values():
            for vals in rec.values.values():
                vals.sort()
    return out


def _ref(iri: str) -> str:
    return str(iri_to_ref(iri))


def _is_done(action: Record, as_of: dt.date) -> bool:
    done = action.day("doneOn")
    return bool(done and done <= as_of)


# ---------------------------------------------------------------- incidents and their deadlines

def incidents(store: Store, as_of: dt.date) -> list[dict]:
    """Every incident, serious ones with their Art. 73 deadline and where they stand on ``as_of``."""
    from .classify import Classifier, read_systems, reportable_under

    recs = read_records(store)["incident"]
    c = Classifier(store, as_of)
    systems = {s.id: s for s in read_systems(store)}
    applicable: dict[str, dict[str, str | None]] = {}
    out = []
    for rec in sorted(recs.values(), key=lambda r: (r.one("awareOn") or "", r.id)):
        sid = rec.ids("aboutSystem")[0]
        if sid not in applicable and sid in systems:
            applicable[sid] = {q_ref(o["ref"]): o["applies_from"] for o in c.classify_system(systems[sid])["obligations"]
                               if o["status"] == "applicable"}
        item = {"id": rec.id, "system": sid, "title": rec.one("name"), "aware_on": rec.one("awareOn"),
                "occurred_on": rec.one("occurredOn"), "serious": rec.one("serious") == "true",
                "kind": rec.one("incidentKind"), "widespread": rec.one("widespread") == "true",
                "reported_on": rec.one("reportedOn"), "status": rec.one("status"), "due_on": rec.one("reportDueOn"),
                "deadline_set_by": _ref(rec.one("deadlineSetBy")) if rec.one("deadlineSetBy") else None,
                "art73_applies": False, "state": "not a serious incident", "days_left": None,
                "days_late": None}
        due = rec.day("reportDueOn")
        if due is not None:
            para = rec.one("deadlineSetBy") or ""
            item["art73_applies"] = reportable_under(applicable.get(sid, {}), para, due.isoformat())
            reported = rec.day("reportedOn")
            if reported is not None:
                late = (reported - due).days
                item["days_late"] = max(late, 0)
                item["state"] = f"reported {late} days late" if late > 0 else "reported in time"
            elif due >= as_of:
                item["days_left"] = (due - as_of).days
                item["state"] = f"{item['days_left']} days left"
            else:
                item["days_late"] = (as_of - due).days
                item["state"] = f"overdue by {item['days_late']} days"
            if not item["art73_applies"]:
                item["state"] += " (Art. 73 does not bind the organisation for this system on the deadline)"
        out.append(item)
    return out


def q_ref(ref_text: str) -> str:
    """The IRI of a classification result reference like 'euaiact:Art. 73(2)'."""
    from .refs import parse_ref

    return parse_ref(ref_text).iri


# ---------------------------------------------------------------- findings, actions, decisions

def _action_item(a: Record, as_of: dt.date) -> dict:
    due, done = a.day("dueOn"), _is_done(a, as_of)
    return {"id": a.id, "title": a.one("name"), "owner": a.one("owner"), "due": a.one("dueOn"),
            "done_on": a.one("doneOn"), "done": done, "overdue": bool(not done and due and due < as_of),
            "evidence": a.ids("evidencedBy"), "findings": a.ids("answers")}


def _finding_item(f: Record, actions: list[Record], as_of: dt.date) -> dict:
    return {"id": f.id, "kind": f.one("findingKind"), "source": f.one("findingSource"), "raised_on": f.one("raisedOn"),
            "description": f.one("description"), "status": f.one("status"), "closed_on": f.one("closedOn"),
            "refs": sorted((_ref(i) for i in f.values.get("raisedAgainst", [])), key=_ref_key),
            "systems": f.ids("aboutSystem"), "audit": (f.ids("fromAudit") or [None])[0],
            "incident": (f.ids("fromIncident") or [None])[0],
            "actions": [_action_item(a, as_of) for a in actions]}


def _ref_key(ref_text: str):
    from .refs import parse_ref

    return sort_key(parse_ref(ref_text))


def _actions_by_finding(recs: dict[str, dict[str, Record]]) -> dict[str, list[Record]]:
    out: dict[str, list[Record]] = {}
    for a in sorted(recs["action"].values(), key=lambda r: r.id):
        for fid in a.ids("answers"):
            out.setdefault(fid, []).append(a)
    return out


def open_findings(store: Store, as_of: dt.date) -> dict:
    """Findings not closed, with their actions; and every action not done by ``as_of`` (overdue first)."""
    recs = read_records(store)
    by_finding = _actions_by_finding(recs)
    findings = [_finding_item(f, by_finding.get(f.id, []), as_of) for f in recs["finding"].values()
                if f.one("status") != "closed"]
    findings.sort(key=lambda f: (f["raised_on"] or "", f["id"]))
    actions = [_action_item(a, as_of) for a in recs["action"].values() if not _is_done(a, as_of)]
    actions.sort(key=lambda a: (not a["overdue"], a["due"] or "", a["id"]))
    return {"as_of": as_of.isoformat(), "findings": findings, "actions": actions,
            "summary": {"open_findings": len(findings), "open_actions": len(actions),
                        "overdue_actions": sum(a["overdue"] for a in actions)}}


def decision_history(store: Store, system: str | None = None) -> list[dict]:
    """Gate decisions per system, oldest first (one system's with ``system``)."""
    recs = read_records(store)["decision"]
    if system is not None and f"{ORG_NS}system/{system}" not in _system_iris(store):
        raise NotFoundError(f"no system {system!r} in the register")
    out: dict[str, list[dict]] = {}
    for d in sorted(recs.values(), key=lambda r: (r.one("decidedOn") or "", r.id)):
        sid = d.ids("aboutSystem")[0]
        if system is None or sid == system:
            out.setdefault(sid, []).append({"id": d.id, "gate": d.one("gate"), "decision": d.one("outcome"),
                                            "date": d.one("decidedOn"), "approver": d.one("approver"),
                                            "basis": d.ids("prov:used"), "conditions": d.one("conditions")})
    return [{"system": sid, "decisions": ds} for sid, ds in sorted(out.items())]


def _system_iris(store: Store) -> set[str]:
    return {r["s"].value for r in store.select(q.render("ai-systems")).rows}


# ---------------------------------------------------------------- impact of an incident

def incident_impact(store: Store, incident: str, as_of: dt.date) -> dict:
    """What an incident touches: its system (and systems named by findings raised from it), the provisions
    concerned (the Art. 73 paragraph setting its deadline and those its findings are raised against), and the
    open findings on those systems."""
    recs = read_records(store)
    if incident not in recs["incident"]:
        raise NotFoundError(f"no incident {incident!r} in the register; known: {', '.join(sorted(recs['incident']))}")
    inc = next(i for i in incidents(store, as_of) if i["id"] == incident)
    from_incident = [f for f in recs["finding"].values() if incident in f.ids("fromIncident")]
    systems = {inc["system"]} | {s for f in from_incident for s in f.ids("aboutSystem")}
    provisions = {i for f in from_incident for i in f.values.get("raisedAgainst", [])}
    rec = recs["incident"][incident]
    if rec.one("deadlineSetBy"):
        provisions.add(rec.one("deadlineSetBy") or "")
    by_finding = _actions_by_finding(recs)
    open_ = [_finding_item(f, by_finding.get(f.id, []), as_of) for f in recs["finding"].values()
             if f.one("status") != "closed" and (set(f.ids("aboutSystem")) & systems or f in from_incident)]
    open_.sort(key=lambda f: (f["raised_on"] or "", f["id"]))
    return {"as_of": as_of.isoformat(), "incident": inc, "systems": sorted(systems),
            "provisions": sorted((_ref(p) for p in provisions), key=_ref_key),
            "findings_from_incident": sorted(f.id for f in from_incident), "open_findings": open_}


# ---------------------------------------------------------------- trace through the records

def findings_against(store: Store, provision_iris: set[str], as_of: dt.date) -> list[dict]:
    """Trace nodes for findings raised against any of ``provision_iris``, with actions and their evidence."""
    recs = read_records(store)
    by_finding = _actions_by_finding(recs)
    hits = [f for f in recs["finding"].values() if provision_iris & set(f.values.get("raisedAgainst", []))]
    evidence = _evidence(store) if hits else {}
    return [_finding_node(f, by_finding.get(f.id, []), as_of, evidence) for f in sorted(hits, key=lambda f: f.id)]


def _finding_node(f: Record, actions: list[Record], as_of: dt.date, evidence: dict) -> dict:
    return {"kind": "finding", "id": f.id, "label": f.one("description") or "", "finding_kind": f.one("findingKind"),
            "status": f.one("status"), "raised_on": f.one("raisedOn"), "closed_on": f.one("closedOn"),
            "children": [_action_node(a, as_of, evidence) for a in actions]}


def _action_node(a: Record, as_of: dt.date, evidence: dict) -> dict:
    item = _action_item(a, as_of)
    return {"kind": "action", "id": a.id, "label": item["title"] or "", "owner": item["owner"], "due": item["due"],
            "done_on": item["done_on"], "done": item["done"], "overdue": item["overdue"],
            "children": [{"kind": "evidence", "id": e, "label": evidence[e].title, **evidence[e].as_dict(as_of),
                          "children": []} for e in item["evidence"] if e in evidence]}


def _evidence(store: Store) -> dict:
    """Evidence by id (with its dates and digest state), from the controls it supports."""
    from .org import controls

    return {e.id: e for c in controls(store).values() for e in c.evidence.values()}


def _prov_node(iri: str, titles: dict[str, str], **extra) -> dict:
    return {"kind": "provision", "id": _ref(iri), "label": titles.get(iri, ""), **extra, "children": []}


def trace_record(store: Store, *, kind: str, ident: str, as_of: dt.date) -> dict:
    """Backward trace from a finding (to its provisions, source, actions, evidence), an action (to its findings
    and their provisions) or a decision (to its system and the assessments it used)."""
    from .catalogue import Catalogue

    recs = read_records(store)
    if ident not in recs[kind]:
        raise NotFoundError(f"no {kind} {ident!r} in the register")
    rec = recs[kind][ident]
    titles = {p.iri: p.title for p in Catalogue.of(store).provisions.values()}
    by_finding = _actions_by_finding(recs)
    evidence = _evidence(store)
    if kind == "finding":
        root = _finding_node(rec, by_finding.get(ident, []), as_of, evidence)
        root["children"] = [_prov_node(i, titles, relationship="raised against")
                            for i in sorted(rec.values.get("raisedAgainst", []), key=lambda i: sort_key(iri_to_ref(i)))] \
            + root["children"]
        serves = _serves([rec])
    elif kind == "action":
        root = _action_node(rec, as_of, evidence)
        for fid in rec.ids("answers"):
            f = recs["finding"][fid]
            node = _finding_node(f, [], as_of, evidence)
            node["children"] = [_prov_node(i, titles, relationship="raised against")
                                for i in sorted(f.values.get("raisedAgainst", []), key=lambda i: sort_key(iri_to_ref(i)))]
            root["children"].append(node)
        serves = _serves([recs["finding"][f] for f in rec.ids("answers")])
    else:
        root = {"kind": "decision", "id": ident, "label": f"{rec.one('gate')}: {rec.one('outcome')}",
                "date": rec.one("decidedOn"), "approver": rec.one("approver"),
                "children": [{"kind": "system", "id": s, "label": "", "children": []} for s in rec.ids("aboutSystem")]
                + [{"kind": "assessment", "id": a, "label": "", "children": []} for a in rec.ids("prov:used")]}
        serves = {}
    return {"direction": "backward", "as_of": as_of.isoformat(), "root": root, "serves": serves}


def _serves(findings: list[Record]) -> dict[str, list[str]]:
    out: dict[str, set[str]] = {}
    for f in findings:
        for i in f.values.get("raisedAgainst", []):
            ref = iri_to_ref(i)
            out.setdefault(ref.key, set()).add(str(ref))
    return {k: sorted(v, key=_ref_key) for k, v in sorted(out.items())}
