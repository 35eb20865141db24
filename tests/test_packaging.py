"""Packaging: every source package is listed in pyproject, and a wheel installed in a fresh venv finds all
its data files when run from outside the repository."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest

from .conftest import ROOT

SOURCE_DIRS = {"engine": "clausegraph.engine", "api": "clausegraph.api", "ontology": "clausegraph.ontology",
               "mappings": "clausegraph.mappings", "shapes": "clausegraph.shapes"}


def test_every_source_package_is_listed_in_pyproject():
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(conf["tool"]["setuptools"]["packages"])
    found = set()
    for folder, name in SOURCE_DIRS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            found.add(".".join([name, *rel.parts]))
    assert found == listed


def test_every_data_folder_is_a_package_with_data_declared():
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    data = conf["tool"]["setuptools"]["package-data"]
    for pkg in ("clausegraph.ontology", "clausegraph.mappings", "clausegraph.shapes"):
        assert pkg in data


@pytest.mark.slow
def test_wheel_installs_and_builds_from_outside_the_repo(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
                   check=True, capture_output=True, cwd=tmp_path)
    wheel = next(dist.glob("clausegraph-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)], check=True)
    # dependencies come from the test environment's site-packages (no network), but not its clausegraph
    site = next((env_dir / "lib").glob("python*/site-packages"))
    deps = [p for p in sys.path if p.endswith("site-packages")]
    (site / "zz_test_deps.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    where = subprocess.run([str(py), "-c", "import clausegraph.engine, clausegraph.ontology; "
                            "print(clausegraph.engine.__file__)"], capture_output=True, text=True, cwd=outside)
    assert str(env_dir) in where.stdout, where.stdout + where.stderr
    exe = env_dir / "bin" / "clausegraph"
    res = subprocess.run([str(exe), "build", "--store", str(tmp_path / "store"), "--format", "json"],
                         capture_output=True, text=True, cwd=outside, env={**os.environ, "PYTHONPATH": ""})
    assert res.returncode == 0, res.stderr
    graphs = json.loads(res.stdout)["graphs"]
    assert "ontology" in graphs and "catalogue/euaiact" in graphs and "mappings/euaiact--iso42001" in graphs
    res = subprocess.run([str(exe), "mappings", "check"], capture_output=True, text=True, cwd=outside)
    assert res.returncode == 0, res.stdout + res.stderr
