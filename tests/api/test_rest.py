"""JSON routes: the same answers as the engine functions, one error shape, paging, OpenAPI, schemathesis."""
from __future__ import annotations

import datetime as dt

import pytest

from ..conftest import ROOT
from .conftest import close_client, make_client

REGISTER = ROOT / "examples" / "acme"


@pytest.fixture(scope="module")
def reg_client(embedded_store):
    c = make_client(embedded_store, register_path=str(REGISTER), workers=1)
    yield c
    close_client(c)


def test_frameworks_match_engine(client, embedded_store):
    from clausegraph.engine.catalogue import frameworks

    r = client.get("/api/frameworks", params={"as_of": "2024-08-01"}).json()
    assert r["items"] == frameworks(embedded_store, dt.date(2024, 8, 1))
    assert r["total"] == 4 and r["limit"] == 100 and r["offset"] == 0
    p = client.get("/api/frameworks", params={"limit": 1, "offset": 1}).json()
    assert len(p["items"]) == 1 and p["total"] == 4 and p["items"][0]["key"] == "iso27001"


def test_provision_aliases_and_suggestions(client):
    r = client.get("/api/provisions/nist-ai-rmf:GV-1.1")
    assert r.status_code == 200 and r.json()["ref"] == "nist-ai-rmf:GOVERN 1.1"
    r = client.get("/api/provisions/euaiact:Art. 26(1)")
    assert r.status_code == 200 and r.json()["framework"] == "euaiact"
    r = client.get("/api/provisions/euaiact:Art. 999")
    assert r.status_code == 404
    body = r.json()
    assert body["error"] == "unknown-reference" and body["suggestions"]


def test_crosswalk(client, embedded_store):
    from clausegraph.engine.crosswalk import crosswalk

    expected = crosswalk(embedded_store, "nist-ai-rmf", "iso42001", False, 6)
    r = client.get("/api/crosswalk", params={"from": "nist-ai-rmf", "to": "iso42001", "min_strength": 6,
                                             "limit": 5}).json()
    assert r["total"] == len(expected) and len(r["items"]) == min(5, len(expected))
    assert r["items"][0]["subject"] == str(expected[0].subject)
    inferred = client.get("/api/crosswalk", params={"from": "iso27001", "to": "euaiact", "inferred": "true"}).json()
    assert inferred["total"] >= client.get("/api/crosswalk", params={"from": "iso27001", "to": "euaiact"}).json()["total"]
    bad = client.get("/api/crosswalk", params={"from": "nope", "to": "iso42001"})
    assert bad.status_code == 404 and bad.json()["error"] == "unknown-reference"


def test_hub_routes_and_crosswalk_via_hub(client, embedded_store):
    from clausegraph.engine.hub import hub_crosswalk, hub_listing

    r = client.get("/api/hub", params={"theme": "log", "limit": 500}).json()
    assert r["items"] == hub_listing(embedded_store, theme="log")["atoms"] and r["total"] == len(r["items"]) > 0
    one = client.get("/api/hub/hub:log.record-in-use").json()
    assert one["id"] == "hub:log.record-in-use" and "iso42001:A.6.2.8" in one["demanded_by"]["iso42001"]
    bad = client.get("/api/hub/hub:log.record-in-uze")
    assert bad.status_code == 404 and "hub:log.record-in-use" in bad.json()["suggestions"]
    hub = client.get("/api/crosswalk", params={"from": "euaiact", "to": "iso42001", "via_hub": "true",
                                               "limit": 1000}).json()
    expected = hub_crosswalk(embedded_store, "euaiact", "iso42001")
    assert hub["total"] == len(expected) and all(m["derived"] for m in hub["items"])
    assert [m["via"] for m in hub["items"]] == [list(m.via) for m in expected]


def test_validation_errors_use_the_one_shape(client):
    for r in (client.get("/api/frameworks", params={"as_of": "yesterday"}),
              client.get("/api/crosswalk", params={"to": "iso42001"}),
              client.get("/api/frameworks", params={"limit": 0})):
        assert r.status_code == 400
        body = r.json()
        assert body["error"] == "bad-input" and body["problems"] and "message" in body


def test_systems_need_a_register(client):
    r = client.get("/api/systems")
    assert r.status_code == 404 and r.json()["error"] == "not-found"


def test_systems_and_classification(reg_client):
    from clausegraph.engine.classify import classify

    systems = reg_client.get("/api/systems", params={"as_of": "2026-09-01"}).json()
    assert systems["total"] > 0
    sid = systems["items"][0]["id"]
    r = reg_client.get(f"/api/systems/{sid}/classification", params={"as_of": "2026-09-01"})
    assert r.status_code == 200
    doc = classify(reg_client.app.state.backend.store, dt.date(2026, 9, 1))
    expected = next(s for s in doc["systems"] if s["id"] == sid)
    assert r.json()["tier"] == expected["tier"] and r.json()["obligations"] == expected["obligations"]
    assert reg_client.get("/api/systems/NO-SUCH/classification").status_code == 404


