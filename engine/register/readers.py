"""Read a register in any of its three forms into the same tables: file name -> rows of located string cells.

Every reader normalises values to the strings the CSV form would carry (dates ISO, booleans true/false, lists
';'-joined), so validation and conversion are written once. Problems are collected, never raised one by one.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from ..errors import ProblemCollector
from .schema import FILES


@dataclass
class Row:
    number: int          # CSV/XLSX: spreadsheet row (header is row 1); YAML: item number (1-based)
    cells: dict[str, str]


@dataclass
class Table:
    file: str            # how problems name it, e.g. systems.csv, register.xlsx[systems], register.yaml[systems]
    columns: list[str]
    rows: list[Row]
    readable: bool = True   # False: present but unreadable (already reported); its rows are unknown, not absent


def _unique_header(header: list[str], label: str, problems: ProblemCollector) -> list[str]:
    """The header with each column once; a column named twice is an error (its later copies are ignored, so
    they cannot silently overwrite the first)."""
    positions: dict[str, list[int]] = {}
    for j, name in enumerate(header, start=1):
        if name:
            positions.setdefault(name, []).append(j)
    for name, where in positions.items():
        if len(where) > 1:
            at = ", ".join(map(str, where[:-1])) + f" and {where[-1]}"
            problems.add(f"duplicate column {name!r} (columns {at}): each column may appear once", label, 1, name)
    return list(dict.fromkeys(header))


def _first_cells(header: list[str], values: list[str]) -> dict[str, str]:
    """Cells by column name; a duplicated column keeps its first cell."""
    cells: dict[str, str] = {}
    for j, name in enumerate(header):
        cells.setdefault(name, values[j] if j < len(values) else "")
    return cells


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return ";".join(_text(v) for v in value)
    return str(value)


def read_csv_folder(folder: Path, problems: ProblemCollector) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    for path in sorted(folder.glob("*.csv")):
        name = path.stem
        if name not in FILES:
            problems.add(f"unknown register file; expected one of {', '.join(f + '.csv' for f in FILES)}", path.name)
            continue
        try:
            raw = path.read_bytes() if path.is_file() else None   # never open a folder, FIFO or device
            what = None if raw is not None else "is a folder, not a CSV file" if path.is_dir() else \
                "is not a regular file"
        except OSError as exc:
            raw, what = None, f"cannot be read: {exc.strerror or exc}"
        if raw is None:
            problems.add(f"{path.name} {what}", path.name)
            tables[name] = Table(path.name, [], [], readable=False)
            continue
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            problems.add(f"not UTF-8 (invalid byte 0x{raw[exc.start]:02x}); save the file as UTF-8", path.name, line)
            tables[name] = Table(path.name, [], [], readable=False)
            continue
        if "\x00" in text:
            problems.add("contains NUL bytes: not a text CSV file", path.name)
            tables[name] = Table(path.name, [], [], readable=False)
            continue
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        try:
            records = list(reader)
        except csv.Error as exc:
            problems.add(f"malformed CSV: {exc}", path.name, reader.line_num)
            tables[name] = Table(path.name, [], [], readable=False)
            continue
        if not records:
            problems.add("empty file: a header row is required", path.name, 1)
            continue
        header = [h.strip() for h in records[0]]
        columns = _unique_header(header, path.name, problems)
        rows = []
        for i, rec in enumerate(records[1:], start=2):
            if not any(c.strip() for c in rec):
                continue
            if len(rec) > len(header):
                problems.add(f"{len(rec)} cells but the header has {len(header)}", path.name, i)
                continue
            rows.append(Row(i, _first_cells(header, rec)))
        tables[name] = Table(path.name, columns, rows)
    return tables


def read_xlsx(path: Path, problems: ProblemCollector) -> dict[str, Table]:
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds of error on a damaged file
        problems.add(f"not a readable XLSX workbook: {type(exc).__name__}: {exc}", path.name)
        return {}
    try:
        return _read_sheets(wb, path.name, problems)
    except (zipfile.BadZipFile, OSError, EOFError, SyntaxError, ValueError, KeyError, TypeError, IndexError) as exc:
        problems.add(f"not a readable XLSX workbook: {type(exc).__name__}: {exc}", path.name)   # parsed lazily
        return {}
    finally:
        wb.close()


def _read_sheets(wb, name_of_file: str, problems: ProblemCollector) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    for ws in wb.worksheets:
        name = ws.title.strip().removesuffix(".csv")
        label = f"{name_of_file}[{ws.title}]"
        if name not in FILES:
            problems.add(f"unknown sheet; expected sheets named {', '.join(FILES)}", label)
            continue
        rows_iter = ws.iter_rows()
        try:
            header_cells = next(rows_iter)
        except StopIteration:
            problems.add("empty sheet: a header row is required", label, 1)
            continue
        header = [_text(c.value).strip() for c in header_cells]
        while header and not header[-1]:
            header.pop()
        columns = _unique_header(header, label, problems)
        rows = []
        for r, cells in enumerate(rows_iter, start=2):
            values: dict[str, str] = {}
            for j, cell in enumerate(cells):
                if cell.value is None:
                    continue
                if j >= len(header):
                    problems.add("value outside the header's columns", label, r)
                    continue
                if getattr(cell, "data_type", None) == "f":
                    problems.add("formulas are not accepted in a register; enter the value itself", label, r,
                                 header[j])
                    continue
                values.setdefault(header[j], _text(cell.value))
            if any(v.strip() for v in values.values()):
                rows.append(Row(r, {h: values.get(h, "") for h in columns}))
        tables[name] = Table(label, columns, rows)
    return tables


def _yaml_loader(duplicates: list[tuple[str, int, int]]):
    """A safe YAML loader class that records every duplicated mapping key as (key, line, first line)."""
    import yaml

    class Loader(yaml.SafeLoader):
        def construct_mapping(self, node, deep=False):
            if isinstance(node, yaml.MappingNode):
                seen: dict[object, int] = {}
                for key_node, _ in node.value:
                    key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                    if key is None:
                        continue
                    line = key_node.start_mark.line + 1
                    if key in seen:
                        duplicates.append((str(key), line, seen[key]))
                    else:
                        seen[key] = line
            return super().construct_mapping(node, deep=deep)

    return Loader


def read_yaml(path: Path, problems: ProblemCollector) -> dict[str, Table]:
    import yaml

    duplicates: list[tuple[str, int, int]] = []
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_yaml_loader(duplicates))  # noqa: S506 - safe
    except UnicodeDecodeError:
        problems.add("not UTF-8; save the file as UTF-8", path.name)
        return {}
    except OSError as exc:
        problems.add(f"cannot be read: {exc.strerror or exc}", path.name)
        return {}
    except RecursionError:
        problems.add("nested too deeply: a register maps table names to lists of flat entries", path.name)
        return {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.add(f"not valid YAML: {getattr(exc, 'problem', None) or exc}", path.name,
                     mark.line + 1 if mark else None)
        return {}
    for key, line, first in sorted(duplicates, key=lambda d: d[1]):
        problems.add(f"duplicate key {key!r} (first on line {first}): each key may appear once", path.name,
                     line=line)
    if not isinstance(doc, dict):
        problems.add("expected a mapping of file names (systems, controls, ...) to lists of entries", path.name)
        return {}
    tables: dict[str, Table] = {}
    for key, items in doc.items():
        name = str(key).removesuffix(".csv")
        label = f"{path.name}[{key}]"
        if name not in FILES:
            problems.add(f"unknown key; expected {', '.join(FILES)}", label)
            continue
        if not isinstance(items, list):
            problems.add("expected a list of entries", label)
            continue
        columns: list[str] = []
        rows = []
        for i, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                problems.add("expected a mapping of column names to values", label, i)
                continue
            cells = {}
            for k, v in item.items():
                k = str(k)
                if isinstance(v, dict):
                    problems.add("expected a value or a list, not a mapping", label, i, k)
                    continue
                if k not in columns:
                    columns.append(k)
                cells[k] = _text(v)
            rows.append(Row(i, cells))
        tables[name] = Table(label, columns, [Row(r.number, {c: r.cells.get(c, "") for c in columns})
                                              for r in rows])
    return tables


def read_any(path: Path, problems: ProblemCollector) -> tuple[dict[str, Table], Path]:
    """Tables of a register, and the folder local evidence paths are relative to."""
    if path.is_dir():
        return read_csv_folder(path, problems), path
    suffix = path.suffix.lower()
    if not path.exists():
        problems.add("register not found: give a folder of CSV files, an .xlsx workbook or a .yaml file", str(path))
        return {}, path.parent
    if suffix == ".xlsx":
        return read_xlsx(path, problems), path.parent
    if suffix in (".yaml", ".yml"):
        return read_yaml(path, problems), path.parent
    problems.add("unsupported register form: use a folder of CSV files, an .xlsx workbook or a .yaml file",
                 str(path))
    return {}, path.parent
