"""EU AI Act classification: every tier, every role and each edge the Act draws, checked for as-of dates
before and after the 2026 amendment. Each case is a tiny register; expectations come from the Act."""
from __future__ import annotations

import datetime as dt
import json

import pytest
import yaml

from clausegraph.engine.build import REGISTER_GRAPH, build
from clausegraph.engine.classify import classify
from clausegraph.engine.register import load_register
from clausegraph.engine.store import open_store

from .conftest import ROOT, run_main

TODAY = dt.date(2026, 11, 23)          # amended text in force
BEFORE = dt.date(2026, 7, 20)          # adopted text in force
AFTER_PROHIBITIONS = dt.date(2026, 12, 5)


@pytest.fixture(scope="module")
def store():
    s = open_store()
    build(s)
    return s


def run(store, tmp_path, as_of=TODAY, **system) -> dict:
    entry = {"id": "s1", "name": "System", "owner": "Owner", **system}
    path = tmp_path / "register.yaml"
    path.write_text(yaml.safe_dump({"systems": [entry]}), encoding="utf-8")
    store.replace_graph(REGISTER_GRAPH, load_register(path).ntriples, "ntriples")
    doc = classify(store, as_of)
    return doc["systems"][0]


def obligations(sys: dict) -> dict[tuple[str, str], dict]:
    return {(o["ref"], o["addressee"]): o for o in sys["obligations"]}


def refs(sys: dict, addressee: str | None = None) -> set[str]:
    return {o["ref"] for o in sys["obligations"] if addressee in (None, o["addressee"])}


# ---------------------------------------------------------------- tiers

def test_prohibited_practice(store, tmp_path):
    s = run(store, tmp_path, role="deployer", use_cases="art5-1f")
    assert s["tier"] == "prohibited" and s["basis"] == ["euaiact:Art. 5(1)(f)"]
    assert obligations(s)[("euaiact:Art. 5(1)(f)", "deployer")]["status"] == "applicable"
    assert obligations(s)[("euaiact:Art. 5(1)(f)", "deployer")]["applies_from"] == "2025-02-02"


def test_high_risk_annex_iii_dates_before_and_after_the_amendment(store, tmp_path):
    before = run(store, tmp_path, BEFORE, role="provider", use_cases="annex-iii-4a")
    assert before["tier"] == "high-risk"
    assert before["basis"] == ["euaiact:Art. 6(2)", "euaiact:Annex III 4(a)"]
    assert obligations(before)[("euaiact:Art. 9(1)", "provider")]["applies_from"] == "2026-08-02"
    after = run(store, tmp_path, TODAY, role="provider", use_cases="annex-iii-4a")
    art9 = obligations(after)[("euaiact:Art. 9(1)", "provider")]
    assert art9["applies_from"] == "2027-12-02" and art9["status"] == "upcoming"
    late = run(store, tmp_path, dt.date(2028, 1, 1), role="provider", use_cases="annex-iii-4a")
    assert obligations(late)[("euaiact:Art. 9(1)", "provider")]["status"] == "applicable"


def test_high_risk_annex_i_product(store, tmp_path):
    before = run(store, tmp_path, BEFORE, role="provider", annex_i_product="medical-devices",
                 third_party_conformity=True)
    assert before["tier"] == "high-risk" and before["basis"][:1] == ["euaiact:Art. 6(1)"]
    assert obligations(before)[("euaiact:Art. 9(1)", "provider")]["applies_from"] == "2027-08-02"
    after = run(store, tmp_path, TODAY, role="provider", annex_i_product="medical-devices",
                third_party_conformity=True)
    assert obligations(after)[("euaiact:Art. 9(1)", "provider")]["applies_from"] == "2028-08-02"
    assert "product-manufacturer" in {o["addressee"] for o in after["obligations"]}


def test_annex_i_product_without_third_party_assessment_is_not_high_risk(store, tmp_path):
    s = run(store, tmp_path, role="provider", annex_i_product="toys", third_party_conformity=False)
    assert s["tier"] == "minimal-risk" and "euaiact:Art. 9(1)" not in refs(s)


