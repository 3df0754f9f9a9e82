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
from .links import link_of
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
) -> Html:
    """Render ``df`` as one accessible HTML table.

    ``columns`` chooses and names the columns shown (in order); ``kinds`` overrides how a column's
    values read (see :data:`formats.KINDS`). With ``links`` and provenance columns present, a last
    column ``link_header`` links each row to its own source lines (``with_document``: the link
    text names the document too). ``wide`` names text columns given room to read (long
    explanations). ``table_name`` marks a table read from ``data/tables`` whose
    index is still the CSV's row position.
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
    rows = []
    for index, record in zip(df.index, df.to_dict("records")):
        cells = [_cell(record[c.name], k) | {"classes": _classes(k, c.name in wide)} for c, k in resolved]
        if show_links:
            link = link_of(record)
            cells.append({
                "text": link.text(with_document) if link else "",
                "href": link.href if link else None,
                "title": link.title if link else None,
                "classes": "lines",
            })
        rows.append({"number": int(index) + 1 if table_name is not None else None, "cells": cells})
    return render("table.html.j2", columns=header, rows=rows, table_name=table_name, caption=caption)


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
