"""Readiness for an ISO/IEC 42001 audit: per clause 4-10 and per Annex A control, the records that show it
operates on the as-of date and what is missing.

What counts, for a provision P (a clause, or an Annex A control):
* evidence valid on the as-of date of a control that implements P, a provision below it, or (for an Annex A
  control) the heading above it;
* an internal audit in the 12 months to the as-of date whose scope names P or a heading above it;
* findings raised against P or a provision below it: closed ones are records, open nonconformities are missing;
* per clause: 5 a valid AI policy (evidence of kind ``policy``); 6 a current risk assessment, the objectives
  (6.2) evidenced, every Annex A control decided in the Statement of Applicability; 8 current risk and AI impact
  assessments and gate decisions; 9 an internal audit (9.2) and a management review (9.3) in the 12 months;
  10 corrective actions done with evidence, none overdue;
* per Annex A control: its Statement of Applicability decision (an excluded control is reported as excluded).
"""
from __future__ import annotations

import datetime as dt

from .catalogue import Catalogue
from .classify import year_before
from .org import controls
from .records import Record, _is_done, read_records
from .refs import Ref, iri_to_ref, sort_key
from .store import Store
from .trace import provisions_below
from . import queries as q

CLAUSES = tuple(str(n) for n in range(4, 11))


def _item(kind: str, ident: str, date: str | None, note: str = "") -> dict:
    return {"kind": kind, "id": ident, "date": date, "note": note}


def readiness(store: Store, as_of: dt.date) -> dict:
    cat = Catalogue.of(store)
    start = year_before(as_of)
    recs = read_records(store)
    ctl = controls(store)
    kept = {r["k"].value for r in store.select(q.render("kept-records")).rows}
    facts = _register_facts(store, as_of)

    def below(iri: str) -> set[str]:
        return provisions_below(cat, iri)

    def row(iri: str, annex_a: bool) -> dict:
        related = below(iri) | (set(cat.ancestors(iri)) if annex_a else set())
        records: list[dict] = []
        missing: list[str] = []
        ev = sorted({(e.id, e.collected.isoformat() if e.collected else None, c.id) for c in ctl.values()
                     if c.implements & related for e in c.evidence.values() if e.valid_on(as_of)})
        records += [_item("evidence", e, d, f"supports {c}") for e, d, c in ev]
        if not ev:
            missing.append(f"no control with evidence valid on {as_of} implements it")
        scope = set(cat.ancestors(iri))
        audits = [a for a in recs["audit"].values() if _within(a.day("auditedOn"), start, as_of)
                  and scope & set(a.values.get("auditScope", []))]
        records += [_item("audit", a.id, a.one("auditedOn")) for a in sorted(audits, key=lambda a: a.id)]
        if not audits:
            missing.append(f"no internal audit covering it between {start} and {as_of}" if "audits" in kept
                           else "no internal audits recorded (the register has no audits table)")
        for f in sorted(recs["finding"].values(), key=lambda f: f.id):
            if not below(iri) & set(f.values.get("raisedAgainst", [])):
                continue
            if f.one("status") == "closed":
                records.append(_item("finding-closed", f.id, f.one("closedOn"), f.one("findingKind") or ""))
            elif f.one("findingKind") == "nonconformity":
                missing.append(f"open nonconformity {f.id} (raised {f.one('raisedOn')})")
        return {"ref": str(iri_to_ref(iri)), "title": cat.provisions[iri].title, "records": records,
                "missing": missing}

    clauses = []
    for n in CLAUSES:
        r = row(Ref("iso42001", n).iri, annex_a=False)
        _clause_specific(n, r, recs, facts, kept, start, as_of, ctl, cat)
        r["status"] = "ready" if not r["missing"] else "gaps"
        clauses.append(r)
    annex = annex_a_controls(cat)
    controls_rows = []
    for iri in sorted(annex, key=lambda i: sort_key(iri_to_ref(i))):
        r = row(iri, annex_a=True)
        soa = facts["soa"].get(iri)
        if soa is None:
            r["missing"].insert(0, "no Statement of Applicability decision")
        elif soa[0]:
            r["records"].insert(0, _item("soa", "applicable", None, soa[1]))
        else:
            r["records"] = [_item("soa", "excluded", None, soa[1])]
            r["missing"] = []
        r["status"] = "excluded" if soa is not None and not soa[0] else "ready" if not r["missing"] else "gaps"
        controls_rows.append(r)
    return {"as_of": as_of.isoformat(), "window_from": start.isoformat(), "clauses": clauses,
            "controls": controls_rows,
            "summary": {"clauses": len(clauses), "clauses_ready": sum(r["status"] == "ready" for r in clauses),
                        "controls": len(controls_rows),
                        "controls_ready": sum(r["status"] == "ready" for r in controls_rows),
                        "controls_excluded": sum(r["status"] == "excluded" for r in controls_rows)}}


