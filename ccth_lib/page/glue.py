"""Values a page's prose refers to with ``{glue:text}`` (numbers) and ``{glue:md}`` (phrases).

Prose lives in the notebook's markdown cells; these helpers store the values those cells name.
Numbers are stored as plain Python ints and floats, so a markdown cell formats them itself
(``{glue:text}`target_total:,.0f```) and a test can read them back.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any


def _plain(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        f = float(value)
        return int(f) if f.is_integer() and abs(f) < 2**53 and not isinstance(value, float) else f
    return value


def glue_values(**values: Any) -> None:
    """Glue numbers (and other plain values) for ``{glue:text}`` roles."""
    from myst_nb import glue

    for name, value in values.items():
        glue(name, _plain(value), display=False)


def glue_phrases(**phrases: str) -> None:
    """Glue phrases of Markdown for ``{glue:md}`` roles (quotes, lists, names)."""
    from IPython.display import Markdown
    from myst_nb import glue

    for name, text in phrases.items():
        glue(name, Markdown(text), display=False)
