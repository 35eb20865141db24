"""The command line: exit codes, one JSON document on stdout, errors on stderr without tracebacks, lazy imports."""
from __future__ import annotations

import json
import subprocess
import sys

from .conftest import run_cli, run_main


def test_query_prints_one_json_document():
    res = run_main("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", "json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert int(doc["results"]["bindings"][0]["n"]["value"]) > 10000


def test_query_from_file_and_csv(tmp_path):
    f = tmp_path / "q.rq"
    f.write_text("PREFIX cg: <https://w3id.org/clausegraph/ontology#> SELECT ?k WHERE { ?f cg:frameworkKey ?k } "
                 "ORDER BY ?k", encoding="utf-8")
    res = run_main("query", "--file", str(f), "--format", "csv")
    assert res.returncode == 0
    assert res.stdout.split() == ["k", "euaiact", "iso27001", "iso42001", "nist-ai-rmf"]


def test_bad_sparql_exits_2_without_traceback():
    res = run_main("query", "SELEKT * WHERE {}")
    assert res.returncode == 2
    assert "Traceback" not in res.stderr and "error" in res.stderr


def test_unknown_reference_exits_2_and_suggests():
    res = run_main("show", "euaiact:Art. 26(13)")
    assert res.returncode == 2
    assert "did you mean" in res.stderr and "Traceback" not in res.stderr


def test_bad_date_and_unknown_command_exit_2():
    assert run_main("frameworks", "--as-of", "2026-13-45").returncode == 2
    assert run_main("frobnicate").returncode == 2


def test_frameworks_json_contract():
    doc = json.loads(run_main("frameworks", "--as-of", "2024-08-01", "--format", "json").stdout)
    fw = {f["key"]: f for f in doc["frameworks"]}
    assert list(fw) == ["iso42001", "iso27001", "euaiact", "nist-ai-rmf"]
    assert fw["iso42001"]["counts"] == {"clause": 43, "objective": 11, "control": 38}
    assert set(fw["euaiact"]) == {"key", "title", "version", "counts", "published", "in_force", "in_force_from",
                                  "in_force_from_source", "in_force_from_status"}
    assert fw["euaiact"]["in_force"] and fw["euaiact"]["in_force_from"] == "2024-08-01"


def test_show_json_contract():
    doc = json.loads(run_main("show", "nist-ai-rmf:GV-1.1", "--format", "json").stdout)
    assert doc["ref"] == "nist-ai-rmf:GOVERN 1.1"
    assert {"ref", "iri", "title", "kind"} <= set(doc)
    doc = json.loads(run_main("show", "euaiact:Article 26(1)", "--format", "json").stdout)
    assert doc["addressees"] == ["deployer"]
    assert doc["applies_from"]["as_adopted"] != doc["applies_from"]["as_amended"]


def test_persistent_store_build_then_query(tmp_path):
    store = tmp_path / "store"
    assert run_main("query", "ASK {}", "--store", str(store)).returncode == 2  # not built yet: clear error
    built = run_main("build", "--store", str(store), "--format", "json")
    assert built.returncode == 0, built.stderr
    assert json.loads(built.stdout)["triples"] > 10000
    res = run_main("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--store", str(store), "--format", "json")
    assert res.returncode == 0


def test_help_does_not_import_heavy_modules():
    """--help stays fast: the RDF stack, rich and the web stack are imported lazily."""
    code = ("import sys; from clausegraph.api.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('pyoxigraph', 'rdflib', 'rich', 'fastapi', 'pyshacl', 'SPARQLWrapper', 'yaml')"
            " if m in sys.modules]\nprint('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert "HEAVY []" in out


def test_version():
    """The installed console script (a real process) runs the door's main."""
    res = run_cli("--version")
    assert res.returncode == 0 and res.stdout.startswith("clausegraph ")


def test_cli_builds_into_and_queries_a_remote_store():
    """--endpoint: the graph is loaded into a real Oxigraph server and every command answers from it."""
    from .conftest import ROOT, OxigraphServer

    server = OxigraphServer()   # a server of its own: this test replaces graphs
    try:
        url = f"{server.url}/query"
        built = run_main("build", "--endpoint", url, "--register", str(ROOT / "examples" / "acme"), "--format", "json")
        assert built.returncode == 0, built.stderr
        local = json.loads(run_main("frameworks", "--format", "json").stdout)
        remote = json.loads(run_main("frameworks", "--endpoint", url, "--format", "json").stdout)
        assert local["frameworks"] == remote["frameworks"]
        doc = json.loads(run_main("classify", "--endpoint", url, "--as-of", "2026-11-23", "--format", "json").stdout)
        assert len(doc["systems"]) >= 10
        show = json.loads(run_main("show", "euaiact:Art. 26(1)", "--endpoint", url, "--format", "json").stdout)
        assert show["addressees"] == ["deployer"]
    finally:
        server.stop()
