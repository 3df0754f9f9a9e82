"""Real-browser tests of the programme's story pages: the Appendix B flow diagram and the charts
render offline, each with its text alternative, and no request leaves 127.0.0.1."""

from __future__ import annotations

from browsing import assert_local_only


import pytest

from ccth_lib import data

pytestmark = [pytest.mark.browser, pytest.mark.build]





def open_page(browser, url, width=1280):
    page = browser.new_page(viewport={"width": width, "height": 900})
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(url, wait_until="networkidle")
    return page, requests, errors




def test_the_case_management_diagram_renders_with_its_text_equivalent(browser, site_url):
    page, requests, errors = open_page(browser, f"{site_url}/notebooks/programme_phases.html")
    process = data.load_table("paper_case_management_process")
    svg = page.locator("figure.ccth-flow svg")
    assert svg.count() == 1 and svg.is_visible()
    box = svg.bounding_box()
    column = page.locator("main").bounding_box()
    assert 300 < box["width"] <= min(640, column["width"]) + 0.5, box
    # every box drawn, with its label readable (11 px or more) and inside the diagram
    nodes = svg.locator("g.ccth-flow-node")
    assert nodes.count() == len(process)
    for i in range(nodes.count()):
        rect = nodes.nth(i).locator("rect").bounding_box()
        assert rect["width"] > 40 and rect["height"] > 20
        assert box["x"] - 0.5 <= rect["x"] and rect["x"] + rect["width"] <= box["x"] + box["width"] + 0.5
        size = nodes.nth(i).locator("text").evaluate("t => parseFloat(getComputedStyle(t).fontSize)")
        assert size >= 11
    assert svg.locator("path.ccth-flow-edge").count() == sum(len(str(v).split()) for v in process["leads_to"].fillna(""))
    # the text alternative: the SVG's own title and description, and the ordered list of steps after it
    assert svg.get_attribute("role") == "img"
    labelled = [svg.locator(f"#{i}").text_content() for i in svg.get_attribute("aria-labelledby").split()]
    assert labelled[0] and "Case Management process" in labelled[1]
    steps = page.locator("ol.ccth-flow-steps > li")
    assert steps.count() == len(process) and steps.first.is_visible()
    assert steps.first.locator("a.ccth-lines").get_attribute("href").startswith("evidence_paper.html#L")
    assert not errors, f"JavaScript errors: {errors}"
    assert_local_only(requests)
    page.close()


def test_the_phase3_timeline_chart_renders_offline(browser, site_url):
    page, requests, errors = open_page(browser, f"{site_url}/notebooks/programme_phases.html")
    chart = page.locator('.ccth-chart[aria-label^="Timeline chart of the revised Phase 3 plan"]')
    assert chart.count() == 1
    chart.locator("svg").first.wait_for(state="attached", timeout=20_000)
    timeline, moved = data.load_table("highlight_phase3_timeline"), data.load_table("highlight_phase3_delay")
    # one bar per activity of the revised timeline and one per milestone of the original plan
    bars = chart.locator('g.mark-rect [role="graphics-symbol"]')
    assert bars.count() == len(timeline) + len(moved)
    width = chart.locator("svg").first.bounding_box()["width"]
    assert width <= 640 + 0.5
    # the chart's data as a table beside it, with a CSV download
    table = chart.locator("xpath=following::div[contains(@class,'ccth-chart-data')][1]")
    assert table.locator("tbody tr").count() == len(timeline)
    assert table.locator("a.ccth-download").get_attribute("download") == "phase3_timeline.csv"
    # what the browser downloads is the CSV: a header and one line per row of the table
    csv = page.evaluate("async (a) => (await fetch(a.href)).text()", table.locator("a.ccth-download").element_handle())
    assert csv.endswith("\n") and len(csv.splitlines()) == 1 + len(timeline)
    assert page.locator(".vega-actions").count() == 0
    assert not errors, f"JavaScript errors: {errors}"
    assert_local_only(requests)
    page.close()


def test_the_vision_chart_and_the_home_page_render_offline(browser, site_url):
    page, requests, errors = open_page(browser, f"{site_url}/notebooks/programme_vision.html")
    chart = page.locator('.ccth-chart[aria-label^="Bar chart of the admissions a year to be avoided"]')
    chart.locator("svg").first.wait_for(state="attached", timeout=20_000)
    assert chart.locator('g.mark-rect [role="graphics-symbol"]').count() == 5
    assert chart.locator("svg").first.bounding_box()["width"] <= 640 + 0.5
    assert page.locator("blockquote.ccth-quote").is_visible()
    assert not errors, f"JavaScript errors: {errors}"
    assert_local_only(requests)
    page.close()
    page, requests, errors = open_page(browser, f"{site_url}/book/index.html")
    assert page.locator("blockquote.ccth-quote").is_visible()
    assert page.locator("table.ccth-table").count() >= 2
    assert not errors, f"JavaScript errors: {errors}"
    assert_local_only(requests)
    page.close()


def test_screenshots_of_the_story_pages(browser, site_url, tmp_path_factory):
    """Screenshots for people to look at (paths printed with -s)."""
    out = tmp_path_factory.mktemp("story-shots")
    for name, url in (("home", "book/index.html"), ("vision", "notebooks/programme_vision.html"), ("phases", "notebooks/programme_phases.html")):
        page, _, _ = open_page(browser, f"{site_url}/{url}")
        page.wait_for_timeout(500)
        path = out / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
        print(f"screenshot: {path}")
        page.close()
