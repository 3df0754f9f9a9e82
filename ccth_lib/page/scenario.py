"""Scenario pages: the diff page of a scenario book, its banner, and one page as a standalone file.

* :func:`diff_page` – the Markdown page a scenario book adds: the scenario's values, the pages
  run with it, and every glued figure that differs from the baseline (from
  :func:`ccth_lib.scenarios.figure_diff`), through the table component;
* :data:`BANNER_TEMPLATE` – the Sphinx template of the banner every page of a scenario book
  shows (filled by Sphinx, see the template's comment);
* :func:`standalone_html` – a page of the book as one HTML file whose charts draw offline
  (``ccth run PAGE -o page.html``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Sequence

import pandas as pd

from . import formats
from .downloads import download
from .render import Html, render
from .table import table

BANNER_TEMPLATE = "scenario_banner.html.j2"


def banner_template() -> str:
    """The banner's Sphinx template (text), to be written into a scenario book's ``_templates``."""
    return resources.files("ccth_lib.page").joinpath("templates", BANNER_TEMPLATE).read_text(encoding="utf-8")


def _value(v) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "(none)"
    return formats.number(v, 4) if isinstance(v, (int, float)) else formats.text(v)


def diff_table(diff: pd.DataFrame) -> Html:
    """The figures of one page that differ: figure, baseline, scenario and change."""
    df = diff.copy()
    df["baseline_text"] = [_value(v) for v in df["baseline"]]
    df["scenario_text"] = [_value(v) for v in df["scenario"]]
    df["change_text"] = ["" if c is None or c != c else ("+" if c > 0 else "−") + formats.number(abs(c), 4) for c in df["change"]]
    return table(
        df,
        {"figure": "Figure", "baseline_text": "Baseline", "scenario_text": "Scenario", "change_text": "Change"},
        kinds={"baseline_text": "text", "scenario_text": "text", "change_text": "text"},
    )


def diff_page(name: str, description: str, file: str, overrides: pd.DataFrame, pages: Sequence[tuple[str, str]],
              diff: pd.DataFrame) -> str:
    """The scenario book's diff page (MyST Markdown).

    ``overrides``: assumption, parameter, source, scenario (words); ``pages``: (page name,
    title) of the pages executed with the scenario; ``diff``: see
    :func:`ccth_lib.scenarios.figure_diff`. One section per page run with the scenario.
    """
    over = table(overrides, {"assumption": "Assumption", "parameter": "Parameter name", "source": "The sources' value",
                             "scenario": "The scenario's value"}, kinds={"source": "text", "scenario": "text"}) if len(overrides) else None
    n = len(diff)
    summary = (
        "No glued figure differs from the baseline: with these values every page shows the book's own figures."
        if n == 0 else
        f"{formats.count(n)} glued figure{'s' if n != 1 else ''} on {formats.count(diff['page'].nunique())} "
        f"page{'s' if diff['page'].nunique() != 1 else ''} differ{'s' if n == 1 else ''} from the baseline (the book's own "
        "pages), listed page by page below. A figure of a table is named by the table, its row and its column."
    )
    sections = []
    for page, title in pages:
        part = diff[diff["page"] == page]
        k = len(part)
        words = (f"{formats.count(k)} figure{'s' if k != 1 else ''} differ{'s' if k == 1 else ''}" if k
                 else "run with the scenario; no glued figure differs")
        sections.append({"title": title, "href": f"../notebooks/{page}.html", "words": words, "table": diff_table(part) if k else None})
    csv = diff[["page", "name", "baseline", "scenario", "change"]]
    return render(
        "scenario_diff.md.j2", name=name, description=description, file=file, overrides=over, summary=summary,
        sections=sections, download=download(csv, "scenario_diff.csv", "Download every figure that differs (CSV)") if n else None,
    )


def standalone_html(notebook: Path, *, stylesheet: str, scripts: Sequence[str], note: str,
                    parameters: Sequence[tuple[str, str]] = ()) -> Html:
    """A page of the book (an executed notebook) as one HTML file, rendered as the book renders
    it (MyST-NB's docutils renderer: glued numbers, removed code), with ``scripts`` (Vega) and
    ``stylesheet`` inlined so that its charts draw offline."""
    from docutils.core import publish_parts
    from myst_nb.docutils_ import Parser

    text = Path(notebook).read_text(encoding="utf-8")
    parts = publish_parts(
        source=text, source_path=str(notebook), parser=Parser(), writer_name="html5",
        settings_overrides={
            "nb_execution_mode": "off", "report_level": 5, "halt_level": 5, "myst_all_links_external": True,
            "embed_stylesheet": False, "doctitle_xform": True, "output_encoding": "unicode", "traceback": True,
            "myst_enable_extensions": ["colon_fence", "dollarmath", "substitution", "deflist"],
        },
    )
    return render("scenario_page.html.j2", title=parts["title"] or Path(notebook).stem, body=Html(parts["html_body"]),
                  stylesheet=Html(stylesheet), scripts=[Html(s) for s in scripts], note=note, parameters=list(parameters))
