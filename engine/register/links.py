"""Where register cells point, checked: ids naming rows of other files, and document locations (evidence,
assessments, audit reports, review minutes) with the digest of a local evidence file.

Problems are reported where the pointing cell is; a target that is missing, empty or unreadable is said once
per column (its root cause), not once per reference.
"""
from __future__ import annotations

import hashlib
import posixpath
import re
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import ProblemCollector
from .readers import Table
from .schema import SCHEMA

URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")   # anything with a scheme (a Windows drive letter too)
MAX_PATH_PART = 255                                  # bytes in one file or folder name (common file systems)


def location_problem(value: str) -> str | None:
    """Why ``value`` is not an evidence (or assessment, report, minutes) location, or None. A location is an
    http(s) URL with a host, or a relative path with '/' separators that stays inside the register folder."""
    if any(c.isspace() or ord(c) < 32 for c in value):
        return "a location may not contain spaces or control characters (encode them in a URL as %20)"
    if URL_RE.match(value):
        scheme = value.split(":", 1)[0].lower()
        if scheme not in ("http", "https"):
            return (f"{scheme!r} locations are not accepted: give an http(s) URL or a path relative to the "
                    "register folder")
        try:
            parts = urlsplit(value)
            host, _port = parts.hostname, parts.port
        except ValueError as exc:
            return f"malformed URL: {exc}"
        return None if host and value.lower().startswith(f"{scheme}://") else "malformed URL: no host"
    if "\\" in value:
        return "use '/' between folders in a relative path (not '\\')"
    if value.startswith("/"):
        return "an absolute path: give a path relative to the register folder, or an http(s) URL"
    if posixpath.normpath(value).split("/")[0] == "..":
        return "a local evidence path must stay inside the register folder"
    if any(len(part.encode("utf-8")) > MAX_PATH_PART for part in value.split("/")):
        return f"a file or folder name in the path is longer than {MAX_PATH_PART} bytes"
    return None


def is_local(location: str) -> bool:
    """A checked location without a scheme: a path relative to the register folder."""
    return not URL_RE.match(location)


def record_noun(targets: list[str]) -> str:
    """'system' for ['systems'], 'audit, finding or incident' for three targets ('evidence' stays)."""
    nouns = [t if t == "evidence" else t[:-1] for t in targets]
    return nouns[0] if len(nouns) == 1 else ", ".join(nouns[:-1]) + " or " + nouns[-1]


def _listed(refs: list[tuple[object, str]]) -> str:
    names = sorted({r for _, r in refs})
    return ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")


def check_id_references(name: str, table: Table, rows: list[dict[str, str]], tables: dict[str, Table],
                        ids: dict[str, set[str]], problems: ProblemCollector) -> None:
    """Ids in ``table`` must name rows of their target file(s) (``a|b`` names several). When no target has rows
    (or none is there) that is said once per column, not once per reference; likewise the unknown ids of a
    column naming several kinds of record when one of those files is empty or missing. An unreadable target
    was reported already, so its references are not checked."""
    for col in SCHEMA[name]:
        if col.kind != "ids" or not col.target:
            continue
        targets = col.target.split("|")   # reviews.inputs may name audits, findings or incidents
        refs = [(row, ref_id) for row, cells in zip(table.rows, rows)
                for ref_id in (v.strip() for v in cells.get(col.name, "").split(";")) if ref_id]
        present = [tables[t] for t in targets if t in tables]
        if not refs or any(not t.readable for t in present):
            continue
        noun = record_noun(targets)
        empty = [f"{tables[t].file} has no rows" if t in tables else
                 f"the register has no {t} (no {t}.csv, sheet or key)" for t in targets
                 if t not in tables or not tables[t].rows]
        if len(empty) == len(targets):
            problems.add(f"{len(refs)} reference{'s' if len(refs) != 1 else ''} to {noun} ids ({_listed(refs)}), "
                         f"but {' and '.join(empty)}", table.file, refs[0][0].number, col.name)
            continue
        unknown = [(row, ref_id) for row, ref_id in refs if not any(ref_id in ids.get(t, set()) for t in targets)]
        if unknown and empty:
            what = (f"unknown {noun} id {unknown[0][1]!r}" if len(unknown) == 1 else
                    f"{len(unknown)} unknown {noun} ids ({_listed(unknown)})")
            problems.add(f"{what}; note that {' and '.join(empty)}", table.file, unknown[0][0].number, col.name)
            continue
        for row, ref_id in unknown:
            problems.add(f"unknown {noun} id {ref_id!r}", table.file, row.number, col.name)


def evidence_digest(base: Path, location: str, problems: ProblemCollector, file: str, row: int) -> str | None:
    """The SHA-256 of the local evidence file at ``location`` below ``base``, None when it is not there yet
    (validation reports that) or cannot be read (a located problem)."""
    try:
        target = (base / location).resolve()
    except (OSError, RuntimeError) as exc:   # RuntimeError: a symbolic link loop (Python before 3.13)
        problems.add(f"the evidence path cannot be followed: {getattr(exc, 'strerror', None) or exc}", file, row,
                     "location")
        return None
    try:
        target.relative_to(base.resolve())
    except (ValueError, OSError, RuntimeError):
        problems.add("a local evidence path must stay inside the register folder", file, row, "location")
        return None
    h = hashlib.sha256()
    try:
        if not target.is_file():
            return None  # reported by validation (evidence file missing), not an import error
        with open(target, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError as exc:
        problems.add(f"the evidence file cannot be read: {exc.strerror or exc}", file, row, "location")
        return None
    return h.hexdigest()
