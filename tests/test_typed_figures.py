"""No typed figure reaches a page: numbers in prose are glued from the data, never typed.

Prose is every markdown page in book/ and every markdown cell of the notebooks. A number of
three or more digits, or any percentage, typed into prose fails, except years (1900-2099),
financial years such as 2019/20 or 2020-21, and dates. Glue roles, code and link targets are
not prose.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]

_NOT_PROSE = [
    re.compile(r"```.*?```", re.S),                     # fenced code
    re.compile(r"\{glue:[a-z]+\}`[^`]*`"),              # glue roles
    re.compile(r"`[^`]*`"),                             # inline code
    re.compile(r"\]\([^)]*\)"),                         # link targets
    re.compile(r"<[^>]+>"),                             # HTML tags and their attributes
    re.compile(r"^\([^)]*\)=\s*$", re.M),               # MyST targets
]
_ALLOWED = [
    re.compile(r"\b(19|20)\d\d([/–-]\d\d(\d\d)?)?\b"),  # years, 2019/20, 2020–21, 2016-2036
]
_FIGURE = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?%?|(?<![\w.])\d{3,}(?:\.\d+)?%?|(?<![\w.,])\d+(?:\.\d+)?\s?%")


def typed_figures(text: str) -> list[str]:
    """The figures typed into a piece of prose (see the module docstring for what is allowed)."""
    for pattern in _NOT_PROSE:
        text = pattern.sub(" ", text)
    for pattern in _ALLOWED:
        text = pattern.sub(" ", text)
    return _FIGURE.findall(text)


def prose() -> list[tuple[str, str]]:
    out = [(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8")) for p in sorted((ROOT / "book").glob("*.md"))]
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "markdown":
                out.append((f"{path.relative_to(ROOT)} cell {i}", cell.source))
    return out


@pytest.mark.parametrize("where, text", prose(), ids=lambda v: v if isinstance(v, str) and len(v) < 80 else "")
def test_no_typed_figures_in_prose(where, text):
    found = typed_figures(text)
    assert not found, f"{where}: typed figure(s) {found}; glue them from the data instead"


@pytest.mark.parametrize(
    "text, found",
    [
        ("the grand total of 5,048 admissions", ["5,048"]),
        ("a share of 64.2% of them", ["64.2%"]),
        ("about 35 %", ["35 %"]),
        ("8793 people", ["8793"]),
        ("in 2019/20 and 2020–21, from 6 July 2017", []),
        ("Step 6 of Appendix A, Table 1, report #4", []),
        ("{glue:text}`usually_stated:,` and `ccth run -p rate=0.30`", []),
        ("[the page](../notebooks/x.ipynb) and <a href=\"a/123.html\">x</a>", []),
    ],
)
def test_the_check_finds_typed_figures(text, found):
    assert typed_figures(text) == found
