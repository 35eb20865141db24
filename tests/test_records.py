"""The management system's own records: import (three forms, located problems, cross-references,
all-or-nothing), the Art. 73 reporting deadline at its boundaries (both validators), and the record rules."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from clausegraph.engine.build import build
from clausegraph.engine.errors import UserInputError
from clausegraph.engine.register import load_register
from clausegraph.engine.register.records import reporting_deadline
from clausegraph.engine.store import open_store
from clausegraph.engine.validate import validate

from .conftest import run_main
from .test_register import write_xlsx

SYSTEMS = ("id,name,purpose,owner,role,lifecycle,use_cases\n"
           "cv,CV ranker,Ranks job applications,Jo,provider,deployed,annex-iii-4a\n"
           "bot,Help bot,Answers customers,Al,deployer,deployed,art50-interaction\n")
ASSESSMENTS = ("id,system,kind,date,owner\nA1,cv,risk-assessment,2026-01-10,Jo\n"
               "A2,cv,technical-documentation,2026-01-10,Jo\nA3,cv,post-market-monitoring-plan,2026-01-10,Jo\n")
RECORDS = {
    "decisions": "id,system,gate,decision,date,approver,basis,conditions\n"
                 "D1,cv,pre-deployment,approved,2026-02-01,AI Board,A1,\n"
                 "D2,bot,pre-deployment,approved-with-conditions,2026-02-03,AI Board,,Weekly log review\n",
    "incidents": "id,system,title,occurred_on,aware_on,serious,kind,widespread,reported_on,status\n"
                 "I1,cv,Biased ranking,2026-03-01,2026-03-02,true,fundamental-rights,false,2026-03-10,closed\n"
                 "I2,bot,Wrong answer,,2026-04-01,false,other,,,open\n",
    "audits": "id,date,scope,auditor,independent,report\n"
              "AU1,2026-03-01,iso42001:4;iso42001:5;iso42001:6;iso42001:7;iso42001:8;iso42001:9;iso42001:10,"
              "Internal Audit,true,\n",
    "findings": "id,kind,source,raised_on,description,refs,systems,audit,incident,status,closed_on\n"
                 "F1,nonconformity,internal-audit,2026-03-01,No monitoring log,iso42001:9.1,cv,AU1,,closed,2026-04-01\n"
                 "F2,observation,incident,2026-03-05,Bias check missed,euaiact:Art. 10(2),cv,,I1,open,\n",
    "actions": "id,findings,title,owner,due,done_on,evidence\nAC1,F1;F2,Add monitoring,Jo,2026-05-01,2026-04-01,E1\n",
    "reviews": "id,date,chair,inputs,minutes\nR1,2026-06-01,CEO,AU1;F1;I1,\n",
    "suppliers": "id,name,supplies,systems,agreement_on,assessed_on,status\n"
                 "S1,Parser Inc,component,cv,2026-01-05,2026-01-05,approved\n",
}
CONTROLS = "id,title,owner,status\nC1,Monitoring,Jo,partial\n"
EVIDENCE = "id,title,supports,location,collected_on\nE1,Monitoring log,C1,https://example.org/log,2026-04-01\n"


def write_register(folder: Path, **overrides: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    files = {"systems": SYSTEMS, "assessments": ASSESSMENTS, "controls": CONTROLS, "evidence": EVIDENCE,
             **RECORDS, **overrides}
    for name, text in files.items():
        if text is not None:
            (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def tables_of(folder: Path) -> dict[str, list[dict[str, str]]]:
    import csv

    return {p.stem: list(csv.DictReader(p.open(encoding="utf-8"))) for p in sorted(folder.glob("*.csv"))}


LISTS = {"basis", "refs", "systems", "findings", "evidence", "scope", "inputs", "supports", "role", "use_cases"}
BOOLS = {"serious", "widespread", "independent"}


def write_yaml_typed(tables: dict, path: Path) -> None:
    """YAML with real lists, booleans and dates (not the CSV strings)."""
    def typed(col: str, value: str):
        if col in LISTS:
            return [v for v in value.split(";") if v]
        if col in BOOLS:
            return value == "true"
        if len(value) == 10 and value[4] == "-" and value[7] == "-":
            return dt.date.fromisoformat(value)
        return value

    doc = {name: [{k: typed(k, v) for k, v in row.items() if v != ""} for row in rows]
           for name, rows in tables.items()}
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")


def test_records_import_identically_from_csv_xlsx_and_yaml(tmp_path):
    folder = write_register(tmp_path / "csv")
    tables = tables_of(folder)
    write_yaml_typed(tables, tmp_path / "r.yaml")
    write_xlsx(tables, tmp_path / "r.xlsx")
    forms = [set(load_register(p).ntriples.splitlines()) for p in (folder, tmp_path / "r.yaml", tmp_path / "r.xlsx")]
    assert forms[0] == forms[1] == forms[2]
    nt = "\n".join(sorted(forms[0]))
    for cls in ("GateDecision", "Incident", "FindingRecord", "CorrectiveAction", "InternalAudit",
                "ManagementReview", "Supplier"):
        assert f"<https://w3id.org/clausegraph/ontology#{cls}>" in nt
    # PROV-O: activities associated with agents, decisions use their basis, reviews their inputs
    assert ("<https://w3id.org/clausegraph/id/org/decision/D1> <http://www.w3.org/ns/prov#used> "
            "<https://w3id.org/clausegraph/id/org/assessment/A1> .") in forms[0]
    assert ("<https://w3id.org/clausegraph/id/org/review/R1> <http://www.w3.org/ns/prov#used> "
            "<https://w3id.org/clausegraph/id/org/incident/I1> .") in forms[0]
    assert ("<https://w3id.org/clausegraph/id/org/action/AC1> <http://www.w3.org/ns/prov#wasAssociatedWith> "
            "<https://w3id.org/clausegraph/id/org/agent/Jo> .") in forms[0]
    # a serious incident carries its deadline: fundamental rights -> 15 days (Art. 73(2))
    assert ('<https://w3id.org/clausegraph/id/org/incident/I1> <https://w3id.org/clausegraph/ontology#reportDueOn> '
            '"2026-03-17"^^<http://www.w3.org/2001/XMLSchema#date> .') in forms[0]
    assert "incident/I2> <https://w3id.org/clausegraph/ontology#reportDueOn>" not in nt


def problems_of(path: Path) -> list:
    with pytest.raises(UserInputError) as exc:
        load_register(path)
    return exc.value.problems


def test_every_record_problem_is_located_and_reported_at_once(tmp_path):
    reg = write_register(
        tmp_path / "r",
        decisions="id,system,gate,decision,date,approver,basis,conditions\n"
                  "D1,nope,go-live,approved,2026-02-30,AI Board,A9,\n",
        incidents="id,system,title,occurred_on,aware_on,serious,kind,widespread,reported_on,status\n"
                  "I1,cv;bot,T,,,maybe,explosion,,,open\n",
        findings="id,kind,source,raised_on,description,refs,systems,audit,incident,status,closed_on\n"
                 "F1,nonconformity,rumour,2026-03-01,x,iso42001:99.9,cv,AU9,I9,done,\n",
        actions="id,findings,title,owner,due,done_on,evidence\nAC1,F9,T,Jo,2026-05-01,,E9\n",
        audits="id,date,scope,auditor,independent,report\nAU1,2026-03-01,,Internal Audit,true,\n",
        reviews="id,date,chair,inputs,minutes\nR1,2026-06-01,CEO,AU1;X9,\n",
        suppliers="id,name,supplies,systems,agreement_on,assessed_on,status\nS1,P,tools,zz,2026-01-05,,approved\n",
    )
    got = {(p.file, p.row, p.column) for p in problems_of(reg)}
    expected = {
        ("decisions.csv", 2, "system"), ("decisions.csv", 2, "gate"), ("decisions.csv", 2, "date"),
        ("decisions.csv", 2, "basis"),
        ("incidents.csv", 2, "system"), ("incidents.csv", 2, "aware_on"), ("incidents.csv", 2, "serious"),
        ("incidents.csv", 2, "kind"),
        ("findings.csv", 2, "source"), ("findings.csv", 2, "refs"), ("findings.csv", 2, "audit"),
        ("findings.csv", 2, "incident"), ("findings.csv", 2, "status"),
        ("actions.csv", 2, "findings"), ("actions.csv", 2, "evidence"),
        ("audits.csv", 2, "scope"),
        ("reviews.csv", 2, "inputs"),
        ("suppliers.csv", 2, "supplies"), ("suppliers.csv", 2, "systems"),
    }
    assert expected <= got, sorted(expected - got)
    msgs = [p.message for p in problems_of(reg)]
    assert "unknown audit, finding or incident id 'X9'" in msgs
    assert "unknown assessment id 'A9'" in msgs and "unknown evidence id 'E9'" in msgs


def test_a_bad_record_file_exits_2_and_writes_nothing(tmp_path):
    good = write_register(tmp_path / "good")
    store = tmp_path / "store"
    assert run_main("build", "--register", str(good), "--store", str(store)).returncode == 0
    bad = write_register(tmp_path / "bad", actions="id,findings,title,owner,due,done_on,evidence\n"
                                                   "AC9,F404,T,Jo,2026-05-01,,\n")
    res = run_main("import", "--register", str(bad), "--store", str(store))
    assert res.returncode == 2 and "actions.csv, row 2, column findings: unknown finding id" in res.stderr
    assert "Traceback" not in res.stderr
    q = run_main("query", "--store", str(store), "--format", "json",
                "SELECT ?a WHERE { ?a a <https://w3id.org/clausegraph/ontology#CorrectiveAction> }")
    assert "action/AC1" in q.stdout and "AC9" not in q.stdout


# ---------------------------------------------------------------- Art. 73 deadline arithmetic

#: Art. 73 as in the reference text (unchanged by Regulation (EU) 2026/1744): days after awareness, paragraph
ACT = {"widespread": (2, "73(3)"), "critical-infrastructure": (2, "73(3)"), "death": (10, "73(4)"),
       "other": (15, "73(2)")}


@pytest.mark.parametrize("kind,widespread,days,para", [
    ("critical-infrastructure", False, 2, "73(3)"), ("health-harm", True, 2, "73(3)"), ("death", True, 2, "73(3)"),
    ("death", False, 10, "73(4)"), ("health-harm", False, 15, "73(2)"), ("fundamental-rights", False, 15, "73(2)"),
    ("property-environment", False, 15, "73(2)"), ("other", False, 15, "73(2)"), (None, False, 15, "73(2)"),
])
def test_reporting_deadline_counts_days_after_awareness(kind, widespread, days, para):
    aware = dt.date(2028, 2, 27)   # across a leap day
    due, ref = reporting_deadline(aware_on=aware, kind=kind, widespread=widespread)
    assert (due - aware).days == days and str(ref) == f"euaiact:Art. {para}"


AS_OF = dt.date(2028, 3, 1)        # Art. 73 applies to Annex III providers from 2027-12-02 (2026 amendment)


def boundary_incidents() -> tuple[str, set[str]]:
    """Incidents reported on the last allowed day and the day after, for each period, and unreported ones whose
    deadline is the as-of date or the day before; the ids expected late, from ACT."""
    rows, late = [], set()
    aware = dt.date(2028, 1, 10)
    cases = [("ci", "critical-infrastructure", False, ACT["critical-infrastructure"][0]),
             ("wide", "health-harm", True, ACT["widespread"][0]), ("death", "death", False, ACT["death"][0]),
             ("harm", "health-harm", False, ACT["other"][0])]
    for tag, kind, wide, days in cases:
        for offset in (days, days + 1):
            ident = f"{tag}-day{offset}"
            rows.append(f"{ident},cv,T,,{aware},true,{kind},{str(wide).lower()},{aware + dt.timedelta(offset)},closed")
            if offset > days:
                late.add(ident)
        for slack in (0, 1):   # unreported: deadline on the as-of date (in time) or the day before (late)
            ident = f"{tag}-open{slack}"
            rows.append(f"{ident},cv,T,,{AS_OF - dt.timedelta(days + slack)},true,{kind},{str(wide).lower()},,open")
            if slack:
                late.add(ident)
    # not serious, or due before Art. 73 applied to the system (2027-12-02): never a late report
    rows.append(f"minor,cv,T,,{aware},false,other,,{aware + dt.timedelta(40)},closed")
    rows.append("before,cv,T,,2027-11-01,true,death,false,2027-12-20,closed")
    # a deployer is not bound by Art. 73 for the bot
    rows.append(f"deployer,bot,T,,{aware},true,death,false,,open")
    header = "id,system,title,occurred_on,aware_on,serious,kind,widespread,reported_on,status\n"
    return header + "\n".join(rows) + "\n", late


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
def test_late_serious_incidents_at_the_day_boundaries(tmp_path, engine):
    incidents, late = boundary_incidents()
    reg = write_register(tmp_path / "r", incidents=incidents, findings=None, actions=None, reviews=None)
    store = open_store()
    build(store, register=reg)
    report = validate(store, AS_OF, engine=engine)
    flagged = {f.focus.rsplit("/", 1)[-1]: f for f in report.findings if "/incident/" in f.focus}
    assert set(flagged) == late
    for ident, f in flagged.items():
        para = ACT["death" if ident.startswith("death") else "critical-infrastructure" if ident[:2] in ("ci", "wi")
                   else "other"][1]
        assert [e.rsplit("/", 1)[-1] for e in f.enforces] == [f"art-{para.replace('(', '-').rstrip(')')}"]


def test_incident_rule_waits_for_art_73_to_apply(tmp_path):
    """On an as-of date before Art. 73 applies to the system, the same late reports are not findings."""
    incidents, late = boundary_incidents()
    reg = write_register(tmp_path / "r", incidents=incidents, findings=None, actions=None, reviews=None)
    store = open_store()
    build(store, register=reg)
    assert late and not [f for f in validate(store, dt.date(2027, 12, 1)).findings if "/incident/" in f.focus]


# ---------------------------------------------------------------- the other record rules end to end

def findings_by_shape(reg: Path, as_of: dt.date) -> dict[str, set[str]]:
    store = open_store()
    build(store, register=reg)
    out: dict[str, set[str]] = {}
    for f in validate(store, as_of).findings:
        out.setdefault(f.shape.rsplit("#", 1)[-1], set()).add(f.focus.rsplit("/", 1)[-1] +
                                                                (f"|{f.value.rsplit('/', 1)[-1]}" if f.value else ""))
    return out


def test_a_clean_record_set_has_no_record_findings(tmp_path):
    got = findings_by_shape(write_register(tmp_path / "r"), dt.date(2026, 11, 23))
    record_rules = {"SeriousIncidentReported2Days", "SeriousIncidentReported10Days", "SeriousIncidentReported15Days",
                    "DeploymentApprovalShape", "DecisionBasisShape", "NonconformityClosureShape",
                    "ActionOverdueShape", "SupplierAgreementShape", "SupplierAssessmentShape", "InternalAuditShape",
                    "ManagementReviewShape", "IncidentReportingShape"}
    assert not record_rules & set(got), got


def test_record_rules_focus_on_the_record_concerned(tmp_path):
    reg = write_register(
        tmp_path / "r",
        systems=SYSTEMS + "new,New system,Scores,Jo,provider,deployed,annex-iii-4a\n",
        decisions=RECORDS["decisions"] + "D3,cv,change,approved,2026-01-01,AI Board,A1,\n",
        actions="id,findings,title,owner,due,done_on,evidence\nAC1,F1,Add monitoring,Jo,2026-05-01,,\n",
        suppliers=RECORDS["suppliers"] + "S2,Data Co,data,cv,,,approved\nS3,Lib Co,component,cv,,2026-01-01,\n",
        reviews="id,date,chair,inputs,minutes\nR1,2025-06-01,CEO,,\n",
        audits="id,date,scope,auditor,independent,report\nAU1,2026-03-01,iso42001:4;iso42001:9.2,IA,true,\n",
    )
    got = findings_by_shape(reg, dt.date(2026, 11, 23))
    assert got["DeploymentApprovalShape"] == {"new"}
    assert got["DecisionBasisShape"] == {"D3|A1"}            # A1 (2026-01-10) is after D3 (2026-01-01)
    assert got["NonconformityClosureShape"] == {"F1|AC1"}
    assert got["ActionOverdueShape"] == {"AC1|2026-05-01"}
    assert got["SupplierAssessmentShape"] == {"S2"}
    assert got["ManagementReviewShape"] == {"organisation"}
    assert got["InternalAuditShape"] == {f"organisation|{n}" for n in ("5", "6", "7", "8", "9", "10")}
    assert "SupplierAgreementShape" not in got               # Art. 25(4) applies to Annex III from 2027-12-02
    later = findings_by_shape(reg, dt.date(2027, 12, 2))   # S1 has an agreement, S2 supplies data only
    assert later["SupplierAgreementShape"] == {"S3|cv"}


def test_record_problems_are_located_in_xlsx_and_yaml_too(tmp_path):
    folder = write_register(tmp_path / "csv", decisions="id,system,gate,decision,date,approver,basis,conditions\n"
                                                        "D1,cv,pre-deployment,approved,2026-02-01,Board,A1,\n"
                                                        "D2,ghost,go-live,approved,2026-02-01,Board,,\n")
    tables = tables_of(folder)
    write_yaml_typed(tables, tmp_path / "r.yaml")
    write_xlsx(tables, tmp_path / "r.xlsx")
    for path, label, row in ((tmp_path / "r.xlsx", "r.xlsx[decisions]", 3), (tmp_path / "r.yaml", "r.yaml[decisions]", 2)):
        got = {(p.file, p.row, p.column) for p in problems_of(path)}
        assert got == {(label, row, "system"), (label, row, "gate")}, got
