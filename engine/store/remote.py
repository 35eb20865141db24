"""Remote store: any SPARQL 1.1 store over HTTP (query and update through SPARQLWrapper, loads through the
Graph Store HTTP Protocol, falling back to SPARQL Update where a store has no Graph Store endpoint).

clausegraph's graphs are passed as ``default-graph-uri`` parameters (SPARQL 1.1 Protocol), so queries see
their union as the default graph on every conforming store, without store-specific configuration.
"""
from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from ..errors import InvalidQueryError, StoreError, UserInputError
from .base import GRAPH_BASE, AskResult, GraphResult, QueryResult, SelectResult, Store, Term

_MEDIA = {"turtle": "text/turtle", "ntriples": "application/n-triples", "nquads": "application/n-quads",
          "trig": "application/trig", "rdfxml": "application/rdf+xml", "jsonld": "application/ld+json"}


@dataclass(frozen=True)
class RemoteConfig:
    """Where a remote store's services are, and how to authenticate."""

    query_url: str
    update_url: str | None = None
    store_url: str | None = None
    user: str | None = None
    password: str | None = None
    token: str | None = None
    timeout: float = 30.0

    @classmethod
    def from_endpoint(cls, endpoint: str, update: str | None = None, store: str | None = None,
                      **kw: object) -> "RemoteConfig":
        """Derive update and Graph Store URLs from a query URL where the usual layouts make it safe
        (``.../query`` -> ``.../update``, ``.../store``; ``.../sparql`` -> same URL, ``.../store``)."""
        base, _, last = endpoint.rstrip("/").rpartition("/")
        if update is None:
            update = f"{base}/update" if last == "query" else endpoint
        if store is None and last in ("query", "sparql"):
            store = f"{base}/store"
        return cls(endpoint, update, store, **kw)  # type: ignore[arg-type]


def _term(b: dict) -> Term:
    kind = b["type"]
    if kind in ("literal", "typed-literal"):
        return Term("literal", b["value"], b.get("datatype") if not b.get("xml:lang") else None, b.get("xml:lang"))
    return Term("uri" if kind == "uri" else "bnode" if kind == "bnode" else "triple", str(b["value"]))


