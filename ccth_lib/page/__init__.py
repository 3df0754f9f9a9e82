"""The page layer: the components the book's pages share, one module per concern.

* :mod:`.render`     – the one place HTML is made (Jinja2 templates, autoescaped)
* :mod:`.formats`    – numbers, dates and booleans as readers expect them
* :mod:`.links`      – a figure's link to its lines of its source document
* :mod:`.table`      – the table component (every table on every page)
* :mod:`.downloads`  – CSV downloads of derived tables
* :mod:`.glue`       – values that page prose refers to with ``{glue:text}`` / ``{glue:md}``
* :mod:`.parameters` – "Parameters used"
* :mod:`.findings`   – stated against derived, and the counts page prose quotes
* :mod:`.models`     – model pages: run a model with a page's parameters
* :mod:`.evidence`   – evidence pages: one per source document

Charts live in :mod:`ccth_lib.charts`.
"""

from .downloads import download
from .glue import glue_phrases, glue_values
from .render import Html
from .table import Column, Link, table

__all__ = ["Column", "Html", "Link", "download", "glue_phrases", "glue_values", "table"]
