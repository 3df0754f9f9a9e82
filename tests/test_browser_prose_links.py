"""Real browser: a reader follows a number in the prose to the lines that print it, keyboard alone.

On three pages (the home page, the three phases and the vision page), a number the documents
print, pasted into a sentence, is reached with Tab; its pop-up (and its accessible description)
gives the document, the lines and the verbatim quote; Enter opens the evidence page on those
lines, highlighted and focused, and they print the number.
"""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from ccth_lib import sources
from test_browser_provenance import accessible, highlighted, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.build]


def _home_cohort():
    from ccth_lib.page.phases import PhasesPage

    return PhasesPage().home()["book_cm_total"]


def _phase1_target():
    from ccth_lib.page.phases import PhasesPage

    return PhasesPage().figures()["fit_target"]


def _vision_1to3():
    from ccth_lib.page.vision import VisionPage

    return VisionPage().figures()["nel_1to3_ltc"]


#: (the page, the sourced number as the page layer glues it)
NUMBERS = [
    ("book/index.html", _home_cohort),
    ("notebooks/programme_phases.html", _phase1_target),
    ("notebooks/programme_vision.html", _vision_1to3),
]


@pytest.fixture
def browser_page(browser):
    pg = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    assert not errors, f"JavaScript errors: {errors}"
    pg.close()


@pytest.mark.parametrize("path, number", NUMBERS, ids=[p for p, _ in NUMBERS])
def test_a_number_in_prose_is_one_tab_and_enter_from_the_lines_printing_it(browser_page, site_url, path, number):
    value = number()
    glued = BeautifulSoup(value.markdown, "html.parser").select_one("a.ccth-cell")
    shown, popup_id = glued.get_text(), glued["aria-describedby"]
    sid = next(s for s, src in sources.registry().items() if glued["href"].rpartition("/")[2].startswith(f"{src.page}.html#"))
    start = int(glued["href"].rpartition("#L")[2])
    end = int(glued.get("data-lines", f"{start}-{start}").partition("-")[2])
    lines = sources.lines(sid)[start - 1:end]
    short = sources.get(sid).short_title

    page = browser_page
    page.goto(f"{site_url}/{path}", wait_until="networkidle")
    selector = f"a.ccth-cell[aria-describedby='{popup_id}']"
    link = page.locator(selector)
    assert link.count() == 1, f"{path}: the number {shown} is on the page once"
    assert link.evaluate("el => !el.closest('table') && !!el.closest('p, li')"), "the number is in the prose, not a table"
    assert link.inner_text() == shown
    tab_to(page, link)

    # the pop-up, shown on focus: document, lines and the verbatim text there
    popup = page.locator(".ccth-popup")
    popup.wait_for(state="visible", timeout=5_000)
    text = popup.inner_text()
    where = f"line {start}" if start == end else f"lines {start}–{end}"
    assert text.startswith(f"{short}, {where}: “"), text
    assert shown.replace(",", "") in text.replace(",", "")
    quoted = text.partition("“")[2].rpartition("”")[0].strip("…")
    assert quoted in " ".join(" ".join(lines).split())
    ax = accessible(page, selector)  # what a screen reader reads: the number, described by the same words
    assert ax["name"] == shown and ax["description"] == text

    # Enter: the evidence page opens on those lines, highlighted and focused; they print the number
    page.keyboard.press("Enter")
    page.wait_for_function(f"location.pathname.endsWith('/{sources.get(sid).page}.html')")
    hash_ = f"#L{start}" if start == end else f"#L{start}-L{end}"
    assert page.evaluate("location.hash") == hash_
    page.wait_for_function("document.querySelectorAll('pre.ccth-source span.ccth-hl').length > 0", timeout=10_000)
    lit = highlighted(page)
    assert [" ".join(t.split()[1:]) for t in lit] == [" ".join(x.split()) for x in lines]
    first = page.locator(f"pre.ccth-source span#L{start}")
    assert first.evaluate("el => document.activeElement === el")
    printed = " ".join(" ".join(t.split()[1:]) for t in lit).replace(",", "")
    assert re.search(rf"(?<![\d.]){re.escape(shown.replace(',', ''))}(?![\d])", printed), (shown, printed)
