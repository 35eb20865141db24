"""EU AI Act: the defects found by two independent reviews (issues 17 and 22), each checked against the
paragraph of Regulation (EU) 2024/1689 (as adopted, and as amended by Regulation (EU) 2026/1744) it names.
Every case is a one-entry register; the expectation is read from the Act's wording, not from the engine."""
from __future__ import annotations

import datetime as dt

import pytest
import yaml

from clausegraph.engine import queries as q
from clausegraph.engine.classify import classify
from clausegraph.engine.errors import UserInputError
from clausegraph.engine.refs import Ref
from clausegraph.engine.register import load_register

from .conftest import ROOT
from .test_classify import AFTER_PROHIBITIONS, BEFORE, TODAY, obligations, refs, run, store  # noqa: F401

LATE = dt.date(2029, 1, 1)  # every high-risk date has passed


def summary(store, ref: str) -> str:  # noqa: F811
    rows = store.select(q.PREFIXES + f"SELECT ?s WHERE {{ <{Ref('euaiact', ref).iri}> cg:summary ?s }}").rows
    return " ".join(r["s"].value for r in rows)


def change_summaries(store, ref: str) -> str:  # noqa: F811
    rows = store.select(q.PREFIXES + f"""SELECT ?s WHERE {{ ?c a cg:ProvisionChange ;
        cg:changes <{Ref('euaiact', ref).iri}> ; cg:summary ?s }}""").rows
    return " ".join(r["s"].value for r in rows)


# ================================================================ issue 17: wrong today

def test_art4a_binds_only_where_special_category_data_is_used_for_bias_work(store, tmp_path):  # noqa: F811
    """Art. 4a(1) (high-risk providers) and 4a(2) (others; no duty to do bias work) bind only an organisation
    that processes special categories of personal data for bias detection and correction."""
    plain = run(store, tmp_path, role="provider", use_cases="annex-iii-4a", personal_data=True)
    assert not {"euaiact:Art. 4a(1)", "euaiact:Art. 4a(2)"} & refs(plain)
    hr = run(store, tmp_path, role="provider;deployer", use_cases="annex-iii-4a", personal_data=True,
             bias_special_data=True)
    assert ("euaiact:Art. 4a(1)", "provider") in obligations(hr)
    assert ("euaiact:Art. 4a(2)", "provider") not in obligations(hr)   # 4a(1), not 4a(2), for its provider
    assert ("euaiact:Art. 4a(2)", "deployer") in obligations(hr)       # deployers of high-risk systems: 4a(2)
    low = run(store, tmp_path, role="provider", personal_data=True, bias_special_data=True)
    assert ("euaiact:Art. 4a(2)", "provider") in obligations(low) and "euaiact:Art. 4a(1)" not in refs(low)
    model = run(store, tmp_path, role="provider", gpai_model=True, bias_special_data=True)
    assert ("euaiact:Art. 4a(2)", "gpai-model-provider") in obligations(model)
    assert ("euaiact:Art. 4a(2)", "provider") not in obligations(model)   # the model's rule binds that role only
    assert "euaiact:Art. 4a(1)" not in refs(run(store, tmp_path, BEFORE, role="provider", use_cases="annex-iii-4a",
                                                  bias_special_data=True))   # Art. 4a exists only as amended


def test_art43_3_as_amended_sends_annex_i_section_a_and_annex_iii_systems_to_the_sectoral_procedure(store, tmp_path):  # noqa: F811
    both = dict(role="provider", annex_i_product="medical-devices", third_party_conformity=True,
                use_cases="annex-iii-5a")
    now = refs(run(store, tmp_path, TODAY, **both))
    assert "euaiact:Art. 43(3)" in now and "euaiact:Art. 43(2)" not in now
    one = refs(run(store, tmp_path, TODAY, **{**both, "use_cases": "annex-iii-1a"}))
    assert "euaiact:Art. 43(3)" in one and "euaiact:Art. 43(1)" not in one
    # the 2024 text has no such rule: both procedures are named, as before
    before = refs(run(store, tmp_path, BEFORE, **both))
    assert {"euaiact:Art. 43(2)", "euaiact:Art. 43(3)"} <= before


