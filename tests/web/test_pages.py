"""The web page without a browser: every view answers with the right status and content, fast; errors are
friendly HTML pages with the engine's message; nothing loads a script or style from the network."""
from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pytest

from ..conftest import ROOT

WEB = ROOT / "api" / "web"
BUDGET_MS = 300

VIEWS = {
    "/": ["AI governance as a knowledge graph", "iso42001", "nist-ai-rmf", "/api/oscal/catalog/euaiact?as_of="],
    "/coverage": ["Framework × framework", "covered", "uncovered", "Art. 26(1)", "% of atoms", "what is left"],
    "/coverage?framework=iso42001&via=1&as_of=2026-12-01": ["iso42001: coverage by your controls (via mappings)",
                                                            "A.6.2.8"],
    "/trace?q=oversight": ["Provisions", "Controls", "Evidence", "CTL-DEP-01"],
    "/trace?q=nist-ai-rmf:GV-1.1": ["nist-ai-rmf:GOVERN 1.1", "exact"],
    "/provisions/euaiact:Art.%2026(1)": ["Use in accordance with instructions", "Official text at the source",
                                         "eur-lex.europa.eu", "subset of", "CTL-DEP-01", "EV-043"],
    "/provisions/nist-ai-rmf:GV-1.1": ["nist-ai-rmf:GOVERN 1.1"],
    "/controls/CTL-DEP-01": ["CTL-DEP-01", "Serves", "euaiact:Art. 26(1)", "EV-043"],
    "/evidence/EV-043": ["EV-043", "valid", "CTL-DEP-01", "Serves"],
    "/systems": ["Register (17 systems)", "high-risk", "Validation (SHACL)", "iso42001:8.4"],
    "/systems/credit-scorer": ["credit-scorer", "Obligations", "euaiact:Art. 26(1)", "applicable"],
    "/soa": ["Statement of Applicability", "38 controls", "A.2.2", "format=xlsx", "/api/oscal/assessment-results?as_of="],
    "/hub": ["Requirement hub", "hub:log.record-in-use", "Art. 12(1)"],
    "/hub?theme=log": ["hub:log.record-in-use", "Events recorded while the system is in use"],
    "/hub/hub:log.record-in-use": ["hub:log.record-in-use", "Demanded by", "euaiact:Art. 12(1)", "iso42001:A.6.2.8"],
    "/provisions/euaiact:Art.%2012(1)?as_of=2026-11-23": ["Atomic requirements", "hub:log.record-in-use", "met"],
    "/records?as_of=2026-11-23": ["Incidents (3)", "INC-2026-021", "euaiact:Art. 73(2)", "reported 2 days late",
                                  "overdue since 2026-09-30", "DEC-2026-011", "approved-with-conditions"],
    "/readiness?as_of=2026-11-23": ["ISO/IEC 42001 audit readiness", "iso42001:10", "iso42001:A.10.3",
                                    "corrective action CA-2026-003 overdue since 2026-09-30"],
    "/findings/AUD-25-04?as_of=2026-11-23": ["AUD-25-04", "iso42001:5.2", "CA-2025-011", "EV-002"],
    "/actions/CA-2026-003?as_of=2026-11-23": ["CA-2026-003", "overdue since 2026-09-30", "AUD-26-01"],
    "/decisions/DEC-2026-006": ["DEC-2026-006", "shift-allocator", "ASM-009"],
    "/incidents/INC-2026-021/impact?as_of=2026-11-23": ["INC-2026-021", "hr-cv-ranker", "INC-2026-021-F"],
    "/provisions/iso42001:A.6.2.4?as_of=2026-11-23": ["AUD-26-01", "CA-2026-003", "action-planned"],
    "/query": ["SPARQL editor", "framework-counts", "yasgui.min.js", "coverage"],
    "/query?name=coverage": ["Template of coverage", "$targets"],
}


