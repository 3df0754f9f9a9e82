"""The one place HTML is made: Jinja2 templates (autoescaped) filled from data.

Page components build plain Python values (headers, rows, cells) and call :func:`render`; no
component splits, patches or concatenates HTML strings. :class:`Html` is what a notebook cell
returns so that the page shows the fragment.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jinja2


class Html(str):
    """An HTML fragment that Jupyter (and Jupyter Book) displays as HTML."""

    def _repr_html_(self) -> str:
        return str(self)

    def __html__(self) -> str:
        """Already safe: Jinja2 inserts a rendered fragment into another template unescaped."""
        return str(self)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("ccth_lib.page", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=False,
    )


def render(template: str, **context: Any) -> Html:
    """Fill ``templates/<template>`` with ``context``."""
    return Html(_environment().get_template(template).render(**context))