@pytest.mark.parametrize("as_of,product", [(BEFORE, "motor-vehicles"), (TODAY, "machinery"), (TODAY, "rail")])
def test_art2_2_section_b_systems_get_no_obligation_at_all(store, tmp_path, as_of, product):  # noqa: F811
    """Art. 2(2): for an Art. 6(1) system related to an Annex I Section B product only Art. 6(1), (60a,)
    102-109/112 apply: not Art. 4, 4a, 5 or 50 either."""
    s = run(store, tmp_path, as_of, role="provider;deployer", annex_i_product=product, third_party_conformity=True,
            use_cases="art50-interaction;art50-deepfake", personal_data=True, bias_special_data=True)
    assert s["tier"] == "high-risk" and s["obligations"] == []
    ban = run(store, tmp_path, AFTER_PROHIBITIONS, role="provider", annex_i_product=product,
              third_party_conformity=True, use_cases="art5-1ba") if as_of == TODAY else None
    assert ban is None or ban["obligations"] == []
    # the same system without third-party assessment is not an Art. 6(1) system: Art. 2(2) does not reach it
    free = run(store, tmp_path, as_of, role="provider", annex_i_product=product, use_cases="art50-interaction")
    assert {"euaiact:Art. 4", "euaiact:Art. 50(1)"} <= refs(free)


@pytest.mark.parametrize("reason", ["own-name", "substantial-modification", "changed-purpose"])
def test_art25_1_operator_that_becomes_provider_gets_art16(store, tmp_path, reason):  # noqa: F811
    for role in ("deployer", "distributor", "importer"):
        s = run(store, tmp_path, LATE, role=role, use_cases="annex-iii-4a", provider_by=reason)
        got = obligations(s)
        assert (f"euaiact:Art. 25(1)", role) in got
        for ref in ("Art. 16(a)", "Art. 16(f)", "Art. 16(i)", "Art. 9(1)", "Art. 17(1)", "Art. 43(2)", "Art. 49(1)"):
            assert (f"euaiact:{ref}", "provider") in got, (role, ref)
    # Art. 25(1) is about high-risk systems only
    low = run(store, tmp_path, LATE, role="deployer", provider_by=reason)
    assert "euaiact:Art. 16(a)" not in refs(low) and "euaiact:Art. 25(1)" not in refs(low)


def test_art25_1_provider_by_is_validated(tmp_path):
    path = tmp_path / "register.yaml"
    path.write_text(yaml.safe_dump({"systems": [{"id": "s1", "name": "S", "owner": "O", "role": "deployer",
                                                 "provider_by": "rebranded"}]}), encoding="utf-8")
    with pytest.raises(UserInputError) as err:
        load_register(path)
    [problem] = err.value.problems
    assert problem.column == "provider_by"
    assert "own-name" in problem.message and "rebranded" in problem.message


def test_art5_1_ba_tier_and_obligation_follow_the_same_date(store, tmp_path):  # noqa: F811
    """Amended Art. 113(a): Art. 5(1)(ba)/(bb) apply from 2 December 2026, not from entry into force."""
    for use in ("art5-1ba", "art5-1bb"):
        now = run(store, tmp_path, TODAY, role="provider", use_cases=use)
        ref = "euaiact:Art. 5(1)(" + use[-2:] + ")"
        assert now["tier"] != "prohibited"
        assert obligations(now)[(ref, "provider")]["status"] == "upcoming"
        later = run(store, tmp_path, AFTER_PROHIBITIONS, role="provider", use_cases=use)
        assert later["tier"] == "prohibited" and later["basis"] == [ref]
        assert obligations(later)[(ref, "provider")]["status"] == "applicable"
    # the same for the 2024 prohibitions: Art. 113(a), from 2 February 2025
    early = run(store, tmp_path, dt.date(2025, 1, 15), role="deployer", use_cases="art5-1f")
    assert early["tier"] != "prohibited"
    assert obligations(early)[("euaiact:Art. 5(1)(f)", "deployer")]["status"] == "upcoming"


def test_art26_10_summary_keeps_the_initial_identification_exception(store):  # noqa: F811
    text = summary(store, "Art. 26(10)").lower()
    assert "initial identification" in text and "suspect" in text and "objective" in text


# ================================================================ issue 17/22: facts the register could not state

