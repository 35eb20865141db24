"""Crosswalks: the composition table by brute force, sound chaining (hypothesis), the SSSOM profile, every
kind of defect `mappings check` must catch, and orientation of the crosswalk command."""
from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clausegraph.engine import resources
from clausegraph.engine.mappings.algebra import (ANY, BASE, BY_NAME, COMPOSE, DISJOINT, EQUAL, INTERSECTS,
                                                 SUBSET, SUPERSET, compose, covers_fully, covers_partly, inverse,
                                                 set_relation)
from clausegraph.engine.mappings.chain import close
from clausegraph.engine.mappings.checks import catalogue_facts, check
from clausegraph.engine.mappings.sssom import Mapping, parse_sssom, to_sssom
from clausegraph.engine.refs import Ref

from .conftest import run_main

UNIVERSE = range(4)
SETS = [frozenset(c) for n in range(1, len(UNIVERSE) + 1) for c in itertools.combinations(UNIVERSE, n)]


def test_composition_table_matches_brute_force_over_all_set_triples():
    seen: dict[tuple[int, int], int] = {}
    for a, b, c in itertools.product(SETS, repeat=3):
        key = (set_relation(a, b), set_relation(b, c))
        seen[key] = seen.get(key, 0) | set_relation(a, c)
    assert len(seen) == 25
    for (r1, r2), possible in seen.items():
        assert COMPOSE[r1][r2] == possible, (r1, r2)


def test_inverse_and_coverage_predicates():
    for a, b in itertools.product(SETS, repeat=2):
        assert inverse(set_relation(a, b)) == set_relation(b, a)
    assert covers_fully(EQUAL) and covers_fully(SUBSET) and covers_fully(EQUAL | SUBSET)
    assert not covers_fully(SUPERSET) and not covers_fully(EQUAL | INTERSECTS) and not covers_fully(ANY)
    assert covers_partly(INTERSECTS | SUPERSET) and not covers_partly(INTERSECTS | DISJOINT)
    # the unsound published rule "not_related o anything = not_related" is not ours
    assert compose(DISJOINT, SUBSET) != DISJOINT


def refs(n: int) -> list[Ref]:
    keys = ["iso42001", "iso27001", "nist-ai-rmf", "euaiact"]
    return [Ref(keys[i % 4], f"A.{i + 1}" if keys[i % 4].startswith("iso") else
                ("GOVERN 1." + str(i + 1) if keys[i % 4] == "nist-ai-rmf" else f"Art. {i + 1}")) for i in range(n)]


def mapping(a: Ref, b: Ref, rel: int, strength: int = 5, rationale: str = "semantic") -> Mapping:
    from clausegraph.engine.mappings.algebra import NAMES

    return Mapping(a, b, NAMES[rel], rationale, strength, "test", "cgagent:test")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(SETS), min_size=3, max_size=7),
       st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=2, max_size=14), st.data())
def test_closure_of_a_consistent_network_is_sound_and_finds_no_contradiction(sets, pairs, data):
    """Edges come from real sets, so the truth is a model: no contradiction, and every derived mask holds it."""
    nodes = refs(len(sets))
    edges = {(i % len(sets), j % len(sets)) for i, j in pairs if i % len(sets) != j % len(sets)}
    ms = [mapping(nodes[i], nodes[j], set_relation(sets[i], sets[j]),
                  data.draw(st.integers(1, 10))) for i, j in edges]
    result = close(ms)
    assert result.contradictions == []
    for d in result.derived:
        i, j = nodes.index(d.subject), nodes.index(d.object)
        truth = set_relation(sets[i], sets[j])
        mask = BY_NAME.get(d.relationship, EQUAL | SUBSET | SUPERSET | INTERSECTS)
        assert truth & mask, (d, truth)
        along = [m.strength for m in ms]
        assert d.strength <= max(along)
        assert d.derived and d.path


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([EQUAL, SUBSET]), min_size=2, max_size=6),
       st.sampled_from([SUPERSET, INTERSECTS, DISJOINT]))
