"""Evidence pages: one per source document, all from one notebook template.

A page lists the document's facts, every table transcribed from it (description, how it was
read, the rows with a link from each row to its own lines), the figures its prose states, what
was deliberately not transcribed, and the numbered source text that the links land on.
"""

from __future__ import annotations

import pandas as pd

from .. import cells, data, sources
from ..provenance import parse_lines
from . import formats
from .render import Html, render
from .table import PROVENANCE, Column, table


def anchor(name: str) -> str:
    """The id of a table's section on its evidence page."""
    return f"table-{name.replace('_', '-')}"


#: Numeric columns that give a row's position, not a figure of the source: shown without a link.
POSITIONS = ("row_order", "printing", "point_order", "point_level")


def columns_of(name: str) -> list[Column]:
    """A transcribed table's columns, headed by their schema titles (provenance excluded).

    ``cell_lines`` is not shown as a column: each value's link goes to its own line instead.
    """
    fields = data.table_info(name).descriptor["schema"]["fields"]
    out = []
    for f in fields:
        if f["name"] in PROVENANCE or f["name"] == cells.CELL_LINES:
            continue
        unit = str(f.get("unit", "")).lower()
        kind = "auto"
        if f.get("type") == "boolean":
            kind = "bool"
        elif f.get("type") == "date":
            kind = "date"
        elif f.get("type") in ("integer", "number"):
            kind = "percent" if f["name"].endswith("_pct") or unit in ("percent", "%") else "number"
        out.append(Column(f["name"], f.get("title") or f["name"], kind))
    return out


def evidence_table(name: str, df: pd.DataFrame | None = None, **options) -> Html:
    """A transcribed table as on its evidence page: schema titles, one source link per row."""
    frame = data.load_table(name) if df is None else df
    defaults = {"link_header": "Source lines", "with_document": False, "unlinked": POSITIONS}
    return table(frame, columns_of(name), table_name=name, **(defaults | options))


def with_line_range(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame with a ``lines`` column ("40-72") given ``line_start`` and ``line_end``, so rows link."""
    ranges = [parse_lines(v) for v in frame["lines"]]
    return frame.assign(line_start=[a for a, _ in ranges], line_end=[b for _, b in ranges])


def _words(text) -> str:
    return formats.text(text) if text else ""


def _cell_lines_words(ccth: dict) -> str:
    """How the line of each value was read (``ccth.cell_lines``), for "How the table was read"."""
    text = ccth.get("cell_lines")
    return f"The line of each value (each number links to it): {' '.join(str(text).split())}" if text else ""


def section(name: str) -> Html:
    """One table with its description, how it was read, its rows and its downloads."""
    info = data.table_info(name)
    df = data.load_table(name)
    ccth = info.descriptor.get("ccth", {})
    return render(
        "evidence_section.html.j2",
        anchor=anchor(name),
        name=name,
        title=info.title,
        description=_words(info.description),
        reconstruction=_words(" ".join(t for t in (ccth.get("reconstruction"), _cell_lines_words(ccth)) if t)),
        notes=_words(ccth.get("notes")),
        table=evidence_table(name, df),
        n_rows=len(df),
        open=False,
    )


class EvidencePage:
    """The parts of one source's evidence page."""

    def __init__(self, source_id: str):
        self.source = sources.get(source_id)
        self.names = data.tables_by_source().get(source_id, [])

    def facts(self) -> Html:
        s = self.source
        facts = pd.DataFrame([{"title": s.title, "body": s.body, "date": s.date, "kind": s.kind.capitalize(), "sha256": s.sha256}])
        return table(facts, {"title": "Document", "body": "Issued by", "date": "Date", "kind": "Kind", "sha256": "Checksum (sha256) of the text extract"}, links=False)

    def contents(self) -> Html:
        items = [{"href": f"#{anchor(n)}", "text": data.table_info(n).title, "note": None} for n in self.names]
        return render("link_list.html.j2", items=items)

    def text_link(self) -> Html:
        return render("link_list.html.j2", items=[{"href": f"../sources/{self.source.file}", "text": "The text extract as registered (plain text)", "note": self.source.file}])

    def tables(self) -> Html:
        return tables_html(self.names)

    def figures(self) -> Html:
        figs = data.load_table("figures")
        return evidence_table("figures", figs[figs["source_id"] == self.source.id])

    def omitted(self) -> Html:
        return table(with_line_range(data.omitted(self.source.id)), {"what": "What", "why": "Why it was left out"},
                     link_header="Source lines", with_document=False, wide=("why",))

    def source_text(self) -> Html:
        return render("source_text.html.j2", lines=sources.lines(self.source.id), label=f"Text of {self.source.title}, numbered by line")

    def glue(self) -> None:
        from .glue import glue_values

        glue_values(n_tables=len(self.names), n_figures=int((data.figures()["source_id"] == self.source.id).sum()))


def tables_html(names: list[str]) -> Html:
    """Every table section of a page, in order."""
    return render("sections.html.j2", sections=[section(n) for n in names])
