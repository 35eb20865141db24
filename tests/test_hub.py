"""The requirement hub: its files (hand-made fixtures in tests/data/hub, every problem located), relations
computed from atom sets (brute force over random sets), curated rows checked against it, the shipped data's
completeness counted against the catalogue, and the hub's answers through the engine, the CLI and a register
that names atoms directly."""
from __future__ import annotations

import collections
import datetime as dt
import itertools
import json
import random
from pathlib import Path

import pytest
import yaml

from clausegraph.engine.build import build
from clausegraph.engine.coverage import framework_coverage, left_in_words
from clausegraph.engine.gaps import gaps
from clausegraph.engine.mappings.checks import catalogue_facts, check
from clausegraph.engine.mappings.hubcheck import near_duplicates
from clausegraph.engine.mappings.hubfiles import read_hub
from clausegraph.engine.mappings.hubrel import derive, disagreements, distribution, relation
from clausegraph.engine.mappings.sssom import Mapping, to_sssom
from clausegraph.engine.refs import FRAMEWORK_KEYS, Ref, parse_ref
from clausegraph.engine.store import open_store

from .conftest import DATA, run_cli
from .test_coverage import EXAMPLE, hub_atoms

FIXTURE = DATA / "hub"
DAY = dt.date(2026, 11, 23)


