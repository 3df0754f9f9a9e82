"""A chart's data beside it: the same figures as a table, and as a CSV download."""

from __future__ import annotations

from typing import Mapping, Sequence

import pandas as pd

from .downloads import download
from .render import Html, render
from .table import ColumnsSpec, table


def chart_data(
    df: pd.DataFrame,
    columns: ColumnsSpec,
    filename: str,
    *,
    kinds: Mapping[str, str] | None = None,
    caption: str = "The chart's data, as a table:",
    wide: Sequence[str] = (),
) -> Html:
    """The table of a chart's data (no source links: the figures are the chart's) and its CSV."""
    shown = table(df, columns, kinds=kinds, links=False, wide=wide)
    names = [c for c in (columns if isinstance(columns, Mapping) else [c.name for c in columns])]
    return render("chart_data.html.j2", caption=caption, table=shown, download=download(df[list(names)], filename, "Download the chart's data (CSV)"))
