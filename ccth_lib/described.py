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

Bad input gets one clear message each, before the ``frictionless`` validation could bury it in
knock-on errors: a byte that is not UTF-8 (file, line and byte), an empty or truncated file, a
missing or unexpected column (named first), a row with too few or too many fields, a duplicate
primary key (the key columns and both rows, in CSV line numbers).

A CSV that has passed validation is remembered by the digest of its bytes, its expanded
descriptor and the checking code (see :func:`cached` and :func:`remember`), so that it is
validated again only when one of these changes, whichever process asks.

This module is generic: it knows nothing of sources or provenance (see :mod:`ccth_lib.data`).
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Collection, Mapping, Sequence

import yaml

if TYPE_CHECKING:  # pandas is imported where a frame is made, so that commands that only
    import pandas as pd  # check what is remembered (`ccth execute`) start quickly

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
    """A YAML file's content; a byte that is not UTF-8 is a :class:`DataValidationError` naming it."""
    return yaml.load(decode_utf8(Path(path).read_bytes(), rel(path)), Loader=_YAML_LOADER)


# ---------------------------------------------------------------------------------------------
# Bytes and text: UTF-8, with every bad byte located


def utf8_problems(data: bytes, limit: int = MAX_REPORTED) -> list[str]:
    """Every byte sequence of ``data`` that is not UTF-8, as "line L, byte B: …" (both 1-based)."""
    problems: list[str] = []
    pos = 0
    while len(problems) < limit:
        try:
            data[pos:].decode("utf-8")
            break
        except UnicodeDecodeError as exc:
            start, end = pos + exc.start, pos + exc.end
            line = data.count(b"\n", 0, start) + 1
            column = start - (data.rfind(b"\n", 0, start) + 1) + 1
            bad = data[start:end]
            guess = bad.decode("cp1252", errors="replace")
            hint = f" (perhaps {guess!r} saved as Windows-1252 or Latin-1)" if guess.isprintable() and "\ufffd" not in guess else ""
            problems.append(f"line {line}, byte {column}: 0x{bad.hex().upper()} is not UTF-8{hint}; save the file as UTF-8")
            pos = end
    return problems


def decode_utf8(data: bytes, file: str) -> str:
    """``data`` decoded as UTF-8, or a :class:`DataValidationError` listing every bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise DataValidationError(file, utf8_problems(data)) from None


def read_bytes(path: Path | str, what: str = "file") -> bytes:
    """A file's bytes; a missing file is a :class:`DataValidationError` naming it."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise DataValidationError(rel(path), [f"{what} is missing"]) from None


# ---------------------------------------------------------------------------------------------
# Content cache: what has been checked, by the digest of everything the check read


def digest(*parts: Any) -> str:
    """sha256 of ``parts`` (bytes as they are, anything else as sorted JSON), unambiguously joined."""
    h = hashlib.sha256()
    for part in parts:
        raw = part if isinstance(part, bytes) else json.dumps(part, sort_keys=True, default=str).encode()
        h.update(len(raw).to_bytes(8, "big"))
        h.update(raw)
    return h.hexdigest()


_CODE: dict[tuple, str] = {}


def code_digest(*modules: Any) -> str:
    """Digest of the source files of ``modules`` (the checking code) and of frictionless' version."""
    files = tuple(Path(m.__file__) for m in modules)
    key = tuple((str(f), stamp(f)) for f in files)
    if key not in _CODE:
        from importlib.metadata import version

        _CODE[key] = digest(version("frictionless"), version("pandas"), *(f.read_bytes() for f in files))
    return _CODE[key]


def cache_dir() -> Path | None:
    """Where checks are remembered: ``$CCTH_CACHE_DIR``, else ``_build/ccth-cache`` in the project.

    ``CCTH_CACHE_DIR=off`` turns the cache off (every check is made again).
    """
    env = os.environ.get("CCTH_CACHE_DIR")
    if env == "off":
        return None
    return Path(env) if env else paths.project_root() / "_build" / "ccth-cache"


def _entry(kind: str, key: str) -> Path | None:
    folder = cache_dir()
    return None if folder is None else folder / kind / key[:2] / f"{key}.json"


