"""OSCAL interchange: every exported document is valid against NIST's JSON schema of the version it declares
and read back by compliance-trestle; contents are checked against the graph (the oracle); an exported catalog
re-imported gives the same provisions and hierarchy; a third-party catalog becomes a working framework; malformed
catalogs are refused with located problems and nothing written."""
from __future__ import annotations

import copy
import datetime as dt
import hashlib
import itertools
import json
import subprocess
import sys

import pytest

from clausegraph.engine import queries as q
from clausegraph.engine.build import build
from clausegraph.engine.catalogue import Catalogue, frameworks, register_added_frameworks, show
from clausegraph.engine.crosswalk import crosswalk
from clausegraph.engine.errors import UserInputError
from clausegraph.engine.oscal import (OSCAL_VERSION, add_framework, export_assessment_results, export_catalog,
                                      export_mapping, read_catalog)
from clausegraph.engine.oscal.importer import read_catalog_file
from clausegraph.engine.oscal.common import control_id
from clausegraph.engine.refs import FRAMEWORK_KEYS, framework_iri, iri_to_ref, parse_ref
from clausegraph.engine.store import open_store

from .conftest import DATA, ROOT
from .oscal_schema import schema_errors, schema_version, trestle_read

AS_OF = dt.date(2026, 12, 4)
THIRD_PARTY = DATA / "oscal" / "third-party-catalog.json"


@pytest.fixture(scope="module")
def org_store():
    s = open_store()
    build(s, register=ROOT / "examples" / "acme")
    return s


def _walk(container: dict, parent: str | None = None):
    """(item, kind: group|control, parent id) for every group and control, depth first."""
    for name, kind in (("groups", "group"), ("controls", "control")):
        for item in container.get(name, []):
            yield item, kind, parent
            yield from _walk(item, item["id"])


def _props(item: dict) -> dict[str, str]:
    return {p["name"]: p["value"] for p in item.get("props", [])}


def test_declared_version_is_the_schema_version():
    assert OSCAL_VERSION == schema_version("catalog") == schema_version("mapping-collection")


@pytest.mark.parametrize("key", FRAMEWORK_KEYS)
def test_catalog_export_is_valid_and_complete(org_store, key):
    doc = export_catalog(org_store, framework=key, as_of=AS_OF)
    assert schema_errors(doc) == []
    assert trestle_read(doc).metadata.oscal_version.root.root == OSCAL_VERSION
    items = list(_walk(doc["catalog"]))
    # oracle: the provisions in force on the date, from the graph, with their titles, parents and summaries
    rows = org_store.select(q.render("framework-provisions", framework=q.iri(framework_iri(key)),
                                     as_of=q.date(AS_OF))).values()
    by_ref = {str(iri_to_ref(r["p"])): r for r in rows}
    got = {_props(i)["reference"]: (i, kind, parent) for i, kind, parent in items}
    assert set(got) == set(by_ref)
    ids = [i["id"] for i, _, _ in items]
    assert len(ids) == len(set(ids))
    for ref, (item, kind, parent) in got.items():
        r = by_ref[ref]
        assert item["id"] == control_id(parse_ref(ref))
        assert item["title"] == (r.get("title") or parse_ref(ref).id)
        assert _props(item)["label"] == parse_ref(ref).id
        assert (parent == control_id(iri_to_ref(r["parent"]))) if "parent" in r else parent is None
        statement = [p["prose"] for p in item.get("parts", []) if p["name"] == "statement"]
        assert statement == ([r["summary"]] if "summary" in r else [])   # own-words summaries only
        assert _props(item)["assessable"] == ("true" if r["assessable"] else "false")
        if r["assessable"]:
            assert kind == "control"          # every requirement is an OSCAL control
        if "source" in r:
            assert item["links"][0]["href"] == r["source"]


