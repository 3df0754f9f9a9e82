"""The table component: every table on every page is rendered here, from DataFrame rows.

One HTML table per call, through ``templates/table.html.j2``: header cells only in ``<thead>``,
one body row per DataFrame row, values formatted for readers (:mod:`.formats`), and, when the
rows carry provenance (``source_id``, ``line_start``, ``line_end``, ``quote``), one link per
row to exactly that row's lines of its source. A table read from ``data/tables/<name>.csv``
names it (``data-table``) and numbers each row as in the CSV (``data-row``, 1 = first data row),
so a test can check every link of the built site against the CSV.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import pandas as pd

from . import formats
from .links import cell_source, data_lines, link_of, source_id_of
from .render import Html, render

PROVENANCE = ("source_id", "line_start", "line_end", "quote")


@dataclass(frozen=True)
class Column:
    """A column as shown: the DataFrame column, its header in words, and how values read."""

    name: str
    header: str
    kind: str = "auto"


ColumnsSpec = Sequence[Column] | Mapping[str, str]


def columns_from(spec: ColumnsSpec, kinds: Mapping[str, str] | None = None) -> list[Column]:
    """``{"service": "Service", …}`` or a list of :class:`Column` → a list of :class:`Column`."""
    kinds = dict(kinds or {})
    if isinstance(spec, Mapping):
        return [Column(name, header, kinds.get(name, "auto")) for name, header in spec.items()]
    return [c if not kinds.get(c.name) else Column(c.name, c.header, kinds[c.name]) for c in spec]


def _resolve_kind(column: Column, series: pd.Series) -> str:
    return formats.kind_of(column.name, series) if column.kind == "auto" else column.kind


def table(
    df: pd.DataFrame,
    columns: ColumnsSpec,
    *,
    kinds: Mapping[str, str] | None = None,
    table_name: str | None = None,
    caption: str | None = None,
    links: bool = True,
    link_header: str = "Source",
    with_document: bool = True,
    wide: Sequence[str] = (),
    unlinked: Sequence[str] = (),
    searchable: bool = False,
    filters: Sequence[str] = (),
    search_label: str = "Search the table",
    sort_keys: Mapping[str, str] | None = None,
) -> Html:
    """Render ``df`` as one accessible HTML table.

    ``columns`` chooses and names the columns shown (in order); ``kinds`` overrides how a column's
    values read (see :data:`formats.KINDS`). With ``links`` and provenance columns present, a last
    column ``link_header`` links each row to its own source lines (``with_document``: the link
    text names the document too). ``wide`` names text columns given room to read (long
    explanations). ``table_name`` marks a table read from ``data/tables`` whose
    index is still the CSV's row position.

    With ``links``, every number and date of a row with provenance links to exactly the lines
    that print it (its own line where the row's ``cell_lines`` records it, else the row's lines),
    and its document, lines and verbatim quote are the link's accessible description, shown in
    a pop-up on hover and keyboard focus (:func:`.links.cell_source`); ``unlinked`` names numeric
    columns that are not figures (a row's position) and so are not linked.

    ``searchable`` (opt-in) marks the table for the site's own search, sort and filter script
    (``_site_assets/_static/ccth/ccth-table-tools.js``, shipped with the site; a script tag rendered
    here loads it once, so only pages with a searchable table load it): a search box, one drop-down
    filter per column named in ``filters`` (its options are the column's values as shown), and
    sorting by any column. Date and number cells carry their raw value (``data-sort``) so that
    they sort in time and numeric order; ``sort_keys`` maps a shown column to another column of
    ``df`` whose date or number it sorts by instead (e.g. "October & November 2018" by its first day). Rows are only hidden or reordered by the script, never
    rebuilt, so each row keeps its own source link.
    """
    cols = columns_from(columns, kinds)
    missing = [c.name for c in cols if c.name not in df.columns]
    if missing:
        raise KeyError(f"table{f' {table_name}' if table_name else ''}: no column(s) {missing}; has {list(df.columns)}")
    resolved = [(c, _resolve_kind(c, df[c.name])) for c in cols]
    show_links = links and all(p in df.columns for p in PROVENANCE[:3])
    header = [{"header": c.header, "classes": _classes(k, c.name in wide)} for c, k in resolved]
    if show_links:
        header.append({"header": link_header, "classes": "lines"})
    if table_name is not None and not pd.api.types.is_integer_dtype(df.index):
        raise ValueError(f"table {table_name}: the index must be the CSV row position (use the loaded frame, not a re-indexed one)")
    sort_keys = dict(sort_keys or {})
    if (filters or sort_keys) and not searchable:
        raise ValueError("table: filters and sort keys need searchable=True")
    missing_keys = [k for k in sort_keys.values() if k not in df.columns]
    if missing_keys:
        raise KeyError(f"table: no sort-key column(s) {missing_keys}")
    unknown = [f for f in filters if f not in {c.name for c in cols}]
    if unknown:
        raise KeyError(f"table: filter(s) {unknown} are not among the columns shown")
    rows = []
    for index, record in zip(df.index, df.to_dict("records")):
        cells = [_cell(record[c.name], k) | {"classes": _classes(k, c.name in wide)} for c, k in resolved]
        if searchable:
            for cell, (c, k) in zip(cells, resolved):
                key = sort_keys.get(c.name)
                cell["sort"] = _sort_key(record[key], formats.kind_of(key, df[key])) if key else _sort_key(record[c.name], k)
        if show_links:
            for cell, (c, k) in zip(cells, resolved):
                if c.name not in unlinked:
                    cell["source"] = _source(record, c.name, k)
            link = link_of(record)
            cells.append({
                "text": link.text(with_document) if link else "",
                "href": link.href if link else None,
                "title": None,  # the pop-up (its description) shows the document, lines and quote
                "classes": "lines",
                "source": {"href": link.href, "lines": data_lines(link), "column": None, "text": link.title} if link else None,
            })
        rows.append({"number": int(index) + 1 if table_name is not None else None, "cells": cells})
    search = {"label": search_label, "filters": _filters(resolved, filters, rows), "script": SEARCH_SCRIPT} if searchable else None
    pops = _number_sources(rows, table_name, caption, header)
    return render("table.html.j2", columns=header, rows=rows, table_name=table_name, caption=caption, search=search, sources=pops)


# --- Provenance pop-ups: each number's link and the text of its pop-up ----------------------


def _source(record: Mapping, column: str, kind: str) -> dict | None:
    src = cell_source(record, column, record[column], kind)
    if src is None:
        return None
    return {"href": src.href, "lines": src.data_lines, "column": column, "text": src.description}


def _number_sources(rows: list[dict], table_name, caption, header) -> list[dict]:
    """Give each linked cell the id of its pop-up text (unique on the page); the texts, in order."""
    key = source_id_of(table_name, caption, [h["header"] for h in header],
                       [[(c["text"], (c.get("source") or {}).get("href")) for c in r["cells"]] for r in rows])
    out = []
    for i, r in enumerate(rows):
        for j, cell in enumerate(r["cells"]):
            src = cell.get("source")
            if src:
                src["id"] = f"{key}-{i}-{j}"
                out.append(src)
    return out


#: The search, sort and filter script, relative to the built site's root (shipped from
#: ``_site_assets/_static/ccth/``; not under ``_static/``, whose scripts Jupyter Book puts on every page).
SEARCH_SCRIPT = "_static/ccth/ccth-table-tools.js"


def _sort_key(value, kind: str) -> str | None:
    """The raw value a date or number cell sorts by (None: the script sorts by the cell's text)."""
    if formats.missing(value):
        return None
    if kind == "date":
        try:
            return pd.Timestamp(value).date().isoformat()
        except (TypeError, ValueError):
            return None
    if kind in formats.NUMERIC_KINDS and not isinstance(value, bool):
        return repr(float(value))
    return None


def _filters(resolved, names: Sequence[str], rows: list[dict]) -> list[dict]:
    """One drop-down per filtered column: its header, position and the distinct values as shown,
    in the column's order (time for dates, size for numbers, alphabetical for text)."""
    position = {c.name: i for i, (c, _) in enumerate(resolved)}
    out = []
    for name in names:
        i, kind = position[name], resolved[position[name]][1]
        keys: dict[str, tuple] = {}
        for r in rows:
            cell = r["cells"][i]
            if cell["text"]:
                sort = cell.get("sort")
                keys[cell["text"]] = (float(sort),) if sort and kind in formats.NUMERIC_KINDS else ((sort or cell["text"]).casefold(),)
        out.append({"header": resolved[i][0].header, "column": i, "options": sorted(keys, key=lambda t: (keys[t], t))})
    return out


def _classes(kind: str, wide: bool) -> str:
    return " ".join(c for c in ("num" if kind in formats.NUMERIC_KINDS else "", "wide" if wide else "") if c)


def _cell(value, kind: str) -> dict:
    """One cell: its text, and for ``kind="link"`` (a :class:`Link` value) its address."""
    if kind == "link":
        if isinstance(value, Link):
            return {"text": value.text, "href": value.href, "title": None}
        return {"text": formats.text(value), "href": None, "title": None}
    return {"text": formats.format_value(value, kind), "href": None, "title": None}


@dataclass(frozen=True)
class Link:
    """A cell that links somewhere (use with ``kinds={column: "link"}``)."""

    text: str
    href: str


def csv_columns(names: Iterable[str]) -> list[str]:
    """The columns of a transcribed table other than its provenance."""
    return [n for n in names if n not in PROVENANCE]