def test_art6_3_exemption_brings_art6_4_and_49_2(store, tmp_path):
    s = run(store, tmp_path, role="provider", use_cases="annex-iii-4a", art6_3_exemption="narrow-procedural-task")
    assert s["tier"] == "minimal-risk"
    assert "euaiact:Art. 6(3)" in s["basis"]
    assert {"euaiact:Art. 6(4)", "euaiact:Art. 49(2)"} <= refs(s, "provider")
    assert "euaiact:Art. 9(1)" not in refs(s)


def test_profiling_overrides_the_art6_3_exemption(store, tmp_path):
    s = run(store, tmp_path, role="provider", use_cases="annex-iii-4a", art6_3_exemption="preparatory-task",
            profiling=True)
    assert s["tier"] == "high-risk"
    assert "euaiact:Art. 6(4)" not in refs(s) and "euaiact:Art. 9(1)" in refs(s)


@pytest.mark.parametrize("case,role,paragraph", [
    ("art50-interaction", "provider", "euaiact:Art. 50(1)"),
    ("art50-synthetic-content", "provider", "euaiact:Art. 50(2)"),
    ("art50-emotion-recognition", "deployer", "euaiact:Art. 50(3)"),
    ("art50-biometric-categorisation", "deployer", "euaiact:Art. 50(3)"),
    ("art50-deepfake", "deployer", "euaiact:Art. 50(4)"),
    ("art50-public-interest-text", "deployer", "euaiact:Art. 50(4)"),
])
def test_limited_risk_art50_paragraphs_split_between_providers_and_deployers(store, tmp_path, case, role, paragraph):
    s = run(store, tmp_path, role=role, use_cases=case)
    assert s["tier"] == "limited-risk" and paragraph in s["basis"]
    assert paragraph in refs(s, role)
    other = "deployer" if role == "provider" else "provider"
    s2 = run(store, tmp_path, role=other, use_cases=case)
    assert paragraph not in refs(s2)


def test_art50_5_binds_only_the_role_its_case_concerns(store, tmp_path):
    s = run(store, tmp_path, role="provider;deployer", use_cases="art50-interaction")
    assert ("euaiact:Art. 50(5)", "provider") in obligations(s)
    assert ("euaiact:Art. 50(5)", "deployer") not in obligations(s)


def test_minimal_risk(store, tmp_path):
    s = run(store, tmp_path, BEFORE, role="deployer")
    assert s["tier"] == "minimal-risk" and s["basis"] == []
    assert refs(s) == {"euaiact:Art. 4"}


@pytest.mark.parametrize("flops,expected", [("8e23", "gpai"), ("1e25", "gpai"), ("3e25", "gpai-systemic-risk")])
def test_gpai_models_and_the_systemic_risk_presumption(store, tmp_path, flops, expected):
    s = run(store, tmp_path, role="provider", gpai_model=True, training_flops=flops)
    assert s["tier"] is None and s["gpai"] == expected
    got = refs(s, "gpai-model-provider")
    assert "euaiact:Art. 53(1)(a)" in got
    assert ("euaiact:Art. 55(1)(a)" in got) == (expected == "gpai-systemic-risk")
    assert obligations(s)[("euaiact:Art. 53(1)(a)", "gpai-model-provider")]["applies_from"] == "2025-08-02"


# ---------------------------------------------------------------- roles

@pytest.mark.parametrize("role,expect,absent", [
    ("provider", "euaiact:Art. 16(a)", "euaiact:Art. 26(1)"),
    ("deployer", "euaiact:Art. 26(1)", "euaiact:Art. 16(a)"),
    ("importer", "euaiact:Art. 23(1)", "euaiact:Art. 16(a)"),
    ("distributor", "euaiact:Art. 24(1)", "euaiact:Art. 23(1)"),
    ("authorised-representative", "euaiact:Art. 22(3)", "euaiact:Art. 26(1)"),
])
def test_each_role_gets_its_own_obligations(store, tmp_path, role, expect, absent):
    s = run(store, tmp_path, role=role, use_cases="annex-iii-4a")
    assert expect in refs(s, role) and absent not in refs(s)
    assert {o["addressee"] for o in s["obligations"]} <= {role}