def cached(kind: str, key: str) -> dict | None:
    """What :func:`remember` stored for ``key``, or None."""
    entry = _entry(kind, key)
    if entry is None:
        return None
    try:
        return json.loads(entry.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def remember(kind: str, key: str, value: dict) -> None:
    """Store ``value`` for ``key`` (atomically: concurrent processes never see half a file)."""
    entry = _entry(kind, key)
    if entry is None:
        return
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        tmp = entry.with_name(f".{entry.name}.{os.getpid()}")
        tmp.write_text(json.dumps(value, sort_keys=True), encoding="utf-8")
        os.replace(tmp, entry)
    except OSError:  # a read-only checkout still works, uncached
        pass


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


def structure_problems(text: str, names: Sequence[str], primary_key: Sequence[str] = ()) -> tuple[list[str], bool]:
    """What is wrong with a CSV's shape, each said once, and whether it hides everything else.

    Checked before the schema, in this order: an empty file; a quoted field left open (a
    truncated file); the header against the schema's field ``names`` (missing columns first,
    then unexpected ones, then their order); every row's number of fields (a short last row
    without a final newline is a truncated file); blank lines; duplicate ``primary_key`` values
    (the key columns and the CSV lines of both rows). Every problem but a duplicate key is
    *fatal*: row-by-row validation would only repeat it as knock-on errors.
    """
    names = list(names)
    if not text.strip():
        return [f"the file is empty: it needs a header row ({', '.join(names)}) and one row per record"], True
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []  # (CSV line where the record starts, fields)
    line = 1
    try:
        for fields in reader:
            records.append((line, fields))
            line = reader.line_num + 1
    except csv.Error as exc:
        cut = "the file ends inside a quoted field: it looks truncated" if "end of data" in str(exc) else str(exc)
        return [f"CSV line {line}: {cut}"], True
    header = records[0][1]
    missing = [n for n in names if n not in header]
    unexpected = [h for h in header if h not in names]
    problems = [f"missing column {n!r} (the schema expects the columns {', '.join(names)})" for n in missing]
    problems += [f"unexpected column {h!r}: it is not in the schema; remove it or describe it in the descriptor" for h in unexpected]
    doubled = sorted({h for h in header if header.count(h) > 1})
    problems += [f"column {h!r} appears more than once in the header" for h in doubled]
    if not problems and header != names:
        problems.append(f"the columns are out of order: the schema expects {', '.join(names)}; the header has {', '.join(header)}")
    if problems:
        return problems, True
    rows = records[1:]
    if not rows:
        return ["the file has a header row but no rows: it looks truncated"], True
    ends_cleanly = text.endswith(("\n", "\r"))
    for i, (at, fields) in enumerate(rows):
        last = i == len(rows) - 1
        if not fields:
            if not (last and ends_cleanly):
                problems.append(f"CSV line {at} is blank")
            continue
        if len(fields) != len(header):
            what = f"CSV line {at} has {len(fields)} field(s), the header has {len(header)}"
            if last and not ends_cleanly and len(fields) < len(header):
                what += ": the file ends in the middle of this row; it looks truncated"
            problems.append(what)
    if problems:
        return problems, True
    key = [header.index(k) for k in primary_key if k in header]
    if primary_key and len(key) == len(primary_key):
        first: dict[tuple, int] = {}
        for at, fields in rows:
            if not fields:
                continue
            value = tuple(fields[k] for k in key)
            if value in first:
                shown = ", ".join(value)
                problems.append(
                    f"duplicate primary key ({', '.join(primary_key)}) = ({shown}): CSV lines {first[value]} and {at}"
                )
            else:
                first[value] = at
    return problems, False


#: frictionless error types reported by :func:`structure_problems` instead, in CSV line numbers
RESTATED = ("primary-key",)


def schema_problems(desc: Mapping, basepath: Path | str, skip: Collection[str] = RESTATED) -> list[str]:
    """Problems of the CSV against its (expanded) descriptor, via frictionless: row, column, what."""
    from frictionless import Resource  # heavy: imported on first validation only

    resource = Resource.from_descriptor(copy.deepcopy(dict(desc)), basepath=str(basepath))
    report = resource.validate()
    if report.valid:
        return []
    problems = []
    for task in report.tasks:
        for err in task.errors:
            if getattr(err, "type", None) in skip:
                continue
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


def to_frame(csv_path: Path | str | io.BytesIO, fields: Sequence[Mapping]) -> pd.DataFrame:
    """The CSV (a path, or its bytes in a buffer) as a DataFrame typed by its fields."""
    import pandas as pd

    df = pd.read_csv(csv_path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")
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


def primary_key(desc: Mapping) -> list[str]:
    key = desc.get("schema", {}).get("primaryKey") or []
    return [key] if isinstance(key, str) else list(key)


def csv_problems(desc_path: Path | str, desc: Mapping, data: bytes) -> list[str]:
    """Every problem of a CSV against its expanded descriptor, each said once (uncached)."""
    file = rel(csv_path_of(desc_path, desc))
    text = decode_utf8(data, file)
    names = [f["name"] for f in desc["schema"]["fields"]]
    problems, fatal = structure_problems(text, names, primary_key(desc))
    if not fatal:
        problems += schema_problems(desc, Path(desc_path).parent)
    return problems


def typed_frame(desc_path: Path | str, desc: Mapping, data: bytes) -> pd.DataFrame:
    """The (already validated) CSV bytes as a typed DataFrame, with the descriptor in ``attrs``."""
    df = to_frame(io.BytesIO(data), desc["schema"]["fields"])
    df.attrs["ccth"] = {k: v for k, v in desc.items() if k != "schema"} | {"file": rel(csv_path_of(desc_path, desc))}
    return df


def validated_frame(desc_path: Path | str, desc: Mapping, data: bytes | None = None) -> pd.DataFrame:
    """Validate the CSV of an expanded descriptor and return it typed (uncached)."""
    csv_path = csv_path_of(desc_path, desc)
    if data is None:
        data = read_bytes(csv_path)
    problems = csv_problems(desc_path, desc, data)
    if problems:
        raise DataValidationError(rel(csv_path), problems)
    return typed_frame(desc_path, desc, data)


def checked(
    desc_path: Path | str,
    desc: Mapping,
    *,
    kind: str = "described",
    code: str | None = None,
    salt: Sequence = (),
    check: Callable[[pd.DataFrame], dict] | None = None,
    recheck: Callable[[dict], None] | None = None,
    frame: bool = True,
) -> tuple[dict, pd.DataFrame | None]:
    """:func:`validated_frame`, remembered by content digest across processes.

    The key is the digest of the checking ``code`` (default: this module), the expanded
    descriptor, the CSV's bytes and ``salt`` (whatever else the check read). On a miss the CSV is
    validated, then ``check(df)`` runs further checks (raising on a problem) and returns what to
    remember; on a hit ``recheck(remembered)`` runs whatever must be verified every time.
    Returns what was remembered and the typed frame (None on a hit when ``frame`` is false).
    """
    data = read_bytes(csv_path_of(desc_path, desc))
    key = digest(kind, code or code_digest(sys.modules[__name__]), dict(desc), data, list(salt))
    hit = cached(kind, key)
    if hit is not None:
        if recheck:
            recheck(hit)
        return hit, typed_frame(desc_path, desc, data) if frame else None
    df = validated_frame(desc_path, desc, data)
    meta = check(df) if check else {"rows": len(df)}
    remember(kind, key, meta)
    return meta, df


def checked_frame(desc_path: Path | str, desc: Mapping, **options) -> pd.DataFrame:
    """The typed frame of :func:`checked` (validated, or remembered as valid)."""
    return checked(desc_path, desc, **options)[1]


_FRAMES: dict[tuple, pd.DataFrame] = {}


def load(desc_path: Path | str, library: Library | None = None, **options) -> pd.DataFrame:
    """Read, expand and validate a described CSV; a typed DataFrame (cached on the files' stamps)."""
    desc_path = Path(desc_path).resolve()
    desc = read_descriptor(desc_path, library, **options)
    csv_path = csv_path_of(desc_path, desc)
    key = (str(desc_path), stamp(desc_path), stamp(csv_path), library.key if library else None, repr(sorted(options.items())))
    if key not in _FRAMES:
        # the expanded descriptor says all that the library and the options change
        _FRAMES[key] = checked_frame(desc_path, desc)
    return copy_frame(_FRAMES[key])


def copy_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out.attrs = copy.deepcopy(df.attrs)
    return out
