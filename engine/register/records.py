"""The management system's own records (decisions, incidents, findings, actions, audits, reviews, suppliers) as
RDF, and the one rule that dates an incident report: the EU AI Act Art. 73(2)-(4) deadline.

Decisions, actions, audits and reviews are PROV-O activities; the people who approve, own, audit and chair them
are PROV-O agents (prov:wasAssociatedWith); what a decision rests on and what a review considered are
prov:used. The register's rows arrive here already validated (load.py).
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from ..refs import ONTOLOGY_NS, ORG_NS, Ref, parse_ref

XSD = "http://www.w3.org/2001/XMLSchema#"
PROV = "http://www.w3.org/ns/prov#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
TRUE = {"true", "yes", "1"}

#: Art. 73 reporting periods, in days after awareness, and the paragraph that sets each
ART73_WIDESPREAD_OR_INFRASTRUCTURE = (2, "Art. 73(3)")
ART73_DEATH = (10, "Art. 73(4)")
ART73_OTHER = (15, "Art. 73(2)")


def reporting_deadline(*, aware_on: dt.date, kind: str | None, widespread: bool) -> tuple[dt.date, Ref]:
    """The last day a serious incident may be reported (Art. 73) and the paragraph that sets that day.

    Art. 73(3) (two days) covers a widespread infringement and an incident of Art. 3(49)(b) (critical
    infrastructure); Art. 73(4) (ten days) a death; Art. 73(2) (fifteen days) every other serious incident.
    Where more than one applies the shortest period wins, since (3) and (4) derogate from (2) to shorten it.
    Day 0 is the day of awareness: reporting on ``aware_on + days`` is in time, a day later is late.
    """
    if widespread or kind == "critical-infrastructure":
        days, para = ART73_WIDESPREAD_OR_INFRASTRUCTURE
    elif kind == "death":
        days, para = ART73_DEATH
    else:
        days, para = ART73_OTHER
    last = dt.date.max - dt.timedelta(days=days)   # a date near year 9999 keeps the calendar's last day
    return (aware_on + dt.timedelta(days=days) if aware_on <= last else dt.date.max), Ref("euaiact", para)


def agent_iri(name: str) -> str:
    """The PROV agent node for a person or body named in a record (the same name is the same agent)."""
    return f"<{ORG_NS}agent/{quote(name.strip(), safe='')}>"


class _Writer:
    """Collects N-Triples lines for register nodes."""

    def __init__(self, lit) -> None:
        self.lines: list[str] = []
        self.lit = lit
        self.agents: set[str] = set()

    @staticmethod
    def node(kind: str, ident: str) -> str:
        return f"<{ORG_NS}{kind}/{ident}>"

    def add(self, s: str, p: str, o: str) -> None:
        self.lines.append(f"{s} {p} {o} .")

    def cg(self, s: str, p: str, o: str) -> None:
        self.add(s, f"<{ONTOLOGY_NS}{p}>", o)

    def entity(self, kind: str, cls: str, ident: str) -> str:
        n = self.node(kind, ident)
        self.add(n, RDF_TYPE, f"<{ONTOLOGY_NS}{cls}>")
        self.cg(n, "inRegister", f"<{ORG_NS}organisation>")
        self.cg(n, "identifier", self.lit(ident))
        return n

    def text(self, s: str, p: str, value: str | None) -> None:
        if value:
            self.cg(s, p, self.lit(value))

    def date(self, s: str, p: str, value: str | None) -> None:
        if value:
            self.cg(s, p, f'"{value}"^^<{XSD}date>')

    def boolean(self, s: str, p: str, value: str | None) -> None:
        self.cg(s, p, f'"{"true" if (value or "").lower() in TRUE else "false"}"^^<{XSD}boolean>')

    def links(self, s: str, p: str, kind: str, cell: str | None) -> None:
        for ident in ids(cell):
            self.cg(s, p, self.node(kind, ident))

    def agent(self, s: str, p: str, name: str) -> None:
        """The literal (for display) and the PROV association with the agent node."""
        self.cg(s, p, self.lit(name))
        a = agent_iri(name)
        self.add(s, f"<{PROV}wasAssociatedWith>", a)
        if a not in self.agents:
            self.agents.add(a)
            self.add(a, RDF_TYPE, f"<{ONTOLOGY_NS}Person>")
            self.cg(a, "name", self.lit(name.strip()))


def ids(cell: str | None) -> list[str]:
    return sorted({x.strip() for x in (cell or "").split(";") if x.strip()})


def records_ntriples(t: dict[str, list[dict[str, str]]], lit) -> list[str]:
    """N-Triples lines for the seven record files present in ``t`` (``lit`` quotes a string literal)."""
    w = _Writer(lit)
    org = f"<{ORG_NS}organisation>"
    from .schema import RECORD_FILES

    for name in RECORD_FILES:
        if name in t:   # the register keeps these records (possibly none yet): the rules about them apply
            w.cg(org, "keepsRecords", lit(name))
    for d in t.get("decisions", []):
        n = w.entity("decision", "GateDecision", d["id"])
        w.links(n, "aboutSystem", "system", d["system"])
        w.text(n, "gate", d["gate"])
        w.text(n, "outcome", d["decision"])
        w.date(n, "decidedOn", d["date"])
        w.agent(n, "approver", d["approver"])
        for a in ids(d.get("basis")):
            w.add(n, f"<{PROV}used>", w.node("assessment", a))
        w.text(n, "conditions", d.get("conditions"))
    for i in t.get("incidents", []):
        n = w.entity("incident", "Incident", i["id"])
        w.text(n, "name", i["title"])
        w.links(n, "aboutSystem", "system", i["system"])
        w.date(n, "occurredOn", i.get("occurred_on"))
        w.date(n, "awareOn", i["aware_on"])
        w.boolean(n, "serious", i.get("serious"))
        w.text(n, "incidentKind", i.get("kind"))
        w.boolean(n, "widespread", i.get("widespread"))
        w.date(n, "reportedOn", i.get("reported_on"))
        w.text(n, "status", i["status"])
        if (i.get("serious") or "").lower() in TRUE:
            due, para = reporting_deadline(aware_on=dt.date.fromisoformat(i["aware_on"]), kind=i.get("kind"),
                                           widespread=(i.get("widespread") or "").lower() in TRUE)
            w.date(n, "reportDueOn", due.isoformat())
            w.cg(n, "deadlineSetBy", f"<{para.iri}>")
    for f in t.get("findings", []):
        n = w.entity("finding", "FindingRecord", f["id"])
        w.text(n, "findingKind", f["kind"])
        w.text(n, "findingSource", f["source"])
        w.date(n, "raisedOn", f["raised_on"])
        w.text(n, "description", f["description"])
        for ref in sorted({parse_ref(r).iri for r in (f.get("refs") or "").split(";") if r.strip()}):
            w.cg(n, "raisedAgainst", f"<{ref}>")
        w.links(n, "aboutSystem", "system", f.get("systems"))
        w.links(n, "fromAudit", "audit", f.get("audit"))
        w.links(n, "fromIncident", "incident", f.get("incident"))
        w.text(n, "status", f["status"])
        w.date(n, "closedOn", f.get("closed_on"))
    for a in t.get("actions", []):
        n = w.entity("action", "CorrectiveAction", a["id"])
        w.links(n, "answers", "finding", a["findings"])
        w.text(n, "name", a["title"])
        w.agent(n, "owner", a["owner"])
        w.date(n, "dueOn", a["due"])
        w.date(n, "doneOn", a.get("done_on"))
        w.links(n, "evidencedBy", "evidence", a.get("evidence"))
    for a in t.get("audits", []):
        n = w.entity("audit", "InternalAudit", a["id"])
        w.date(n, "auditedOn", a["date"])
        for ref in sorted({parse_ref(r).iri for r in a["scope"].split(";") if r.strip()}):
            w.cg(n, "auditScope", f"<{ref}>")
        w.agent(n, "auditor", a["auditor"])
        w.boolean(n, "independent", a.get("independent"))
        w.text(n, "location", a.get("report"))
    known = {name: {r["id"] for r in t.get(name, [])} for name in ("audits", "findings", "incidents")}
    for r in t.get("reviews", []):
        n = w.entity("review", "ManagementReview", r["id"])
        w.date(n, "heldOn", r["date"])
        w.agent(n, "chair", r["chair"])
        for ident in ids(r.get("inputs")):   # an id may name records in more than one file: link each
            for name, kind in (("audits", "audit"), ("findings", "finding"), ("incidents", "incident")):
                if ident in known[name]:
                    w.add(n, f"<{PROV}used>", w.node(kind, ident))
        w.text(n, "location", r.get("minutes"))
    for s in t.get("suppliers", []):
        n = w.entity("supplier", "Supplier", s["id"])
        w.text(n, "name", s["name"])
        w.text(n, "suppliedItem", s["supplies"])
        w.links(n, "suppliesTo", "system", s.get("systems"))
        w.date(n, "agreementOn", s.get("agreement_on"))
        w.date(n, "supplierAssessedOn", s.get("assessed_on"))
        w.text(n, "status", s.get("status"))
    return w.lines