def test_openapi_documents_routes(client):
    spec = client.get("/openapi.json").json()
    for path in ("/api/frameworks", "/api/provisions/{ref}", "/api/crosswalk", "/api/systems",
                 "/api/systems/{system_id}/classification", "/api/coverage", "/api/gaps", "/api/trace",
                 "/api/impact", "/api/validation", "/api/soa", "/api/incidents", "/api/incidents/{incident_id}/impact",
                 "/api/findings", "/api/decisions", "/api/readiness", "/api/hub", "/api/hub/{atom}", "/sparql",
                 "/store"):
        assert path in spec["paths"], path


@pytest.fixture
def own_client(embedded_store):
    """A client of its own: schemathesis runs the app's lifespan, which closes the backend afterwards."""
    c = make_client(embedded_store, register_path=str(REGISTER), workers=1)
    yield c
    close_client(c)


def test_schemathesis_finds_no_server_errors(own_client):
    """Every /api operation of the OpenAPI schema, with generated parameters: no 5xx, errors in the one shape."""
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings

    schema = schemathesis.openapi.from_asgi("/openapi.json", own_client.app)
    operations = [r.ok() for r in schema.get_all_operations()]
    operations = [op for op in operations if op.path.startswith("/api/")]
    assert len(operations) == 21      # 18 JSON routes (2 of the requirement hub) and 3 OSCAL downloads
    heavy = {"/api/impact", "/api/validation", "/api/gaps", "/api/coverage", "/api/soa", "/api/trace",
             "/api/readiness", "/api/incidents", "/api/findings", "/api/incidents/{incident_id}/impact",
             "/api/oscal/assessment-results"}
    failures = []
    for op in operations:
        @given(case=op.as_strategy())
        @settings(max_examples=8 if op.path in heavy else 30, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            resp = case.call()
            assert resp.status_code < 500, f"{case.method} {case.formatted_path} -> {resp.status_code}: {resp.text[:300]}"
            if resp.status_code >= 400:
                assert {"error", "message", "problems"} <= set(resp.json())

        try:
            check()
        except Exception as exc:  # noqa: BLE001 - collect every failing operation
            failures.append(f"{op.method.upper()} {op.path}: {exc}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("path,key", [
    ("/api/coverage?framework=euaiact&via_mappings=true&as_of=2026-11-23", "summary"),
    ("/api/coverage?system=hr-cv-ranker&as_of=2026-11-23", "summary"),
    ("/api/gaps?target=iso42001&from=iso27001&as_of=2026-11-23", "gaps"),
    ("/api/trace?ref=iso42001:A.6.2.8&as_of=2026-11-23", "root"),
    ("/api/trace?control=CTL-DEV-05&as_of=2026-11-23", "serves"),
    ("/api/impact?evidence=EV-027&as_of=2026-11-23", "frameworks"),
    ("/api/validation?as_of=2026-11-23", "conforms"),
    ("/api/soa?as_of=2026-11-23", "controls"),
    ("/api/incidents?as_of=2026-11-23", "items"),
    ("/api/incidents/INC-2026-021/impact?as_of=2026-11-23", "open_findings"),
    ("/api/findings?as_of=2026-11-23", "actions"),
    ("/api/decisions?system=hr-cv-ranker", "items"),
    ("/api/readiness?as_of=2026-11-23", "clauses"),
    ("/api/trace?finding=AUD-26-01&as_of=2026-11-23", "serves"),
])
def test_question_routes_answer_like_the_cli(reg_client, path, key):
    r = reg_client.get(path)
    assert r.status_code == 200, r.text[:500]
    assert key in r.json()


def test_coverage_route_equals_the_engine(reg_client):
    import datetime as dt

    from clausegraph.engine.coverage import framework_coverage

    store = reg_client.app.state.backend.store
    expected = framework_coverage(store, "iso42001", dt.date(2026, 11, 23), True)
    got = reg_client.get("/api/coverage?framework=iso42001&via_mappings=true&as_of=2026-11-23&limit=1000").json()
    assert got["summary"] == expected["summary"] and got["provisions"]["items"] == expected["provisions"]


def test_question_routes_need_one_clear_input(reg_client):
    assert reg_client.get("/api/coverage").status_code == 400
    assert reg_client.get("/api/trace").status_code == 400
    body = reg_client.get("/api/trace?control=NOPE").json()
    assert body["error"] == "not-found" and "NOPE" in body["message"]
