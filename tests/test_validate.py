"""Validation: the fast SPARQL validator gives exactly pySHACL's findings on generated registers, the example
organisation conforms, and `clausegraph validate` follows its exit-code and report contract."""
from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest

from clausegraph.engine.build import build
from clausegraph.engine.store import open_store
from clausegraph.engine.synthetic import generate
from clausegraph.engine.validate import ORG_SHAPES, bundled_shapes, validate

from .conftest import ROOT, run_main

EXAMPLE = ROOT / "examples" / "acme"
AS_OF = dt.date(2026, 11, 23)


@pytest.mark.parametrize("seed,size", [(1, 25), (2, 40), (7, 15)])
def test_fast_validation_equals_pyshacl_on_generated_registers(tmp_path, seed, size):
    reg = generate(tmp_path / "reg", systems=size, seed=seed, defect_rate=0.2).path
    store = open_store()
    build(store, register=reg)
    fast = validate(store, AS_OF, engine="fast")
    ref = validate(store, AS_OF, engine="pyshacl")
    assert len(fast.findings) >= 5, "the generator must plant defects"
    assert sorted(map(repr, (f.key for f in fast.findings))) == sorted(map(repr, (f.key for f in ref.findings)))
    shapes_hit = {f.shape.rsplit("#", 1)[-1] for f in fast.findings}
    assert len(shapes_hit) >= 4


#: the defects planted in the example's management-system records (examples/README.md), and nothing else
PLANTED = {
    ("DeployedSystemApproved", "marketing-image-gen", None),            # only a deferred pre-deployment decision
    ("BasisPrecedesDecision", "DEC-2026-006", "ASM-009"),               # basis dated after the decision
    ("ClosedNonconformityActionsDone", "AUD-26-02", "CA-2026-004"),     # closed while its action is open
    ("ActionNotOverdue", "CA-2026-003", "2026-09-30"),                   # past its due date
    ("SupplierAssessed", "SUP-005", None),                               # supplier never assessed
}


RECORD_SHAPES = {"IncidentReportingShape", "DeploymentApprovalShape", "DecisionBasisShape", "NonconformityClosureShape",
                 "ActionOverdueShape", "SupplierAgreementShape", "SupplierAssessmentShape", "InternalAuditShape",
                 "ManagementReviewShape"}


def test_fast_validation_equals_pyshacl_on_generated_management_records(tmp_path):
    """Generated registers with decisions, incidents, findings, actions, audits, reviews and suppliers, on a
    date when Art. 73 and Art. 25(4) apply to Annex III providers: both validators find the same, and between
    them the two registers trip every record rule."""
    hit: set[str] = set()
    for seed in (3, 11):
        reg = generate(tmp_path / f"reg{seed}", systems=30, seed=seed, defect_rate=0.3, records=True).path
        store = open_store()
        build(store, register=reg)
        day = dt.date(2028, 3, 1)
        fast = validate(store, day, engine="fast")
        ref = validate(store, day, engine="pyshacl")
        assert sorted(map(repr, (f.key for f in fast.findings))) == sorted(map(repr, (f.key for f in ref.findings)))
        owners = {f.shape.rsplit("#", 1)[-1] for f in fast.findings}
        hit |= owners & RECORD_SHAPES
    assert hit == RECORD_SHAPES


def test_example_register_reports_exactly_the_planted_defects():
    res = run_main("validate", "--register", str(EXAMPLE), "--as-of", "2026-11-23", "--format", "json")
    assert res.returncode == 1, res.stderr[-2000:]
    doc = json.loads(res.stdout)
    violations = {(f["shape"], f["focus_label"], f["value"].rsplit("/", 1)[-1] if f["value"] else None)
                  for f in doc["findings"] if f["severity"] == "Violation"}
    shape_of = {c.iri.rsplit("#", 1)[-1]: ns.iri.rsplit("#", 1)[-1]
                for ns in bundled_shapes(ORG_SHAPES) for c in ns.sparql}
    assert violations == {(shape_of[c], focus, value) for c, focus, value in PLANTED}
    assert all(f["enforces"] for f in doc["findings"])


def test_example_latent_defects_surface_when_the_act_applies():
    """ParseKit's missing written agreement becomes an Art. 25(4) finding once Art. 25(4) applies to the Annex III
    CV ranker (2 December 2027); the incident reported on day 17 in 2026 stays outside Art. 73, whose duties did not
    yet bind the system when it was due."""
    store = open_store()
    build(store, register=EXAMPLE)
    found = validate(store, dt.date(2027, 12, 2)).findings
    supplier = {(f.focus.rsplit("/", 1)[-1], (f.value or "").rsplit("/", 1)[-1]) for f in found
                if f.shape.endswith("#SupplierAgreementShape")}
    assert supplier == {("SUP-006", "hr-cv-ranker")}
    assert not [f for f in found if "/incident/" in f.focus]


@pytest.fixture
def broken_register(tmp_path):
    reg = generate(tmp_path / "reg", systems=6, seed=4, defect_rate=0.5).path
    return reg


def test_violations_exit_1_and_cite_the_provision(broken_register):
    res = run_main("validate", "--register", str(broken_register), "--as-of", "2026-11-23", "--format", "json")
    assert res.returncode == 1
    doc = json.loads(res.stdout)
    assert not doc["conforms"] and doc["summary"]["violations"] > 0
    for f in doc["findings"]:
        assert f["enforces"], f
        assert f["focus_label"] and f["message"]


