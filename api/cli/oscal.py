"""OSCAL commands: ``export oscal-catalog | oscal-mapping | oscal-assessment-results`` and ``framework add``."""
from __future__ import annotations

import argparse
import sys

from ...engine.errors import UserInputError
from .common import open_facade


def _write(text: str, output: str | None) -> None:
    if not output:
        sys.stdout.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        raise UserInputError(f"cannot write {output}: {exc.strerror or exc}") from None


def _count(container: dict, name: str) -> int:
    return sum(1 + _count(i, "controls") + _count(i, "groups") if name == "groups" else 1 + _count(i, "controls")
               for i in container.get(name, []))


def cmd_export(args: argparse.Namespace) -> int:
    from ...engine.oscal import dumps

    cg = open_facade(args)
    if args.export_kind == "oscal-catalog":
        doc = cg.oscal_catalog(framework=args.framework, as_of=args.as_of)
        groups = _count(doc["catalog"], "groups")
        what = f"OSCAL catalog of {args.framework}: {_count(doc['catalog'], 'controls') + groups} items"
    elif args.export_kind == "oscal-mapping":
        doc = cg.oscal_mapping(from_key=args.from_key, to_key=args.to_key, inferred=args.inferred,
                               via_hub=args.via_hub)
        maps = sum(len(m["maps"]) for m in doc["mapping-collection"]["mappings"])
        what = f"OSCAL mapping collection {args.from_key} -> {args.to_key}: {maps} maps"
    else:
        doc = cg.oscal_assessment_results(as_of=args.as_of, via_mappings=args.via_mappings)
        result = doc["assessment-results"]["results"][0]
        what = (f"OSCAL assessment results: {len(result.get('findings', []))} findings, "
                f"{len(result.get('observations', []))} observations")
    _write(dumps(doc), args.output)
    if args.output:
        print(f"wrote {args.output}: {what}", file=sys.stderr)
    return 0


def cmd_framework_add(args: argparse.Namespace) -> int:
    from ..render import emit

    if not (args.store or args.endpoint):
        raise UserInputError("framework add writes to a store: give --store DIR or --endpoint URL "
                             "(the in-memory graph would forget it when the command ends)")
    with open_facade(args) as cg:
        added = cg.add_framework(oscal=args.oscal, key=args.key)
    doc = {"key": added.key, "title": added.title, "version": added.version, "provisions": added.provisions,
           "assessable": added.assessable, "graph": added.graph}
    emit(args.format, ["key", "title", "provisions", "assessable"],
         [[added.key, added.title, added.provisions, added.assessable]], doc,
         title=f"added framework {added.key} (references read {added.key}:ID)")
    return 0
