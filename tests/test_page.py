"""The page layer: one table component, readable numbers, links equal to each row's own lines."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from ccth_lib.page import Column, Link, formats, table
from ccth_lib.page.links import SourceLink


def soup(html) -> BeautifulSoup:
    return BeautifulSoup(str(html), "html.parser")


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "service": ["A <b>", "B & C", "Total"],
        "count": pd.array([1093, 48, 1141], dtype="Int64"),
        "share_pct": [20.6, 33.4, 100.0],
        "source_id": ["paper-2018-10"] * 3,
        "line_start": [48, 52, 65],
        "line_end": [51, 55, 69],
        "quote": ["Hospital at Home 1093", "q2", "Total 2963"],
    })


def test_header_cells_only_in_thead_and_one_link_per_row_with_that_rows_lines():
    df = frame()
    html = soup(table(df, {"service": "Service", "count": "Admissions", "share_pct": "Share"}, table_name="t"))
    assert html.select("tbody th") == []
    assert [th.get_text() for th in html.select("thead th")] == ["Service", "Admissions", "Share", "Source"]
    rows = html.select("tbody tr")
    assert len(rows) == len(df)
    for tr, (_, r) in zip(rows, df.iterrows()):
        links = tr.select("a.ccth-lines")  # the row's link (each number links to its lines too: a.ccth-cell)
        assert len(links) == 1
        assert links[0]["href"] == f"evidence_paper.html#L{r.line_start}"
        assert links[0].get_text().endswith(f"lines {r.line_start}–{r.line_end}")
        assert not links[0].has_attr("title")  # one description: the pop-up's
        assert r.quote in html.find(id=links[0]["aria-describedby"]).get_text()
    assert [tr["data-row"] for tr in rows] == ["1", "2", "3"]


def test_the_last_row_links_to_its_own_lines():
    """The defect this component replaces: each row showed the previous row's lines."""
    html = soup(table(frame(), {"service": "Service"}))
    last = html.select("tbody tr")[-1]
    assert last.select_one("a")["href"].endswith("#L65")
    assert "65–69" in last.get_text()


def test_values_are_escaped_and_formatted_for_readers():
    html = soup(table(frame(), {"service": "Service", "count": "Admissions", "share_pct": "Share"}, links=False))
    cells = [[td.get_text() for td in tr.select("td")] for tr in html.select("tbody tr")]
    assert cells[0] == ["A <b>", "1,093", "20.6%"]
    assert cells[1][0] == "B & C"
    assert "<b>" not in str(html.select_one("tbody td"))  # escaped, not markup
    assert html.select("a") == []


def test_filtered_rows_keep_their_csv_row_numbers():
    df = frame().iloc[[2]]
    tr = soup(table(df, {"service": "Service"}, table_name="t")).select_one("tbody tr")
    assert tr["data-row"] == "3"


def test_unknown_column_is_a_clear_error():
    with pytest.raises(KeyError, match=r"no column\(s\) \['nope'\]"):
        table(frame(), {"nope": "Nope"})


def test_link_cells():
    df = pd.DataFrame({"t": [Link("Optimity", "evidence_paper.html#table-x")]})
    a = soup(table(df, [Column("t", "Table", "link")])).select_one("td a")
    assert a["href"] == "evidence_paper.html#table-x" and a.get_text() == "Optimity"


@pytest.mark.parametrize(
    "value, kind, text",
    [
        (0.33399999999999996, "share", "33.4%"),
        (3000.0, "number", "3,000"),
        (102914.3, "count", "102,914"),
        (9.0, "number", "9"),
        (8794.44, "number", "8,794.44"),
        (64.2, "percent", "64.2%"),
        (-2.0, "signed", "−2"),
        (2.0, "signed", "+2"),
        (True, "bool", "Yes"),
        (False, "bool", "No"),
        (None, "number", ""),
        (float("nan"), "count", ""),
        (pd.Timestamp("2018-10-18"), "date", "18 October 2018"),
        (8816, "money_thousands", "£8,816k"),
    ],
)
def test_formats(value, kind, text):
    assert formats.format_value(value, kind) == text


