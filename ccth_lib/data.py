"""Loading and validating the transcribed evidence in ``data/``.

Each table is a CSV in ``data/tables/`` described by a Frictionless resource descriptor
(``<name>.resource.yaml``: title, description, sources, Table Schema with types, units and
constraints). :func:`load_table` validates the CSV against its schema with the ``frictionless``
library, then checks every row's provenance against the source text (see
:mod:`ccth_lib.provenance`), and returns a typed :class:`pandas.DataFrame`. Any problem raises
:class:`DataValidationError` naming the file, the row and the column.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from . import paths
from .provenance import PROVENANCE_COLUMNS, ProvenanceProblem, check_row, count_entries

MAX_REPORTED = 20


class DataValidationError(ValueError):
    """Bad data: the message names the file, row and column, and what was expected."""

    def __init__(self, file: str, problems: list[str]):
        self.file = file
        self.problems = problems
        shown = problems[:MAX_REPORTED]
        more = f"\n  … and {len(problems) - MAX_REPORTED} more" if len(problems) > MAX_REPORTED else ""
        super().__init__(f"{file}: {len(problems)} problem(s)\n  " + "\n  ".join(shown) + more)


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(paths.project_root()))
    except (ValueError, Exception):
        return str(path)


#: The four provenance fields every table ends with (appended to each schema by the loader).
PROVENANCE_FIELDS: list[dict[str, Any]] = [
    {
        "name": "source_id",
        "type": "string",
        "title": "Source document id (data/sources/registry.csv)",
        "constraints": {"required": True},
    },
    {
        "name": "line_start",
        "type": "integer",
        "title": "First line of the source text holding this row",
        "constraints": {"required": True, "minimum": 1},
    },
    {
        "name": "line_end",
        "type": "integer",
        "title": "Last line of the source text holding this row",
        "constraints": {"required": True, "minimum": 1},
    },
    {
        "name": "quote",
        "type": "string",
        "title": "Verbatim quote (whitespace-normalised) from those lines, anchoring this row",
        "constraints": {"required": True},
    },
]


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DESCRIPTORS: dict[tuple, dict] = {}


def read_descriptor(path: Path) -> dict[str, Any]:
    """Read a resource descriptor; tables (not the registry) get the provenance fields appended.

    Parsed descriptors are cached per process, keyed on path, size and modification time.
    """
    path = Path(path)
    st = path.stat()
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    if key not in _DESCRIPTORS:
        _DESCRIPTORS[key] = _read_descriptor(path)
    return copy.deepcopy(_DESCRIPTORS[key])


def _read_descriptor(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        desc = yaml.load(fh, Loader=_YAML_LOADER)
    if not isinstance(desc, dict) or "path" not in desc or "schema" not in desc:
        raise DataValidationError(_rel(path), ["descriptor must be a mapping with 'path' and 'schema'"])
    fields = desc["schema"].setdefault("fields", [])
    if desc.get("ccth", {}).get("provenance", True) is not False:
        names = {f.get("name") for f in fields}
        clash = names & {f["name"] for f in PROVENANCE_FIELDS}
        if clash:
            raise DataValidationError(_rel(path), [f"field(s) {sorted(clash)} are added by the loader; remove them"])
        fields.extend(copy.deepcopy(PROVENANCE_FIELDS))
    return desc


_PANDAS_TYPES = {"integer": "Int64", "number": "float64", "boolean": "boolean"}


def _schema_problems(desc_path: Path, desc: dict) -> list[str]:
    from frictionless import Resource

    resource = Resource.from_descriptor(desc, basepath=str(desc_path.parent))
    report = resource.validate()
    if report.valid:
        return []
    problems = []
    for task in report.tasks:
        for err in task.errors:
            row = getattr(err, "row_number", None)
            field = getattr(err, "field_name", None)
            cell = getattr(err, "cell", None)
            where = []
            if row is not None:
                where.append(f"row {row - 1} (CSV line {row})")
            if field:
                where.append(f"column {field!r}")
            what = f"{err.title}: {err.note}" if getattr(err, "note", "") else err.message
            if cell is not None:
                what += f" (found {cell!r})"
            problems.append(", ".join(where + [what]) if where else what)
    return problems


def _to_frame(csv_path: Path, fields: list[dict]) -> pd.DataFrame:
    df = pd.read_csv(csv_path, dtype=str, keep_default_na=False, na_values=[""])
    for f in fields:
        name, ftype = f["name"], f.get("type", "string")
        if name not in df.columns:
            continue
        if ftype in ("integer", "number"):
            df[name] = pd.to_numeric(df[name]).astype(_PANDAS_TYPES[ftype])
        elif ftype == "boolean":
            df[name] = df[name].map({"true": True, "false": False, "True": True, "False": False}).astype("boolean")
        elif ftype == "date":
            df[name] = pd.to_datetime(df[name], format="%Y-%m-%d")
        else:
            df[name] = df[name].astype("string")
    return df


def provenance_problems(df: pd.DataFrame, fields: list[dict], file: str) -> list[ProvenanceProblem]:
    """Provenance problems of a loaded table (reads the source texts, verifying checksums)."""
    from . import sources

    missing = [c for c in PROVENANCE_COLUMNS if c not in df.columns]
    if missing:
        return [ProvenanceProblem(file, 0, c, "provenance column is missing") for c in missing]
    numeric = [
        f["name"]
        for f in fields
        if f.get("type") in ("integer", "number")
        and f["name"] not in PROVENANCE_COLUMNS
        and f.get("ccth_verbatim", True)
    ]
    verbatim = [f["name"] for f in fields if f.get("type", "string") == "string" and f.get("ccth_verbatim") is True]
    problems: list[ProvenanceProblem] = []
    registry = sources.registry()
    lines_of: dict[str, list[str]] = {}
    for i, row in enumerate(df.to_dict("records"), start=1):
        sid = row.get("source_id")
        if sid not in registry:
            problems.append(ProvenanceProblem(file, i, "source_id", f"unknown source id {sid!r}"))
            continue
        if sid not in lines_of:
            lines_of[sid] = sources.lines(sid)
        problems += check_row(
            file=file,
            row_number=i,
            row=row,
            numeric_fields=numeric,
            verbatim_string_fields=verbatim,
            source_lines=lines_of[sid],
        )
    return problems


def entry_count_problem(df: pd.DataFrame, desc: dict) -> str | None:
    """Compare the table's row count with the entries counted in the source (``ccth.entry_count``)."""
    from . import sources

    spec = desc.get("ccth", {}).get("entry_count")
    if not spec:
        return None
    sid = spec.get("source_id") or desc["sources"][0]["source_id"]
    counted = count_entries(sources.lines(sid), spec["lines"], spec["pattern"])
    per_row = int(spec.get("per_row", 1))
    if counted != len(df) * per_row:
        return (
            f"the table has {len(df)} rows but {sid} lines {spec['lines']} hold {counted} entries "
            f"(lines matching {spec['pattern']!r}"
            + (f", {per_row} per row)" if per_row != 1 else ")")
        )
    return None


