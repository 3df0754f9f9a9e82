"""The source documents: registry, checksum verification and line-level access.

The raw evidence lives in ``data/sources/`` (text extracts of public board papers). Their
registry, ``data/sources/registry.csv`` (a described CSV, see :mod:`ccth_lib.described`), gives
each an id, file, title, body, date, kind, the sha256 of the file, the book page that shows it
and a short title for navigation. Reading a source verifies its checksum: a changed source is an error that
names the file.
"""

from __future__ import annotations

import csv
import hashlib
import io
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
        desc = described.read_descriptor(desc_path)
        if all(f.get("type", "string") == "string" for f in desc["schema"]["fields"]):
            # every field is text: read the validated rows as they are (no DataFrame needed)
            described.checked(desc_path, desc, frame=False)
            text = described.read_bytes(described.csv_path_of(desc_path, desc)).decode("utf-8")
            rows = list(csv.DictReader(io.StringIO(text, newline="")))
        else:
            rows = described.load(desc_path).astype(str).to_dict("records")
        _REGISTRY[key] = {row["id"]: Source(**{k: str(row[k]) for k in Source.__dataclass_fields__}) for row in rows}
    return dict(_REGISTRY[key])


def get(source_id: str) -> Source:
    reg = registry()
    if source_id not in reg:
        raise SourceError(f"unknown source id {source_id!r}; registered ids: {', '.join(sorted(reg))}")
    return reg[source_id]


def changed_message(path: Path, actual: str, recorded: str) -> str:
    """One line: the file, its recorded and actual checksums, and what to do."""
    file = described.rel(path)
    return (
        f"{file}: the source text has changed since it was registered: its sha256 is {actual} but "
        f"data/sources/registry.csv records {recorded}; restore the file (git checkout -- {file}), "
        "or, if the new text is intended, record its sha256 in data/sources/registry.csv and re-run `ccth validate`"
    )


@lru_cache(maxsize=32)
def _read_verified(path: str, expected_sha256: str, mtime_ns: int) -> str:
    p = Path(path)
    data = p.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected_sha256:
        raise SourceError(changed_message(p, actual, expected_sha256))
    return described.decode_utf8(data, described.rel(p))


def text(source_id: str) -> str:
    """The full text of a source, after verifying its checksum."""
    src = get(source_id)
    if not src.path.is_file():
        raise SourceError(f"{described.rel(src.path)}: the source text of {source_id!r} is missing (see data/sources/registry.csv)")
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


def source_problems() -> dict[str, str]:
    """Every registered source that is missing, changed or unreadable: source id → one line."""
    problems = {}
    for src in registry().values():
        try:
            text(src.id)
        except SourceError as exc:
            problems[src.id] = str(exc)
        except described.DataValidationError as exc:
            problems[src.id] = f"{exc.file}: " + "; ".join(exc.problems)
    return problems