def fixture_files(folder: Path = FIXTURE) -> tuple[list, list]:
    atoms = [(f"hub/atoms/{p.name}", p.read_text(encoding="utf-8")) for p in sorted((folder / "atoms").glob("*.tsv"))]
    decs = [(f"hub/{p.name}", p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.hub.sssom.tsv"))]
    return atoms, decs


@pytest.fixture(scope="module")
def facts():
    s = open_store()
    build(s, include_mappings=False)
    return catalogue_facts(s)


@pytest.fixture(scope="module")
def shipped():
    s = open_store()
    build(s, register=EXAMPLE)
    return s


# ---------------------------------------------------------------- files

def test_fixture_reads_cleanly():
    hub = read_hub(*fixture_files())
    assert hub.problems == []
    assert len(hub.atoms) == 7
    atoms = hub.atoms_of()
    assert atoms[parse_ref("euaiact:Art. 12(1)")] == {"hub:log.capability-automatic", "hub:log.record-in-use",
                                                       "hub:log.record-other-phases"}
    assert atoms[parse_ref("euaiact:Art. 12(2)")] == frozenset()   # demands nothing assessable


def test_every_problem_is_reported_at_once_with_file_line_and_column():
    atoms, decs = fixture_files()
    name, text = atoms[0]
    lines = text.splitlines()
    header = sum(1 for ln in lines if ln.startswith("#")) + 1        # the column header's line
    bad_atoms = "\n".join(lines + [
        "hub:risk.elsewhere\tWrong theme\tlog\torganisation\tThe organisation does X.\tcgagent:t\t2026-12-04\tc",
        "hub:log.Bad_Id\tBad id\tlog\torganisation\tThe organisation does Y.\tcgagent:t\t2026-12-04\tc",
        "hub:log.no-comment\tNo comment\tlog\tsomeone\tThe organisation does Z.\tcgagent:t\t2026-12-04\t",
        "hub:log.protect\tDuplicate\tlog\torganisation\tThe organisation protects logs.\tcgagent:t\t2026-12-04\tc",
    ])
    dname, dtext = [d for d in decs if "euaiact" in d[0]][0]
    row = "\tcg:demands\t{}\t{}\tsemapv:ManualMappingCuration\t{}\tcgagent:t\t2026-12-04\t{}"
    bad_dec = "\n".join(dtext.splitlines() + [
        "euaiact:art-12-3\teuaiact:Art. 12(3)" + row.format("hub:log.unknown", "x", "Art. 12(3)", "why"),
        "euaiact:art-12-2\teuaiact:Art. 12(2)" + row.format("hub:log.protect", "Logs protected", "Art. 12(2)", "w"),
        "euaiact:art-12-3\teuaiact:Art. 12(3)" + row.format("hub:log.protect", "Wrong label", "", "why"),
        "iso42001:A.6.2.8\tiso42001:A.6.2.8" + row.format("hub:log.protect", "Logs protected", "A.6.2.8", "w"),
        "euaiact:art-12-1\teuaiact:Art. 12(1)" + row.format("hub:log.record-in-use", "Events recorded while in use",
                                                             "Art. 12(1)", "twice"),
    ])
    hub = read_hub([(name, bad_atoms)], [(dname, bad_dec)])
    got = {(p.file, p.line, p.column) for p in hub.problems}
    n = len(lines)
    expected = {(name, n + 1, "theme"), (name, n + 2, "atom_id"), (name, n + 3, "actor"), (name, n + 3, "comment"),
                (name, n + 4, "atom_id")}
    d = len(dtext.splitlines())
    expected |= {(dname, d + 1, "object_id"), (dname, d + 3, "source_location"), (dname, d + 3, "object_label"),
                 (dname, d + 4, "subject_id"), (dname, d + 5, "object_id")}
    assert expected <= got, expected - got
    assert any("has both atoms and a sssom:NoTermFound row" in p.message for p in hub.problems)
    assert header > 1


def test_build_refuses_a_malformed_hub(monkeypatch):
    """All or nothing: a hub with a problem stops the build with the located problems (exit 2 at the CLI)."""
    from clausegraph.engine import resources
    from clausegraph.engine.errors import UserInputError

    class Fake:
        def __init__(self, name: str, text: str) -> None:
            self.name, self.text = name, text

    atoms, decs = fixture_files()
    monkeypatch.setattr(resources, "hub_atom_files", lambda: [Fake("log.tsv", atoms[0][1])])
    monkeypatch.setattr(resources, "hub_decomposition_files",
                        lambda: [Fake(n.split("/")[-1], t.replace("hub:log.protect\t", "hub:log.protekt\t"))
                                 for n, t in decs])
    monkeypatch.setattr(resources, "read_text", lambda f: f.text)
    from clausegraph.engine.build import hub_sources

    with pytest.raises(UserInputError) as exc:
        hub_sources()
    assert any("unknown atom hub:log.protekt" in p.message and p.line for p in exc.value.problems)


# ---------------------------------------------------------------- relations (brute force)

def set_claim(rel: str, a: set, b: set) -> bool:
    """What a relationship claims about two sets, in plain set terms (the oracle)."""
    return {"equal": a == b, "subset_of": a < b, "superset_of": a > b,
            "intersects_with": bool(a & b) and not a <= b and not b <= a, "not_related": not a & b}[rel]


def random_hub(rnd: random.Random, n_atoms: int = 8) -> dict[Ref, frozenset[str]]:
    ids = [f"hub:log.a{i}" for i in range(n_atoms)]
    out = {}
    for key, ident in [("euaiact", f"Art. {i}") for i in range(1, 7)] + [("iso42001", f"A.{i}.1") for i in range(1, 6)]:
        k = rnd.choice([0, 1, 1, 2, 2, 3, 4])
        out[Ref(key, ident)] = frozenset(rnd.sample(ids, k))
    return out


def test_relation_is_the_set_relation_for_all_small_sets():
    universe = range(4)
    sets = [frozenset(c) for n in range(0, 5) for c in itertools.combinations(universe, n)]
    for a, b in itertools.product(sets, repeat=2):
        rel = relation(frozenset(map(str, a)), frozenset(map(str, b)))
        if not a or not b:
            assert rel is None
        else:
            assert [r for r in ("equal", "subset_of", "superset_of", "intersects_with", "not_related")
                    if set_claim(r, set(a), set(b))] == [rel]


@pytest.mark.parametrize("seed", range(25))
def test_derived_crosswalk_equals_brute_force_over_random_hubs(seed):
    rnd = random.Random(seed)
    atoms = random_hub(rnd)
    got = derive(atoms, "euaiact", "iso42001")
    pairs = {(m.subject, m.object): m for m in got if m.object}
    alone = {m.subject for m in got if m.object is None}
    subjects = [r for r in atoms if r.key == "euaiact" and atoms[r]]
    objects = [r for r in atoms if r.key == "iso42001" and atoms[r]]
    for a in subjects:
        shared_any = False
        for b in objects:
            x, y = set(atoms[a]), set(atoms[b])
            if x & y:
                shared_any = True
                m = pairs.pop((a, b))
                assert set_claim(m.relationship, x, y) and m.derived and set(m.via) == x & y
                assert 1 <= m.strength <= 10 and (m.strength == 10) == (x == y)
        assert (a in alone) == (not shared_any)   # a no-counterpart row exactly when nothing is shared
    assert pairs == {}, "no pair without a shared atom is listed"
    assert all(atoms[r] for r in alone) and not any(m.subject.key != "euaiact" for m in got)
    # read from the other side, every relation is the inverse
    inverse = {"subset_of": "superset_of", "superset_of": "subset_of"}
    back = {(m.object, m.subject): inverse.get(m.relationship, m.relationship)
            for m in derive(atoms, "iso42001", "euaiact") if m.object}
    assert back == {(m.subject, m.object): m.relationship for m in got if m.object}


@pytest.mark.parametrize("seed", range(25))
def test_disagreements_are_exactly_the_false_claims(seed):
    rnd = random.Random(seed)
    atoms = random_hub(rnd)
    subjects = [r for r in atoms if r.key == "euaiact"]
    objects = [r for r in atoms if r.key == "iso42001"]
    curated = []
    for a, b in itertools.product(subjects, objects):
        rel = rnd.choice(["equal", "subset_of", "superset_of", "intersects_with", "not_related"])
        curated.append(("f.sssom.tsv", Mapping(a, b, rel, "semantic", 5, "c", "cgagent:t")))
    for a in subjects:
        curated.append(("f.sssom.tsv", Mapping(a, None, "not_related", "semantic", 5, "c", "cgagent:t",
                                               target="iso42001")))
    found = {(m.subject, m.object, m.relationship) for _, m in [(d.file, d.mapping) for d in
                                                                  disagreements(curated, atoms)]}
    expected = set()
    for _, m in curated:
        x = set(atoms[m.subject])
        if not x:
            continue
        if m.object is None:
            if any(x & set(atoms[b]) for b in objects):
                expected.add((m.subject, None, m.relationship))
            continue
        y = set(atoms[m.object])
        if not y:
            continue
        # a curated intersects_with is read as "some overlap"; every other claim must hold exactly
        holds = bool(x & y) if m.relationship == "intersects_with" else (
            x <= y if m.relationship == "subset_of" else x >= y if m.relationship == "superset_of"
            else set_claim(m.relationship, x, y))
        if not holds:
            expected.add((m.subject, m.object, m.relationship))
    assert found == expected


def test_distribution_counts_every_related_pair():
    rnd = random.Random(5)
    atoms = random_hub(rnd)
    (d,) = distribution(atoms, ["euaiact", "iso42001"])
    brute = collections.Counter()
    for a, b in itertools.product([r for r in atoms if r.key == "euaiact" and atoms[r]],
                                  [r for r in atoms if r.key == "iso42001" and atoms[r]]):
        if atoms[a] & atoms[b]:
            brute[relation(atoms[a], atoms[b])] += 1
    assert {k: d[k] for k in ("equal", "subset_of", "superset_of", "intersects_with") if d[k]} == dict(brute)
    assert d["related_pairs"] == sum(brute.values())


# ---------------------------------------------------------------- checks on the fixture

def curated_file(rows: list[Mapping], name: str) -> tuple[str, str]:
    s, o = name.split("--")
    meta = {"curie_map": {"cg": "https://w3id.org/clausegraph/ontology#",
                          "cgagent": "https://w3id.org/clausegraph/id/agent/",
                          s: f"https://w3id.org/clausegraph/id/{s}/", o: f"https://w3id.org/clausegraph/id/{o}/",
                          "semapv": "https://w3id.org/semapv/vocab/", "skos": "http://www.w3.org/2004/02/skos/core#",
                          "sssom": "https://w3id.org/sssom/"},
            "mapping_set_id": f"https://w3id.org/clausegraph/mappings/{name}", "mapping_set_version": "0",
            "license": "https://creativecommons.org/licenses/by/4.0/", "mapping_date": "2026-12-04",
            "subject_source": s, "object_source": o, "extension_definitions": [
                {"slot_name": n, "property": "cg:x", "type_hint": "xsd:string"}
                for n in ("strm_relationship", "strm_rationale", "strm_strength")]}
    return f"{name}.sssom.tsv", to_sssom(rows, meta)


def test_mappings_check_reports_curated_rows_that_contradict_the_hub(facts):
    art121, art122, a628 = parse_ref("euaiact:Art. 12(1)"), parse_ref("euaiact:Art. 12(2)"), parse_ref("iso42001:A.6.2.8")
    a815, a816 = parse_ref("iso27001:A.8.15"), parse_ref("iso27001:A.8.16")
    m = lambda a, b, rel: Mapping(a, b, rel, "semantic", 5, "why", "cgagent:test")  # noqa: E731
    files = [curated_file([m(art121, a628, "subset_of"),          # wrong: Art. 12(1) asks more than A.6.2.8
                           m(art122, a628, "intersects_with")], "euaiact--iso42001"),   # not judged: demands nothing
             curated_file([m(a628, a815, "intersects_with"),       # right: they share record-in-use
                           m(a628, a816, "intersects_with")], "iso42001--iso27001")]    # wrong: nothing shared
    report = check(facts, files, hub=read_hub(*fixture_files()))
    hub_msgs = [p for p in report.problems if "contradicts the hub" in p.message]
    assert len(hub_msgs) == 2
    assert any("subset_of between euaiact:Art. 12(1) and iso42001:A.6.2.8" in p.message
               and "derives intersects_with" in p.message and p.line for p in hub_msgs)
    assert any("iso42001:A.6.2.8 and iso27001:A.8.16" in p.message and "no shared atom" in p.message for p in hub_msgs)
    # completeness counted against the catalogue: the fixture decomposes 2 of 161 Act obligations
    dec = {d["framework"]: d for d in report.hub["decomposition"]}
    assert dec["euaiact"]["decomposed"] == 2 and dec["euaiact"]["assessable"] == len(
        [r for r in facts.assessable if r.key == "euaiact"])
    assert any("not decomposed into hub atoms" in p.message and "euaiact" in p.message for p in report.problems)
    assert any("atom hub:log.analysed is demanded by no provision" in p.message for p in report.problems)
    assert any("near-duplicate" in w.message and "hub:log.analyse" in w.message for w in report.warnings)


def test_near_duplicate_titles_are_flagged():
    hub = read_hub(*fixture_files())
    assert near_duplicates(hub) == [("hub:log.analyse", "hub:log.analysed")]


# ---------------------------------------------------------------- the shipped hub

def test_every_assessable_provision_of_the_four_frameworks_is_decomposed(facts):
    """Counted against the catalogue (cg:assessable); says exactly what is missing."""
    report = check(facts)
    for d in report.hub["decomposition"]:
        assert d["missing"] == [], f"{d['framework']}: {len(d['missing'])} of {d['assessable']} not decomposed"
        assert d["decomposed"] == d["assessable"] > 0
    assert {d["framework"] for d in report.hub["decomposition"]} == set(FRAMEWORK_KEYS)


def test_shipped_hub_rows_are_cited_and_commented_and_every_atom_is_used(facts):
    from clausegraph.engine.mappings.hubfiles import bundled_hub

    hub = bundled_hub()
    assert hub.problems == []
    used = {d.atom for d in hub.demands if d.atom}
    assert set(hub.atoms) == used
    for d in hub.demands:
        assert d.comment and d.source_location and d.author, (d.file, d.line)
    # the hub is what it is for: atoms shared between frameworks, and typed relations among the derived ones
    report = check(facts)
    typed = sum(d["equal"] + d["subset_of"] + d["superset_of"] for d in report.hub["derived"])
    assert typed > 0 and sum(1 for a in bundled_hub().atoms_of().values() if a) > 300


# ---------------------------------------------------------------- through the engine and the CLI

def test_coverage_names_what_is_left_for_the_example(shipped):
    doc = framework_coverage(shipped, "euaiact", DAY, True)
    demands = hub_atoms()
    partial = [p for p in doc["provisions"] if p["status"] == "partial" and p["left"]]
    assert partial
    for p in doc["provisions"]:
        if p["requirements"] is not None:
            assert {r["id"] for r in p["requirements"]} == demands[p["ref"]]
    words = left_in_words(partial[0])
    assert "left:" in words and partial[0]["requirements"][0]["title"] in " ".join(
        r["title"] for r in partial[0]["requirements"])
    res = run_cli("coverage", "--register", str(EXAMPLE), "--framework", "euaiact", "--via-mappings",
                  "--as-of", DAY.isoformat(), "--format", "markdown")
    assert res.returncode == 0, res.stderr
    line = [ln for ln in res.stdout.splitlines() if ln.startswith(f"| {partial[0]['ref']} |")][0]
    assert "left:" in line and partial[0]["left"][0] in line


def test_gaps_group_the_atoms_left(shipped):
    g = gaps(shipped, "euaiact", DAY)
    demands = hub_atoms()
    by_atom = collections.defaultdict(list)
    for x in g["gaps"]:
        for a in x["left"] or ():
            by_atom[a].append(x["ref"])
    assert {a["id"]: sorted(a["gaps"]) for a in g["atoms"]} == {a: sorted(r) for a, r in by_atom.items()}
    for a in g["atoms"]:
        assert a["closes"] == [r for r in a["gaps"] if [x for x in g["gaps"] if x["ref"] == r][0]["left"] == [a["id"]]]
        others = collections.Counter(r.split(":")[0] for r, ats in demands.items() if a["id"] in ats
                                     and not r.startswith("euaiact:"))
        assert a["also_demanded_by"] == dict(others)
        if others:
            assert "also demanded by" in a["why"]


def test_register_may_name_atoms_directly(tmp_path):
    reg = {"systems": [{"id": "s1", "name": "S", "owner": "o", "role": "provider", "use_cases": "annex-iii-4a",
                        "purpose": "p"}],
           "controls": [{"id": "c1", "title": "Log capability", "owner": "o", "status": "implemented",
                         "implements": "hub:log.capability-automatic;hub:log.record-other-phases"},
                        {"id": "c2", "title": "Logging", "owner": "o", "status": "implemented",
                         "implements": "iso42001:A.6.2.8"}],
           "evidence": [{"id": "e1", "title": "t", "supports": "c1;c2", "location": "https://x.example/e",
                         "collected_on": "2026-01-01"}]}
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(reg), encoding="utf-8")
    s = open_store()
    build(s, register=path)
    doc = framework_coverage(s, "euaiact", DAY, True)
    art = [p for p in doc["provisions"] if p["ref"] == "euaiact:Art. 12(1)"][0]
    by = {r["id"]: r["by"] for r in art["requirements"]}
    expected_c2 = hub_atoms()["iso42001:A.6.2.8"]
    for a, who in by.items():
        assert ("c1" in who) == (a in {"hub:log.capability-automatic", "hub:log.record-other-phases"})
        assert ("c2" in who) == (a in expected_c2)
    assert (art["status"] == "covered") == (set(by) <= {"hub:log.capability-automatic",
                                                        "hub:log.record-other-phases"} | expected_c2)
    # direct only: c2 implements no Act provision and names no atom of Art. 12(1), so it does not count
    direct = [p for p in framework_coverage(s, "euaiact", DAY, False)["provisions"] if p["ref"] == art["ref"]][0]
    assert all(r["by"] in ([], ["c1"]) for r in direct["requirements"])
    # an unknown atom is a located input error (exit 2), nothing is loaded
    reg["controls"][0]["implements"] = "hub:log.capabilty-automatic"
    path.write_text(yaml.safe_dump(reg), encoding="utf-8")
    res = run_cli("coverage", "--register", str(path), "--framework", "euaiact")
    assert res.returncode == 2 and "unknown hub atom 'hub:log.capabilty-automatic'" in res.stderr
    assert "hub:log.capability-automatic" in res.stderr and "implements" in res.stderr


def test_cli_crosswalk_via_hub_json_and_sssom():
    res = run_cli("crosswalk", "--from", "euaiact", "--to", "iso42001", "--via-hub", "--format", "json")
    assert res.returncode == 0, res.stderr
    ms = json.loads(res.stdout)["mappings"]
    demands = hub_atoms()
    assert ms and all(m["derived"] for m in ms)
    for m in ms:
        if m["object"]:
            shared = demands[m["subject"]] & demands[m["object"]]
            assert set(m["via"]) == shared and shared
            assert set_claim(m["relationship"], demands[m["subject"]], demands[m["object"]])
        else:
            assert m["relationship"] == "not_related" and m["via"] == []
    sssom = run_cli("crosswalk", "--from", "euaiact", "--to", "iso42001", "--via-hub", "--format", "sssom").stdout
    body = [ln.split("\t") for ln in sssom.splitlines() if not ln.startswith("#")]
    assert body[0][6] == "mapping_justification" and len(body) == len(ms) + 1
    assert all(r[6] == "semapv:MappingChaining" and "derived through the requirement hub" in r[12] for r in body[1:])
    assert "derived through the clausegraph requirement hub" in sssom
    assert run_cli("crosswalk", "--from", "euaiact", "--to", "iso42001", "--via-hub", "--inferred").returncode == 2


def test_cli_hub_and_show_list_atoms():
    demands = hub_atoms()
    res = run_cli("hub", "hub:log.record-in-use", "--format", "json")
    assert res.returncode == 0, res.stderr
    (atom,) = json.loads(res.stdout)["atoms"]
    listed = sorted(r for refs in atom["demanded_by"].values() for r in refs)
    assert listed == sorted(r for r, ats in demands.items() if "hub:log.record-in-use" in ats)
    assert run_cli("hub", "hub:log.no-such-atom").returncode == 2
    every = json.loads(run_cli("hub", "--format", "json").stdout)
    assert every["summary"]["atoms"] == len({a for ats in demands.values() for a in ats})
    shown = json.loads(run_cli("show", "euaiact:Art. 12(1)", "--format", "json").stdout)["hub"]
    assert shown["decomposed"] and {a["id"] for a in shown["atoms"]} == demands["euaiact:Art. 12(1)"]
    table = run_cli("show", "euaiact:Art. 12(1)").stdout
    assert all(a in table for a in demands["euaiact:Art. 12(1)"])


def test_mappings_stats_report_the_derived_distribution():
    res = run_cli("mappings", "stats", "--format", "json")
    assert res.returncode == 0, res.stderr
    derived = {d["pair"]: d for d in json.loads(res.stdout)["hub"]["derived"]}
    assert len(derived) == 6
    demands = hub_atoms()
    iso = {r: a for r, a in demands.items() if r.startswith("iso42001:") and a}
    act = {r: a for r, a in demands.items() if r.startswith("euaiact:") and a}
    brute = collections.Counter(relation(frozenset(x), frozenset(y)) for x in iso.values() for y in act.values()
                                if x & y)
    d = derived["iso42001--euaiact"]
    assert {k: d[k] for k in ("equal", "subset_of", "superset_of", "intersects_with") if d[k]} == dict(brute)
    assert d["no_counterpart"] == sum(1 for x in iso.values() if not any(x & y for y in act.values()))
    assert run_cli("mappings", "stats").stdout.count("via hub") == 0   # the table shows a second table instead
    assert "relations derived through the requirement hub" in run_cli("mappings", "stats").stdout
