"""Every page of the built site in a real browser (Debian's chromium, headless, through Playwright).

The pages are not listed here: every HTML page the build wrote is visited, so a page added later is
covered by the same checks. Each page is visited once per test run, in a fresh browser context (a
first visit: nothing stored), and everything is recorded on that one visit:

* the console (errors and warnings), uncaught errors, every request and its status;
* every chart: drawn (an SVG with its marks, no error), labelled, and followed by its data table;
* every link and every element id, so that every internal link and anchor can be resolved;
* axe-core (tests/test_accessibility.py): the whole page in light mode, colour contrast again in
  dark mode, each after every ``<details>`` toggle has been opened with the keyboard;
* a keyboard-only walk: Tab round the page until the focus comes back to where it started,
  recording every element that takes the focus and whether a provenance pop-up shows on focus.

A made-up page with one fault of each kind is visited the same way (SELF_TEST_PAGE): each check
must find its fault there. Run with ``-s`` to see how long the visits took.

The report of the visit is shared by this module and tests/test_accessibility.py, and by the test
run's worker processes (computed by the first that asks, under a lock, and kept as JSON).
"""

from __future__ import annotations

from browsing import launch_options

import asyncio
import importlib.util
import json
import re
import shutil
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

# One visit of the site serves both test files: with `--dist loadgroup` (pytest-xdist) their tests
# run in one worker process; otherwise the second process waits for the first's report.
pytestmark = [pytest.mark.browser, pytest.mark.build, pytest.mark.xdist_group("site_visit")]

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORT = {"width": 1280, "height": 900}
#: Pages visited at once (two cores: the browser's renderers and this process share them).
CONCURRENCY = 2
#: How long a page may take to draw its charts.
CHART_TIMEOUT_MS = 20_000


