"""Every named query in engine/queries/*.rq, run on a small hand-built fixture with expected results worked out
by hand (tests/data/queries-fixture.ttl); and the `queries` command lists them all."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from clausegraph.engine import queries as q
from clausegraph.engine.store import open_store

from .conftest import DATA, run_main

E = "https://w3id.org/clausegraph/id/euaiact/"
I = "https://w3id.org/clausegraph/id/iso42001/"
ORG = "https://w3id.org/clausegraph/id/org/"
C = "https://w3id.org/clausegraph/id/condition/"


@pytest.fixture(scope="module")
def store():
    s = open_store()
    s.replace_graph("https://w3id.org/clausegraph/graph/fixture", (DATA / "queries-fixture.ttl").read_text(), "turtle")
    return s


def run(store, name, **params):
    return store.select(q.render(name, **params)).values()


def test_framework_counts(store):
    before = run(store, "framework-counts", as_of=q.date(dt.date(2026, 1, 1)))
    assert {(r["key"], r["kind"], r["n"]) for r in before} == {
        ("iso42001", "objective", 1), ("iso42001", "control", 1), ("euaiact", "article", 1), ("euaiact", "paragraph", 1)}
    after = run(store, "framework-counts", as_of=q.date(dt.date(2026, 8, 1)))
    assert ("euaiact", "article", 2) in {(r["key"], r["kind"], r["n"]) for r in after}   # Art. 4a in force


def test_provisions_in_force(store):
    got = {r["p"] for r in run(store, "provisions-in-force", as_of=q.date(dt.date(2026, 1, 1)))}
    assert got == {I + "A.6", I + "A.6.2.8", E + "art-12", E + "art-12-1"}
    before_iso = {r["p"] for r in run(store, "provisions-in-force", as_of=q.date(dt.date(2023, 12, 17)))}
    assert not before_iso & {I + "A.6", I + "A.6.2.8"}   # the framework was not yet published


def test_frameworks(store):
    rows = {r["key"]: r for r in run(store, "frameworks")}
    day = dt.date(2023, 12, 18)
    assert rows["iso42001"] == {"key": "iso42001", "title": "ISO 42001", "version": "2023", "issued": day,
                                "inForceFrom": day, "source": "https://www.iso.org/standard/81230.html",
                                "status": "secondary-sources"}
    assert rows["euaiact"] == {"key": "euaiact", "title": "AI Act"}
    counts = run(store, "framework-counts", as_of=q.date(dt.date(2023, 12, 17)))
    assert "iso42001" not in {r["key"] for r in counts}   # nothing of ISO 42001 before its publication
    assert "iso42001" in {r["key"] for r in run(store, "framework-counts", as_of=q.date(day))}


def test_provision_index_and_detail(store):
    rows = {r["p"]: r for r in run(store, "provision-index")}
    assert len(rows) == 5 and rows[I + "A.6.2.8"]["parent"] == I + "A.6" and rows[I + "A.6.2.8"]["key"] == "iso42001"
    d = run(store, "provision-detail", p=q.iri(I + "A.6.2.8"))
    assert d == [{"title": "Event logs", "summary": "Keep logs.", "kind": "control", "obligation": False,
                  "frameworkFrom": dt.date(2023, 12, 18)}]


def test_assessable_provisions(store):
    rows = run(store, "assessable-provisions", framework=q.iri("https://w3id.org/clausegraph/id/euaiact"),
               as_of=q.date(dt.date(2026, 1, 1)))
    assert rows == [{"r": E + "art-12-1"}]


def test_obligation_rules(store):
    rows = run(store, "obligation-rules", filter="")
    assert {(r["p"], r["role"], r["mode"], r["condition"]) for r in rows} == {
        (E + "art-12-1", "provider", "requires", C + "high-risk"), (E + "art-12-1", "provider", "excludes", C + "x")}


def test_application_dates(store):
    rows = run(store, "application-dates")
    base = {(r["p"], r.get("appliesFrom"), r.get("condition"), r.get("condDate")) for r in rows if r["source"] == "base"}
    assert (E + "art-12", dt.date(2026, 8, 2), None, None) in base
    assert (E + "art-12-1", None, C + "high-risk-art6-1", dt.date(2027, 8, 2)) in base
    changes = [r for r in rows if r["source"] == "change"]
    assert [(r["p"], r["changeType"], r["appliesFrom"]) for r in changes] == [(E + "art-12", "dates-changed",
                                                                                dt.date(2027, 12, 2))]


def test_mappings_and_mapping_relations(store):
    m = run(store, "mappings")
    assert [(r["subject"], r["object"], r["relationship"], r["strength"], r["target"]) for r in m] == [
        (E + "art-12-1", I + "A.6.2.8", "subset_of", 7, "iso42001")]
    rel = run(store, "mapping-relations")
    assert [(r["s"], r["o"], r["rel"], r["derived"]) for r in rel] == [(E + "art-12-1", I + "A.6.2.8", "subset_of", False)]


def test_systems(store):
    rows = run(store, "systems")
    assert len(rows) == 1 and rows[0]["id"] == "s1" and rows[0]["role"] == "provider" and rows[0]["profiling"] is True


def test_classification_rules(store):
    rows = run(store, "classification-rules")
    facts = {(r["c"], r["fact"]) for r in rows if r["kind"] == "fact"}
    rules = {(r["c"], r["mode"], r["other"]) for r in rows if r["kind"] == "rule"}
    assert facts == {(C + "a", "profiling")}
    assert rules == {(C + "high-risk", "requires", C + "a"), (C + "high-risk", "excludes", C + "b")}


def test_controls(store):
    rows = run(store, "controls", filter="")
    got = {(r["cid"], r["status"], r.get("p"), r.get("eid"), r.get("sid")) for r in rows}
    assert got == {("c1", "implemented", I + "A.6", "e1", None), ("c1", "implemented", I + "A.6", "e2", None),
                   ("c2", "planned", E + "art-12-1", "e3", "s1")}


def test_soa(store):
    rows = run(store, "soa", framework=q.iri("https://w3id.org/clausegraph/id/iso42001"))
    # c1 implements the heading A.6, so it implements A.6.2.8 below it (as in coverage); e1 and e2 support it
    assert {(r["notation"], r.get("applicable"), r.get("cid"), r.get("eid")) for r in rows} == {
        ("A.6.2.8", True, "c1", "e1"), ("A.6.2.8", True, "c1", "e2")}


@pytest.mark.parametrize("day,via,expected", [
    # on 2026-03-01 e1 (to 2026-06-30) is valid for c1; e2 is not yet collected
    (dt.date(2026, 3, 1), False, {(I + "A.6.2.8", I + "A.6.2.8", "equal", "c1", "implemented", "e1")}),
    # on 2026-09-01 only e2 is valid
    (dt.date(2026, 9, 1), False, {(I + "A.6.2.8", I + "A.6.2.8", "equal", "c1", "implemented", "e2")}),
    # through the mapping, A.6.2.8 is a superset of Art. 12(1), implemented by the planned c2 (e3 valid)
    (dt.date(2026, 9, 1), True, {(I + "A.6.2.8", I + "A.6.2.8", "equal", "c1", "implemented", "e2"),
                                 (I + "A.6.2.8", E + "art-12-1", "superset_of", "c2", "planned", "e3")}),
])
def test_coverage_edges(store, day, via, expected):
    rows = run(store, "coverage", targets=f"VALUES ?r {{ <{I}A.6.2.8> }}", via="true" if via else "false",
               scope="", as_of=q.date(day))
    assert {(r["r"], r["p"], r["rel"], r["cid"], r["status"], r.get("eid")) for r in rows} == expected


def test_framework_keys_and_info(store):
    assert {r["key"] for r in run(store, "framework-keys")} == {"iso42001", "euaiact"}
    info = run(store, "framework-info", framework=q.iri("https://w3id.org/clausegraph/id/iso42001"))
    assert info == [{"key": "iso42001", "title": "ISO 42001", "version": "2023", "source": "https://example.org/iso42001"}]


@pytest.mark.parametrize("key,day,expected", [
    ("iso42001", dt.date(2026, 1, 1), {("A.6", None, False, None), ("A.6.2.8", I + "A.6", True, "Keep logs.")}),
    ("euaiact", dt.date(2026, 1, 1), {("Art. 12", None, False, None), ("Art. 12(1)", E + "art-12", True, None)}),
    # Art. 4a enters into force on 2026-07-27
    ("euaiact", dt.date(2026, 8, 1), {("Art. 12", None, False, None), ("Art. 12(1)", E + "art-12", True, None),
                                      ("Art. 4a", None, False, None)}),
])
def test_framework_provisions(store, key, day, expected):
    rows = run(store, "framework-provisions", framework=q.iri(f"https://w3id.org/clausegraph/id/{key}"),
               as_of=q.date(day))
    assert {(r["notation"], r.get("parent"), r["assessable"], r.get("summary")) for r in rows} == expected


def test_provision_sources(store):
    """A provision's own source link, else its framework's, else none; provisions not asked for are left out."""
    rows = run(store, "provision-sources", targets=q.values("p", [E + "art-12", I + "A.6.2.8", E + "art-12-1"]))
    assert {(r["p"], r["title"], r.get("source")) for r in rows} == {
        (E + "art-12", "Record-keeping", "https://example.org/act#art_12"),
        (I + "A.6.2.8", "Event logs", "https://example.org/iso42001"),
        (E + "art-12-1", "Logging capability", None)}


def test_annex_i_sections_and_amendments(store):
    rows = run(store, "annex-i-sections")
    assert {(r["code"], r["section"], r["eff"]) for r in rows} == {("toys", "A", dt.date(2024, 8, 1)),
                                                                   ("toys", "B", dt.date(2027, 1, 1))}
    assert run(store, "amendments-in-force", as_of=q.date(dt.date(2026, 7, 26))) == []
    assert run(store, "amendments-in-force", as_of=q.date(dt.date(2026, 7, 27))) == [
        {"title": "Amending Regulation X", "from": dt.date(2026, 7, 27), "status": "unverified"}]


def test_provision_changes(store):
    rows = run(store, "provision-changes", p=q.iri(E + "art-12"))
    assert rows == [{"type": "dates-changed", "eff": dt.date(2026, 7, 27),
                     "amendment": "https://w3id.org/clausegraph/id/amendment/x", "atitle": "Amending Regulation X"}]
    assert run(store, "provision-changes", p=q.iri(E + "art-12-1")) == []


def test_assessable_provisions_marked_and_to_derive(store):
    marked = run(store, "assessable-obligations")
    assert {(r["p"], r["ob"]) for r in marked} == {(I + "A.6.2.8", False), (E + "art-12-1", True)}
    # the rule: ISO controls and leaf clauses, NIST subcategories, Act obligations (A.6 is an objective, Art. 12
    # an article that is no obligation)
    assert {r["p"] for r in run(store, "derive-assessable")} == {I + "A.6.2.8", E + "art-12-1"}
    assert {r["p"] for r in run(store, "provisions")} == {I + "A.6", I + "A.6.2.8", E + "art-12", E + "art-12-1",
                                                           E + "art-4a"}


def test_graph_and_triple_counts_match_rdflib(store):
    import rdflib
    from rdflib.compare import isomorphic

    expected = rdflib.Graph().parse(DATA / "queries-fixture.ttl", format="turtle")
    assert run(store, "graph-sizes") == [{"g": "https://w3id.org/clausegraph/graph/fixture", "n": len(expected)}]
    assert run(store, "named-graphs") == [{"g": "https://w3id.org/clausegraph/graph/fixture"}]
    assert run(store, "triple-count") == [{"n": len(expected)}]
    got = rdflib.Graph().parse(data=store.query(q.render("all-triples")).ntriples, format="nt")
    assert isomorphic(got, expected)


def test_register_and_record_queries(store):
    org = "https://w3id.org/clausegraph/id/org/"
    assert run(store, "ai-systems") == [{"s": org + "system/s1"}]
    assert run(store, "serious-incidents") == [
        {"s": org + "system/s1", "i": org + "incident/i1", "due": dt.date(2026, 9, 15), "para": E + "art-12-1"}]
    incident = "VALUES (?cls ?kind) { (<https://w3id.org/clausegraph/ontology#Incident> \"incident\") }"
    rows = run(store, "records", classes=incident)
    assert {r["id"] for r in rows} == {"i1", "i2"} and {r["kind"] for r in rows} == {"incident"}
    assert len([r for r in rows if r["id"] == "i1"]) == 5 and len([r for r in rows if r["id"] == "i2"]) == 3
    assert {r["k"] for r in run(store, "kept-records")} == {"incident", "finding"}
    decisions = {(r["p"], r["ok"], r.get("j")) for r in run(store, "applicability-decisions")}
    assert decisions == {(I + "A.6.2.8", True, "needed"), (I + "A.6", False, None)}


@pytest.mark.parametrize("day,policies,assessments", [
    (dt.date(2025, 12, 31), [], []),                     # nothing collected or assessed yet
    (dt.date(2026, 3, 1), ["p1"], ["a1"]),
    (dt.date(2026, 7, 1), ["p2"], ["a1"]),               # p1 expired on 2026-06-30
    (dt.date(2027, 1, 1), ["p2"], []),                   # a1 expired on 2026-12-31
])
def test_valid_policies_and_assessments(store, day, policies, assessments):
    assert [r["id"] for r in run(store, "valid-policies", as_of=q.date(day))] == policies
    assert [r["id"] for r in run(store, "valid-assessments", as_of=q.date(day))] == assessments


HUB = "https://w3id.org/clausegraph/id/hub/"
HUB_FIXTURE = f"""
@prefix cg: <https://w3id.org/clausegraph/ontology#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<{HUB}log.a> a cg:AtomicRequirement ; skos:notation "hub:log.a" ; skos:prefLabel "A" ; cg:theme "log" ;
    cg:actor "provider" ; skos:definition "The provider does A." .