@pytest.mark.parametrize("url", list(VIEWS))
def test_view_status_content_and_render_time(web, url):
    r = web.get(url)
    assert r.status_code == 200, r.text[:2000]
    assert r.headers["content-type"].startswith("text/html")
    for text in VIEWS[url]:
        assert text in r.text, f"{text!r} missing from {url}"
    assert '<a class="skip-link" href="#main">' in r.text and 'id="main"' in r.text
    # warm (the first request fills the per-generation cache): under the budget, best of three
    times = []
    for _ in range(3):
        t = time.perf_counter()
        assert web.get(url).status_code == 200
        times.append((time.perf_counter() - t) * 1000)
    assert min(times) < BUDGET_MS, f"{url} took {min(times):.0f} ms"


def test_every_form_control_has_a_label(web):
    for url in VIEWS:
        html = web.get(url).text
        ids = set(re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html))
        labelled = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
        hidden = set(re.findall(r'<input[^>]*type="hidden"[^>]*id="([^"]+)"', html))
        assert ids - hidden <= labelled, (url, ids - labelled)
        assert not re.search(r'<(?:input|select)(?![^>]*type="hidden")(?![^>]*\bid=)[^>]*>', html), url


def test_unknown_reference_is_a_friendly_404_with_suggestions(web):
    from clausegraph.engine.catalogue import Catalogue
    from clausegraph.engine.errors import UnknownReferenceError

    r = web.get("/provisions/euaiact:Art. 999")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    with pytest.raises(UnknownReferenceError) as exc:
        Catalogue(web.app.state.backend.store).resolve("euaiact:Art. 999")
    assert exc.value.message.replace("'", "&#39;") in r.text or exc.value.message in r.text
    assert "Did you mean" in r.text
    for s in exc.value.suggestions:
        assert s in r.text
    assert 'href="/provisions/euaiact:Art.%2099"' in r.text


@pytest.mark.parametrize("url,status,message", [
    ("/controls/NOPE", 404, "no control &#39;NOPE&#39; in the register"),
    ("/evidence/EV-NOPE", 404, "no evidence &#39;EV-NOPE&#39; in the register"),
    ("/systems/nope", 404, "no system &#39;nope&#39; in the register"),
    ("/coverage?as_of=tomorrow", 400, "as_of must be a date"),
    ("/coverage?framework=nope", 404, "nope"),
    ("/soa/download?format=pdf", 400, "unknown format"),
    ("/query?name=nope", 404, "no named query"),
])
def test_errors_render_html_with_the_engine_message(web, url, status, message):
    r = web.get(url)
    assert r.status_code == status and r.headers["content-type"].startswith("text/html")
    assert message in r.text and 'role="alert"' in r.text


def test_pages_without_a_register_say_so(bare):
    """The bundled graph alone (tests/api's client): catalogue views work, register views explain."""
    assert bare.get("/").status_code == 200
    r = bare.get("/coverage")
    assert r.status_code == 200 and "No organisation register is loaded" in r.text
    assert bare.get("/provisions/iso42001:A.6.2.8").status_code == 200
    r = bare.get("/systems")
    assert r.status_code == 404 and "no register is loaded" in r.text


def test_soa_downloads(web):
    from openpyxl import load_workbook

    from clausegraph.engine.soa import COLUMNS

    x = web.get("/soa/download", params={"format": "xlsx", "as_of": "2026-12-01"})
    assert x.status_code == 200 and "attachment" in x.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(x.content)).active
    assert ws.max_row - 1 == 38
    c = web.get("/soa/download", params={"format": "csv", "as_of": "2026-12-01"})
    assert c.status_code == 200 and c.text.splitlines()[0] == ",".join(COLUMNS) and len(c.text.splitlines()) == 39
    m = web.get("/soa/download", params={"format": "markdown", "as_of": "2026-12-01"})
    assert m.status_code == 200 and m.text.startswith("| control |")
    both = web.get("/soa/download", params={"format": "csv", "include_27001": "true"})
    assert len(both.text.splitlines()) == 1 + 38 + 93