def test_junit_output_is_read_by_a_junit_parser(broken_register, tmp_path):
    out = tmp_path / "report.xml"
    res = run_main("validate", "--register", str(broken_register), "--format", "junit", "--output", str(out))
    assert res.returncode == 1
    root = ET.parse(out).getroot()
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    failures = [c for c in cases if c.find("failure") is not None]
    assert int(suite.get("tests")) == len(cases) > 10
    assert int(suite.get("failures")) == len(failures) > 0
    assert all("Enforces:" in c.find("failure").text for c in failures)


def test_broken_register_exits_2(tmp_path):
    reg = tmp_path / "bad"
    reg.mkdir()
    (reg / "systems.csv").write_text("id,name,owner,role\ns1,S,me,wizard\n", encoding="utf-8")
    res = run_main("validate", "--register", str(reg))
    assert res.returncode == 2 and "row 2, column role" in res.stderr


def test_soa_xlsx_has_all_38_annex_a_controls(tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "soa.xlsx"
    res = run_main("soa", "--register", str(EXAMPLE), "--format", "xlsx", "--output", str(out), "--as-of", "2026-11-23")
    assert res.returncode == 0, res.stderr
    ws = load_workbook(out)["Statement of Applicability"]
    refs = [r[0] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert len(refs) == 38 and refs[0] == "iso42001:A.2.2" and refs[-1] == "iso42001:A.10.4"
    excluded = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[2] == "no"]
    assert excluded and all(len(r[3]) > 20 for r in excluded)


def test_soa_json_and_27001_option():
    doc = json.loads(run_main("soa", "--register", str(EXAMPLE), "--format", "json", "--include-27001").stdout)
    assert doc["summary"]["controls"] == 38 + 93
    first = doc["controls"][0]
    assert set(first) == {"ref", "title", "applicable", "justification", "controls"}


#: the absence checks written as OPTIONAL + GROUP BY ... HAVING (COUNT(?a) = 0) (shapes/organisation.ttl):
#: Act provision binding the system -> the kind of assessment about the system it needs
ASSESSMENT_NEEDED = {"art-9-1": "risk-assessment", "art-11-1": "technical-documentation",
                     "art-72-1": "post-market-monitoring-plan", "art-27-1": "fria"}


def test_assessment_recorded_constraints_equal_brute_force(tmp_path):
    """Each 'assessment recorded' constraint flags exactly the AI systems bound by its provision with no assessment
    of its kind about them, computed here in Python from the store's triples; pySHACL flags the same systems."""
    import pyoxigraph as ox

    from clausegraph.engine.refs import ONTOLOGY_NS as CG
    from clausegraph.engine.refs import Ref

    reg = generate(tmp_path / "reg", systems=60, seed=5, defect_rate=0.3).path
    store = open_store()
    build(store, register=reg)
    fast = validate(store, AS_OF, engine="fast")
    ref = validate(store, AS_OF, engine="pyshacl")
    ox_store = store.oxigraph

    def pairs(pred: str) -> set[tuple[str, str]]:
        return {(q.subject.value, q.object.value)
                for q in ox_store.quads_for_pattern(None, ox.NamedNode(CG + pred), None, None)}

    systems = {q.subject.value for q in ox_store.quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(CG + "AISystem"), None)}
    bound, about, kind = pairs("boundBy"), dict(pairs("aboutSystem")), dict(pairs("assessmentKind"))
    flagged_somewhere = 0
    for art, needed in ASSESSMENT_NEEDED.items():
        prov = Ref("euaiact", {"art-9-1": "Art. 9(1)", "art-11-1": "Art. 11(1)", "art-72-1": "Art. 72(1)",
                               "art-27-1": "Art. 27(1)"}[art]).iri
        have = {about[a] for a, k in kind.items() if k == needed and a in about}
        expected = {s for s, p in bound if p == prov and s in systems and s not in have}
        for report in (fast, ref):
            got = {f.focus for f in report.findings if prov in f.enforces}
            assert got == expected, (art, report.engine)
        flagged_somewhere += bool(expected)
        assert expected != {s for s, p in bound if p == prov} or not expected   # some bound systems are fine
    assert flagged_somewhere >= 2, "the register must plant missing assessments"


def test_count_constraints_name_their_component_as_pyshacl_does(tmp_path):
    """sh:minCount and sh:maxCount share one query per property on the fast path: a control with two statuses
    (MaxCount), one with none (MinCount) and one without an owner (MinCount) get the components pySHACL gives."""
    from clausegraph.engine.refs import ONTOLOGY_NS as CG

    reg = generate(tmp_path / "reg", systems=8, seed=3, defect_rate=0.0).path
    store = open_store()
    build(store, register=reg)
    ctl = sorted(r["c"].value for r in store.select(f"SELECT ?c WHERE {{ ?c a <{CG}Control> }}").rows)[:3]
    store.update(f'INSERT DATA {{ GRAPH <urn:test> {{ <{ctl[0]}> <{CG}status> "planned" }} }}')
    store.update(f"DELETE WHERE {{ GRAPH ?g {{ <{ctl[1]}> <{CG}status> ?s }} }}")
    store.update(f"DELETE WHERE {{ GRAPH ?g {{ <{ctl[2]}> <{CG}owner> ?o }} }}")

    def counts(report):
        return sorted((f.focus, f.path.rsplit("#", 1)[-1], f.component) for f in report.findings
                      if f.component in ("MinCount", "MaxCount"))

    fast = counts(validate(store, AS_OF, engine="fast"))
    assert fast == counts(validate(store, AS_OF, engine="pyshacl"))
    assert fast == sorted([(ctl[0], "status", "MaxCount"), (ctl[1], "status", "MinCount"),
                           (ctl[2], "owner", "MinCount")])
