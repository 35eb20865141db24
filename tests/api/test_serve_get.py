"""``clausegraph serve --get PATH``: one request through the app in this process, body on stdout, exit code
from the status; called as ``main([...])`` in this process."""
from __future__ import annotations

import datetime as dt
import json

from ..conftest import ROOT, run_main

REGISTER = str(ROOT / "examples" / "acme")


def test_get_a_rest_route_answers_as_the_facade():
    from clausegraph.engine import Clausegraph

    res = run_main("serve", "--get", "/api/frameworks?as_of=2024-08-01", "--workers", "1")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    expected = Clausegraph.open().frameworks(as_of=dt.date(2024, 8, 1))
    assert doc["items"] == json.loads(json.dumps(expected)) and doc["total"] == 4


def test_get_with_a_register_and_the_sparql_endpoint():
    res = run_main("serve", "--register", REGISTER, "--workers", "1", "--get", "/api/systems?limit=500")
    assert res.returncode == 0, res.stderr
    from clausegraph.engine import Clausegraph

    assert json.loads(res.stdout)["total"] == len(Clausegraph.open(register=REGISTER).systems()) > 0
    query = "/sparql?query=" + "ASK%20%7B%20%3Fs%20a%20%3Chttps%3A%2F%2Fw3id.org%2Fclausegraph%2Fontology%23AISystem%3E%20%7D"
    res = run_main("serve", "--register", REGISTER, "--workers", "1", "--get", query)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["boolean"] is True


def test_get_errors_exit_2_with_the_error_document():
    res = run_main("serve", "--workers", "1", "--get", "/api/provisions/euaiact:Art.%2026(13)")
    assert res.returncode == 2 and "HTTP 404" in res.stderr
    body = json.loads(res.stdout)
    assert body["error"] and body["suggestions"]
    assert run_main("serve", "--get", "api/frameworks").returncode == 2   # not a path
