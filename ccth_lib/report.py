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


# ---------------------------------------------------------------------------------------------
# Evidence pages: every table of a source, then the source text with line anchors

import html as _html  # noqa: E402

PAGE_OF_SOURCE = {
    "paper-2018-10": "evidence_paper",
    "highlight-2018-10": "evidence_highlight",
    "hwbb-2017-07": "evidence_hwbb2017",
    "hwbb-2018-01": "evidence_hwbb2018",
    "strategy-2020-21": "evidence_strategy",
}


def table_anchor(name: str) -> str:
    return f"table-{name.replace('_', '-')}"


def tables_by_source() -> dict[str, list[str]]:
    """Table names grouped by the source document of their first ``sources`` entry."""
    from . import data

    out: dict[str, list[str]] = {}
    for name in data.list_tables():
        sid = data.table_info(name).descriptor["sources"][0]["source_id"]
        out.setdefault(sid, []).append(name)
    return out


def _line_link(start: int, end: int, page: str = "") -> str:
    return f'<a href="{page}#L{start}">{start}–{end}</a>' if end != start else f'<a href="{page}#L{start}">{start}</a>'


def table_section(name: str, df: pd.DataFrame, desc: dict) -> str:
    """One table with its description, how it was read, and per-row provenance linked to the source lines."""
    from .provenance import PROVENANCE_COLUMNS

    ccth = desc.get("ccth", {})
    parts = [f'<section class="ccth-evidence" id="{table_anchor(name)}">',
             f"<h3>{_html.escape(desc.get('title', name))}</h3>",
             f"<p>{_html.escape(' '.join(str(desc.get('description', '')).split()))}</p>"]
    for key, label in (("reconstruction", "How the table was read"), ("notes", "Notes")):
        if ccth.get(key):
            parts.append(f"<p><strong>{label}.</strong> {_html.escape(' '.join(str(ccth[key]).split()))}</p>")
    view = df.copy()
    cols = [c for c in view.columns if c not in PROVENANCE_COLUMNS]
    lines = [_line_link(int(a), int(b)) for a, b in zip(view["line_start"], view["line_end"])]
    body = view[cols].astype(object).where(view[cols].notna(), "")
    for c in cols:
        if pd.api.types.is_datetime64_any_dtype(df[c]):
            body[c] = [v.strftime("%Y-%m-%d") if v != "" else "" for v in body[c]]
    table = body.to_html(index=False, classes="ccth-table", escape=True, na_rep="")
    # add the Lines column (links) after rendering, so that the anchors are not escaped
    rows = table.split("<tr>")
    head, data_rows = rows[:2], rows[2:]
    head[1] = head[1].replace("</tr>", "<th>Source lines</th></tr>", 1) if "</tr>" in head[1] else head[1]
    new_rows = []
    for row, link in zip(data_rows, lines):
        new_rows.append(row.replace("</tr>", f"<td>{link}</td></tr>", 1))
    table = "<tr>".join(head + new_rows)
    parts.append(table)
    parts.append(f'<p><a class="ccth-download" href="../tables/{name}.csv" download>Download {name}.csv</a> · '
                 f'<a href="../tables/{name}.resource.yaml">schema and provenance ({name}.resource.yaml)</a> · '
                 f"{len(df)} rows</p></section>")
    return "\n".join(parts)


def source_text_html(source_id: str) -> str:
    """The source text with a numbered, linkable anchor per line (``#L<n>``)."""
    from . import sources

    lines = sources.lines(source_id)
    width = len(str(len(lines)))
    out = ['<pre class="ccth-source">']
    for i, line in enumerate(lines, start=1):
        out.append(f'<span id="L{i}"><a class="ln" href="#L{i}">{str(i).rjust(width)}</a>  {_html.escape(line)}</span>')
    out.append("</pre>")
    return "\n".join(out)
