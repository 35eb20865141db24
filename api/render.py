"""Renderers for any result: table (rich, for people), json, csv, tsv and markdown (for tools and documents).

Cells written to CSV/TSV that a spreadsheet would run as a formula (starting with = + - @ or a tab/CR) are
neutralised with a leading apostrophe; Markdown cells have raw HTML escaped (:func:`markdown_cell`).
"""
from __future__ import annotations

import csv
import io
import json
import sys
from typing import Any, Iterable, Sequence, TextIO

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Make a cell safe for spreadsheets (CSV/XLSX formula injection)."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "; ".join(_cell(x) for x in v)
    return str(v)


def to_json(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2, default=str)


def to_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]], delimiter: str = ",") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(columns)
    for row in rows:
        w.writerow([neutralise(_cell(v)) for v in row])
    return buf.getvalue()


def markdown_cell(value: str) -> str:
    """A table cell's text as Markdown that shows it as text: raw HTML escaped (``&``, ``<``, ``>`` as entities,
    which every CommonMark renderer shows literally), ``|`` escaped, one line."""
    text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def to_markdown(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    esc = markdown_cell
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(esc(_cell(v)) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def print_table(columns: Sequence[str], rows: Iterable[Sequence[Any]], title: str | None = None,
                out: TextIO | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False, header_style="bold")
    for c in columns:
        table.add_column(c, overflow="fold")
    for row in rows:
        table.add_row(*[_cell(v) for v in row])
    out = out or sys.stdout
    wide = None if getattr(out, "isatty", lambda: False)() else 160   # pipes and files get a readable width
    Console(file=out, soft_wrap=False, width=wide).print(table)


def emit(fmt: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], doc: Any = None,
         title: str | None = None, out: TextIO | None = None) -> None:
    """Write a tabular result in ``fmt``; ``doc`` is the JSON document (defaults to a list of row objects)."""
    out = out or sys.stdout
    if fmt == "json":
        out.write(to_json(doc if doc is not None else [dict(zip(columns, r)) for r in rows]) + "\n")
    elif fmt == "csv":
        out.write(to_csv(columns, rows))
    elif fmt == "tsv":
        out.write(to_csv(columns, rows, "\t"))
    elif fmt == "markdown":
        out.write(to_markdown(columns, rows))
    else:
        print_table(columns, rows, title, out)


def print_tree(root: dict, out: TextIO | None = None) -> None:
    """A trace tree for people (rich)."""
    from rich.console import Console
    from rich.tree import Tree

    def label(n: dict) -> str:
        bits = [f"[bold]{n['kind']}[/bold] {n['id']}"]
        if n.get("label"):
            bits.append(n["label"])
        if n.get("relationship"):
            extra = [str(n[k]) for k in ("rationale", "strength") if n.get(k)] + (["derived"] if n.get("derived") else [])
            bits.append(f"[{', '.join([n['relationship'], *extra])}]".replace("[", "\\[", 1))
        if n["kind"] in ("control", "finding"):
            bits.append(f"({n['status']})")
        if n["kind"] == "action":
            bits.append(f"(done {n['done_on']})" if n.get("done") else
                        f"([red]overdue since {n['due']}[/red])" if n.get("overdue") else f"(due {n['due']})")
        if n["kind"] == "evidence":
            bits.append(("[green]valid[/green]" if n["valid"] else "[red]not valid[/red]")
                        + f" {n['collected_on']}..{n['valid_until'] or ''} {n['location']}")
        return " ".join(bits)

    def add(tree, node: dict) -> None:
        for child in node["children"]:
            add(tree.add(label(child)), child)

    tree = Tree(label(root))
    add(tree, root)
    out = out or sys.stdout
    Console(file=out, width=None if getattr(out, "isatty", lambda: False)() else 160).print(tree)


def soa_xlsx(doc: dict, path: str) -> None:
    """Write the SoA as a workbook (cells that look like formulas are neutralised)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from ..engine.soa import COLUMNS, table_rows

    wb = Workbook()
    ws = wb.active
    ws.title = "Statement of Applicability"
    ws.append([c.replace("_", " ") for c in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in table_rows(doc):
        ws.append([neutralise(str(v)) for v in row])
    for col, width in zip("ABCDEFG", (16, 48, 12, 60, 40, 60, 14)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    meta = wb.create_sheet("About")
    meta.append(["as of", doc["as_of"]])
    for k, v in doc["summary"].items():
        meta.append([k, v])
    wb.save(path)