@pytest.mark.parametrize("form", ["csv", "xlsx", "yaml"])
def test_new_register_facts_are_read_from_every_form(tmp_path, form):
    import csv

    import openpyxl

    row = {"id": "s1", "name": "S", "owner": "O", "role": "deployer", "use_cases": "annex-iii-4a",
           "provider_by": "own-name;substantial-modification", "bias_special_data": "true",
           "established_outside_eu": "yes", "open_source": "1", "public_authority": "true", "workplace": "true",
           "gpai_designated": "false"}
    if form == "csv":
        (tmp_path / "reg").mkdir()
        with open(tmp_path / "reg" / "systems.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(row))
            w.writeheader()
            w.writerow(row)
        path = tmp_path / "reg"
    elif form == "xlsx":
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "systems"
        ws.append(list(row))
        ws.append(list(row.values()))
        path = tmp_path / "reg.xlsx"
        wb.save(path)
    else:
        path = tmp_path / "reg.yaml"
        path.write_text(yaml.safe_dump({"systems": [row]}), encoding="utf-8")
    nt = load_register(path).ntriples
    for prop in ("providerBy", "biasSpecialData", "establishedOutsideEu", "openSource", "publicAuthority",
                 "workplace", "gpaiDesignated"):
        assert f"#{prop}>" in nt, prop
    assert '"own-name"' in nt and '"substantial-modification"' in nt


@pytest.mark.parametrize("column", ["bias_special_data", "established_outside_eu", "open_source",
                                    "public_authority", "workplace", "gpai_designated"])
def test_new_boolean_facts_reject_a_wrong_value(tmp_path, column):
    path = tmp_path / "register.yaml"
    path.write_text(yaml.safe_dump({"systems": [{"id": "s1", "name": "S", "owner": "O", "role": "deployer",
                                                 column: "perhaps"}]}), encoding="utf-8")
    with pytest.raises(UserInputError) as err:
        load_register(path)
    [problem] = err.value.problems
    assert problem.column == column and "true/false" in problem.message and "perhaps" in problem.message


def test_gpai_designated_brings_art55_without_the_flop_presumption(store, tmp_path):  # noqa: F811
    """Art. 51(1)(b) and 52(4): a model the Commission designates has systemic risk whatever its compute."""
    s = run(store, tmp_path, role="provider", gpai_model=True, training_flops=1e23, gpai_designated=True,
            open_source=True)
    assert s["gpai"] == "gpai-systemic-risk" and "euaiact:Art. 51(1)(b)" in s["basis"]
    for ref in ("Art. 55(1)(a)", "Art. 55(1)(b)", "Art. 55(1)(c)", "Art. 55(1)(d)", "Art. 55(2)",
                "Art. 53(1)(a)", "Art. 53(1)(b)"):   # 53(2): the open-source exception does not cover systemic risk
        assert (f"euaiact:{ref}", "gpai-model-provider") in obligations(s), ref
    # review finding: Art. 52(1) (notify the Commission) is triggered by the Art. 51(1)(a) condition, presumed
    # above 10^25 FLOP; a designated model has systemic risk without that notification duty
    assert "euaiact:Art. 52(1)" not in refs(s)
    big = run(store, tmp_path, role="provider", gpai_model=True, training_flops=3e25)
    assert "euaiact:Art. 52(1)" in refs(big) and big["basis"] == ["euaiact:Art. 51(2)"]
    plain = run(store, tmp_path, role="provider", gpai_model=True, training_flops=1e23)
    assert plain["gpai"] == "gpai" and "euaiact:Art. 55(1)(a)" not in refs(plain)


def test_established_outside_eu_brings_art22_and_art54(store, tmp_path):  # noqa: F811
    hr = run(store, tmp_path, LATE, role="provider", use_cases="annex-iii-4a", established_outside_eu=True)
    assert {"euaiact:Art. 22(1)", "euaiact:Art. 22(2)"} <= refs(hr, "provider")
    eu = run(store, tmp_path, LATE, role="provider", use_cases="annex-iii-4a")
    assert not {"euaiact:Art. 22(1)", "euaiact:Art. 22(2)"} & refs(eu)
    model = run(store, tmp_path, role="provider", gpai_model=True, established_outside_eu=True)
    assert {"euaiact:Art. 54(1)", "euaiact:Art. 54(2)", "euaiact:Art. 54(4)"} <= refs(model, "gpai-model-provider")
    # Art. 54(6): not for an open-source model without systemic risk
    oss = run(store, tmp_path, role="provider", gpai_model=True, established_outside_eu=True, open_source=True)
    assert not {"euaiact:Art. 54(1)", "euaiact:Art. 54(2)", "euaiact:Art. 54(4)"} & refs(oss)


def test_open_source_exceptions(store, tmp_path):  # noqa: F811
    # Art. 53(2): no 53(1)(a)/(b) for an open-source model without systemic risk; (c) and (d) stay
    model = refs(run(store, tmp_path, role="provider", gpai_model=True, open_source=True))
    assert not {"euaiact:Art. 53(1)(a)", "euaiact:Art. 53(1)(b)"} & model
    assert {"euaiact:Art. 53(1)(c)", "euaiact:Art. 53(1)(d)"} <= model
    # Art. 54(6) also covers the authorised representative's paragraphs 54(3) and 54(5)
    rep = refs(run(store, tmp_path, role="authorised-representative", gpai_model=True, open_source=True))
    assert not {"euaiact:Art. 54(3)", "euaiact:Art. 54(5)"} & rep
    rep_sr = refs(run(store, tmp_path, role="authorised-representative", gpai_model=True, open_source=True,
                      training_flops=3e25))
    assert {"euaiact:Art. 54(3)", "euaiact:Art. 54(5)"} <= rep_sr
    # Art. 2(12): an open-source AI system is out of scope unless high-risk, Art. 5 or Art. 50
    out = run(store, tmp_path, role="provider;deployer", open_source=True, personal_data=True)
    assert out["obligations"] == [] and "euaiact:Art. 2(12)" in out["basis"]
    chat = run(store, tmp_path, role="provider", open_source=True, use_cases="art50-interaction")
    assert {"euaiact:Art. 4", "euaiact:Art. 50(1)"} <= refs(chat)
    hr = run(store, tmp_path, LATE, role="provider", open_source=True, use_cases="annex-iii-4a")
    assert {"euaiact:Art. 4", "euaiact:Art. 9(1)"} <= refs(hr)


def test_public_authority_deployer(store, tmp_path):  # noqa: F811
    base = dict(role="deployer", use_cases="annex-iii-6a")
    auth = refs(run(store, tmp_path, LATE, **base, public_authority=True))
    assert {"euaiact:Art. 26(8)", "euaiact:Art. 49(3)", "euaiact:Art. 49(4)(c)"} <= auth
    body = refs(run(store, tmp_path, LATE, **base, public_body=True))   # Art. 27 notion: broader, not enough
    assert not {"euaiact:Art. 26(8)", "euaiact:Art. 49(3)", "euaiact:Art. 49(4)(c)"} & body
    infra = refs(run(store, tmp_path, LATE, role="deployer", use_cases="annex-iii-2", public_authority=True))
    assert "euaiact:Art. 49(3)" not in infra                          # Annex III point 2 excepted


def test_workplace_deployer(store, tmp_path):  # noqa: F811
    assert "euaiact:Art. 26(7)" in refs(run(store, tmp_path, LATE, role="deployer", use_cases="annex-iii-4b",
                                            workplace=True))
    assert "euaiact:Art. 26(7)" not in refs(run(store, tmp_path, LATE, role="deployer", use_cases="annex-iii-4b"))


# ================================================================ issue 22: minor defects

def test_art5_binds_an_importer_placing_a_prohibited_system_on_the_market(store, tmp_path):  # noqa: F811
    """Art. 5(1)(a)-(g), (ba), (bb) ban placing on the market, which an importer does (Art. 3(6), 3(9));
    Art. 5(1)(h) bans only a use."""
    assert ("euaiact:Art. 5(1)(a)", "importer") in obligations(run(store, tmp_path, role="importer",
                                                                   use_cases="art5-1a"))
    s = run(store, tmp_path, AFTER_PROHIBITIONS, role="importer", use_cases="art5-1bb")
    assert ("euaiact:Art. 5(1)(bb)", "importer") in obligations(s)
    assert "euaiact:Art. 5(1)(h)" not in refs(run(store, tmp_path, role="importer", use_cases="art5-1h"))


@pytest.mark.parametrize("use,informs", [("annex-iii-4a", True), ("annex-iii-5b", True), ("annex-iii-2", False),
                                         ("annex-iii-8b", False)])
def test_art26_11_only_for_decisions_about_natural_persons(store, tmp_path, use, informs):  # noqa: F811
    s = run(store, tmp_path, LATE, role="deployer", use_cases=use)
    assert ("euaiact:Art. 26(11)" in refs(s)) is informs


def test_art25_4_is_addressed_to_the_supplying_third_party_too(store):  # noqa: F811
    from clausegraph.engine.obligations import obligation_rules

    ob = obligation_rules(store, [Ref("euaiact", "Art. 25(4)").iri])[Ref("euaiact", "Art. 25(4)").iri]
    assert {"provider", "third-party-supplier"} <= ob.addressees


def test_section_a_duties_reach_annex_iii_systems_without_third_party_assessment(store, tmp_path):  # noqa: F811
    """Art. 8(2), 11(2): a high-risk system related to an Annex I Section A product; Art. 47(3), 48(5): other
    harmonisation law requiring a declaration of conformity / CE marking; not only Art. 6(1) systems."""
    s = refs(run(store, tmp_path, LATE, role="provider", use_cases="annex-iii-4a", annex_i_product="toys"))
    assert {"euaiact:Art. 8(2)", "euaiact:Art. 11(2)", "euaiact:Art. 47(3)", "euaiact:Art. 48(5)"} <= s
    none = refs(run(store, tmp_path, LATE, role="provider", use_cases="annex-iii-4a"))
    assert not {"euaiact:Art. 8(2)", "euaiact:Art. 11(2)", "euaiact:Art. 47(3)", "euaiact:Art. 48(5)"} & none


def test_art73_10_medical_devices_report_only_fundamental_rights_incidents(store, tmp_path):  # noqa: F811
    s = refs(run(store, tmp_path, LATE, role="provider", annex_i_product="medical-devices",
                 third_party_conformity=True))
    assert "euaiact:Art. 73(1)" in s and "euaiact:Art. 73(4)" not in s    # deaths are reported under the MDR
    other = refs(run(store, tmp_path, LATE, role="provider", annex_i_product="lifts", third_party_conformity=True))
    assert "euaiact:Art. 73(4)" in other
    text = summary(store, "Art. 73(1)")
    assert "73(9)" in text and "73(10)" in text and "3(49)(c)" in text


def test_art27_4_as_amended_is_a_permission(store, tmp_path):  # noqa: F811
    fria = dict(role="deployer", use_cases="annex-iii-5b")
    assert "euaiact:Art. 27(4)" in refs(run(store, tmp_path, BEFORE, **fria))
    now = refs(run(store, tmp_path, TODAY, **fria))
    assert "euaiact:Art. 27(4)" not in now and "euaiact:Art. 27(1)" in now


def test_exempt_annex_iii_biometric_system_is_limited_risk(store, tmp_path):  # noqa: F811
    s = run(store, tmp_path, role="deployer", use_cases="annex-iii-1c", art6_3_exemption="preparatory-task")
    assert ("euaiact:Art. 50(3)", "deployer") in obligations(s)
    assert s["tier"] == "limited-risk" and "euaiact:Art. 50(3)" in s["basis"]


@pytest.mark.parametrize("as_of,annex_iii,annex_i", [(BEFORE, "2026-08-02", "2027-08-02"),
                                                     (TODAY, "2027-12-02", "2028-08-02")])
def test_dates_for_a_system_high_risk_under_both_art6_1_and_art6_2(store, tmp_path, as_of, annex_iii, annex_i):  # noqa: F811
    """Decision (documented in euaiact-classification.ttl): the Section A duties are triggered by the product
    law, not by the Art. 6(1) classification, so a system also classified under Art. 6(2) is bound from the
    Annex III date; an Art. 6(1)-only system keeps the Annex I date."""
    both = obligations(run(store, tmp_path, as_of, role="provider", use_cases="annex-iii-4a",
                           annex_i_product="medical-devices", third_party_conformity=True))
    for ref in ("Art. 8(2)", "Art. 11(2)", "Art. 9(1)"):
        assert both[(f"euaiact:{ref}", "provider")]["applies_from"] == annex_iii, ref
    only = obligations(run(store, tmp_path, as_of, role="provider", annex_i_product="medical-devices",
                           third_party_conformity=True))
    assert only[("euaiact:Art. 8(2)", "provider")]["applies_from"] == annex_i


def test_summaries_named_by_the_review(store):  # noqa: F811
    assert "best" in summary(store, "Art. 4").lower()                          # "to their best extent"
    art26_5 = summary(store, "Art. 26(5)")
    assert "Art. 73" in art26_5 and "law enforcement" in art26_5.lower()
    assert "AI Office" in change_summaries(store, "Art. 73(1)") and "75(1a)" in change_summaries(store, "Art. 73(1)")
    assert "54(4)" in summary(store, "Art. 54(3)") or "addressed" in summary(store, "Art. 54(3)").lower()
    assert "17(4)" in summary(store, "Art. 17(1)")


def test_example_register_uses_the_new_facts():
    import csv

    with open(ROOT / "examples" / "acme" / "systems.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    new = ("provider_by", "bias_special_data", "established_outside_eu", "open_source", "public_authority",
           "workplace", "gpai_designated")
    used = {c for r in rows for c in new if r.get(c, "").strip() not in ("", "false")}
    assert len(used) >= 3
