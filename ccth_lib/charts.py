"""Accessible charts that render offline.

Altair's own HTML output loads Vega from a CDN and gives each chart a random element id. Here a
small Altair renderer, ``ccth``, emits instead a container ``div`` (``role="figure"`` with the chart's
description as its ARIA label) and a script that calls ``vegaEmbed`` from the copy of Vega shipped
with the site (``_static/vendor``, loaded by Sphinx's ``html_js_files``), with the SVG renderer
and the actions menu turned off. The element id is a hash of the spec, so re-executing a notebook
gives byte-identical output (nbval compares it, numbers included).
"""

from __future__ import annotations

import base64
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


def download_link(df: pd.DataFrame, filename: str, label: str | None = None) -> str:
    """An HTML link that downloads ``df`` as CSV, embedded in the page (no server, no network)."""
    payload = base64.b64encode(df.to_csv(index=False).encode("utf-8")).decode("ascii")
    text = html.escape(label or f"Download {filename} (CSV)")
    return f'<a class="ccth-download" download="{html.escape(filename)}" href="data:text/csv;base64,{payload}">{text}</a>'


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
    return (
        alt.Chart(long, title=title, description=description)
        .mark_bar()
        .encode(
            y=alt.Y("service:N", sort=order, title=None, axis=alt.Axis(labelLimit=230)),
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
        .properties(width=340, height=alt.Step(34))
    )


# Importing this module makes the offline renderer the active one, so that no notebook can fall
# back to Altair's CDN-loading HTML by forgetting to call enable().
enable()