def _load_page_weight():
    spec = importlib.util.spec_from_file_location("page_weight", ROOT / "benchmarks" / "page_weight.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


page_weight = _load_page_weight()


def site_pages(site: Path) -> list[str]:
    """Every HTML page of the built site, as paths relative to its root (the theme's files excluded)."""
    return page_weight.site_pages(site)


# --- In-page scripts -------------------------------------------------------------------------------

#: Runs before the page's own scripts: remembers every link's href as the HTML gives it (a page
#: script may rewrite it later, e.g. #L12 to a highlighted range #L12-L15).
INIT_SCRIPT = """
document.addEventListener("DOMContentLoaded", () => {
  for (const a of document.querySelectorAll("a[href], area[href]")) a.__ccthHref = a.getAttribute("href");
});
"""

#: The charts, links and element ids of the page as loaded.
INVENTORY_JS = """
() => {
  const visible = (el) => el.checkVisibility({checkVisibilityCSS: true});
  const sequence = [...document.querySelectorAll(".ccth-chart, table")];
  const charts = [...document.querySelectorAll(".ccth-chart")].map((el) => {
    const svg = el.querySelector("svg");
    const next = sequence[sequence.indexOf(el) + 1];
    return {
      id: el.id,
      role: el.getAttribute("role"),
      label: (el.getAttribute("aria-label") || "").trim(),
      drawn: !!svg && svg.getBoundingClientRect().width > 0 && svg.getBoundingClientRect().height > 0,
      marks: svg ? svg.querySelectorAll('[role="graphics-symbol"]').length : 0,
      svg_label: svg ? (svg.getAttribute("aria-label") || "").trim() : "",
      error: svg ? "" : el.textContent.trim().slice(0, 300),
      table_follows: !!next && next.tagName === "TABLE",
      table_rows: !!next && next.tagName === "TABLE" ? next.querySelectorAll("tbody tr").length : 0,
    };
  });
  const links = new Set();
  for (const a of document.querySelectorAll("a[href], area[href]")) {
    const raw = a.__ccthHref !== undefined ? a.__ccthHref : a.getAttribute("href");
    if (raw === null || raw.trim() === "") continue;
    try { links.add(new URL(raw, document.baseURI).href); } catch (e) { links.add("invalid:" + raw); }
  }
  // links among the article's text (paragraphs, lists, table cells): told from the text by an underline
  const plain = [...document.querySelectorAll("article a[href]:not(.headerlink)")].filter((a) =>
    a.closest("p, li, td, th, dd, dt, caption, figcaption, blockquote") && a.textContent.trim()
    && !getComputedStyle(a).textDecorationLine.includes("underline"));
  const ids = new Set();
  for (const el of document.querySelectorAll("[id]")) ids.add(el.id);
  for (const el of document.querySelectorAll("a[name]")) ids.add(el.getAttribute("name"));
  return {
    title: document.title,
    h1: (document.querySelector("main h1") || {textContent: ""}).textContent.replace(/[\\s\\u00b6]+/g, " ").trim(),
    charts,
    links: [...links],
    ids: [...ids],
    links_not_underlined: plain.slice(0, 10).map(window.__ccthDescribe),
    links_not_underlined_count: plain.length,
    vega_loaded: typeof window.vegaEmbed === "function",
    scripts: [...document.scripts].map((s) => s.src).filter(Boolean),
  };
}
"""

#: Whether every chart on the page has finished (drawn, or replaced by its error message).
CHARTS_SETTLED_JS = """
() => [...document.querySelectorAll(".ccth-chart")].every(
  (el) => el.querySelector("svg [role='graphics-symbol']") || el.textContent.trim().length > 0)
"""

#: Whether the theme shows the page in ``mode`` (light or dark) after the reader's system setting
#: changed (a page without the theme has nothing to wait for).
THEME_IS_JS = "(mode) => document.documentElement.dataset.mode === undefined || document.documentElement.dataset.theme === mode"

#: Waits for the colour transitions the theme runs when the mode changes (checked mid-way, text
#: and background are between their light and dark colours).
TRANSITIONS_DONE_JS = """
() => Promise.all(document.getAnimations().filter((a) => a instanceof CSSTransition).map((a) => a.finished.catch(() => null)))
"""

#: A short description of an element, for messages.
DESCRIBE_JS = """
window.__ccthDescribe = (el) => {
  if (!el || !el.tagName) return String(el);
  let s = el.tagName.toLowerCase();
  if (el.id) s += "#" + el.id;
  if (el.classList && el.classList.length) s += "." + [...el.classList].slice(0, 3).join(".");
  const href = el.getAttribute && el.getAttribute("href");
  if (href) s += "[href=" + JSON.stringify(href.slice(0, 80)) + "]";
  const text = (el.textContent || "").replace(/\\s+/g, " ").trim().slice(0, 60);
  return text ? s + " " + JSON.stringify(text) : s;
};
"""

#: Elements a keyboard user must be able to reach, among those shown on the page now: links,
#: buttons, toggles, form fields and anything made focusable or given an interactive role.
INTERACTIVE_JS = """
window.__ccthInteractive = () => {
  const SEL = 'a[href], area[href], button, summary, input:not([type="hidden"]), select, textarea, iframe, '
    + '[tabindex]:not([tabindex="-1"]), [contenteditable=""], [contenteditable="true"], [role="button"], '
    + '[role="link"], [role="tab"], [role="checkbox"], [role="switch"], [role="menuitem"]';
  return [...document.querySelectorAll(SEL)].filter((el) => {
    if (el.tagName === "SUMMARY" && !(el.parentElement && el.parentElement.tagName === "DETAILS"
        && el.parentElement.querySelector(":scope > summary") === el)) return false;
    if (el.disabled || el.closest("[inert]")) return false;
    return el.checkVisibility({checkVisibilityCSS: true});
  });
};
"""

#: The first visible toggle (<summary> of a closed <details>), focused; or null when none is left.
NEXT_TOGGLE_JS = """
() => {
  const s = [...document.querySelectorAll("details:not([open]) > summary")].find(
    (el) => el.parentElement.querySelector(":scope > summary") === el && el.checkVisibility({checkVisibilityCSS: true})
      && !el.closest("[inert]") && !el.parentElement.__ccthTried);
  if (!s) return null;
  s.parentElement.__ccthTried = true;
  s.focus();
  window.__ccthToggle = s.parentElement;
  return {focused: document.activeElement === s, what: window.__ccthDescribe(s)};
}
"""

#: Records, for the Tab walk, every element that takes the focus and whether the provenance pop-up
#: of an element described by a hidden text (aria-describedby) shows that text on focus.
KEYBOARD_SETUP_JS = """
() => {
  const kb = window.__ccthKb = {seen: new Map(), order: [], events: 0, first: null, wrapped: false,
                                popups: 0, popupFailures: []};
  const norm = (t) => (t || "").replace(/\\s+/g, " ").trim();
  window.addEventListener("focusin", (e) => {
    const el = e.target;
    kb.events++;
    if (kb.first === null) kb.first = el;
    else if (el === kb.first) kb.wrapped = true;
    if (kb.seen.has(el)) return;  // checked on its first focus
    kb.seen.set(el, kb.order.length);
    kb.order.push(el);
    const ref = el.getAttribute && el.getAttribute("aria-describedby");
    if (!ref) return;
    const described = ref.split(/\\s+/).map((id) => document.getElementById(id)).filter(Boolean);
    const text = norm(described.map((d) => d.textContent).join(" "));
    if (!text || described.some((d) => d.checkVisibility({checkVisibilityCSS: true}))) return;
    const shown = [...document.querySelectorAll('[role="tooltip"], .ccth-popup, [popover]')].some(
      (p) => p.checkVisibility({checkVisibilityCSS: true}) && norm(p.textContent).includes(text));
    if (shown) kb.popups++;
    else if (kb.popupFailures.length < 20) kb.popupFailures.push(window.__ccthDescribe(el));
  }, false);
  if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
  window.scrollTo(0, 0);
  return window.__ccthInteractive().length;
}
"""

KEYBOARD_STATUS_JS = "() => ({events: window.__ccthKb.events, unique: window.__ccthKb.order.length, wrapped: window.__ccthKb.wrapped})"

KEYBOARD_RESULT_JS = """
() => {
  const kb = window.__ccthKb;
  const targets = window.__ccthInteractive();
  const missing = targets.filter((el) => !kb.seen.has(el));
  return {targets: targets.length, reached: targets.length - missing.length, focus_stops: kb.order.length,
          missing: missing.slice(0, 20).map(window.__ccthDescribe), missing_count: missing.length,
          popups: kb.popups, popup_failures: kb.popupFailures};
}
"""

#: axe-core, then every "incomplete" colour-contrast item settled from the colours the site's CSS
#: gives the element: its text colour (the fill of SVG text), with its and its ancestors' opacity,
#: over the backgrounds of the element and its ancestors down to the first opaque one (for SVG text,
#: the shapes and backgrounds painted under its middle), against WCAG's 4.5:1 (3:1 for large text).
#: An item with an image behind it cannot be settled and is reported.
AXE_RUN_JS = """
async (rules) => {
  // elements, not CSS selectors, in the results (computing a selector for each is slow on big pages)
  const options = {resultTypes: ["violations", "incomplete"], selectors: false, elementRef: true};
  if (rules) options.runOnly = {type: "rule", values: rules};
  const result = await axe.run(document, options);
  const parse = (c) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(c || "");
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const over = (top, bottom) => {
    const a = top.a + bottom.a * (1 - top.a);
    if (a === 0) return {r: 0, g: 0, b: 0, a: 0};
    const mix = (k) => (top[k] * top.a + bottom[k] * bottom.a * (1 - top.a)) / a;
    return {r: mix("r"), g: mix("g"), b: mix("b"), a};
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const SHAPES = new Set(["rect", "path", "circle", "ellipse", "polygon"]);
  const hex = (c) => "#" + [c.r, c.g, c.b].map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
  const settle = (el) => {
    const cs = getComputedStyle(el);
    const svgText = el instanceof SVGElement;
    let fg = parse(svgText ? cs.fill : cs.color);
    if (!fg) return {reason: "text colour " + (svgText ? cs.fill : cs.color) + " is not a colour"};
    if (svgText) fg.a *= parseFloat(cs.fillOpacity || "1");
    let opacity = 1;
    for (let n = el; n && n.nodeType === 1; n = n.parentElement) opacity *= parseFloat(getComputedStyle(n).opacity || "1");
    const layers = [];
    if (svgText) {
      // SVG text: what is painted under it (a chart's or diagram's shapes, then the page), top first
      el.scrollIntoView({block: "center", inline: "center"});
      const r = el.getBoundingClientRect();
      for (const e of document.elementsFromPoint(r.left + r.width / 2, r.top + r.height / 2)) {
        if (e === el || el.contains(e) || e.contains(el) && e instanceof SVGElement && e.tagName !== "svg") continue;
        const s = getComputedStyle(e);
        let bg;
        if (e instanceof SVGElement && e.tagName !== "svg") {
          if (!SHAPES.has(e.tagName)) continue;
          bg = parse(s.fill);
          if (bg) bg.a *= parseFloat(s.fillOpacity || "1") * parseFloat(s.opacity || "1");
        } else {
          if (s.backgroundImage && s.backgroundImage !== "none")
            return {reason: "background image on " + window.__ccthDescribe(e)};
          bg = parse(s.backgroundColor);
        }
        if (bg && bg.a > 0) { layers.push(bg); if (bg.a >= 1) break; }
      }
    } else {
      // HTML text: the backgrounds of the element and its ancestors, down to the first opaque one
      for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
        const s = getComputedStyle(n);
        if (s.backgroundImage && s.backgroundImage !== "none")
          return {reason: "background image on " + window.__ccthDescribe(n)};
        const bg = parse(s.backgroundColor);
        if (bg && bg.a > 0) { layers.push(bg); if (bg.a >= 1) break; }
      }
    }
    const dark = getComputedStyle(document.documentElement).colorScheme.includes("dark");
    let bg = dark ? {r: 18, g: 18, b: 18, a: 1} : {r: 255, g: 255, b: 255, a: 1};
    for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
    fg = over({...fg, a: fg.a * opacity}, bg);
    const l1 = lum(fg), l2 = lum(bg);
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const px = parseFloat(cs.fontSize), weight = parseInt(cs.fontWeight, 10) || 400;
    const required = px >= 24 || (px >= 18.66 && weight >= 700) ? 3 : 4.5;
    return {ratio: Math.round(ratio * 100) / 100, required, fg: hex(fg), bg: hex(bg)};
  };
  const node = (n) => ({target: window.__ccthDescribe(n.element), html: n.html.slice(0, 160),
                        summary: (n.failureSummary || "").replace(/\\s+/g, " ").trim().slice(0, 300)});
  const violations = result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, count: v.nodes.length, nodes: v.nodes.slice(0, 5).map(node)}));
  const unsettled = [];
  let settled = 0, unsettledCount = 0;
  for (const rule of result.incomplete.filter((r) => r.id === "color-contrast")) {
    for (const n of rule.nodes) {
      const s = n.element ? settle(n.element) : {reason: "element not found"};
      if (s.reason || s.ratio < s.required) {
        unsettledCount++;
        if (unsettled.length < 20) unsettled.push({target: window.__ccthDescribe(n.element), html: n.html.slice(0, 160), ...s});
      } else settled++;
    }
  }
  return {violations, settled, unsettled, unsettled_count: unsettledCount,
          incomplete_other: result.incomplete.filter((r) => r.id !== "color-contrast").map((r) => r.id)};
}
"""


#: A page with one fault of each kind the checks look for: the checks must find each (a check that
#: cannot fail checks nothing). Visited like a page of the site, after them.
SELF_TEST_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Self test</title></head>
<body><main><article>
<h1>Self test</h1>
<p>See <a href="#figure" style="text-decoration:none">the figure below</a>, a link without an underline.</p>
<p style="color:#999999; background:#ffffff">Grey text on white, too pale to read.</p>
<table><caption>Figures</caption><tr><th>Figure</th></tr><tr><td style="color:#b0b0b0">7</td></tr></table>
<p><a href="#nowhere" tabindex="-1">A link the keyboard cannot reach</a></p>
<p><a href="#figure" aria-describedby="why">42</a><span id="why" hidden>Programme paper, line 12: "42 admissions"</span></p>
<details><summary>More</summary><p><a href="#inside">A link inside a toggle</a></p></details>
<svg width="240" height="40" role="img" aria-label="A dark box"><rect width="240" height="40" fill="#202020"></rect>
<text x="8" y="26" fill="#303030" font-size="14">Dark text on a dark box</text></svg>
<div style="width:200px"><p id="figure">Figure</p><p id="inside">Inside</p></div>
</article></main></body></html>"""


# --- One visit of every page --------------------------------------------------------------------


def _launch_args() -> dict:
    return launch_options()


async def _tab(cdp, count: int) -> None:
    """Press Tab ``count`` times, as a keyboard does (the key events are sent without waiting)."""
    key = {"key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9, "nativeVirtualKeyCode": 9}

    async def press():
        await cdp.send("Input.dispatchKeyEvent", {"type": "rawKeyDown", **key})
        await cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", **key})

    await asyncio.gather(*(press() for _ in range(count)))


async def _press(cdp, key: str, code: int) -> None:
    event = {"key": key, "code": key, "windowsVirtualKeyCode": code, "nativeVirtualKeyCode": code}
    await cdp.send("Input.dispatchKeyEvent", {"type": "rawKeyDown", **event})
    if key == "Enter":
        await cdp.send("Input.dispatchKeyEvent", {"type": "char", "text": "\r", **event})
    await cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", **event})


async def _open_toggles(page, cdp) -> dict:
    """Open every <details> with the keyboard (focus its summary, press Enter), nested ones too."""
    opened, failed = 0, []
    for _ in range(2000):
        toggle = await page.evaluate(NEXT_TOGGLE_JS)
        if toggle is None:
            break
        if not toggle["focused"]:
            failed.append(f"{toggle['what']}: cannot take the keyboard focus")
            continue
        await _press(cdp, "Enter", 13)
        if await page.evaluate("() => window.__ccthToggle.open"):
            opened += 1
        else:
            failed.append(f"{toggle['what']}: Enter did not open it")
    await page.evaluate("() => { if (document.activeElement) document.activeElement.blur(); }")
    await _press(cdp, "Escape", 27)
    return {"opened": opened, "failed": failed}


async def _keyboard_walk(page, cdp) -> dict:
    """Tab through the page until the focus comes back round to where it started (or stops moving).

    An element missed on the first round (one the page hid for a moment as the focus went by, say)
    gets a second round; one that Tab cannot reach is missed on both."""
    targets = await page.evaluate(KEYBOARD_SETUP_JS)
    pressed, started = 0, time.monotonic()
    for _round in range(2):
        last_unique, round_pressed = -1, 0
        while round_pressed < 2 * targets + 200:
            batch = min(400, max(50, targets + 20 - round_pressed))
            await _tab(cdp, batch)
            round_pressed += batch
            status = await page.evaluate(KEYBOARD_STATUS_JS)
            if status["wrapped"] or status["unique"] == last_unique:
                break
            last_unique = status["unique"]
        pressed += round_pressed
        result = await page.evaluate(KEYBOARD_RESULT_JS)
        if not result["missing_count"]:
            break
        await page.evaluate("() => { window.__ccthKb.first = null; window.__ccthKb.wrapped = false; }")
    result.update(tab_presses=pressed, rounds=_round + 1, seconds=round(time.monotonic() - started, 2))
    return result


async def _visit(context_factory, base: str, rel: str, axe_source: str, content: str | None = None,
                 redirect: bool = False) -> dict:
    context = await context_factory()
    page = await context.new_page()
    if content is not None:  # a page made up by the test (served from here, not from the site)
        await page.route(f"{base}/{rel}", lambda route: route.fulfill(status=200, content_type="text/html", body=content))
    console, errors, requests, failed, statuses = [], [], [], [], []
    page.on("console", lambda m: console.append({"type": m.type, "text": m.text, "url": (m.location or {}).get("url", "")}))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: failed.append({"url": r.url, "error": r.failure or ""}))
    page.on("response", lambda r: statuses.append({"url": r.url, "status": r.status}))
    started = time.monotonic()
    report: dict = {"page": rel}
    timings: dict = {}
    report["timings"] = timings
    mark = [started]

    def lap(name):
        now = time.monotonic()
        timings[name] = round(now - mark[0], 2)
        mark[0] = now

    try:
        # a redirect page (the site root) is followed to the page it names
        await page.goto(f"{base}/{rel}", wait_until="networkidle" if redirect else "load")
        try:
            await page.wait_for_function(CHARTS_SETTLED_JS, timeout=CHART_TIMEOUT_MS)
        except Exception:
            pass  # reported below: a chart that did not draw
        await page.evaluate("() => document.fonts.ready.then(() => true)")
        report["final_url"] = page.url
        await page.evaluate(DESCRIBE_JS + INTERACTIVE_JS)
        report.update(await page.evaluate(INVENTORY_JS))
        lap("load")
        cdp = await context.new_cdp_session(page)
        report["toggles"] = await _open_toggles(page, cdp)
        lap("toggles")
        await page.add_script_tag(content=axe_source)
        # the theme sets the reader's colour mode as the page loads, with colour transitions: axe
        # reads the colours once they have settled (mid-way, text and background are neither
        # mode's, and a contrast check of them would be a matter of timing)
        await page.wait_for_function(THEME_IS_JS, arg="light", timeout=5000)
        await page.evaluate(TRANSITIONS_DONE_JS)
        report["axe_light"] = await page.evaluate(AXE_RUN_JS, None)
        lap("axe light")
        await page.emulate_media(color_scheme="dark")
        await page.wait_for_function(THEME_IS_JS, arg="dark", timeout=5000)
        await page.evaluate(TRANSITIONS_DONE_JS)
        report["axe_dark"] = await page.evaluate(AXE_RUN_JS, ["color-contrast", "link-in-text-block"])
        lap("axe dark")
        await page.emulate_media(color_scheme="light")
        await page.wait_for_function(THEME_IS_JS, arg="light", timeout=5000)
        await page.evaluate(TRANSITIONS_DONE_JS)
        report["keyboard"] = await _keyboard_walk(page, cdp)
        lap("keyboard")
    except Exception as exc:  # a page that cannot be visited fails every check that needs it
        report["visit_error"] = f"{type(exc).__name__}: {exc}"
    report.update(console=console, page_errors=errors, requests=sorted(set(requests)), failed_requests=failed,
                  statuses=statuses, seconds=round(time.monotonic() - started, 2))
    await context.close()
    return report


def is_redirect(path: Path) -> bool:
    return bool(re.search(r'<meta[^>]+http-equiv="refresh"', path.read_text(encoding="utf-8")[:2000], re.I))


async def _visit_all(base: str, site: Path, pages: list[str], screenshot: Path) -> dict:
    from playwright.async_api import async_playwright

    axe_source = AXE.read_text(encoding="utf-8")
    async with async_playwright() as p:
        browser = await p.chromium.launch(**_launch_args())

        async def fresh_context():
            context = await browser.new_context(viewport=VIEWPORT, color_scheme="light")
            await context.add_init_script(INIT_SCRIPT)
            return context

        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(rel):
            async with gate:
                return await _visit(fresh_context, base, rel, axe_source, redirect=is_redirect(site / rel))

        reports = await asyncio.gather(*(one(rel) for rel in pages))
        self_test = await _visit(fresh_context, base, "__ccth_self_test.html", axe_source, SELF_TEST_PAGE)
        search = await _search(browser, base)
        shot = await _screenshot(browser, base, [r["page"] for r in reports if r.get("charts")], screenshot)
        await browser.close()
    return {"pages": {r["page"]: r for r in reports}, "search": search, "screenshot": shot, "self_test": self_test}


async def _screenshot(browser, base: str, chart_pages: list[str], out: Path) -> dict:
    """A screenshot of the first page with a chart, for people to look at."""
    if not chart_pages:
        return {}
    page = await browser.new_page(viewport=VIEWPORT)
    await page.goto(f"{base}/{chart_pages[0]}", wait_until="networkidle")
    await page.locator(".ccth-chart svg").first.scroll_into_view_if_needed(timeout=CHART_TIMEOUT_MS)
    await page.screenshot(path=str(out))
    await page.close()
    return {"page": chart_pages[0], "path": str(out)}


# --- The offline search -------------------------------------------------------------------------

SEARCH_RESULTS_JS = """
() => {
  const title = document.querySelector("#search-results h2");
  if (!title || title.textContent.trim() !== "Search Results") return null;
  return [...document.querySelectorAll("#search-results ul.search li a")].map((a) => new URL(a.getAttribute("href"), document.baseURI).pathname);
}
"""


async def _search(browser, base: str) -> dict:
    """Search as a reader does: press Ctrl+K on the home page, type a word, press Enter."""
    context = await browser.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    requests, console = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: console.append({"type": m.type, "text": m.text}))
    out: dict = {"queries": {}}
    try:
        await page.goto(f"{base}/book/index.html", wait_until="networkidle")
        titles = await page.evaluate(
            "() => [...document.querySelectorAll('nav.bd-docs-nav a.reference.internal')].map(a => [a.textContent.trim(), new URL(a.href).pathname])")
        candidates = []
        for title, path in titles:
            words = re.findall(r"[A-Za-z]{7,}", title)
            if words:
                candidates.append((max(words, key=len), path))
        # three pages of the navigation: its first, middle and last page with a long enough word
        picks = [candidates[i] for i in sorted({0, len(candidates) // 2, len(candidates) - 1})] if candidates else []
        for i, (word, path) in enumerate(picks):
            if i:
                await page.goto(f"{base}/book/index.html", wait_until="networkidle")
            await page.keyboard.press("Control+k")
            await page.wait_for_function("() => document.activeElement && document.activeElement.name === 'q'", timeout=5000)
            await page.keyboard.type(word)
            await page.keyboard.press("Enter")
            await page.wait_for_url("**/search.html?q=*", timeout=10_000)
            await page.wait_for_function(SEARCH_RESULTS_JS, timeout=20_000)
            found = await page.evaluate(SEARCH_RESULTS_JS)
            out["queries"][word] = {"expected": path, "found": found}
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
    out["requests"] = sorted(set(requests))
    out["console"] = console
    await context.close()
    return out


# --- The report, shared by the tests and the run's worker processes ------------------------------

_REPORTS: dict[str, dict] = {}


def site_report(site_url: str, built_site: Path, shared_tmp: Path) -> dict:
    """Visit every page of the built site once per test run; the report of every visit."""
    key = str(built_site)
    if key in _REPORTS:
        return _REPORTS[key]
    from conftest import file_lock

    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make vendor` (axe-core is installed from the npm registry)")
    cache = shared_tmp / "browser-report.json"
    with file_lock(shared_tmp / "browser-report.lock"):
        if cache.is_file() and json.loads(cache.read_text(encoding="utf-8")).get("site") == key:
            report = json.loads(cache.read_text(encoding="utf-8"))
        else:
            started = time.monotonic()
            report = asyncio.run(_visit_all(site_url, built_site, site_pages(built_site), shared_tmp / "chart-page.png"))
            report.update(site=key, base=site_url, seconds=round(time.monotonic() - started, 1))
            cache.write_text(json.dumps(report), encoding="utf-8")
    _REPORTS[key] = report
    return report


@pytest.fixture(scope="module")
def report(site_url, built_site, shared_tmp) -> dict:
    return site_report(site_url, built_site, shared_tmp)


@pytest.fixture(scope="module")
def pages(report) -> dict:
    return report["pages"]


def problems(pages: dict, check) -> list[str]:
    """``check(rel, page)`` gives a list of problems of one page; all pages' problems, named by page."""
    out = []
    for rel, page in sorted(pages.items()):
        if page.get("visit_error"):
            out.append(f"{rel}: the page could not be visited: {page['visit_error']}")
            continue
        out.extend(f"{rel}: {p}" for p in check(rel, page))
    return out


def listing(items: list[str], limit: int = 40) -> str:
    more = f"\n… and {len(items) - limit} more" if len(items) > limit else ""
    return "\n".join(items[:limit]) + more


# --- 1. Every page in a real browser -----------------------------------------------------------


def test_every_page_of_the_built_site_is_visited(pages, report, built_site):
    """The pages come from the built site, not from a list: a new page is visited like the others."""
    expected = site_pages(built_site)
    assert len(expected) >= 10, f"only {len(expected)} pages in the built site"
    assert sorted(pages) == expected
    slowest = sorted(pages.values(), key=lambda p: -p["seconds"])[:5]
    print(f"visited {len(pages)} pages in {report.get('seconds')} s; slowest: "
          + ", ".join(f"{p['page']} {p['seconds']} s {p.get('timings')}" for p in slowest))


def test_no_console_errors_or_warnings(pages, report):
    def check(rel, page):
        out = [f"console {m['type']}: {m['text']}" for m in page["console"] if m["type"] in ("error", "warning", "assert")]
        out += [f"uncaught error: {e}" for e in page["page_errors"]]
        return out

    found = problems(pages, check)
    found += [f"search: console {m['type']}: {m['text']}" for m in report["search"]["console"] if m["type"] in ("error", "warning")]
    assert not found, "console errors or warnings:\n" + listing(found)


def test_no_request_leaves_127_0_0_1(pages, report):
    def outside(urls):
        return sorted({u for u in urls if urlparse(u).scheme in ("http", "https", "ws", "wss")
                       and urlparse(u).hostname != "127.0.0.1"})

    found = problems(pages, lambda rel, page: [f"requested {u}" for u in outside(page["requests"])])
    found += [f"search: requested {u}" for u in outside(report["search"]["requests"])]
    assert not found, "requests to other hosts:\n" + listing(found)


def test_every_request_succeeds(pages):
    def check(rel, page):
        out = [f"{s['status']} {s['url']}" for s in page["statuses"] if s["status"] >= 400]
        out += [f"failed {f['url']} ({f['error']})" for f in page["failed_requests"]]
        return out

    found = problems(pages, check)
    assert not found, "requests that failed:\n" + listing(found)


def test_every_chart_is_drawn(pages):
    """Each chart is drawn as SVG with its marks (its label and data table: test_accessibility.py)."""
    def check(rel, page):
        return [f"chart {c['id']} was not drawn ({c['marks']} marks){': ' + c['error'] if c['error'] else ''}"
                for c in page["charts"] if not c["drawn"] or c["marks"] == 0]

    found = problems(pages, check)
    assert not found, listing(found)
    assert sum(len(p["charts"]) for p in pages.values()) >= 1, "no chart on any page: the check checked nothing"


def test_vega_loads_only_on_pages_with_a_chart(pages):
    """Vega, Vega-Lite and vega-embed (about 825 KB) are requested by chart pages alone, each once."""
    vega = re.compile(r"/_static/vendor/vega(-lite|-embed)?\.min\.js$")

    def check(rel, page):
        loaded = [u for u in page["requests"] if vega.search(urlparse(u).path)]
        if page["charts"] and len(loaded) != 3:
            return [f"has {len(page['charts'])} chart(s) but loaded {len(loaded)} of the 3 Vega scripts"]
        if not page["charts"] and loaded:
            return [f"has no chart but loaded {', '.join(urlparse(u).path for u in loaded)}"]
        return []

    found = problems(pages, check)
    assert not found, listing(found)


def _resolve(url: str, base: str, site: Path) -> tuple[Path | None, str]:
    """The file of the built site a local URL names (None when there is none), and its fragment."""
    parsed = urlparse(url)
    path = unquote(parsed.path)
    target = site / path.lstrip("/")
    if path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return (target if target.is_file() else None), unquote(parsed.fragment)


def test_every_internal_link_and_anchor_resolves(pages, report, built_site):
    """Each link to this site names a file of the built site and, with a #fragment, an element of it."""
    base = urlparse(report["base"])
    ids = {rel: set(page.get("ids", [])) for rel, page in pages.items()}
    checked = 0

    def check(rel, page):
        nonlocal checked
        out = []
        for url in page["links"]:
            if url.startswith("invalid:"):
                out.append(f"link {url[8:]!r} is not a URL")
                continue
            parsed = urlparse(url)
            if parsed.scheme in ("mailto", "tel", "data"):
                continue
            if parsed.scheme in ("http", "https") and parsed.netloc != base.netloc:
                continue  # a link to another site: followed by readers, not requested by the page
            if parsed.scheme not in ("http", "https"):
                out.append(f"link {url} has scheme {parsed.scheme!r}")
                continue
            checked += 1
            target, fragment = _resolve(url, report["base"], built_site)
            if target is None:
                out.append(f"link to {parsed.path} which the site does not have")
                continue
            if fragment and target.suffix == ".html":
                target_rel = target.relative_to(built_site).as_posix()
                if target_rel not in ids:
                    out.append(f"link to {parsed.path}#{fragment}: that page was not visited")
                elif fragment not in ids[target_rel]:
                    out.append(f"link to {parsed.path}#{fragment}: no element has that id")
        return out

    found = problems(pages, check)
    assert not found, "links that do not resolve:\n" + listing(found)
    assert checked > 100, f"only {checked} internal links checked"


def test_the_offline_search_finds_pages(report, built_site):
    """Ctrl+K, a word, Enter: the search page lists the page whose title holds the word."""
    search = report["search"]
    assert "error" not in search, search.get("error")
    assert len(search["queries"]) >= 2, f"too few searches were made: {search['queries']}"
    for word, q in search["queries"].items():
        assert q["found"], f"searching for {word!r} found nothing"
        assert q["expected"] in q["found"], f"searching for {word!r} did not list {q['expected']}: {q['found']}"


def test_the_search_index_holds_every_page(built_site):
    """Every page of the site (but the index and search pages and the root redirect) can be found."""
    text = (built_site / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1: text.rindex(")")])
    docnames = {f"{d}.html" for d in index["docnames"]}
    missing = [p for p in site_pages(built_site) if p not in docnames and p not in ("genindex.html", "search.html", "index.html")]
    assert not missing, f"pages the search cannot find: {missing}"


