"""The site's search index finds a figure by its value and by its id (a Sphinx extension).

The site uses Sphinx's offline search (``searchindex.js``). Two things kept it from finding the
figures of the record:

* Every table of the site is HTML that a notebook shows (a ``raw`` node), which Sphinx indexes
  by deleting its tags: the text of neighbouring cells runs together, so a figure's id and its
  value were indexed as one word (``paper_target_circa_3000`` and ``3,000`` as
  ``paper_target_circa_30003``) and could not be found. Here each such block is indexed a
  second time as text, its tags read as spaces (:func:`index_text`), through a node that only
  the index reads (:class:`search_text`; pages are written exactly as before).
* A number printed with thousands separators (``4,586``) was indexed as two words, ``4`` and
  ``586``. Here it is one word, ``4586`` (:class:`SearchEnglish`), which the search page's
  script (``_site_assets/_static/ccth/ccth-search.js``) also makes of ``4,586`` in a query, and
  it lets a query be a number (Sphinx's own script drops every word made only of digits).

Enabled in ``_config.yml`` (``sphinx.config.extensions``).
"""

from __future__ import annotations

import html
import re

from docutils import nodes
from sphinx.search.en import SearchEnglish as English

#: A thousands separator: a comma between digits, followed by exactly three digits.
THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_HIDDEN = re.compile(r"<(script|style)\b.*?</\1\s*>", re.I | re.S)
_TAG = re.compile(r"<[^<]+?>")


def join_thousands(text: str) -> str:
    """``"4,586 and 1,234,567"`` → ``"4586 and 1234567"``."""
    return THOUSANDS.sub("", text)


def index_text(markup: str) -> str:
    """The words of an HTML fragment as a reader reads them: scripts and styles left out, each tag
    a space (so that cells, items and lines stay apart), character references decoded."""
    return " ".join(html.unescape(_TAG.sub(" ", _HIDDEN.sub(" ", markup))).split())


class search_text(nodes.Element):
    """Text the search index reads and the page does not show (the words of a ``raw`` HTML block)."""


def _skip(self, node) -> None:
    raise nodes.SkipNode


def add_search_text(app, doctree, docname) -> None:
    """After each ``raw`` HTML node, its words as a :class:`search_text` node."""
    for raw in list(doctree.findall(nodes.raw)):
        if "html" not in raw.get("format", "").split():
            continue
        words = index_text(raw.astext())
        if words:
            raw.parent.insert(raw.parent.index(raw) + 1, search_text("", nodes.Text(words)))


class SearchEnglish(English):
    """Sphinx's English search language, with numbers' thousands separators joined (``4586``)."""

    def split(self, input: str) -> list[str]:
        return super().split(join_thousands(input))


def setup(app):
    app.add_search_language(SearchEnglish)
    app.add_node(search_text, html=(_skip, None))
    app.connect("doctree-resolved", add_search_text)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
