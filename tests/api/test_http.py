"""What every door and response shares: dates only as YYYY-MM-DD (400 in the one error shape otherwise),
``OPTIONS`` lists every method of a resource, ``HEAD`` answers like ``GET`` without a body."""
from __future__ import annotations

import pytest

from ..conftest import ROOT, run_main
from .conftest import close_client, make_client

REGISTER = ROOT / "examples" / "acme"
# not a YYYY-MM-DD date: a Unix timestamp (0 and a recent one), ISO 8601's basic and week forms, no zero
# padding, spaces, an impossible day, a date-time and nothing at all
NOT_DATES = ["0", "1700000000", "20240801", "2024-W31-4", "2024-8-1", " 2024-08-01", "2024-08-01 ", "2024-02-30",
             "2024-08-01T00:00:00", "", "٢٠٢٤-٠٨-٠١"]


@pytest.fixture(scope="module")
def web(embedded_store):
    c = make_client(embedded_store, register_path=str(REGISTER), workers=1)
    yield c
    close_client(c)


@pytest.mark.parametrize("text", NOT_DATES)
@pytest.mark.parametrize("path,name", [("/api/frameworks", "as_of"), ("/api/readiness", "as_of"),
                                       ("/api/oscal/catalog/iso42001", "as_of"),
                                       ("/api/impact?evidence=EV-027", "on")])
def test_rest_accepts_only_iso_dates(web, path, name, text):
    r = web.get(path, params={name: text})
    assert r.status_code == 400, (path, text, r.status_code)
    body = r.json()
    assert body["error"] == "bad-input" and "YYYY-MM-DD" in body["message"]
    assert [p["column"] for p in body["problems"]] == [name]


def test_rest_reads_an_iso_date(web):
    r = web.get("/api/frameworks", params={"as_of": "2024-08-01"})
    assert r.status_code == 200 and r.json()["total"] == 4


@pytest.mark.parametrize("text", [t for t in NOT_DATES if t])   # an empty form field means today on a page
def test_pages_accept_only_iso_dates(web, text):
    r = web.get("/", params={"as_of": text})
    assert r.status_code == 400 and "YYYY-MM-DD" in r.text and r.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("text", NOT_DATES)
def test_cli_accepts_only_iso_dates(text):
    res = run_main("frameworks", "--as-of", text, "--format", "json")
    assert res.returncode == 2 and "YYYY-MM-DD" in res.stderr and "Traceback" not in res.stderr


def test_every_door_reads_dates_in_one_place():
    """The REST routes, the pages, the MCP tools and the CLI all parse through ``parse_date``."""
    from clausegraph.engine.facade import parse_date

    for module in ("rest", "pages", "mcp", "cli/parser"):
        text = (ROOT / "api" / f"{module}.py").read_text(encoding="utf-8")
        assert "parse_date" in text and "fromisoformat" not in text, module
    assert parse_date("2024-08-01").isoformat() == "2024-08-01"


def test_options_lists_every_method(web):
    r = web.options("/sparql")
    assert r.status_code == 204 and r.content == b""
    assert {m.strip() for m in r.headers["allow"].split(",")} == {"GET", "HEAD", "POST", "OPTIONS"}
    r = web.options("/store")
    assert {m.strip() for m in r.headers["allow"].split(",")} == {"GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"}
    r = web.options("/api/frameworks")
    assert {m.strip() for m in r.headers["allow"].split(",")} == {"GET", "HEAD", "OPTIONS"}
    assert web.options("/no/such/thing").status_code == 404


def test_method_not_allowed_lists_every_method(web):
    r = web.put("/sparql")
    assert r.status_code == 405 and r.json()["error"] == "method-not-allowed"
    assert {m.strip() for m in r.headers["allow"].split(",")} == {"GET", "HEAD", "POST", "OPTIONS"}


@pytest.mark.parametrize("path", ["/", "/sparql", "/sparql?query=ASK%7B%7D", "/api/frameworks",
                                  "/soa?as_of=2026-11-23", "/static/clausegraph.css"])
def test_head_answers_like_get_without_a_body(web, path):
    get, head = web.get(path), web.head(path)
    assert head.status_code == get.status_code == 200, (path, head.status_code)
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]


def test_head_of_an_error_is_the_error_without_a_body(web):
    head = web.head("/api/provisions/euaiact:Art. 999")
    assert head.status_code == 404 and head.content == b""
    assert web.head("/?as_of=0").status_code == 400


def test_every_response_says_nosniff(web, embedded_store):
    """REST (answer and errors), SPARQL (results, service description, errors), Graph Store, pages, static
    files, OpenAPI, OPTIONS, HEAD, 405, a CORS preflight and an internal error all carry nosniff."""
    from fastapi.testclient import TestClient

    calls = [("GET", "/api/frameworks", {}), ("GET", "/api/frameworks?as_of=0", {}),
             ("GET", "/api/provisions/euaiact:Art. 999", {}), ("GET", "/api/oscal/catalog/iso42001", {}),
             ("GET", "/sparql?query=ASK%7B%7D", {}), ("GET", "/sparql", {"Accept": "text/turtle"}),
             ("GET", "/sparql?query=NOT%20SPARQL", {}), ("GET", "/sparql?query=ASK%7B%7D", {"Accept": "image/png"}),
             ("POST", "/sparql", {"Content-Type": "application/sparql-update"}), ("GET", "/store?default", {}),
             ("GET", "/", {}), ("GET", "/?as_of=0", {}), ("GET", "/soa/download?format=markdown", {}),
             ("GET", "/static/clausegraph.css", {}), ("GET", "/static/nothing.css", {}), ("GET", "/openapi.json", {}),
             ("GET", "/no/such/page", {}), ("PUT", "/sparql", {}), ("OPTIONS", "/sparql", {}), ("HEAD", "/", {}),
             ("OPTIONS", "/sparql", {"Origin": "https://example.org", "Access-Control-Request-Method": "POST"})]
    for method, path, headers in calls:
        r = web.request(method, path, headers=headers)
        assert r.headers.get("x-content-type-options") == "nosniff", (method, path, r.status_code)
    broken = TestClient(web.app, raise_server_exceptions=False)
    original = web.app.state.facade.frameworks
    web.app.state.facade.frameworks = lambda **_: 1 / 0     # an unexpected failure inside a handler
    try:
        r = broken.get("/api/frameworks")
    finally:
        web.app.state.facade.frameworks = original
    assert r.status_code == 500 and r.json()["error"] == "internal-error"
    assert r.headers.get("x-content-type-options") == "nosniff"
