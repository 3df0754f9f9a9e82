"""Loading and validating the transcribed evidence in ``data/``.

Each table is a CSV in ``data/tables/`` described by a Frictionless resource descriptor
(``<name>.resource.yaml``: title, description, sources, Table Schema with types, units and
constraints), read and validated by the generic loader :mod:`ccth_lib.described`. What the
descriptors share is said once and derived here: ``name`` and ``path`` from the file name, the
licence and shared field definitions from ``data/tables/_shared.yaml`` (:mod:`ccth_lib.vocab`),
each source's title from the registry (:mod:`ccth_lib.sources`), and the four provenance fields.

:func:`load_table` validates the CSV against its schema with the ``frictionless`` library, then
checks every row's provenance against the source text (see :mod:`ccth_lib.provenance`), and
returns a typed :class:`pandas.DataFrame`. Any problem raises :class:`DataValidationError`
naming the file, the row and the column.

Layers (no import cycle; ``tests/test_import_graph.py``): ``described`` ← ``sources``,
``vocab`` ← ``data``; ``provenance`` is pure.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from . import cells, described, paths, sources, vocab
from .described import DataValidationError, rel as _rel
from .provenance import PROVENANCE_COLUMNS, ProvenanceProblem, check_row, count_entries, parse_lines

__all__ = [
    "DataValidationError",
    "Figure",
    "TableInfo",
    "figure",
    "figures",
    "list_tables",
    "load_table",
    "omitted",
    "read_descriptor",
    "table_info",
    "tables_by_source",
    "validate_table",
]

#: Top-level descriptor keys the loader derives, so a table descriptor must not write them:
#: ``name`` and ``path`` from the file name, ``licenses`` from ``data/tables/_shared.yaml``.
DERIVED_KEYS = ("name", "path", "licenses")


def provenance_fields() -> list[dict[str, Any]]:
    """The four provenance fields every table ends with (defined in ``data/tables/_shared.yaml``)."""
    lib = vocab.library()
    return [copy.deepcopy(lib.fields[c]) | {"name": c} for c in PROVENANCE_COLUMNS]


def read_descriptor(path: Path) -> dict[str, Any]:
    """A table's resource descriptor, fully expanded.

    Derived by the loader (never written in the file): ``name`` and ``path`` from the file name,
    ``licenses`` and every ``use:``/``{vocab: …}`` reference from ``data/tables/_shared.yaml``,
    each ``sources[]`` entry's ``title`` from ``data/sources/registry.csv``; the four provenance
    fields are appended to the schema.
    """
    path = Path(path)
    desc = described.read_descriptor(path, vocab.library(), derived=DERIVED_KEYS, append=PROVENANCE_COLUMNS)
    file = _rel(path)
    entries = desc.get("sources")
    if not isinstance(entries, list) or not entries:
        raise DataValidationError(file, ["'sources' must list the source document(s) of the table"])
    reg = sources.registry()
    problems, out = [], []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            problems.append(f"sources[{i}]: must be a mapping (source_id, lines, quote)")
            continue
        if "title" in entry:
            problems.append(f"sources[{i}].title: the title is taken from data/sources/registry.csv; remove it")
            continue
        sid = entry.get("source_id")
        if sid not in reg:
            problems.append(f"sources[{i}].source_id: unknown source id {sid!r}; registered ids: {', '.join(reg)}")
            continue
        out.append({"title": reg[sid].title, **entry})
    if problems:
        raise DataValidationError(file, problems)
    desc["sources"] = out
    return desc


def provenance_problems(df: pd.DataFrame, fields: list[dict], file: str) -> list[ProvenanceProblem]:
    """Provenance problems of a loaded table (reads the source texts, verifying checksums)."""
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
    cell_kinds = cells.kinds(fields) if cells.CELL_LINES in df.columns else None
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
        if cell_kinds is not None:  # cell-level provenance: each value at its own line, in order
            problems += cells.check_cells(file=file, row_number=i, row=row, kinds=cell_kinds, source_lines=lines_of[sid])
    return problems


def row_count_problems(df: pd.DataFrame, desc: dict, file: str) -> list[ProvenanceProblem]:
    """The table's declared row count (``ccth.rows``; not for registers) and ``row_order`` 1..n."""
    problems = cells.check_row_order(file=file, df=df)
    if desc.get("name") not in REGISTERS:
        problems += cells.check_row_count(
            file=file,
            n_rows=len(df),
            spec=desc.get("ccth", {}).get("rows"),
            source_lines_of=sources.lines,
            default_source=desc["sources"][0]["source_id"],
        )
    return problems


def entry_count_problem(df: pd.DataFrame, desc: dict) -> str | None:
    """Compare the table's row count with the entries counted in the source (``ccth.entry_count``)."""
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


_CACHE: dict[tuple, pd.DataFrame] = {}


def _definitions_stamp() -> tuple:
    """What every table descriptor depends on besides its own files: shared YAML and registry."""
    return tuple(
        described.stamp(p)
        for p in (paths.shared_definitions(), paths.registry_descriptor(), paths.sources_dir() / "registry.csv")
    )


def _sources_stamp() -> tuple:
    """Size and modification time of every registered source text (a changed one is re-verified)."""
    return tuple(described.stamp(s.path) for s in sources.registry().values())


def _checking_code() -> str:
    """Digest of the code that validates a table (a change to it re-validates every table)."""
    import sys

    from . import provenance

    return described.code_digest(described, sources, vocab, provenance, cells, sys.modules[__name__])


