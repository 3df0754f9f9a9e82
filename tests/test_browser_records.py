"""Real-browser tests of the searchable tables: the built site, served on 127.0.0.1, in headless
Debian chromium. A reader types in the search box of the decision record and sees the rows
filter; filters, sorting and the timeline's links to its findings work; nothing leaves 127.0.0.1."""

from __future__ import annotations

from browsing import assert_local_only

import re

import pytest

from ccth_lib import data

pytestmark = [pytest.mark.browser, pytest.mark.build]





def open_page(browser, url):
    page = browser.new_page()
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="networkidle")
    return page, requests, errors




def visible_rows(box) -> list[int]:
    """The CSV row numbers of the rows a reader sees, top to bottom."""
    return [int(n) for n in box.locator("tbody tr:visible").evaluate_all("rows => rows.map(r => r.dataset.row)")]


def test_typing_in_the_decision_records_search_box_filters_its_rows(browser, site_url):
    page, requests, errors = open_page(browser, f"{site_url}/notebooks/programme_decisions.html")
    box = page.locator(".ccth-searchable", has=page.locator("table[data-table='paper_decisions']"))
    search = box.get_by_label("Search the decisions")
    search.wait_for(state="visible", timeout=10_000)
    decisions = data.load_table("paper_decisions")
    assert visible_rows(box) == list(range(1, len(decisions) + 1))

    search.fill("Aristotle")
    expected = [i + 1 for i, t in enumerate(decisions["decision_or_action"]) if "aristotle" in t.lower()]
    assert expected and visible_rows(box) == expected
    assert box.locator(".ccth-table-count").inner_text() == f"Showing {len(expected)} of {len(decisions)} rows."
    # The row found still links to its own lines of the programme paper.
    row = decisions.iloc[expected[0] - 1]
    link = box.locator("tbody tr:visible a.ccth-lines")
    page_name, _, lines = link.get_attribute("href").partition("#")
    assert page_name == "evidence_paper.html" and re.fullmatch(rf"L{row['line_start']}(-L{row['line_end']})?", lines)
    assert link.inner_text().endswith(f"{row['line_start']}–{row['line_end']}")

    # Every word must match (case ignored): "phase 3 DESIGN" keeps the Phase 3 design entries only.
    search.fill("phase 3 DESIGN")
    words = ("phase 3", "design")
    text = decisions["group"] + " " + decisions["decision_or_action"]
    assert visible_rows(box) == [i + 1 for i, t in enumerate(text) if all(w in t.lower() for w in words)]

    search.fill("no such words anywhere")
    assert visible_rows(box) == []
    assert box.locator(".ccth-table-count").inner_text().startswith("No rows match")
    search.fill("")
    assert len(visible_rows(box)) == len(decisions)
    assert not errors, f"JavaScript errors: {errors}"
    assert_local_only(requests)
    page.close()


def test_the_group_filter_and_sorting_by_date(browser, site_url):
    page, requests, errors = open_page(browser, f"{site_url}/notebooks/programme_decisions.html")
    box = page.locator(".ccth-searchable", has=page.locator("table[data-table='paper_decisions']"))
    box.get_by_label("Search the decisions").wait_for(state="visible", timeout=10_000)
    decisions = data.load_table("paper_decisions")

    box.get_by_label("Group").select_option("Programme Board")
    assert visible_rows(box) == [i + 1 for i, g in enumerate(decisions["group"]) if g == "Programme Board"]
    box.get_by_label("Group").select_option("")

    header = box.locator("thead th").first
    header.get_by_role("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    by_date = list(decisions.sort_values(["date", "row_order"], kind="stable")["row_order"])
    assert visible_rows(box) == by_date
    header.get_by_role("button").click()
    assert header.get_attribute("aria-sort") == "descending"
    assert visible_rows(box) == list(decisions.sort_values(["date", "row_order"], ascending=[False, True], kind="stable")["row_order"])
    assert not errors, f"JavaScript errors: {errors}"
    assert_local_only(requests)
    page.close()


def test_the_timeline_draws_its_chart_and_links_each_disagreement(browser, site_url):
    page, requests, errors = open_page(browser, f"{site_url}/notebooks/programme_timeline.html")
    chart = page.locator(".ccth-chart").first
    chart.locator("svg").first.wait_for(state="attached", timeout=20_000)
    assert chart.locator('[role="graphics-symbol"]').count() >= len(data.load_table("paper_decisions"))
    box = page.locator(".ccth-searchable")
    box.get_by_label("Search the timeline").wait_for(state="visible", timeout=10_000)
    box.get_by_label("Kind").select_option("Engagement event")
    assert box.locator("tbody tr:visible").count() == len(data.load_table("paper_engagement"))
    box.get_by_label("Kind").select_option("")
    link = box.locator("a[href^='#finding-']").first
    target = link.get_attribute("href")
    link.click()
    assert page.evaluate("location.hash") == target
    assert page.locator(target).is_visible()
    assert not errors, f"JavaScript errors: {errors}"
    assert_local_only(requests)
    page.close()


def test_the_status_tables_filter_by_what_changed(browser, site_url):
    page, requests, errors = open_page(browser, f"{site_url}/notebooks/programme_status.html")
    box = page.locator(".ccth-searchable").first
    box.get_by_label("Search the work packages").wait_for(state="visible", timeout=10_000)
    a = data.load_table("highlight_work_packages_this_period").set_index("work_package_ref")["notes"]
    b = data.load_table("paper_project_plan").set_index("work_package_ref")["notes"]
    from ccth_lib.page.status import comparable

    changed = [ref for ref in b.index if comparable(a[ref]) != comparable(b[ref])]
    box.get_by_label("What changed").select_option("Note changed")
    assert box.locator("tbody tr:visible").count() == 2 * len(changed)
    first_cells = box.locator("tbody tr:visible td:first-child").all_inner_texts()
    assert sorted({int(t.split(".")[0]) for t in first_cells}) == sorted(changed)
    assert not errors, f"JavaScript errors: {errors}"
    assert_local_only(requests)
    page.close()


def test_pages_without_a_searchable_table_do_not_load_the_script(browser, site_url, built_site):
    without = next(p for p in sorted(built_site.rglob("*.html"))
                   if "_static" not in p.parts and "data-searchable" not in p.read_text(encoding="utf-8"))
    page, requests, errors = open_page(browser, f"{site_url}/{without.relative_to(built_site).as_posix()}")
    assert not [u for u in requests if "ccth-table-tools" in u]
    page.close()
    page, requests, errors = open_page(browser, f"{site_url}/notebooks/programme_decisions.html")
    assert [u for u in requests if u.endswith("_static/ccth/ccth-table-tools.js")]
    page.close()


@pytest.mark.parametrize("name", ["programme_decisions", "programme_timeline", "programme_status"])
def test_screenshot(browser, site_url, tmp_path_factory, name):
    """A screenshot of each page for people to look at (path printed with -s)."""
    page, _, _ = open_page(browser, f"{site_url}/notebooks/{name}.html")
    page.wait_for_timeout(500)
    out = tmp_path_factory.mktemp("shots") / f"{name}.png"
    page.screenshot(path=str(out), full_page=True)
    assert out.stat().st_size > 10_000
    print(f"screenshot: {out}")
    page.close()
