"""Trace, gaps, impact and plan on a small hand-written register whose answers can be worked out by hand
from the shipped crosswalks (iso42001:A.6.2.8 intersects iso27001:A.8.15 and euaiact:Art. 12(1))."""
from __future__ import annotations

import datetime as dt
import json

import pytest
import yaml

from clausegraph.engine.build import build
from clausegraph.engine.coverage import framework_coverage
from clausegraph.engine.crosswalk import provision_mappings
from clausegraph.engine.gaps import gaps
from clausegraph.engine.impact import impact
from clausegraph.engine.plan import plan
from clausegraph.engine.store import open_store
from clausegraph.engine.trace import flatten, trace_control, trace_evidence, trace_provision

from .conftest import ROOT, run_main

DAY = dt.date(2026, 11, 23)
REGISTER = {
    "systems": [{"id": "s1", "name": "Ranker", "owner": "HR", "role": "provider", "use_cases": "annex-iii-4a",
                 "purpose": "Rank CVs"}],
    "controls": [
        {"id": "c1", "title": "Event logging", "owner": "CISO", "status": "implemented",
         "implements": "iso42001:A.6.2.8", "systems": "s1"},
        {"id": "c2", "title": "Logging capability", "owner": "CTO", "status": "planned",
         "implements": "euaiact:Art. 12(1);euaiact:Art. 12(2);euaiact:Art. 12(3)"},
        {"id": "c3", "title": "Security logging", "owner": "CISO", "status": "implemented",
         "implements": "iso27001:A.8.15"},
    ],
    "evidence": [
        {"id": "e1", "title": "Log sample", "supports": "c1", "location": "https://x.example/e1",
         "collected_on": "2026-01-10", "valid_until": "2027-01-31"},
        {"id": "e3", "title": "SIEM config", "supports": "c3", "location": "https://x.example/e3",
         "collected_on": "2026-02-01"},
    ],
}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("reg") / "register.yaml"
    path.write_text(yaml.safe_dump(REGISTER), encoding="utf-8")
    s = open_store()
    build(s, register=path)
    s.path_for_tests = path
    return s


def rel(store, a, b):
    return {m.relationship for m in provision_mappings(store, a) if m.object and str(m.object) == b}


def test_crosswalk_facts_used_below(store):
    assert rel(store, "iso42001:A.6.2.8", "iso27001:A.8.15") == {"intersects_with"}
    assert rel(store, "iso42001:A.6.2.8", "euaiact:Art. 12(1)") == {"intersects_with"}


def test_forward_trace_reaches_controls_and_evidence_through_mappings(store):
    t = trace_provision(store, "iso42001:A.6.2.8", DAY)
    root = t["root"]
    direct = [n for n in root["children"] if n["kind"] == "control"]
    assert [c["id"] for c in direct] == ["c1"]
    assert direct[0]["children"][0]["id"] == "e1" and direct[0]["children"][0]["valid"] is True
    mapped = {n["id"]: n for n in root["children"] if n["kind"] == "provision"}
    assert mapped["iso27001:A.8.15"]["relationship"] == "intersects_with"
    assert [c["id"] for c in mapped["iso27001:A.8.15"]["children"]] == ["c3"]
    assert [c["id"] for c in mapped["euaiact:Art. 12(1)"]["children"]] == ["c2"]
    paths = flatten(root)
    assert ["provision", "control", "evidence"] in [[n["kind"] for n in p] for p in paths]


def test_backward_trace_from_control_and_evidence(store):
    t = trace_control(store, "c1", DAY)
    provisions = [n["id"] for n in t["root"]["children"] if n["kind"] == "provision"]
    evidence = [n["id"] for n in t["root"]["children"] if n["kind"] == "evidence"]
    assert provisions == ["iso42001:A.6.2.8"] and evidence == ["e1"]
    assert "iso27001:A.8.15" in t["serves"]["iso27001"] and "euaiact:Art. 12(1)" in t["serves"]["euaiact"]
    e = trace_evidence(store, "e1", DAY)
    assert e["root"]["valid"] is True and e["serves"] == t["serves"]