def test_source_link_text_and_bad_range():
    link = SourceLink("paper-2018-10", 69, 69, "Total 2963")
    assert link.lines_text == "line 69" and link.href.endswith("#L69")
    with pytest.raises(ValueError, match="not increasing"):
        SourceLink("paper-2018-10", 70, 69)


# ---------------------------------------------------------------------------------------------
# Numbers in prose: a number the documents print is glued with its lines (page/glue.py)


def _bundle(obj) -> dict:
    """What ``myst_nb.glue`` stores of a value: IPython's display formats."""
    import IPython

    return IPython.core.formatters.format_display_data(obj)[0]


def _popup(html) -> tuple:
    """The link of a linked number and the text of the pop-up its ``aria-describedby`` names."""
    s = soup(html)
    (a,) = s.select("a.ccth-cell")
    (span,) = s.select(f"span#{a['aria-describedby']}")
    return a, span


def test_a_sourced_figure_is_its_plain_number_in_text_and_linked_in_markdown():
    from ccth_lib import data, sources
    from ccth_lib.page.glue import sourced_figure

    fig = data.figure("paper_target_circa_3000")
    value = sourced_figure(fig.id, "count")
    bundle = _bundle(value)
    assert bundle["text/plain"] == repr(fig.value)  # as any glued number: notebooks.glued() reads it back
    assert value == fig.value and f"{value:,.0f}" == "3,000" and value + 1 == fig.value + 1
    assert bundle["text/markdown"] == bundle["text/html"] == value.markdown
    a, span = _popup(value.markdown)
    assert a.get_text() == "3,000"
    assert a["href"] == f"{sources.get(fig.source_id).page}.html#L{fig.line_start}"
    assert a["data-lines"] == f"{fig.line_start}-{fig.line_end}"
    assert span.has_attr("hidden")
    text = span.get_text()
    assert text.startswith(f"{sources.get(fig.source_id).short_title}, lines {fig.line_start}–{fig.line_end}: “")
    assert " ".join(fig.quote.split()) in text


def test_a_sourced_cell_links_to_its_own_line_and_keeps_its_type():
    from ccth_lib import cells, data
    from ccth_lib.page.glue import SourcedInt, sourced

    df = data.load_table("paper_locality_case_management").set_index("locality")
    row = df.loc["Total"]
    value = sourced(row["case_management"], "count", row, "case_management")
    assert isinstance(value, SourcedInt) and _bundle(value)["text/plain"] == str(int(row["case_management"]))
    own = cells.lines_of(row, "case_management")
    a, span = _popup(value.markdown)
    assert a["href"] == f"evidence_paper.html#L{own.start}" and a["data-column"] == "case_management"
    assert f"{int(row['case_management'])}" in span.get_text().replace(",", "")


def test_a_number_for_a_book_page_links_from_the_book_folder():
    from ccth_lib.page.glue import BOOK_TO_PAGES, for_book, sourced_figure

    value = sourced_figure("highlight_phase3_delay_months", "count")
    book = for_book({"delay": value, "n_rows": 3}, "delay")
    assert list(book) == ["book_delay"] and book["book_delay"] == value
    a, _ = _popup(book["book_delay"].markdown)
    assert a["href"] == BOOK_TO_PAGES + _popup(value.markdown)[0]["href"] == "../notebooks/evidence_highlight.html#L77"
    with pytest.raises(TypeError, match="only a sourced number"):
        for_book({"n_rows": 3}, "n_rows")


def test_a_derived_number_or_a_rounded_one_is_never_linked_to_a_line():
    from ccth_lib import data
    from ccth_lib.page.glue import sourced, sourced_figure

    opt = data.load_table("paper_optimity_avoidability")
    total = opt[(opt["printing"] == 1) & (opt["row_kind"] == "total")].iloc[0]
    derived = int(opt[(opt["printing"] == 1) & (opt["row_kind"] == "item")]["usually_avoidable"].sum())
    assert derived != total["usually_avoidable"]
    with pytest.raises(ValueError, match="not printed"):
        sourced(derived, "count", total, "usually_avoidable")
    with pytest.raises(ValueError, match="shows 53.02 as '53%'"):
        sourced_figure("paper_fit_conversion_rate_pct", "percent")
    assert _popup(sourced_figure("paper_fit_conversion_rate_pct", "number").markdown)[0].get_text() == "53.02"
    with pytest.raises(ValueError, match="kind 'date'"):
        sourced_figure("paper_target_circa_3000", "date")


