"""The built site: offline, glued numbers, and every source-line link equal to its row's lines."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.build

EXTERNAL_SCRIPT = re.compile(r"<(script|link)[^>]+(src|href)=\"(https?:)?//", re.I)
CDN_HOSTS = re.compile(r"https?://(cdn\.|unpkg\.com|fonts\.googleapis|fonts\.gstatic|cdnjs\.)")


def pages(site):
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.parts)


def parsed(path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def text_of(path) -> str:
    """The page's text as read: one space between words, none inside brackets or before punctuation;
    without what is hidden (a number's pop-up text, shown on hover and focus only)."""
    html = parsed(path)
    for hidden in html.select("[hidden]"):
        hidden.decompose()
    text = re.sub(r"\s+", " ", html.get_text(" "))
    return re.sub(r"\s+([),.;:])", r"\1", re.sub(r"\(\s+", "(", text))


def test_index_and_pages_exist(built_site):
    assert (built_site / "index.html").is_file()
    assert (built_site / "book" / "index.html").is_file()
    assert (built_site / "notebooks" / "paper_optimity_avoidability.html").is_file()


def test_no_page_loads_anything_from_the_internet(built_site):
    for page in built_site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not EXTERNAL_SCRIPT.search(text), f"{page.name} loads a script or stylesheet from the internet"
        assert not CDN_HOSTS.search(text), f"{page.name} references a CDN"


def test_vega_scripts_ship_with_the_site(built_site):
    for name in ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js"):
        assert (built_site / "_static" / "vendor" / name).stat().st_size > 10_000


def test_every_provenance_link_of_every_table_row_equals_its_csv_rows_range(built_site, root):
    """For every table read from data/tables on every page, each row links to exactly its own lines,
    and each number to its own line (the CSV's cell_lines) or, where none is recorded, its row's."""
    from ccth_lib import sources

    from ccth_lib import cells, vocab
    from ccth_lib.page.evidence import POSITIONS

    page_of = {s.id: s.page for s in sources.registry().values()}
    positions = {vocab.library().fields[p]["title"] for p in POSITIONS}
    csv = {}
    checked = cells_checked = 0
    for path in pages(built_site):
        for tbl in parsed(path).select("table.ccth-table"):
            assert not tbl.select("tbody th"), f"{path.name}: a header cell in a table body"
            assert len(tbl.select("thead tr")) == 1, f"{path.name}: one header row per table"
            name = tbl.get("data-table")
            if not name:
                continue
            if name not in csv:
                csv[name] = pd.read_csv(root / "data" / "tables" / f"{name}.csv", dtype=str, keep_default_na=False)
            rows = tbl.select("tbody tr")
            assert rows, f"{path.name}: table {name} has no rows"
            headers = [th.get_text() for th in tbl.select("thead th")]
            for tr in rows:
                r = csv[name].iloc[int(tr["data-row"]) - 1]
                links = tr.select("a.ccth-lines")
                assert len(links) == 1, f"{path.name}: {name} row {tr['data-row']} has {len(links)} source links"
                start, end = int(r["line_start"]), int(r["line_end"])
                expected = f"{page_of[r['source_id']]}.html#L{start}"
                assert links[0]["href"] == expected, f"{path.name}: {name} row {tr['data-row']} links to {links[0]['href']}, not {expected}"
                lines = f"line {start}" if start == end else f"lines {start}–{end}"
                assert links[0].get_text().endswith(lines), f"{path.name}: {name} row {tr['data-row']} says {links[0].get_text()!r}"
                checked += 1
                # each number: its own line where the CSV's cell_lines records it, else the row's lines
                own = {c.column: c for c in cells.parse(r.get("cell_lines"))}
                for a in tr.select("a.ccth-cell"):
                    cell = own.get(a["data-column"])
                    a_start, a_end = (cell.start, cell.end) if cell else (start, end)
                    where = f"{path.name}: {name} row {tr['data-row']} column {a['data-column']}"
                    assert a["href"] == f"{page_of[r['source_id']]}.html#L{a_start}", f"{where} links to {a['href']}"
                    assert a.get("data-lines") == (f"{a_start}-{a_end}" if a_end > a_start else None), where
                    described = tbl.parent.find(id=a["aria-describedby"])
                    assert described is not None and (f"line {a_start}" if a_start == a_end else f"lines {a_start}–{a_end}") in described.get_text(), where
                    cells_checked += 1
                # every number of the row (other than its position in the table) has its link
                for th, td in zip(headers, tr.select("td")):
                    if "num" in (td.get("class") or []) and td.get_text().strip() and th not in positions:
                        assert td.select_one("a.ccth-cell"), f"{path.name}: {name} row {tr['data-row']}: {td.get_text()!r} ({th}) has no link"
    assert checked > 1000, f"only {checked} rows checked"
    # every number and date of every table is on its evidence page at least once
    from ccth_lib import data

    expected = 0
    for name in data.list_tables():
        fields = data.table_info(name).descriptor["schema"]["fields"]
        shown = [f["name"] for f in fields if f.get("type") in ("integer", "number", "date") and f["name"] not in POSITIONS
                 and f["name"] not in ("line_start", "line_end")]
        expected += int(data.load_table(name)[shown].notna().sum().sum()) if shown else 0
    assert cells_checked >= expected > 800, f"{cells_checked} numbers checked; the tables hold {expected}"


def test_the_optimity_total_row_links_to_line_69(built_site):
    html = parsed(built_site / "notebooks" / "evidence_paper.html")
    table = html.select_one('section#table-paper-optimity-avoidability table[data-table="paper_optimity_avoidability"]')
    total = next(tr for tr in table.select("tbody tr") if "Total" in [td.get_text() for td in tr.select("td")])
    assert total.select_one("a.ccth-lines")["href"] == "evidence_paper.html#L69"


def test_the_optimity_finding_is_told_on_its_own_page_with_glued_numbers(built_site):
    """The documents' arithmetic is an audit finding: glued from data on the Optimity page, not the home page."""
    from ccth_lib import data

    df = data.load_table("paper_optimity_avoidability")
    first = df[df["printing"] == 1]
    stated = int(first.loc[first["row_kind"] == "total", "usually_avoidable"].iloc[0])
    derived = int(first.loc[first["row_kind"] == "item", "usually_avoidable"].sum())
    text = text_of(built_site / "notebooks" / "paper_optimity_avoidability.html")
    assert f"The stated usually avoidable total is {stated:,}, but its {int((first['row_kind'] == 'item').sum())} service rows add up to {derived:,}" in text
    home = text_of(built_site / "book" / "index.html")
    assert f"add up to {derived:,}" not in home


def test_catalogue_lists_every_table_with_its_download(built_site):
    from ccth_lib import data

    html = (built_site / "notebooks" / "evidence_catalogue.html").read_text(encoding="utf-8")
    for name in data.list_tables():
        assert f'href="../tables/{name}.csv"' in html, name
        assert (built_site / "tables" / f"{name}.csv").is_file()
    assert (built_site / "datapackage.json").is_file()


def test_every_table_is_on_its_evidence_page(built_site):
    from ccth_lib import data, sources
    from ccth_lib.page.evidence import anchor

    for sid, names in data.tables_by_source().items():
        page = sources.get(sid).page
        html = parsed(built_site / "notebooks" / f"{page}.html")
        assert html.select_one("h1").get_text().startswith(f"Evidence: {sources.get(sid).short_title}")
        for name in names:
            assert html.select_one(f"section#{anchor(name)} table[data-table='{name}']"), f"{page}: {name}"
        assert html.select_one("#L1")


def test_data_log_numbers_are_glued_from_the_catalogue(built_site):
    from ccth_lib import data

    text = text_of(built_site / "book" / "data_log.html")
    tables = [n for n in data.list_tables() if n != "figures"]
    rows = sum(len(data.load_table(n)) for n in tables)
    assert f"Received: {len(tables):,} tables transcribed" in text
    assert f"holding {rows:,} rows, and a register of {len(data.load_table('figures')):,} figures" in text


def test_no_raw_float_artefacts_on_any_page(built_site):
    """Numbers read as people write them: no 0.33399999999999996, 3000.0 or 9.0 areas."""
    artefact = re.compile(r"\d\.\d{6,}|^[−+-]?[\d,]+\.0%?$")
    checked = 0
    for path in pages(built_site):
        for el in parsed(path).select("td.num, .pasted-text, .pasted-inline"):
            value = el.get_text(" ").strip()
            checked += 1
            assert not artefact.search(value), f"{path.relative_to(built_site)}: {value!r}"
    assert checked > 500


def test_every_number_of_the_model_records_timeline_and_status_pages_links_to_its_own_line(built_site):
    """Beyond the tables read from data/tables: in the frames these pages make of values copied from
    transcribed rows (the stated figure of a finding, a timeline entry's date), each number's link
    lands on lines that print it, never on the whole row when the row records the value's own line,
    and each entry dated to a day links to lines that print its date."""
    from test_page import COPYING_PAGES, _cell_lines_index, date_entry_problems, number_link_problems

    index = _cell_lines_index()
    paths = sorted((built_site / "notebooks").glob("model_*.html")) + [built_site / "notebooks" / f"{p}.html" for p in COPYING_PAGES]
    checked = dated = 0
    problems: list[str] = []
    for path in paths:
        html = parsed(path)
        n, found = number_link_problems(html, path.name, index)
        d, late = date_entry_problems(html, path.name, index)
        checked, dated, problems = checked + n, dated + d, problems + found + late
    assert not problems, "\n".join(problems[:20])
    assert checked > 300 and dated > 40, (checked, dated)
