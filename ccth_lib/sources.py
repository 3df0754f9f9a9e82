"""The source documents: registry, checksum verification and line-level access.

The raw evidence lives in ``data/sources/`` (text extracts of public board papers). Their
registry, ``data/sources/registry.csv`` (a described CSV, see :mod:`ccth_lib.described`), gives
each an id, file, title, body, date, kind, the sha256 of the file, the book page that shows it
and a short title for navigation. Reading a source verifies its checksum: a changed source is an error that
names the file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import described, paths


class SourceError(ValueError):
    """A source document is missing, unknown or has changed since it was registered."""


@dataclass(frozen=True)
class Source:
    id: str
    file: str
    title: str
    body: str
    date: str
    kind: str
    sha256: str
    #: the book page (notebook name) that shows this source, e.g. ``evidence_paper``
    page: str
    #: a short name for navigation, e.g. "Programme paper, October 2018"
    short_title: str

    @property
    def path(self) -> Path:
        return paths.sources_dir() / self.file


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


_REGISTRY: dict[tuple, dict[str, Source]] = {}


def registry_descriptor() -> dict:
    """The registry's resource descriptor (``name: sources``; path derived from the file name)."""
    return described.read_descriptor(paths.registry_descriptor())


def registry() -> dict[str, Source]:
    """The registry, validated against its schema, keyed by source id (in registry order)."""
    desc_path = paths.registry_descriptor()
    key = (str(desc_path.resolve()), described.stamp(desc_path), described.stamp(desc_path.with_name("registry.csv")))
    if key not in _REGISTRY:
        df = described.load(desc_path)
        _REGISTRY[key] = {
            row.id: Source(**{k: str(getattr(row, k)) for k in Source.__dataclass_fields__}) for row in df.itertuples()
        }
    return dict(_REGISTRY[key])


def get(source_id: str) -> Source:
    reg = registry()
    if source_id not in reg:
        raise SourceError(f"unknown source id {source_id!r}; registered ids: {', '.join(sorted(reg))}")
    return reg[source_id]


@lru_cache(maxsize=32)
def _read_verified(path: str, expected_sha256: str, mtime_ns: int) -> str:
    p = Path(path)
    actual = sha256_of(p)
    if actual != expected_sha256:
        raise SourceError(
            f"{p}: sha256 is {actual} but data/sources/registry.csv records {expected_sha256}; "
            "the raw evidence has changed since it was registered"
        )
    return p.read_text(encoding="utf-8")


def text(source_id: str) -> str:
    """The full text of a source, after verifying its checksum."""
    src = get(source_id)
    if not src.path.is_file():
        raise SourceError(f"{src.path}: source file for {source_id!r} is missing")
    return _read_verified(str(src.path), src.sha256, src.path.stat().st_mtime_ns)


def lines(source_id: str) -> list[str]:
    """The lines of a source (index 0 is line 1)."""
    return text(source_id).splitlines()


def verify_all() -> list[Source]:
    """Verify every registered source's checksum; returns the registry in order."""
    out = []
    for src in registry().values():
        text(src.id)
        out.append(src)
    return out
