"""Links from a figure to the lines of its source document.

Every source's text is shown, line by line with ``id="L<n>"`` anchors, at the foot of its
evidence page (the registry names the page). A link goes to the first line of the range, so that
it lands there without scripts; a link to several lines also carries them (``data-lines``), and
the site's script (``_static/ccth-provenance.js``) makes it ``#L<start>-L<end>`` and highlights
the whole range on arrival.

Each number or date in a table (and, with :func:`linked_value`, in prose) links to exactly the
lines that print it: its own line where the row records it (``cell_lines``, see
:mod:`ccth_lib.cells`), else its row's lines (:func:`cell_source`). Its document, lines and the
verbatim text there are the link's accessible description, shown in a pop-up on hover and on
keyboard focus. A source link in prose (:func:`inline_link`) is the same component: its lines,
and its document, lines and quote as its description and pop-up.

A frame that carries one value of a transcribed row (a finding's stated figure, a timeline
entry's date) takes that value's provenance (:func:`value_provenance`), so that its links go to
the value's own line rather than the whole row's range.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import sources
from ..provenance import PROVENANCE_COLUMNS
from . import formats


@dataclass(frozen=True)
class SourceLink:
    source_id: str
    line_start: int
    line_end: int
    quote: str = ""

    def __post_init__(self) -> None:
        if not (1 <= self.line_start <= self.line_end):
            raise ValueError(f"{self.source_id}: line range {self.line_start}-{self.line_end} is not increasing from 1")

    @property
    def href(self) -> str:
        return f"{sources.get(self.source_id).page}.html#L{self.line_start}"

    @property
    def lines_text(self) -> str:
        if self.line_start == self.line_end:
            return f"line {self.line_start}"
        return f"lines {self.line_start}–{self.line_end}"

    def text(self, with_document: bool) -> str:
        return f"{sources.get(self.source_id).short_title}, {self.lines_text}" if with_document else self.lines_text

    @property
    def title(self) -> str:
        """The hover text: document, lines and the verbatim quote."""
        src = sources.get(self.source_id)
        quote = f": “{' '.join(self.quote.split())}”" if self.quote else ""
        return f"{src.short_title}, {self.lines_text}{quote}"

    @property
    def description(self) -> str:
        """The pop-up and the link's accessible description: :attr:`title`, the quote shortened
        to :data:`QUOTE_CHARS` as a number's is."""
        quote = f": “{_shorten(' '.join(self.quote.split()), None)}”" if self.quote else ""
        return f"{sources.get(self.source_id).short_title}, {self.lines_text}{quote}"


def link_of(row) -> SourceLink | None:
    """The source link of a row that has ``source_id``, ``line_start`` and ``line_end`` (else None)."""
    try:
        sid, start, end = row["source_id"], row["line_start"], row["line_end"]
    except KeyError:
        return None
    if any(v is None or v != v or v == "" for v in (sid, start, end)):
        return None
    quote = row.get("quote", "") if hasattr(row, "get") else ""
    return SourceLink(str(sid), int(start), int(end), "" if quote is None or quote != quote else str(quote))


def inline_link(link: SourceLink, with_document: bool = False):
    """A source link for use inside prose (a ``{glue:md}`` phrase): "lines 12–15" (with the
    document's name too, with ``with_document``), to those lines, described like a number's
    link: its document, lines and quote are its accessible description and pop-up."""
    from .render import render

    text = link.text(with_document)
    return render("link.html.j2", text=text, source={
        "class": "ccth-lines", "id": source_id_of(link.href, data_lines(link), text, link.description),
        "href": link.href, "lines": data_lines(link), "column": None, "text": link.description,
    })


def value_provenance(row, column: str) -> dict:
    """The provenance of the value ``column`` of a transcribed row, for a frame that carries that
    value alone: :func:`ccth_lib.cells.value_provenance` (its own lines where the row's
    ``cell_lines`` records them, quoting them; else the row's provenance), with the lines of the
    row's source."""
    from .. import cells

    if cells.lines_of(row, column) is None:
        return {p: row.get(p) for p in PROVENANCE_COLUMNS}
    return cells.value_provenance(row, column, sources.lines(str(row["source_id"])))


def with_value_provenance(df, column: str):
    """``df`` with each row's provenance that of its value ``column`` (see :func:`value_provenance`)."""
    import pandas as pd

    prov = pd.DataFrame([value_provenance(r, column) for r in df.to_dict("records")], index=df.index, columns=list(PROVENANCE_COLUMNS))
    return df.assign(**{p: prov[p] for p in PROVENANCE_COLUMNS})


# ---------------------------------------------------------------------------------------------
# Cell-level links: each number (or date) to the lines that print it, with a pop-up


#: How a value of each display kind is looked for in its lines (see :func:`ccth_lib.cells.find`).
_FIND_KIND = {"number": "number", "count": "number", "percent": "number", "share": "number",
              "signed": "number", "money_thousands": "number", "date": "date"}

#: Longest quote a pop-up shows; a longer text is shortened around the value.
QUOTE_CHARS = 180


