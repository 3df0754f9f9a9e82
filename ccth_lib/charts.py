"""Accessible charts that render offline.

Altair's own HTML output loads Vega from a CDN and gives each chart a random element id. Here a
small Altair renderer, ``ccth``, emits instead a container ``div`` (``role="figure"`` with the chart's
description as its ARIA label) and a script that calls ``vegaEmbed`` from the copy of Vega shipped
with the site (``_static/vendor``, loaded by Sphinx's ``html_js_files``), with the SVG renderer
and the actions menu turned off. The element id is a hash of the spec, so re-executing a notebook
gives byte-identical output (nbval compares it, numbers included).
"""

from __future__ import annotations

import hashlib
import html
import json
from typing import Any

import altair as alt
import pandas as pd

RENDERER = "ccth"
EMBED_OPTIONS = {"renderer": "svg", "actions": False}

#: Colour-blind-safe palette (Okabe & Ito).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]

#: The widest a chart's plotting area may be so that, with its labels, it fits the text column.
TEXT_COLUMN_PX = 640


def readable(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """Text a reader can read: 11 px or more, labels never truncated, titles aligned with the text."""
    return (
        chart.configure_axis(labelFontSize=11, titleFontSize=12, labelLimit=0)
        .configure_legend(labelFontSize=11, titleFontSize=12, labelLimit=0)
        .configure_title(fontSize=14, anchor="start")
        .configure_header(labelFontSize=11, titleFontSize=12)
    )


def spec_id(spec: dict) -> str:
    canonical = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    return "ccth-chart-" + hashlib.sha256(canonical.encode()).hexdigest()[:16]


def chart_html(spec: dict) -> str:
    """The HTML fragment for a Vega-Lite spec: a labelled container and the embed call."""
    if not spec.get("description"):
        raise ValueError("every chart needs a Vega-Lite 'description' (it becomes the ARIA label)")
    element_id = spec_id(spec)
    spec_json = json.dumps(spec, sort_keys=True).replace("</", "<\\/")
    options = json.dumps(EMBED_OPTIONS, sort_keys=True)
    label = html.escape(spec["description"], quote=True)
    return f"""<div class="ccth-chart" id="{element_id}" role="figure" aria-label="{label}"></div>
<script type="text/javascript">
(function () {{
  var spec = {spec_json};
  var options = {options};
  var tries = 0;
  function draw() {{
    var el = document.getElementById("{element_id}");
    if (typeof window.vegaEmbed !== "function") {{
      if (tries++ < 100) {{ return setTimeout(draw, 50); }}
      el.textContent = "The chart could not be drawn: the site's copy of vega-embed did not load. The data table next to it holds the same figures.";
      return;
    }}
    window.vegaEmbed(el, spec, options).catch(function (err) {{
      el.textContent = "The chart could not be drawn: " + err;
    }});
  }}
  if (document.readyState === "loading") {{ document.addEventListener("DOMContentLoaded", draw); }} else {{ draw(); }}
}})();
</script>"""


def _renderer(spec: dict, **metadata: Any) -> dict:
    return {"text/html": chart_html(spec), "text/plain": f"<Chart: {spec.get('description', '')}>"}


def enable() -> None:
    """Register and enable the offline renderer (call once at the top of a notebook)."""
    if RENDERER not in alt.renderers.names():
        alt.renderers.register(RENDERER, _renderer)
    alt.renderers.enable(RENDERER)
    alt.data_transformers.disable_max_rows()


def avoidability_chart(df: pd.DataFrame, *, title: str, description: str) -> alt.Chart:
    """Horizontal stacked bars: usually vs sometimes avoidable admissions per service.

    ``df`` has columns ``service``, ``usually_avoidable``, ``sometimes_avoidable``.
    """
    long = df.melt(
        id_vars=["service"],
        value_vars=["usually_avoidable", "sometimes_avoidable"],
        var_name="avoidability",
        value_name="admissions",
    )
    long["avoidability"] = long["avoidability"].map(
        {"usually_avoidable": "Usually avoidable", "sometimes_avoidable": "Sometimes avoidable"}
    )
    order = list(df["service"])
    return readable(
        alt.Chart(long, title=title, description=description)
        .mark_bar()
        .encode(
            y=alt.Y("service:N", sort=order, title=None),
            x=alt.X("admissions:Q", title="Admissions per year (65+)", stack="zero"),
            color=alt.Color(
                "avoidability:N",
                title="Avoidability",
                scale=alt.Scale(domain=["Usually avoidable", "Sometimes avoidable"], range=PALETTE[:2]),
                legend=alt.Legend(orient="bottom"),
            ),
            order=alt.Order("avoidability:N", sort="descending"),
            tooltip=["service:N", "avoidability:N", alt.Tooltip("admissions:Q", format=",")],
        )
        .properties(width=300, height=alt.Step(34))
    )


def stated_vs_derived_chart(register: pd.DataFrame, *, title: str, description: str, label: str = "what") -> alt.Chart:
    """Dot plot: for each figure, the stated value (filled circle) and the derived value (diamond)."""
    long = register.melt(id_vars=[label, "status"], value_vars=["stated", "derived"], var_name="value of", value_name="value")
    long["value of"] = long["value of"].map({"stated": "Stated in the source", "derived": "Derived by the model"})
    order = list(register[label])
    return readable(
        alt.Chart(long, title=title, description=description)
        .mark_point(size=90, filled=True, opacity=0.85)
        .encode(
            y=alt.Y(f"{label}:N", sort=order, title=None),
            yOffset=alt.YOffset("value of:N"),
            x=alt.X("value:Q", title="Value"),
            color=alt.Color("value of:N", title=None, scale=alt.Scale(range=PALETTE[:2]), legend=alt.Legend(orient="bottom")),
            shape=alt.Shape("value of:N", title=None, scale=alt.Scale(range=["circle", "diamond"])),
            tooltip=[f"{label}:N", "value of:N", alt.Tooltip("value:Q", format=",.2f"), "status:N"],
        )
        .properties(width=280, height=alt.Step(14))
    )


def locality_services_chart(localities: pd.DataFrame) -> alt.Chart:
    """Stacked bars: each locality's avoided admissions, Hospital at Home and Crisis Response/Step up beds."""
    loc = localities[localities["locality"] != "Total"]
    long = loc.melt(id_vars="locality", value_vars=["hospital_at_home", "crisis_response_step_up"], var_name="service", value_name="admissions")
    long["service"] = long["service"].map({"hospital_at_home": "Hospital at Home", "crisis_response_step_up": "Crisis Response/Step up beds"})
    description = (
        "Stacked bar chart of the admission-avoidance target per locality split into Hospital at Home and Crisis Response/Step up beds: "
        + "; ".join(f"{r.locality}: {r.hospital_at_home:,.0f} Hospital at Home, {r.crisis_response_step_up:,.0f} Crisis Response/Step up beds" for r in loc.itertuples())
    )
    return readable(
        alt.Chart(long, title="Avoided admissions per year by locality and service (model)", description=description)
        .mark_bar()
        .encode(
            y=alt.Y("locality:N", sort=list(loc["locality"]), title=None),
            x=alt.X("admissions:Q", title="Avoided admissions per year", stack="zero"),
            color=alt.Color("service:N", title=None, scale=alt.Scale(range=PALETTE[:2]), legend=alt.Legend(orient="bottom")),
            tooltip=["locality:N", "service:N", alt.Tooltip("admissions:Q", format=",")],
        )
        .properties(width=400, height=alt.Step(30))
    )


def case_management_chart(cohort: pd.DataFrame) -> alt.Chart:
    """Bars: people aged 65+ for case management in each locality."""
    loc = cohort[cohort["locality"] != "Total"]
    description = "Bar chart of the number of people aged 65+ for case management in each locality as derived by the model: " + ", ".join(
        f"{r.locality} {r.case_management:,.0f}" for r in loc.itertuples()
    )
    return readable(
        alt.Chart(loc, title="Numbers for case management by locality (model)", description=description)
        .mark_bar(color=PALETTE[0])
        .encode(
            x=alt.X("case_management:Q", title="People for case management"),
            y=alt.Y("locality:N", sort=list(loc["locality"]), title=None),
            tooltip=["locality:N", alt.Tooltip("case_management:Q", format=",")],
        )
        .properties(width=400, height=alt.Step(30))
    )


def trajectory_chart(trajectory: pd.DataFrame) -> alt.Chart:
    """Grouped bars: each locality's NEL admission-avoidance target, year by year (bars side by side,
    so that localities with close values never hide one another)."""
    t = trajectory[trajectory["locality"] != "Total"]
    localities = list(dict.fromkeys(t["locality"]))
    description = "Grouped bar chart of the NEL admission-avoidance target per locality and year as derived by the model: " + "; ".join(
        f"{r.locality} {r.year} {r.nel_avoidance_target:,.0f}" for r in t.itertuples()
    )
    return readable(
        alt.Chart(t, title="NEL admission-avoidance target by locality and year (model)", description=description)
        .mark_bar()
        .encode(
            x=alt.X("year:O", title="Year", axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("locality:N", sort=localities),
            y=alt.Y("nel_avoidance_target:Q", title="Avoided admissions per year"),
            color=alt.Color("locality:N", title="Locality", sort=localities, scale=alt.Scale(range=PALETTE[:3]), legend=alt.Legend(orient="bottom")),
            tooltip=["locality:N", "year:O", alt.Tooltip("nel_avoidance_target:Q", format=",")],
        )
        .properties(width=420, height=240)
    )


def frailty_chart(projection: pd.DataFrame, years: list[str]) -> alt.Chart:
    """Grouped bars: people aged 65+ with each category of frailty, per year."""
    long = projection.melt(id_vars="category", value_vars=years, var_name="year", value_name="people")
    description = "Grouped bar chart of people aged 65+ with severe, moderate and mild frailty by year as derived by the model: " + "; ".join(
        f"{r.category} {r.year} {r.people:,.0f}" for r in long.itertuples()
    )
    return readable(
        alt.Chart(long, title="People aged 65+ with frailty, by category (model)", description=description)
        .mark_bar()
        .encode(
            x=alt.X("year:O", title="Year", axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("category:N", sort=list(projection["category"])),
            y=alt.Y("people:Q", title="People"),
            color=alt.Color("category:N", title="Frailty", sort=list(projection["category"]), scale=alt.Scale(range=PALETTE[:3]), legend=alt.Legend(orient="bottom")),
            tooltip=["category:N", "year:O", alt.Tooltip("people:Q", format=",")],
        )
        .properties(width=420, height=240)
    )


def finance_chart(items: pd.DataFrame, label: str, year_columns: dict[str, str], title: str) -> alt.Chart:
    """Stacked bars: a finance table's rows (£000s) by year. ``year_columns`` maps column → year label."""
    long = items.melt(id_vars=[label], value_vars=list(year_columns), var_name="year", value_name="gbp_thousands")
    long["year"] = long["year"].map(year_columns)
    long["gbp_thousands"] = long["gbp_thousands"].fillna(0)
    description = f"Stacked bar chart of {title} by year and row, in thousands of pounds, from the strategy; {len(items)} rows over {len(year_columns)} years."
    return readable(
        alt.Chart(long, title=f"{title} (£000s)", description=description)
        .mark_bar()
        .encode(
            x=alt.X("year:O", title="Year", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("gbp_thousands:Q", title="£ thousands", stack="zero"),
            color=alt.Color(f"{label}:N", title=None, scale=alt.Scale(range=PALETTE), legend=alt.Legend(orient="bottom", columns=1)),
            tooltip=[f"{label}:N", "year:O", alt.Tooltip("gbp_thousands:Q", format=",")],
        )
        .properties(width=420, height=240)
    )


def differences_chart(differing: pd.DataFrame) -> alt.Chart:
    """Bars: the size of each difference between a stated and a derived figure."""
    description = (
        f"Bar chart of the {len(differing)} findings where a figure stated in the sources differs from its re-derivation, "
        "by difference (stated minus derived): " + "; ".join(f"{r.what} {r.difference:+g}" for r in differing.itertuples())
    )
    return readable(
        alt.Chart(differing, title="Size of each difference between a stated and a derived figure", description=description)
        .mark_bar(color=PALETTE[5])
        .encode(
            y=alt.Y("what:N", sort=list(differing["what"]), title=None),
            x=alt.X("difference:Q", title="Stated − derived"),
            tooltip=["what:N", "stated:Q", "derived:Q", "difference:Q"],
        )
        .properties(width=200, height=alt.Step(20))
    )


# Importing this module makes the offline renderer the active one, so that no notebook can fall
# back to Altair's CDN-loading HTML by forgetting to call enable().
enable()
