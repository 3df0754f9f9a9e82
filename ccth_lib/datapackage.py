"""The evidence as a Frictionless Data Package (``data/datapackage.json``).

Generated from the per-table descriptors (with the provenance fields the loader appends), so
that the tables are usable outside the book. ``ccth datapackage`` writes it; a test checks that
the committed file is current and that the package validates.
"""

from __future__ import annotations

import json
from pathlib import Path

from . import data, paths, sources

LICENCE = {
    "name": "OGL-UK-3.0",
    "title": "Open Government Licence v3.0",
    "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
}


def build() -> dict:
    """The package descriptor (paths relative to ``data/``)."""
    resources = []
    reg = data.read_descriptor(paths.sources_dir() / "registry.resource.yaml")
    reg["path"] = "sources/registry.csv"
    resources.append(reg)
    for name in data.list_tables():
        desc = data.read_descriptor(data.descriptor_path(name))
        desc["path"] = f"tables/{desc['path']}"
        desc.setdefault("licenses", [LICENCE])
        resources.append(desc)
    return {
        "name": "sccth-evidence",
        "title": "Shropshire Care Closer to Home (SCCtH): evidence and decision record",
        "description": (
            "Every table, log and stated figure of the SCCtH programme's board papers (NHS Shropshire, "
            "2017-2021), transcribed from their text extracts with line-level provenance: each row gives the "
            "source document (sources/registry.csv), the line range and a verbatim quote."
        ),
        "licenses": [LICENCE],
        "sources": [{"title": s.title, "path": f"sources/{s.file}"} for s in sources.registry().values()],
        "resources": resources,
    }


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