def test_oscal_download_links_answer(web):
    """Every OSCAL link the index and SoA pages show downloads a document of the model it names."""
    links = re.findall(r'href="(/api/oscal/[^"]+)"', web.get("/").text + web.get("/soa").text)
    assert len(links) == 5       # one catalog per framework, the assessment results
    for link in links:
        r = web.get(link.replace("&amp;", "&"))
        assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
        assert next(iter(r.json())) in ("catalog", "assessment-results")


def test_a_write_through_the_endpoint_is_seen_by_the_next_page(bare):
    """The page cache is per store generation: a SPARQL Update changes what the next page shows."""
    from clausegraph.engine.refs import framework_iri

    from ..api.conftest import AUTH

    def iso42001_controls() -> int:
        html = bare.get("/").text
        card = html[html.index("<code>iso42001</code>"):]
        return int(re.search(r"<dt>control</dt><dd>(\d+)</dd>", card).group(1))

    before = iso42001_controls()
    assert before == iso42001_controls() == 38   # the second answer comes from the cache
    upd = ("PREFIX cg: <https://w3id.org/clausegraph/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
           "INSERT DATA { GRAPH <urn:test:web-probe> { <urn:test:web-probe:p> a cg:Provision ; "
           f'skos:inScheme <{framework_iri("iso42001")}> ; skos:notation "Z.99" ; cg:kind "control" }} }}')
    r = bare.post("/sparql", data={"update": upd}, headers=AUTH)
    assert r.status_code == 204, r.text
    try:
        assert iso42001_controls() == before + 1
    finally:
        bare.post("/sparql", data={"update": "DROP SILENT GRAPH <urn:test:web-probe>"}, headers=AUTH)
    assert iso42001_controls() == before


def test_static_assets_are_served_with_their_licences(web):
    for path in ("/static/clausegraph.css", "/static/query.js", "/static/vendor/yasgui/yasgui.min.js",
                 "/static/vendor/yasgui/yasgui.min.css"):
        assert web.get(path).status_code == 200, path
    vendor = WEB / "static" / "vendor"
    for folder in (p for p in vendor.iterdir() if p.is_dir()):
        assert (folder / "LICENSE").exists(), f"{folder} has no LICENSE"


EXTERNAL = re.compile(r"""(?:<script[^>]*\bsrc\s*=\s*["']?\s*(?:https?:)?//|<link[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//|"""
                      r"""@import\s+(?:url\()?\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//)""", re.I)


def _asset_files() -> list[Path]:
    return [p for p in WEB.rglob("*") if p.suffix in (".html", ".css", ".js")]


def test_no_template_or_static_file_loads_an_external_script_or_style():
    files = _asset_files()
    assert any(p.name == "base.html" for p in files) and any(p.name == "yasgui.min.css" for p in files)
    for p in files:
        text = p.read_text(encoding="utf-8")
        m = EXTERNAL.search(text)
        assert m is None, f"{p.relative_to(ROOT)} references an external resource: {text[m.start():m.start() + 120]}"


def test_rendered_pages_reference_no_external_script_or_style(web):
    for url in VIEWS:
        html = web.get(url).text
        for tag in re.findall(r"<(?:script|link)\b[^>]*>", html):
            assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", tag), (url, tag)


def test_every_web_file_is_declared_as_package_data():
    """`pip install .` ships the templates and static files (patterns in pyproject's package-data)."""
    import fnmatch
    import tomllib

    conf = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = conf["tool"]["setuptools"]["package-data"]["clausegraph.api"]
    api = ROOT / "api"
    for f in (p for p in WEB.rglob("*") if p.is_file()):
        rel = f.relative_to(api).as_posix()
        assert any(fnmatch.fnmatch(rel, pat.replace("**/", "*")) for pat in patterns), rel
