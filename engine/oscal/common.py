"""What every OSCAL document clausegraph writes shares: the OSCAL version, our property namespace, stable
UUIDs, control identifiers, metadata blocks and timestamps."""
from __future__ import annotations

import datetime as dt
import json
import re
import uuid

from ..refs import Ref, slug

#: The OSCAL release whose JSON schemas the exported documents are validated against.
OSCAL_VERSION = "1.2.3"
#: Namespace of the properties clausegraph adds to OSCAL documents (``props`` with ``ns``).
CG_NS = "https://w3id.org/clausegraph/ns/oscal"
_UUID_NS = uuid.UUID("5b0c7c8e-2f53-5b8e-9a57-6c1a0e7c2d41")
_TOKEN_RE = re.compile(r"^[_A-Za-z][_A-Za-z0-9.\-]*$")


def stable_uuid(*parts: str) -> str:
    """A version-5 UUID derived from ``parts``: the same content always gets the same identifier."""
    return str(uuid.uuid5(_UUID_NS, "\x1f".join(parts)))


def document_uuid(kind: str, body: dict) -> str:
    """The document's UUID, derived from its content (its time stamp aside): a new revision gets a new one."""
    meta = {k: v for k, v in body.get("metadata", {}).items() if k != "last-modified"}
    return stable_uuid(kind, json.dumps({**body, "metadata": meta}, sort_keys=True, default=str))


def control_id(ref: Ref) -> str:
    """The OSCAL control identifier of a provision: ``<key>_<IRI slug>`` (a valid OSCAL token)."""
    out = f"{ref.key}_{slug(ref.key, ref.id)}"
    if not _TOKEN_RE.match(out):
        out = re.sub(r"[^_A-Za-z0-9.\-]", "-", out)
    return out


def prop(name: str, value: object, *, ns: str | None = CG_NS, cls: str | None = None) -> dict:
    """An OSCAL property (``ns`` None for OSCAL's own names such as ``label``)."""
    out: dict = {"name": name, "value": str(value).strip()}
    if ns:
        out["ns"] = ns
    if cls:
        out["class"] = cls
    return out


def timestamp(moment: dt.datetime | None = None) -> str:
    """An RFC 3339 date-time with a time zone, as OSCAL requires (now, when ``moment`` is None)."""
    moment = moment or dt.datetime.now(dt.timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.isoformat(timespec="seconds")


def metadata(*, title: str, version: str, generated: dt.datetime | None, props: list[dict] | None = None,
             links: list[dict] | None = None, remarks: str | None = None) -> dict:
    """An OSCAL metadata block naming clausegraph as the tool that wrote the document."""
    out: dict = {"title": title, "last-modified": timestamp(generated), "version": version,
                 "oscal-version": OSCAL_VERSION}
    out["props"] = [prop("generator", "clausegraph"), *(props or [])]
    if links:
        out["links"] = links
    if remarks:
        out["remarks"] = remarks
    return out


def dumps(document: dict) -> str:
    """The document as pretty-printed JSON text, ending with a newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
