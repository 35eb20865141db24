"""Bad register input found by a new user (issue 14): every mistake is a located error (file, row, column), all at
once, exit 2, with messages of a readable length; never exit 3, a traceback or silently wrong data."""
from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clausegraph.engine.errors import MAX_MESSAGE, ClausegraphError, ProblemCollector, UserInputError
from clausegraph.engine.register import load_register
from clausegraph.engine.register.schema import FILES, RECORD_FILES

from .conftest import ROOT, run_cli

EXAMPLE = ROOT / "examples" / "acme"
SYSTEMS = "id,name,owner,role\ns1,Ranker,HR,provider\n"
CONTROLS = "id,title,owner,status,systems\nc1,Logging,Ops,implemented,s1\n"


def register(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def problems_of(path: Path) -> list:
    with pytest.raises(UserInputError) as exc:
        load_register(path)
    return exc.value.problems


def copy_example(tmp_path: Path) -> Path:
    target = tmp_path / "acme"
    shutil.copytree(EXAMPLE, target)
    return target


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    rows[row - 1][rows[0].index(column)] = value
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


# ---------------------------------------------------------------- item 2: exit 3 on user input

def test_overlong_evidence_location_is_a_located_error_with_a_short_message(tmp_path):
    reg = copy_example(tmp_path)
    set_cell(reg / "evidence.csv", 2, "location", "a" * 10_000)
    res = run_cli("classify", "--register", str(reg))
    assert res.returncode == 2, res.stderr
    assert "internal error" not in res.stderr and "Traceback" not in res.stderr
    assert "evidence.csv, row 2, column location" in res.stderr
    assert max(len(line) for line in res.stderr.splitlines()) <= MAX_MESSAGE + 200
    assert len(res.stderr) < 2000


def test_register_file_that_is_a_folder_is_a_located_error(tmp_path):
    reg = copy_example(tmp_path)
    (reg / "systems.csv").unlink()
    (reg / "systems.csv").mkdir()
    res = run_cli("classify", "--register", str(reg))
    assert res.returncode == 2, res.stderr
    assert "internal error" not in res.stderr
    first = res.stderr.splitlines()[1]
    assert "systems.csv" in first and "folder" in first
    assert "unknown system id" not in res.stderr   # the consequences are not listed one by one


def test_problem_messages_are_capped():
    problems = ProblemCollector()
    problems.add("bad value " + "x" * 50_000, "f" * 5_000 + ".csv", 2, "c" * 5_000)
    text = str(problems.problems[0])
    assert len(text) <= 3 * MAX_MESSAGE + 40 and text.endswith("…")
    assert len(ClausegraphError("y" * 50_000).message) <= MAX_MESSAGE


# ---------------------------------------------------------------- item 3: silently wrong data

def test_duplicated_csv_column_is_an_error(tmp_path):
    reg = register(tmp_path / "r", systems="id,name,owner,role,name\ns1,Ranker,HR,provider,Other\n")
    hit = [p for p in problems_of(reg) if "duplicate column" in p.message]
    assert len(hit) == 1 and hit[0].file == "systems.csv" and hit[0].row == 1 and hit[0].column == "name"
    assert "columns 2 and 5" in hit[0].message


def test_duplicated_xlsx_column_is_an_error(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "systems"
    ws.append(["id", "name", "owner", "role", "owner"])
    ws.append(["s1", "Ranker", "HR", "provider", "Someone else"])
    wb.save(tmp_path / "r.xlsx")
    hit = [p for p in problems_of(tmp_path / "r.xlsx") if "duplicate column" in p.message]
    assert len(hit) == 1 and hit[0].file == "r.xlsx[systems]" and hit[0].row == 1 and hit[0].column == "owner"


def test_yaml_duplicate_keys_are_errors(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("systems:\n  - id: s1\n    name: Ranker\n    owner: HR\n    name: Other\n    role: provider\n"
                    "controls: []\nsystems: []\n", encoding="utf-8")
    probs = [p for p in problems_of(path) if "duplicate key" in p.message]
    assert len(probs) == 2
    inner = next(p for p in probs if "'name'" in p.message)
    assert inner.file == "r.yaml" and inner.line == 5 and "line 3" in inner.message
    outer = next(p for p in probs if "'systems'" in p.message)
    assert outer.line == 8 and "line 1" in outer.message


@pytest.mark.parametrize("text", ["systems: " + "[" * 3000 + "]" * 3000,
                                  "systems:\n" + "".join("  " * i + "- \n" for i in range(3000)),
                                  "systems:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 3000))])
def test_yaml_nested_too_deeply_is_an_error_not_a_crash(tmp_path, text):
    (tmp_path / "r.yaml").write_text(text, encoding="utf-8")
    probs = problems_of(tmp_path / "r.yaml")
    assert len(probs) == 1 and probs[0].file == "r.yaml" and "nested" in probs[0].message


# ---------------------------------------------------------------- item 4: evidence locations

EVIDENCE_HEADER = "id,title,supports,location,collected_on\n"


@pytest.mark.parametrize("location", [
    "javascript:alert(1)", "file:///etc/passwd", "/etc/passwd", "ftp://example.com/x.pdf", "mailto:a@b.example",
    "http://", "https://exa mple.com/x", "http://[::1/x", "https:example.com", "../outside.pdf",
    "evidence/../../outside.pdf", "C:\\evidence\\x.pdf", "\\\\server\\share\\x.pdf", "data:text/html,hi",
])
def test_evidence_location_must_be_a_relative_path_or_http_url(tmp_path, location):
    reg = register(tmp_path / "r", systems=SYSTEMS, controls=CONTROLS,
                   evidence=EVIDENCE_HEADER + f'e1,Log,c1,"{location}",2026-01-01\n')
    hit = [p for p in problems_of(reg) if p.column == "location"]
    assert len(hit) == 1 and hit[0].file == "evidence.csv" and hit[0].row == 2


@pytest.mark.parametrize("location", ["https://example.com/policy.pdf", "http://intranet.example/x?y=1#z",
                                      "evidence/policy.md", "missing/not-yet-there.pdf"])
def test_good_evidence_locations_are_accepted(tmp_path, location):
    reg = register(tmp_path / "r", systems=SYSTEMS, controls=CONTROLS,
                   evidence=EVIDENCE_HEADER + f"e1,Log,c1,{location},2026-01-01\n")
    assert load_register(reg).tables["evidence"][0]["location"] == location


def test_assessment_location_is_checked_the_same_way(tmp_path):
    reg = register(tmp_path / "r", systems=SYSTEMS,
                   assessments="id,system,kind,date,owner,location\na1,s1,dpia,2026-01-01,DPO,javascript:x()\n")
    hit = [p for p in problems_of(reg) if p.column == "location"]
    assert len(hit) == 1 and hit[0].file == "assessments.csv"


def test_evidence_path_through_a_symlink_loop_is_a_located_error(tmp_path):
    reg = register(tmp_path / "r", systems=SYSTEMS, controls=CONTROLS,
                   evidence=EVIDENCE_HEADER + "e1,Log,c1,evidence/loop,2026-01-01\n")
    (reg / "evidence").mkdir()
    (reg / "evidence" / "loop").symlink_to("loop")
    probs = problems_of(reg)
    assert [(p.file, p.row, p.column) for p in probs] == [("evidence.csv", 2, "location")]


# ---------------------------------------------------------------- item 5: root cause first, once

def test_header_only_systems_reports_the_root_cause_first_and_once(tmp_path):
    reg = copy_example(tmp_path)
    (reg / "systems.csv").write_text((EXAMPLE / "systems.csv").read_text(encoding="utf-8").splitlines()[0] + "\n",
                                     encoding="utf-8")
    probs = problems_of(reg)
    assert probs[0].file == "systems.csv" and "no rows" in probs[0].message
    assert len(probs) <= 15, [str(p) for p in probs]   # was ~130 cascaded lines
    unknown = [p for p in probs if "system" in p.message and p is not probs[0]]
    assert len({(p.file, p.column) for p in unknown}) == len(unknown)   # at most one line per file and column
    assert all("systems.csv" in p.message for p in unknown)


def test_missing_controls_file_is_reported_once_per_referring_column(tmp_path):
    reg = register(tmp_path / "r", systems=SYSTEMS,
                   evidence=EVIDENCE_HEADER + "".join(f"e{i},Log,c{i},evidence/x.pdf,2026-01-01\n"
                                                      for i in range(30)))
    probs = problems_of(reg)
    assert len(probs) == 1 and probs[0].file == "evidence.csv" and probs[0].column == "supports"
    assert "controls" in probs[0].message and "30" in probs[0].message


# ---------------------------------------------------------------- the same protections for every register file

def rewrite(path: Path, edit) -> None:
    """Rewrite a CSV file row by row: ``edit(rows)`` changes the list of rows in place."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    edit(rows)
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


@pytest.mark.parametrize("name", FILES)
def test_every_register_file_refuses_a_duplicated_column(tmp_path, name):
    reg = copy_example(tmp_path)
    column = (EXAMPLE / f"{name}.csv").read_text(encoding="utf-8").split(",", 1)[0]

    def add_column(rows: list[list[str]]) -> None:
        rows[0].append(column)
        for r in rows[1:]:
            r.append("other value")

    rewrite(reg / f"{name}.csv", add_column)
    hit = [p for p in problems_of(reg) if "duplicate column" in p.message]
    assert [(p.file, p.row, p.column) for p in hit] == [(f"{name}.csv", 1, column)]


@pytest.mark.parametrize("name", FILES)
def test_every_register_file_that_is_a_folder_is_one_located_error(tmp_path, name):
    reg = copy_example(tmp_path)
    (reg / f"{name}.csv").unlink()
    (reg / f"{name}.csv").mkdir()
    probs = problems_of(reg)
    assert [(p.file, p.row) for p in probs] == [(f"{name}.csv", None)] and "folder" in probs[0].message


def test_record_file_that_is_a_folder_exits_2_from_the_command_line(tmp_path):
    reg = copy_example(tmp_path)
    (reg / "findings.csv").unlink()
    (reg / "findings.csv").mkdir()
    res = run_cli("classify", "--register", str(reg))
    assert res.returncode == 2 and "findings.csv" in res.stderr and "folder" in res.stderr
    assert "internal error" not in res.stderr and "Traceback" not in res.stderr


#: record files other files point at, with the columns pointing at them
REFERRED = {"findings": [("actions", "findings"), ("reviews", "inputs")],
            "audits": [("findings", "audit"), ("reviews", "inputs")],
            "incidents": [("findings", "incident")], "evidence": [("actions", "evidence")],
            "assessments": [("decisions", "basis")]}


@pytest.mark.parametrize("name", sorted(REFERRED))
def test_header_only_record_file_is_named_once_per_referring_column(tmp_path, name):
    reg = copy_example(tmp_path)
    rewrite(reg / f"{name}.csv", lambda rows: rows.__delitem__(slice(1, None)))
    probs = problems_of(reg)
    referring = {(p.file, p.column) for p in probs}
    assert len(referring) == len(probs), [str(p) for p in probs]   # one line per referring column
    assert {(f, c) for f, c in referring if f != f"{name}.csv"} >= {(f"{f}.csv", c) for f, c in REFERRED[name]
                                                                    if f != name}
    assert all(f"{name}.csv has no rows" in p.message for p in probs), [str(p) for p in probs]


@pytest.mark.parametrize("name", [n for n in RECORD_FILES if n not in REFERRED])
def test_header_only_record_file_nobody_points_at_is_accepted(tmp_path, name):
    reg = copy_example(tmp_path)
    rewrite(reg / f"{name}.csv", lambda rows: rows.__delitem__(slice(1, None)))
    assert load_register(reg).tables[name] == []


LOCATIONS = [("evidence", "location"), ("assessments", "location"), ("audits", "report"), ("reviews", "minutes")]


def first_row_with(path: Path, column: str) -> int:
    with open(path, encoding="utf-8", newline="") as f:
        return next(i for i, r in enumerate(csv.DictReader(f), start=2) if r[column])


@pytest.mark.parametrize("name,column", LOCATIONS)
@pytest.mark.parametrize("location", ["javascript:alert(1)", "file:///etc/passwd", "/etc/passwd", "http://",
                                      "../outside.md", "a" * 10_000, "evidence/" + "b" * 300 + ".md"])
def test_every_location_column_follows_the_location_rules(tmp_path, name, column, location):
    reg = copy_example(tmp_path)
    row = first_row_with(reg / f"{name}.csv", column)
    set_cell(reg / f"{name}.csv", row, column, location)
    probs = problems_of(reg)
    assert [(p.file, p.row, p.column) for p in probs] == [(f"{name}.csv", row, column)], [str(p) for p in probs]
    assert len(str(probs[0])) <= 3 * MAX_MESSAGE


@pytest.mark.parametrize("name", RECORD_FILES)
def test_overlong_cell_in_a_record_file_is_located_and_cut(tmp_path, name):
    reg = copy_example(tmp_path)
    column = {"findings": "description", "audits": "auditor", "reviews": "chair", "suppliers": "name",
              "decisions": "approver", "incidents": "title", "actions": "title"}[name]
    set_cell(reg / f"{name}.csv", 2, column, "x" * 50_000)
    probs = problems_of(reg)
    assert [(p.file, p.row, p.column) for p in probs] == [(f"{name}.csv", 2, column)]
    assert "too long" in probs[0].message and len(str(probs[0])) <= 3 * MAX_MESSAGE


def test_yaml_duplicate_keys_in_record_entries_are_errors(tmp_path):
    doc = {name: list(csv.DictReader(io.StringIO((EXAMPLE / f"{name}.csv").read_text(encoding="utf-8"))))
           for name in FILES if (EXAMPLE / f"{name}.csv").exists()}
    lines = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True).splitlines()
    first = lines.index("findings:") + 1                       # 0-based index of the first finding's "- id: ..."
    lines.insert(first + 1, "  status: open")                  # its status, given again further down
    again = lines.index(f"  status: {doc['findings'][0]['status']}", first + 2)
    (tmp_path / "r.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    probs = problems_of(tmp_path / "r.yaml")
    assert [(p.file, p.line) for p in probs] == [("r.yaml", again + 1)]
    assert "'status'" in probs[0].message and f"first on line {first + 2}" in probs[0].message


# ---------------------------------------------------------------- fuzz: no input ends in exit 3

def exit_code_of(path: Path) -> int:
    """The exit code the command line gives for importing ``path`` (the same mapping as clausegraph.api.cli)."""
    try:
        load_register(path)
    except ClausegraphError as exc:
        assert exc.problems, exc.message
        assert all(len(str(p)) <= 3 * MAX_MESSAGE + 100 for p in exc.problems)
        return exc.exit_code
    return 0


cells = st.one_of(st.text(max_size=12), st.sampled_from([
    "s1", "c1", "e1", "provider", "implemented", "2026-01-01", "true", "x" * 300, "../x", "file:///etc/passwd",
    "https://example.com/a", "javascript:x", "=1+1", "", ";", "evidence/a.txt", "iso42001:A.2.2", "\x00",
    "hub:log.retain", "hub:", "F1", "A1;F1", "approved", "open", "death"]))
columns = st.sampled_from(["id", "name", "owner", "role", "title", "status", "supports", "location",
                           "collected_on", "systems", "system", "kind", "date", "implements", "x", "",
                           "findings", "audit", "incident", "inputs", "report", "minutes", "basis", "aware_on",
                           "evidence", "gate", "decision", "supplies", "workplace", "open_source"])
table = st.tuples(st.lists(columns, min_size=1, max_size=6), st.lists(st.lists(cells, max_size=7), max_size=4))
files = st.dictionaries(st.sampled_from([*FILES, "other"]), table, max_size=5)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files, st.booleans())
def test_fuzz_csv_folder_never_exits_3(tmp_path_factory, tables, systems_is_folder):
    folder = tmp_path_factory.mktemp("csv")
    for name, (header, rows) in tables.items():
        buf = io.StringIO()
        csv.writer(buf).writerows([header, *rows])
        (folder / f"{name}.csv").write_text(buf.getvalue(), encoding="utf-8", errors="surrogatepass")
    if systems_is_folder and "systems" not in tables:
        (folder / "systems.csv").mkdir()
    assert exit_code_of(folder) in (0, 2)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files.filter(bool))
def test_fuzz_xlsx_never_exits_3(tmp_path_factory, tables):
    from openpyxl import Workbook
    from openpyxl.utils.exceptions import IllegalCharacterError

    wb = Workbook()
    wb.remove(wb.active)
    for name, (header, rows) in tables.items():
        ws = wb.create_sheet(name)
        for row in [header, *rows]:
            try:
                ws.append(row)
            except IllegalCharacterError:
                ws.append(["?"] * len(row))
    path = tmp_path_factory.mktemp("xlsx") / "r.xlsx"
    wb.save(path)
    assert exit_code_of(path) in (0, 2)


yaml_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), cells,
                                     st.dates()),
                           lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                   st.dictionaries(st.one_of(columns, st.integers()), inner,
                                                                   max_size=3)),
                           max_leaves=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(yaml_values, st.dictionaries(st.sampled_from(["systems", "controls", "evidence", "findings", "x"]),
                                              st.lists(st.dictionaries(columns, yaml_values, max_size=5),
                                                       max_size=3), max_size=3)),
       st.booleans())
def test_fuzz_yaml_never_exits_3(tmp_path_factory, doc, duplicate_a_key):
    text = yaml.safe_dump(doc, allow_unicode=True)
    if duplicate_a_key and isinstance(doc, dict) and doc:
        text += text.splitlines()[0] + "\n"
    path = tmp_path_factory.mktemp("yaml") / "r.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    assert exit_code_of(path) in (0, 2)