def test_catalog_follows_the_amendment_overlay(org_store):
    def refs(as_of):
        return {_props(i)["reference"] for i, _, _ in _walk(export_catalog(org_store, framework="euaiact",
                                                                          as_of=as_of)["catalog"])}
    adopted, amended = refs(dt.date(2024, 8, 1)), refs(AS_OF)
    assert "euaiact:Art. 4a" not in adopted and "euaiact:Art. 4a" in amended
    doc = export_catalog(org_store, framework="euaiact", as_of=AS_OF)
    art = next(i for i, _, _ in _walk(doc["catalog"]) if _props(i)["reference"] == "euaiact:Art. 4a")
    assert _props(art)["in-force-from"] > "2024-08-01"
    # application dates in the props are the ones the catalogue resolves for the as-of date
    cat = Catalogue.of(org_store)
    for item, _, _ in _walk(doc["catalog"]):
        p = _props(item)
        app = cat.application(parse_ref(p["reference"]).iri, AS_OF)
        assert p.get("applies-from") == (app["applies_from"].isoformat() if app["applies_from"] else None)


PAIRS = list(itertools.combinations(FRAMEWORK_KEYS, 2))


@pytest.mark.parametrize("a,b", PAIRS)
def test_mapping_export_matches_the_crosswalk(org_store, a, b):
    for src, dst in ((a, b), (b, a)):
        rows = crosswalk(org_store, src, dst, inferred=True)
        doc = export_mapping(rows, from_key=src, to_key=dst)
        assert schema_errors(doc) == []
        trestle_read(doc)
        maps = doc["mapping-collection"]["mappings"][0]["maps"]
        expected = {(control_id(m.subject), control_id(m.object), m.relationship, m.rationale, m.strength, m.derived)
                    for m in rows if m.object is not None}
        names = {"equal-to": "equal", "subset-of": "subset_of", "superset-of": "superset_of",
                 "intersects-with": "intersects_with", "no-relationship": "not_related"}
        got = {(m["sources"][0]["id-ref"], m["targets"][0]["id-ref"],
                names.get(m["relationship"], m["relationship"]), m["matching-rationale"],
                int(_props(m)["strength"]), _props(m)["derived"] == "true") for m in maps}
        assert got == expected
        unmapped = {control_id(m.subject) for m in rows if m.object is None}
        gap = doc["mapping-collection"]["mappings"][0].get("source-gap-summary")
        assert (set(gap["unmapped-controls"][0]["with-ids"]) if gap else set()) == unmapped


@pytest.mark.parametrize("a,b", PAIRS)
def test_mapping_export_via_hub_is_the_set_relation_of_the_atoms(org_store, a, b):
    """Oracle: each map's relationship is recomputed here from the two provisions' atom sets (plain set
    comparison), and its via-atom props are exactly the shared atoms."""
    from clausegraph.engine.hub import hub_crosswalk, hub_index

    atoms = hub_index(org_store).atoms_by_ref()
    by_id = {control_id(r): ids for r, ids in atoms.items()}

    def set_relation(x: frozenset, y: frozenset) -> str:
        return ("equal" if x == y else "subset_of" if x < y else "superset_of" if x > y
                else "intersects_with" if x & y else "not_related")

    names = {"equal-to": "equal", "subset-of": "subset_of", "superset-of": "superset_of",
             "intersects-with": "intersects_with"}
    src, dst = a, b
    doc = export_mapping(hub_crosswalk(org_store, src, dst), from_key=src, to_key=dst, via_hub=True)
    assert schema_errors(doc) == []
    trestle_read(doc)
    collection = doc["mapping-collection"]
    assert _props(collection["metadata"])["via-hub"] == "true"
    maps = collection["mappings"][0]["maps"]
    assert maps, f"the hub relates no {src} provision to {dst}"
    for m in maps:
        s_id, o_id = m["sources"][0]["id-ref"], m["targets"][0]["id-ref"]
        x, y = by_id[s_id], by_id[o_id]
        assert names[m["relationship"]] == set_relation(x, y) != "not_related", (s_id, o_id)
        assert sorted(p["value"] for p in m["props"] if p["name"] == "via-atom") == sorted(x & y)
    got = {(m["sources"][0]["id-ref"], m["targets"][0]["id-ref"]) for m in maps}
    sources = {control_id(r) for r in atoms if r.key == src and atoms[r]}
    targets = {control_id(r) for r in atoms if r.key == dst and atoms[r]}
    assert got == {(s, o) for s in sources for o in targets if by_id[s] & by_id[o]}


