"""The three phases page: Phase 1 in figures, Phase 2's case-management process as a flow
diagram, Phase 3's design story and its revised timeline against the original plan.

The flow diagram is drawn at notebook execution time as SVG (no script, nothing to load): a pure
layout (:func:`flow_layout`) places the rows of ``paper_case_management_process`` and routes
their arrows, and a Jinja2 template draws them. Its text equivalent is an ordered list of the
same rows with their source lines.

The Phase 3 timeline is ``highlight_phase3_timeline`` (the revised plan, as printed). No source
prints the original plan's dates; the highlight report names the milestones the four-month
delay moves (``highlight_phase3_delay``), so their original months are derived here as the
revised month less the delay (:func:`original_month`), and shown as derived.
"""

from __future__ import annotations

import datetime as _dt
import textwrap
from dataclasses import dataclass, field

import pandas as pd

from .. import data, sources
from ..models.parameters import ParameterError
from . import formats
from .downloads import download
from .glue import BOOK_TO_PAGES, for_book, sourced, sourced_figure
from .links import SourceLink, inline_link
from .render import Html, render
from .table import Link, table
from .vision import figure_link, link_of_row, quoted, statements, when, wrap_label

# ---------------------------------------------------------------------------------------------
# Months


def month_add(month: str, n: int) -> str:
    """``"2019-03"`` plus ``n`` months (``n`` may be negative) → ``"YYYY-MM"``."""
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + (mon - 1) + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_words(month: str) -> str:
    return _dt.date(int(month[:4]), int(month[5:7]), 1).strftime("%B %Y")


def months_words(start: str, end: str) -> str:
    """A span of months as people write it: "October – November 2018", "March 2019"."""
    if start == end:
        return month_words(start)
    a, b = month_words(start), month_words(end)
    if start[:4] == end[:4]:
        return f"{a.split()[0]} – {b}"
    return f"{a} – {b}"


def original_month(revised: str, delay_months: int) -> str:
    """The original plan's month of a milestone the delay moved: the revised month less the delay."""
    return month_add(revised, -delay_months)


# ---------------------------------------------------------------------------------------------
# The Phase 3 timeline: revised (as printed) and original (derived where the sources allow)

REVISED = "Revised timeline (highlight report)"
ORIGINAL = "Original plan, derived: the revised month less the stated delay"


