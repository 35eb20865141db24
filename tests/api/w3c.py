"""Replays the W3C SPARQL 1.1 Protocol and Graph Store Protocol test manifests (shared/w3c) as HTTP requests.

The manifests model each exchange in the W3C HTTP vocabulary (ht:methodName, ht:absolutePath, ht:headers,
ht:body, ht:resp with mf:expectedStatus / mf:expectedFormat / mf:expectedBoolean; ut:graphData for set-up).
Each test is replayed exactly as described, with three documented substitutions: the manifest's placeholder
paths (/sparql/, /gsp) become ours (/sparql, /store), every request carries the server's update token (the
manifests assume an open endpoint; ours needs a token for writes), and $LOCATION$ is replaced by the previous
response's Location header as the manifest says.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..conftest import SHARED

W3C = SHARED / "w3c" / "sparql11"
PROTOCOL_MANIFEST = W3C / "protocol" / "manifest.ttl"
GSP_MANIFESTS = [W3C / "graph-store-protocol" / "manifest-direct.ttl",
                 W3C / "graph-store-protocol" / "manifest-indirect.ttl"]

MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
HT = "http://www.w3.org/2011/http#"
HTS = "http://www.w3.org/2011/http-statusCodes#"
CNT = "http://www.w3.org/2011/content#"
UT = "http://www.w3.org/2009/sparql/tests/test-update#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

STATUS_NAMES = {"OK": 200, "Created": 201, "NoContent": 204, "NotFound": 404, "BadRequest": 400}


def status_ok(expected: list[str], actual: int) -> bool:
    for e in expected:
        name = e.rsplit("#", 1)[-1]
        if name.startswith("StatusCode") and name.endswith("xx"):
            if actual // 100 == int(name[len("StatusCode")]):
                return True
        elif STATUS_NAMES.get(name) == actual:
            return True
    return False


@dataclass
class W3CRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    expected_status: list[str]
    expected_format: str | None = None
    expected_boolean: bool | None = None
    expected_location: str | None = None
    expected_headers: dict[str, str] = field(default_factory=dict)
    expected_body: str | None = None


@dataclass
class W3CTest:
    iri: str
    name: str
    graph_data: list[tuple[Path, str]]
    requests: list[W3CRequest]


def manifest_entries(path: Path) -> list[str]:
    from rdflib import Graph, URIRef
    from rdflib.collection import Collection

    g = Graph().parse(path, format="turtle")
    out = []
    for _, _, lst in g.triples((None, URIRef(MF + "entries"), None)):
        out += [str(x) for x in Collection(g, lst)]
    return out


def load_tests(path: Path, test_type: str) -> tuple[list[str], dict[str, W3CTest]]:
    """The manifest's ``mf:entries`` (in order) and every test of ``test_type`` it defines, parsed."""
    from rdflib import Graph, URIRef
    from rdflib.collection import Collection

    g = Graph().parse(path, format="turtle")

    def one(s, p):
        return g.value(s, URIRef(p))

    tests = {}
    for t in g.subjects(URIRef(RDF_TYPE), URIRef(MF + test_type)):
        data = []
        for gd in g.objects(t, URIRef(UT + "graphData")):
            data.append((Path(str(one(gd, UT + "graph")).replace("file://", "")), str(one(gd, RDFS + "label"))))
        action = one(t, MF + "action")
        reqs = []
        for r in Collection(g, one(action, HT + "requests")):
            headers = {}
            hl = one(r, HT + "headers")
            if hl is not None:
                for h in Collection(g, hl):
                    headers[str(one(h, HT + "fieldName"))] = str(one(h, HT + "fieldValue"))
            body = None
            b = one(r, HT + "body")
            if b is not None:
                enc = str(one(b, CNT + "characterEncoding") or "UTF-8")
                body = str(one(b, CNT + "chars")).encode(enc.lower())
            resp = one(r, HT + "resp")
            exp_headers, exp_body = {}, None
            rh = one(resp, HT + "headers")
            if rh is not None:
                for h in Collection(g, rh):
                    exp_headers[str(one(h, HT + "fieldName"))] = str(one(h, HT + "fieldValue"))
            rb = one(resp, HT + "body")
            if rb is not None:
                exp_body = str(one(rb, CNT + "chars"))
            fmt, boolean, loc = (one(resp, MF + "expectedFormat"), one(resp, MF + "expectedBoolean"),
                                 one(resp, MF + "expectedLocation"))
            reqs.append(W3CRequest(
                str(one(r, HT + "methodName")), str(one(r, HT + "absolutePath")), headers, body,
                sorted(str(s) for s in g.objects(resp, URIRef(MF + "expectedStatus"))),
                str(fmt) if fmt is not None else None, boolean.toPython() if boolean is not None else None,
                str(loc) if loc is not None else None, exp_headers, exp_body))
        tests[str(t)] = W3CTest(str(t), str(one(t, MF + "name")), sorted(data, key=lambda d: d[1]), reqs)
    return manifest_entries(path), tests
