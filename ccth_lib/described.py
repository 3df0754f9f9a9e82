"""Described CSV files: a CSV plus a Frictionless resource descriptor, validated and typed.

A *described CSV* is ``<name>.csv`` with its descriptor ``<name>.resource.yaml`` beside it (a
Frictionless resource: title, description, Table Schema with types, units and constraints).
This module reads a descriptor, expands what it shares with its neighbours, validates the CSV
against the schema with the ``frictionless`` library and returns a typed
:class:`pandas.DataFrame`. Any problem raises :class:`DataValidationError` naming the file, the
row and the column.

What descriptors share is said once, in a :class:`Library` (for the transcribed tables,
``data/tables/_shared.yaml``, read by :mod:`ccth_lib.vocab`):

* ``licenses`` – given to every descriptor that names none;
* ``vocab`` – named lists of values; in a field's ``constraints.enum`` the item
  ``{vocab: NAME}`` stands for the whole list (``enum: [{vocab: localities}, Total]``);
* ``fields`` – named field definitions; a field written ``{use: NAME}`` is that definition
  (named ``NAME`` unless it gives its own ``name``), and any other key it gives overrides the
  definition's (``constraints`` are merged key by key).

``name`` and ``path`` are derived from the descriptor's file name when it does not give them
(``x.resource.yaml`` → name ``x``, path ``x.csv``).

This module is generic: it knows nothing of sources or provenance (see :mod:`ccth_lib.data`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection, Mapping, Sequence

import pandas as pd
import yaml

from . import paths

MAX_REPORTED = 20
SUFFIX = ".resource.yaml"


class DataValidationError(ValueError):
    """Bad data: the message names the file, row and column, and what was expected."""

    def __init__(self, file: str, problems: list[str]):
        self.file = file
        self.problems = problems
        shown = problems[:MAX_REPORTED]
        more = f"\n  … and {len(problems) - MAX_REPORTED} more" if len(problems) > MAX_REPORTED else ""
        super().__init__(f"{file}: {len(problems)} problem(s)\n  " + "\n  ".join(shown) + more)


def rel(path: Path | str) -> str:
    """``path`` relative to the project root where possible (for messages)."""
    try:
        return str(Path(path).resolve().relative_to(paths.project_root()))
    except Exception:
        return str(path)


def stamp(path: Path | str) -> tuple | None:
    """(modification time, size) of a file, or None if it does not exist: a cache key part."""
    try:
        st = Path(path).stat()
    except FileNotFoundError:
        return None
    return (st.st_mtime_ns, st.st_size)


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path | str) -> Any:
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_YAML_LOADER)


def name_of(path: Path | str) -> str:
    """``data/tables/x.resource.yaml`` → ``x``."""
    return Path(path).name.removesuffix(SUFFIX)


# ---------------------------------------------------------------------------------------------
# Shared definitions


@dataclass(frozen=True)
class Library:
    """Definitions shared by a folder of descriptors (see the module docstring)."""

    licenses: list = field(default_factory=list)
    vocab: Mapping[str, tuple] = field(default_factory=dict)
    fields: Mapping[str, dict] = field(default_factory=dict)
    #: identifies this version of the library in caches (e.g. the file's path and stamp)
    key: tuple = ()
    #: the file it was read from, for messages
    file: str = ""


def splice_vocab(values: Sequence, vocab: Mapping[str, Sequence], where: str, file: str) -> list:
    """An enum list with every ``{vocab: NAME}`` item replaced by the values of that vocabulary."""
    out: list = []
    for v in values:
        if isinstance(v, Mapping):
            if set(v) != {"vocab"} or v["vocab"] not in vocab:
                raise DataValidationError(
                    file, [f"{where}: {dict(v)!r} must be {{vocab: NAME}} with NAME one of {sorted(vocab)}"]
                )
            out.extend(vocab[v["vocab"]])
        else:
            out.append(v)
    return out


def expand_field(entry: Mapping, library: Library | None, where: str, file: str) -> dict:
    """One field of a schema, with ``use`` and ``{vocab: NAME}`` expanded."""
    if not isinstance(entry, Mapping):
        raise DataValidationError(file, [f"{where}: a field must be a mapping, not {entry!r}"])
    entry = dict(entry)
    if "use" in entry:
        use = entry.pop("use")
        known = dict(library.fields) if library else {}
        if use not in known:
            raise DataValidationError(
                file, [f"{where}: 'use: {use}' names no shared field definition; known: {', '.join(sorted(known))}"]
            )
        base = copy.deepcopy(known[use])
        out = {"name": entry.pop("name", use)}
        out.update({k: v for k, v in base.items() if k != "name"})
        for k, v in entry.items():
            if k == "constraints" and isinstance(v, Mapping):
                out["constraints"] = {**out.get("constraints", {}), **copy.deepcopy(dict(v))}
            else:
                out[k] = copy.deepcopy(v)
    else:
        out = copy.deepcopy(entry)
        if "name" in out:
            out = {"name": out.pop("name"), **out}
    if not out.get("name"):
        raise DataValidationError(file, [f"{where}: the field has no name"])
    enum = out.get("constraints", {}).get("enum")
    if enum is not None:
        out["constraints"]["enum"] = splice_vocab(enum, library.vocab if library else {}, f"{where} ({out['name']}), enum", file)
    return out


def expand_library_fields(raw: Mapping[str, Mapping], vocab: Mapping[str, Sequence], file: str) -> dict[str, dict]:
    """A library's named field definitions, each named after its key, vocabularies spliced."""
    lib = Library(vocab=vocab)
    return {name: expand_field({"name": name, **dict(f)}, lib, f"fields.{name}", file) for name, f in raw.items()}