def test_closure_reports_a_contradiction_with_the_conflicting_paths(chain, wrong):
    """A chain of equal/subset links makes the ends subset-or-equal; asserting anything disjoint from that
    directly is a contradiction, reported with both paths."""
    nodes = refs(len(chain) + 1)
    ms = [mapping(nodes[i], nodes[i + 1], r) for i, r in enumerate(chain)]
    composed = chain[0]
    for r in chain[1:]:
        composed = compose(composed, r)
    assert not (composed & wrong)
    ms.append(mapping(nodes[0], nodes[-1], wrong))
    result = close(ms)
    assert result.contradictions
    c = result.contradictions[0]
    assert {c.subject, c.object} == {nodes[0], nodes[-1]} or len(c.paths) == 2
    assert all(len(p) >= 2 for p in c.paths)


def test_chaining_uses_one_rationale_and_minimum_strength():
    a, b, c = refs(3)
    same = close([mapping(a, b, SUBSET, 8), mapping(b, c, SUBSET, 3)])
    assert [(d.subject, d.object, d.relationship, d.strength) for d in same.derived
            if d.subject == a] == [(a, c, "subset_of", 3)]
    assert same.derived[0].path in ((b,), ())
    mixed = close([mapping(a, b, SUBSET, 8), mapping(b, c, SUBSET, 3, "functional")])
    assert mixed.derived == []


def test_nothing_is_inferred_from_absence_or_from_intersections():
    a, b, c = refs(3)
    assert close([mapping(a, b, INTERSECTS), mapping(b, c, INTERSECTS)]).derived == []
    assert close([mapping(a, b, DISJOINT), mapping(b, c, SUBSET)]).derived == []


# ---------------------------------------------------------------- the SSSOM profile and the checks

HEADER = """# curie_map:
#   cg: https://w3id.org/clausegraph/ontology#
#   cgagent: https://w3id.org/clausegraph/id/agent/
#   iso42001: https://w3id.org/clausegraph/id/iso42001/
#   iso27001: https://w3id.org/clausegraph/id/iso27001/
#   semapv: https://w3id.org/semapv/vocab/
#   skos: http://www.w3.org/2004/02/skos/core#
#   sssom: https://w3id.org/sssom/
# mapping_set_id: https://w3id.org/clausegraph/mappings/iso42001--iso27001
# mapping_set_version: 0.1.0
# license: https://creativecommons.org/licenses/by/4.0/
# mapping_date: 2026-11-23
# subject_source: https://w3id.org/clausegraph/id/iso42001
# object_source: https://w3id.org/clausegraph/id/iso27001
# extension_definitions:
#   - slot_name: strm_relationship
#     property: cg:relationship
#   - slot_name: strm_rationale
#     property: cg:rationale
#   - slot_name: strm_strength
#     property: cg:strength
"""
COLS = ("subject_id\tsubject_label\tpredicate_id\tpredicate_modifier\tobject_id\tobject_label\t"
        "mapping_justification\tstrm_relationship\tstrm_rationale\tstrm_strength\tauthor_id\tmapping_source\tcomment")


def row(subj="A.6.2.8", obj="A.8.15", pred="skos:relatedMatch", mod="", rel="intersects_with", rat="semantic",
        strength="6", author="cgagent:t", comment="both require logs", slabel=None, olabel=None,
        just="semapv:ManualMappingCuration"):
    s_label = slabel if slabel is not None else f"iso42001:{subj}"
    o_label = olabel if olabel is not None else (f"iso27001:{obj}" if obj != "NONE" else "")
    o_id = f"iso27001:{obj}" if obj != "NONE" else "sssom:NoTermFound"
    return "\t".join([f"iso42001:{subj}", s_label, pred, mod, o_id, o_label, just, rel, rat, strength, author, "",
                      comment])