def test_a_run_s_own_value_of_a_stated_assumption_is_shown_unlinked():
    from ccth_lib.page.chain import as_stated
    from ccth_lib.page.glue import Sourced
    from ccth_lib.page.models import chain_page

    stated = as_stated(chain_page(), "target_total")
    assert isinstance(stated, Sourced) and _popup(stated.markdown)[0].get_text() == "3,000"
    own = as_stated(chain_page(target_total=3500), "target_total")
    assert not isinstance(own, Sourced) and own == 3500
    assert _bundle(own)["text/markdown"] == "3,500" and _bundle(own)["text/plain"] == "3500.0"


# Over the committed pages: every number pasted into prose with {glue:md} resolves, and a
# linked one lands on lines that print it


_ROLE = re.compile(r"\{glue(?::(?P<role>[a-z]+))?\}`(?P<body>[^`]*)`")


def _glue_outputs(path) -> dict[str, dict]:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    out = {}
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            name = o.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                out[name] = {k.removeprefix("application/papermill.record/"): "".join(v) if isinstance(v, list) else v
                             for k, v in o.get("data", {}).items()}
    return out


def _prose_of(path) -> str:
    import nbformat

    return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")


def _pages():
    from ccth_lib import notebooks

    return [pg for pg in notebooks.pages() if pg.path.is_file()]


def _check_linked_numbers(where: str, html: str, plain: str | None = None, prefix: str = "") -> list[str]:
    """Each number linked in ``html`` lands on lines that print it, and its pop-up is their quote;
    a glued number (``plain``, its text) is one linked number, itself. The pop-ups' ids."""
    import ast

    from ccth_lib import cells, sources

    links = soup(html).select("a.ccth-cell")
    if plain is not None:
        assert len(links) == 1, where
    ids = []
    for a in links:
        span = soup(html).select_one(f"span#{a['aria-describedby']}")
        shown = a.get_text()
        value = float(shown.replace("−", "-").replace(",", "").strip("£k%"))
        if plain is not None:
            assert value == pytest.approx(ast.literal_eval(plain)), (where, shown, plain)
        href = a["href"]
        assert href.startswith(prefix) and not href.removeprefix(prefix).startswith("../"), (where, href)
        page, _, line = href.removeprefix(prefix).partition(".html#L")
        (sid,) = [s for s, src in sources.registry().items() if src.page == page]
        start, _, end = (a.get("data-lines") or f"{line}-{line}").partition("-")
        assert int(start) == int(line)
        text = " ".join(" ".join(sources.lines(sid)[int(start) - 1:int(end)]).split())
        assert cells.find("number", value, text) is not None, f"{where}: {shown} is not printed at {href}"
        assert span is not None and span.get_text().startswith(f"{sources.get(sid).short_title}, line"), where
        ids.append(a["aria-describedby"])
    return ids


@pytest.mark.parametrize("pg", _pages(), ids=lambda pg: pg.name)
def test_every_number_pasted_as_markdown_resolves_and_lands_on_lines_printing_it(pg):
    from markdown_it import MarkdownIt

    glued = _glue_outputs(pg.path)
    popups: dict[str, str] = {}
    for m in _ROLE.finditer(_prose_of(pg.path)):
        name, role = m["body"], m["role"]
        if role == "text":
            key = name.rsplit(":", 1)[0] if name.count(":") else name
            assert key in glued, f"{pg.name}: {{glue:text}}`{name}` is not glued"
            assert "ccth-cell" not in glued[key].get("text/markdown", ""), \
                f"{pg.name}: {key} is a number the documents print: paste it with {{glue:md}} so that it links to its line"
        if role != "md":
            continue
        assert name in glued and "text/markdown" in glued[name], f"{pg.name}: {{glue:md}}`{name}` has nothing to paste"
        md = glued[name]["text/markdown"]
        is_number = not glued[name].get("text/plain", "<").startswith("<")  # a glued number, not a phrase
        for i in _check_linked_numbers(f"{pg.name}: {name}", md, glued[name]["text/plain"] if is_number and "ccth-cell" in md else None):
            assert i not in popups, f"{pg.name}: {name} repeats the pop-up of {popups[i]} (one id twice on the page)"
            popups[i] = name
        if "ccth-cell" in md:  # pasted as Markdown, a pop-up's quote reads as it is (no emphasis or code made of it)
            popup_texts = lambda html: [t.get_text() for t in soup(html).select("span.ccth-cell-source")]  # noqa: E731
            assert popup_texts(MarkdownIt("commonmark").renderInline(md)) == popup_texts(md), name


