"""The system-context pages: the 2017 STP and 2018 status report, and the 2020–21 strategy.

Unit tests of ``ccth_lib.page.context`` and ``ccth_lib.page.strategy_story`` (what the pages
derive: cards, status in words, the judgement joined to the strategy's tables, sums), of the
chart, and of the built site: every action of the 2017 plan, every status point, benefit and
marked item appears with the link to exactly its lines, and (in a real browser) no table or card
of the two pages is wider than the text column.

The built-site tests use the session's built site (``built_site`` in ``conftest.py``); set
``CCTH_SITE`` to the ``_build/html`` folder of a site built elsewhere to check that one instead.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest

from ccth_lib import charts, data, notebooks
from ccth_lib.page import context, strategy_story
from ccth_lib.page.context import ContextPage
from ccth_lib.page.strategy_story import StrategyStory

ROOT = Path(__file__).resolve().parents[1]
TABLES = ROOT / "data" / "tables"
PAGES = ("programme_context", "programme_strategy")


def raw(name: str) -> pd.DataFrame:
    """A table as its CSV holds it, read without the project's loader (an independent reading)."""
    return pd.read_csv(TABLES / f"{name}.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def ctx() -> ContextPage:
    return ContextPage()


@pytest.fixture(scope="module")
def story() -> StrategyStory:
    return StrategyStory()


# ---------------------------------------------------------------------------------------------
# The judgement: which strategy items continue Care Closer to Home's aims

LINK_WORDS = re.compile(r"care closer to home|frailty|admission|case management|hospital at home|rapid response|home first", re.I)


def test_the_judgement_is_recorded_data_with_its_sources():
    df = data.load_table(strategy_story.CONTINUITY)  # schema, quotes within their lines, verbatim items
    assert len(df) == len(raw(strategy_story.CONTINUITY))
    for r in df.to_dict("records"):
        assert LINK_WORDS.search(r["quote"]), f"{r['item']}: the quote does not show the link to Care Closer to Home"
        assert r["reason"].strip() and r["link"] in strategy_story.LINK_WORDS


def test_every_judged_item_names_a_row_of_its_strategy_table(story):
    assert strategy_story.unmatched(story.continuity, {n: data.load_table(n) for n in strategy_story.LABELS}) == []


def test_a_misnamed_item_is_reported():
    c = data.load_table(strategy_story.CONTINUITY).copy()
    c.loc[c.index[0], "item"] = "No such scheme"
    found = strategy_story.unmatched(c, {n: data.load_table(n) for n in strategy_story.LABELS})
    assert found == [f"{c.iloc[0]['strategy_table']}: 'No such scheme'"]


def test_every_scheme_the_strategy_names_as_care_closer_to_home_is_marked_so():
    c = raw(strategy_story.CONTINUITY)
    named = set(c.loc[c["link"] == "named as Care Closer to Home", "item"])
    printed = set()
    for name in ("strategy_efficiency_community", "strategy_efficiency_acute", "strategy_efficiency_individual", "strategy_efficiency_medicines"):
        schemes = raw(name)["scheme_name"]
        printed |= set(schemes[schemes.str.contains("Care Closer to Home")])
    assert printed and named == printed


def test_marks_leave_totals_blank_and_say_no_for_unmarked_items(story):
    community = story.community
    shown = strategy_story.with_marks(community, "strategy_efficiency_community", story.continuity)
    assert list(shown.index) == list(community.index), "the CSV row positions are kept (source links depend on them)"
    words = dict(zip(shown["scheme_name"], shown["sccth"]))
    assert words["Total"] == ""
    assert words["Shropshire Care Closer to Home - Case Management"] == "Named as Care Closer to Home"
    assert words["Telford & Wrekin Proactive Admission Avoidance - Frailty"] == "Shares Care Closer to Home's aim"
    assert words["Long Term Conditions (Respiratory & Diabetes)"] == strategy_story.NOT_MARKED


def test_savings_by_category_add_up_to_the_schemes_and_the_stated_total(story):
    csv = raw("strategy_efficiency_community")
    first = csv[csv["printing"] == "1"]
    items, total = first[first["row_kind"] == "item"], first[first["row_kind"] == "total"].iloc[0]
    by_year = story.by_year
    for col, year in (("fy2021_22", "2021/22"), ("fy2022_23", "2022/23"), ("fy2023_24", "2023/24")):
        rows = by_year[by_year["year"] == year].set_index("group")["gbp_thousands"]
        assert rows.sum() == items[col].astype(int).sum() == int(total[col])
        named = items[items["scheme_name"].str.contains("Care Closer to Home")][col].astype(int).sum()
        assert rows["Named as Care Closer to Home"] == named
    figs = story.figures()
    assert figs["community_named_2021_22"] == by_year.set_index(["year", "group"]).loc[("2021/22", "Named as Care Closer to Home"), "gbp_thousands"]
    assert figs["community_named_share_2021_22"] == round(100 * figs["community_named_2021_22"] / figs["community_total_2021_22"], 1)


def test_continuity_by_year_puts_unmarked_schemes_under_other():
    items = pd.DataFrame({"scheme_name": ["A", "B", "C"], "fy2021_22": [1, 2, None], "fy2022_23": [0, 5, 7]})
    out = strategy_story.continuity_by_year(items, "scheme_name", {"A": "named as Care Closer to Home"})
    assert out.to_dict("records") == [
        {"year": "2021/22", "group": "Named as Care Closer to Home", "gbp_thousands": 1},
        {"year": "2021/22", "group": "Other schemes", "gbp_thousands": 2},
        {"year": "2022/23", "group": "Named as Care Closer to Home", "gbp_thousands": 0},
        {"year": "2022/23", "group": "Other schemes", "gbp_thousands": 12},
    ]


@pytest.mark.parametrize(
    "row, words",
    [
        ({"value": 21.0, "value_unit": "percent", "period": "2016", "comparison": "worse", "comparator": "national average"},
         "21% (2016); worse than the national average"),
        ({"value": 0.36, "value_unit": "percent"}, "0.36%"),
        ({"value": 1409.0, "value_unit": "people"}, "1,409 people"),
        ({"value": 9.7, "value_unit": "deaths per 100,000", "period": "2013-15", "comparison": "similar", "comparator": "England average"},
         "9.7 deaths per 100,000 (2013-15); similar to the England average"),
        ({"value": None, "comparison": "better", "comparator": "average"}, "better than average"),
    ],
)
def test_population_statements_read_as_sentences(row, words):
    assert strategy_story.population_statement(row) == words


# ---------------------------------------------------------------------------------------------
# The 2017 action plans and the 2018 status report


def test_every_row_of_the_action_plan_becomes_one_card_in_order(ctx):
    plans = context.action_plans(ctx.actions, context._titles(context.ACTIONS))
    numbers = [c["number"] for p in plans for o in p["outcomes"] for c in o["cards"]]
    assert numbers == list(range(1, len(raw(context.ACTIONS)) + 1))
    assert [p["title"] for p in plans] == list(dict.fromkeys(raw(context.ACTIONS)["plan"]))
    assert sum(p["n_actions"] for p in plans) == (raw(context.ACTIONS)["row_kind"] == "action").sum()


def test_a_card_says_when_in_words(ctx):
    titles = context._titles(context.ACTIONS)
    assert context.timescale_entries({"timescale_60_days": "X", "timescale_future_date": "Ongoing"}, titles) == [
        titles["timescale_60_days"], f"{titles['timescale_future_date']}: “Ongoing”"]
    rows = ctx.actions.to_dict("records")
    empty = next(r for r in rows if r["action_id"] == "4.1.2")
    assert context.action_card(empty, 1, titles)["empty"]
    unplaced = next(r for r in rows if r["cell_count"] == 8 and isinstance(r["timescale_unplaced"], str))
    card = context.action_card(unplaced, 1, titles)
    assert card["when"] == [] and card["unplaced"] == unplaced["timescale_unplaced"] and not card["empty"]
    continuation = next(r for r in rows if r["row_kind"] == "continuation")
    assert context.action_card(continuation, 1, titles)["title"] == "Further timescale for the action above"


def test_timing_counts_cover_every_action(ctx):
    t = context.timing_counts(ctx.actions)
    assert t["actions_within_90_days"] + t["actions_later_only"] + t["actions_no_timescale"] == ctx.figures()["n_actions"]
    assert t["actions_unplaced"] == (raw(context.ACTIONS)["timescale_unplaced"] != "").sum()


def test_status_in_words(ctx):
    by_title = {p.row["title"]: p for p in ctx.parts}
    words = {t: context.status_words(p, ctx.parts) for t, p in by_title.items()}
    assert words["Workstream 1 - Community Resilience & Prevention"] == "Awaiting update"
    assert words["Telford Neighbourhood"].startswith("Updated 13 December 2017; awaiting an update from Workstream 1")
    assert words["Workstream 5 End of Life"] == "Reported below, under 6.4 End of Life"
    assert words["STP Programme Processes"] == context.NO_DATE
    assert words["Mental Health"] == "Awaiting update"
    points = raw(context.POINTS)
    assert len(by_title["Telford Neighbourhood"].points) == (points["section_number"] == "3.1").sum()
    assert len(by_title["Workstream 2 – Neighbourhood Teams"].points) == (points["workstream"] == "Workstream 2 – Neighbourhood Teams").sum()


def test_page_counts_come_from_the_tables(ctx, story):
    f = ctx.figures()
    assert f["n_partners"] == len(raw("hwbb2017_stp_partners"))
    assert f["n_status_points"] == len(raw(context.POINTS))
    assert f["n_status_sections"] == (raw(context.SECTIONS)["row_kind"] == "section").sum()
    assert f["n_key_products"] == int(float(raw("figures").set_index("id").loc[context.KEY_PRODUCTS, "value"]))
    s = story.figures()
    assert s["n_big_ticket"] == len(raw("strategy_big_ticket_items"))
    assert s["plan_after_months"] == int(raw("strategy_performance_rule")["trend_duration_threshold_months"].replace("", pd.NA).dropna().iloc[0])


@pytest.mark.parametrize("name", PAGES)
def test_the_executed_pages_glue_what_the_page_layer_computes(name, ctx, story):
    glued = notebooks.glued(ROOT / "notebooks" / f"{name}.ipynb")
    page = ctx if name == "programme_context" else story
    for key, value in page.figures().items():
        assert glued[key] == value, f"{name}: {key} glued {glued[key]!r}, the data give {value!r}"


# ---------------------------------------------------------------------------------------------
# The chart


def test_the_chart_is_readable_and_described(story):
    spec = charts.efficiency_continuity_chart(story.by_year, title=story.chart_title, what=story.chart_what).to_dict()
    assert spec["width"] <= charts.TEXT_COLUMN_PX
    for part in ("axis", "legend"):
        assert spec["config"][part]["labelFontSize"] >= 11 and spec["config"][part]["titleFontSize"] >= 11
    for r in story.by_year.itertuples():
        assert f"{r.group} £{r.gbp_thousands:,.0f}k" in spec["description"]
    assert spec["encoding"]["color"]["scale"]["domain"] == list(dict.fromkeys(story.by_year["group"]))


# ---------------------------------------------------------------------------------------------
# The built site


@pytest.fixture(scope="module")
def site(request) -> Path:
    given = os.environ.get("CCTH_SITE")
    return Path(given) if given else request.getfixturevalue("built_site")


def _parsed(site: Path, name: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup((site / "notebooks" / f"{name}.html").read_text(encoding="utf-8"), "html.parser")


def _lines(start: int, end: int) -> str:
    return f"line {start}" if start == end else f"lines {start}–{end}"


def _check_rows(html, table: str, page: str, select: str) -> int:
    """Every CSV row of ``table`` is one element ``select`` (by data-row) with one link to its lines."""
    csv = raw(table)
    box = html.select_one(f'div[data-table="{table}"]')
    assert box is not None, f"no cards of {table}"
    found = {int(el["data-row"]): el for el in box.select(select)}
    assert sorted(found) == list(range(1, len(csv) + 1)), f"{table}: rows shown {sorted(found)}"
    for number, el in found.items():
        r = csv.iloc[number - 1]
        links = el.select("a.ccth-lines")
        assert len(links) == 1, f"{table} row {number}: {len(links)} source links"
        assert links[0]["href"] == f"{page}.html#L{r['line_start']}", f"{table} row {number} links to {links[0]['href']}"
        assert links[0].get_text().strip() == _lines(int(r["line_start"]), int(r["line_end"])), f"{table} row {number}"
    return len(found)


@pytest.mark.build
def test_every_action_of_the_2017_plan_appears_with_its_link(site):
    html = _parsed(site, "programme_context")
    n = _check_rows(html, context.ACTIONS, "evidence_hwbb2017", "article[data-row]")
    assert n == len(raw(context.ACTIONS))
    box = html.select_one(f'div[data-table="{context.ACTIONS}"]')
    for r in raw(context.ACTIONS).itertuples():
        card = box.select_one(f'article[data-row="{r.row_order}"]')
        text = " ".join(card.get_text(" ").split())
        for cell in (r.key_action, r.look_and_feel, r.how_we_will_know, r.how_we_will_do_it, r.timescale_future_date, r.timescale_unplaced):
            assert " ".join(cell.split()) in text, f"action row {r.row_order}: {cell!r} is not on its card"
    assert not box.select("table"), "the action plans are cards, not a wide table"


@pytest.mark.build
def test_every_status_point_benefit_and_marked_item_appears_with_its_link(site):
    _check_rows(_parsed(site, "programme_context"), context.POINTS, "evidence_hwbb2018", "li[data-row]")
    strategy = _parsed(site, "programme_strategy")
    _check_rows(strategy, "strategy_benefits", "evidence_strategy", "li[data-row]")
    _check_rows(strategy, strategy_story.CONTINUITY, "evidence_strategy", "article[data-row]")


@pytest.mark.build
def test_the_pages_prose_has_its_glued_figures(site, ctx, story):
    text = " ".join(_parsed(site, "programme_strategy").get_text(" ").split())
    f = story.figures()
    assert f"£{f['community_named_2021_22']:,}k of the £{f['community_total_2021_22']:,}k" in text.replace("£ ", "£").replace(" k", "k")
    text = " ".join(_parsed(site, "programme_context").get_text(" ").split())
    assert f"{ctx.figures()['n_actions']} key actions in {ctx.figures()['n_action_plans']} plans" in text


# ---------------------------------------------------------------------------------------------
# In a browser: nothing wider than the text column; the chart draws offline


MEASURE = """() => {
  const article = document.querySelector('article.bd-article') || document.querySelector('main');
  const right = article.getBoundingClientRect().right;
  const out = [];
  for (const w of document.querySelectorAll('.ccth-table-wrap')) {
    const t = w.querySelector('table');
    out.push({what: 'table ' + (t.dataset.table || '(chart data)'), width: t.scrollWidth, room: w.clientWidth,
              right: w.getBoundingClientRect().right, limit: right});
  }
  for (const c of document.querySelectorAll('.ccth-card')) {
    out.push({what: 'card ' + (c.dataset.row || c.querySelector('.ccth-card-title')?.textContent || ''), width: c.scrollWidth, room: c.clientWidth,
              right: c.getBoundingClientRect().right, limit: right});
  }
  for (const s of document.querySelectorAll('.ccth-chart svg')) {
    const r = s.getBoundingClientRect();
    out.push({what: 'chart', width: r.width, room: article.clientWidth, right: r.right, limit: right});
  }
  return out;
}"""




@pytest.fixture(scope="module")
def url(site):
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.browser
@pytest.mark.build
@pytest.mark.parametrize("width", [1280, 800])
@pytest.mark.parametrize("name", PAGES)
def test_no_table_card_or_chart_is_wider_than_the_text_column(browser, url, name, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{url}/notebooks/{name}.html", wait_until="networkidle")
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")  # measure what is folded too
    if name == "programme_strategy":
        page.locator(".ccth-chart svg").first.wait_for(state="attached", timeout=20_000)
    boxes = page.evaluate(MEASURE)
    page.close()
    tables = [b for b in boxes if b["what"].startswith("table")]
    assert len(tables) >= 5 and all(b["width"] > 0 for b in boxes), "nothing measured (folded or missing)"
    wide = [b for b in boxes if b["width"] > b["room"] + 1 or b["right"] > b["limit"] + 1]
    assert not wide, f"{name} at {width}px: wider than the text column: {wide[:5]}"


@pytest.mark.browser
@pytest.mark.build
def test_the_strategy_chart_draws_offline_and_the_pages_ask_no_other_host(browser, url, tmp_path_factory):
    shots = tmp_path_factory.mktemp("context_shots")
    for name in PAGES:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        requests, errors = [], []
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{url}/notebooks/{name}.html", wait_until="networkidle")
        if name == "programme_strategy":
            chart = page.locator(".ccth-chart").first
            chart.locator("svg").first.wait_for(state="attached", timeout=20_000)
            assert "continue Care Closer to Home's aims" in (chart.get_attribute("aria-label") or "")
            assert chart.locator('[role="graphics-symbol"]').count() >= 8  # the non-zero bar segments
            assert page.locator("a.ccth-download[download='sccth_efficiency_by_year.csv']").count() == 1
        hosts = {urlparse(u).hostname for u in requests if urlparse(u).scheme in ("http", "https", "ws", "wss")}
        assert hosts <= {"127.0.0.1"}, f"{name} requested {sorted(hosts - {'127.0.0.1'})}"
        assert not errors, f"{name}: JavaScript errors {errors}"
        page.screenshot(path=str(shots / f"{name}.png"))
        page.close()
    print(f"screenshots: {shots}")
