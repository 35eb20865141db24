"""SERVICE federation (issue 19, item 3): off by default with no outbound connection, an allow-list when on."""
from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from clausegraph.api.federation import service_endpoints

from .conftest import AUTH, TOKEN, serving


class Listener:
    """A local TCP socket that records every connection made to it (and answers nothing)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/sparql"
        self.connections: list = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, addr = self.sock.accept()
            except OSError:
                return
            self.connections.append(addr)
            conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.close()


def request(url: str, query: str | None = None, update: str | None = None) -> tuple[int, dict]:
    if update is None:
        req = urllib.request.Request(f"{url}/sparql?" + urllib.parse.urlencode({"query": query}),
                                     headers={"Accept": "application/sparql-results+json"})
    else:
        req = urllib.request.Request(f"{url}/sparql", data=update.encode(), method="POST",
                                     headers={"Content-Type": "application/sparql-update", **AUTH})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture(scope="module")
def default_server(embedded_store):
    with serving(embedded_store, update_token=TOKEN) as srv:
        yield srv


def test_service_is_refused_by_default_without_any_connection(default_server, listener):
    queries = [f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}",
               f"select * where {{ service silent <{listener.url}> {{ ?s ?p ?o }} }}",
               f"PREFIX r: <{listener.url[:-6]}> ASK {{ SERVICE r:sparql {{ ?s ?p ?o }} }}",
               "SELECT * WHERE { BIND(<" + listener.url + "> AS ?e) SERVICE ?e { ?s ?p ?o } }"]
    for q in queries:
        status, err = request(default_server.url, q)
        assert status == 403 and err["error"] == "forbidden", err
        assert "SERVICE" in err["message"] and "disabled" in err["message"]
    status, err = request(default_server.url,
                          update=f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}")
    assert status == 403 and "disabled" in err["message"]
    time.sleep(0.5)
    assert listener.connections == []
    r = urllib.request.urlopen(f"{default_server.url}/sparql", timeout=10).read().decode()
    assert "BasicFederatedQuery" not in r   # the service description does not offer it


def test_allow_list(embedded_store, listener):
    other = Listener()
    with serving(embedded_store, federated_endpoints=[listener.url]) as srv:
        status, err = request(srv.url, f"SELECT * WHERE {{ SERVICE <{other.url}> {{ ?s ?p ?o }} }}")
        assert status == 403 and other.url in err["message"] and listener.url in err["message"]
        status, err = request(srv.url, "SELECT * WHERE { BIND(<" + listener.url + "> AS ?e) SERVICE ?e { ?s ?p ?o } }")
        assert status == 403 and "IRI" in err["message"]
        # a listed endpoint is called (our listener hangs up, so SILENT gives one empty solution), always from a
        # killable worker, never in the server process (the remote side could hang)
        backend = srv.app.state.backend
        runs, run = [], backend.pool.run
        backend.pool.run = lambda job, *args, **kwargs: (runs.append(job["query"]), run(job, *args, **kwargs))[1]
        for _ in range(2):
            status, body = request(srv.url, f"SELECT * WHERE {{ SERVICE SILENT <{listener.url}> {{ ?s ?p ?o }} }}")
            assert status == 200 and body["results"]["bindings"] == [{}]
        assert len(runs) == 2
        assert len(listener.connections) >= 1 and other.connections == []
        assert "BasicFederatedQuery" in urllib.request.urlopen(f"{srv.url}/sparql", timeout=10).read().decode()
    other.close()


@pytest.mark.parametrize("text,expected", [
    ("SELECT * { SERVICE <http://a/q> { ?s ?p ?o } }", ["http://a/q"]),
    ("select * { sErViCe SILENT <http://a/q> {} }", ["http://a/q"]),
    ("PREFIX ex: <http://a/> SELECT * { SERVICE ex:q {} }", ["http://a/q"]),
    ("BASE <http://a/> SELECT * { SERVICE <q> {} }", ["http://a/q"]),
    ("SELECT * { SERVICE ?e {} }", [None]),
    ("SELECT * { SERVICE nope:q {} }", [None]),
    ("SELECT * { ?s ?p ?o.SERVICE<http://a/q>{} }", [None]),   # glued to a name: counted, unresolved
    ("SELECT * { ?s ex:a\\#b ?o SERVICE <http://a/q> {} }", ["http://a/q"]),   # an escaped '#' is no comment
    ('SELECT * { ?s ?p """ " SERVICE <http://b/> """ . SERVICE <http://a/q> {} }', ["http://a/q"]),
    ("SELECT ?service { ?service <http://x/SERVICE> 'SERVICE <http://b/>' } # SERVICE <http://b/>", []),
    ("PREFIX service: <http://s/> SELECT * { ?s service:p ex:SERVICE }", []),
    ("ASK {}", []),
])
def test_service_scan(text, expected):
    assert service_endpoints(text) == expected
