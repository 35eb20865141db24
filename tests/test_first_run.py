"""A new user's first steps (issue 14): store paths with missing parents, and a store that is not there."""
from __future__ import annotations

import json

import pytest

from .conftest import run_cli


def test_build_creates_missing_parent_folders(tmp_path):
    store = tmp_path / "missing" / "dir" / "store"
    res = run_cli("build", "--store", str(store), "--format", "json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["triples"] > 10000
    res = run_cli("query", "ASK { ?s ?p ?o }", "--store", str(store), "--format", "json")
    assert res.returncode == 0 and json.loads(res.stdout)["boolean"] is True


def test_relative_store_path_with_missing_parent(tmp_path):
    """The Makefile's default: .clausegraph/store, relative to a fresh clone without .clausegraph/."""
    res = run_cli("build", "--store", ".clausegraph/store", "--format", "json", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / ".clausegraph" / "store").is_dir()


def test_question_on_a_missing_store_creates_nothing_and_exits_2(tmp_path):
    where = tmp_path / "nonexistent"
    for args in (["frameworks"], ["show", "iso42001:4.1"], ["query", "ASK {}"], ["classify"]):
        res = run_cli(*args, "--store", str(where / "store"))
        assert res.returncode == 2, (args, res.stderr)
        assert "no clausegraph store" in res.stderr and "clausegraph build --store" in res.stderr
        assert "Traceback" not in res.stderr
    assert not where.exists()


def test_import_into_a_missing_store_creates_nothing(tmp_path):
    from .conftest import ROOT

    res = run_cli("import", "--register", str(ROOT / "examples" / "acme"), "--store", str(tmp_path / "x" / "s"))
    assert res.returncode == 2, res.stderr
    assert not (tmp_path / "x").exists()


def test_store_path_that_cannot_be_created_exits_2(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    for store in (blocker, blocker / "store"):
        res = run_cli("build", "--store", str(store))
        assert res.returncode == 2, res.stderr
        assert str(blocker) in res.stderr and "Traceback" not in res.stderr
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_store_in_use_by_another_process_exits_2(tmp_path):
    import subprocess
    import sys

    store = tmp_path / "store"
    assert run_cli("build", "--store", str(store)).returncode == 0
    holder = subprocess.Popen([sys.executable, "-c", "import sys, pyoxigraph; s = pyoxigraph.Store(sys.argv[1]); "
                               "print('open', flush=True); sys.stdin.read()", str(store)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        res = run_cli("build", "--store", str(store))
        assert res.returncode == 2, res.stderr
        assert "in use by another process" in res.stderr
    finally:
        holder.stdin.close()
        holder.wait(30)


# ---------------------------------------------------------------- item 6: frameworks exist from their publication

def frameworks_on(day: str) -> dict[str, dict]:
    res = run_cli("frameworks", "--as-of", day, "--format", "json")
    assert res.returncode == 0, res.stderr
    return {f["key"]: f for f in json.loads(res.stdout)["frameworks"]}


def test_no_framework_is_in_force_before_it_was_published():
    early = frameworks_on("2000-01-01")
    assert set(early) == {"iso42001", "iso27001", "euaiact", "nist-ai-rmf"}
    for f in early.values():
        assert f["in_force"] is False and f["in_force_from"] > "2000-01-01"
        assert sum(f["counts"].values()) == 0, f
    table = run_cli("frameworks", "--as-of", "2000-01-01").stdout
    assert table.count("not yet published") == 3 and "not yet in force" in table


def test_frameworks_between_publications():
    mid = frameworks_on("2023-06-01")
    assert mid["iso27001"]["in_force"] and mid["nist-ai-rmf"]["in_force"]
    assert mid["iso27001"]["counts"]["control"] == 93 and mid["nist-ai-rmf"]["counts"]["subcategory"] == 72
    assert not mid["iso42001"]["in_force"] and not mid["euaiact"]["in_force"]
    assert sum(mid["iso42001"]["counts"].values()) == 0 and sum(mid["euaiact"]["counts"].values()) == 0
    assert frameworks_on("2023-12-18")["iso42001"]["counts"]["control"] == 38
    assert frameworks_on("2023-12-17")["iso42001"]["in_force"] is False


def test_a_provision_is_not_in_force_before_its_framework_was_published():
    def in_force(ref: str, day: str) -> bool:
        return json.loads(run_cli("show", ref, "--as-of", day, "--format", "json").stdout)["in_force"]

    assert in_force("iso42001:A.6.2.8", "2023-01-01") is False and in_force("iso42001:A.6.2.8", "2024-01-01")
    assert in_force("nist-ai-rmf:GV-1.1", "2022-12-31") is False and in_force("nist-ai-rmf:GV-1.1", "2023-02-01")


def test_every_framework_date_has_a_source_and_a_verification_status(embedded_store):
    rows = embedded_store.select(
        "PREFIX cg: <https://w3id.org/clausegraph/ontology#> SELECT ?key ?from ?source ?status WHERE { "
        "?fw a cg:Framework ; cg:frameworkKey ?key . OPTIONAL { ?fw cg:inForceFrom ?from } "
        "OPTIONAL { ?fw cg:inForceFromSource ?source } OPTIONAL { ?fw cg:inForceFromStatus ?status } }").rows
    assert len(rows) == 4
    for r in rows:
        assert "from" in r and "source" in r and r["source"].value.startswith("https://"), r
        assert r["status"].value in ("verified", "secondary-sources", "unverified")
    dates = {r["key"].value: r["from"].value for r in rows}
    assert dates == {"iso42001": "2023-12-18", "iso27001": "2022-10-25", "nist-ai-rmf": "2023-01-26",
                     "euaiact": "2024-08-01"}


def test_overview_page_says_a_framework_is_not_yet_published():
    from fastapi.testclient import TestClient

    from clausegraph.api.app import create_app
    from clausegraph.engine.facade import Clausegraph

    cg = Clausegraph.open()
    with TestClient(create_app(cg.store)) as client:
        page = client.get("/", params={"as_of": "2023-06-01"}).text
    assert "Not yet published on this date: it exists from 2023-12-18." in page
    assert "Not yet in force on this date: it exists from 2024-08-01." in page


# ---------------------------------------------------------------- item 7: build keeps the register

SYSTEMS_QUERY = ("SELECT (COUNT(?s) AS ?n) WHERE { ?s a <https://w3id.org/clausegraph/ontology#AISystem> }")


def count_systems(store) -> int:
    res = run_cli("query", SYSTEMS_QUERY, "--store", str(store), "--format", "json")
    assert res.returncode == 0, res.stderr
    return int(json.loads(res.stdout)["results"]["bindings"][0]["n"]["value"])


def test_rebuilding_a_store_keeps_its_register_unless_told(tmp_path):
    from .conftest import ROOT

    store = tmp_path / "store"
    first = run_cli("build", "--store", str(store), "--register", str(ROOT / "examples" / "acme"), "--format", "json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["register"] == "loaded"
    n = count_systems(store)
    assert n >= 10
    again = run_cli("build", "--store", str(store))      # the README tour's rebuild, after make serve
    assert again.returncode == 0, again.stderr
    assert "register kept" in again.stdout and "--drop-register" in again.stdout
    assert count_systems(store) == n
    dropped = run_cli("build", "--store", str(store), "--drop-register", "--format", "json")
    assert dropped.returncode == 0 and json.loads(dropped.stdout)["register"] == "dropped"
    assert count_systems(store) == 0
    none = run_cli("build", "--store", str(store), "--format", "json")
    assert json.loads(none.stdout)["register"] == "none"


def test_drop_register_with_a_register_is_a_usage_error(tmp_path):
    from .conftest import ROOT

    res = run_cli("build", "--store", str(tmp_path / "s"), "--register", str(ROOT / "examples" / "acme"),
                  "--drop-register")
    assert res.returncode == 2 and not (tmp_path / "s").exists()


# ---------------------------------------------------------------- item 9: what a fresh machine needs

def test_readme_says_what_a_fresh_machine_needs():
    from .conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    assert "needs only" not in setup
    for needed in ("Python 3.11", "pip", "Java", "chromium", "apt-get", "root"):
        assert needed in setup, needed


def run_make_browser(tmp_path, *, chromium: bool, uid: int):
    """``make browser`` with a PATH holding only fakes: a chromium (or none), ``id`` and a recording apt-get."""
    import shutil
    import subprocess

    from .conftest import ROOT

    fake = tmp_path / "bin"
    fake.mkdir()
    calls = tmp_path / "apt-calls"
    scripts = {"id": f"#!/bin/sh\necho {uid}\n", "apt-get": f"#!/bin/sh\necho \"$@\" >> {calls}\n"}
    if chromium:
        scripts["chromium"] = "#!/bin/sh\nexit 0\n"
    for name, text in scripts.items():
        (fake / name).write_text(text, encoding="utf-8")
        (fake / name).chmod(0o755)
    env = {"PATH": str(fake), "HOME": str(tmp_path)}
    res = subprocess.run([shutil.which("make"), "-s", "-C", str(ROOT), "browser"], capture_output=True, text=True,
                         env=env, timeout=60)
    return res, (calls.read_text(encoding="utf-8").splitlines() if calls.exists() else [])


def test_make_browser_installs_nothing_where_chromium_exists(tmp_path):
    res, apt = run_make_browser(tmp_path, chromium=True, uid=1000)
    assert res.returncode == 0, res.stderr
    assert apt == []


def test_make_browser_without_root_says_what_to_do(tmp_path):
    res, apt = run_make_browser(tmp_path, chromium=False, uid=1000)
    assert res.returncode != 0 and apt == []
    assert "apt-get install" in res.stderr and "chromium" in res.stderr and "root" in res.stderr


def test_make_browser_as_root_installs_debian_chromium_once(tmp_path):
    res, apt = run_make_browser(tmp_path, chromium=False, uid=0)
    assert res.returncode == 0, res.stderr
    assert apt[0] == "update" and apt[1].startswith("install") and apt[1].split()[-1] == "chromium"


# ---------------------------------------------------------------- item 8: confusing output

def acme() -> str:
    from .conftest import ROOT

    return str(ROOT / "examples" / "acme")


def test_impact_without_losses_says_so_and_lists_systems_with_meaningful_columns():
    res = run_cli("impact", "--evidence", "EV-027", "--register", acme(), "--as-of", "2026-11-23",
                  "--format", "markdown")
    assert res.returncode == 0, res.stderr
    assert "no provision loses coverage" in res.stdout
    for line in res.stdout.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            assert all(cells), line            # no blank before/after columns
    assert "hr-cv-ranker" in res.stdout and "none" in res.stdout


def test_trace_tree_shows_no_empty_mapping_fields():
    res = run_cli("trace", "--evidence", "EV-027", "--register", acme(), "--as-of", "2026-11-23")
    assert res.returncode == 0, res.stderr
    assert ", , ]" not in res.stdout and ", ]" not in res.stdout
    assert "[implements]" in res.stdout


def test_gap_reasons_count_in_good_english():
    import re

    res = run_cli("gaps", "--register", acme(), "--target", "iso42001", "--from", "iso27001", "--as-of",
                  "2026-11-23", "--format", "json")
    whys = [g["why"] for g in json.loads(res.stdout)["gaps"]]
    assert not [w for w in whys if re.search(r"\b1 mapped provisions\b", w)]
    assert any(re.search(r"\b1 mapped provision\b", w) for w in whys)


def test_validate_and_soa_say_what_they_wrote(tmp_path):
    out = tmp_path / "report.xml"
    res = run_cli("validate", "--register", acme(), "--format", "junit", "-o", str(out))
    assert out.exists() and f"wrote {out}" in res.stderr, res.stderr
    soa = tmp_path / "soa.md"
    res = run_cli("soa", "--register", acme(), "--format", "markdown", "-o", str(soa))
    assert res.returncode == 0 and soa.exists() and f"wrote {soa}" in res.stderr


def test_every_nist_provision_links_to_the_official_text(embedded_store):
    rows = embedded_store.select(
        "PREFIX cg: <https://w3id.org/clausegraph/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        "PREFIX dcterms: <http://purl.org/dc/terms/> SELECT ?p ?source WHERE { ?p a cg:Provision ; skos:inScheme "
        "<https://w3id.org/clausegraph/id/nist-ai-rmf> . OPTIONAL { ?p dcterms:source ?source } }").rows
    assert len(rows) == 95
    assert {r["source"].value if "source" in r else None for r in rows} == {"https://doi.org/10.6028/NIST.AI.100-1"}
    doc = json.loads(run_cli("show", "nist-ai-rmf:GV-1.1", "--format", "json").stdout)
    assert doc["source"] == "https://doi.org/10.6028/NIST.AI.100-1"


@pytest.mark.parametrize("command,option,count,later_at_least", [("coverage", "--framework", "provisions", 51),
                                                                  ("gaps", "--target", "gaps", 1)])
def test_questions_before_publication_say_so(command, option, count, later_at_least):
    def ask(key: str, as_of: str, *fmt: str):
        return run_cli(command, "--register", acme(), option, key, "--as-of", as_of, *fmt).stdout

    doc = json.loads(ask("iso42001", "2020-01-01", "--format", "json"))
    assert doc["summary"][count] == 0
    assert "not yet published" in doc["note"] and "2023-12-18" in doc["note"]
    assert "not yet in force" in json.loads(ask("euaiact", "2020-01-01", "--format", "json"))["note"]
    assert "not yet published" in ask("iso42001", "2020-01-01")
    later = json.loads(ask("iso42001", "2026-11-23", "--format", "json"))
    assert later["summary"][count] >= later_at_least and "note" not in later
