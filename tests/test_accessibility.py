"""Accessibility of every page of the built site: axe-core, colour contrast, the keyboard, charts.

The checks run on the one visit of every page that tests/test_browser.py makes (see its
docstring): axe-core (installed from the npm registry by `make vendor`) on the whole page in light
mode and for colour contrast in dark mode, after every ``<details>`` toggle has been opened with the
keyboard; then a Tab walk from the top of the page. Pages are not listed: every page of the built
site is checked, so a page added later is too.
"""

from __future__ import annotations

import pytest

from test_browser import listing, problems, site_report

# One visit of the site serves both test files: with `--dist loadgroup` (pytest-xdist) their tests
# run in one worker process; otherwise the second process waits for the first's report.
pytestmark = [pytest.mark.browser, pytest.mark.build, pytest.mark.xdist_group("site_visit")]

#: axe-core's two highest impacts: none is allowed on any page.
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def pages(site_url, built_site, shared_tmp) -> dict:
    return site_report(site_url, built_site, shared_tmp)["pages"]


def _violations(result: dict, mode: str) -> list[str]:
    out = []
    for v in result["violations"]:
        if v["impact"] in BLOCKING:
            where = "; ".join(f"{n['target']} ({n['summary']})" for n in v["nodes"][:3])
            out.append(f"{mode}: {v['id']} ({v['impact']}, {v['count']} element(s)): {v['help']}: {where}")
    return out


def test_axe_finds_no_serious_or_critical_violation_in_light_mode(pages):
    found = problems(pages, lambda rel, page: _violations(page["axe_light"], "light mode"))
    assert not found, "axe-core:\n" + listing(found)


def test_axe_finds_no_colour_contrast_violation_in_dark_mode(pages):
    """Dark mode (the reader's system setting) is checked for colour contrast and link distinction."""
    found = problems(pages, lambda rel, page: _violations(page["axe_dark"], "dark mode"))
    assert not found, "axe-core:\n" + listing(found)


def test_every_incomplete_colour_contrast_item_is_settled_by_the_site_css(pages):
    """Where axe cannot decide contrast (text partly scrolled out of its box, a one-character cell,
    text in a chart's SVG), the colours the site's CSS gives the element and its backgrounds decide,
    and must reach WCAG AA (4.5:1, or 3:1 for large text)."""
    def check(rel, page):
        out = []
        for mode in ("axe_light", "axe_dark"):
            result = page[mode]
            for u in result["unsettled"]:
                why = u.get("reason") or f"contrast {u['ratio']}:1 < {u['required']}:1 ({u['fg']} on {u['bg']})"
                out.append(f"{mode[4:]} mode: {u['target']}: {why}")
            if result["unsettled_count"] > len(result["unsettled"]):
                out.append(f"{mode[4:]} mode: … {result['unsettled_count'] - len(result['unsettled'])} more")
        return out

    found = problems(pages, check)
    assert not found, "colour contrast:\n" + listing(found)


def test_links_in_text_are_underlined(pages):
    """A link among text (a paragraph, a list, a table cell: source-line links, numbers' links) is
    underlined, so that it is told from the text by more than its colour (WCAG 1.4.1)."""
    def check(rel, page):
        out = [f"link not underlined: {d}" for d in page["links_not_underlined"]]
        if page["links_not_underlined_count"] > len(out):
            out.append(f"… and {page['links_not_underlined_count'] - len(out)} more")
        return out

    found = problems(pages, check)
    assert not found, listing(found)


def test_every_toggle_opens_with_the_keyboard(pages):
    """Each <details> toggle takes the focus and opens with Enter (nested ones once their parent is open)."""
    found = problems(pages, lambda rel, page: page["toggles"]["failed"])
    assert not found, listing(found)


def test_the_keyboard_alone_reaches_every_link_toggle_and_control(pages):
    """Tab from the top of the page reaches every link, button, toggle and field shown on it
    (with every toggle open): nothing is left to the mouse."""
    def check(rel, page):
        kb = page["keyboard"]
        out = [f"Tab never reaches {m}" for m in kb["missing"]]
        if kb["missing_count"] > len(kb["missing"]):
            out.append(f"… and {kb['missing_count'] - len(kb['missing'])} more elements Tab never reaches")
        if kb["targets"] < 5:
            out.append(f"only {kb['targets']} interactive elements found: the check checked nothing")
        return out

    found = problems(pages, check)
    assert not found, listing(found)


def test_every_provenance_pop_up_shows_on_keyboard_focus(pages):
    """An element described by a hidden text (aria-describedby: a number's document, lines and
    quote) shows that text in a pop-up when the keyboard focuses it, not only on hover."""
    found = problems(pages, lambda rel, page: [f"no pop-up on focus: {f}" for f in page["keyboard"]["popup_failures"]])
    assert not found, listing(found)


def test_every_chart_has_a_text_alternative_and_a_data_table(pages):
    """A chart is labelled by its description (which states its figures) and followed by a table of
    its data, so that a reader who cannot see it loses nothing."""
    def check(rel, page):
        out = []
        for c in page["charts"]:
            label = c["label"] or c["svg_label"]
            if c["role"] not in ("figure", "graphics-document", "img") or len(label) < 20:
                out.append(f"chart {c['id']} has no text alternative (role={c['role']!r}, label={label!r})")
            if not c["table_follows"] or c["table_rows"] == 0:
                out.append(f"chart {c['id']} is not followed by a table of its data")
        return out

    found = problems(pages, check)
    assert not found, listing(found)
    assert any(page["charts"] for page in pages.values()), "no chart on any page: the check checked nothing"


def test_the_checks_find_each_fault_of_a_faulty_page(site_url, built_site, shared_tmp):
    """The same visit, made of a page with one fault of each kind (tests/test_browser.py,
    SELF_TEST_PAGE): each check above must find its fault there, or it would pass on anything."""
    page = site_report(site_url, built_site, shared_tmp)["self_test"]
    assert not page.get("visit_error"), page.get("visit_error")
    assert any(v["id"] == "color-contrast" and v["impact"] in BLOCKING for v in page["axe_light"]["violations"]), \
        "axe did not report the pale grey text"
    unsettled = " ".join(u["target"] for u in page["axe_light"]["unsettled"])
    assert '"7"' in unsettled, f"the pale one-character cell was not caught: {page['axe_light']}"
    assert "Dark text on a dark box" in unsettled, f"the dark SVG text was not caught: {page['axe_light']}"
    assert any("cannot reach" in m for m in page["keyboard"]["missing"]), page["keyboard"]
    assert not any("inside a toggle" in m for m in page["keyboard"]["missing"]), page["keyboard"]
    assert page["keyboard"]["popup_failures"], "the hidden description without a pop-up was not caught"
    assert page["toggles"]["opened"] == 1 and not page["toggles"]["failed"], page["toggles"]
    assert page["links_not_underlined_count"] == 1, page["links_not_underlined"]
