"""Accessible charts that render offline.

Altair's own HTML output loads Vega from a CDN and gives each chart a random element id. Here a
small Altair renderer, ``ccth``, emits instead a container ``div`` (``role="figure"`` with the chart's
description as its ARIA label) and a script that calls ``vegaEmbed`` from the copy of Vega shipped
with the site, with the SVG renderer and the actions menu turned off (template
``page/templates/chart.html.j2``). The scripts are not on every page: the first chart of a page
loads Vega, Vega-Lite and vega-embed from the site's ``_static/vendor/`` (installed from the npm
registry by ``make vendor``), and the page's other charts reuse them. The element id is a hash of
the spec, so re-executing a notebook gives byte-identical output (nbval compares it, numbers
included).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import altair as alt
import pandas as pd

RENDERER = "ccth"
EMBED_OPTIONS = {"renderer": "svg", "actions": False}
#: Where the built site serves the vendored scripts (relative to its root), and the order they run in.
VENDOR_PATH = "_static/vendor/"
VENDOR_SCRIPTS = ["vega.min.js", "vega-lite.min.js", "vega-embed.min.js"]

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
    from .page.render import render  # here, not at the top: page modules import this module

    return str(render("chart.html.j2", element_id=spec_id(spec), description=spec["description"], spec=spec,
                      options=EMBED_OPTIONS, vendor=VENDOR_PATH, scripts=VENDOR_SCRIPTS))


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


# ---------------------------------------------------------------------------------------------
# Programme story (the vision and phases pages). The frames come ready from
# ccth_lib.page.vision / ccth_lib.page.phases; labels hold "\n" where they wrap, and the axes
# split them into lines (a label is never truncated).

#: The y-axis label expression that breaks a label at its "\n".
_LINES = "split(datum.label, '\\n')"
#: Points per line of a wrapped axis label (11 px text).
LINE_PX = 14


def _row_step(labels: pd.Series) -> int:
    """The height of one row: room for its longest wrapped label."""
    return max(24, LINE_PX * int(labels.str.count("\n").max() + 1) + 8)


def admission_targets_chart(targets: pd.DataFrame, *, title: str, description: str) -> alt.LayerChart:
    """Horizontal bars: each figure for the admissions a year to be avoided, with its value as printed.

    ``targets`` has ``label`` (words, "\\n" where they wrap), ``admissions`` and ``value_text`` (as
    printed, e.g. "circa 3,000"), one row per figure in the order shown.
    """
    order = list(targets["label"])
    base = alt.Chart(targets).encode(
        y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelExpr=_LINES)),
        x=alt.X("admissions:Q", title="Admissions a year"),
        tooltip=[alt.Tooltip("value_text:N", title="As printed"), alt.Tooltip("admissions:Q", format=",", title="Admissions a year")],
    )
    bars = base.mark_bar(color=PALETTE[0])
    values = base.mark_text(align="left", dx=4, fontSize=11).encode(text="value_text:N")
    layered = alt.layer(bars, values, title=title, description=description)
    return readable(layered.properties(width=300, height=alt.Step(_row_step(targets["label"]))))


def phase3_timeline_chart(bars: pd.DataFrame, moves: pd.DataFrame, report: pd.DataFrame, *, title: str,
                          description: str) -> alt.LayerChart:
    """Gantt bars of the revised Phase 3 timeline, with the original plan's months where the sources give them.

    ``bars``: ``row`` (the activity in words, "\\n" where it wraps), ``plan`` (the series' name),
    ``start`` and ``end`` (ISO dates, end exclusive), ``months`` (the months in words), one row
    per bar; rows keep the order given. ``moves``: ``row``, ``start``, ``end``, a dashed line
    from each original month to its revised month. ``report``: ``date`` and ``label`` of the
    report the timeline comes from (a vertical rule).
    """
    rows = list(dict.fromkeys(bars["row"]))
    plans = list(dict.fromkeys(bars["plan"]))
    y = alt.Y("row:N", sort=rows, title=None, axis=alt.Axis(labelExpr=_LINES))
    months = alt.Axis(format="%b %Y", tickCount={"interval": "month", "step": 1}, labelExpr=(
        "[timeFormat(datum.value, '%b'), timeFormat(datum.value, '%Y')]"), labelAngle=0, grid=True)
    # The time scale spans the data of every layer (no explicit domain: a domain of date strings
    # conflicts with the datetime signals Vega-Lite derives for the other layers).
    x = alt.X("start:T", title=None, axis=months)
    gantt = alt.Chart(bars).mark_bar(height={"band": 0.55}, cornerRadius=2).encode(
        y=y, x=x, x2="end:T",
        color=alt.Color("plan:N", title=None, sort=plans, scale=alt.Scale(domain=plans, range=PALETTE[: len(plans)]),
                        legend=alt.Legend(orient="bottom", direction="vertical")),
        tooltip=[alt.Tooltip("activity:N", title="Activity"), alt.Tooltip("plan:N", title="Timeline"), alt.Tooltip("months:N", title="When")],
    )
    shift = alt.Chart(moves).mark_rule(strokeDash=[4, 3], color="#555555").encode(y=alt.Y("row:N", sort=rows), x="start:T", x2="end:T")
    rule = alt.Chart(report).mark_rule(color="#555555").encode(x="date:T")
    rule_label = alt.Chart(report).mark_text(align="left", baseline="bottom", dx=3, dy=-2, fontSize=11, y=0).encode(x="date:T", text="label:N")
    step = _row_step(bars["row"])
    layered = alt.layer(gantt, shift, rule, rule_label, title=title, description=description)
    return readable(layered.properties(width=320, height=alt.Step(step)))


# ---------------------------------------------------------------------------------------------
# System context (pages programme_context and programme_strategy): the 2020–21 strategy's
# efficiency schemes by whether they continue Care Closer to Home's aims.

#: Colours of the judgement's categories (data/tables/strategy_sccth_continuity), closest first;
#: the schemes that do not continue the programme's aims are grey.
CONTINUITY_COLOURS = {
    "Named as Care Closer to Home": PALETTE[0],
    "Continues a Care Closer to Home service": PALETTE[4],
    "Shares Care Closer to Home's aim": PALETTE[1],
    "Other schemes": "#8c8c8c",
}


def efficiency_continuity_chart(by_year: pd.DataFrame, *, title: str, what: str) -> alt.Chart:
    """Stacked bars: planned savings (£000s) per year, split by whether the schemes continue SCCtH.

    ``by_year`` has one row per year and category: ``year`` ("2021/22"), ``group`` (a key of
    :data:`CONTINUITY_COLOURS`) and ``gbp_thousands``; ``what`` names the schemes in the
    description ("the Community & Place Based Care efficiency schemes").
    """
    groups = [g for g in CONTINUITY_COLOURS if g in set(by_year["group"])]
    years = list(dict.fromkeys(by_year["year"]))
    per_year = "; ".join(
        f"{y}: " + ", ".join(f"{r.group} £{r.gbp_thousands:,.0f}k" for r in by_year[by_year["year"] == y].itertuples())
        for y in years
    )
    description = f"Stacked bar chart of {what}, planned savings by year in thousands of pounds, split by whether the schemes continue Care Closer to Home's aims. {per_year}."
    return readable(
        alt.Chart(by_year, title=title, description=description)
        .mark_bar()
        .encode(
            x=alt.X("year:O", title="Financial year", sort=years, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("gbp_thousands:Q", title="Planned savings (£ thousands)", stack="zero"),
            color=alt.Color("group:N", title=None, sort=groups, scale=alt.Scale(domain=groups, range=[CONTINUITY_COLOURS[g] for g in groups]),
                            legend=alt.Legend(orient="bottom", direction="vertical")),
            order=alt.Order("order:Q"),
            tooltip=[alt.Tooltip("year:O", title="Year"), alt.Tooltip("group:N", title="Schemes"), alt.Tooltip("gbp_thousands:Q", title="£ thousands", format=",")],
        )
        .transform_calculate(order=f"indexof({json.dumps(groups)}, datum.group)")
        .properties(width=360, height=260)
    )


# === Timeline and status (notebooks/programme_timeline, programme_status) =======================
# One timeline of dated entries in lanes (one lane per kind or group), on a time axis that leaves
# out any long empty stretch (a piecewise time scale: the stretch shrinks to a marked break) so the
# busy months stay readable within the text column. Entries of a lane that would touch are moved
# to rows of their own, so that no entry hides another.

#: Colour and shape of each kind of timeline entry (Okabe & Ito colours; black for the board papers;
#: vermillion is kept for the mark of a disagreement).
TIMELINE_KINDS = {
    "Board paper": ("#000000", "square"),
    "Decision": (PALETTE[0], "circle"),
    "Engagement event": (PALETTE[2], "triangle-up"),
    "Phase 3 milestone (revised timeline)": (PALETTE[4], "square"),
    "Other date in the highlight report": (PALETTE[3], "diamond"),
}
#: The mark around an entry that another statement contradicts.
TIMELINE_FINDING_COLOUR = PALETTE[5]
TIMELINE_FINDING_LABEL = "Disagrees with another statement"
_ROW_PX = 13          # one row of a lane
_POINT_GAP_PX = 11    # closest two points of one row may be
_BREAK_PX = 18        # width of a break in the time axis
_MIN_SEGMENT_PX = 44  # narrowest stretch of time shown
_LABEL_CHARS = 24     # lane labels wrap at this many characters


def time_segments(starts: pd.Series, ends: pd.Series, gap_months: int) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The stretches of time the axis shows: whole months from the first entry to the last, split
    wherever no entry falls for more than ``gap_months`` months."""
    spans = sorted(zip(pd.to_datetime(starts), pd.to_datetime(ends)))
    out: list[list[pd.Timestamp]] = []
    for start, end in spans:
        if out and start <= out[-1][1] + pd.DateOffset(months=gap_months):
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(s.to_period("M").to_timestamp(), e.to_period("M").to_timestamp() + pd.offsets.MonthBegin(1)) for s, e in out]