@pytest.mark.parametrize("role,binds", [("provider", True), ("deployer", True), ("importer", False),
                                        ("distributor", False), ("authorised-representative", False)])
def test_art4_binds_providers_and_deployers_only(store, tmp_path, role, binds):
    s = run(store, tmp_path, role=role)
    assert ("euaiact:Art. 4" in refs(s)) is binds


# ---------------------------------------------------------------- Art. 27 (FRIA)

@pytest.mark.parametrize("system,fria", [
    ({"role": "deployer", "use_cases": "annex-iii-5a", "public_body": True}, True),
    ({"role": "deployer", "use_cases": "annex-iii-2", "public_body": True}, False),     # critical infrastructure
    ({"role": "deployer", "use_cases": "annex-iii-5b"}, True),                           # credit scoring
    ({"role": "deployer", "use_cases": "annex-iii-5c"}, True),                           # life/health insurance
    ({"role": "deployer", "use_cases": "annex-iii-4a"}, False),                          # private, not 5(b)/(c)
    ({"role": "provider", "use_cases": "annex-iii-5b"}, False),                          # a deployer duty
    ({"role": "deployer", "use_cases": "annex-iii-5a", "public_body": True,
      "art6_3_exemption": "preparatory-task"}, False),                                   # not high-risk
])
def test_art27_fundamental_rights_impact_assessment(store, tmp_path, system, fria):
    s = run(store, tmp_path, **system)
    assert ("euaiact:Art. 27(1)" in refs(s)) is fria


# ---------------------------------------------------------------- amendment edges

def test_new_prohibitions_exist_only_from_the_amendment(store, tmp_path):
    before = run(store, tmp_path, BEFORE, role="provider", use_cases="art5-1ba")
    assert before["tier"] == "minimal-risk"
    # in force from 2026-07-27, but the ban applies from 2026-12-02 (amended Art. 113(a)): tier and obligation
    # follow the same date (issue 17)
    now = run(store, tmp_path, TODAY, role="provider", use_cases="art5-1ba")
    assert now["tier"] == "minimal-risk"
    ob = obligations(now)[("euaiact:Art. 5(1)(ba)", "provider")]
    assert ob["applies_from"] == "2026-12-02" and ob["status"] == "upcoming"
    later = run(store, tmp_path, AFTER_PROHIBITIONS, role="provider", use_cases="art5-1ba")
    assert later["tier"] == "prohibited"
    assert obligations(later)[("euaiact:Art. 5(1)(ba)", "provider")]["status"] == "applicable"


def test_act_version_follows_the_as_of_date(store, tmp_path):
    run(store, tmp_path, role="provider")
    assert "as adopted" in classify(store, BEFORE)["act_version"]
    assert "2026/1744" in classify(store, TODAY)["act_version"]


def test_classify_cli_contract_on_the_example():
    res = run_main("classify", "--register", str(ROOT / "examples" / "acme"), "--as-of", "2026-11-23",
                  "--format", "json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert set(doc) == {"as_of", "act_version", "systems"} and doc["as_of"] == "2026-11-23"
    tiers = {s["tier"] for s in doc["systems"]}
    assert {"prohibited", "high-risk", "limited-risk", "minimal-risk", None} <= tiers
    for s in doc["systems"]:
        assert set(s) == {"id", "tier", "gpai", "basis", "obligations"}
        for o in s["obligations"]:
            assert set(o) == {"ref", "addressee", "applies_from", "status"}
            assert o["status"] in ("applicable", "upcoming")
            assert (o["status"] == "applicable") == (o["applies_from"] <= "2026-11-23")
