"""Links from a figure to the lines of its source document.

Every source's text is shown, line by line with ``id="L<n>"`` anchors, at the foot of its
evidence page (the registry names the page). A link goes to the first line of the range.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import sources


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
    """A source link for use inside prose (a ``{glue:md}`` phrase)."""
    from .render import render

    return render("link.html.j2", href=link.href, text=link.text(with_document), title=link.title)
