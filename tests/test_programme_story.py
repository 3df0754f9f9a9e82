"""The programme's story for stakeholders: the home page, the vision page and the phases page.

Unit tests of their page modules (months, the Phase 3 original plan, the flow diagram's layout,
the text equivalent, parameters), a papermill run of the phases page with another delay, and
checks of the built pages (marked ``build``: they build the book once per session).
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from ccth_lib import data, notebooks, sources
from ccth_lib.models.parameters import ParameterError
from ccth_lib.page import phases, vision


def soup(html) -> BeautifulSoup:
    return BeautifulSoup(str(html), "html.parser")


def words(text: str) -> str:
    return " ".join(str(text).split())


# ---------------------------------------------------------------------------------------------
# Months and the Phase 3 original plan


@pytest.mark.parametrize("month, n, expected", [("2019-03", -4, "2018-11"), ("2019-01", -1, "2018-12"), ("2018-12", 1, "2019-01"),
                                                ("2019-05", -4, "2019-01"), ("2018-10", 0, "2018-10"), ("2018-11", 14, "2020-01")])
def test_month_arithmetic(month, n, expected):
    assert phases.month_add(month, n) == expected


def test_months_in_words():
    assert phases.months_words("2018-10", "2018-11") == "October – November 2018"
    assert phases.months_words("2019-03", "2019-03") == "March 2019"
    assert phases.months_words("2018-12", "2019-01") == "December 2018 – January 2019"
    assert vision.when("2017-07-06") == "6 July 2017"
    assert vision.when("2021-03") == "March 2021"
    assert vision.when(pd.Timestamp("2018-10-16")) == "16 October 2018"


def test_the_original_plan_is_each_moved_milestone_less_the_stated_delay():
    timeline, moved = data.load_table("highlight_phase3_timeline"), data.load_table("highlight_phase3_delay")
    delay = int(data.figure("highlight_phase3_delay_months").value)
    bars, moves, rows = phases.timeline_frames(timeline, moved, delay)
    assert len(rows) == len(timeline) and list(rows["activity"]) == list(timeline["activity"])
    assert (bars["plan"] == phases.REVISED).sum() == len(timeline)
    originals = bars[bars["plan"] == phases.ORIGINAL]
    assert len(originals) == len(moved) == len(moves)
    by_row = timeline.set_index("row_order")
    for m in moved.itertuples():
        activity = by_row.loc[m.timeline_row, "activity"]
        assert by_row.loc[m.timeline_row, "month_start"] == m.revised_month
        expected = phases.month_add(m.revised_month, -delay)
        bar = originals[originals["activity"] == activity]
        assert list(bar["start"]) == [f"{expected}-01"]
        assert rows.set_index("activity").loc[activity, "original"] == phases.month_words(expected)
    # every activity not moved by the delay has no original month
    assert (rows["original"] == "").sum() == len(timeline) - len(moved)
    # the printed months of the highlight report: March 2019 and May 2019, so November 2018 and January 2019
    assert set(rows.loc[rows["original"] != "", "original"]) == {
        phases.month_words(phases.month_add(m, -delay)) for m in moved["revised_month"]}


def test_a_milestone_that_disagrees_with_its_timeline_row_is_an_error():
    timeline, moved = data.load_table("highlight_phase3_timeline"), data.load_table("highlight_phase3_delay").copy()
    moved.loc[0, "revised_month"] = "2019-04"
    with pytest.raises(ValueError, match="is not timeline row"):
        phases.timeline_frames(timeline, moved, 4)
    moved = data.load_table("highlight_phase3_delay").copy()
    moved.loc[0, "timeline_row"] = 99
    with pytest.raises(ValueError, match="no timeline row 99"):
        phases.timeline_frames(timeline, moved, 4)


@pytest.mark.parametrize("bad", [13, -1, 2.5, True, "4"])
def test_the_delay_parameter_is_checked(bad):
    with pytest.raises(ParameterError, match=r"parameter delay_months=.*0 to 12"):
        phases.PhasesPage(delay_months=bad)


def test_the_timeline_chart_is_described_and_sized_to_the_column():
    from ccth_lib import charts

    page = phases.PhasesPage()
    spec = page.timeline_chart().to_dict()
    assert spec["description"].startswith("Timeline chart of the revised Phase 3 plan")
    for activity in data.load_table("highlight_phase3_timeline")["activity"]:
        assert words(activity) in spec["description"]
    assert spec["width"] <= charts.TEXT_COLUMN_PX
    assert spec["config"]["axis"]["labelFontSize"] >= 11
    # labels are wrapped into lines, never cut: the words of every wrapped label are the activity's
    for bar in page.bars.itertuples():
        assert bar.row.replace("\n", " ") == words(bar.activity)


# ---------------------------------------------------------------------------------------------
# The case-management flow diagram


def _process():
    return data.load_table("paper_case_management_process")


def _overlap(a, b) -> bool:
    return a.x < b.right and b.x < a.right and a.y < b.bottom and b.y < a.bottom


def _on_border(point, box, tol=0.6) -> bool:
    x, y = point
    inside_x, inside_y = box.x - tol <= x <= box.right + tol, box.y - tol <= y <= box.bottom + tol
    on_x = abs(x - box.x) <= tol or abs(x - box.right) <= tol
    on_y = abs(y - box.y) <= tol or abs(y - box.bottom) <= tol
    return (on_x and inside_y) or (on_y and inside_x)


def _crosses(segment, box, tol=0.6) -> bool:
    """An axis-aligned segment passes through the inside of a box."""
    (x1, y1), (x2, y2) = segment
    if abs(x1 - x2) <= 1e-9:
        lo, hi = sorted((y1, y2))
        return box.x + tol < x1 < box.right - tol and lo < box.bottom - tol and hi > box.y + tol
    if abs(y1 - y2) <= 1e-9:
        lo, hi = sorted((x1, x2))
        return box.y + tol < y1 < box.bottom - tol and lo < box.right - tol and hi > box.x + tol
    raise AssertionError(f"segment {segment} is not horizontal or vertical")


def test_the_flow_places_every_row_once_inside_the_drawing_without_overlaps():
    process = _process()
    flow = phases.flow_layout(process)
    assert [b.row_order for b in flow.boxes] == sorted(process["row_order"].astype(int))
    assert flow.width <= 640
    for b in flow.boxes:
        assert 0 <= b.x and b.right <= flow.width and 0 <= b.y and b.bottom <= flow.height, b
        assert " ".join(b.lines) == words(process.set_index("row_order").loc[b.row_order, "label"])
    for i, a in enumerate(flow.boxes):
        for b in flow.boxes[i + 1:]:
            assert not _overlap(a, b), f"boxes {a.row_order} and {b.row_order} overlap"


def test_the_flow_draws_every_arrow_from_border_to_border_through_no_other_box():
    process = _process()
    flow = phases.flow_layout(process)
    expected = {(int(r.row_order), t) for r in process.itertuples() for t in phases.leads_to(r.leads_to)}
    assert {(e.source, e.target) for e in flow.edges} == expected
    for e in flow.edges:
        a, b = flow.box_of[e.source], flow.box_of[e.target]
        assert _on_border(e.points[0], a), f"arrow {e.source}→{e.target} does not start on its box"
        assert _on_border(e.points[-1], b), f"arrow {e.source}→{e.target} does not end on its box"
        for segment in zip(e.points, e.points[1:]):
            for other in flow.boxes:
                if other.row_order not in (e.source, e.target):
                    assert not _crosses(segment, other), f"arrow {e.source}→{e.target} crosses box {other.row_order}"


def test_steps_run_down_the_centre_in_printed_order_and_decisions_loop_back():
    process = _process()
    flow = phases.flow_layout(process)
    steps = [flow.box_of[int(r)] for r in process.loc[process["row_kind"] == "step", "row_order"]]
    assert len({round(b.cx, 3) for b in steps}) == 1
    assert [b.y for b in steps] == sorted(b.y for b in steps)
    back = [e for e in flow.edges if e.back]
    decisions = process[process["row_kind"] == "decision"]
    assert {(e.source, e.target) for e in back} == {(int(r.row_order), t) for r in decisions.itertuples() for t in phases.leads_to(r.leads_to)}
    assert back, "the process's cycle (continue or change the Care Plan) is drawn"


def test_an_arrow_to_an_unknown_row_is_an_error():
    process = _process().copy()
    process.loc[0, "leads_to"] = "2 99"
    with pytest.raises(ValueError, match=r"leads_to names row\(s\) \[99\]"):
        phases.flow_layout(process)


def test_the_diagram_is_an_svg_with_a_title_a_description_and_every_label():
    page = phases.PhasesPage()
    html = soup(page.flow())
    svg = html.select_one("figure.ccth-flow svg")
    assert svg["role"] == "img" and svg["aria-labelledby"] == "ccth-flow-title ccth-flow-desc"
    assert svg.select_one("title#ccth-flow-title").get_text() == page.flow_title
    assert "Flow diagram of the Case Management process" in svg.select_one("desc").get_text()
    process = _process()
    nodes = svg.select("g.ccth-flow-node")
    assert [int(g["data-row"]) for g in nodes] == list(process["row_order"].astype(int))
    for g, label in zip(nodes, process["label"]):
        assert " ".join(t.get_text() for t in g.select("tspan")) == words(label)
    assert len(svg.select("path.ccth-flow-edge")) == sum(len(phases.leads_to(v)) for v in process["leads_to"])
    assert "<script" not in str(html) and "http" not in str(html).replace("http://www.w3.org/2000/svg", "")


def test_the_text_equivalent_lists_every_row_with_its_own_lines():
    html = soup(phases.PhasesPage().flow_text())
    process = _process()
    items = html.select("ol.ccth-flow-steps > li")
    assert len(items) == len(process)
    for li, r in zip(items, process.itertuples()):
        assert li.select_one("strong").get_text() == words(r.label)
        assert words(r.what_happens) in words(li.get_text())
        link = li.select("a.ccth-lines")
        assert len(link) == 1 and link[0]["href"] == f"evidence_paper.html#L{r.line_start}"
        lines = f"line {r.line_start}" if r.line_start == r.line_end else f"lines {r.line_start}–{r.line_end}"
        assert link[0].get_text() == lines
        targets = [a["href"] for a in li.select("a:not(.ccth-lines)")]
        assert targets == [f"#case-management-step-{t}" for t in phases.leads_to(r.leads_to)]


# ---------------------------------------------------------------------------------------------
# The vision page and the home page's fragments


def test_the_vision_page_figures_are_the_registers():
    page = vision.VisionPage()
    figs = page.figures()
    fig = lambda fid: data.figure(fid).value  # noqa: E731
    assert figs["target"] == fig("paper_target_circa_3000")
    assert figs["optimity_avoidances"] == fig("paper_optimity_admission_avoidances")
    assert figs["future_fit_target"] == fig("paper_future_fit_target")
    assert figs["stp_money_m"] == fig("hwbb2017_stp_resources_used_differently_74m")
    assert figs["stp_avoidable_admissions"] == fig("hwbb2017_avoidable_nel_admissions_c4000")
    assert list(page.targets["admissions"]) == [fig(t.figure_id) for t in vision.TARGET_FIGURES]
    assert list(page.targets["value_text"]) == ["c4,000", "4,586", "2,689", "circa 3,000", "4,586"]


def test_the_vision_is_quoted_from_its_lines():
    row = vision.statements().loc["vision"]
    text = words(" ".join(sources.lines(row["source_id"])[row["line_start"] - 1:row["line_end"]]))
    assert words(row["statement"]) in text
    quote = soup(vision.VisionPage().vision())
    assert words(row["statement"]) in words(quote.get_text())
    assert quote.select_one("a")["href"] == f"evidence_paper.html#L{row['line_start']}"


def test_home_fragments_link_from_the_book_folder():
    home = vision.VisionPage().home() | phases.PhasesPage().home()
    for name in ("home_vision", "home_documents", "home_phases"):
        hrefs = [a["href"] for a in soup(home[name]).select("a")]
        assert hrefs and all(h.startswith("../notebooks/") for h in hrefs), (name, hrefs)
    registry = sorted(sources.registry().values(), key=lambda s: s.date)
    assert soup(home["home_first_date"]).get_text() == vision.when(registry[0].date)
    assert soup(home["home_last_date"]).get_text() == vision.when(registry[-1].date)
    assert len(soup(home["home_documents"]).select("tbody tr")) == len(registry)
    rows = soup(home["home_phases"]).select("tbody tr")
    assert len(rows) == len(data.load_table("paper_phases"))
    timings = data.load_table("highlight_phase_status").query("section == 'timings'")
    for tr, r in zip(rows, timings.itertuples()):
        assert tr.select_one("a")["href"] == f"../notebooks/evidence_highlight.html#L{r.line_start}"
        assert words(r.summary).startswith(tr.select("td")[2].get_text().rstrip("."))


def test_statement_topics_are_unique_across_the_documents():
    said = vision.statements()
    assert said.index.is_unique
    assert {"vision", "optimity_deloitte_observation", "step_up_beds_deferred", "delay_cause"} <= set(said.index)


# ---------------------------------------------------------------------------------------------
# The phases page re-run with another delay (papermill), and its committed figures


def _moved_phrase(nb_path) -> str:
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            meta = out.get("metadata", {}).get("scrapbook", {})
            if meta.get("name") == "moved_milestones":
                return out["data"]["application/papermill.record/text/markdown"]
    raise AssertionError("moved_milestones is not glued")


def test_a_run_with_another_delay_moves_only_the_original_plan(tmp_path, root):
    pg = notebooks.page("programme_phases")
    out = notebooks.execute(pg.template, tmp_path / "phases.ipynb", {"delay_months": 2})
    base, new = notebooks.glued(root / "notebooks" / "programme_phases.ipynb"), notebooks.glued(out)
    assert base["delay_months"] == base["stated_delay_months"] == int(data.figure("highlight_phase3_delay_months").value)
    assert new["delay_months"] == 2 and new["stated_delay_months"] == base["stated_delay_months"]
    changed = {k for k in base if base[k] != new[k]}
    assert changed == {"delay_months"}
    moved = data.load_table("highlight_phase3_delay")
    phrase = _moved_phrase(out)
    for m in moved.itertuples():
        assert f"{m.revised_as_printed} (in the original plan, {phases.month_words(phases.month_add(m.revised_month, -2))})" in phrase


def test_a_run_with_an_impossible_delay_fails_with_a_clear_error(tmp_path):
    import papermill as pm

    pg = notebooks.page("programme_phases")
    with pytest.raises(pm.PapermillExecutionError, match=r"parameter delay_months=13"):
        notebooks.execute(pg.template, tmp_path / "phases.ipynb", {"delay_months": 13})


# ---------------------------------------------------------------------------------------------
# The built pages


def _text(path) -> str:
    """The page's text as read: glued values run on into the words around them ("£74 million");
    without what is hidden (a linked number's pop-up text, shown on hover and focus only)."""
    html = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    for hidden in html.select("[hidden]"):
        hidden.decompose()
    return re.sub(r"\s+", " ", html.get_text(""))


@pytest.mark.build
def test_the_home_page_tells_the_programme_not_the_arithmetic(built_site):
    page = built_site / "book" / "index.html"
    html = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    text = _text(page)
    target = data.figure("paper_target_circa_3000").value
    cohort = data.load_table("paper_locality_case_management").set_index("locality")["case_management"]
    delay = int(data.figure("highlight_phase3_delay_months").value)
    assert f"circa {target:,.0f} emergency admissions avoided a year" in text
    assert f"{cohort['Total']:,} people for case management" in text
    assert f"North {cohort['North']:,}, Central {cohort['Central']:,} and South {cohort['South']:,}" in text
    assert f"A {delay}-month delay to Phase 3" in text
    assert f"{len(data.load_table('paper_phases'))} phases" in text
    registry = sorted(sources.registry().values(), key=lambda s: s.date)
    assert f"The evidence spans {vision.when(registry[0].date)} to {vision.when(registry[-1].date)}, in {len(registry)} public documents" in text
    assert words(vision.statements().loc["vision", "statement"]) in text
    # the audit sentence links to the reconciliation register; the arithmetic finding is not the headline
    assert html.select_one('a[href="../notebooks/reconciliation_register.html"]')
    assert "add up to" not in text and "usually avoidable" not in text
    for sid, s in sources.registry().items():
        assert html.select_one(f'a[href="../notebooks/{s.page}.html"]'), sid
    for p in ("programme_vision", "programme_phases", "programme_decisions", "programme_timeline", "programme_status",
              "programme_context", "programme_strategy", "evidence_catalogue"):
        assert html.select_one(f'a[href="../notebooks/{p}.html"]'), p
    # every link of the home page's tables and quote lands on an evidence page (source links on a line)
    hrefs = [a["href"] for a in html.select("a.ccth-lines")]
    assert all(re.fullmatch(r"\.\./notebooks/evidence_[a-z0-9]+\.html(#L\d+)?", h) for h in hrefs), hrefs
    assert sum("#L" in h for h in hrefs) == 1 + len(data.load_table("paper_phases"))


@pytest.mark.build
def test_the_vision_page_quotes_and_glues_its_figures(built_site):
    text = _text(built_site / "notebooks" / "programme_vision.html")
    fig = lambda fid: data.figure(fid).value  # noqa: E731
    assert f"£{fig('hwbb2017_stp_resources_used_differently_74m'):,.0f} million might be used differently" in text
    assert f"c{fig('hwbb2017_avoidable_nel_admissions_c4000'):,.0f} avoidable admissions a year" in text
    assert f"equating to {fig('paper_optimity_admission_avoidances'):,.0f} admissions avoided a year" in text
    assert f"Optimity’s estimate, above, is followed by a target of {fig('paper_future_fit_target'):,.0f}" in text
    assert f"target of circa {fig('paper_target_circa_3000'):,.0f} admissions avoided a year" in text
    assert f"{fig('paper_target_share_of_nel_pct'):.1f}% of the {fig('paper_nel_total_restated'):,.0f} emergency admissions" in text
    said = vision.statements()
    for topic in ("vision", "community_services_review", "optimity_deloitte_observation", "services_joined_up"):
        assert words(said.loc[topic, "statement"]) in text, topic


@pytest.mark.build
def test_the_phases_page_has_its_diagram_its_text_equivalent_and_its_chart(built_site):
    page = built_site / "notebooks" / "programme_phases.html"
    html = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    text = _text(page)
    process = _process()
    svg = html.select_one("figure.ccth-flow svg")
    assert svg is not None and len(svg.select("g.ccth-flow-node")) == len(process)
    assert len(html.select("ol.ccth-flow-steps > li")) == len(process)
    charts = html.select("div.ccth-chart")
    assert any("revised Phase 3 plan" in (c.get("aria-label") or "") for c in charts)
    fig = lambda fid: data.figure(fid).value  # noqa: E731
    assert f"More than {fig('paper_fit_weekly_caseload_additions'):,.0f} patients join its caseload each week" in text
    assert f"fell to {fig('paper_fit_conversion_rate_pct'):.2f}%, from {fig('paper_fit_conversion_rate_previous_pct'):.2f}%" in text
    assert f"delayed by {int(fig('highlight_phase3_delay_months'))} months" in text
    for m in data.load_table("highlight_phase3_delay").itertuples():
        original = phases.month_words(phases.month_add(m.revised_month, -int(fig("highlight_phase3_delay_months"))))
        assert f"{m.revised_as_printed} (in the original plan, {original})" in text
    # the page loads no script of its own for the diagram: it is drawn before the page is served
    assert not [s for s in html.select("script[src]") if "mermaid" in s["src"]]