def load_resource(desc_path: Path, *, check_provenance: bool = True) -> pd.DataFrame:
    """Validate and load the table described by a resource descriptor file.

    Results are cached per process on the files' paths, sizes and modification times, and across
    processes by content (:func:`ccth_lib.described.checked_frame`): a table is validated again
    only when its CSV, its expanded descriptor (so also ``_shared.yaml`` and the registry's
    titles), the registry's checksums or the checking code change. The source texts a table
    quotes are verified against their checksums on every load, cached or not.
    """
    desc_path = Path(desc_path).resolve()
    if not desc_path.is_file():
        raise FileNotFoundError(f"{_rel(desc_path)}: no such resource descriptor")
    csv_path = desc_path.with_name(described.name_of(desc_path) + ".csv")
    key = (
        str(desc_path),
        described.stamp(desc_path),
        described.stamp(csv_path),
        _definitions_stamp(),
        check_provenance,
        _sources_stamp() if check_provenance else None,
    )
    if key not in _CACHE:
        _CACHE[key] = _load_resource(desc_path, check_provenance=check_provenance)
    return described.copy_frame(_CACHE[key])


def _load_resource(desc_path: Path, *, check_provenance: bool) -> pd.DataFrame:
    return _checked(desc_path, check_provenance=check_provenance, frame=True)[1]


def _checked(desc_path: Path, *, check_provenance: bool, frame: bool) -> tuple[dict, pd.DataFrame | None]:
    desc = read_descriptor(desc_path)
    if not check_provenance:
        return described.checked(desc_path, desc, kind="schema", code=_checking_code(), frame=frame)

    def check(df: pd.DataFrame) -> dict:
        rel = df.attrs["ccth"]["file"]
        prov = provenance_problems(df, desc["schema"]["fields"], rel) + row_count_problems(df, desc, rel)
        if prov:
            raise DataValidationError(rel, [p.located for p in prov])
        count_problem = entry_count_problem(df, desc)
        if count_problem:
            raise DataValidationError(rel, [count_problem])
        return {"rows": len(df), "sources": quoted_sources(df, desc)}

    def recheck(remembered: dict) -> None:
        for sid in remembered.get("sources", []):
            sources.text(sid)  # the checksum, every time

    registry_csv = described.read_bytes(paths.sources_dir() / "registry.csv")
    return described.checked(
        desc_path, desc, kind="table", code=_checking_code(), salt=[registry_csv], check=check, recheck=recheck, frame=frame
    )


def validate_table(name: str, *, check_provenance: bool = True) -> int:
    """Validate table ``name`` against its schema (and its sources); its number of rows.

    Like :func:`load_table` (and sharing its cache), without building a DataFrame when the
    table's content was validated before.
    """
    info = table_info(name)
    meta, _ = _checked(info.descriptor_path.resolve(), check_provenance=check_provenance, frame=False)
    return int(meta["rows"])


def quoted_sources(df: pd.DataFrame, desc: dict) -> list[str]:
    """The registered sources whose text a table's provenance check reads."""
    used = set(df["source_id"].dropna().astype(str)) if "source_id" in df.columns else set()
    for key in ("entry_count", "rows"):
        spec = desc.get("ccth", {}).get(key)
        if isinstance(spec, dict) and (key == "entry_count" or "lines" in spec):
            used.add(spec.get("source_id") or desc["sources"][0]["source_id"])
    return sorted(used & set(sources.registry()))


# ---------------------------------------------------------------------------------------------
# Tables


@dataclass(frozen=True)
class TableInfo:
    name: str
    title: str
    description: str
    descriptor_path: Path
    csv_path: Path
    #: the fully expanded descriptor: name, path, licences, sources with titles, every field
    descriptor: dict


def descriptor_path(name: str) -> Path:
    return paths.tables_dir() / f"{name}{described.SUFFIX}"


def list_tables() -> list[str]:
    """Names of every table in ``data/tables`` (sorted)."""
    return sorted(described.name_of(p) for p in paths.tables_dir().glob(f"*{described.SUFFIX}"))


def table_info(name: str) -> TableInfo:
    path = descriptor_path(name)
    if not path.is_file():
        raise KeyError(f"no table named {name!r}; known tables: {', '.join(list_tables())}")
    desc = read_descriptor(path)
    return TableInfo(name, desc.get("title", name), desc.get("description", ""), path, path.parent / desc["path"], desc)


def load_table(name: str, *, check_provenance: bool = True) -> pd.DataFrame:
    """Load table ``name`` from ``data/tables``, validated against its schema and its sources."""
    info = table_info(name)
    return load_resource(info.descriptor_path, check_provenance=check_provenance)


#: Tables that gather content from every source rather than transcribing one document's table.
REGISTERS = ("figures",)


def tables_by_source() -> dict[str, list[str]]:
    """Table names grouped by source document (the first entry of each table's ``sources``).

    Keys are the registered source ids in registry order (every source appears, possibly with
    an empty list); names are sorted. The figures register, which draws on every source, is
    left out.
    """
    out: dict[str, list[str]] = {sid: [] for sid in sources.registry()}
    for name in list_tables():
        if name in REGISTERS:
            continue
        out[table_info(name).descriptor["sources"][0]["source_id"]].append(name)
    return out


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
    rows = []
    folder = paths.omitted_dir()
    reg = sources.registry()
    for path in sorted(folder.glob("*.yaml")):
        sid = path.stem
        rel = _rel(path)
        if sid not in reg:
            raise DataValidationError(rel, [f"file name must be a registered source id, not {sid!r}"])
        if source_id and sid != source_id:
            continue
        entries = described.read_yaml(path) or []  # a byte that is not UTF-8 is named
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