def test_the_book_pages_paste_their_linked_numbers_from_the_notebooks():
    from ccth_lib import paths
    from ccth_lib.page.glue import BOOK_PREFIX, BOOK_TO_PAGES

    root = paths.project_root()
    pasted = 0
    for md in sorted((root / "book").glob("*.md")):
        for m in _ROLE.finditer(md.read_text(encoding="utf-8")):
            doc, _, key = m["body"].partition("::")
            if not key:
                continue
            key = key.rsplit(":", 1)[0] if m["role"] == "text" and ":" in key else key
            glued = _glue_outputs((md.parent / doc).resolve())
            assert key in glued, f"{md.name}: {m[0]} is not glued"
            if m["role"] == "text":
                assert "ccth-cell" not in glued[key].get("text/markdown", ""), f"{md.name}: {m[0]} links nowhere from here"
            elif key.startswith(BOOK_PREFIX):
                _check_linked_numbers(f"{md.name}: {key}", glued[key]["text/html"], glued[key]["text/plain"], BOOK_TO_PAGES)
                pasted += 1
    assert pasted >= 7  # the home page's target, case-management totals and delay; the stratification rate


# --- A source link in prose: the same accessible component as a number's link --------------------


def test_a_source_link_in_prose_carries_its_lines_and_its_quote_as_a_popup():
    from ccth_lib import sources
    from ccth_lib.page.links import inline_link, linked_value

    quote = "reduce emergency usage of secondary services by 385 cases per 5000 head of population"
    html = soup(inline_link(SourceLink("paper-2018-10", 30, 32, quote)))
    a = html.select_one("a")
    assert a.get_text() == "lines 30–32", "the visible text is the lines, as before"
    assert a["href"] == "evidence_paper.html#L30" and a["data-lines"] == "30-32"
    assert "title" not in a.attrs, "the pop-up replaces the browser's tooltip"
    described = html.find(id=a["aria-describedby"])
    assert described.has_attr("hidden") and "ccth-cell-source" in described["class"]  # what the site's script shows
    assert described.get_text() == f"{sources.get('paper-2018-10').short_title}, lines 30–32: “{quote}”"
    # with the document's name; one line has no range to carry
    one = soup(inline_link(SourceLink("paper-2018-10", 69, 69, "Total 2963"), with_document=True)).select_one("a")
    assert one.get_text() == f"{sources.get('paper-2018-10').short_title}, line 69" and not one.has_attr("data-lines")
    # the same component as a number's link: the same attributes and the same kind of description
    number = soup(linked_value(2963, "count", {"source_id": "paper-2018-10", "line_start": 69, "line_end": 72, "quote": "q"}, "total"))
    cell = number.select_one("a")
    assert set(cell.attrs) - {"data-column"} == set(a.attrs) - {"title"}
    assert number.find(id=cell["aria-describedby"])["class"] == described["class"]


def test_a_long_quote_is_shortened_in_the_popup_and_markdown_reads_it_as_it_is():
    from markdown_it import MarkdownIt

    from ccth_lib.page.links import QUOTE_CHARS, inline_link

    long = "**Phase 3** – delayed by four months, " + "intensive design_sessions `scheduled` [to] take $place$ {{later}} " * 8
    md = str(inline_link(SourceLink("highlight-2018-10", 100, 104, long)))
    described = soup(md).select_one("span[hidden]").get_text()
    assert described.startswith("Highlight report") and "**Phase 3**" in described and len(described) < QUOTE_CHARS + 80
    assert described.endswith("…”")
    # pasted with {glue:md}: the quote's asterisks, underscores, backticks, brackets, dollars and
    # braces stay text (no emphasis, code, link, maths or substitution is made of them)
    assert soup(MarkdownIt("commonmark").renderInline(md)).get_text() == soup(md).get_text()


