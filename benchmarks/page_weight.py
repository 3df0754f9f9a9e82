"""Page weight: everything each page of the built site loads, in bytes, against its budget.

Run from the project root (prints a table; exits 1 when a page is over its budget):

    .venv/bin/python benchmarks/page_weight.py                  # builds the book into a scratch folder
    .venv/bin/python benchmarks/page_weight.py --site _build/html   # or measures a built site

Each page is opened in Debian's chromium (headless, a fresh profile, served from 127.0.0.1) and
every file it requests is counted at its size in the built site: the HTML, stylesheets, scripts,
fonts and images, and the scripts a chart loads. Sizes are as served by a plain static server
(no compression), so a host that compresses sends less.

Budgets (a megabyte is 1,000,000 bytes):

* a page without charts: under 1 MB in total;
* an evidence page (one per source document, named in data/sources/registry.csv): under 1.5 MB;
* a page with charts: the same, plus the three Vega scripts that only chart pages load.

tests/test_browser.py applies the same budgets to every page on its one visit of the site.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import functools
import http.server
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parents[1]
MB = 1_000_000
BUDGET_PAGE = 1 * MB
BUDGET_EVIDENCE = 1.5 * MB
#: The scripts a chart loads (ccth_lib/charts.py), counted apart from a chart page's budget.
VEGA_SCRIPTS = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def kb(n: float) -> str:
    return f"{n / 1000:,.0f}"


def site_pages(site: Path) -> list[str]:
    """Every HTML page of the built site, relative to its root (the theme's own files excluded)."""
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                  if not {"_static", "_sources", "_images"} & set(p.relative_to(site).parts))


def evidence_pages(root: Path = ROOT) -> set[str]:
    """The evidence pages: one per source document of the registry."""
    with open(root / "data" / "sources" / "registry.csv", newline="", encoding="utf-8") as fh:
        return {f"notebooks/{row['page']}.html" for row in csv.DictReader(fh)}


@dataclass
class Weight:
    files: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.files.values())

    def largest(self, n: int) -> list[tuple[str, int]]:
        return sorted(self.files.items(), key=lambda kv: -kv[1])[:n]


@dataclass
class Budget:
    limit: float
    kind: str


def weight(urls: list[str], site: Path) -> Weight:
    """The bytes of every distinct file of the site that ``urls`` name (other URLs count nothing)."""
    out = Weight()
    for url in sorted(set(urls)):
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https"):
            continue
        path = site / unquote(parsed.path).lstrip("/")
        if path.is_dir():
            path = path / "index.html"
        if path.is_file():
            out.files[path.relative_to(site).as_posix()] = path.stat().st_size
    return out


def vega_bytes(site: Path) -> int:
    return sum((site / "_static" / "vendor" / name).stat().st_size for name in VEGA_SCRIPTS
               if (site / "_static" / "vendor" / name).is_file())


def budget(rel: str, has_chart: bool, site: Path) -> Budget:
    evidence = rel in evidence_pages()
    limit = BUDGET_EVIDENCE if evidence else BUDGET_PAGE
    kind = "evidence page" if evidence else "page"
    if has_chart:
        limit += vega_bytes(site)
        kind += " with charts, Vega apart"
    else:
        kind += " without charts"
    return Budget(limit, kind)


# --- Measuring a built site ---------------------------------------------------------------------


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


async def _measure(base: str, pages: list[str]) -> dict[str, dict]:
    from playwright.async_api import async_playwright

    out = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for rel in pages:
            context = await browser.new_context(viewport={"width": 1280, "height": 900})
            page = await context.new_page()
            urls: list[str] = []
            page.on("request", lambda r: urls.append(r.url))
            await page.goto(f"{base}/{rel}", wait_until="load")
            charts = await page.locator(".ccth-chart").count()
            if charts:
                await page.locator(".ccth-chart svg").first.wait_for(state="attached", timeout=20_000)
            await page.wait_for_load_state("networkidle")
            out[rel] = {"urls": urls, "charts": charts}
            await context.close()
        await browser.close()
    return out


def measure(site: Path) -> dict[str, dict]:
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        return asyncio.run(_measure(f"http://127.0.0.1:{server.server_address[1]}", site_pages(site)))
    finally:
        server.shutdown()


def build(out: Path) -> Path:
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run([str(jb), "build", str(ROOT), "--path-output", str(out), "--warningiserror", "--keep-going"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"the book did not build (exit {proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}")
    return out / "_build" / "html"


def report(site: Path) -> int:
    measured = measure(site)
    rows, over = [], 0
    for rel, m in measured.items():
        w = weight(m["urls"], site)
        b = budget(rel, bool(m["charts"]), site)
        html = (site / rel).stat().st_size
        ok = w.total <= b.limit
        over += not ok
        rows.append((rel, b.kind, len(set(m["urls"])), html, w.total, b.limit, ok))
    width = max(len(r[0]) for r in rows)
    print(f"{'page':<{width}}  {'requests':>8}  {'HTML KB':>8}  {'total KB':>9}  {'budget KB':>9}  kind")
    for rel, kind, n, html, total, limit, ok in rows:
        print(f"{rel:<{width}}  {n:>8}  {kb(html):>8}  {kb(total):>9}  {kb(limit):>9}  {kind}{'' if ok else '  OVER BUDGET'}")
    print()

    def largest(label, select, limit):
        chosen = [r for r in rows if select(r)]
        if chosen:
            r = max(chosen, key=lambda r: r[4])
            print(f"{label:<34} {kb(r[4]):>6} KB  (budget {kb(limit)} KB)  {r[0]}")

    largest("heaviest page without charts", lambda r: "without charts" in r[1] and not r[1].startswith("evidence"), BUDGET_PAGE)
    largest("heaviest evidence page", lambda r: r[1].startswith("evidence"), BUDGET_EVIDENCE)
    largest("heaviest page with charts", lambda r: "with charts" in r[1], BUDGET_PAGE + vega_bytes(site))
    print(f"{'Vega scripts (chart pages only)':<34} {kb(vega_bytes(site)):>6} KB")
    print(f"{'pages over budget':<34} {over:>6}")
    return 1 if over else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="the html folder of a built site (default: build the book)")
    args = parser.parse_args()
    if args.site:
        return report(args.site.resolve())
    with tempfile.TemporaryDirectory() as tmp:
        return report(build(Path(tmp)))


if __name__ == "__main__":
    sys.exit(main())
