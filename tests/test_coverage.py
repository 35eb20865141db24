"""Coverage: checked against an independent brute-force computation in plain Python (register CSV files, hub
decompositions and SSSOM crosswalks read directly, no SPARQL), on generated registers and on the example
organisation."""
from __future__ import annotations

import csv
import datetime as dt
import json
import random
from pathlib import Path

import pytest

from clausegraph.engine import resources
from clausegraph.engine.build import build
from clausegraph.engine.coverage import framework_coverage
from clausegraph.engine.mappings.chain import close
from clausegraph.engine.mappings.sssom import parse_sssom
from clausegraph.engine.refs import iri_to_ref, parse_ref
from clausegraph.engine.store import open_store
from clausegraph.engine.synthetic import generate

from .conftest import ROOT, run_main

EXAMPLE = ROOT / "examples" / "acme"
FULL, PART = {"equal", "subset_of"}, {"intersects_with", "superset_of", "overlaps"}
INV = {"subset_of": "superset_of", "superset_of": "subset_of"}


def rows(folder: Path, name: str) -> list[dict]:
    path = folder / f"{name}.csv"
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def all_mappings():
    curated = []
    for f in resources.mapping_files():
        curated += parse_sssom(resources.read_text(f), f.name)[0].mappings
    return curated + close(curated).derived