def load_resource(desc_path: Path, *, check_provenance: bool = True) -> pd.DataFrame:
    """Validate and load the CSV described by a resource descriptor file.

    Results are cached per process, keyed on the files' paths, sizes and modification times, so
    a changed file is always re-validated.
    """
    desc_path = Path(desc_path).resolve()
    if not desc_path.is_file():
        raise FileNotFoundError(f"{_rel(desc_path)}: no such resource descriptor")
    desc = read_descriptor(desc_path)
    csv_path = desc_path.parent / desc["path"]
    stamp = tuple((p.stat().st_mtime_ns, p.stat().st_size) if p.is_file() else None for p in (desc_path, csv_path))
    key = (str(desc_path), stamp, check_provenance, _sources_stamp() if check_provenance else None)
    if key not in _CACHE:
        _CACHE[key] = _load_resource(desc_path, check_provenance=check_provenance)
    df = _CACHE[key].copy()
    df.attrs = copy.deepcopy(_CACHE[key].attrs)
    return df


_CACHE: dict[tuple, pd.DataFrame] = {}


def _sources_stamp() -> tuple:
    folder = paths.sources_dir()
    return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.iterdir()) if p.is_file())


def _load_resource(desc_path: Path, *, check_provenance: bool) -> pd.DataFrame:
    desc = read_descriptor(desc_path)
    csv_path = desc_path.parent / desc["path"]
    rel = _rel(csv_path)
    if not csv_path.is_file():
        raise DataValidationError(rel, ["file is missing"])
    problems = _schema_problems(desc_path, desc)
    if problems:
        raise DataValidationError(rel, problems)
    fields = desc["schema"]["fields"]
    df = _to_frame(csv_path, fields)
    if check_provenance:
        prov = provenance_problems(df, fields, rel)
        if prov:
            raise DataValidationError(rel, [p.located for p in prov])
        count_problem = entry_count_problem(df, desc)
        if count_problem:
            raise DataValidationError(rel, [count_problem])
    df.attrs["ccth"] = {k: v for k, v in desc.items() if k != "schema"} | {"file": rel}
    return df


