"""Real browser: a reader follows a number to its source lines with the keyboard alone.

On the programme paper's evidence page, three figures (the Optimity total 2,963, the
case-management total 8,793 and Appendix A's 2020/21 target total 1,772) are reached with Tab;
their pop-up (and their accessible description, what a screen reader reads) gives the document,
the line and the verbatim quote; Enter lands on the line, which is highlighted, focused and
prints the number. A row's link to several lines highlights the whole range.
"""

from __future__ import annotations

import re

import pytest

from ccth_lib import cells, data, sources

pytestmark = [pytest.mark.browser, pytest.mark.build]

PAGE = "notebooks/evidence_paper.html"

#: (table, how to find the row, column, the number as shown)
FIGURES = [
    ("paper_optimity_avoidability", {"printing": 1, "row_kind": "total"}, "usually_avoidable", "2,963"),
    ("paper_locality_model", {"locality": "Total"}, "case_management", "8,793"),
    ("paper_trajectory", {"locality": "Total", "year": "2020/21"}, "nel_avoidance_target", "1,772"),
]




@pytest.fixture
def page(browser, site_url):
    pg = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(f"{site_url}/{PAGE}", wait_until="networkidle")
    yield pg
    assert not errors, f"JavaScript errors: {errors}"
    pg.close()


def row_of(table: str, where: dict) -> tuple[int, dict]:
    df = data.load_table(table)
    mask = True
    for k, v in where.items():
        mask = mask & (df[k] == v)
    (i,) = df.index[mask]
    return int(i) + 1, df.loc[i].to_dict()


def open_table_by_keyboard(pg, table: str) -> None:
    """Open the table's collapsed section: focus its summary and press Enter."""
    from ccth_lib.page.evidence import anchor

    summary = pg.locator(f"section#{anchor(table)} details.ccth-table-details > summary")
    summary.focus()
    pg.keyboard.press("Enter")
    assert summary.evaluate("s => s.parentElement.open")


def tab_to(pg, locator) -> None:
    """Put the focus on the element before ``locator`` in tab order, then press Tab once."""
    locator.scroll_into_view_if_needed()
    locator.evaluate(
        """el => {
            const all = [...document.querySelectorAll('a[href], button, input, select, summary, [tabindex]:not([tabindex="-1"])')]
              .filter(e => e.offsetParent !== null || e === el);
            const i = all.indexOf(el);
            (all[i - 1] || document.body).focus();
        }"""
    )
    pg.keyboard.press("Tab")
    assert locator.evaluate("el => document.activeElement === el"), "Tab did not reach the link"


def accessible(pg, selector: str) -> dict:
    """The accessible name and description of an element, as the browser gives them to screen readers."""
    cdp = pg.context.new_cdp_session(pg)
    doc = cdp.send("DOM.getDocument", {"depth": 0})
    node = cdp.send("DOM.querySelector", {"nodeId": doc["root"]["nodeId"], "selector": selector})
    tree = cdp.send("Accessibility.getPartialAXTree", {"nodeId": node["nodeId"], "fetchRelatives": False})
    ax = next(n for n in tree["nodes"] if not n.get("ignored"))
    return {k: (ax.get(k) or {}).get("value", "") for k in ("name", "description")}


def highlighted(pg) -> list[str]:
    return pg.locator("pre.ccth-source span.ccth-hl").all_inner_texts()