def test_assessment_results_cite_provisions_and_evidence(org_store):
    from clausegraph.engine.coverage import framework_coverage
    from clausegraph.engine.validate import validate

    doc = export_assessment_results(org_store, as_of=AS_OF)
    assert schema_errors(doc) == []
    trestle_read(doc)
    result = doc["assessment-results"]["results"][0]
    observations = {o["uuid"]: o for o in result["observations"]}
    coverage_findings = [f for f in result["findings"] if "coverage" in _props(f)]
    expected = {}
    for key in FRAMEWORK_KEYS:
        for p in framework_coverage(org_store, key, AS_OF)["provisions"]:
            expected[p["ref"]] = p
    assert {_props(f)["reference"]: _props(f)["coverage"] for f in coverage_findings} == \
        {r: p["status"] for r, p in expected.items()}
    for f in coverage_findings:
        p = expected[_props(f)["reference"]]
        assert f["target"]["target-id"] == control_id(parse_ref(p["ref"]))
        assert f["target"]["status"]["state"] == ("satisfied" if p["status"] == "covered" else "not-satisfied")
        linked = {_props(observations[o["observation-uuid"]])["evidence-id"] for o in f.get("related-observations", [])}
        assert linked == set(p["evidence"])
    # each observation carries the evidence's digest: for local files, the file's real sha256
    register = ROOT / "examples" / "acme"
    checked = 0
    for o in observations.values():
        ev = o["relevant-evidence"][0]
        if "href" in ev and not ev["href"].startswith("http") and (register / ev["href"]).is_file():
            digest = {p["name"]: p["value"] for p in ev.get("props", [])}["sha256"]
            assert digest == hashlib.sha256((register / ev["href"]).read_bytes()).hexdigest()
            checked += 1
    assert checked > 10
    validation = [f for f in result["findings"] if "shape" in _props(f)]
    assert len(validation) == len(validate(org_store, AS_OF).findings)


def _provision_table(store, key: str, as_of: dt.date | None = None) -> set[tuple]:
    rows = store.select(q.render("framework-provisions", framework=q.iri(framework_iri(key)),
                                 as_of=q.date(as_of or AS_OF))).values()
    ids = {r["p"]: parse_ref(str(iri_to_ref(r["p"]))).id for r in rows}
    return {(ids[r["p"]], r.get("title"), ids.get(r.get("parent")), r["kind"], bool(r["assessable"])) for r in rows}


@pytest.mark.parametrize("key", FRAMEWORK_KEYS)
def test_exported_catalog_round_trips(org_store, key, tmp_path):
    path = tmp_path / f"{key}.json"
    path.write_text(json.dumps(export_catalog(org_store, framework=key, as_of=AS_OF)))
    fresh = open_store()
    build(fresh)
    added = add_framework(fresh, path=path, key=f"rt-{key}")
    assert _provision_table(fresh, f"rt-{key}") == _provision_table(org_store, key)
    assert added.assessable == len(org_store.select(q.render(
        "assessable-provisions", framework=q.iri(framework_iri(key)), as_of=q.date(AS_OF))).rows)


