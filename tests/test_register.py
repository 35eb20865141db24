"""Register import: the three forms give the same graph, every problem is located, nothing is written on a
failed import, hostile input never crashes (hypothesis), exports neutralise formulas."""
from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clausegraph.engine.errors import UserInputError
from clausegraph.engine.register import load_register
from clausegraph.engine.register.schema import SCHEMA
from clausegraph.api.render import to_csv

from .conftest import ROOT, run_main

EXAMPLE = ROOT / "examples" / "acme"


def read_tables(folder: Path) -> dict[str, list[dict[str, str]]]:
    out = {}
    for f in sorted(folder.glob("*.csv")):
        with open(f, newline="", encoding="utf-8") as fh:
            out[f.stem] = list(csv.DictReader(fh))
    return out


def write_yaml(tables: dict, path: Path) -> None:
    def typed(col: str, value: str):
        if value == "":
            return None
        if col in ("use_cases", "role", "implements", "systems", "supports", "controls"):
            return [v for v in value.split(";") if v]
        if value in ("true", "false"):
            return value == "true"
        return value

    doc = {name: [{k: typed(k, v) for k, v in row.items() if v != ""} for row in rows]
           for name, rows in tables.items()}
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")


def write_xlsx(tables: dict, path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in tables.items():
        ws = wb.create_sheet(name)
        cols = list(rows[0].keys()) if rows else [c.name for c in SCHEMA[name]]
        ws.append(cols)
        for row in rows:
            ws.append([row[c] if row[c] != "" else None for c in cols])
    wb.save(path)


def test_three_forms_give_the_same_graph(tmp_path):
    tables = read_tables(EXAMPLE)
    shutil.copytree(EXAMPLE / "evidence", tmp_path / "evidence")
    write_yaml(tables, tmp_path / "register.yaml")
    write_xlsx(tables, tmp_path / "register.xlsx")
    from_csv = set(load_register(EXAMPLE).ntriples.splitlines())
    from_yaml = set(load_register(tmp_path / "register.yaml").ntriples.splitlines())
    from_xlsx = set(load_register(tmp_path / "register.xlsx").ntriples.splitlines())
    assert len(from_csv) > 2000
    assert from_csv == from_yaml == from_xlsx


def test_example_register_is_complete_and_digests_match():
    data = load_register(EXAMPLE)
    assert len(data.systems) >= 10 and len(data.tables["controls"]) >= 30
    assert len(data.tables["applicability"]) == 38
    rows = {e["id"]: e for e in data.tables["evidence"]}
    local = {k: v for k, v in data.evidence_digests.items() if v}
    assert local and all(rows[k].get("sha256", "").lower() == v for k, v in local.items() if rows[k].get("sha256"))


def small_register(folder: Path, systems: str, controls: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "systems.csv").write_text(systems, encoding="utf-8")
    if controls is not None:
        (folder / "controls.csv").write_text(controls, encoding="utf-8")
    return folder


SYSTEMS_HEADER = "id,name,owner,role,use_cases\n"


def problems_of(path: Path) -> list:
    with pytest.raises(UserInputError) as exc:
        load_register(path)
    return exc.value.problems


@pytest.mark.parametrize("rows,column,needle", [
    ("s1,Sys,me,provider,annex-iii-9z\n", "use_cases", "unknown use-case code"),
    ("s1,Sys,me,provider,art5-1z\n", "use_cases", "unknown use-case code"),
    ("s1,Sys,me,emperor,\n", "role", "expected values"),
    ("s 1,Sys,me,provider,\n", "id", "must match"),
    ("s1,Sys,,provider,\n", "owner", "required"),
    ("s1,@SUM(A1),me,provider,\n", "name", "formula"),
    ("s1,Sys,me,provider,\ns1,Sys2,me,deployer,\n", "id", "duplicate id"),
])
def test_each_problem_names_file_row_and_column(tmp_path, rows, column, needle):
    probs = problems_of(small_register(tmp_path / "r", SYSTEMS_HEADER + rows))
    hit = [p for p in probs if needle in p.message]
    assert hit and hit[0].file == "systems.csv" and hit[0].column == column and hit[0].row and hit[0].row >= 2


def test_all_problems_are_reported_at_once(tmp_path):
    reg = small_register(tmp_path / "r", SYSTEMS_HEADER + "s1,Sys,,king,\ns2,=1+1,me,provider,nope\n",
                         "id,title,owner,status,implements\nc1,T,me,done,euaiact:Art. 999\nc2,T,me,implemented,"
                         "iso42001:A.99\n")
    probs = problems_of(reg)
    assert len(probs) >= 6
    assert {p.file for p in probs} == {"systems.csv", "controls.csv"}


def test_unknown_references_and_ids(tmp_path):
    reg = small_register(tmp_path / "r", SYSTEMS_HEADER + "s1,Sys,me,provider,\n",
                         "id,title,owner,status,implements,systems\nc1,T,me,implemented,euaiact:Art. 26(13),s9\n")
    msgs = {p.column: p.message for p in problems_of(reg)}
    assert "unknown provision" in msgs["implements"] and "unknown system id" in msgs["systems"]


def test_unknown_column_and_missing_required_column(tmp_path):
    probs = problems_of(small_register(tmp_path / "r", "id,name,role,colour\ns1,Sys,provider,red\n"))
    text = " ".join(str(p) for p in probs)
    assert "unknown column 'colour'" in text and "missing required column 'owner'" in text


def test_non_utf8_csv_is_located(tmp_path):
    reg = tmp_path / "r"
    reg.mkdir()
    (reg / "systems.csv").write_bytes(SYSTEMS_HEADER.encode() + b"s1,Syst\xe8me,me,provider,\n")
    probs = problems_of(reg)
    assert probs[0].file == "systems.csv" and probs[0].row == 2 and "UTF-8" in probs[0].message


def test_xlsx_formulas_are_rejected(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "systems"
    ws.append(["id", "name", "owner", "role"])
    ws.append(["s1", "=HYPERLINK(\"http://evil\")", "me", "provider"])
    wb.save(tmp_path / "r.xlsx")
    probs = problems_of(tmp_path / "r.xlsx")
    assert probs[0].file == "r.xlsx[systems]" and probs[0].row == 2 and probs[0].column == "name"


def test_evidence_path_may_not_escape_the_register(tmp_path):
    reg = small_register(tmp_path / "r", SYSTEMS_HEADER + "s1,Sys,me,provider,\n",
                         "id,title,owner,status\nc1,T,me,implemented\n")
    (reg / "evidence.csv").write_text("id,title,supports,location,collected_on\ne1,E,c1,../../etc/passwd,2026-01-01\n",
                                      encoding="utf-8")
    assert any("inside the register folder" in p.message for p in problems_of(reg))


def test_broken_csv_exits_2_and_leaves_the_store_unchanged(tmp_path):
    store = tmp_path / "store"
    assert run_main("build", "--store", str(store), "--register", str(EXAMPLE)).returncode == 0
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    before = json.loads(run_main("query", q, "--store", str(store), "--format", "json").stdout)
    bad = small_register(tmp_path / "bad", SYSTEMS_HEADER + "s1,Sys,me,provider,annex-iii-4a\ns2,Sys,me,nobody,\n")
    res = run_main("import", "--register", str(bad), "--store", str(store))
    assert res.returncode == 2
    assert "systems.csv, row 3, column role" in res.stderr and "Traceback" not in res.stderr
    after = json.loads(run_main("query", q, "--store", str(store), "--format", "json").stdout)
    assert before == after
    ok = run_main("import", "--register", str(small_register(tmp_path / "good", SYSTEMS_HEADER + "s1,S,me,provider,\n")),
                 "--store", str(store), "--format", "json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["rows"] == {"systems": 1}


# ---------------------------------------------------------------- hostile input (property-based)

VALID = {"id": "s1", "name": "Ranker", "owner": "HR", "role": "provider", "use_cases": "annex-iii-4a",
         "profiling": "true", "training_flops": "1e20", "lifecycle": "deployed"}
cell_attacks = st.one_of(
    st.text(min_size=1, max_size=30),
    st.sampled_from(["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=evil", "yes please", "2026-02-30",
                     "1e999", "-1", "provider;;;", "annex-iii-0", "art5-1", "true;false", "\x00", "x" * 20000]),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(list(VALID) + ["colour", ""]), cell_attacks, min_size=1, max_size=4),
       st.sampled_from(["drop", "keep"]), st.booleans())
def test_malformed_registers_never_crash(tmp_path_factory, attack, mode, duplicate):
    folder = tmp_path_factory.mktemp("reg")
    row = dict(VALID)
    row.update(attack)
    if mode == "drop":
        row.pop("owner", None)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(list(row))
    w.writerow(list(row.values()))
    if duplicate:
        w.writerow(list(row.values()))
    (folder / "systems.csv").write_text(buf.getvalue(), encoding="utf-8", errors="surrogatepass")
    try:
        load_register(folder)
    except UserInputError as exc:
        assert exc.problems and all(p.file for p in exc.problems)
        assert all(p.row is not None or p.line is not None or p.column is None for p in exc.problems)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(min_size=1, max_size=300))
def test_random_bytes_never_crash(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("bytes")
    (folder / "systems.csv").write_bytes(b"id,name,owner,role\n" + data)
    try:
        load_register(folder)
    except UserInputError as exc:
        assert exc.problems


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(min_size=0, max_size=200))
def test_random_bytes_as_yaml_and_xlsx_never_crash(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("forms")
    for name in ("r.yaml", "r.xlsx"):
        (folder / name).write_bytes(data)
        try:
            load_register(folder / name)
        except UserInputError as exc:
            assert exc.problems


def test_cli_on_hostile_register_exits_2_without_traceback(tmp_path):
    reg = small_register(tmp_path / "r", "id,name,owner,role\n" + "s1," + "x" * 20000 + ",me,provider\n")
    res = run_main("classify", "--register", str(reg))
    assert res.returncode == 2 and "Traceback" not in res.stderr and "row 2, column name" in res.stderr


def test_exports_neutralise_formula_cells():
    text = to_csv(["a", "b", "c", "d"], [["=1+1", "+x", "-y", "@z"]])
    assert text.splitlines()[1] == "'=1+1,'+x,'-y,'@z"


def test_known_provisions_are_those_of_a_catalogue_build():
    """The register checks references against the bundled catalogues read on their own (no build, which imports
    registers): the same provisions a build holds."""
    from clausegraph.engine import queries as q
    from clausegraph.engine.build import build
    from clausegraph.engine.register.load import bundled_provisions
    from clausegraph.engine.store import open_store

    store = open_store()
    build(store, include_mappings=False)
    assert bundled_provisions() == {r["p"].value for r in store.select(q.render("provisions")).rows}