# --- Each value copied from a row into a frame of its own links to its own line ------------------


def test_value_provenance_is_the_values_own_line_where_the_row_records_it():
    from ccth_lib import data
    from ccth_lib.page.links import value_provenance, with_value_provenance

    dec = data.load_table("paper_decisions")
    row = dec.iloc[1]
    own = value_provenance(row, "date")
    assert (own["line_start"], own["line_end"]) == (1123, 1123) and "20th December 2017" in own["quote"]
    assert value_provenance(row, "row_order")["line_end"] == row["line_end"], "a value without its own line: the row's"
    assert value_provenance({"source_id": "nowhere"}, "date") == {"source_id": "nowhere", "line_start": None, "line_end": None, "quote": None}
    framed = with_value_provenance(dec, "date")
    assert list(framed.index) == list(dec.index) and (framed["line_start"] == framed["line_end"]).all()


def test_the_records_findings_and_the_timeline_link_each_date_to_its_own_line():
    from ccth_lib import cells, data
    from ccth_lib.page import records, timeline

    rec = records.Records.load()
    dec = data.load_table(records.DECISIONS).set_index("row_order")
    f = rec.findings
    dated = f[(f["record"] == records.DECISIONS) & f["kind"].isin(["weekday", "date"])]
    assert len(dated)
    for r in dated.itertuples():
        own = cells.lines_of(dec.loc[r.row_order], "date")
        assert (r.line_start, r.line_end) == (own.start, own.end), r
    stood = f[(f["record"] == records.DECISIONS) & (f["kind"] == "stood_down")].iloc[0]
    own = cells.lines_of(dec.loc[stood["row_order"]], "decision_or_action")
    assert (stood["line_start"], stood["line_end"]) == (own.start, own.end) and "stood down" in stood["quote"]
    page = timeline.TimelinePage()
    entries = page.entries[page.entries["record"] == records.DECISIONS]
    assert len(entries) == len(dec)
    for e in entries.itertuples():
        own = cells.lines_of(dec.loc[e.row_order], "date")
        assert (e.line_start, e.line_end) == (own.start, own.end), e


def _page_outputs(name: str) -> BeautifulSoup:
    """What a page shows, made as the page makes it: its notebook's code run here (no kernel), each
    cell's last value kept when it is HTML."""
    import ast

    import nbformat

    from ccth_lib import paths

    nb = nbformat.read(paths.notebooks_dir() / f"{name}.ipynb", as_version=4)
    scope: dict = {"__name__": f"page_{name}"}
    shown = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, name, "exec"), scope)
        value = eval(compile(ast.Expression(last.value), name, "eval"), scope) if last else None
        if isinstance(value, str):
            shown.append(str(value))
    return soup("\n".join(shown))


def _cell_lines_index() -> dict:
    """(source, line_start, line_end) of each row of a table that records its values' lines → the
    row's (number or date, own lines) pairs."""
    from numbers import Number

    from ccth_lib import cells, data
    from ccth_lib.provenance import as_decimal

    out: dict = {}
    for name in data.list_tables():
        df = data.load_table(name)
        if "cell_lines" not in df.columns:
            continue
        for r in df.to_dict("records"):
            for c in cells.parse(r.get("cell_lines")):
                value = r.get(c.column)
                if isinstance(value, pd.Timestamp) or (isinstance(value, Number) and not isinstance(value, bool) and value == value):
                    key = (r["source_id"], int(r["line_start"]), int(r["line_end"]))
                    out.setdefault(key, []).append((value if isinstance(value, pd.Timestamp) else as_decimal(value), c))
    return out