# ---------------------------------------------------------------------------------------------
# Descriptors

_DESCRIPTORS: dict[tuple, dict] = {}

_ORDER = ("name", "title", "description", "path", "licenses", "ccth", "sources", "schema")


def read_descriptor(
    path: Path | str,
    library: Library | None = None,
    *,
    derived: Collection[str] = (),
    append: Sequence[str] = (),
) -> dict[str, Any]:
    """Read a resource descriptor and expand it.

    ``name`` and ``path`` default to the file name; ``licenses`` to the library's; fields with
    ``use`` and enums with ``{vocab: NAME}`` are expanded from the library, and the library's
    fields named in ``append`` are appended to the schema. Keys in ``derived`` must *not* be
    written in the file (the loader derives them, so that each thing is said once).

    Parsed descriptors are cached per process, keyed on the file's path, size and modification
    time and on the library's key; callers get a deep copy.
    """
    path = Path(path)
    key = (str(path.resolve()), stamp(path), library.key if library else None, tuple(derived), tuple(append))
    if key[1] is None:
        raise FileNotFoundError(f"{rel(path)}: no such resource descriptor")
    if key not in _DESCRIPTORS:
        _DESCRIPTORS[key] = _read_descriptor(path, library, derived, append)
    return copy.deepcopy(_DESCRIPTORS[key])


def _read_descriptor(path: Path, library: Library | None, derived: Collection[str], append: Sequence[str]) -> dict:
    file = rel(path)
    try:
        raw = read_yaml(path)
    except yaml.YAMLError as exc:
        raise DataValidationError(file, [f"not valid YAML: {exc}"]) from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("schema"), dict):
        raise DataValidationError(file, ["descriptor must be a mapping with a 'schema'"])
    said = sorted(k for k in derived if k in raw)
    if said:
        raise DataValidationError(
            file, [f"top-level key(s) {said} are derived by the loader (from the file name or the shared definitions); remove them"]
        )
    desc = dict(raw)
    desc.setdefault("name", name_of(path))
    desc.setdefault("path", f"{name_of(path)}.csv")
    if library and library.licenses:
        desc.setdefault("licenses", copy.deepcopy(library.licenses))
    schema = dict(desc["schema"])
    fields = [expand_field(f, library, f"schema.fields[{i}]", file) for i, f in enumerate(schema.get("fields") or [])]
    names = [f["name"] for f in fields]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise DataValidationError(file, [f"field(s) {dupes} are defined more than once"])
    clash = sorted(set(names) & set(append))
    if clash:
        raise DataValidationError(file, [f"field(s) {clash} are appended by the loader; remove them"])
    for name in append:
        fields.append(expand_field({"use": name}, library, f"appended field {name!r}", file))
    schema["fields"] = fields
    desc["schema"] = schema
    return {k: desc[k] for k in _ORDER if k in desc} | {k: v for k, v in desc.items() if k not in _ORDER}


