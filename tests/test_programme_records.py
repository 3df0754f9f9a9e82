"""The programme's records, timeline and status pages: the searchable table option, the rules that
find where the records disagree with the other papers, the status comparison, the timeline chart,
and the built pages."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from ccth_lib import charts, data, sources
from ccth_lib.page import records, status, table
from ccth_lib.page.table import SEARCH_SCRIPT, Column


def soup(html) -> BeautifulSoup:
    return BeautifulSoup(str(html), "html.parser")


# --- the searchable table option ----------------------------------------------------------------


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "when": pd.to_datetime(["2018-02-15", "2017-12-04", "2018-10-16"]),
        "group": ["Programme Board", "Commissioning Team", "Programme Board"],
        "n": [10, 9, 100],
        "label": ["October & November 2018", "December 2017", "May 2019"],
        "source_id": ["paper-2018-10"] * 3,
        "line_start": [1129, 1122, 1144],
        "line_end": [1181, 1174, 1196],
        "quote": ["q1", "q2", "q3"],
    })


def test_a_table_is_not_searchable_unless_asked():
    html = str(table(frame(), {"group": "Group"}, table_name="t"))
    for marker in ("ccth-searchable", "data-searchable", "data-sort", "<script", "<select", "<input"):
        assert marker not in html
    assert html.startswith('<div class="ccth-table-wrap">')


def test_a_searchable_table_has_hidden_tools_sort_keys_and_loads_the_sites_script():
    html = soup(table(frame(), [Column("when", "Date", "date"), Column("group", "Group"), Column("n", "Count", "count")],
                      table_name="t", searchable=True, filters=("group",), search_label="Search the rows"))
    tools = html.select_one(".ccth-searchable > .ccth-table-tools")
    assert tools.has_attr("hidden"), "the tools only show once the script runs"
    assert "Search the rows" in tools.select_one("label.ccth-search").get_text()
    select = tools.select_one("select[data-column='1']")
    assert [o.get_text() for o in select.select("option")] == ["All", "Commissioning Team", "Programme Board"]
    assert html.select_one("table.ccth-table")["data-searchable"] == "true"
    rows = html.select("tbody tr")
    assert [tr.select("td")[0]["data-sort"] for tr in rows] == ["2018-02-15", "2017-12-04", "2018-10-16"]
    assert [float(tr.select("td")[2]["data-sort"]) for tr in rows] == [10, 9, 100]
    assert "data-sort" not in str(rows[0].select("td")[1]), "text cells sort by their text"
    # Still one source link per row, to that row's own lines.
    for tr, start in zip(rows, (1129, 1122, 1144)):
        links = tr.select("a.ccth-lines")
        assert len(links) == 1 and links[0]["href"].endswith(f"#L{start}")
    script = html.select_one("script").string
    assert '"_static/ccth/ccth-table-tools.js"' in script and "data-content_root" in script
    assert "http" not in script


def test_filter_options_follow_the_columns_order():
    html = soup(table(frame(), [Column("n", "Count", "count"), Column("when", "Date", "date")], searchable=True, filters=("n", "when"), links=False))
    counts, dates = html.select("select")
    assert [o.get_text() for o in counts.select("option")][1:] == ["9", "10", "100"]
    assert [o.get_text() for o in dates.select("option")][1:] == ["4 December 2017", "15 February 2018", "16 October 2018"]


def test_a_column_can_sort_by_another_columns_value():
    html = soup(table(frame(), {"label": "When"}, searchable=True, sort_keys={"label": "when"}, links=False))
    assert [td["data-sort"] for td in html.select("tbody td")] == ["2018-02-15", "2017-12-04", "2018-10-16"]


def test_searchable_options_are_checked():
    with pytest.raises(ValueError, match="searchable=True"):
        table(frame(), {"group": "Group"}, filters=("group",))
    with pytest.raises(KeyError, match="filter"):
        table(frame(), {"group": "Group"}, searchable=True, filters=("nope",))
    with pytest.raises(KeyError, match="sort-key"):
        table(frame(), {"group": "Group"}, searchable=True, sort_keys={"group": "nope"})


def test_the_script_ships_outside_static_so_only_pages_with_a_searchable_table_load_it(root):
    """Jupyter Book puts every script found under _static/ on every page."""
    import yaml

    assert SEARCH_SCRIPT == "_static/ccth/ccth-table-tools.js"
    assert (root / "_site_assets" / SEARCH_SCRIPT).is_file()
    assert not list((root / "_static").rglob("ccth-table-tools.js"))
    cfg = yaml.safe_load((root / "_config.yml").read_text())
    assert "_site_assets" in cfg["sphinx"]["config"]["html_extra_path"]
    js = (root / "_site_assets" / SEARCH_SCRIPT).read_text()
    assert "http" not in re.sub(r"/\*.*?\*/", "", js, flags=re.S), "the script requests nothing"


# --- where the records disagree -----------------------------------------------------------------


def decisions_frame(**changes) -> pd.DataFrame:
    base = {
        "row_order": [1, 2],
        "date": pd.to_datetime(["2018-08-16", "2018-10-16"]),
        "weekday_as_printed": ["Thursday", "Tuesday"],
        "group": ["Clinical Commissioning Committee (CCC)", "Programme Management Team"],
        "decision_or_action": ["Agreed the final Case Management model.", "Phase 3 design sessions stood down due to poor uptake"],
        "source_id": ["paper-2018-10"] * 2, "line_start": [1, 2], "line_end": [1, 2], "quote": ["a", "b"],
    }
    return pd.DataFrame(base | changes)


def dated(date: str, text: str) -> pd.DataFrame:
    return pd.DataFrame({"record": ["other"], "row_order": [1], "date": [pd.Timestamp(date)], "text": [text], "shown": [text],
                         "source_id": ["highlight-2018-10"], "line_start": [69], "line_end": [69], "quote": ["q"]})


def test_a_printed_weekday_that_is_not_the_dates_is_found_and_only_that():
    ok = decisions_frame()
    assert records.weekday_findings({"d": ok}) == []
    wrong = decisions_frame(weekday_as_printed=["Wednesday", "Tuesday"])
    found = records.weekday_findings({"d": wrong})
    assert len(found) == 1 and found[0][0]["row_order"] == 1
    assert found[0][0]["says"] == "16 August 2018 was a Thursday, not a Wednesday"


@pytest.mark.parametrize("date, text, found", [
    ("2018-08-15", "Case Management model approved by the CCG Clinical Commissioning Committee", True),
    ("2018-08-16", "Case Management model approved by the CCG Clinical Commissioning Committee", False),  # same day: agrees
    ("2018-07-15", "Case Management model approved by the CCG Clinical Commissioning Committee", False),  # too far apart
    ("2018-08-15", "Case Management model approved by the Programme Board", False),                     # another group
    ("2018-08-15", "Leaflet approved by the Clinical Commissioning Committee", False),                  # another subject
])
def test_a_decision_dated_differently_elsewhere(date, text, found):
    out = records.date_findings(decisions_frame(), dated(date, text), within_days=7)
    assert bool(out) is found
    if found:
        assert [s["record"] for s in out[0]] == ["paper_decisions", "other"]


def plans(text: str, planned: bool = False, until=pd.NaT) -> pd.DataFrame:
    return pd.DataFrame({"record": ["highlight_x"], "row_order": [1], "text": [text], "planned": [planned], "until": [until],
                         "when": ["October & November 2018"], "source_id": ["highlight-2018-10"], "line_start": [124],
                         "line_end": [124], "quote": ["q"]})


@pytest.mark.parametrize("text, planned, until, report, found", [
    ("Design sessions planned for October & November.", False, pd.NaT, "2018-10-18", True),
    ("Design workshops", True, pd.Timestamp("2018-11-30"), "2018-10-18", True),   # a row of the revised timeline
    ("Design workshops", True, pd.Timestamp("2018-09-30"), "2018-10-18", False),  # a plan already over
    ("Design sessions planned for October & November.", False, pd.NaT, "2018-10-01", False),  # report before the stand-down
    ("Limited uptake in the Phase 3 design sessions.", False, pd.NaT, "2018-10-18", False),   # not described as planned
    ("GP sessions planned for November.", False, pd.NaT, "2018-10-18", False),                # another activity
])
def test_an_activity_stood_down_but_still_planned(text, planned, until, report, found):
    out = records.stood_down_findings(decisions_frame(), plans(text, planned, until), report)
    assert bool(out) is found


def test_plain_text_and_written_dates():
    assert records.plain_text("on 15 <sup>th</sup> August 2018") == "on 15th August 2018"
    assert records.dates_in_text("1 <sup>st</sup> August 2018 and 26th October 2018.") == [pd.Timestamp("2018-08-01"), pd.Timestamp("2018-10-26")]


@pytest.fixture(scope="module")
def the_records():
    return records.Records.load()


def test_the_weekday_findings_are_every_mismatch_in_both_records(the_records):
    expected = []
    for name in (records.DECISIONS, records.ENGAGEMENT):
        df = data.load_table(name)
        expected += [(name, int(r.row_order)) for r in df.itertuples() if r.date.strftime("%A") != r.weekday_as_printed]
    f = the_records.findings
    got = [(r.record, int(r.row_order)) for r in f[f["kind"] == "weekday"].itertuples()]
    assert got == expected and expected


def test_the_ccc_approval_is_dated_differently_and_the_design_sessions_still_planned(the_records):
    f = the_records.findings
    date = f[f["kind"] == "date"]
    decision = data.load_table(records.DECISIONS)
    row = decision[decision["decision_or_action"].str.contains("final Case Management model")].iloc[0]
    first = date[date["record"] == records.DECISIONS]
    assert list(first["row_order"]) == [row["row_order"]]
    others = date[date["record"] != records.DECISIONS]
    assert set(others["date"]) == {pd.Timestamp("2018-08-15")} and len(others) >= 2
    assert {"highlight_key_dates", "paper_products"} <= set(others["record"])
    stood = f[f["kind"] == "stood_down"]
    assert "stood down" in stood[stood["record"] == records.DECISIONS]["statement"].iloc[0]
    assert {"highlight_phase3_timeline", "highlight_work_packages_this_period", "highlight_phase_status"} <= set(stood["record"])
    # Every statement of a finding links to lines of a registered source.
    for r in f.itertuples():
        assert r.source_id in sources.registry() and 1 <= r.line_start <= r.line_end


# --- the timeline -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def timeline_page():
    from ccth_lib.page.timeline import TimelinePage

    return TimelinePage()


def test_the_timeline_holds_every_dated_entry(timeline_page):
    e = timeline_page.entries
    n_decisions, n_engagement = len(data.load_table("paper_decisions")), len(data.load_table("paper_engagement"))
    assert (e["kind"] == "Decision").sum() == n_decisions
    assert (e["kind"] == "Engagement event").sum() == n_engagement
    assert timeline_page.figures()["n_record_entries"] == n_decisions + n_engagement == 45
    assert (e["kind"] == "Board paper").sum() == len(sources.registry())
    assert (e["kind"] == "Phase 3 milestone (revised timeline)").sum() == len(data.load_table("highlight_phase3_timeline"))
    assert (e["kind"] == "Other date in the highlight report").sum() == len(data.load_table("highlight_key_dates"))
    assert (e["start"] <= e["end"]).all()
    marked = e[e["finding"] != ""]
    assert set(zip(marked["record"], marked["row_order"])) >= {
        (r.record, r.row_order) for r in timeline_page.findings.itertuples() if r.record in set(e["record"])}


def test_time_segments_split_only_at_long_gaps():
    # gaps of about 6, 11 and 27 months
    starts = pd.to_datetime(["2017-07-06", "2018-01-01", "2018-12-01", "2021-03-01"])
    ends = starts + pd.Timedelta(days=1)
    assert len(charts.time_segments(starts, ends, 12)) == 2
    assert len(charts.time_segments(starts, ends, 30)) == 1
    assert len(charts.time_segments(starts, ends, 8)) == 3
    domain, rng = charts.piecewise_time_scale(charts.time_segments(starts, ends, 12), 440)
    assert rng[0] == 0 and rng[-1] == pytest.approx(440) and rng == sorted(rng) and domain == sorted(domain)


def test_dodged_rows_never_let_two_entries_touch():
    import random

    rng = random.Random(4)
    x0 = sorted(rng.uniform(0, 300) for _ in range(200))
    x1 = [a + rng.choice([0, 0, 30]) for a in x0]
    rows = charts.dodge_rows(x0, x1, 11)
    for row in set(rows):
        spans = [(a, b) for a, b, r in zip(x0, x1, rows) if r == row]
        assert all(nxt[0] >= prev[1] + 11 for prev, nxt in zip(spans, spans[1:]))


def test_the_timeline_chart_is_readable(timeline_page):
    spec = timeline_page.chart().to_dict()
    assert spec["description"].startswith(f"Timeline of {len(timeline_page.entries)} dated entries")
    assert spec["width"] <= charts.TEXT_COLUMN_PX
    assert spec["config"]["axis"]["labelFontSize"] >= 11 and spec["config"]["legend"]["labelFontSize"] >= 11
    points_and_bars = [layer for layer in spec["layer"] if layer["encoding"].get("color", {}).get("field") == "kind"]
    assert sum(len(spec["datasets"][layer["data"]["name"]]) for layer in points_and_bars) == len(timeline_page.entries)
    # No two entries of one lane and row closer than a point's width.
    placed, _, _ = charts.timeline_layout(timeline_page.entries, timeline_page.lanes, width=440, gap_months=12)
    for _, g in placed.groupby(["lane", "slot"]):
        g = g.sort_values("x0")
        assert (g["x0"].iloc[1:].to_numpy() >= g["x1"].iloc[:-1].to_numpy() + 11 - 1e-9).all()


# --- status over time ---------------------------------------------------------------------------

KIND = status.Kind("Things", "ref", "name", "status", "notes")
LABELS = ("Earlier", "Later")


def things(rows) -> pd.DataFrame:
    return pd.DataFrame([{"ref": r, "name": n, "status": s, "notes": t, "source_id": "paper-2018-10", "line_start": 1, "line_end": 1,
                          "quote": "q"} for r, n, s, t in rows])


def test_compare_says_what_changed():
    a = things([(1, "A", "Pending", "Same."), (2, "B", "Pending", "Old note 1 <sup>st</sup>"), (3, "C", "In progress", "x"),
                (4, "D", "Pending", "y")])
    b = things([(1, "A", "Pending", "Same"), (2, "B", "Pending", "Old note 1st"), (3, "C", "In place", "x"), (5, "E", "Pending", "z"),
                (4, "D", status.NOT_READABLE, "y")])
    out = status.compare(a, b, KIND, LABELS).drop_duplicates("item").set_index("ref")["change"]
    assert out.to_dict() == {1: "Unchanged", 2: "Unchanged", 3: "Status changed", 4: "Wording unchanged; status cannot be compared",
                             5: "Added in the programme paper"}
    strict = status.compare(a, b, KIND, LABELS, ignore_markup=False).drop_duplicates("item").set_index("ref")["change"]
    assert strict[1] == "Note changed" and strict[2] == "Note changed"
    gone = status.compare(b, a, KIND, LABELS).drop_duplicates("item").set_index("ref")["change"]
    assert gone[5] == "Not in the programme paper"


def test_compare_refuses_a_reference_listed_twice():
    with pytest.raises(ValueError, match="more than once"):
        status.compare(things([(1, "A", "P", "n"), (1, "A", "P", "n")]), things([(1, "A", "P", "n")]), KIND, LABELS)


def test_the_status_page_matches_every_item(root):
    page = status.StatusPage()
    wp = page.compared["Work packages"]
    n = len(data.load_table("paper_project_plan"))
    assert len(wp) == 2 * n and (wp.groupby("item").size() == 2).all()
    by_ref = wp.drop_duplicates("item").set_index("work_package_ref")["change"]
    a = data.load_table("highlight_work_packages_this_period").set_index("work_package_ref")
    b = data.load_table("paper_project_plan").set_index("work_package_ref")
    for ref in b.index:
        same = status.comparable(a.loc[ref, "notes"]) == status.comparable(b.loc[ref, "notes"])
        assert (by_ref[ref] == "Unchanged") is same
    products = page.compared["Products"].drop_duplicates("item").set_index("product_ref")["change"]
    added = set(data.load_table("paper_products")["product_ref"]) - set(data.load_table("highlight_products")["product_ref"])
    assert {r for r, c in products.items() if c == "Added in the programme paper"} == added
    s = page.summary.set_index("what")
    for name, df in page.compared.items():
        items = df.drop_duplicates("item")
        assert s.loc[name, "unchanged"] + (items["change"] != "Unchanged").sum() == len(items)
    assert status.status_words("In Progress") == "In progress" and status.status_words("In progress (delay)") == "In progress (delay)"


# --- the built pages ----------------------------------------------------------------------------


def page_of(site, name) -> BeautifulSoup:
    return BeautifulSoup((site / "notebooks" / f"{name}.html").read_text(encoding="utf-8"), "html.parser")


@pytest.mark.build
def test_the_decisions_page_shows_both_records_searchable(built_site):
    html = page_of(built_site, "programme_decisions")
    for name in ("paper_decisions", "paper_engagement"):
        t = html.select_one(f"table[data-table='{name}']")
        assert t is not None and t.get("data-searchable") == "true"
        assert len(t.select("tbody tr")) == len(data.load_table(name))
        assert all(len(tr.select("a.ccth-lines")) == 1 for tr in t.select("tbody tr"))
        headers = [th.get_text() for th in t.select("thead th")]
        assert not any("_" in h for h in headers), headers
    assert html.select_one("a[href$='book/decisions_log.html']"), "links the Analysis decisions log"
    text = html.get_text(" ")
    assert "Monday 4 December 2017" in text and "2017-12-04" not in re.sub(r'data-sort="[^"]*"', "", text)
    assert (built_site / SEARCH_SCRIPT).is_file()
    csvs = [a["href"] for a in html.select("ul.ccth-contents a[href$='.csv']")]
    assert csvs == ["../tables/paper_decisions.csv", "../tables/paper_engagement.csv"]
    assert all((built_site / "notebooks" / href).resolve().is_file() for href in csvs)


@pytest.mark.build
def test_only_pages_with_a_searchable_table_load_the_script(built_site):
    for path in built_site.rglob("*.html"):
        if "_static" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        loads = "ccth-table-tools.js" in text
        assert loads == ("data-searchable" in text), path.relative_to(built_site)


@pytest.mark.build
def test_the_timeline_page_has_its_chart_data_and_findings(built_site, timeline_page):
    html = page_of(built_site, "programme_timeline")
    charts_ = html.select(".ccth-chart")
    assert len(charts_) == 1 and "dated entries" in charts_[0]["aria-label"]
    data_table = html.select_one("table[data-searchable]")
    assert len(data_table.select("tbody tr")) == len(timeline_page.entries)
    assert html.select_one("a.ccth-download[download='programme_timeline.csv']")
    n = timeline_page.findings["finding"].nunique()
    for i in range(1, n + 1):
        block = html.select_one(f"#finding-{i}")
        assert block is not None and block.select("a.ccth-lines")
    for a in data_table.select("a[href^='#finding-']"):
        assert html.select_one(a["href"]) is not None


@pytest.mark.build
def test_the_status_page_tables(built_site):
    html = page_of(built_site, "programme_status")
    searchable = html.select("table[data-searchable]")
    assert len(searchable) == 4
    wp = searchable[0]
    assert len(wp.select("tbody tr")) == len(data.load_table("paper_project_plan")) + len(data.load_table("highlight_work_packages_this_period"))
    for tr in wp.select("tbody tr"):
        assert len(tr.select("a.ccth-lines")) == 1
    text = html.get_text(" ")
    assert "not determinable" not in text and "in_progress" not in text
