"""The evidence as a Frictionless Data Package (``data/datapackage.json``).

Generated from the per-table descriptors, fully expanded by the loader (name, path and licence,
source titles from the registry, shared field definitions and the four provenance fields), so
that the tables are usable outside the book without this package. ``ccth datapackage`` writes
it; a test checks that the committed file is current and that the package validates.
"""

from __future__ import annotations

import json
from pathlib import Path

from . import data, paths, sources, vocab


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
    p = path()
    p.write_text(render(), encoding="utf-8")
    return p


def validate() -> list[str]:
    """Validate the written package with frictionless; returns error messages."""
    from frictionless import Package

    report = Package(str(path())).validate()
    return [f"{t.name}: {e.message}" for t in report.tasks for e in t.errors] if not report.valid else []