def number_link_problems(html: BeautifulSoup, where: str, index: dict | None = None) -> tuple[int, list[str]]:
    """Each number's (or date's) link of ``html`` lands on lines that print it, and never on a whole
    row whose own line for that value is recorded (``cell_lines``); a number the documents do not
    print says so in its pop-up. Returns how many links were checked and the problems."""
    from ccth_lib import cells, sources, trace

    page_of = {s.page: s.id for s in sources.registry().values()}
    index = _cell_lines_index() if index is None else index
    checked, problems = 0, []
    for a in html.select("a[data-column][aria-describedby]"):
        target, _, anchor = a["href"].rpartition("#L")
        sid = page_of[target.rsplit("/", 1)[-1].removesuffix(".html")]
        start = int(anchor)
        end = int(a["data-lines"].split("-")[1]) if a.get("data-lines") else start
        described = html.find(id=a["aria-describedby"])
        text, at = a.get_text(), f"{where}: {a['data-column']} {a.get_text()!r} ({sid} {start}-{end})"
        if described is None:
            problems.append(f"{at}: no description")
            continue
        checked += 1
        if described.get_text().startswith("Not printed as such"):
            continue
        printed = cells.RowText(sources.lines(sid), start, end).text
        number = trace.as_number(text)
        if number is not None:
            found = cells.find("number", abs(number), printed)
        else:
            found = cells.find("date", pd.Timestamp(text), printed)
        if found is None:
            problems.append(f"{at}: not printed there")
        for value, own in index.get((sid, start, end), []):
            if number is not None and value == abs(number) and (own.start, own.end) != (start, end):
                problems.append(f"{at}: links its whole row; its own line is {own.lines_text}")
    return checked, problems


def date_entry_problems(html: BeautifulSoup, where: str, index: dict | None = None) -> tuple[int, list[str]]:
    """Each timeline entry dated to a day links to lines that print its date, and never to a whole
    row whose own line for the date is recorded (``cell_lines``)."""
    from ccth_lib import cells, sources
    from ccth_lib.page.records import plain_text

    page_of = {s.page: s.id for s in sources.registry().values()}
    index = _cell_lines_index() if index is None else index
    checked, problems = 0, []
    for tbl in html.select("table.ccth-table"):
        headers = [th.get_text() for th in tbl.select("thead th")]
        if "When" not in headers:
            continue
        for tr in tbl.select("tbody tr"):
            when = tr.select("td")[headers.index("When")].get_text()
            link = tr.select_one("td.lines a.ccth-lines")  # the row's source link (its last cell)
            if link is None or not re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}", when):
                continue
            target, _, anchor = link["href"].rpartition("#L")
            sid, start = page_of[target.rsplit("/", 1)[-1].removesuffix(".html")], int(anchor)
            end = int(link["data-lines"].split("-")[1]) if link.get("data-lines") else start
            checked += 1
            printed = plain_text(cells.RowText(sources.lines(sid), start, end).text)  # "1 <sup>st</sup> August" reads "1st August"
            if cells.find("date", pd.Timestamp(when), printed) is None:
                problems.append(f"{where}: the entry of {when} links to {sid} {start}-{end}, which does not print it")
            for value, own in index.get((sid, start, end), []):
                if value == pd.Timestamp(when) and (own.start, own.end) != (start, end):
                    problems.append(f"{where}: the entry of {when} links its whole row ({start}-{end}); its date's own line is {own.lines_text}")
    return checked, problems


#: The pages whose frames carry values copied from transcribed rows (findings, timeline, status).
COPYING_PAGES = ("programme_decisions", "programme_timeline", "programme_status")


def test_every_number_of_the_model_records_timeline_and_status_pages_links_to_a_line_that_prints_it():
    from ccth_lib import notebooks

    pages = [p.name for p in notebooks.pages() if p.name.startswith("model_")] + list(COPYING_PAGES)
    index = _cell_lines_index()
    checked = dated = 0
    problems = []
    for name in pages:
        html = _page_outputs(name)
        n, found = number_link_problems(html, name, index)
        d, late = date_entry_problems(html, name, index)
        checked, dated, problems = checked + n, dated + d, problems + found + late
    assert not problems, "\n".join(problems[:20])
    assert checked > 300 and dated > 40, (checked, dated)