def hub_atoms() -> dict[str, set[str]]:
    """Provision reference -> the atom ids it demands, read from the decomposition files with the csv module."""
    out: dict[str, set[str]] = {}
    for f in sorted((ROOT / "mappings" / "hub").glob("*.hub.sssom.tsv")):
        lines = [ln for ln in f.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
        for row in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
            ref = str(parse_ref(row["subject_label"]))
            out.setdefault(ref, set())
            if row["object_id"] != "sssom:NoTermFound":
                out[ref].add(row["object_id"])
    return out


def brute_force(folder: Path, framework: str, as_of: dt.date, via: bool, assessable: dict[str, str],
                parents: dict[str, str | None]) -> dict[str, tuple[str, list[str] | None]]:
    """(status, atoms left or None) per provision reference, from the files alone. A provision with atoms: each
    atom is met by an implemented control with valid evidence naming it, or implementing (a heading above) a
    provision demanding it (with via: any provision; without: the provision itself); covered = all met,
    partial = some, uncovered = none (so a provision demanding nothing is covered). Other provisions: the crosswalk
    rules."""
    demands = hub_atoms()
    rel: dict[tuple[str, str], set[str]] = {}
    if via:
        for m in all_mappings():
            if m.object is None or m.relationship == "not_related":
                continue
            s, o = str(m.subject), str(m.object)
            rel.setdefault((s, o), set()).add(m.relationship)
            rel.setdefault((o, s), set()).add(INV.get(m.relationship, m.relationship))
    valid: dict[str, bool] = {}
    for e in rows(folder, "evidence"):
        ok = dt.date.fromisoformat(e["collected_on"]) <= as_of and (
            not e.get("valid_until") or as_of <= dt.date.fromisoformat(e["valid_until"]))
        for c in e["supports"].split(";"):
            valid[c] = valid.get(c, False) or ok

    def implemented_leaves(ref: str) -> set[str]:
        out = {ref}
        changed = True
        while changed:  # a control implementing a heading implements everything below it
            changed = False
            for child, parent in parents.items():
                if parent in out and child not in out:
                    out.add(child)
                    changed = True
        return out

    status = {ref: "uncovered" for ref in assessable.values()}
    met: dict[str, set[str]] = {ref: set() for ref in assessable.values()}
    for c in rows(folder, "controls"):
        if not valid.get(c["id"]) or c["status"] not in ("implemented", "partial"):
            continue
        reached: set[str] = set()
        named: set[str] = set()
        for text in filter(None, (t.strip() for t in c.get("implements", "").split(";"))):
            if text.startswith("hub:"):
                named.add(text)
            else:
                reached |= implemented_leaves(str(parse_ref(text)))
        meets = named | {a for p in reached for a in demands.get(p, ())}
        for r in status:
            if r in demands:
                if c["status"] == "implemented":
                    met[r] |= demands[r] & (meets if via else named | (demands[r] if r in reached else set()))
                continue
            kinds = ({"equal"} if r in reached else set())
            for p in reached:
                kinds |= rel.get((r, p), set())
            full = bool(kinds & FULL)
            part = bool(kinds & (FULL | PART))
            if full and c["status"] == "implemented":
                status[r] = "covered"
            elif part and status[r] == "uncovered":
                status[r] = "partial"
    out: dict[str, tuple[str, list[str] | None]] = {}
    for r, st in status.items():
        if r in demands:   # decomposed (a provision demanding nothing is covered by definition)
            left = sorted(demands[r] - met[r])
            out[r] = ("covered" if not left else ("partial" if met[r] else "uncovered"), left)
        else:
            out[r] = (st, None)
    return out


@pytest.fixture(scope="module")
def catalogue_facts():
    s = open_store()
    build(s, include_mappings=False)
    from clausegraph.engine.catalogue import Catalogue

    cat = Catalogue(s)
    parents = {str(p.ref): (str(cat.provisions[p.parent].ref) if p.parent else None) for p in cat.provisions.values()}
    assess = {}
    for key in ("iso42001", "iso27001", "euaiact", "nist-ai-rmf"):
        rs = s.select(f"PREFIX cg: <https://w3id.org/clausegraph/ontology#> PREFIX skos: <http://www.w3.org/2004/02/"
                      f"skos/core#> SELECT ?p WHERE {{ ?p cg:assessable true ; skos:inScheme "
                      f"<https://w3id.org/clausegraph/id/{key}> }}").rows
        assess[key] = {r["p"].value: str(iri_to_ref(r["p"].value)) for r in rs}
    return assess, parents


def check(folder: Path, as_of: dt.date, facts, frameworks=("iso42001", "iso27001", "euaiact", "nist-ai-rmf")):
    assess, parents = facts
    store = open_store()
    build(store, register=folder)
    for key in frameworks:
        for via in (False, True):
            doc = framework_coverage(store, key, as_of, via)
            got = {p["ref"]: (p["status"], p["left"]) for p in doc["provisions"]}
            in_force = set(got)
            for p in doc["provisions"]:   # left is empty exactly for covered provisions
                if p["left"] is not None:
                    assert (p["left"] == []) == (p["status"] == "covered"), p
                    assert p["left"] == [r["id"] for r in p["requirements"] if not r["met"]], p
                    assert all(bool(r["by"]) == r["met"] for r in p["requirements"]), p
            expected = {r: s for r, s in brute_force(folder, key, as_of, via, assess[key], parents).items()
                        if r in in_force}
            assert got == expected, (key, via, {r for r in got if got[r] != expected.get(r)})


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_coverage_matches_brute_force_on_generated_registers(tmp_path, catalogue_facts, seed):
    rnd = random.Random(seed)
    assess, _ = catalogue_facts
    pool = [r for key in assess for r in assess[key].values()]
    atoms = sorted({a for ats in hub_atoms().values() for a in ats})
    # provisions, two headings and hub atoms named directly
    refs = rnd.sample(pool, 40) + ["euaiact:Art. 12", "iso42001:A.6"] + rnd.sample(atoms, 15)
    folder = generate(tmp_path / "reg", systems=30, seed=seed, defect_rate=0.25, refs=refs).path
    check(folder, dt.date(2026, 11, 23), catalogue_facts)


def test_coverage_matches_brute_force_on_the_example(catalogue_facts):
    for day in (dt.date(2026, 3, 1), dt.date(2026, 11, 23), dt.date(2027, 6, 1)):
        check(EXAMPLE, day, catalogue_facts)


def test_coverage_json_contract_and_many_to_many():
    res = run_main("coverage", "--register", str(EXAMPLE), "--framework", "euaiact", "--via-mappings",
                  "--as-of", "2026-11-23", "--format", "json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert set(doc) == {"framework", "as_of", "via_mappings", "summary", "provisions"}
    assert doc["framework"] == "euaiact" and doc["via_mappings"] is True
    s = doc["summary"]
    assert s["provisions"] == s["covered"] + s["partial"] + s["uncovered"] == len(doc["provisions"])
    for p in doc["provisions"]:
        assert set(p) == {"ref", "status", "controls", "evidence", "paths", "requirements", "left"}
        if p["status"] != "uncovered" and p["requirements"] != []:   # [] demands nothing: covered, no path
            assert p["paths"] and all(path[0] == p["ref"] for path in p["paths"])
            assert {path[-2] for path in p["paths"]} == set(p["controls"])
    assert any(len(p["controls"]) > 1 for p in doc["provisions"]), "all contributing controls are kept"


def test_system_coverage_uses_the_systems_obligations_and_controls():
    doc = json.loads(run_main("coverage", "--register", str(EXAMPLE), "--system", "hr-cv-ranker", "--as-of",
                             "2026-11-23", "--format", "json").stdout)
    assert doc["system"] == "hr-cv-ranker" and doc["framework"] == "euaiact"
    refs = {p["ref"] for p in doc["provisions"]}
    assert "euaiact:Art. 9(1)" in refs and "euaiact:Art. 26(1)" not in refs


def test_coverage_needs_a_framework_or_a_system():
    assert run_main("coverage", "--register", str(EXAMPLE)).returncode == 2
    assert run_main("coverage", "--register", str(EXAMPLE), "--system", "nope").returncode == 2


def test_coverage_matrix_agrees_with_gaps_assuming_the_source_complete():
    """The heatmap's numbers: one pass over the relation index gives what gaps(..., assume_complete) gives."""
    from clausegraph.engine.coverage import coverage_matrix
    from clausegraph.engine.gaps import gaps

    s = open_store()
    build(s)
    day = dt.date(2026, 11, 23)
    m = coverage_matrix(s, day)
    assert len(m["cells"]) == 12
    for cell in m["cells"].values():
        g = gaps(s, cell["target"], day, from_key=cell["source"], assume_complete=True)["summary"]
        assert (cell["partial"], cell["uncovered"]) == (g["partial"], g["uncovered"])
        assert cell["covered"] + cell["partial"] + cell["uncovered"] == cell["total"] == m["totals"][cell["target"]]