# --- 3. Light pages --------------------------------------------------------------------------


def test_every_page_keeps_within_its_weight_budget(pages, built_site):
    """Everything a page loads, counted in bytes: see benchmarks/page_weight.py for the budgets."""
    def check(rel, page):
        weight = page_weight.weight(page["requests"], built_site)
        budget = page_weight.budget(rel, bool(page["charts"]), built_site)
        if weight.total > budget.limit:
            return [f"loads {page_weight.kb(weight.total)} KB, over its budget of {page_weight.kb(budget.limit)} KB "
                    f"({budget.kind}); largest: {', '.join(f'{n} {page_weight.kb(s)} KB' for n, s in weight.largest(4))}"]
        return []

    found = problems(pages, check)
    assert not found, listing(found)


def test_no_page_loads_the_theme_s_full_icon_font_or_font_awesome_script(pages):
    """The theme's icons come from a 3 KB subset (_static/ccth-icons.css); an icon missing from the
    subset would make the browser fetch the theme's full font, and this test names it."""
    heavy = re.compile(r"/_static/(vendor/fontawesome/|scripts/fontawesome\.js)")
    found = problems(pages, lambda rel, page: [f"loaded {u}" for u in page["requests"] if heavy.search(urlparse(u).path)])
    assert not found, listing(found)


def test_search_index_loads_only_on_the_search_page(pages):
    found = problems(pages, lambda rel, page: [f"loaded {u}" for u in page["requests"]
                                               if urlparse(u).path.endswith("/searchindex.js") and rel != "search.html"])
    assert not found, listing(found)


def test_screenshot_of_a_chart_page(report, tmp_path_factory):
    """A screenshot for people to look at, taken on the visit (its path is printed with -s)."""
    shot = report["screenshot"]
    assert shot, "no page has a chart"
    out = tmp_path_factory.mktemp("shots") / "chart-page.png"
    shutil.copy(shot["path"], out)
    assert out.stat().st_size > 10_000
    print(f"screenshot of {shot['page']}: {out}")