def timeline_frames(timeline: pd.DataFrame, moved: pd.DataFrame, delay_months: int, *, wrap: int = 52) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The chart's bars and dashed moves, and the table of the timeline (one row per activity).

    ``timeline``: ``highlight_phase3_timeline``; ``moved``: ``highlight_phase3_delay`` (the
    milestones the delay moves, each naming its timeline row). A milestone whose revised month
    is not its timeline row's month is an error (the two tables would disagree).
    """
    by_row = timeline.set_index("row_order")
    bars, moves, rows = [], [], []
    original_of: dict[int, str] = {}
    for m in moved.itertuples():
        if m.timeline_row not in by_row.index:
            raise ValueError(f"highlight_phase3_delay row {m.row_order}: no timeline row {m.timeline_row}")
        t = by_row.loc[m.timeline_row]
        if t["month_start"] != m.revised_month:
            raise ValueError(f"highlight_phase3_delay row {m.row_order}: revised month {m.revised_month} is not "
                             f"timeline row {m.timeline_row}'s month {t['month_start']}")
        original_of[int(m.timeline_row)] = original_month(m.revised_month, delay_months)
    for t in timeline.itertuples():
        label = wrap_label(t.activity, wrap)
        end = month_add(t.month_end, 1)
        revised = months_words(t.month_start, t.month_end)
        bars.append({"row": label, "activity": t.activity, "plan": REVISED, "start": f"{t.month_start}-01", "end": f"{end}-01", "months": revised})
        original = original_of.get(int(t.row_order))
        if original is not None:
            bars.append({"row": label, "activity": t.activity, "plan": ORIGINAL, "start": f"{original}-01",
                         "end": f"{month_add(original, 1)}-01", "months": month_words(original)})
            moves.append({"row": label, "start": f"{month_add(original, 1)}-01", "end": f"{t.month_start}-01"})
        rows.append({"activity": t.activity, "revised": revised, "original": month_words(original) if original else "",
                     "source_id": t.source_id, "line_start": t.line_start, "line_end": t.line_end, "quote": t.quote})
    return pd.DataFrame(bars), pd.DataFrame(moves, columns=["row", "start", "end"]), pd.DataFrame(rows)


def timeline_description(rows: pd.DataFrame, delay_months: int) -> str:
    parts = []
    for r in rows.itertuples():
        moved = f" (original plan: {r.original})" if r.original else ""
        parts.append(f"{r.revised}: {r.activity}{moved}")
    return (f"Timeline chart of the revised Phase 3 plan of the highlight report of 18 October 2018, month by month, "
            f"with the original plan's months for the milestones the {delay_months}-month delay moved: " + "; ".join(parts))


# ---------------------------------------------------------------------------------------------
# The case-management flow diagram (Appendix B): a pure layout, drawn by a template


def leads_to(value) -> list[int]:
    """``"10 11 12"`` → ``[10, 11, 12]``; empty → ``[]``."""
    return [int(v) for v in str(value).split()] if not formats.missing(value) and str(value).strip() else []


@dataclass(frozen=True)
class Box:
    row_order: int
    kind: str
    label: str
    lines: tuple[str, ...]
    x: float
    y: float
    w: float
    h: float
    font: int

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h


@dataclass(frozen=True)
class Edge:
    source: int
    target: int
    points: tuple[tuple[float, float], ...]
    back: bool = False

    @property
    def path(self) -> str:
        return "M " + " L ".join(f"{x:g} {y:g}" for x, y in self.points)


@dataclass(frozen=True)
class Flow:
    boxes: tuple[Box, ...]
    edges: tuple[Edge, ...]
    width: float
    height: float
    pad: float = 9
    box_of: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class FlowGeometry:
    """Sizes of the drawing (px). Steps run down the centre; routes in sit left, single ways out
    right; where a step branches into several next steps they sit in a row beneath it."""

    width: float = 640
    margin: float = 8
    side_w: float = 166
    centre_w: float = 236
    gap: float = 30
    branch_gap: float = 44
    pad: float = 9
    step_font: int = 13
    side_font: int = 12
    line_height: float = 1.3
    char_em: float = 0.58

    def chars(self, width: float, font: int) -> int:
        return max(8, int((width - 2 * self.pad) / (font * self.char_em)))

    def height_of(self, n_lines: int, font: int) -> float:
        return n_lines * font * self.line_height + 2 * self.pad


def flow_layout(process: pd.DataFrame, geometry: FlowGeometry = FlowGeometry()) -> Flow:
    """Place every row of the process and route every arrow (pure: no I/O).

    * ``step`` rows run down the centre in their printed order;
    * a row with no arrow into it (a route in) sits left of the first step it leads to;
    * a step's only way out that is not a step sits right of it;
    * a step with several next rows that are not steps has them in a row beneath it; an arrow from
      one of them back to an earlier step runs up its own side, outside the centre column.
    """
    g = geometry
    rows = {int(r.row_order): r for r in process.itertuples()}
    targets = {k: leads_to(r.leads_to) for k, r in rows.items()}
    unknown = sorted({t for ts in targets.values() for t in ts} - set(rows))
    if unknown:
        raise ValueError(f"leads_to names row(s) {unknown} that are not in the process")
    incoming: dict[int, list[int]] = {k: [] for k in rows}
    for k, ts in targets.items():
        for t in ts:
            incoming[t].append(k)
    steps = [k for k, r in rows.items() if r.row_kind == "step"]
    if not steps:
        raise ValueError("the process has no step rows")
    left: dict[int, list[int]] = {s: [] for s in steps}
    right: dict[int, list[int]] = {s: [] for s in steps}
    branch: dict[int, list[int]] = {s: [] for s in steps}
    for k, r in rows.items():
        if r.row_kind == "step":
            continue
        if not incoming[k]:
            anchor = next((t for t in targets[k] if t in left), None)
            if anchor is None:
                raise ValueError(f"row {k} leads to no step")
            left[anchor].append(k)
            continue
        parent = incoming[k][0]
        if parent not in left:
            raise ValueError(f"row {k} follows row {parent}, which is not a step")
        others = [c for c in targets[parent] if rows[c].row_kind != "step"]
        (branch if len(others) > 1 else right)[parent].append(k)

    centre_x = (g.width - g.centre_w) / 2
    side_left_x, side_right_x = g.margin, g.width - g.margin - g.side_w

    def box(k: int, x: float, y: float, w: float, font: int) -> Box:
        lines = tuple(textwrap.wrap(formats.text(rows[k].label), g.chars(w, font), break_long_words=False, break_on_hyphens=False))
        return Box(k, rows[k].row_kind, formats.text(rows[k].label), lines, x, y, w, g.height_of(len(lines), font), font)

    def centred(b: Box, band_top: float, band_h: float) -> Box:
        return Box(b.row_order, b.kind, b.label, b.lines, b.x, band_top + (band_h - b.h) / 2, b.w, b.h, b.font)

    boxes: dict[int, Box] = {}
    edges: list[Edge] = []
    y = g.margin
    for s in steps:
        band = [box(s, centre_x, 0, g.centre_w, g.step_font)]
        band += [box(k, side_left_x, 0, g.side_w, g.side_font) for k in left[s]]
        band += [box(k, side_right_x, 0, g.side_w, g.side_font) for k in right[s]]
        if len(left[s]) > 1 or len(right[s]) > 1:
            raise ValueError(f"step {s} has more than one route in or way out beside it")
        band_h = max(b.h for b in band)
        for b in band:
            boxes[b.row_order] = centred(b, y, band_h)
        y += band_h + g.gap
        if branch[s]:
            n = len(branch[s])
            w = (g.width - 2 * g.margin - (n - 1) * g.gap / 2) / n
            row = [box(k, g.margin + i * (w + g.gap / 2), 0, w, g.side_font) for i, k in enumerate(branch[s])]
            y += g.branch_gap - g.gap
            band_h = max(b.h for b in row)
            for b in row:  # top-aligned, so that the arrows into the row are of one length
                boxes[b.row_order] = Box(b.row_order, b.kind, b.label, b.lines, b.x, y, b.w, b.h, b.font)
            y += band_h + g.gap
    height = y - g.gap + g.margin

    for k, ts in targets.items():
        a = boxes[k]
        for t in ts:
            b = boxes[t]
            if a.kind == "step" and b.kind == "step" and b.y > a.y:
                points = ((a.cx, a.bottom), (b.cx, b.y))
            elif t in right.get(k, []):
                points = ((a.right, a.cy), (b.x, b.cy))
            elif k in left.get(t, []):
                points = ((a.right, a.cy), (b.x, b.cy))
            elif t in branch.get(k, []):
                mid = a.bottom + (b.y - a.bottom) / 2
                points = ((a.cx, a.bottom), (a.cx, mid), (b.cx, mid), (b.cx, b.y))
            elif b.kind == "step" and b.y < a.y:
                # back up to an earlier step, on the side of the drawing the box sits
                if a.cx < b.x:
                    x = a.x + 2 * g.pad
                    points = ((x, a.y), (x, b.cy), (b.x, b.cy))
                else:
                    x = a.right - 2 * g.pad
                    points = ((x, a.y), (x, b.cy), (b.right, b.cy))
                edges.append(Edge(k, t, points, back=True))
                continue
            else:
                raise ValueError(f"no route for the arrow from row {k} to row {t}")
            edges.append(Edge(k, t, _distinct(points)))
    ordered = tuple(boxes[k] for k in sorted(boxes))
    return Flow(ordered, tuple(edges), g.width, height, g.pad, {b.row_order: b for b in ordered})


def _distinct(points: tuple) -> tuple:
    """The points of a path without a point repeated straight after itself."""
    out = [points[0]]
    for p in points[1:]:
        if p != out[-1]:
            out.append(p)
    return tuple(out)


KIND_WORDS = {"step": "Step", "entry": "Route in", "decision": "Decision", "exit": "Way out"}

#: Fill and outline of each kind of box (light fills of the charts' colour-blind-safe palette).
KIND_STYLES = {
    "step": {"fill": "#dcebf7", "stroke": "#0072B2"},
    "entry": {"fill": "#d5f0e5", "stroke": "#009E73"},
    "decision": {"fill": "#fbe8c8", "stroke": "#B36B00"},
    "exit": {"fill": "#ececec", "stroke": "#555555"},
}


def flow_svg(flow: Flow, *, title: str, description: str) -> Html:
    return render("phases_flow.html.j2", flow=flow, title=title, description=description, kind_words=KIND_WORDS, styles=KIND_STYLES)


def flow_steps(process: pd.DataFrame) -> Html:
    """The text equivalent: the rows in printed order, what happens, where each leads, their lines."""
    label = dict(zip(process["row_order"].astype(int), process["label"]))
    items = []
    for r in process.itertuples():
        link = SourceLink(r.source_id, int(r.line_start), int(r.line_end), r.quote)
        items.append({
            "anchor": f"case-management-step-{int(r.row_order)}",
            "kind": KIND_WORDS[r.row_kind],
            "label": formats.text(r.label),
            "what": formats.text(r.what_happens),
            "leads_to": [{"anchor": f"case-management-step-{t}", "label": formats.text(label[t])} for t in leads_to(r.leads_to)],
            "href": link.href,
            "title": link.title,
            "lines": link.text(False),
        })
    return render("phases_steps.html.j2", items=items)


# ---------------------------------------------------------------------------------------------
# The page


#: The figures of the Frailty Intervention Team paragraph, in the order printed, in words.
PHASE1_FIGURES = (
    ("paper_fit_weekly_caseload_additions", "Patients added to the team's caseload each week", "{count}+"),
    ("paper_fit_daily_discharges", "Discharges the team facilitates every day, on average", "{count}"),
    ("paper_fit_discharged_home_pct", "Share of those discharged who go home", "{percent}"),
    ("paper_fit_conversion_rate_pct", "People over 75 at RSH admitted from the Emergency Department (conversion rate)", "{percent}"),
    ("paper_fit_conversion_rate_previous_pct", "The same conversion rate in the same period the previous year", "{percent}"),
    ("paper_fit_target_18_19", "Target admissions avoided by this phase in 2018/19", "{count}"),
)


def check_delay(delay_months) -> int | None:
    if delay_months is None:
        return None
    if isinstance(delay_months, bool) or not isinstance(delay_months, int) or not 0 <= delay_months <= 12:
        raise ParameterError(f"parameter delay_months={delay_months!r}: allowed values are whole months from 0 to 12 (None: as the highlight report states)")
    return delay_months


class PhasesPage:
    """The parts of the three phases page, and the home page's fragments about the phases."""

    flow_title = "Case Management process (programme paper, Appendix B)"
    timeline_title = "Phase 3: the revised timeline against the original plan"

    def __init__(self, delay_months: int | None = None):
        self.register = data.figures()
        self.said = statements()
        self.stated_delay = int(data.figure("highlight_phase3_delay_months", self.register).value)
        self.delay = self.stated_delay if check_delay(delay_months) is None else delay_months
        self.phases = data.load_table("paper_phases")
        self.status = data.load_table("highlight_phase_status")
        self.packages = data.load_table("highlight_work_packages_this_period")
        self.cohort = data.load_table("paper_locality_case_management")
        self.process = data.load_table("paper_case_management_process")
        self.timeline = data.load_table("highlight_phase3_timeline")
        self.moved = data.load_table("highlight_phase3_delay")
        self.decisions = data.load_table("paper_decisions")
        self.key_dates = data.load_table("highlight_key_dates")
        self.bars, self.moves, self.timeline_rows = timeline_frames(self.timeline, self.moved, self.delay)

    # -- numbers and phrases -------------------------------------------------------------------

    def figures(self) -> dict:
        """The page's numbers: those the documents print linked to their lines; counts, the
        difference of the two conversion rates and the delay this run uses plain."""
        f = lambda fid, kind="count": sourced_figure(fid, kind, register=self.register)  # noqa: E731
        cohort = self.cohort.set_index("locality")
        cm = lambda locality: sourced(int(cohort.loc[locality, "case_management"]), "count", cohort.loc[locality], "case_management")  # noqa: E731
        before, after = f("paper_fit_conversion_rate_previous_pct", "number"), f("paper_fit_conversion_rate_pct", "number")
        return {
            "n_phases": len(self.phases),
            "fit_weekly": f("paper_fit_weekly_caseload_additions"),
            "fit_daily": f("paper_fit_daily_discharges"),
            "fit_home_pct": f("paper_fit_discharged_home_pct", "percent"),
            "fit_conversion_pct": after,
            "fit_conversion_before_pct": before,
            "fit_conversion_fall_points": round(before - after, 2),
            "fit_target": f("paper_fit_target_18_19"),
            "cm_age": f("paper_case_management_age_threshold"),
            "cm_per_1000": f("paper_stratification_per_1000"),
            "cm_share_1to3_pct": f("paper_share_1to3_ltc_pct", "percent"),
            "cm_total": cm("Total"),
            "cm_north": cm("North"),
            "cm_central": cm("Central"),
            "cm_south": cm("South"),
            "cm_variability_areas": f("paper_case_management_areas_of_variability"),
            "n_specifications": len(data.load_table("paper_service_specifications")),
            "report_horizon_months": f("paper_risk_report_horizon_months"),
            "predictive_share_pct": f("paper_other_uk_predictive_share", "percent"),
            "referral_share_pct": f("paper_other_uk_direct_referral_share", "percent"),
            "n_process_steps": int((self.process["row_kind"] == "step").sum()),
            "rapid_response_hours": f("paper_rapid_response_window_hours"),
            "delay_months": self.delay,
            "stated_delay_months": sourced(self.stated_delay, "count", self.register.loc["highlight_phase3_delay_months"], "value"),
            "n_timeline_activities": len(self.timeline),
            "n_moved_milestones": len(self.moved),
            "n_unmoved_activities": len(self.timeline) - len(self.moved),
        }

    def _decision(self, row_order: int) -> pd.Series:
        return self.decisions.set_index("row_order").loc[row_order]

    def _decision_about(self, words: str) -> pd.Series:
        hits = self.decisions[self.decisions["decision_or_action"].str.contains(words, regex=False)]
        if len(hits) != 1:
            raise ValueError(f"paper_decisions: {len(hits)} rows mention {words!r}; expected one")
        return hits.iloc[0]

    def _key_date(self, subject: str) -> pd.Series:
        hits = self.key_dates[self.key_dates["subject"] == subject]
        if len(hits) != 1:
            raise ValueError(f"highlight_key_dates: {len(hits)} rows about {subject!r}; expected one")
        return hits.iloc[0]

    def phrases(self) -> dict:
        s = self.said.loc
        approval = self._key_date("Phase 2 case management model")
        final = self._decision_about("Agreed the final Case Management model")
        stood_down = self._decision_about("Phase 3 design sessions stood down")
        alternative = self._decision_about("Alternative Phase 3 design approach proposed")
        jsna = self._key_date("JSNA")
        moved = [f"*{r.milestone}*: {r.revised_as_printed} (in the original plan, {month_words(original_month(r.revised_month, self.delay))})"
                 for r in self.moved.itertuples()]
        risks = data.load_table("paper_risks_issues")
        design_risk = risks[risks["risk_or_issue"].str.startswith("Limited uptake and engagement")].iloc[0]
        actions = data.load_table("paper_corrective_actions")
        return {
            "fit_quote": quoted(s["frailty_intervention_team"]),
            "fit_triage_quote": quoted(s["frailty_triage"]),
            "fit_link": figure_link("paper_fit_target_18_19", self.register),
            "approval_date": when(approval["date"]),
            "approval_link": inline_link(link_of_row(approval), True),
            "final_model_date": when(final["date"]),
            "final_model_link": inline_link(link_of_row(final), True),
            "cm_basis_link": figure_link("paper_stratification_per_1000", self.register),
            "cm_per_1000_unit": data.figure("paper_stratification_per_1000", self.register).unit,
            "process_link": inline_link(SourceLink("paper-2018-10", int(self.process["line_start"].min()), int(self.process["line_end"].max()),
                                                   formats.text(data.table_info("paper_case_management_process").descriptor["sources"][0]["quote"])), True),
            "referral_ratio_link": figure_link("paper_other_uk_predictive_share", self.register),
            "reminder_date": when(self._key_date("Stakeholder engagement in design workshops")["date"]),
            "invitations_date": when(self._decision_about("Invitations to Phase 3 design circulated")["date"]),
            "report_date": when(sources.get("highlight-2018-10").date),
            "hah_quote": quoted(s["hospital_at_home"]),
            "hah_planned_quote": quoted(s["hospital_at_home_planned"]),
            "rapid_response_link": figure_link("paper_rapid_response_window_hours", self.register),
            "rapid_response_quote": quoted(s["rapid_response"]),
            "step_up_quote": quoted(s["step_up_beds_deferred"]),
            "step_up_consultation_quote": quoted(s["step_up_consultation"]),
            "jsna_quote": quoted(s["jsna_delay"]),
            "jsna_month": month_words(jsna["month"]),
            "design_problem_quote": quoted(s["design_sessions_problematic"]),
            "stood_down_date": when(stood_down["date"]),
            "alternative_date": when(alternative["date"]),
            "design_risk_quote": f"“{formats.text(design_risk['mitigation'])}” ({inline_link(link_of_row(design_risk), True)})",
            "corrective_quote": f"“{formats.text(actions.iloc[0]['action'])}” ({inline_link(link_of_row(actions.iloc[0]), True)})",
            "delay_quote": quoted(s["delay_cause"]),
            "offset_quote": quoted(s["consultation_offset"]),
            "delay_link": figure_link("highlight_phase3_delay_months", self.register),
            "moved_milestones": "; ".join(moved),
            "moved_link": inline_link(link_of_row(self.moved.iloc[0]), True),
            "delay_set_by": "as the highlight report states" if self.delay == self.stated_delay else "set for this run (the report states a different delay)",
        }

    # -- what the page shows ---------------------------------------------------------------------

    def status_table(self) -> Html:
        """Each phase's name (programme paper) and status on 18 October 2018 (highlight report work packages)."""
        names = self.phases.set_index("phase")["phase_name"]
        packages = self.packages[self.packages["work_package_name"].isin([f"Phase {p}" for p in names.index])].copy()
        packages["phase_name"] = [names[int(n.split()[1])] for n in packages["work_package_name"]]
        on = when(sources.get("highlight-2018-10").date)
        return table(packages, {"work_package_name": "Phase", "phase_name": "What it is (programme paper)", "status": f"Status on {on}",
                     "notes": "Notes"}, table_name="highlight_work_packages_this_period", link_header="Highlight report", with_document=False)

    def phase1_table(self) -> Html:
        rows = []
        for fid, words, fmt in PHASE1_FIGURES:
            f = data.figure(fid, self.register)
            rows.append({"what": words, "figure": fmt.format(count=formats.count(f.value), percent=formats.percent(f.value, 2)),
                         "source_id": f.source_id, "line_start": f.line_start, "line_end": f.line_end, "quote": f.quote})
        return table(pd.DataFrame(rows), {"what": "The Frailty Intervention Team", "figure": "Figure"}, kinds={"figure": "text"},
                     link_header="Programme paper", with_document=False)

    def cohort_table(self) -> Html:
        return table(self.cohort, {"locality": "Locality", "population_pct": "Share of the population", "case_management": "People for case management"},
                     table_name="paper_locality_case_management", link_header="Source lines", with_document=False)

    def specifications_table(self) -> Html:
        return table(data.load_table("paper_service_specifications"), {"service_specification": "Service specification drafted and shared"},
                     table_name="paper_service_specifications", link_header="Source lines", with_document=False)

    def flow(self) -> Html:
        flow = flow_layout(self.process)
        steps = [formats.text(r.label) for r in self.process.itertuples() if r.row_kind == "step"]
        description = (f"Flow diagram of the Case Management process in {len(steps)} steps: " + "; ".join(steps)
                       + ". Direct referrals join at review and triage; people not included are noted for a later review; "
                       "MDT reviews decide between continuing or changing the Care Plan (back to delivering it), transfer to another "
                       "setting, and discharge. The numbered list below the diagram gives each step in words.")
        return flow_svg(flow, title=self.flow_title, description=description)

    def flow_text(self) -> Html:
        return flow_steps(self.process)

    def design_table(self) -> Html:
        """How Phase 3's design was stood down and redone, in date order, from the decision record and the highlight report."""
        decided = self.decisions[self.decisions["decision_or_action"].str.contains("Phase 3")].assign(who=lambda d: d["group"])
        decided = decided.assign(what=decided["decision_or_action"])
        reminder = self._key_date("Stakeholder engagement in design workshops")
        reminder_row = self.key_dates[self.key_dates["row_order"] == reminder["row_order"]].assign(who="", what=lambda d: d["event"])
        frame = pd.concat([decided, reminder_row], ignore_index=True).sort_values("date", kind="stable")
        frame["when"] = [when(d) for d in frame["date"]]
        frame["document"] = [sources.get(s).short_title.split(",")[0] for s in frame["source_id"]]
        return table(frame, {"when": "Date", "who": "Who", "what": "What happened", "document": "Recorded in"}, kinds={"when": "text"},
                     link_header="Lines", with_document=False)

    def timeline_chart(self):
        from .. import charts

        report = sources.get("highlight-2018-10")
        marker = pd.DataFrame([{"date": report.date, "label": f"Report of {when(report.date)}"}])
        return charts.phase3_timeline_chart(self.bars, self.moves, marker, title=self.timeline_title,
                                            description=timeline_description(self.timeline_rows, self.delay))

    def timeline_table(self) -> Html:
        shown = table(self.timeline_rows, {"activity": "Activity", "revised": "Revised timeline", "original": "Original plan (derived)"},
                      wide=("activity",), with_document=False, link_header="Source lines (highlight report)")
        csv = self.timeline_rows[["activity", "revised", "original", "source_id", "line_start", "line_end"]]
        return render("chart_data.html.j2", caption="The chart's data, each activity linked to its lines:", table=shown,
                      download=download(csv, "phase3_timeline.csv", "Download the chart's data (CSV)"))

    # -- the home page's fragments (glued into book/index.md) -----------------------------------

    def home(self) -> dict:
        names = self.phases.set_index("phase")["phase_name"]
        timings = self.status[self.status["section"] == "timings"]
        rows = []
        for r in timings.itertuples():
            link = SourceLink(r.source_id, int(r.line_start), int(r.line_end), r.quote)
            first = formats.text(r.summary).split(". ")[0].rstrip(".") + "."
            rows.append({"phase": f"Phase {r.phase}", "name": names[int(r.phase)], "status": first,
                         "source": Link(link.text(False), BOOK_TO_PAGES + link.href)})
        frame = pd.DataFrame(rows)
        on = when(sources.get("highlight-2018-10").date)
        return {"home_phases": table(frame, {"phase": "Phase", "name": "What it is", "status": f"On {on}, against the plan",
                                             "source": "Highlight report"}, kinds={"source": "link"}, links=False),
                **for_book(self.figures(), "cm_total", "cm_north", "cm_central", "cm_south", "stated_delay_months")}