def make(*rows: str, header: str = HEADER) -> list[tuple[str, str]]:
    return [("iso42001--iso27001.sssom.tsv", header + COLS + "\n" + "\n".join(rows) + "\n")]


@pytest.fixture(scope="module")
def facts():
    from clausegraph.engine.build import build
    from clausegraph.engine.store import open_store

    s = open_store()
    build(s, include_mappings=False)
    return catalogue_facts(s)


def problems(facts, files) -> list[str]:
    report = check(facts, files)
    return [str(p) for p in report.problems if "not assessed" not in p.message]


def test_a_valid_row_has_no_problems(facts):
    assert problems(facts, make(row())) == []


DEFECTS = {
    "malformed yaml": (make(row(), header=HEADER.replace("# mapping_date: 2026-11-23", "# mapping_date: [oops")),
                       "not valid YAML"),
    "missing metadata": (make(row(), header=HEADER.replace("# license: https://creativecommons.org/licenses/by/4.0/\n", "")),
                         "license"),
    "missing column": ([("iso42001--iso27001.sssom.tsv", HEADER + COLS.replace("\tcomment", "") + "\n")], "comment"),
    "wrong cell count": (make(row() + "\textra"), "tab-separated cells"),
    "bad relationship": (make(row(rel="overlaps")), "strm_relationship"),
    "predicate mismatch": (make(row(pred="skos:exactMatch")), "predicate_id"),
    "bad strength": (make(row(strength="11")), "strm_strength"),
    "bad rationale": (make(row(rat="gut feeling")), "strm_rationale"),
    "missing comment": (make(row(comment="")), "comment is required"),
    "missing author": (make(row(author="")), "author_id is required"),
    "wrong label": (make(row(slabel="iso42001:A.6.2.9")), "subject_label"),
    "undeclared prefix": (make(row().replace("iso27001:A.8.15", "iso2700x:A.8.15", 1)), "curie_map"),
    "dangling reference": (make(row(obj="A.9.99")), "dangling reference"),
    "heading": (make(row(obj="A.8")), "heading"),
    "duplicate row": (make(row(), row(strength="5")), "duplicate row"),
    "conflicting row": (make(row(), row(rel="subset_of", pred="skos:broadMatch")), "conflicting row"),
    "typed and no counterpart": (make(row(), row(obj="NONE", pred="skos:relatedMatch", mod="Not",
                                                 rel="not_related")), "both typed mappings and a NoTermFound"),
    "no-term row not disjoint": (make(row(obj="NONE")), "NoTermFound row must be not_related"),
    "curated chaining justification": (make(row(just="semapv:MappingChaining")), "ManualMappingCuration"),
}


@pytest.mark.parametrize("defect", list(DEFECTS))
def test_check_catches_each_kind_of_defect(facts, defect):
    files, expected = DEFECTS[defect]
    found = problems(facts, files)
    assert any(expected in p for p in found), found


def test_check_catches_a_contradiction_in_the_closure(facts):
    """A.6.2.8 within A.8.15, A.6.2.9 equal to A.8.15 and disjoint from A.8.16, yet A.6.2.8 within A.8.16:
    the chain A.6.2.8 -> A.8.15 -> A.6.2.9 -> A.8.16 says the last row cannot hold."""
    files = make(row("A.6.2.8", "A.8.15", "skos:broadMatch", rel="subset_of"),
                 row("A.6.2.9", "A.8.15", "skos:exactMatch", rel="equal"),
                 row("A.6.2.9", "A.8.16", "skos:relatedMatch", "Not", rel="not_related"),
                 row("A.6.2.8", "A.8.16", "skos:broadMatch", rel="subset_of"))
    found = problems(facts, files)
    assert any("contradiction" in p for p in found), found


def test_check_reports_missing_assessments(facts):
    report = check(facts, make(row()))
    assert any("not assessed" in p.message for p in report.problems)


