"""End-to-end tests of the web page in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright)
against the app served by uvicorn on a free loopback port with the example register.

Screenshots of every view at 1280 px and at phone width (390 px) are written to tests/artifacts/web/.
Without chromium these tests skip locally and fail in CI (CI=true): see conftest.browser_missing.
"""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

VIEWS = [
    ("overview", "/", "AI governance as a knowledge graph"),
    ("coverage", "/coverage?via=1", "Coverage"),
    ("trace-search", "/trace?q=oversight", "Trace explorer"),
    ("provision", "/provisions/euaiact:Art.%2026(1)", "Use in accordance with instructions"),
    ("control", "/controls/CTL-DEP-01", "CTL-DEP-01"),
    ("evidence", "/evidence/EV-043", "EV-043"),
    ("systems", "/systems", "AI systems"),
    ("system", "/systems/credit-scorer", "credit-scorer"),
    ("soa", "/soa", "Statement of Applicability"),
    ("query", "/query", "SPARQL editor"),
    ("error-404", "/provisions/euaiact:Art.%20999", "Not found"),
]
WIDTHS = {"1280": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def test_every_view_at_desktop_and_phone_width(page, artifacts):
    for label, size in WIDTHS.items():
        page.set_viewport_size(size)
        for name, url, heading in VIEWS:
            page.goto(url)
            assert heading in page.locator("h1").inner_text(), (name, label)
            if name == "query":
                page.wait_for_selector(".CodeMirror")
            # nothing wider than the viewport but the scrolling table frames
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{name} overflows by {overflow}px at {label}"
            page.screenshot(path=str(artifacts / f"{name}-{label}.png"), full_page=True)
    assert page.external_requests == []
    assert page.console_errors == []


def test_skip_link_and_keyboard_focus(page):
    page.goto("/systems")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to content"
    assert page.evaluate("getComputedStyle(document.activeElement).top") == "0px"   # visible when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_follow_a_trace_from_an_obligation_to_evidence_by_clicking(page, artifacts):
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Systems").click()
    page.get_by_role("link", name="credit-scorer").click()
    assert "credit-scorer" in page.locator("h1").inner_text()
    page.get_by_role("link", name="euaiact:Art. 26(1)", exact=True).first.click()
    assert "Use in accordance with instructions" in page.locator("h1").inner_text()
    tree = page.locator(".tree")
    tree.get_by_role("link", name="CTL-DEP-01").first.click()
    assert "CTL-DEP-01" in page.locator("h1").inner_text()
    page.locator(".tree").get_by_role("link", name="EV-043").first.click()
    assert page.url.endswith("/evidence/EV-043")
    assert "Human oversight roster" in page.locator("h1").inner_text()
    assert page.locator(".badge.valid").first.is_visible()
    # and back again: the evidence serves the obligation we started from
    page.locator("#h-serves + dl").get_by_role("link", name="Art. 26(1)", exact=True).click()
    assert "euaiact:Art. 26(1)" in page.locator("h1").inner_text()
    page.screenshot(path=str(artifacts / "trace-clicked-back-1280.png"))
    assert page.external_requests == []


def test_search_finds_a_provision_by_alias(page):
    page.goto("/trace")
    page.get_by_label("Provision, control or evidence").fill("GV-1.1")
    page.get_by_label("Provision, control or evidence").press("Enter")
    page.get_by_role("link", name="nist-ai-rmf:GOVERN 1.1").click()
    assert "GOVERN 1.1" in page.locator("h1").inner_text()


def test_run_a_named_query_in_the_editor(page, artifacts):
    page.goto("/query")
    page.wait_for_selector(".CodeMirror")
    page.get_by_label("Named query").select_option("framework-counts")
    assert "framework-counts" in page.url
    assert "cg:frameworkKey" in page.evaluate("window.clausegraphYasgui.getTab().getQuery()")
    page.locator(".yasqe_queryButton").click()
    rows = page.locator(".yasr table tbody tr")
    rows.first.wait_for()
    text = page.locator(".yasr table").inner_text()
    assert "iso42001" in text and "euaiact" in text and "nist-ai-rmf" in text
    # a named query with $parameters runs with its example values filled in
    page.get_by_label("Named query").select_option("assessable-provisions")
    page.locator(".yasqe_queryButton").click()
    page.wait_for_function("document.querySelector('.yasr table') && "
                           "document.querySelector('.yasr table').innerText.includes('iso42001')")
    page.screenshot(path=str(artifacts / "query-results-1280.png"), full_page=True)
    assert page.external_requests == []
    assert page.console_errors == []


def test_download_the_statement_of_applicability(page, tmp_path):
    from openpyxl import load_workbook

    page.goto("/soa")
    with page.expect_download() as info:
        page.get_by_role("link", name="XLSX").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.suffix == ".xlsx"
    ws = load_workbook(path).active
    header = [c.value for c in ws[1]]
    assert header[0] == "control" and ws.max_row - 1 == 38
    assert {r[0].value for r in ws.iter_rows(min_row=2)} >= {"iso42001:A.2.2", "iso42001:A.10.4"}
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV").click()
    csv_path = tmp_path / info.value.suggested_filename
    info.value.save_as(csv_path)
    assert len(csv_path.read_text(encoding="utf-8").splitlines()) == 39
