"""Fixtures for the HTTP layer: apps over small or bundled stores, and live uvicorn servers on loopback."""
from __future__ import annotations

import shutil
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from ..conftest import free_port

TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def make_client(store, **settings):
    from fastapi.testclient import TestClient

    from clausegraph.api.app import Settings, create_app

    settings.setdefault("workers", 2)
    app = create_app(store, Settings(**settings))
    return TestClient(app)


def close_client(client) -> None:
    client.app.state.backend.close()


@pytest.fixture(scope="module")
def client(embedded_store):
    """The bundled graph, updates enabled with TOKEN (writes go to a private on-disk copy)."""
    c = make_client(embedded_store, update_token=TOKEN)
    yield c
    close_client(c)


@pytest.fixture(scope="module")
def readonly_client(embedded_store):
    c = make_client(embedded_store)
    yield c
    close_client(c)


class LiveServer:
    """uvicorn serving an app in a background thread on a free 127.0.0.1 port."""

    def __init__(self, app) -> None:
        import uvicorn

        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                   access_log=False, limit_concurrency=200, backlog=512))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/sparql?query=ASK%7B%7D", timeout=2).read()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("uvicorn did not start")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.app.state.backend.close()


@contextmanager
def serving(store, **settings):
    """A :class:`LiveServer` over ``store`` with these ``Settings`` (one worker unless told), stopped on exit."""
    from clausegraph.api.app import Settings, create_app

    settings.setdefault("workers", 1)
    srv = LiveServer(create_app(store, Settings(**settings)))
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def live_server(embedded_store):
    from clausegraph.api.app import Settings, create_app

    srv = LiveServer(create_app(embedded_store, Settings(update_token=TOKEN, workers=2)))
    yield srv
    srv.stop()


@pytest.fixture
def tmp_store_dir():
    d = tempfile.mkdtemp(prefix="cg-api-")
    yield Path(d)
    shutil.rmtree(d, ignore_errors=True)