def test_impact_of_withdrawn_evidence_and_of_a_future_date(store):
    im = impact(store, DAY, evidence="e1")
    losing = {c["ref"]: (c["before"], c["after"]) for f in im["frameworks"] for c in f["provisions"]}
    assert losing["iso42001:A.6.2.8"] == ("covered", "partial")    # still reached in part via c3 and A.8.15
    assert [s["id"] for s in im["systems"]] == ["s1"]
    later = impact(store, DAY, on=dt.date(2027, 2, 1))             # e1 expires on 2027-01-31
    assert {c["ref"] for f in later["frameworks"] for c in f["provisions"]} >= {"iso42001:A.6.2.8"}
    nothing = impact(store, DAY, control="c2")                    # a planned control covers nothing yet
    assert sum(nothing["summary"].values()) == 0


def test_gaps_from_another_framework(store):
    g = gaps(store, "iso42001", DAY, from_key="iso27001")
    by = {x["ref"]: x for x in g["gaps"]}
    assert by["iso42001:A.6.2.8"]["status"] == "partial"           # only c3 (27001) counts: in part
    assert "iso42001:A.2.2" in by and by["iso42001:A.2.2"]["status"] == "uncovered"
    assert [x["importance"] for x in g["gaps"]] == sorted((x["importance"] for x in g["gaps"]), reverse=True)
    assumed = gaps(store, "iso42001", DAY, from_key="iso27001", assume_complete=True)
    assert {x["status"] for x in assumed["gaps"]} <= {"uncovered", "partial"}


def test_gaps_for_a_system_list_only_its_obligations(store):
    g = gaps(store, "euaiact", DAY, system="s1")
    assert g["gaps"] and all(x["systems"] == ["s1"] for x in g["gaps"])
    assert "euaiact:Art. 26(1)" not in {x["ref"] for x in g["gaps"]}   # a deployer duty; s1 is provided


def test_plan_is_greedy_and_explains_each_pick(store):
    from .test_coverage import hub_atoms

    p = plan(store, ["euaiact"], DAY, budget=60)
    gains = [x["gain"] for x in p["picks"]]
    assert gains == sorted(gains, reverse=True) and len(gains) >= 3
    assert p["open_after"] == p["open_before"] - sum(len(x["closes"]) for x in p["picks"])
    # every pick meets only atoms of what it implements (a control: its provisions; a provision: itself; an atom
    # pick: that atom), and what it closes lacked no other atom once the earlier picks were made
    demands = hub_atoms()
    implements = {c["id"]: [x for x in c["implements"].split(";")] for c in REGISTER["controls"]}
    doc = framework_coverage(store, "euaiact", DAY, True)
    left = {x["ref"]: set(x["left"]) for x in doc["provisions"] if x["left"]}
    met_so_far: set[str] = set()
    for x in p["picks"]:
        if x["kind"] == "atom":
            offered = {x["pick"]}
        elif x["kind"] == "provision":   # the provision and its points (a paragraph implements its points)
            offered = set().union(*(a for r, a in demands.items() if r == x["pick"] or r.startswith(x["pick"] + "(")))
        else:
            offered = set().union(*(demands.get(r, set()) for r in implements[x["pick"].split(" ")[0]]))
        assert set(x["atoms"]) <= offered, x["pick"]
        met_so_far |= set(x["atoms"])
        for c in x["closes"]:
            if c["ref"] in left:
                assert left[c["ref"]] <= met_so_far, (x["pick"], c["ref"])
        assert "closes" in x["explanation"]


def test_plan_counts_an_atom_once_for_every_framework_demanding_it(store):
    """An atom pick closes or advances provisions of several target frameworks at once."""
    p = plan(store, ["euaiact", "iso42001", "nist-ai-rmf"], DAY, budget=200)
    multi = [x for x in p["picks"] if len(x["frameworks"]) > 1]
    assert multi, "some pick serves more than one framework"
    for x in p["picks"]:
        assert x["frameworks"] == sorted({c["ref"].split(":")[0] for c in x["closes"] + x["advances"]})


def test_cli_trace_gaps_impact_plan_formats(store):
    reg = str(store.path_for_tests)
    for fmt in ("json", "csv", "markdown", "table"):
        for args in (["trace", "iso42001:A.6.2.8"], ["trace", "--control", "c1"], ["gaps", "--target", "iso42001"],
                     ["impact", "--evidence", "e1"], ["plan", "--target", "euaiact", "--budget", "2"]):
            res = run_main(*args, "--register", reg, "--as-of", "2026-11-23", "--format", fmt)
            assert res.returncode == 0, (args, fmt, res.stderr)
            if fmt == "json":
                json.loads(res.stdout)
    assert run_main("trace", "--register", reg).returncode == 2
    assert run_main("trace", "--control", "nope", "--register", reg).returncode == 2