@dataclass(frozen=True)
class CellSource:
    """Where one value shown on a page comes from: the lines of its source that print it.

    ``link`` is the value's own lines where the row records them (``cell_lines``), else its
    row's lines; ``row`` is the row's lines when they differ; ``printed`` says whether the
    value is printed there (a derived number is not: its pop-up says so); ``excerpt`` is the
    verbatim text of those lines (whitespace normalised), shortened around the value.
    """

    link: SourceLink
    row: SourceLink | None
    printed: bool
    excerpt: str

    @property
    def href(self) -> str:
        """The first line (a page without scripts still lands there); see :attr:`data_lines`."""
        return self.link.href

    @property
    def data_lines(self) -> str | None:
        """``"START-END"`` for a range (the site's script makes the link ``#LSTART-LEND``), else None."""
        return data_lines(self.link)

    @property
    def description(self) -> str:
        """The pop-up and the link's accessible description: document, lines, verbatim quote."""
        src = sources.get(self.link.source_id)
        quote = f"{src.short_title}, {self.link.lines_text}: “{self.excerpt}”"
        if not self.printed:
            return f"Not printed as such in the document (worked out from its row). The row: {quote}"
        if self.row is not None:
            return f"{quote} (the row: {self.row.lines_text})"
        return quote


def data_lines(link: SourceLink) -> str | None:
    return f"{link.line_start}-{link.line_end}" if link.line_end > link.line_start else None


def _lookup(kind: str, value):
    """The value as looked for in the text: a share (0-1) is printed as a percentage."""
    if kind == "share":
        return float(value) * 100
    return value


def cell_source(row, column: str, value, kind: str) -> CellSource | None:
    """The source of one number or date of a row (None: not a number or date, or no provenance).

    The value's own lines where the row's ``cell_lines`` records them, else the row's range.
    """
    from .. import cells

    find_kind = _FIND_KIND.get(kind)
    row_link = link_of(row)
    if find_kind is None or row_link is None or formats.missing(value):
        return None
    own = cells.lines_of(row, column)
    link = SourceLink(row_link.source_id, own.start, own.end) if own else row_link
    lines = sources.lines(link.source_id)
    if link.line_end > len(lines):
        return None
    text = cells.RowText(lines, link.line_start, link.line_end).text
    if own:  # a split value (reassembled text) shows its pieces only
        text = " … ".join(cells.RowText(lines, a, b).text for a, b in own.parts)
    try:  # a difference (kind "signed") is worked out, never read from the document
        found = None if kind == "signed" else cells.find(find_kind, _lookup(kind, value), text)
    except (TypeError, ValueError):
        found = None
    return CellSource(
        link=link,
        row=row_link if own and (own.start, own.end) != (row_link.line_start, row_link.line_end) else None,
        printed=found is not None,
        excerpt=_shorten(text, found),
    )


def _shorten(text: str, found: tuple[int, int] | None) -> str:
    if len(text) <= QUOTE_CHARS:
        return text
    centre = found[0] if found else 0
    lo = max(0, centre - QUOTE_CHARS // 2)
    hi = min(len(text), lo + QUOTE_CHARS)
    lo = max(0, hi - QUOTE_CHARS)
    if lo > 0:
        lo = text.find(" ", lo) + 1 or lo
    if hi < len(text):
        hi = text.rfind(" ", lo, hi) if text.rfind(" ", lo, hi) > lo else hi
    return ("…" if lo > 0 else "") + text[lo:hi].strip() + ("…" if hi < len(text) else "")


def source_id_of(*parts) -> str:
    """A stable id for a pop-up's text (unique on a page: made from what the link shows)."""
    import hashlib

    return "ccth-src-" + hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:12]


def linked_value(value, kind: str, row, column: str, base: str = ""):
    """A number (or date) for prose, formatted for readers and linked to the lines that print it.

    The same accessible link as in tables: the link's description (and its pop-up on hover and
    keyboard focus) gives the document, lines and verbatim quote. Glue it as a phrase::

        glue_phrases(total=linked_value(2963, "count", row, "usually_avoidable"))   # {glue:md}`total`

    ``row`` is the row (a mapping with ``source_id``, ``line_start``, ``line_end``, ``quote`` and,
    where recorded, ``cell_lines``) the value comes from: a row of a table, or of the figures
    register (:func:`figure_value`). ``base`` is the way from the page that shows the phrase to
    the evidence pages: ``""`` from a notebook page, ``"../notebooks/"`` from a page of ``book/``.
    """
    from .render import render

    shown = formats.format_value(value, kind)
    src = cell_source(row, column, value, kind)
    if src is None:
        return render("link.html.j2", text=shown, source=None)
    return render("link.html.j2", text=shown, source={
        "class": "ccth-cell", "id": source_id_of(src.href, src.data_lines, column, shown, src.description),
        "href": base + src.href, "lines": src.data_lines, "column": column, "text": src.description,
    })


def figure_value(figure_id: str, kind: str = "number", base: str = ""):
    """A figure of the register (``data/tables/figures.csv``), linked to its lines, for prose."""
    from .. import data

    reg = data.figures()
    if figure_id not in reg.index:
        raise KeyError(f"no figure {figure_id!r} in data/tables/figures.csv")
    row = reg.loc[figure_id]
    return linked_value(row["value"], kind, row, "value", base)