# ---------------------------------------------------------------------------------------------
# Validation and typing


def schema_problems(desc: Mapping, basepath: Path | str) -> list[str]:
    """Problems of the CSV against its (expanded) descriptor, via frictionless: row, column, what."""
    from frictionless import Resource  # heavy: imported on first validation only

    resource = Resource.from_descriptor(copy.deepcopy(dict(desc)), basepath=str(basepath))
    report = resource.validate()
    if report.valid:
        return []
    problems = []
    for task in report.tasks:
        for err in task.errors:
            row = getattr(err, "row_number", None)
            column = getattr(err, "field_name", None)
            cell = getattr(err, "cell", None)
            where = []
            if row is not None:
                where.append(f"row {row - 1} (CSV line {row})")
            if column:
                where.append(f"column {column!r}")
            what = f"{err.title}: {err.note}" if getattr(err, "note", "") else err.message
            if cell is not None:
                what += f" (found {cell!r})"
            problems.append(", ".join(where + [what]) if where else what)
    return problems


_PANDAS_TYPES = {"integer": "Int64", "number": "float64", "boolean": "boolean"}
_BOOLEANS = {"true": True, "false": False, "True": True, "False": False}


def to_frame(csv_path: Path | str, fields: Sequence[Mapping]) -> pd.DataFrame:
    """The CSV as a DataFrame typed by its fields (integer → Int64, date → datetime64, …)."""
    df = pd.read_csv(csv_path, dtype=str, keep_default_na=False, na_values=[""])
    for f in fields:
        name, ftype = f["name"], f.get("type", "string")
        if name not in df.columns:
            continue
        if ftype in ("integer", "number"):
            df[name] = pd.to_numeric(df[name]).astype(_PANDAS_TYPES[ftype])
        elif ftype == "boolean":
            df[name] = df[name].map(_BOOLEANS).astype("boolean")
        elif ftype == "date":
            df[name] = pd.to_datetime(df[name], format="%Y-%m-%d")
        else:
            df[name] = df[name].astype("string")
    return df


def csv_path_of(desc_path: Path | str, desc: Mapping) -> Path:
    return Path(desc_path).parent / desc["path"]


def validated_frame(desc_path: Path | str, desc: Mapping) -> pd.DataFrame:
    """Validate the CSV of an expanded descriptor and return it typed (uncached)."""
    csv_path = csv_path_of(desc_path, desc)
    file = rel(csv_path)
    if not csv_path.is_file():
        raise DataValidationError(file, ["file is missing"])
    problems = schema_problems(desc, Path(desc_path).parent)
    if problems:
        raise DataValidationError(file, problems)
    df = to_frame(csv_path, desc["schema"]["fields"])
    df.attrs["ccth"] = {k: v for k, v in desc.items() if k != "schema"} | {"file": file}
    return df


_FRAMES: dict[tuple, pd.DataFrame] = {}


def load(desc_path: Path | str, library: Library | None = None, **options) -> pd.DataFrame:
    """Read, expand and validate a described CSV; a typed DataFrame (cached on the files' stamps)."""
    desc_path = Path(desc_path).resolve()
    desc = read_descriptor(desc_path, library, **options)
    csv_path = csv_path_of(desc_path, desc)
    key = (str(desc_path), stamp(desc_path), stamp(csv_path), library.key if library else None, repr(sorted(options.items())))
    if key not in _FRAMES:
        _FRAMES[key] = validated_frame(desc_path, desc)
    return copy_frame(_FRAMES[key])


def copy_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out.attrs = copy.deepcopy(df.attrs)
    return out
