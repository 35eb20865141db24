"""The catalogues: exact counts (as adopted and as amended), every reference ID present, provision details,
and application dates resolved for an as-of date."""
from __future__ import annotations

import csv
import datetime as dt

import pytest

from clausegraph.engine.catalogue import Catalogue, frameworks, show
from clausegraph.engine.errors import UnknownReferenceError
from clausegraph.engine.refs import Ref

from .conftest import DATA

REFERENCE_FILES = {"iso42001": "iso42001_2023.csv", "iso27001": "iso27001_2022.csv",
                   "euaiact": "eu_ai_act_2024_1689.csv", "nist-ai-rmf": "nist_ai_rmf_1_0.csv"}

AS_ADOPTED = {
    "iso42001": {"clause": 43, "objective": 11, "control": 38},
    "iso27001": {"clause": 41, "theme": 4, "control": 93},
    "euaiact": {"chapter": 13, "section": 16, "article": 113, "annex": 13, "annex_point": 32},
    "nist-ai-rmf": {"function": 4, "category": 19, "subcategory": 72},
}


def reference_rows(key: str) -> list[dict]:
    with open(DATA / REFERENCE_FILES[key], newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def counts(store, day: dt.date) -> dict:
    return {f["key"]: f["counts"] for f in frameworks(store, day)}


def test_counts_as_adopted(store):
    assert counts(store, dt.date(2024, 8, 1)) == AS_ADOPTED


def test_counts_follow_the_reference_lists():
    """The expected counts above are the reference lists' own counts (no hard-coded answer drifts)."""
    for key, expected in AS_ADOPTED.items():
        got: dict[str, int] = {}
        for row in reference_rows(key):
            got[row["kind"]] = got.get(row["kind"], 0) + 1
        assert got == expected


def test_counts_with_the_2026_amendment(store):
    amended = counts(store, dt.date(2026, 11, 23))
    assert amended["euaiact"] == {"chapter": 13, "section": 16, "article": 119, "annex": 14, "annex_point": 32}
    for key in ("iso42001", "iso27001", "nist-ai-rmf"):
        assert amended[key] == AS_ADOPTED[key]
    # the day before the amending act entered into force, the adopted text is still the one in force
    assert counts(store, dt.date(2026, 7, 26))["euaiact"]["article"] == 113
    assert counts(store, dt.date(2026, 7, 27))["euaiact"]["article"] == 119


@pytest.mark.parametrize("key", list(REFERENCE_FILES))
def test_every_reference_id_exists_with_its_title_kind_and_parent(embedded_store, key):
    cat = Catalogue(embedded_store)
    for row in reference_rows(key):
        info = cat.provisions.get(Ref(key, row["id"]).iri)
        assert info is not None, row["id"]
        assert info.title == row["title"], row["id"]
        assert info.kind == row["kind"], row["id"]
        parent = cat.provisions[info.parent].ref.id if info.parent else ""
        assert parent == row["parent_id"], row["id"]


def test_every_article_links_to_its_eli_anchor(embedded_store):
    rows = embedded_store.select(
        "PREFIX cg: <https://w3id.org/clausegraph/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        "PREFIX dcterms: <http://purl.org/dc/terms/> SELECT ?n ?src WHERE { ?p cg:kind 'article' ; "
        "skos:notation ?n ; cg:inForceFrom '2024-08-01'^^<http://www.w3.org/2001/XMLSchema#date> "
        "OPTIONAL { ?p dcterms:source ?src } }").rows
    assert len({r["n"].value for r in rows}) == 113
    for r in rows:
        number = r["n"].value.removeprefix("Art. ")
        assert r["src"].value == f"https://eur-lex.europa.eu/eli/reg/2024/1689/oj/eng#art_{number}"


def test_every_provision_has_one_title_and_one_summary(embedded_store):
    rows = embedded_store.select(
        "PREFIX cg: <https://w3id.org/clausegraph/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        "SELECT ?p (COUNT(DISTINCT ?t) AS ?titles) (COUNT(DISTINCT ?s) AS ?summaries) WHERE { ?p a cg:Provision "
        "OPTIONAL { ?p skos:prefLabel ?t } OPTIONAL { ?p cg:summary ?s } } GROUP BY ?p").rows
    bad = [r["p"].value for r in rows if r["titles"].py != 1 or r["summaries"].py != 1]
    assert bad == []


def test_summaries_do_not_copy_the_nist_outcome_text(embedded_store):
    """Own words: no NIST summary shares a run of 8+ words with the official outcome statement."""
    with open(DATA / "nist_ai_rmf_1_0_text.csv", newline="", encoding="utf-8") as f:
        official = {r["id"]: r["outcome"] for r in csv.DictReader(f)}
    cat = Catalogue(embedded_store)

    def grams(text: str) -> set[tuple[str, ...]]:
        words = "".join(c.lower() if c.isalnum() else " " for c in text).split()
        return {tuple(words[i:i + 8]) for i in range(len(words) - 7)}

    summaries = {r["p"].value: r["s"].value for r in embedded_store.select(
        "PREFIX cg: <https://w3id.org/clausegraph/ontology#> SELECT ?p ?s WHERE { ?p cg:summary ?s }").rows}
    for iri, info in cat.provisions.items():
        if info.ref.key == "nist-ai-rmf":
            assert not grams(summaries[iri]) & grams(official[info.ref.id]), info.ref


def test_show_accepts_aliases_and_returns_the_canonical_reference(store):
    doc = show(store, "nist-ai-rmf:GV-1.1", dt.date(2026, 11, 23))
    assert doc["ref"] == "nist-ai-rmf:GOVERN 1.1"
    assert doc["iri"] == "https://w3id.org/clausegraph/id/nist-ai-rmf/GOVERN-1.1"
    assert doc["kind"] == "subcategory" and doc["title"]
    assert doc["parent"]["ref"] == "nist-ai-rmf:GOVERN 1"


def test_show_deployer_obligation_with_adopted_and_amended_dates(store):
    doc = show(store, "euaiact:Article 26(1)", dt.date(2026, 11, 23))
    assert doc["ref"] == "euaiact:Art. 26(1)"
    assert doc["addressees"] == ["deployer"]
    assert doc["applies_from"]["as_adopted"] == "2026-08-02"
    assert doc["applies_from"]["as_amended"] == "2027-12-02"
    adopted = {c["condition"]: c["applies_from"] for c in doc["application"]["as_adopted"]["conditional"]}
    amended = {c["condition"]: c["applies_from"] for c in doc["application"]["as_amended"]["conditional"]}
    assert adopted == {"high-risk-art6-1": "2027-08-02"}
    assert amended == {"high-risk-art6-1": "2028-08-02"}


def test_dates_depend_on_the_as_of_date(embedded_store):
    cat = Catalogue(embedded_store)
    iri = Ref("euaiact", "Art. 9(1)").iri
    assert cat.application(iri, dt.date(2026, 7, 26))["applies_from"] == dt.date(2026, 8, 2)
    assert cat.application(iri, dt.date(2026, 7, 27))["applies_from"] == dt.date(2027, 12, 2)
    # prohibitions keep their 2025 date; the new ones apply from 2 Dec 2026
    assert cat.application(Ref("euaiact", "Art. 5(1)(a)").iri, None)["applies_from"] == dt.date(2025, 2, 2)
    assert cat.application(Ref("euaiact", "Art. 5(1)(ba)").iri, None)["applies_from"] == dt.date(2026, 12, 2)


def test_added_provisions_are_not_in_force_before_the_amendment(embedded_store):
    cat = Catalogue(embedded_store)
    art4a = Ref("euaiact", "Art. 4a").iri
    assert not cat.in_force(art4a, dt.date(2026, 7, 26))
    assert cat.in_force(art4a, dt.date(2026, 7, 27))
    deleted = Ref("euaiact", "Annex I Section A 1").iri
    assert cat.in_force(deleted, dt.date(2026, 7, 26)) and not cat.in_force(deleted, dt.date(2026, 7, 27))


def test_unknown_reference_suggests_the_nearest(store):
    with pytest.raises(UnknownReferenceError) as exc:
        show(store, "euaiact:Art. 26(13)", dt.date(2026, 11, 23))
    assert "euaiact:Art. 26(3)" in exc.value.suggestions or "euaiact:Art. 26(1)" in exc.value.suggestions


def test_children_are_in_document_order(embedded_store):
    doc = show(embedded_store, "euaiact:Chapter I", dt.date(2026, 11, 23))
    assert [c["ref"] for c in doc["children"]] == ["euaiact:Art. 1", "euaiact:Art. 2", "euaiact:Art. 3",
                                                   "euaiact:Art. 4", "euaiact:Art. 4a"]


def test_no_triple_is_stated_in_two_catalogue_files(embedded_store):
    """Each fact lives in one file (the union default graph would otherwise return it twice)."""
    rows = embedded_store.select(
        "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?s ?p ?o HAVING (COUNT(DISTINCT ?g) > 1)").rows
    assert [(r["s"].value, r["p"].value) for r in rows] == []