def _python(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_third_party_catalog_becomes_a_framework(tmp_path):
    store_dir = tmp_path / "store"
    opened = (f"from clausegraph.engine.facade import Clausegraph; cg = Clausegraph.open(store_dir={str(store_dir)!r}, "
              "build='if-missing'); s = cg.store; ")
    # one process adds the catalog; a second one, which never saw it, finds the key in the store
    assert _python(opened + "from clausegraph.engine.oscal import add_framework; "
                   f"a = add_framework(s, path={str(THIRD_PARTY)!r}, key='example-baseline'); "
                   "print(a.provisions, a.assessable)") == "7 5"
    assert _python(opened + "import datetime as dt; from clausegraph.engine.catalogue import show; "
                   "print(show(s, 'Example-Baseline:AC-2(1)', dt.date(2026, 12, 4))['parent']['ref'])"
                   ) == "example-baseline:AC-2"
    s = open_store(store_dir)
    register_added_frameworks(s)
    fw = {f["key"]: f for f in frameworks(s, AS_OF)}["example-baseline"]
    assert fw["counts"] == {"family": 2, "control": 4, "enhancement": 1}
    d = show(s, "example-baseline:AC-1", AS_OF)
    assert d["summary"] == "Write down an access control policy. Review it every year."   # guidance left out
    assert d["source"] == "https://example.org/baseline#ac-1"
    # the new framework exports again as a valid catalog, in natural order (AC-2 before AC-10)
    doc = export_catalog(s, framework="example-baseline", as_of=AS_OF)
    assert schema_errors(doc) == []
    family = doc["catalog"]["groups"][0]
    assert [_props(c)["label"] for c in family["controls"]] == ["AC-1", "AC-2", "AC-10"]
    # build keeps an added framework
    build(s)
    assert "example-baseline" in {f["key"] for f in frameworks(s, AS_OF)}
    s.close()


BAD = [
    ("not a catalog", {"profile": {}}, "$"),
    ("no metadata title", lambda d: d["catalog"]["metadata"].pop("title"), "$.catalog.metadata.title"),
    ("duplicate id", lambda d: d["catalog"]["groups"][1]["controls"][0].update(id="ac-1"),
     "$.catalog.groups[1].controls[0].id"),
    ("bad token id", lambda d: d["catalog"]["groups"][0]["controls"][0].update(id="1 ac"),
     "$.catalog.groups[0].controls[0].id"),
    ("title not a string", lambda d: d["catalog"]["groups"][0]["controls"][2].update(title=7),
     "$.catalog.groups[0].controls[2].title"),
    ("group inside a control", lambda d: d["catalog"]["groups"][0]["controls"][0].update(groups=[{"id": "x", "title": "X"}]),
     "$.catalog.groups[0].controls[0].groups"),
    ("duplicate label", lambda d: d["catalog"]["groups"][1]["controls"][0]["props"][0].update(value="AC-1"),
     "$.catalog.groups[1].controls[0].props"),
    ("controls not a list", lambda d: d["catalog"]["groups"][1].update(controls={"id": "x"}),
     "$.catalog.groups[1].controls"),
]


@pytest.mark.parametrize("name,change,path", BAD, ids=[b[0] for b in BAD])
def test_malformed_catalogs_are_refused_with_their_json_path(name, change, path):
    doc = json.loads(THIRD_PARTY.read_text())
    if callable(change):
        change(doc)
    else:
        doc = change
    with pytest.raises(UserInputError) as err:
        read_catalog(doc, key="broken-one")
    assert path in [p.path for p in err.value.problems], [str(p) for p in err.value.problems]


def test_all_problems_at_once_and_nothing_written(tmp_path):
    doc = json.loads(THIRD_PARTY.read_text())
    doc["catalog"]["metadata"].pop("title")
    doc["catalog"]["groups"][0]["controls"][1]["title"] = ""
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    s = open_store()
    build(s)
    before = s.graphs()
    with pytest.raises(UserInputError) as err:
        add_framework(s, path=bad, key="broken-two")
    assert len(err.value.problems) == 2
    assert s.graphs() == before


@pytest.mark.parametrize("key", ["iso42001", "EU-AI-ACT", "x", "Bad Key", "9lives"])
def test_keys_that_cannot_name_an_added_framework(key):
    with pytest.raises(UserInputError):
        read_catalog(json.loads(THIRD_PARTY.read_text()), key=key)


def test_catalog_nested_too_deeply_is_refused_not_a_crash(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text('{"catalog": ' * 5000 + "{}" + "}" * 5000)   # valid JSON, deeper than any parser recursion
    with pytest.raises(UserInputError) as err:
        read_catalog_file(deep, key="deep-one")
    assert "nested" in err.value.message
    doc = json.loads(THIRD_PARTY.read_text())
    group = doc["catalog"]["groups"][0]
    for i in range(420):                          # about as deep as the JSON parser allows: groups in groups
        group["groups"] = [{"id": f"g{i}", "title": f"G{i}"}]
        group = group["groups"][0]
    deep.write_text(json.dumps(doc))
    try:
        read_catalog_file(deep, key="deep-two")
    except UserInputError as exc:
        assert "nested" in exc.message or exc.problems


def test_catalog_with_a_key_given_twice_is_refused_at_its_json_path(tmp_path):
    text = THIRD_PARTY.read_text()
    doc = json.loads(text)
    first = doc["catalog"]["groups"][0]["controls"][1]
    dup = tmp_path / "dup.json"
    dup.write_text(text.replace(f'"title": {json.dumps(first["title"])}',
                                f'"title": {json.dumps(first["title"])}, "title": "Another title"', 1))
    assert json.loads(dup.read_text())["catalog"]["groups"][0]["controls"][1]["title"] == "Another title"
    with pytest.raises(UserInputError) as err:
        read_catalog_file(dup, key="dup-one")
    assert [(p.path, "'title'" in p.message) for p in err.value.problems] == [("$.catalog.groups[0].controls[1]",
                                                                                True)]


# ---------------------------------------------------------------- the doors: CLI and REST

def _cli(capsys, *args: str) -> tuple[int, str, str]:
    from clausegraph.api.cli import main

    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_exports_write_valid_documents(capsys, tmp_path):
    code, out, _ = _cli(capsys, "export", "oscal-catalog", "--framework", "nist-ai-rmf", "--as-of", "2026-12-04")
    assert code == 0 and schema_errors(json.loads(out)) == []
    target = tmp_path / "map.json"
    code, _, err = _cli(capsys, "export", "oscal-mapping", "--from", "nist-ai-rmf", "--to", "iso42001", "-o", str(target))
    assert code == 0 and f"wrote {target}" in err and schema_errors(json.loads(target.read_text())) == []
    code, out, _ = _cli(capsys, "export", "oscal-mapping", "--from", "euaiact", "--to", "iso42001", "--via-hub")
    doc = json.loads(out)
    assert code == 0 and schema_errors(doc) == [] and _props(doc["mapping-collection"]["metadata"])["via-hub"] == "true"
    assert any(p["name"] == "via-atom" for m in doc["mapping-collection"]["mappings"][0]["maps"] for p in m["props"])
    code, out, _ = _cli(capsys, "export", "oscal-assessment-results", "--register", str(ROOT / "examples" / "acme"),
                        "--as-of", "2026-12-04")
    doc = json.loads(out)
    assert code == 0 and schema_errors(doc) == [] and doc["assessment-results"]["results"][0]["findings"]


def test_cli_user_mistakes_exit_2(capsys, tmp_path):
    assert _cli(capsys, "export", "oscal-catalog", "--framework", "iso4200")[0] == 2
    assert _cli(capsys, "export", "oscal-mapping", "--from", "iso42001", "--to", "iso42001")[0] == 2
    code, _, err = _cli(capsys, "export", "oscal-mapping", "--from", "euaiact", "--to", "iso42001", "--via-hub",
                        "--inferred")
    assert code == 2 and "hub" in err
    code, _, err = _cli(capsys, "export", "oscal-assessment-results")   # no register
    assert code == 2 and "register" in err
    code, _, err = _cli(capsys, "framework", "add", "--oscal", str(THIRD_PARTY), "--key", "x-base")
    assert code == 2 and "--store" in err                                 # nothing to keep it in
    from .conftest import run_cli

    store = tmp_path / "store"     # an on-disk store: each step in its own process, as users run them
    assert run_cli("build", "--store", str(store), "--format", "json").returncode == 0
    bad = tmp_path / "bad.json"
    bad.write_text('{"catalog": {"metadata": {"title": "t"}, "groups": [{"id": "a"}]')   # cut short
    r = run_cli("framework", "add", "--oscal", str(bad), "--key", "x-base", "--store", str(store))
    assert r.returncode == 2 and "line 1" in r.stderr and "Traceback" not in r.stderr
    bad.write_text(json.dumps({"catalog": {"metadata": {"title": "t"}, "groups": [{"id": "a"}, {"id": "a", "title": 3}]}}))
    r = run_cli("framework", "add", "--oscal", str(bad), "--key", "x-base", "--store", str(store))
    assert r.returncode == 2
    for where in ("$.catalog.metadata.version", "$.catalog.groups[0].title", "$.catalog.groups[1].id",
                  "$.catalog.groups[1].title"):
        assert where in r.stderr, r.stderr
    r = run_cli("frameworks", "--store", str(store), "--format", "json")
    assert r.returncode == 0 and "x-base" not in r.stdout                 # nothing was written


def test_added_framework_is_covered_through_the_register(tmp_path):
    """Each step a separate process, as a user runs them (an on-disk store is locked by the process using it)."""
    import shutil

    from .conftest import run_cli

    store = tmp_path / "store"
    assert run_cli("build", "--store", str(store), "--format", "json").returncode == 0
    r = run_cli("framework", "add", "--oscal", str(THIRD_PARTY), "--key", "example-baseline", "--store", str(store),
                "--format", "json")
    assert r.returncode == 0 and json.loads(r.stdout)["provisions"] == 7, r.stderr
    register = tmp_path / "register"
    shutil.copytree(ROOT / "examples" / "acme", register)
    with open(register / "controls.csv", "a", encoding="utf-8") as f:
        f.write("CTL-AC-01,Access control policy,IT Security,implemented,example-baseline:AC-1,,\n")
    with open(register / "evidence.csv", "a", encoding="utf-8") as f:
        f.write("EV-AC-01,Access policy,CTL-AC-01,https://intranet.example/ac-policy,,2026-01-10,,policy\n")
    r = run_cli("import", "--register", str(register), "--store", str(store))
    assert r.returncode == 0, r.stderr
    r = run_cli("coverage", "--framework", "example-baseline", "--store", str(store), "--as-of", "2026-12-04",
                "--format", "json")
    assert r.returncode == 0, r.stderr
    status = {p["ref"]: p["status"] for p in json.loads(r.stdout)["provisions"]}
    assert status == {"example-baseline:AC-1": "covered", "example-baseline:AC-2": "uncovered",
                      "example-baseline:AC-2(1)": "uncovered", "example-baseline:AC-10": "uncovered",
                      "example-baseline:IR-6": "uncovered"}


def test_rest_downloads(tmp_path):
    from .api.conftest import close_client, make_client

    s = open_store()
    build(s)
    client = make_client(s, register_path=str(ROOT / "examples" / "acme"), workers=1)
    try:
        r = client.get("/api/oscal/catalog/iso42001", params={"as_of": "2026-12-04", "download": "true"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
        assert 'filename="clausegraph-iso42001-catalog.json"' in r.headers["content-disposition"]
        assert schema_errors(r.json()) == []
        r = client.get("/api/oscal/mapping", params={"from": "euaiact", "to": "nist-ai-rmf"})
        assert r.status_code == 200 and schema_errors(r.json()) == [] and "content-disposition" not in r.headers
        r = client.get("/api/oscal/mapping", params={"from": "euaiact", "to": "nist-ai-rmf", "via_hub": "true"})
        assert r.status_code == 200 and schema_errors(r.json()) == []
        assert _props(r.json()["mapping-collection"]["metadata"])["via-hub"] == "true"
        assert client.get("/api/oscal/mapping", params={"from": "euaiact", "to": "nist-ai-rmf", "via_hub": "true",
                                                        "inferred": "true"}).status_code == 400
        r = client.get("/api/oscal/assessment-results", params={"as_of": "2026-12-04"})
        assert r.status_code == 200 and schema_errors(r.json()) == []
        assert client.get("/api/oscal/catalog/iso4200").status_code == 404
        assert client.get("/api/oscal/mapping", params={"from": "iso42001", "to": "iso42001"}).status_code == 400
    finally:
        close_client(client)
