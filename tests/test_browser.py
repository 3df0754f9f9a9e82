"""Real-browser test: the built site, served on 127.0.0.1, in headless Debian chromium."""

from __future__ import annotations

import shutil
from urllib.parse import urlparse

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.build]

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    if not shutil.which("chromium") and not shutil.which(CHROMIUM):
        pytest.fail("Debian chromium is not installed (make test installs it with apt-get)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        yield b
        b.close()


def open_page(browser, url):
    page = browser.new_page()
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="networkidle")
    return page, requests, errors


def assert_local_only(requests):
    hosts = {urlparse(u).hostname for u in requests if urlparse(u).scheme in ("http", "https", "ws", "wss")}
    assert hosts <= {"127.0.0.1"}, f"the page requested other hosts: {sorted(hosts - {'127.0.0.1'})}"


def test_optimity_page_renders_its_chart_offline(browser, site_url):
    page, requests, errors = open_page(browser, f"{site_url}/notebooks/paper_optimity_avoidability.html")
    chart = page.locator(".ccth-chart").first
    chart.locator("svg").first.wait_for(state="attached", timeout=20_000)
    assert chart.locator("svg").count() >= 1
    # SVG renderer with ARIA: the chart's description labels it; no actions menu.
    assert "65+ non-elective admissions" in (chart.get_attribute("aria-label") or "")
    assert page.locator(".vega-actions").count() == 0
    # The chart drew its five service routes as bars (SVG paths with ARIA role graphics-symbol).
    assert chart.locator('[role="graphics-symbol"]').count() >= 5
    # The table is on the page with the stated figures.
    assert "Hospital at Home or Crisis Response/Step up beds" in page.inner_text("main")
    assert not errors, f"JavaScript errors: {errors}"
    assert_local_only(requests)
    page.close()


def test_every_page_requests_only_the_local_site(browser, site_url, built_site):
    pages = sorted(p.relative_to(built_site).as_posix() for p in built_site.rglob("*.html") if "_static" not in p.parts)
    assert pages
    for rel in pages:
        page, requests, errors = open_page(browser, f"{site_url}/{rel}")
        assert_local_only(requests)
        assert not errors, f"{rel}: JavaScript errors: {errors}"
        page.close()


def test_screenshot_of_the_optimity_page(browser, site_url, tmp_path_factory):
    """A screenshot is written for people to look at (path printed with -s)."""
    page, _, _ = open_page(browser, f"{site_url}/notebooks/paper_optimity_avoidability.html")
    page.locator(".ccth-chart svg").first.wait_for(state="attached", timeout=20_000)
    out = tmp_path_factory.mktemp("shots") / "optimity.png"
    page.screenshot(path=str(out), full_page=True)
    assert out.stat().st_size > 10_000
    print(f"screenshot: {out}")
    page.close()
