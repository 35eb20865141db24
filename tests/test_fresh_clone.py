"""The README's first step on a fresh clone: ``make serve`` installs, builds the store (its folder does not
exist yet) and serves the page with the example organisation (issue 14).

The clone is made from the committed HEAD, so only what is committed counts. pip's own cache is reused (as
on any machine that installed Python packages before); the virtual environment is new.
"""
from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import ROOT, free_port

pytestmark = pytest.mark.slow


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as res:
        return res.status, res.read().decode("utf-8")


def test_make_serve_on_a_fresh_clone(tmp_path):
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
    clone = tmp_path / "clausegraph"
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "checkout", "--quiet", head], check=True)
    assert not (clone / ".clausegraph").exists() and not (clone / ".venv").exists()

    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    log = open(tmp_path / "make-serve.log", "w", encoding="utf-8")
    proc = subprocess.Popen(["make", "serve", f"PORT={port}"], cwd=clone, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.time() + 900   # pip install of every extra, then the build
        page = None
        while time.time() < deadline:
            if proc.poll() is not None:
                break
            try:
                status, page = _get(f"http://127.0.0.1:{port}/systems")
                break
            except OSError:
                time.sleep(2)
        output = (tmp_path / "make-serve.log").read_text(encoding="utf-8", errors="replace")
        assert page is not None, f"make serve exited {proc.returncode} or did not answer:\n{output[-4000:]}"
        assert status == 200
        with open(clone / "examples" / "acme" / "systems.csv", encoding="utf-8", newline="") as f:
            names = [row["name"] for row in csv.DictReader(f)]
        assert len(names) >= 10 and all(name in page for name in names), "the example organisation is not shown"
        status, home = _get(f"http://127.0.0.1:{port}/")
        assert status == 200 and "ISO/IEC 42001" in home
        assert (clone / ".clausegraph" / "store").is_dir()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        log.close()
        shutil.rmtree(clone, ignore_errors=True)
