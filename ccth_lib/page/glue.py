"""Values a page's prose refers to with ``{glue:text}`` and ``{glue:md}``.

Prose lives in the notebook's markdown cells; these helpers store the values those cells name.

* A number the documents print (a figure of the figures register or a cell of a transcribed
  table) is glued with its source (:func:`sourced`, :func:`sourced_figure`): prose pastes it
  with ``{glue:md}`name``` and it reads as the number, formatted for its kind and linked to
  exactly the lines that print it, with the document, lines and verbatim quote in a pop-up on
  hover and keyboard focus (:func:`ccth_lib.page.links.linked_value`). Its plain-text form is the
  plain number, as for any other glued number, so a test or the scenario diff can read it back.
  A page pastes each such number once: its pop-up's id is made from the number and its lines, so
  a second paste would repeat the id (the prose refers back to it in words). Where a run may
  replace a stated number by its own (a parameter), the run's value is glued :func:`shown`:
  pasted the same way, unlinked.
* A number the analysis works out (a model's output, a difference, a count of rows) is printed
  in no document: it is glued plain (:func:`glue_values`) and pasted with
  ``{glue:text}`name:,.0f```, never linked to a line.
* A page of ``book/`` pastes a number of a notebook across documents with
  ``{glue:any}`../notebooks/<page>.ipynb::book_<name>```: the notebook glues it a second time for
  that page, named ``book_<name>`` (:func:`for_book`), its link made from ``book/``
  (:data:`BOOK_TO_PAGES`). ``{glue:any}`` pastes its HTML form there: MyST-NB reads no Markdown
  from another document.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any, Mapping

#: The way from a page of ``book/`` to the notebooks' pages (and so to the evidence pages).
BOOK_TO_PAGES = "../notebooks/"

#: The name under which a number is glued again for the pages of ``book/``: ``book_<name>``.
BOOK_PREFIX = "book_"

#: The kinds of number a sourced value may be shown as (see :mod:`ccth_lib.page.formats`).
SOURCED_KINDS = ("number", "count", "percent", "share", "money_thousands")


def _plain(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        f = float(value)
        return int(f) if f.is_integer() and abs(f) < 2**53 and not isinstance(value, float) else f
    return value


class Shown:
    """A number glued for ``{glue:md}``: the number itself (an ``int`` or ``float``: it compares,
    formats and adds as one, and its ``repr`` is the plain number, the glue's ``text/plain``), whose
    ``text/markdown`` and ``text/html`` forms are the number as shown (see :func:`shown`)."""

    kind: str
    markdown: str

    @property
    def plain(self) -> int | float:
        return (int if isinstance(self, int) else float)(self)

    def _repr_markdown_(self) -> str:
        return self.markdown

    def _repr_html_(self) -> str:
        return self.markdown


class Sourced(Shown):
    """A number the documents print, shown linked to the lines that print it, with its pop-up
    (see :func:`sourced`)."""

    row: Any
    column: str
    base: str

    def at(self, base: str) -> "Sourced":
        """The same number, linked from a page whose way to the evidence pages is ``base``."""
        return sourced(self.plain, self.kind, self.row, self.column, base)


class ShownInt(Shown, int):
    pass


class ShownFloat(Shown, float):
    pass


class SourcedInt(Sourced, int):
    pass


class SourcedFloat(Sourced, float):
    pass


def _number(value, what: str) -> int | float:
    plain = _plain(value)
    if isinstance(plain, bool) or not isinstance(plain, (int, float)):
        raise TypeError(f"{what}: {value!r} is not a number")
    return plain


def shown(value, kind: str) -> Shown:
    """A number that no line prints, for a sentence whose number is linked when the documents
    print it: a run's own value of an assumption the documents state. Shown as its kind shows it,
    unlinked."""
    from . import formats

    plain = _number(value, kind)
    out = (ShownInt if isinstance(plain, int) else ShownFloat)(plain)
    out.kind, out.markdown = kind, formats.format_value(plain, kind)
    return out


def _shown_value(shown: str, kind: str) -> float:
    """The number a reader reads in ``shown`` (the value in the kind's unit: a share as a fraction)."""
    text = shown.replace("−", "-").replace(",", "").removeprefix("£").removesuffix("k").removesuffix("%")
    number = float(text)
    return number / 100 if kind == "share" else number


def sourced(value, kind: str, row, column: str, base: str = "") -> Sourced:
    """A number of a row of the documents, glued with the lines that print it.

    ``row`` is a row of a transcribed table or of the figures register (a mapping with
    ``source_id``, ``line_start``, ``line_end``, ``quote`` and, where recorded, ``cell_lines``);
    ``column`` the column ``value`` is read from; ``kind`` how it is shown
    (:data:`SOURCED_KINDS`); ``base`` the way from the page that shows it to the evidence pages
    (``""`` from a notebook page, :data:`BOOK_TO_PAGES` from a page of ``book/``).

    Fails when the value is not printed at its lines (a number worked out from the row is glued
    plain instead) or when its kind would show it rounded (the link would show a number that its
    line does not print).
    """
    from . import formats
    from .links import cell_source, linked_value

    if kind not in SOURCED_KINDS:
        raise ValueError(f"kind {kind!r}: a sourced number is one of {', '.join(SOURCED_KINDS)}")
    plain = _number(value, column)
    src = cell_source(row, column, plain, kind)
    if src is None:
        raise ValueError(f"{column}: {value!r} has no source lines (its row has no source_id, line_start and line_end)")
    if not src.printed:
        raise ValueError(f"{column}: {value!r} is not printed at {src.link.text(True)}; "
                         "a number worked out from the documents is glued plain, not linked")
    shown = formats.format_value(plain, kind)
    if abs(_shown_value(shown, kind) - float(plain)) > 1e-9 * max(1.0, abs(float(plain))):
        raise ValueError(f"{column}: kind {kind!r} shows {plain!r} as {shown!r}; choose a kind that shows it as printed")
    out = (SourcedInt if isinstance(plain, int) else SourcedFloat)(plain)
    out.kind, out.row, out.column, out.base = kind, row, column, base
    out.markdown = str(linked_value(plain, kind, row, column, base))
    return out


def sourced_figure(figure_id: str, kind: str = "number", base: str = "", register=None) -> Sourced:
    """A figure of the figures register (``data/tables/figures.csv``), glued with its lines."""
    from .. import data

    reg = data.figures() if register is None else register
    if figure_id not in reg.index:
        raise KeyError(f"no figure {figure_id!r} in data/tables/figures.csv")
    row = reg.loc[figure_id]
    return sourced(float(row["value"]), kind, row, "value", base)


def for_book(values: Mapping[str, Any], *names: str) -> dict[str, Sourced]:
    """The numbers ``names`` of ``values`` again, for a page of ``book/``: named ``book_<name>``,
    linked from there (``{glue:any}`../notebooks/<page>.ipynb::book_<name>```)."""
    out = {}
    for name in names:
        value = values[name]
        if not isinstance(value, Sourced):
            raise TypeError(f"{name}: only a sourced number needs a book page's link; paste a plain one with {{glue:text}}")
        out[BOOK_PREFIX + name] = value.at(BOOK_TO_PAGES)
    return out


def glue_values(**values: Any) -> None:
    """Glue numbers (and other plain values): ``{glue:text}`` pastes a plain one, ``{glue:md}`` a
    sourced (or :func:`shown`) one."""
    from myst_nb import glue

    for name, value in values.items():
        glue(name, value if isinstance(value, Shown) else _plain(value), display=False)


def glue_phrases(**phrases: str) -> None:
    """Glue phrases of Markdown for ``{glue:md}`` roles (quotes, lists, names)."""
    from IPython.display import Markdown
    from myst_nb import glue

    for name, text in phrases.items():
        glue(name, Markdown(text), display=False)