# ---------------------------------------------------------------------------------------------
# Tables


@dataclass(frozen=True)
class TableInfo:
    name: str
    title: str
    description: str
    descriptor_path: Path
    csv_path: Path
    descriptor: dict


def descriptor_path(name: str) -> Path:
    return paths.tables_dir() / f"{name}.resource.yaml"


def list_tables() -> list[str]:
    """Names of every table in ``data/tables`` (sorted)."""
    return sorted(p.name.removesuffix(".resource.yaml") for p in paths.tables_dir().glob("*.resource.yaml"))


def table_info(name: str) -> TableInfo:
    path = descriptor_path(name)
    if not path.is_file():
        raise KeyError(f"no table named {name!r}; known tables: {', '.join(list_tables())}")
    desc = read_descriptor(path)
    if desc.get("name") != name:
        raise DataValidationError(_rel(path), [f"descriptor name {desc.get('name')!r} must equal the file name {name!r}"])
    return TableInfo(name, desc.get("title", name), desc.get("description", ""), path, path.parent / desc["path"], desc)


def load_table(name: str, *, check_provenance: bool = True) -> pd.DataFrame:
    """Load table ``name`` from ``data/tables``, validated against its schema and its sources."""
    info = table_info(name)
    return load_resource(info.descriptor_path, check_provenance=check_provenance)


# ---------------------------------------------------------------------------------------------
# Figures register: one row per stated scalar figure


@dataclass(frozen=True)
class Figure:
    id: str
    value: float
    unit: str
    measure: str
    period: str
    source_id: str
    line_start: int
    line_end: int
    quote: str

    @property
    def citation(self) -> str:
        return f"{self.source_id}, lines {self.line_start}-{self.line_end}: “{self.quote}”"


def figures() -> pd.DataFrame:
    """The figures register (``data/tables/figures.csv``), validated."""
    return load_table("figures").set_index("id", drop=False)


def figure(figure_id: str, register: pd.DataFrame | None = None) -> Figure:
    """One stated figure, with its provenance."""
    reg = figures() if register is None else register
    if figure_id not in reg.index:
        raise KeyError(f"no figure {figure_id!r} in data/tables/figures.csv")
    r = reg.loc[figure_id]
    return Figure(
        id=figure_id,
        value=float(r["value"]),
        unit=str(r["unit"]),
        measure=str(r["measure"]),
        period=str(r["period"]) if pd.notna(r["period"]) else "",
        source_id=str(r["source_id"]),
        line_start=int(r["line_start"]),
        line_end=int(r["line_end"]),
        quote=str(r["quote"]),
    )


# ---------------------------------------------------------------------------------------------
# Omitted content: numeric content of a source deliberately not transcribed


def omitted(source_id: str | None = None) -> pd.DataFrame:
    """Entries of ``data/omitted/<source_id>.yaml`` (lines, what, why), validated."""
    from . import sources
    from .provenance import parse_lines

    rows = []
    folder = paths.data_dir() / "omitted"
    reg = sources.registry()
    for path in sorted(folder.glob("*.yaml")):
        sid = path.stem
        rel = _rel(path)
        if sid not in reg:
            raise DataValidationError(rel, [f"file name must be a registered source id, not {sid!r}"])
        if source_id and sid != source_id:
            continue
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        n_lines = len(sources.lines(sid))
        problems = []
        for i, e in enumerate(entries, start=1):
            if not isinstance(e, dict) or set(e) != {"lines", "what", "why"}:
                problems.append(f"entry {i}: needs exactly the keys lines, what, why")
                continue
            try:
                a, b = parse_lines(e["lines"])
            except ValueError as exc:
                problems.append(f"entry {i}, lines: {exc}")
                continue
            if b > n_lines:
                problems.append(f"entry {i}, lines: {e['lines']} beyond the source's {n_lines} lines")
            rows.append({"source_id": sid, "lines": str(e["lines"]), "what": str(e["what"]), "why": str(e["why"])})
        if problems:
            raise DataValidationError(rel, problems)
    return pd.DataFrame(rows, columns=["source_id", "lines", "what", "why"])
