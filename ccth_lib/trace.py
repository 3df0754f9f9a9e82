"""``ccth trace``: one figure, where it is printed, what is derived from it, and where it is shown.

* :func:`targets` finds what a reader asks about: a figure id of the figures register
  (``paper_target_circa_3000``), a cell (``paper_trajectory:11:nel_avoidance_target``, the row
  numbered as in the CSV, 1 = first data row), or a bare value (``4,586``, ``20.6%``), which
  matches every cell and figure holding it;
* :func:`dependents` finds the derived figures that depend on it by changing it and re-deriving
  the whole register and the models' parameters: every comparison whose derived value moves (and
  every parameter whose default moves) depends on it; a comparison whose stated value moves
  states it, one whose derived value becomes it is compared with it;
* :func:`page_index` reads the executed pages (the notebooks' outputs and glue, and the narrative
  pages' glue references) and :func:`pages_showing` lists the pages that show a figure: a row of
  its table (the table component marks rows read from ``data/tables`` with ``data-table`` and
  ``data-row``), a row linking to exactly its lines and printing its value, or a glued value equal
  to it (only for values distinctive enough to identify it: three or more significant digits or a
  decimal).

The reverse index is built from the pages as last executed: execute the other pages before the
ones that show the index (the evidence catalogue).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd

from . import checks, data, reconcile, sources

_NUMBER = re.compile(r"(?<![\d.])[−-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")


@dataclass(frozen=True)
class Target:
    """A value the record holds, with where it is printed."""

    ref: str  # "figures:<id>" or "<table>:<row>:<column>"
    table: str
    row: int  # CSV row number, 1 = first data row
    column: str
    value: Any
    unit: str
    source_id: str
    line_start: int
    line_end: int
    quote: str
    label: str = ""


def _unit(table: str, column: str, row: pd.Series) -> str:
    if table == "figures":
        return str(row.get("unit", "") or "")
    for f in data.table_info(table).descriptor["schema"]["fields"]:
        if f["name"] == column:
            return str(f.get("unit", "") or "")
    return ""


def _target(tables: dict, table: str, i: int, column: str) -> Target:
    df = tables[table]
    r = df.loc[i]
    loc = checks.cell_location(table, r, column)
    value = checks._plain(r[column])
    label = str(r["id"]) if table == "figures" else ""
    ref = f"figures:{r['id']}" if table == "figures" else f"{table}:{int(i) + 1}:{column}"
    return Target(ref, table, int(i) + 1, column, value, _unit(table, column, r), loc.source_id, loc.line_start, loc.line_end,
                  " ".join(str(r["quote"]).split()), label)


def as_number(text: str) -> Decimal | None:
    """``"4,586"``, ``"20.6%"``, ``"£74m"``, ``"−2"`` → a number (None if it is not one)."""
    t = str(text).strip().replace("−", "-").replace("£", "").rstrip("%").rstrip("mkK").replace(",", "").strip()
    try:
        return Decimal(t)
    except InvalidOperation:
        return None


def _numeric_columns(table: str, df: pd.DataFrame) -> list[str]:
    if table == "figures":
        return ["value"]
    names = [f["name"] for f in data.table_info(table).descriptor["schema"]["fields"] if f.get("type") in ("integer", "number")]
    return [n for n in names if n in df.columns and n not in ("line_start", "line_end")]


def targets(query: str, tables: dict[str, pd.DataFrame], limit: int = 50) -> list[Target]:
    """What ``query`` names (see the module docstring); an empty list if nothing matches."""
    q = query.strip()
    figs = tables["figures"]
    if q in set(figs["id"]):
        i = figs.index[figs["id"] == q][0]
        return [_target(tables, "figures", i, "value")]
    if q.startswith("figures:") and q.split(":", 1)[1] in set(figs["id"]):
        return targets(q.split(":", 1)[1], tables, limit)
    parts = q.split(":")
    if len(parts) == 3 and parts[0] in tables:
        table, row, column = parts
        df = tables[table]
        if not row.isdigit() or not 1 <= int(row) <= len(df):
            raise KeyError(f"{table} has rows 1 to {len(df)}, not {row!r}")
        if column not in df.columns:
            raise KeyError(f"{table} has no column {column!r}; columns: {', '.join(c for c in df.columns)}")
        return [_target(tables, table, df.index[int(row) - 1], column)]
    number = as_number(q)
    out = []
    for table, df in tables.items():
        if number is not None:
            for col in _numeric_columns(table, df):
                for i, v in df[col].items():
                    if pd.notna(v) and Decimal(str(v)) in (number, -number):
                        out.append(_target(tables, table, i, col if table != "figures" else "value"))
        else:
            want = reconcile.normalise_text(q)
            for col in df.columns:
                if col in ("quote", "source_id", "cell_lines") or df[col].dtype != object:
                    continue
                for i, v in df[col].items():
                    if isinstance(v, str) and reconcile.normalise_text(v) == want:
                        out.append(_target(tables, table, i, col))
        if len(out) >= limit:
            break
    return out[:limit]


# Dependents ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Dependent:
    kind: str  # "states it" | "compared with it" | "derived from it" | "parameter"
    id: str
    what: str
    before: Any
    after: Any
    rule: str


def _changed(value: Any) -> list[Any]:
    if isinstance(value, float):
        step = max(1.0, abs(value) * 0.1) if float(value).is_integer() else max(0.1, abs(value) * 0.1)
        return [value + step, value * 1.37 + 7]
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return [(pd.Timestamp(value) + pd.Timedelta(days=1)).date().isoformat()]
    return [f"{value} (changed)"]


def _set(tables: dict, t: Target, value: Any) -> dict:
    out = dict(tables)
    df = tables[t.table].copy()
    i = df.index[t.row - 1]
    col = t.column
    if pd.api.types.is_datetime64_any_dtype(df[col]):
        value = pd.Timestamp(value)
    elif pd.api.types.is_integer_dtype(df[col]) and isinstance(value, float):
        df[col] = df[col].astype("float64")
    df.loc[i, col] = value
    out[t.table] = df
    return out


def dependents(t: Target, ev: checks.Evidence, declarations: checks.Declarations) -> tuple[list[Dependent], list[str]]:
    """The comparisons and parameters that move when ``t`` changes (and the errors a change
    causes, e.g. locality shares that no longer add to 100%)."""
    from .models import defaults, register

    def run(evidence: checks.Evidence) -> tuple[dict, dict]:
        found = {f.id: f for f in register.build(evidence, declarations)}
        params = evidence.params.model_dump() if evidence.params is not None else {}
        return found, params

    base, base_params = run(ev)
    moved: dict[str, Dependent] = {}
    errors: list[str] = []
    for new in _changed(t.value):
        tables = _set(dict(ev.tables), t, new)
        try:
            chain_ev, _ = register.chain_part(tables)
            params, _ = defaults.chain_defaults(chain_ev)
            after, after_params = run(replace(ev, tables=tables, params=params))
        except Exception as exc:  # noqa: BLE001 - a change the model rejects is itself a dependency
            errors.append(f"with {checks.shown(new)} instead: {type(exc).__name__}: {exc}")
            continue
        for name, v in after_params.items():
            if v != base_params.get(name) and f"parameter:{name}" not in moved:
                moved[f"parameter:{name}"] = Dependent("parameter", name, "model parameter (its default is read from the evidence)",
                                                       base_params.get(name), v, "see the model pages' Parameters used")
        for fid, f in base.items():
            g = after.get(fid)
            if g is None or fid in moved:
                continue
            if g.stated != f.stated:
                moved[fid] = Dependent("states it", fid, f.what, f.stated, f.derived, f.method)
            elif g.derived != f.derived:
                how = "compared with it" if g.derived == new else "derived from it"
                moved[fid] = Dependent(how, fid, f.what, f.derived, g.derived, f.method)
    return list(moved.values()), errors


# Reverse index -----------------------------------------------------------------------------------
@dataclass
class _Row:
    table: str | None
    row: int | None
    cells: list[str] = field(default_factory=list)
    links: list[tuple[str, str, str]] = field(default_factory=list)  # href, text, title


class _Rows(HTMLParser):
    """The rows of every table in an HTML fragment, with their links, and the links outside tables."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[_Row] = []
        self.loose: list[tuple[str, str, str]] = []
        self._tables: list[str | None] = []
        self._row: _Row | None = None
        self._cell: list[str] | None = None
        self._link: list | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._tables.append(a.get("data-table"))
        elif tag == "tr" and self._tables:
            row = a.get("data-row")
            self._row = _Row(self._tables[-1], int(row) if row and row.isdigit() else None)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "a":
            self._link = [a.get("href", ""), [], a.get("title", "")]

    def handle_endtag(self, tag):
        if tag == "table" and self._tables:
            self._tables.pop()
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.cells.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "a" and self._link is not None:
            link = (self._link[0], " ".join("".join(self._link[1]).split()), self._link[2])
            (self._row.links if self._row is not None else self.loose).append(link)
            self._link = None

    def handle_data(self, text):
        if self._cell is not None:
            self._cell.append(text)
        if self._link is not None:
            self._link[1].append(text)


