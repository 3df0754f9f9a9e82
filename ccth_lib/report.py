"""Page elements shared by the notebooks: tables, parameter provenance, comparisons, glue.

Thin helpers that turn DataFrames into HTML for the book (deterministic output, so nbval can
compare it); no computation of figures happens here.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Mapping

import altair as alt
import pandas as pd

from . import charts


def html_table(df: pd.DataFrame, rename: Mapping[str, str] | None = None, formats: Mapping[str, Callable[[Any], str]] | None = None) -> str:
    """A plain, accessible HTML table (no random ids)."""
    view = df.copy()
    for col, fmt in (formats or {}).items():
        if col in view.columns:
            view[col] = [fmt(v) if pd.notna(v) else "" for v in view[col]]
    if rename:
        view = view.rename(columns=dict(rename))
    return view.to_html(index=False, classes="ccth-table", na_rep="", escape=True)


def number(v: Any) -> str:
    """Thousands separators; decimals only where the value has them."""
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    f = float(v)
    return f"{f:,.0f}" if f == int(f) else f"{f:,.2f}".rstrip("0").rstrip(".")


def signed(v: Any) -> str:
    f = float(v)
    return "0" if f == 0 else ("+" if f > 0 else "−") + number(abs(f))


FINDING_COLUMNS = {
    "what": "Figure",
    "stated": "Stated",
    "derived": "Derived",
    "difference": "Difference (stated − derived)",
    "status": "Status",
    "lines": "Source lines",
    "method": "How derived",
}


def findings_table(register: pd.DataFrame) -> str:
    return html_table(
        register[list(FINDING_COLUMNS)],
        rename=FINDING_COLUMNS,
        formats={"stated": number, "derived": number, "difference": signed},
    )


def parameters_frame(params, provenance, overrides: Mapping[str, Any]) -> pd.DataFrame:
    """Each parameter used: its value, whether the run overrode it, and where the default came from."""
    rows = []
    for p in provenance:
        value = getattr(params, p.parameter)
        rows.append({
            "parameter": p.parameter,
            "value": json.dumps(value, sort_keys=True) if isinstance(value, dict) else value,
            "set by": "this run (papermill)" if overrides.get(p.parameter) is not None else "source default",
            "source": p.source,
            "provenance": p.citation,
        })
    return pd.DataFrame(rows)


def stated_vs_derived_chart(register: pd.DataFrame, *, title: str, description: str, label: str = "what") -> alt.Chart:
    """Dot plot: for each figure, the stated value (filled) and the derived value (ring)."""
    long = register.melt(id_vars=[label, "status"], value_vars=["stated", "derived"], var_name="value of", value_name="value")
    long["value of"] = long["value of"].map({"stated": "Stated in the source", "derived": "Derived by the model"})
    order = list(register[label])
    return (
        alt.Chart(long, title=title, description=description)
        .mark_point(size=90, filled=True, opacity=0.85)
        .encode(
            y=alt.Y(f"{label}:N", sort=order, title=None, axis=alt.Axis(labelLimit=300)),
            x=alt.X("value:Q", title="Value"),
            color=alt.Color("value of:N", title=None, scale=alt.Scale(range=charts.PALETTE[:2]), legend=alt.Legend(orient="bottom")),
            shape=alt.Shape("value of:N", title=None, scale=alt.Scale(range=["circle", "diamond"])),
            tooltip=[f"{label}:N", "value of:N", alt.Tooltip("value:Q", format=",.2f"), "status:N"],
        )
        .properties(width=320, height=alt.Step(22))
    )


def table_json(df: pd.DataFrame) -> str:
    """A DataFrame as canonical JSON (records), for glue and for tests of executed notebooks."""
    return df.to_json(orient="records", double_precision=10)
