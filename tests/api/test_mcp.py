"""The MCP door with a real MCP client (the official SDK) talking to ``clausegraph mcp`` over stdio: initialise,
list the tools and resources, call show / coverage / trace / classify / gaps / crosswalk / query; each answer is
checked against the facade (the engine, in process) and cites provisions with their source links."""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
from pathlib import Path

import pytest

from ..conftest import ROOT

REGISTER = ROOT / "examples" / "acme"
AS_OF = "2026-09-01"
pytestmark = pytest.mark.slow


def call(args: list[str], script):
    """Start ``clausegraph mcp ARGS`` and run ``script(session)`` with an initialised client session."""
    from mcp.client.session import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    exe = str(Path(sys.executable).parent / "clausegraph")

    async def main():
        params = StdioServerParameters(command=exe, args=["mcp", *args])
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                init = await session.initialize()
                return init, await script(session)

    return asyncio.run(asyncio.wait_for(main(), 240))


def payload(result) -> dict:
    assert not result.is_error, result.content
    return result.structured_content if result.structured_content is not None else json.loads(result.content[0].text)


@pytest.fixture(scope="module")
def facade():
    from clausegraph.engine import Clausegraph

    return Clausegraph.open(register=str(REGISTER))


@pytest.fixture(scope="module")
def session_results():
    """One server for the read-only checks: every call's raw result."""

    async def script(s):
        out = {"tools": await s.list_tools(), "resources": await s.list_resources(),
               "templates": await s.list_resource_templates()}
        out["show"] = await s.call_tool("show", {"ref": "euaiact:Art. 26(1)", "as_of": AS_OF})
        out["coverage"] = await s.call_tool("coverage", {"framework": "iso42001", "as_of": AS_OF})
        out["trace"] = await s.call_tool("trace", {"control": "CTL-GOV-01", "as_of": AS_OF})
        out["classify"] = await s.call_tool("classify", {"as_of": AS_OF})
        out["gaps"] = await s.call_tool("gaps", {"target": "euaiact", "as_of": AS_OF})
        out["crosswalk"] = await s.call_tool("crosswalk", {"from_key": "nist-ai-rmf", "to_key": "iso42001"})
        out["unknown"] = await s.call_tool("show", {"ref": "euaiact:Art. 26(13)"})
        out["two"] = await s.call_tool("trace", {"ref": "euaiact:Art. 26(1)", "control": "CTL-GOV-01"})
        out["timestamp"] = await s.call_tool("show", {"ref": "euaiact:Art. 26(1)", "as_of": "0"})
        out["basic_date"] = await s.call_tool("classify", {"as_of": "20260901"})
        out["query"] = await s.call_tool("query", {"sparql": "SELECT ?s WHERE { ?s ?p ?o }"})
        out["ask"] = await s.call_tool("query", {"sparql": "ASK { ?s a <https://w3id.org/clausegraph/ontology#Provision> }"})
        out["update"] = await s.call_tool("query", {"sparql": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"})
        out["frameworks"] = await s.read_resource("clausegraph://frameworks")
        out["named"] = await s.read_resource("clausegraph://queries/coverage")
        return out

    init, out = call(["--register", str(REGISTER), "--max-rows", "25", "--query-timeout", "20"], script)
    out["init"] = init
    return out


def test_initialise_and_list_tools(session_results):
    assert session_results["init"].server_info.name == "clausegraph"
    names = {t.name for t in session_results["tools"].tools}
    assert {"show", "coverage", "trace", "classify", "gaps", "crosswalk", "query"} <= names
    uris = {str(r.uri) for r in session_results["resources"].resources}
    assert {"clausegraph://frameworks", "clausegraph://queries"} <= uris
    assert any("queries/{name}" in t.uri_template for t in session_results["templates"].resource_templates)


def test_show_answers_as_the_engine_and_cites_the_official_text(session_results, facade):
    doc = payload(session_results["show"])
    assert doc["answer"] == json.loads(json.dumps(facade.show(ref="euaiact:Art. 26(1)", as_of=dt.date(2026, 9, 1))))
    cited = {c["ref"]: c for c in doc["citations"]}
    assert cited["euaiact:Art. 26(1)"]["source"].startswith("https://eur-lex.europa.eu/")
    assert cited["euaiact:Art. 26(1)"]["title"] == doc["answer"]["title"]


def test_coverage_answers_as_the_engine_and_cites_every_provision(session_results, facade):
    doc = payload(session_results["coverage"])
    engine = facade.coverage(framework="iso42001", as_of=dt.date(2026, 9, 1))
    assert doc["answer"]["summary"] == engine["summary"]
    assert [p["ref"] for p in doc["answer"]["provisions"]] == [p["ref"] for p in engine["provisions"]]
    cited = {c["ref"] for c in doc["citations"]}
    assert {p["ref"] for p in engine["provisions"]} <= cited
    assert all(c["source"] for c in doc["citations"])


def test_other_tools_answer_as_the_engine(session_results, facade):
    day = dt.date(2026, 9, 1)
    assert payload(session_results["trace"])["answer"]["serves"] == facade.trace(control="CTL-GOV-01", as_of=day)["serves"]
    assert ([s["tier"] for s in payload(session_results["classify"])["answer"]["systems"]]
            == [s["tier"] for s in facade.classify(as_of=day)["systems"]])
    assert payload(session_results["gaps"])["answer"]["summary"] == facade.gaps(target="euaiact", as_of=day)["summary"]
    walk = payload(session_results["crosswalk"])
    assert len(walk["answer"]) == len(facade.crosswalk(from_key="nist-ai-rmf", to_key="iso42001"))
    assert any(c["ref"].startswith("nist-ai-rmf:") for c in walk["citations"])


def test_user_errors_are_tool_errors_with_the_engine_message(session_results):
    unknown = session_results["unknown"]
    assert unknown.is_error and "did you mean" in unknown.content[0].text
    two = session_results["two"]
    assert two.is_error and "exactly one" in two.content[0].text
    for bad in ("timestamp", "basic_date"):      # only YYYY-MM-DD, as at every door
        result = session_results[bad]
        assert result.is_error and "YYYY-MM-DD" in result.content[0].text, bad


def test_query_is_read_only_and_capped(session_results):
    rows = payload(session_results["query"])
    assert len(rows["results"]["bindings"]) == 25 and rows["truncated"] is True
    assert payload(session_results["ask"])["boolean"] is True
    update = session_results["update"]
    assert update.is_error and "read-only" in update.content[0].text


def test_resources(session_results, facade):
    fws = json.loads(session_results["frameworks"].contents[0].text)["frameworks"]
    assert [f["key"] for f in fws] == [f["key"] for f in facade.frameworks()]
    assert session_results["named"].contents[0].text == next(
        n.text for n in facade.named_queries() if n.name == "coverage")


def test_a_runaway_query_is_stopped():
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"

    async def script(s):
        return await s.call_tool("query", {"sparql": runaway})

    _, result = call(["--query-timeout", "1"], script)
    assert result.is_error and "1" in result.content[0].text