@dataclass(frozen=True)
class PageUse:
    page: str  # the page's file name without extension, e.g. "model_trajectory"
    title: str
    path: str  # the page's place in the book, e.g. "notebooks/model_trajectory"
    how: str


@dataclass
class PageIndex:
    """What every executed page shows: table rows, rows linking to source lines, glued values."""

    rows: list[tuple[str, _Row]] = field(default_factory=list)
    glue: list[tuple[str, str, Any]] = field(default_factory=list)  # page, name, value
    titles: dict[str, str] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)


_LINES = re.compile(r"lines? (\d+)(?:[–-](\d+))?")


def _title(nb) -> str:
    for c in nb.cells:
        if c.cell_type == "markdown":
            m = re.search(r"^#\s+(.+)$", c.source, re.M)
            if m:
                return m.group(1).strip()
    return ""


def page_index(root: Path | None = None, *, exclude: tuple[str, ...] = ()) -> PageIndex:
    """Read every executed page of the book (notebooks) and the narrative pages' glue references."""
    import nbformat

    from . import notebooks, paths

    root = root or paths.project_root()
    index = PageIndex()
    for pg in notebooks.pages():
        if pg.name in exclude or not pg.path.is_file():
            continue
        nb = nbformat.read(pg.path, as_version=4)
        index.titles[pg.name] = _title(nb) or pg.name
        index.paths[pg.name] = f"notebooks/{pg.name}"
        parser = _Rows()
        for c in nb.cells:
            for o in c.get("outputs", []):
                d = o.get("data", {})
                for key in ("text/html", "application/papermill.record/text/html", "application/papermill.record/text/markdown", "text/markdown"):
                    if key in d:
                        parser.feed(d[key] if isinstance(d[key], str) else "".join(d[key]))
        parser.close()
        index.rows += [(pg.name, r) for r in parser.rows]
        index.rows += [(pg.name, _Row(None, None, [], [link])) for link in parser.loose]
        index.glue += [(pg.name, k, v) for k, v in notebooks.glued(nb).items()]
    glued = {(name, k): v for name, k, v in index.glue}
    for md in sorted((root / "book").glob("*.md")):
        text = md.read_text(encoding="utf-8")
        name = md.stem
        m = re.search(r"^#\s+(.+)$", text, re.M)
        index.titles[name] = m.group(1).strip() if m else name
        index.paths[name] = f"book/{name}"
        for nbname, key in re.findall(r"\{glue:[a-z]+\}`[./]*notebooks/([\w-]+)\.ipynb::([\w]+)", text):
            if (nbname, key) in glued:
                index.glue.append((name, key, glued[(nbname, key)]))
    return index


