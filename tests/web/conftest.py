"""Fixtures for the web page: the app over the bundled graph with the example register (TestClient), the same
app served by uvicorn on a free loopback port, and headless Chromium (Debian's) driven by Playwright."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ..conftest import ROOT

REGISTER = ROOT / "examples" / "acme"
ARTIFACTS = ROOT / "tests" / "artifacts" / "web"
CHROMIUM = os.environ.get("CLAUSEGRAPH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")   # never let Playwright fetch a browser


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def browser_missing(reason: str) -> None:
    """No browser: fail in CI (the end-to-end tests must run there), skip locally with the reason."""
    msg = (f"{reason}. The web end-to-end tests need Debian's chromium at {CHROMIUM} and the Python "
           f"'playwright' package: 'make test' installs both (apt-get install chromium; pip install '.[test]').")
    if _in_ci():
        pytest.fail(msg, pytrace=False)
    pytest.skip(msg)


@pytest.fixture(scope="session")
def web_app(embedded_store):
    from clausegraph.api.app import Settings, create_app

    app = create_app(embedded_store, Settings(register_path=str(REGISTER), workers=1))
    yield app
    app.state.backend.close()


@pytest.fixture(scope="session")
def web(web_app):
    from fastapi.testclient import TestClient

    return TestClient(web_app)


@pytest.fixture(scope="session")
def live_web(web_app):
    from ..api.conftest import LiveServer

    srv = LiveServer(web_app)
    yield srv
    srv.server.should_exit = True
    srv.thread.join(10)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def chromium():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_missing("the Python package 'playwright' is not installed")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        browser_missing(f"chromium is not installed at {CHROMIUM}")
    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    except Exception as exc:  # noqa: BLE001 - a browser that does not start is a missing browser
        pw.stop()
        browser_missing(f"chromium at {CHROMIUM} did not start: {exc}")
    yield browser
    browser.close()
    pw.stop()


@pytest.fixture
def page(chromium, live_web):
    """A fresh page at 1280 px that records every request leaving the loopback server."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True,
                                   base_url=live_web.url)
    pg = context.new_page()
    pg.external_requests = []
    pg.console_errors = []

    def on_request(req):
        if not req.url.startswith(live_web.url) and not req.url.startswith(("data:", "blob:", "about:")):
            pg.external_requests.append(req.url)

    pg.on("request", on_request)
    pg.on("pageerror", lambda exc: pg.console_errors.append(str(exc)))
    pg.set_default_timeout(15000)
    yield pg
    context.close()


@pytest.fixture(scope="module")
def bare(embedded_store):
    """The bundled graph without a register; updates enabled with the tests' token."""
    from ..api.conftest import TOKEN, close_client, make_client

    c = make_client(embedded_store, update_token=TOKEN, workers=1)
    yield c
    close_client(c)