class RemoteStore(Store):
    """A SPARQL 1.1 store reached over HTTP."""

    kind = "remote"

    def __init__(self, config: RemoteConfig) -> None:
        self.config = config
        self.description = config.query_url
        self._graphs: list[str] | None = None

    # ------------------------------------------------------------ HTTP helpers
    def touched(self) -> None:
        """A write: the list of graphs is read again."""
        super().touched()
        self._graphs = None

    def auth_header(self) -> dict[str, str]:
        """The HTTP Authorization header for this store (empty without credentials)."""
        if self.config.token:
            return {"Authorization": f"Bearer {self.config.token}"}
        if self.config.user is not None:
            raw = f"{self.config.user}:{self.config.password or ''}".encode()
            return {"Authorization": "Basic " + base64.b64encode(raw).decode()}
        return {}

    def _wrapper(self, url: str):
        from SPARQLWrapper import SPARQLWrapper  # lazy: keeps CLI start-up fast

        sw = SPARQLWrapper(url)
        sw.setTimeout(int(self.config.timeout))
        for k, v in self.auth_header().items():
            sw.addCustomHttpHeader(k, v)
        return sw

    def _http(self, method: str, url: str, body: bytes | None = None,
              headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        req = urllib.request.Request(url, data=body, method=method,
                                     headers={**self.auth_header(), **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=self.config.timeout) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except (urllib.error.URLError, OSError) as exc:
            raise StoreError(f"cannot reach {url}: {exc}") from exc

    # ------------------------------------------------------------ Store API
    def query(self, sparql: str) -> QueryResult:
        from SPARQLWrapper import JSON, N3  # noqa: F401
        from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

        sw = self._wrapper(self.config.query_url)
        # full-line comments confuse SPARQLWrapper's query-type detection; they carry no meaning
        sw.setQuery("\n".join(ln for ln in sparql.splitlines() if not ln.lstrip().startswith("#")))
        for g in self.graphs():  # the union of clausegraph's graphs, on any SPARQL 1.1 store
            sw.addDefaultGraph(g)
            sw.addNamedGraph(g)
        sw.setMethod("POST")
        qtype = sw.queryType
        try:
            if qtype in ("CONSTRUCT", "DESCRIBE"):
                sw.setReturnFormat("n3")
                sw.addCustomHttpHeader("Accept", "application/n-triples")
                raw = sw.query().response.read()
                return GraphResult(raw.decode("utf-8"))
            sw.setReturnFormat(JSON)
            data = json.loads(sw.query().response.read())
        except QueryBadFormed as exc:
            raise InvalidQueryError(f"the store rejected the query: {exc}") from exc
        except SPARQLWrapperException as exc:
            raise StoreError(f"query failed at {self.config.query_url}: {exc}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise StoreError(f"cannot reach {self.config.query_url}: {exc}") from exc
        if "boolean" in data:
            return AskResult(bool(data["boolean"]))
        variables = data["head"].get("vars", [])
        rows = [{k: _term(v) for k, v in b.items()} for b in data["results"]["bindings"]]
        return SelectResult(variables, rows)

    def update(self, sparql: str) -> None:
        if not self.config.update_url:
            raise UserInputError("no update endpoint configured (--update-endpoint)")
        self.touched()
        status, body = self._http("POST", self.config.update_url, sparql.encode("utf-8"),
                                  {"Content-Type": "application/sparql-update; charset=utf-8"})
        self._graphs = None
        if status == 400:
            raise InvalidQueryError(f"the store rejected the update: {body[:300].decode('utf-8', 'replace')}")
        if status >= 300:
            raise StoreError(f"update failed at {self.config.update_url}: HTTP {status} "
                             f"{body[:300].decode('utf-8', 'replace')}")

    def replace_graph(self, graph: str, data: str | bytes, fmt: str = "turtle") -> None:
        payload = data.encode("utf-8") if isinstance(data, str) else data
        self.touched()
        if self.config.store_url:
            url = f"{self.config.store_url}?graph={urllib.parse.quote(graph, safe='')}"
            status, body = self._http("PUT", url, payload, {"Content-Type": _MEDIA[fmt]})
            if status < 300:
                return
            if status not in (404, 405, 501):
                raise StoreError(f"Graph Store PUT failed: HTTP {status} {body[:300].decode('utf-8', 'replace')}")
        # No Graph Store endpoint: parse locally and send INSERT DATA (N-Triples is valid inside it).
        from pyoxigraph import RdfFormat, parse, serialize

        fmts = {"turtle": RdfFormat.TURTLE, "ntriples": RdfFormat.N_TRIPLES}
        triples = list(parse(payload, format=fmts[fmt]))
        nt = serialize(triples, format=RdfFormat.N_TRIPLES).decode("utf-8")
        self.update(f"DROP SILENT GRAPH <{graph}> ; INSERT DATA {{ GRAPH <{graph}> {{\n{nt}\n}} }}")

    def graphs(self) -> list[str]:
        if self._graphs is None:
            from SPARQLWrapper import JSON

            sw = self._wrapper(self.config.query_url)
            from .. import queries as q

            sw.setQuery(q.render("named-graphs"))
            sw.setReturnFormat(JSON)
            sw.setMethod("POST")
            try:
                data = json.loads(sw.query().response.read())
            except Exception as exc:  # noqa: BLE001 - any transport failure is a store error
                raise StoreError(f"cannot list graphs at {self.config.query_url}: {exc}") from exc
            found = sorted(b["g"]["value"] for b in data["results"]["bindings"])
            self._graphs = [g for g in found if g.startswith(GRAPH_BASE)] or found
        return list(self._graphs)

    def drop_graph(self, graph: str) -> None:
        self.update(f"DROP SILENT GRAPH <{graph}>")

    def clear(self) -> None:
        self.update("DROP SILENT ALL")