def _distinctive(v: Decimal) -> bool:
    """Three or more digits before the point, or a decimal: enough to identify a figure by value."""
    return abs(v) >= 100 or v != v.to_integral_value()


def pages_showing(t: Target, index: PageIndex) -> list[PageUse]:
    """The pages that show ``t`` (see the module docstring), each with how: its own table row
    first, then a table row linking to its lines with a cell holding its value, then a glued value."""
    pages = {s.page: s.id for s in sources.registry().values()}
    number = as_number(str(t.value)) if isinstance(t.value, (int, float)) else None
    uses: dict[str, str] = {}
    for page, row in index.rows:
        if row.table == t.table and row.row == t.row:
            uses.setdefault(page, f"row {t.row} of its table ({t.table})")
    if number is not None:
        for page, row in index.rows:
            if page in uses or not row.cells:
                continue
            values = {as_number(cell) for cell in row.cells}
            if number not in values and -number not in values:
                continue
            for href, text, title in row.links:
                target_page, _, _ = href.rpartition("#")
                sid = pages.get(Path(target_page).stem)
                m = _LINES.search(text) or _LINES.search(title)
                if sid != t.source_id or not m:
                    continue
                a = int(m.group(1))
                b = int(m.group(2) or a)
                exact = (a, b) == (t.line_start, t.line_end)
                if exact or (a <= t.line_start and t.line_end <= b and _distinctive(number)):
                    uses.setdefault(page, f"a table row linking to {sources.get(sid).short_title}, lines {a}–{b}")
                    break
        if _distinctive(number):
            for page, name, value in index.glue:
                if isinstance(value, (int, float)) and not isinstance(value, bool) and Decimal(str(value)) == number:
                    uses.setdefault(page, f"glued in the text as {name}")
    return [PageUse(p, index.titles.get(p, p), index.paths.get(p, p), how) for p, how in sorted(uses.items())]
