"""Questions over the management system's records: incident deadlines, open findings and actions, decision
history, incident impact, trace through findings and actions, audit readiness. Where a rule is also a SHACL
shape, the question's answer is checked against the validator (two independent implementations)."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from clausegraph.engine import Clausegraph
from clausegraph.engine.errors import NotFoundError

from .conftest import ROOT, run_main
from .test_records import AS_OF, boundary_incidents, write_register

EXAMPLE = ROOT / "examples" / "acme"
DAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def acme():
    cg = Clausegraph.open(register=EXAMPLE)
    yield cg
    cg.close()


def violations(cg: Clausegraph, constraint: str, day: dt.date) -> set[str]:
    """Focus ids of one SPARQL constraint's findings (the constraint's node shape owns them)."""
    from clausegraph.engine.validate import ORG_SHAPES, bundled_shapes

    owner = next(ns.iri for ns in bundled_shapes(ORG_SHAPES) for c in ns.sparql if c.iri.endswith("#" + constraint))
    return {f.focus.rsplit("/", 1)[-1] for f in cg.validate(as_of=day).findings if f.shape == owner}


def test_incident_deadlines_agree_with_the_validator_at_the_boundaries(tmp_path):
    incidents, late = boundary_incidents()
    cg = Clausegraph.open(register=write_register(tmp_path / "r", incidents=incidents, findings=None, actions=None,
                                                  reviews=None))
    doc = {i["id"]: i for i in cg.incidents(as_of=AS_OF)}
    judged_late = {i for i, x in doc.items() if x["art73_applies"] and x["days_late"]}
    validator_late = {f.focus.rsplit("/", 1)[-1] for f in cg.validate(as_of=AS_OF).findings if "/incident/" in f.focus}
    assert judged_late == late == validator_late
    for ident, x in doc.items():
        if x["due_on"] and not x["reported_on"]:
            gap = (dt.date.fromisoformat(x["due_on"]) - AS_OF).days
            assert (x["days_left"], x["days_late"]) == ((gap, None) if gap >= 0 else (None, -gap)), ident
    assert doc["ci-open0"]["state"] == "0 days left" and doc["ci-open1"]["state"] == "overdue by 1 days"
    assert doc["before"]["art73_applies"] is False and doc["deployer"]["art73_applies"] is False
    assert doc["minor"]["state"] == "not a serious incident"


def test_open_findings_and_overdue_actions_agree_with_the_validator(acme):
    doc = acme.open_findings(as_of=DAY)
    overdue = {a["id"] for a in doc["actions"] if a["overdue"]}
    assert overdue == violations(acme, "ActionNotOverdue", DAY) == {"CA-2026-003"}
    assert doc["actions"][0]["overdue"]                                   # overdue first
    assert {f["id"] for f in doc["findings"]} == {"AUD-26-01", "AUD-26-03", "INC-2026-021-F"}
    assert all(f["status"] != "closed" for f in doc["findings"])
    assert doc["summary"] == {"open_findings": 3, "open_actions": 3, "overdue_actions": 1}


def test_decision_history_is_per_system_and_oldest_first(acme):
    doc = acme.decisions()
    assert sum(len(h["decisions"]) for h in doc) == 15
    for h in doc:
        dates = [d["date"] for d in h["decisions"]]
        assert dates == sorted(dates)
    (cv,) = acme.decisions(system="hr-cv-ranker")
    assert [d["id"] for d in cv["decisions"]] == ["DEC-2026-011", "DEC-2026-019"]
    assert cv["decisions"][0]["basis"] == ["ASM-001", "ASM-002", "ASM-006"]
    with pytest.raises(NotFoundError):
        acme.decisions(system="no-such-system")


def test_incident_impact(acme):
    doc = acme.incident_impact(incident="INC-2026-021", as_of=DAY)
    assert doc["systems"] == ["hr-cv-ranker"]
    assert doc["provisions"] == ["euaiact:Art. 73(2)", "iso42001:A.6.2.4", "iso42001:A.6.2.5"]
    assert doc["findings_from_incident"] == ["INC-2026-021-F"]
    assert {f["id"] for f in doc["open_findings"]} == {"AUD-26-01", "INC-2026-021-F"}
    assert doc["incident"]["due_on"] == "2026-10-07" and doc["incident"]["days_late"] == 2
    with pytest.raises(NotFoundError):
        acme.incident_impact(incident="INC-404", as_of=DAY)


def test_trace_runs_provision_finding_action_evidence_and_back(acme):
    fwd = acme.trace(ref="iso42001:5.2", as_of=DAY)
    (finding,) = [n for n in fwd["root"]["children"] if n["kind"] == "finding"]
    assert finding["id"] == "AUD-25-04" and finding["status"] == "closed"
    (action,) = finding["children"]
    assert action["id"] == "CA-2025-011" and action["done"]
    assert [e["id"] for e in action["children"]] == ["EV-002"] and action["children"][0]["valid"]
    back = acme.trace(action="CA-2025-011", as_of=DAY)
    assert back["serves"] == {"iso42001": ["iso42001:5.2"]}
    assert acme.trace(finding="AUD-26-01", as_of=DAY)["serves"] == {"euaiact": ["euaiact:Art. 10(2)"],
                                                                   "iso42001": ["iso42001:A.6.2.4"]}
    dec = acme.trace(decision="DEC-2026-006", as_of=DAY)["root"]
    assert [(c["kind"], c["id"]) for c in dec["children"]] == [("system", "shift-allocator"), ("assessment", "ASM-007"),
                                                               ("assessment", "ASM-008"), ("assessment", "ASM-009")]


def test_readiness_table_on_the_example(acme):
    doc = acme.readiness(as_of=DAY)
    assert [r["ref"] for r in doc["clauses"]] == [f"iso42001:{n}" for n in range(4, 11)]
    soa = acme.soa(as_of=DAY)
    assert [r["ref"] for r in doc["controls"]] == [c["ref"] for c in soa["controls"]]        # the 38, in order
    excluded = {c["ref"] for c in soa["controls"] if c["applicable"] is False}
    assert {r["ref"] for r in doc["controls"] if r["status"] == "excluded"} == excluded
    clause = {r["ref"]: r for r in doc["clauses"]}
    # clause 10 misses exactly the actions the validator finds overdue
    assert clause["iso42001:10"]["missing"] == [f"corrective action {a} overdue since 2026-09-30"
                                                for a in violations(acme, "ActionNotOverdue", DAY)]
    assert {("review", "MR-2026-03"), ("audit", "AUD-26")} <= {(i["kind"], i["id"]) for i in clause["iso42001:9"]["records"]}
    assert all(r["status"] == ("ready" if not r["missing"] else "gaps") for r in doc["clauses"])
    # an open nonconformity against a control is missing there
    a624 = next(r for r in doc["controls"] if r["ref"] == "iso42001:A.6.2.4")
    assert "open nonconformity AUD-26-01 (raised 2026-05-22)" in a624["missing"]
    # a year later the audits and the review have aged out of the 12 months
    later = {r["ref"]: r for r in acme.readiness(as_of=dt.date(2027, 6, 1))["clauses"]}
    assert any("no management review" in m for m in later["iso42001:9"]["missing"])


def test_readiness_without_record_files_says_what_is_not_recorded(tmp_path):
    reg = write_register(tmp_path / "r", decisions=None, incidents=None, findings=None, actions=None, audits=None,
                         reviews=None, suppliers=None)
    cg = Clausegraph.open(register=reg)
    nine = next(r for r in cg.readiness(as_of=DAY)["clauses"] if r["ref"] == "iso42001:9")
    assert "no internal audits recorded (the register has no audits table)" in nine["missing"]
    assert "no management reviews recorded (the register has no reviews table)" in nine["missing"]


def test_cli_readiness_incidents_findings_decisions(tmp_path):
    res = run_main("readiness", "--register", str(EXAMPLE), "--as-of", "2026-11-23", "--clauses-only")
    assert res.returncode == 0, res.stderr
    assert "iso42001:10" in res.stdout and "audit readiness on 2026-11-23" in res.stdout
    doc = json.loads(run_main("incidents", "--register", str(EXAMPLE), "--as-of", "2026-11-23", "--format",
                             "json").stdout)
    assert [i["id"] for i in doc] == ["INC-2026-017", "INC-2026-019", "INC-2026-021"]
    res = run_main("impact", "--incident", "NOPE", "--register", str(EXAMPLE))
    assert res.returncode == 2 and "no incident 'NOPE'" in res.stderr and "Traceback" not in res.stderr
    res = run_main("trace", "--action", "CA-2026-003", "--register", str(EXAMPLE), "--as-of", "2026-11-23")
    assert res.returncode == 0 and "overdue since 2026-09-30" in res.stdout
    res = run_main("findings", "--register", str(EXAMPLE), "--as-of", "2026-11-23", "--format", "csv")
    assert res.returncode == 0 and "CA-2026-003" in res.stdout
    res = run_main("decisions", "--register", str(EXAMPLE), "--system", "hr-cv-ranker", "--format", "markdown")
    assert res.returncode == 0 and "DEC-2026-019" in res.stdout