@pytest.mark.parametrize("table, where, column, shown", FIGURES, ids=[f[0] for f in FIGURES])
def test_a_number_is_one_tab_and_enter_from_its_source_line(page, table, where, column, shown, tmp_path_factory):
    number, row = row_of(table, where)
    line = cells.lines_of(row, column)
    assert line is not None and line.start == line.end, "the figure has its own line in cell_lines"
    printed = sources.lines(row["source_id"])[line.start - 1]
    short = sources.get(row["source_id"]).short_title

    open_table_by_keyboard(page, table)
    selector = f"table[data-table='{table}'] tr[data-row='{number}'] a.ccth-cell[data-column='{column}']"
    link = page.locator(selector)
    assert link.inner_text() == shown
    tab_to(page, link)

    # the pop-up, shown on focus: document, line and the verbatim text of that line
    popup = page.locator(".ccth-popup")
    popup.wait_for(state="visible", timeout=5_000)
    text = popup.inner_text()
    assert text.startswith(f"{short}, line {line.start}: “{' '.join(printed.split())}”"), text
    assert shown.replace(",", "") in text.replace(",", "")
    # what a screen reader reads: the number, described by the same words
    ax = accessible(page, selector)
    assert ax["name"] == shown and ax["description"] == text
    if table == "paper_optimity_avoidability":
        out = tmp_path_factory.mktemp("shots") / "popup_on_focus.png"
        page.screenshot(path=str(out))
        print(f"screenshot: {out}")
    page.keyboard.press("Escape")
    assert popup.is_hidden()

    # Enter: the landing line is the number's, highlighted, focused and in view; it prints the number
    page.keyboard.press("Enter")
    page.wait_for_function(f"location.hash === '#L{line.start}'")
    # the landing script highlights after the hash changes (on a loaded machine, a moment later)
    page.wait_for_function("document.querySelectorAll('pre.ccth-source span.ccth-hl').length > 0", timeout=10_000)
    assert highlighted(page) and all(shown.replace(",", "") in t.replace(",", "") for t in highlighted(page))
    target = page.locator(f"pre.ccth-source span#L{line.start}")
    assert target.evaluate("el => document.activeElement === el")
    assert target.evaluate("el => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }")
    assert re.search(rf"(?<![\d,]){re.escape(shown)}(?![\d,])|(?<!\d){shown.replace(',', '')}(?!\d)", target.inner_text())


def test_a_rows_link_highlights_its_whole_range(page, tmp_path_factory):
    table, where = "paper_optimity_avoidability", {"printing": 1, "row_kind": "total"}
    number, row = row_of(table, where)
    start, end = int(row["line_start"]), int(row["line_end"])
    assert end > start
    open_table_by_keyboard(page, table)
    link = page.locator(f"table[data-table='{table}'] tr[data-row='{number}'] a.ccth-lines")
    assert link.get_attribute("href").endswith(f"#L{start}-L{end}")  # the script's address for a range
    tab_to(page, link)
    assert page.locator(".ccth-popup").inner_text().startswith(f"{sources.get(row['source_id']).short_title}, lines {start}–{end}")
    page.keyboard.press("Enter")
    page.wait_for_function(f"location.hash === '#L{start}-L{end}'")
    # the landing script highlights after the hash changes (on a loaded machine, a moment later)
    page.wait_for_function("document.querySelectorAll('pre.ccth-source span.ccth-hl').length > 0", timeout=10_000)
    lines = sources.lines(row["source_id"])
    assert [" ".join(t.split()[1:]) for t in highlighted(page)] == [" ".join(x.split()) for x in lines[start - 1 : end]]
    out = tmp_path_factory.mktemp("shots") / "highlighted_range.png"
    page.screenshot(path=str(out))
    print(f"screenshot: {out}")


def test_hover_shows_the_same_pop_up(page):
    table = "paper_trajectory"
    number, row = row_of(table, {"locality": "Total", "year": "2020/21"})
    open_table_by_keyboard(page, table)
    link = page.locator(f"table[data-table='{table}'] tr[data-row='{number}'] a.ccth-cell[data-column='nel_avoidance_target']")
    link.scroll_into_view_if_needed()
    link.hover()
    popup = page.locator(".ccth-popup")
    popup.wait_for(state="visible", timeout=5_000)
    assert f"line {cells.lines_of(row, 'nel_avoidance_target').start}: “1772”" in popup.inner_text()
    page.mouse.move(5, 5)
    popup.wait_for(state="hidden", timeout=5_000)