def piecewise_time_scale(segments, width: int) -> tuple[list[pd.Timestamp], list[float]]:
    """Domain and pixel range of a piecewise time scale: each stretch gets room in proportion to
    its length (at least :data:`_MIN_SEGMENT_PX`), with a break of :data:`_BREAK_PX` between two."""
    days = [max((e - s).days, 1) for s, e in segments]
    free = width - _BREAK_PX * (len(segments) - 1) - _MIN_SEGMENT_PX * len(segments)
    if free < 0:
        raise ValueError(f"a timeline {width} px wide cannot show {len(segments)} stretches of time")
    domain, rng, x = [], [], 0.0
    for (s, e), d in zip(segments, days):
        w = _MIN_SEGMENT_PX + free * d / sum(days)
        domain += [s, e]
        rng += [round(x, 2), round(x + w, 2)]
        x += w + _BREAK_PX
    return domain, rng


def _px(dates, domain, rng) -> list[float]:
    import numpy as np

    xs = np.array([d.value for d in domain], dtype="float64")
    return [float(v) for v in np.interp([float(pd.Timestamp(d).value) for d in dates], xs, rng)]


def dodge_rows(x0: list[float], x1: list[float], gap: float) -> list[int]:
    """Rows for entries spanning ``x0[i]``–``x1[i]`` px (given in drawing order) so that no two
    entries of a row come closer than ``gap`` px: each goes to the first row where it fits."""
    ends: list[float] = []
    rows = []
    for a, b in zip(x0, x1):
        for i, end in enumerate(ends):
            if a >= end + gap:
                ends[i] = b
                rows.append(i)
                break
        else:
            ends.append(b)
            rows.append(len(ends) - 1)
    return rows


