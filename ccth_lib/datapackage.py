"""The evidence as a Frictionless Data Package (``data/datapackage.json``).

Generated from the per-table descriptors, fully expanded by the loader (name, path and licence,
source titles from the registry, shared field definitions and the four provenance fields), so
that the tables are usable outside the book without this package. ``ccth datapackage`` writes
it; a test checks that the committed file is current and that the package validates.

Validation is remembered by content digest (:func:`ccth_lib.described.cached`): the whole package
by the digest of its descriptor and every file it names, and each resource by its own, so that
an unchanged package is not validated again and a changed table re-validates that table only.
"""

from __future__ import annotations

import json
from pathlib import Path

from . import data, described, paths, sources, vocab


def build() -> dict:
    """The package descriptor (paths relative to ``data/``)."""
    licences = vocab.licenses()
    reg = sources.registry_descriptor()
    reg["path"] = f"sources/{reg['path']}"
    reg.setdefault("licenses", licences)
    resources = [_ordered(reg)]
    for name in data.list_tables():
        desc = data.table_info(name).descriptor
        desc["path"] = f"tables/{desc['path']}"
        resources.append(_ordered(desc))
    return {
        "name": "sccth-evidence",
        "title": "Shropshire Care Closer to Home (SCCtH): evidence and decision record",
        "description": (
            "Every table, log and stated figure of the SCCtH programme's board papers (NHS Shropshire, "
            "2017-2021), transcribed from their text extracts with line-level provenance: each row gives the "
            "source document (sources/registry.csv), the line range and a verbatim quote."
        ),
        "licenses": licences,
        "sources": [{"title": s.title, "path": f"sources/{s.file}"} for s in sources.registry().values()],
        "resources": resources,
    }


_ORDER = ("name", "title", "description", "path", "licenses", "sources", "ccth", "schema")


def _ordered(desc: dict) -> dict:
    return {k: desc[k] for k in _ORDER if k in desc} | {k: v for k, v in desc.items() if k not in _ORDER}


def render() -> str:
    return json.dumps(build(), indent=1, ensure_ascii=False, sort_keys=False) + "\n"


def path() -> Path:
    return paths.data_dir() / "datapackage.json"


def write() -> Path:
    """Write the package descriptor (only if its content changed, so its time stamp means something)."""
    p = path()
    text = render()
    if not p.is_file() or p.read_text(encoding="utf-8") != text:
        p.write_text(text, encoding="utf-8")
    return p


def _version() -> str:
    from importlib.metadata import version

    return version("frictionless")


def _resource_bytes(resource: dict) -> bytes:
    return described.read_bytes(paths.data_dir() / resource["path"], f"file of resource {resource.get('name')!r}")


def validate() -> list[str]:
    """Validate the written package with frictionless; returns error messages (none: valid)."""
    raw = described.read_bytes(path())
    try:
        descriptor = json.loads(described.decode_utf8(raw, described.rel(path())))
        files = [_resource_bytes(r) for r in descriptor.get("resources", [])]
    except described.DataValidationError as exc:
        return [str(exc)]
    except ValueError as exc:
        return [f"{described.rel(path())}: not valid JSON: {exc}"]
    whole = described.digest("datapackage", _version(), raw, files)
    if described.cached("datapackage", whole) is not None:
        return []
    from frictionless import FrictionlessException, Package

    try:
        package = Package(str(path()))
        package.to_descriptor(validate=True)
    except FrictionlessException as exc:
        return [e.message for e in exc.to_errors()]
    if any(r.schema and r.schema.foreign_keys for r in package.resources):
        report = package.validate()
        errors = [f"{t.name}: {e.message}" for t in report.tasks for e in t.errors]
    else:
        errors = []
        for resource, spec, data in zip(package.resources, descriptor["resources"], files):
            key = described.digest("datapackage-resource", _version(), spec, data)
            if described.cached("datapackage", key) is not None:
                continue
            report = resource.validate()
            if report.valid:
                described.remember("datapackage", key, {"rows": report.stats.get("rows") if report.stats else None})
            errors += [f"{t.name}: {e.message}" for t in report.tasks for e in t.errors]
    if not errors:
        described.remember("datapackage", whole, {"resources": len(files)})
    return errors