def annex_a_controls(cat: Catalogue) -> list[str]:
    """The ISO/IEC 42001 Annex A controls (kind ``control``, as in the Statement of Applicability)."""
    return [p.iri for p in cat.provisions.values() if p.ref.key == "iso42001" and p.kind == "control"]


def _within(day: dt.date | None, start: dt.date, end: dt.date) -> bool:
    return bool(day and start <= day <= end)


def _register_facts(store: Store, as_of: dt.date) -> dict:
    """Policies and assessments valid on ``as_of``, and the Statement of Applicability decisions."""
    d = q.date(as_of)
    policies = [(r["id"].value, r["c"].value[:10])
                for r in store.select(q.render("valid-policies", as_of=d)).rows]
    assessments = [(r["id"].value, r["k"].value, r["on"].value[:10])
                   for r in store.select(q.render("valid-assessments", as_of=d)).rows]
    soa = {r["p"].value: (r["ok"].value == "true", r["j"].value if r.get("j") else "")
           for r in store.select(q.render("applicability-decisions")).rows}
    return {"policies": policies, "assessments": assessments, "soa": soa}


def _clause_specific(n: str, r: dict, recs: dict[str, dict[str, Record]], facts: dict, kept: set[str],
                     start: dt.date, as_of: dt.date, ctl: dict, cat: Catalogue) -> None:
    records, missing = r["records"], r["missing"]

    def assessments(kind: str, label: str) -> None:
        found = [(i, on) for i, k, on in facts["assessments"] if k == kind]
        records.extend(_item(kind, i, on) for i, on in found)
        if not found:
            missing.append(f"no current {label} on {as_of}")

    if n == "5":
        records.extend(_item("policy", i, c) for i, c in facts["policies"])
        if not facts["policies"]:
            missing.append(f"no AI policy (evidence of kind policy) valid on {as_of}")
    elif n == "6":
        assessments("risk-assessment", "AI risk assessment (6.1.2)")
        objectives = Ref("iso42001", "6.2").iri
        if not any(c.implements & {objectives} and any(e.valid_on(as_of) for e in c.evidence.values())
                   for c in ctl.values()):
            missing.append(f"no evidence valid on {as_of} for the AI objectives (6.2)")
        annex = annex_a_controls(cat)
        total, decided = len(annex), len(set(annex) & set(facts["soa"]))
        records.append(_item("soa", "Statement of Applicability", None, f"{decided} of {total} Annex A controls decided"))
        if decided < total:
            missing.append(f"Statement of Applicability: {total - decided} Annex A controls undecided (6.1.3)")
    elif n == "8":
        assessments("risk-assessment", "AI risk assessment (8.2)")
        assessments("ai-impact-assessment", "AI system impact assessment (8.4)")
        records.extend(_item("decision", d.id, d.one("decidedOn"), f"{d.one('gate')}: {d.one('outcome')}")
                       for d in sorted(recs["decision"].values(), key=lambda d: d.id)
                       if _within(d.day("decidedOn"), start, as_of))
    elif n == "9":
        audits = [a for a in recs["audit"].values() if _within(a.day("auditedOn"), start, as_of)]
        reviews = [v for v in recs["review"].values() if _within(v.day("heldOn"), start, as_of)]
        records.extend(_item("review", v.id, v.one("heldOn")) for v in sorted(reviews, key=lambda v: v.id))
        if not audits:
            missing.append(f"no internal audit between {start} and {as_of} (9.2)")
        if not reviews:
            missing.append(f"no management review between {start} and {as_of} (9.3)" if "reviews" in kept
                           else "no management reviews recorded (the register has no reviews table)")
    elif n == "10":
        for a in sorted(recs["action"].values(), key=lambda a: a.id):
            due = a.day("dueOn")
            if _is_done(a, as_of) and a.values.get("evidencedBy"):
                records.append(_item("action-done", a.id, a.one("doneOn"), "with evidence"))
            elif not _is_done(a, as_of) and due and due < as_of:
                missing.append(f"corrective action {a.id} overdue since {a.one('dueOn')}")
