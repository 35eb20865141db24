"""Shared fixtures: the bundled graph on the embedded store and on a real Oxigraph server."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SHARED = ROOT.parent / "shared"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def oxigraph_binary() -> str:
    exe = Path(sys.executable).parent / "oxigraph"
    found = str(exe) if exe.exists() else shutil.which("oxigraph")
    if not found:
        pytest.fail("the oxigraph server binary is missing: it is installed by the 'test' extra (pip install oxigraph)")
    return found


class OxigraphServer:
    """A real Oxigraph server on a free loopback port, stopped by its PID."""

    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="cg-oxigraph-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([oxigraph_binary(), "serve", "--location", self.dir,
                                      "--bind", f"127.0.0.1:{self.port}", "--timeout-s", "60"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/query?query=ASK%7B%7D", timeout=1).read()
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"oxigraph exited: {self.proc.stderr.read().decode()}")
                time.sleep(0.1)
        raise RuntimeError("oxigraph server did not start in 20 s")

    def stop(self) -> None:
        os.kill(self.proc.pid, 15)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, 9)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def oxigraph_server():
    server = OxigraphServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def embedded_store():
    from clausegraph.engine.build import build
    from clausegraph.engine.store import open_store

    store = open_store()
    build(store)
    return store


@pytest.fixture(scope="session")
def remote_store(oxigraph_server):
    from clausegraph.engine.build import build
    from clausegraph.engine.store import open_store

    store = open_store(endpoint=f"{oxigraph_server.url}/query")
    build(store)
    return store


@pytest.fixture(params=["embedded", "remote"])
def store(request):
    """The bundled graph on each store implementation: engine tests run on both."""
    return request.getfixturevalue(f"{request.param}_store")


def run_main(*args: str) -> subprocess.CompletedProcess:
    """Run the command line in this process (``main([...])``), capturing stdout and stderr: for every test that
    needs no process of its own."""
    import contextlib
    import io

    from clausegraph.api.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return subprocess.CompletedProcess(["clausegraph", *args], code, out.getvalue(), err.getvalue())


def run_cli(*args: str, cwd: str | Path | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """Run the installed clausegraph command in a subprocess (for what needs a real process: the console
    script itself, start-up imports, signals)."""
    exe = Path(sys.executable).parent / "clausegraph"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=cwd, input=input, timeout=300)