def test_shipped_crosswalks_pass_and_are_complete(facts):
    report = check(facts)
    assert report.ok, [str(p) for p in report.problems][:20]
    assert len(report.sets) == 6
    for s in report.stats:
        assert s["assessed_share"] == 100.0 and s["required"] > 0, s


def test_sssom_round_trip_of_every_shipped_file():
    for f in resources.mapping_files():
        mset, probs = parse_sssom(resources.read_text(f), f.name)
        assert probs == []
        again, probs2 = parse_sssom(to_sssom(mset.mappings, mset.metadata), f.name)
        assert probs2 == []
        key = lambda m: (m.subject, m.object, m.relationship, m.rationale, m.strength, m.comment)  # noqa: E731
        assert [key(m) for m in again.mappings] == [key(m) for m in mset.mappings]


# ---------------------------------------------------------------- CLI

def test_mappings_check_cli_passes_on_shipped_sets_and_fails_on_defects(tmp_path):
    ok = run_main("mappings", "check")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = tmp_path / "iso42001--iso27001.sssom.tsv"
    bad.write_text(make(row(obj="A.9.99"))[0][1], encoding="utf-8")
    res = run_main("mappings", "check", str(bad), "--format", "json")
    assert res.returncode == 1
    doc = json.loads(res.stdout)
    assert not doc["ok"] and any(p["line"] for p in doc["problems"])


def test_mappings_stats_lists_every_pair():
    res = run_main("mappings", "stats", "--format", "json")
    assert res.returncode == 0
    pairs = {p["pair"]: p for p in json.loads(res.stdout)["pairs"]}
    assert set(pairs) == {"iso42001--iso27001", "nist-ai-rmf--iso42001", "euaiact--iso42001",
                          "euaiact--nist-ai-rmf", "euaiact--iso27001", "nist-ai-rmf--iso27001"}
    for p in pairs.values():
        assert sum(p["by_relationship"].values()) == p["rows"]


def test_crosswalk_is_oriented_whichever_way_the_file_is_stored():
    fwd = json.loads(run_main("crosswalk", "--from", "iso42001", "--to", "iso27001", "--format", "json").stdout)
    back = json.loads(run_main("crosswalk", "--from", "iso27001", "--to", "iso42001", "--format", "json").stdout)
    assert fwd["from"] == "iso42001" and back["from"] == "iso27001"
    inverse_name = {"subset_of": "superset_of", "superset_of": "subset_of"}
    typed = {(m["subject"], m["object"]): m["relationship"] for m in fwd["mappings"] if m["object"]}
    flipped = {(m["object"], m["subject"]): inverse_name.get(m["relationship"], m["relationship"])
               for m in back["mappings"]}
    assert typed == flipped and typed
    assert all(m["subject"].startswith("iso27001:") for m in back["mappings"])
    first = back["mappings"][0]
    assert set(first) == {"subject", "object", "relationship", "rationale", "strength", "derived", "path",
                          "via", "comment", "source"}


def test_crosswalk_min_strength_and_sssom_output():
    res = run_main("crosswalk", "--from", "nist-ai-rmf", "--to", "iso42001", "--min-strength", "7",
                  "--format", "json")
    assert all(m["strength"] >= 7 for m in json.loads(res.stdout)["mappings"])
    sssom = run_main("crosswalk", "--from", "iso27001", "--to", "nist-ai-rmf", "--format", "sssom").stdout
    mset, probs = parse_sssom(sssom, "iso27001--nist-ai-rmf.sssom.tsv")
    assert probs == [] and mset.mappings


def test_show_lists_mappings_in_every_framework():
    doc = json.loads(run_main("show", "iso42001:A.6.2.8", "--format", "json").stdout)
    targets = {m["target"] for m in doc["mappings"]}
    assert {"iso27001", "euaiact", "nist-ai-rmf"} <= targets