def wrap_label(text: str, width: int = _LABEL_CHARS) -> list[str]:
    """A lane label as lines of at most ``width`` characters (words are never cut)."""
    import textwrap

    return textwrap.wrap(text, width) or [text]


def timeline_layout(entries: pd.DataFrame, lanes: list[str], *, width: int, gap_months: int) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Where each entry is drawn: its row (``y``) within its lane, the lanes' bands and labels, and
    the piecewise time scale (``domain``, ``range``, ``breaks``)."""
    segments = time_segments(entries["start"], entries["end"], gap_months)
    domain, rng = piecewise_time_scale(segments, width)
    e = entries.sort_values(["start", "end"], kind="stable").copy()
    e["x0"], e["x1"] = _px(e["start"], domain, rng), _px(e["end"], domain, rng)
    e["slot"] = 0
    for lane in lanes:
        m = e["lane"] == lane
        e.loc[m, "slot"] = dodge_rows(list(e.loc[m, "x0"]), list(e.loc[m, "x1"]), _POINT_GAP_PX)
    bands, top = [], 0
    for i, lane in enumerate(lanes):
        label = wrap_label(lane)
        rows = max(int(e.loc[e["lane"] == lane, "slot"].max()) + 1, len(label)) + 1
        bands.append({"lane": lane, "top": top, "bottom": top + rows, "centre": top + rows / 2, "label": label, "shade": i % 2 == 0})
        pad = (rows - (int(e.loc[e["lane"] == lane, "slot"].max()) + 1)) / 2
        e.loc[e["lane"] == lane, "y"] = top + pad + e.loc[e["lane"] == lane, "slot"] + 0.5
        top += rows
    breaks = [{"from": a[1], "to": b[0]} for a, b in zip(segments, segments[1:])]
    return e, pd.DataFrame(bands), {"domain": domain, "range": rng, "breaks": breaks, "rows": top, "segments": segments}


def _tick_months(segments, every: int = 3) -> list[pd.Timestamp]:
    """Axis ticks: every ``every`` months within each stretch (January always among them), and the
    first month of a short stretch."""
    out = []
    for s, e in segments:
        months = pd.date_range(s, e - pd.Timedelta(days=1), freq="MS")
        out += [m for m in months if (m.month - 1) % every == 0] or [months[0]]
    return out


def _label_expr(positions: list[float], labels: list) -> str:
    """A Vega expression giving each axis position its label (lists are lines of one label)."""
    return " : ".join(f"abs(datum.value - {p}) < 0.01 ? {json.dumps(label)}" for p, label in zip(positions, labels)) + ' : ""'


def timeline_chart(entries: pd.DataFrame, lanes: list[str], *, title: str, description: str, gap_months: int = 12,
                   width: int = 440) -> alt.LayerChart:
    """One timeline: every entry of ``entries`` in its lane (``lanes``, top to bottom), a point on
    its day or a bar over the months of a month-only date, coloured and shaped by ``kind``; a ring
    (or outline) marks each entry with a ``finding``. Columns used: ``kind``, ``lane``, ``start``,
    ``end``, ``precision`` ("day" or "month"), ``when``, ``who``, ``what``, ``finding``.

    Positions are computed here (:func:`timeline_layout`), so both axes are plain pixel scales
    labelled in words: months along the top, lanes down the side."""
    unknown = sorted(set(entries["kind"]) - set(TIMELINE_KINDS))
    if unknown:
        raise ValueError(f"timeline: no colour for kind(s) {unknown}")
    placed, bands, scale = timeline_layout(entries, lanes, width=width, gap_months=gap_months)
    rows = scale["rows"]
    kinds = [k for k in TIMELINE_KINDS if k in set(entries["kind"])]
    placed = placed.assign(
        y0=placed["y"] - 0.36, y1=placed["y"] + 0.36,
        marked=[TIMELINE_FINDING_LABEL if f else "" for f in placed["finding"]],
    )[["kind", "lane", "precision", "when", "who", "what", "finding", "marked", "x0", "x1", "y", "y0", "y1"]]
    ticks = _tick_months(scale["segments"])
    tick_px = [round(v, 2) for v in _px(ticks, scale["domain"], scale["range"])]
    # Both scales and axes are given once (on the first layer); the other layers share them.
    x_scale = alt.Scale(domain=[0, width], nice=False, zero=False)
    x_axis = alt.Axis(values=tick_px, labelExpr=_label_expr(tick_px, [f"{t:%b %Y}" for t in ticks]), labelAngle=0, grid=True,
                      gridColor="#e4e4e4", orient="top", labelOverlap=True, tickCount=len(tick_px))
    y_scale = alt.Scale(domain=[0, rows], reverse=True, nice=False, zero=False)
    y_axis = alt.Axis(values=list(bands["centre"]), labelExpr=_label_expr(list(bands["centre"]), list(bands["label"])), grid=False,
                      ticks=False, domain=False, labelFontSize=11, labelLineHeight=13, labelPadding=6, labelOverlap=False)
    colour = alt.Color("kind:N", title="Kind of entry", scale=alt.Scale(domain=kinds, range=[TIMELINE_KINDS[k][0] for k in kinds]),
                       legend=alt.Legend(orient="bottom", direction="vertical", columns=2))
    shape = alt.Shape("kind:N", title="Kind of entry", scale=alt.Scale(domain=kinds, range=[TIMELINE_KINDS[k][1] for k in kinds]),
                      legend=alt.Legend(orient="bottom", direction="vertical", columns=2))
    tooltip = [alt.Tooltip("when:N", title="When"), alt.Tooltip("kind:N", title="Kind"), alt.Tooltip("who:N", title="Who or what"),
               alt.Tooltip("what:N", title="Entry"), alt.Tooltip("finding:N", title="Disagreement")]
    x, y = alt.X("x0:Q", title=None), alt.Y("y:Q", title=None)
    lane_bands = alt.Chart(bands.assign(x0=0, x1=width)).mark_rect().encode(
        x=alt.X("x0:Q", title=None, scale=x_scale, axis=x_axis), x2="x1:Q",
        y=alt.Y("top:Q", title=None, scale=y_scale, axis=y_axis), y2="bottom:Q",
        fill=alt.Fill("shade:N", scale=alt.Scale(domain=[True, False], range=["#f3f5f8", "#ffffff"]), legend=None))
    layers = [lane_bands]
    if scale["breaks"]:
        gaps = pd.DataFrame([{"x0": float(a), "x1": float(b), "top": 0, "bottom": rows,
                              "label": f"No entries from {brk['from']:%B %Y} to {(brk['to'] - pd.Timedelta(days=1)):%B %Y}: the time axis is broken here"}
                             for brk, a, b in zip(scale["breaks"], scale["range"][1::2], scale["range"][2::2])])
        layers.append(alt.Chart(gaps).mark_rect(color="#ffffff", stroke="#767676", strokeDash=[3, 3]).encode(
            x=alt.X("x0:Q", title=None), x2="x1:Q", y=alt.Y("top:Q", title=None), y2="bottom:Q", tooltip=alt.Tooltip("label:N", title="Break")))
    months = placed[placed["precision"] == "month"]
    days = placed[placed["precision"] == "day"]
    layers.append(alt.Chart(months).mark_rect(opacity=0.85).encode(
        x=x, x2="x1:Q", y=alt.Y("y0:Q", title=None), y2="y1:Q", color=colour, tooltip=tooltip))
    layers.append(alt.Chart(days).mark_point(filled=True, size=64, opacity=1).encode(
        x=x, y=y, color=colour, shape=shape, tooltip=tooltip))
    ring = alt.Stroke("marked:N", title=None, scale=alt.Scale(domain=[TIMELINE_FINDING_LABEL], range=[TIMELINE_FINDING_COLOUR]),
                      legend=alt.Legend(orient="top", symbolType="circle", symbolFillColor="transparent", symbolStrokeWidth=2.5))
    marked_months, marked_days = months[months["finding"] != ""], days[days["finding"] != ""]
    if len(marked_months):
        layers.append(alt.Chart(marked_months).mark_rect(fillOpacity=0, strokeWidth=2.5).encode(
            x=x, x2="x1:Q", y=alt.Y("y0:Q", title=None), y2="y1:Q", stroke=ring, tooltip=tooltip))
    if len(marked_days):
        layers.append(alt.Chart(marked_days).mark_point(filled=False, size=230, strokeWidth=2.5).encode(
            x=x, y=y, stroke=ring, tooltip=tooltip))
    chart = alt.layer(*layers, title=title, description=description)
    return readable(chart.properties(width=width, height=rows * _ROW_PX).configure_view(stroke=None))
# === end of Timeline and status ===


# === Scenarios: sensitivity (tornado) and uncertainty (fan) charts ===
def tornado_chart(bars: pd.DataFrame, *, description: str) -> alt.FacetChart:
    """Tornado: for each target (one panel each), how far each assumption moves it across its
    plausible range, as a % of the target's base value, widest swing first.

    ``bars`` has one row per bar segment: ``target``, ``assumption``, ``end`` (which end of the
    range), ``change_pct`` (the change from the base, %), ``value`` (the target there), ``setting``
    (the assumption's value there, in words) and ``swing`` (the assumption's whole swing, for the
    order); ``target`` is ordered as the rows first give it.
    """
    ends = list(dict.fromkeys(bars["end"]))
    targets = list(dict.fromkeys(bars["target"]))
    data = bars.assign(zero=0.0)
    return readable(
        alt.Chart(data)
        .mark_bar(height={"band": 0.7})
        .encode(
            y=alt.Y("assumption:N", title=None, sort=alt.EncodingSortField("swing", op="max", order="descending")),
            x=alt.X("zero:Q", title="Change from the base value (%)", axis=alt.Axis(format="+~s", tickCount=5)),
            x2="change_pct:Q",
            color=alt.Color("end:N", title=None, sort=ends, scale=alt.Scale(domain=ends, range=PALETTE[: len(ends)]),
                            legend=alt.Legend(orient="bottom")),
            tooltip=["target:N", "assumption:N", "end:N", "setting:N", alt.Tooltip("value:Q", title="target there", format=",.4~f"),
                     alt.Tooltip("change_pct:Q", title="change (%)", format="+.1f")],
        )
        .properties(width=300, height=alt.Step(18))
        .facet(row=alt.Row("target:N", sort=targets, title=None,
                           header=alt.Header(labelAngle=0, labelAlign="left", labelAnchor="start", labelOrient="top",
                                             labelFontWeight="bold")))
        .resolve_scale(y="independent")
        .properties(title=alt.TitleParams("How far each assumption moves each target", subtitle="Across its plausible range, the others held"),
                    description=description)
    )


def fan_chart(quantiles: pd.DataFrame, *, description: str) -> alt.FacetChart:
    """Fan chart: per locality (one panel each), the band from P10 to P90 of a yearly figure,
    its P50 as a line and the model's value with the page's parameters as dots.

    ``quantiles``: ``locality``, ``year``, ``p10``, ``p50``, ``p90``, ``base``.
    """
    localities = list(dict.fromkeys(quantiles["locality"]))
    x = alt.X("year:O", title="Year", axis=alt.Axis(labelAngle=0))
    fmt = ",.0f"
    tooltip = ["locality:N", "year:O", alt.Tooltip("p10:Q", title="P10", format=fmt), alt.Tooltip("p50:Q", title="P50", format=fmt),
               alt.Tooltip("p90:Q", title="P90", format=fmt), alt.Tooltip("base:Q", title="model with the page's values", format=fmt)]
    band = alt.Chart().mark_area(opacity=0.3, color=PALETTE[0]).encode(
        x=x, y=alt.Y("p10:Q", title="NEL avoidance target", scale=alt.Scale(zero=False)), y2="p90:Q", tooltip=tooltip)
    line = alt.Chart().mark_line(color=PALETTE[0], strokeWidth=2).encode(x=x, y="p50:Q", tooltip=tooltip)
    dots = alt.Chart().mark_point(color=PALETTE[5], filled=True, size=50, shape="diamond").encode(x=x, y="base:Q", tooltip=tooltip)
    return readable(
        alt.layer(band, line, dots, data=quantiles)
        .properties(width=220, height=150)
        .facet(facet=alt.Facet("locality:N", sort=localities, title=None, header=alt.Header(labelFontWeight="bold")), columns=2)
        .resolve_scale(y="independent")
        .properties(title=alt.TitleParams("NEL avoidance target by year", subtitle="P10 to P90 (band), P50 (line), the model with the page's values (diamonds)"),
                    description=description)
    )


def needs_range_chart(quantiles: pd.DataFrame, *, description: str) -> alt.LayerChart:
    """Interval chart: per locality and service, a bar from P10 to P90, a tick at P50 and a
    diamond at the model's value with the page's parameters.

    ``quantiles``: ``locality``, ``service``, ``p10``, ``p50``, ``p90``, ``base``.
    """
    localities = list(dict.fromkeys(quantiles["locality"]))
    services = list(dict.fromkeys(quantiles["service"]))
    fmt = ",.0f"
    y = alt.Y("locality:N", sort=localities, title=None)
    offset = alt.YOffset("service:N", sort=services)
    colour = alt.Color("service:N", title=None, sort=services, scale=alt.Scale(domain=services, range=PALETTE[: len(services)]),
                       legend=alt.Legend(orient="bottom"))
    tooltip = ["locality:N", "service:N", alt.Tooltip("p10:Q", title="P10", format=fmt), alt.Tooltip("p50:Q", title="P50", format=fmt),
               alt.Tooltip("p90:Q", title="P90", format=fmt), alt.Tooltip("base:Q", title="model with the page's values", format=fmt)]
    bars = alt.Chart().mark_bar(opacity=0.45, height={"band": 0.8}).encode(
        y=y, yOffset=offset, x=alt.X("p10:Q", title="Avoided admissions a year"), x2="p90:Q", color=colour, tooltip=tooltip)
    ticks = alt.Chart().mark_tick(thickness=2.5, color="#000000").encode(y=y, yOffset=offset, x="p50:Q", tooltip=tooltip)
    dots = alt.Chart().mark_point(shape="diamond", filled=True, size=45, color=PALETTE[5]).encode(y=y, yOffset=offset, x="base:Q", tooltip=tooltip)
    return readable(
        alt.layer(bars, ticks, dots, data=quantiles,
                  title=alt.TitleParams("Avoided admissions a year by locality and service",
                                        subtitle="P10 to P90 (bar), P50 (tick), the model with the page's values (diamond)"))
        .properties(width=440, height=alt.Step(16), description=description)
    )
# === end of Scenarios ===


# === Register (reconciliation register page) ===
def findings_by_kind_chart(data: pd.DataFrame, *, description: str) -> alt.Chart:
    """Horizontal stacked bars: the documents' disagreements per kind, split by the document that
    prints the stated value. ``data`` has ``kind``, ``document`` and ``findings``; ``description``
    (the chart's ARIA label) says every count in words."""
    kinds = list(dict.fromkeys(data["kind"]))
    documents = list(dict.fromkeys(data["document"]))
    return readable(
        alt.Chart(data, title="Where the documents disagree, by kind and document", description=description)
        .mark_bar()
        .encode(
            y=alt.Y("kind:N", sort=kinds, title=None),
            x=alt.X("findings:Q", title="Disagreements", stack="zero", axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.Color("document:N", title="Document", sort=documents, scale=alt.Scale(domain=documents, range=PALETTE[: len(documents)]),
                            legend=alt.Legend(orient="bottom", columns=2)),
            order=alt.Order("document_order:Q"),
            tooltip=["kind:N", "document:N", alt.Tooltip("findings:Q", title="disagreements")],
        )
        .transform_calculate(document_order=f"indexof({json.dumps(documents)}, datum.document)")
        .properties(width=360, height=alt.Step(26))
    )
# === end of Register ===


# Importing this module makes the offline renderer the active one, so that no notebook can fall
# back to Altair's CDN-loading HTML by forgetting to call enable().
enable()