<{HUB}log.b> a cg:AtomicRequirement ; skos:notation "hub:log.b" ; skos:prefLabel "B" ; cg:theme "log" ;
    cg:actor "organisation" ; skos:definition "The organisation does B." .
<{E}art-12-1> cg:demands <{HUB}log.a>, <{HUB}log.b> .
<{I}A.6.2.8> cg:demands <{HUB}log.b> .
<{E}art-12-2> cg:demandsNothing true .
<{ORG}control/h1> cg:identifier "h1" ; cg:status "implemented" ; cg:implements <{I}A.6.2.8>, <{HUB}log.a> .
<{ORG}control/h2> cg:identifier "h2" ; cg:status "planned" ; cg:implements <{HUB}log.b> .
<{ORG}evidence/x1> cg:identifier "x1" ; cg:supports <{ORG}control/h1> ; cg:collectedOn "2026-01-01"^^xsd:date .
<{ORG}evidence/x2> cg:identifier "x2" ; cg:supports <{ORG}control/h1> ; cg:collectedOn "2026-01-01"^^xsd:date ;
    cg:validUntil "2026-06-30"^^xsd:date .
<{ORG}evidence/x3> cg:identifier "x3" ; cg:supports <{ORG}control/h2> ; cg:collectedOn "2026-01-01"^^xsd:date .
"""


@pytest.fixture(scope="module")
def hub_store():
    s = open_store()
    s.replace_graph("https://w3id.org/clausegraph/graph/hub-fixture", HUB_FIXTURE, "turtle")
    return s


def test_hub_atoms(hub_store):
    rows = run(hub_store, "hub-atoms")
    assert {(r.get("id"), r.get("p")) for r in rows} == {
        ("hub:log.a", E + "art-12-1"), ("hub:log.b", E + "art-12-1"), ("hub:log.b", I + "A.6.2.8"), (None, E + "art-12-2")}
    assert {r["title"] for r in rows if "title" in r} == {"A", "B"}


def test_hub_coverage(hub_store):
    """What effective controls implement: only implemented controls, only evidence valid on the date, grouped."""
    rows = run(hub_store, "hub-coverage", scope="", as_of=q.date(dt.date(2026, 3, 1)))
    got = {(r["x"], r["cid"], " ".join(sorted(r["eids"].split()))) for r in rows}
    assert got == {(I + "A.6.2.8", "h1", "x1 x2"), (HUB + "log.a", "h1", "x1 x2")}
    later = run(hub_store, "hub-coverage", scope="", as_of=q.date(dt.date(2026, 9, 1)))
    assert {(r["x"], r["eids"]) for r in later} == {(I + "A.6.2.8", "x1"), (HUB + "log.a", "x1")}


def test_classification_facts_of_the_act(store):
    amend = "https://w3id.org/clausegraph/id/amendment/"
    assert run(store, "amendment-ids-in-force", as_of=q.date(dt.date(2026, 7, 26))) == []
    assert run(store, "amendment-ids-in-force", as_of=q.date(dt.date(2026, 7, 27))) == [{"a": amend + "x"}]
    # y has no title: still named here (amendments-in-force lists titled ones only)
    assert {r["a"] for r in run(store, "amendment-ids-in-force", as_of=q.date(dt.date(2027, 1, 1)))} == {
        amend + "x", amend + "y"}
    assert run(store, "permissions-in-force", as_of=q.date(dt.date(2026, 7, 26))) == []
    assert run(store, "permissions-in-force", as_of=q.date(dt.date(2026, 7, 27))) == [{"p": E + "art-4a"}]
    limits = {(r["c"], r["from"], r["source"], r["only"]) for r in run(store, "scope-limits")}
    assert limits == {(C + "outside-eu", dt.date(2024, 8, 1), "https://example.org/act#art_2", E + p)
                      for p in ("art-12", "art-4a")}
    assert run(store, "conferred-roles") == [{"c": C + "product-maker", "role": "provider"}]
    assert run(store, "date-yields") == [{"a": "annex-i", "b": "annex-iii"}]


def test_every_query_has_a_title_and_a_test():
    names = set(q.all_queries())
    tested = {"frameworks", "amendment-ids-in-force", "permissions-in-force", "scope-limits", "conferred-roles",
              "date-yields", "ai-systems", "serious-incidents", "records", "kept-records", "applicability-decisions",
              "valid-policies", "valid-assessments", "annex-i-sections", "amendments-in-force",
              "provision-changes", "assessable-obligations",
              "derive-assessable", "provisions", "graph-sizes", "named-graphs", "triple-count", "all-triples",
              "provision-sources", "framework-counts", "provisions-in-force", "provision-index", "provision-detail",
              "assessable-provisions", "obligation-rules", "application-dates", "mappings", "mapping-relations",
              "systems", "classification-rules", "controls", "soa", "coverage", "framework-keys", "framework-info",
              "framework-provisions", "hub-atoms", "hub-coverage"}
    assert names == tested
    assert all(n.title and n.description for n in q.all_queries().values())


def test_queries_command_lists_them_and_prints_one():
    doc = json.loads(run_main("queries", "--format", "json").stdout)
    assert {x["name"] for x in doc["queries"]} == set(q.all_queries())
    text = run_main("queries", "coverage").stdout
    assert "SELECT DISTINCT ?r ?p ?rel" in text
