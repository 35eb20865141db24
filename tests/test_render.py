"""The Markdown export (CLI ``--format markdown`` and the page's SoA download) shows user text as text: raw HTML
in a register value is escaped, checked by rendering the export with a CommonMark renderer (markdown-it-py)."""
from __future__ import annotations

import csv
import shutil

import pytest

from .conftest import ROOT, run_main

HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)> | <b>bold</b>'


@pytest.fixture(scope="module")
def hostile_register(tmp_path_factory):
    """The example register with raw HTML in the SoA justification of iso42001:A.2.2."""
    reg = tmp_path_factory.mktemp("hostile") / "acme"
    shutil.copytree(ROOT / "examples" / "acme", reg)
    path = reg / "applicability.csv"
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    row = next(r for r in rows if r["ref"] == "iso42001:A.2.2")
    row["justification"] = HOSTILE
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return reg


def assert_shown_as_text(markdown: str) -> None:
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").enable("table").render(markdown)   # CommonMark passes raw HTML through
    for tag in ("<script", "<img", "<b>"):
        assert tag not in html, tag
    row = next(line for line in html.splitlines() if "alert" in line)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt; | " \
           "&lt;b&gt;bold&lt;/b&gt;" in row, row


def test_cli_markdown_escapes_raw_html(hostile_register):
    res = run_main("soa", "--register", str(hostile_register), "--as-of", "2026-11-23", "--format", "markdown")
    assert res.returncode == 0, res.stderr
    assert_shown_as_text(res.stdout)


def test_page_download_escapes_raw_html(hostile_register, embedded_store):
    from .api.conftest import close_client, make_client

    web = make_client(embedded_store, register_path=str(hostile_register), workers=1)
    try:
        r = web.get("/soa/download", params={"format": "markdown", "as_of": "2026-11-23"})
        assert r.status_code == 200
        assert_shown_as_text(r.text)
    finally:
        close_client(web)
