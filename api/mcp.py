"""The Model Context Protocol door: the facade served to AI assistants over stdio (the official ``mcp`` SDK).

Tools: ``show``, ``coverage``, ``trace``, ``classify``, ``gaps``, ``crosswalk`` (each answer is
``{"answer": ..., "citations": [{ref, title, source}]}``: the provisions it rests on with links to their
official text) and ``query`` (read-only SPARQL, with the endpoint's timeout and row cap). Resources: the
frameworks (``clausegraph://frameworks``) and the named queries (``clausegraph://queries``,
``clausegraph://queries/{name}``).

A tool parses its arguments, calls one facade method and returns its answer; engine errors become MCP tool
errors carrying the same message (and suggestions) as on the command line.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any, Callable

from ..engine.errors import ClausegraphError, InvalidQueryError, UserInputError
from ..engine.facade import Clausegraph, parse_date
from .federation import check_services
from .settings import Settings

CITED_KEYS = ("ref", "subject", "object")
SPARQL_JSON = "application/sparql-results+json"


def cited_refs(doc: Any) -> list[str]:
    """Every provision reference an answer names (``ref``/``subject``/``object`` fields, provision nodes of a
    trace), in order of first appearance."""
    out: dict[str, None] = {}

    def walk(x: Any) -> None:
        if isinstance(x, dict):
            for k in CITED_KEYS:
                if isinstance(x.get(k), str):
                    out.setdefault(x[k])
            if x.get("kind") == "provision" and isinstance(x.get("id"), str):
                out.setdefault(x["id"])
            for v in x.values():
                walk(v)
        elif isinstance(x, (list, tuple)):
            for v in x:
                walk(v)

    walk(doc)
    return list(out)


def _day(text: str | None) -> dt.date | None:
    return None if text is None else parse_date(text, name="as_of")


class QueryRunner:
    """Read-only SPARQL with the endpoint's limits: the endpoint's backend (killable worker processes for an
    embedded store), started on first use."""

    def __init__(self, cg: Clausegraph, settings: Settings) -> None:
        self.cg, self.settings, self.backend = cg, settings, None

    def run(self, sparql: str) -> dict:
        from .backend import make_backend

        if self.backend is None:
            self.backend = make_backend(self.cg.store, self.settings)
        check_services(sparql, self.settings.federated_endpoints)
        job = {"query": sparql, "accept": SPARQL_JSON, "base_iri": None, "default_graphs": [], "named_graphs": []}
        try:
            media, body = self.backend.query(job, self.settings.query_timeout)
        except InvalidQueryError as exc:
            raise InvalidQueryError(f"{exc.message} (the query tool is read-only: SELECT or ASK)") from exc
        if not media.startswith(SPARQL_JSON):
            if not isinstance(body, bytes):
                body.close()
            raise UserInputError("the query tool answers SELECT and ASK queries (CONSTRUCT and DESCRIBE: use the "
                                 "SPARQL endpoint of 'clausegraph serve')")
        doc = json.loads(body if isinstance(body, bytes) else body.read())
        cap, rows = self.settings.max_rows, doc.get("results", {}).get("bindings")
        truncated = bool(cap and rows is not None and len(rows) > cap)
        if truncated:
            doc["results"]["bindings"] = rows[:cap]
        return {**doc, "truncated": truncated, "max_rows": cap}

    def close(self) -> None:
        if self.backend is not None:
            self.backend.close()


def make_server(cg: Clausegraph, settings: Settings | None = None):
    """The MCP server over ``cg`` (an ``mcp.server.MCPServer``); ``settings`` give the query limits."""
    from mcp.server import MCPServer
    from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError

    settings = settings or Settings()
    runner = QueryRunner(cg, settings)
    server = MCPServer(name="clausegraph", version=_version(),
                       instructions="AI governance frameworks (ISO/IEC 42001, the EU AI Act, NIST AI RMF, ISO/IEC "
                                    "27001) and an organisation's register as one graph. Answers cite provisions "
                                    "with links to their official text; references look like 'euaiact:Art. 26(1)'.")
    server.query_runner = runner   # type: ignore[attr-defined] - closed by serve_stdio

    def answer(compute: Callable[[], Any]) -> dict:
        try:
            doc = compute()
            return {"answer": doc, "citations": [c.as_dict() for c in cg.cite(refs=cited_refs(doc))]}
        except ClausegraphError as exc:
            raise ToolError(_message(exc)) from exc

    @server.tool(description="One provision: title, own-words summary, parent, children, dates, obligations and "
                             "mappings. ref: e.g. 'euaiact:Art. 26(1)', 'iso42001:A.6.2.8', 'nist-ai-rmf:GV-1.1'.")
    def show(ref: str, as_of: str | None = None) -> dict:
        return answer(lambda: cg.show(ref=ref, as_of=_day(as_of)))

    @server.tool(description="Coverage of a framework's assessable provisions (framework: iso42001, iso27001, "
                             "euaiact, nist-ai-rmf) or of one AI system's EU AI Act obligations (system: its id): "
                             "covered / partial / uncovered, with controls, evidence and paths. Give one of them.")
    def coverage(framework: str | None = None, system: str | None = None, via_mappings: bool = False,
                 as_of: str | None = None) -> dict:
        return answer(lambda: cg.coverage(framework=framework, system=system, via_mappings=via_mappings,
                                          as_of=_day(as_of)))

    @server.tool(description="Trace forward from a provision (ref) to mapped provisions, controls and evidence, "
                             "or backward from a control or a piece of evidence (their ids). Give exactly one.")
    def trace(ref: str | None = None, control: str | None = None, evidence: str | None = None,
              as_of: str | None = None) -> dict:
        return answer(lambda: cg.trace(ref=ref, control=control, evidence=evidence, as_of=_day(as_of)))

    @server.tool(description="EU AI Act risk tier, basis and obligations of every AI system of the register, or "
                             "of one system (its id).")
    def classify(system: str | None = None, as_of: str | None = None) -> dict:
        return answer(lambda: cg.classify(system=system, as_of=_day(as_of)))

    @server.tool(description="What a target framework still needs, most important first; from_key counts only "
                             "controls implementing that framework; assume_complete treats it as fully implemented.")
    def gaps(target: str, from_key: str | None = None, system: str | None = None, assume_complete: bool = False,
             as_of: str | None = None) -> dict:
        return answer(lambda: cg.gaps(target=target, from_key=from_key, system=system,
                                      assume_complete=assume_complete, as_of=_day(as_of)))

    @server.tool(description="Typed mappings between two frameworks (from_key -> to_key), with relationship, "
                             "rationale and strength; inferred adds soundly chained ones.")
    def crosswalk(from_key: str, to_key: str, inferred: bool = False, min_strength: int = 1) -> dict:
        from ..engine.mappings.sssom import as_json

        return answer(lambda: [{**as_json(m), "target": m.target} for m in cg.crosswalk(
            from_key=from_key, to_key=to_key, inferred=inferred, min_strength=min_strength)])

    @server.tool(description="Run a read-only SPARQL SELECT or ASK query over the graph (SPARQL 1.1 JSON results). "
                             "Long queries are stopped; long results are cut (truncated: true).")
    def query(sparql: str) -> dict:
        try:
            return runner.run(sparql)
        except ClausegraphError as exc:
            raise ToolError(_message(exc)) from exc

    @server.resource("clausegraph://frameworks", mime_type="application/json",
                     description="The frameworks with their provision counts in force today.")
    def frameworks() -> str:
        return json.dumps({"frameworks": cg.frameworks()}, ensure_ascii=False)

    @server.resource("clausegraph://queries", mime_type="application/json",
                     description="The named SPARQL queries: name, title, description.")
    def named_queries() -> str:
        return json.dumps([{"name": n.name, "title": n.title, "description": n.description,
                            "uri": f"clausegraph://queries/{n.name}"} for n in cg.named_queries()], ensure_ascii=False)

    @server.resource("clausegraph://queries/{name}", mime_type="application/sparql-query",
                     description="The text of one named SPARQL query ($parameters are filled in by the engine).")
    def named_query(name: str) -> str:
        for n in cg.named_queries():
            if n.name == name:
                return n.text
        raise ResourceNotFoundError(f"no named query {name!r}")

    return server


def _message(exc: ClausegraphError) -> str:
    lines = [exc.message] + [f"  {p}" for p in exc.problems]
    suggestions = getattr(exc, "suggestions", None)
    if suggestions:
        lines.append("suggestions: " + ", ".join(suggestions))
    return "\n".join(lines)


def _version() -> str:
    from ..engine.resources import version

    return version()


def serve_stdio(cg: Clausegraph, settings: Settings | None = None) -> int:
    """Serve ``cg`` over MCP on stdin/stdout until the client closes the connection."""
    server = make_server(cg, settings)
    try:
        server.run("stdio")
    finally:
        server.query_runner.close()   # type: ignore[attr-defined]
        cg.close()
    return 0
