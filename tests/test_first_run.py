"""A new user's first steps (issue 14): store paths with missing parents, and a store that is not there."""
from __future__ import annotations

import json

from .conftest import run_cli


def test_build_creates_missing_parent_folders(tmp_path):
    store = tmp_path / "missing" / "dir" / "store"
    res = run_cli("build", "--store", str(store), "--format", "json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["triples"] > 10000
    res = run_cli("query", "ASK { ?s ?p ?o }", "--store", str(store), "--format", "json")
    assert res.returncode == 0 and json.loads(res.stdout)["boolean"] is True


def test_relative_store_path_with_missing_parent(tmp_path):
    """The Makefile's default: .clausegraph/store, relative to a fresh clone without .clausegraph/."""
    res = run_cli("build", "--store", ".clausegraph/store", "--format", "json", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / ".clausegraph" / "store").is_dir()


def test_question_on_a_missing_store_creates_nothing_and_exits_2(tmp_path):
    where = tmp_path / "nonexistent"
    for args in (["frameworks"], ["show", "iso42001:4.1"], ["query", "ASK {}"], ["classify"]):
        res = run_cli(*args, "--store", str(where / "store"))
        assert res.returncode == 2, (args, res.stderr)
        assert "no clausegraph store" in res.stderr and "clausegraph build --store" in res.stderr
        assert "Traceback" not in res.stderr
    assert not where.exists()


def test_import_into_a_missing_store_creates_nothing(tmp_path):
    from .conftest import ROOT

    res = run_cli("import", "--register", str(ROOT / "examples" / "acme"), "--store", str(tmp_path / "x" / "s"))
    assert res.returncode == 2, res.stderr
    assert not (tmp_path / "x").exists()


def test_store_path_that_cannot_be_created_exits_2(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    for store in (blocker, blocker / "store"):
        res = run_cli("build", "--store", str(store))
        assert res.returncode == 2, res.stderr
        assert str(blocker) in res.stderr and "Traceback" not in res.stderr
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_store_in_use_by_another_process_exits_2(tmp_path):
    import subprocess
    import sys

    store = tmp_path / "store"
    assert run_cli("build", "--store", str(store)).returncode == 0
    holder = subprocess.Popen([sys.executable, "-c", "import sys, pyoxigraph; s = pyoxigraph.Store(sys.argv[1]); "
                               "print('open', flush=True); sys.stdin.read()", str(store)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        res = run_cli("build", "--store", str(store))
        assert res.returncode == 2, res.stderr
        assert "in use by another process" in res.stderr
    finally:
        holder.stdin.close()
        holder.wait(30)
