"""The evidence catalogue: every table, source, stated figure and deliberate omission."""

from __future__ import annotations

import pandas as pd

from .. import data, sources
from .evidence import anchor, evidence_table, with_line_range
from .render import Html
from .table import Column, Link, table

SORTS = {"source": (["source_order", "name"], True), "rows": (["rows", "name"], False), "name": (["name"], True)}


def tables(sort_by: str = "source") -> pd.DataFrame:
    """One row per transcribed table: title, source, lines, rows, columns, page and CSV links."""
    reg = sources.registry()
    order = {sid: i for i, sid in enumerate(reg)}
    rows = []
    for sid, names in data.tables_by_source().items():
        src = reg[sid]
        for n in names:
            info = data.table_info(n)
            df = data.load_table(n)
            rows.append({
                "source_order": order[sid],
                "name": n,
                "title": Link(info.title, f"{src.page}.html#{anchor(n)}"),
                "source": Link(src.short_title, f"{src.page}.html"),
                "lines": ", ".join(str(s["lines"]).replace("-", "–") for s in info.descriptor["sources"] if s["source_id"] == sid),
                "rows": len(df),
                "columns": len(df.columns) - 4,
                "csv": Link(f"{n}.csv", f"../tables/{n}.csv"),
            })
    by, ascending = SORTS[sort_by]
    return pd.DataFrame(rows).sort_values(by, ascending=ascending, kind="stable").reset_index(drop=True)


def tables_table(frame: pd.DataFrame) -> Html:
    return table(
        frame,
        {"title": "Table", "source": "Document", "lines": "Lines", "rows": "Rows", "columns": "Columns", "csv": "Download (CSV)"},
        kinds={"title": "link", "source": "link", "csv": "link", "lines": "text"},
    )


def n_figures() -> int:
    return len(data.load_table("figures"))


def n_sources() -> int:
    return len(sources.registry())


def sources_table() -> Html:
    rows = []
    for s in sources.registry().values():
        rows.append({
            "title": Link(s.title, f"{s.page}.html"),
            "body": s.body,
            "date": s.date,
            "kind": s.kind.capitalize(),
            "tables": len(data.tables_by_source().get(s.id, [])),
            "text": Link(s.file, f"../sources/{s.file}"),
        })
    return table(
        pd.DataFrame(rows),
        {"title": "Document (evidence page)", "body": "Issued by", "date": "Date", "kind": "Kind", "tables": "Tables", "text": "Text extract"},
        kinds={"title": "link", "text": "link", "date": "text"},
    )


def figure_pages(exclude: tuple[str, ...] = ("evidence_catalogue",)) -> pd.DataFrame:
    """The reverse index: for each figure of the register, the pages that show it (one row per
    figure and page), read from the executed pages (see :mod:`ccth_lib.trace`). This page is left
    out of its own index."""
    from .. import trace

    tables = {"figures": data.load_table("figures")}
    index = trace.page_index(exclude=exclude)
    rows = []
    for i in tables["figures"].index:
        t = trace._target(tables, "figures", i, "value")
        for use in trace.pages_showing(t, index):
            href = f"{use.page}.html" if use.path.startswith("notebooks/") else f"../{use.path}.html"
            rows.append({"figure": t.label, "row": t.row, "page": Link(use.title, href), "page_title": use.title, "how": use.how})
    return pd.DataFrame(rows, columns=["figure", "row", "page", "page_title", "how"])


def figures_table(usage: pd.DataFrame | None = None) -> Html:
    """The figures register, each figure with the pages that show it (the reverse index)."""
    from .evidence import POSITIONS, columns_of

    usage = figure_pages() if usage is None else usage
    frame = data.load_table("figures")
    shown_on = usage.groupby("row")["page_title"].apply(lambda s: "; ".join(dict.fromkeys(s)))
    frame = frame.assign(shown_on=[shown_on.get(i + 1, "") for i in frame.index])
    columns = [*columns_of("figures"), Column("shown_on", "Shown on (pages)", "text")]
    return table(frame, columns, table_name="figures", link_header="Source", with_document=True, unlinked=POSITIONS)


def figure_pages_table(usage: pd.DataFrame | None = None) -> Html:
    """One row per figure and page that shows it, linking to the page."""
    usage = figure_pages() if usage is None else usage
    return table(usage, {"figure": "Figure", "page": "Page", "how": "How the page shows it"}, kinds={"page": "link"},
                 searchable=True, search_label="Search by figure or page")


def figures_download() -> Html:
    from .render import render

    return render("link_list.html.j2", items=[
        {"href": "../tables/figures.csv", "text": "Download the figures register (figures.csv)", "note": None},
        {"href": "../tables/figures.resource.yaml", "text": "its schema and provenance (figures.resource.yaml)", "note": None},
    ])


def omitted_table() -> Html:
    om = data.omitted()
    return table(with_line_range(om), {"what": "What", "why": "Why it was left out"}, wide=("why",))
