"""Cell-level provenance and row counts: each value at its own line, in the order printed.

A swapped pair of values, a deleted row and a table cut short must each fail ``ccth validate``
(which ``make book`` runs first) with a message naming the file, the row and the column. The
negative tests edit a scratch copy of the data (``tmp_project``), never the project's.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from ccth_lib import cells, data
from ccth_lib.cells import CellLine
from ccth_lib.described import DataValidationError

CCTH = Path(sys.executable).with_name("ccth")


# ---------------------------------------------------------------------------------------------
# Helpers: edit a table of the scratch copy


def read_rows(project: Path, name: str) -> list[list[str]]:
    text = (project / "data" / "tables" / f"{name}.csv").read_text(encoding="utf-8")
    return list(csv.reader(io.StringIO(text)))


def write_rows(project: Path, name: str, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    (project / "data" / "tables" / f"{name}.csv").write_text(out.getvalue(), encoding="utf-8")


def problems_of(name: str) -> str:
    with pytest.raises(DataValidationError) as err:
        data.load_table(name)
    return str(err.value)


def validate_cli(project: Path, *names: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, CCTH_ROOT=str(project), CCTH_CACHE_DIR="off")
    return subprocess.run([str(CCTH), "validate", *names], capture_output=True, text=True, env=env, timeout=300)


# ---------------------------------------------------------------------------------------------
# The format


def test_cell_lines_parse_and_format_round_trip():
    text = "usually_avoidable=70; sometimes_avoidable=71; total=72-73; notes=491,509-511"
    parsed = cells.parse(text)
    assert parsed == [
        CellLine("usually_avoidable", ((70, 70),)),
        CellLine("sometimes_avoidable", ((71, 71),)),
        CellLine("total", ((72, 73),)),
        CellLine("notes", ((491, 491), (509, 511))),
    ]
    assert cells.format_cells(parsed) == text
    assert cells.parse("") == [] and cells.parse(None) == [] and cells.parse(float("nan")) == []


@pytest.mark.parametrize("bad", ["total", "total=", "total=12-10", "total=0", "notes=20,15", "a=1;; b=2", "2x=4"])
def test_malformed_cell_lines_are_refused(bad):
    with pytest.raises(ValueError):
        cells.parse(bad)


def test_kinds_follow_the_schema():
    fields = [
        {"name": "row_order", "type": "integer", "ccth_verbatim": False},
        {"name": "n", "type": "integer"},
        {"name": "label", "type": "string", "ccth_verbatim": True},
        {"name": "notes", "type": "string"},
        {"name": "when", "type": "date"},
        {"name": "flag", "type": "boolean"},
        {"name": "cell_lines", "type": "string"},
        {"name": "line_start", "type": "integer"},
    ]
    assert cells.kinds(fields) == {"row_order": None, "n": "number", "label": "text", "notes": "words", "when": "date", "flag": None}


# ---------------------------------------------------------------------------------------------
# The check, on a made-up source

SOURCE = [
    "Service Usually Sometimes Total",  # 1
    "Hospital at Home",                 # 2
    "1,093",                            # 3
    "48",                               # 4
    "1141",                             # 5
    "Total 2963 2085 5048",             # 6
    "Monday 4th December 2017 Commissioning Team",  # 7
    "Being utilised as the software",   # 8
    "to support risk stratification",   # 9
]
KINDS = {"service": "words", "usually": "number", "sometimes": "number", "total": "number", "group": "text", "date": "date"}


def check(row: dict, start: int, end: int) -> list[str]:
    row = {"source_id": "doc", "line_start": start, "line_end": end, **row}
    return [p.located for p in cells.check_cells(file="t.csv", row_number=1, row=row, kinds=KINDS, source_lines=SOURCE)]


def test_each_value_at_its_own_line_passes():
    row = {"service": "Hospital at Home", "usually": 1093, "sometimes": 48, "total": 1141,
           "cell_lines": "service=2; usually=3; sometimes=4; total=5"}
    assert check(row, 2, 5) == []


def test_a_value_at_the_wrong_line_fails_naming_the_column_and_the_line():
    row = {"usually": 1093, "sometimes": 48, "total": 1141, "cell_lines": "usually=3; sometimes=5; total=5"}
    (problem,) = check(row, 2, 5)
    assert "column 'sometimes'" in problem and "'48' is not printed at doc line 5" in problem and "“1141”" in problem


def test_values_swapped_on_one_line_fail_the_order_check():
    good = {"usually": 2963, "sometimes": 2085, "total": 5048, "cell_lines": "usually=6; sometimes=6; total=6"}
    assert check(good, 6, 6) == []
    swapped = dict(good, usually=2085, sometimes=2963)
    problems = check(swapped, 6, 6)
    assert len(problems) == 1 and "column 'sometimes'" in problems[0] and "before the value of 'usually'" in problems[0]


def test_the_pairs_must_be_listed_in_the_order_printed():
    row = {"usually": 1093, "sometimes": 48, "cell_lines": "sometimes=4; usually=3"}
    assert any("order printed" in p and "column 'usually'" in p for p in check(row, 2, 5))


def test_every_printed_value_needs_its_line_but_an_inherited_date_does_not():
    row = {"usually": 1093, "sometimes": 48, "date": pd.Timestamp("2017-12-04"), "cell_lines": "usually=3"}
    (problem,) = check(row, 2, 7)
    assert "column 'sometimes'" in problem and "has no line" in problem


def test_a_line_outside_the_rows_range_or_for_an_unknown_column_fails():
    assert any("outside the row's lines 2-5" in p for p in check({"usually": 1093, "cell_lines": "usually=6"}, 2, 5))
    assert any("does not have" in p for p in check({"usually": 1093, "cell_lines": "usually=3; nope=4"}, 2, 5))


def test_dates_and_their_printed_text_share_a_line():
    row = {"group": "Commissioning Team", "date": pd.Timestamp("2017-12-04"), "cell_lines": "date=7; group=7"}
    assert check(row, 7, 7) == []
    wrong = dict(row, date=pd.Timestamp("2017-12-05"))
    assert any("column 'date'" in p and "not printed" in p for p in check(wrong, 7, 7))


def test_reassembled_text_may_be_split_but_printed_values_may_not():
    row = {"service": "Being utilised as the software to support risk stratification", "cell_lines": "service=8,9"}
    assert check(row, 8, 9) == []
    assert any("words" in p for p in check(dict(row, service="Being utilised for dialysis"), 8, 9))
    split_number = {"usually": 1093, "cell_lines": "usually=3,5"}
    assert any("only reassembled text may be split" in p for p in check(split_number, 2, 5))


# ---------------------------------------------------------------------------------------------
# The project's data


def test_every_transcribed_table_declares_its_row_count():
    for name in data.list_tables():
        if name in data.REGISTERS:
            continue
        rows = data.table_info(name).descriptor.get("ccth", {}).get("rows")
        assert isinstance(rows, dict) and rows.get("count") == len(data.load_table(name)), name


def test_stated_counts_quote_the_source():
    stated = {n: data.table_info(n).descriptor["ccth"]["rows"] for n in data.list_tables() if n not in data.REGISTERS}
    with_words = {n: r for n, r in stated.items() if "quote" in r}
    assert {"strategy_big_ticket_items", "strategy_objectives", "hwbb2018_workforce_key_areas", "hwbb2017_workstream_key_products"} <= set(with_words)
    for name, spec in with_words.items():
        assert cells.count_in(spec["quote"], int(spec.get("stated", spec["count"]))), name


#: rows longer than this many lines must give each value its own line (a flattened table)
LONG = 10
#: tables with a row longer than LONG lines whose long row is one value printed over many lines
#: (wrapped prose), where a cell line would add nothing to the row's range
ONE_LONG_VALUE = {
    "figures": "paper_crisis_share_pct: one value (35.8) under a column heading interleaved over lines 1017-1027",
    "hwbb2018_status_report": "row 139: one paragraph (the point) of 14 lines",
    "paper_case_management_process": "row 6: one process step's text, wrapped",
}


def test_every_table_with_long_rows_records_the_line_of_each_value():
    with_cells = []
    for name in data.list_tables():
        df = data.load_table(name)
        long_rows = df[(df["line_end"] - df["line_start"] + 1) > LONG]
        if long_rows.empty:
            continue
        if name in ONE_LONG_VALUE:
            assert len(long_rows) == 1, f"{name}: {len(long_rows)} long rows; only one is explained"
            continue
        assert cells.CELL_LINES in df.columns, f"{name}: {len(long_rows)} row(s) span more than {LONG} lines but no cell_lines"
        with_cells.append(name)
    assert len(with_cells) >= 11


def test_no_printed_value_spans_more_than_ten_lines():
    checked = 0
    for name in data.list_tables():
        df = data.load_table(name)
        if cells.CELL_LINES not in df.columns:
            continue
        for row in df.to_dict("records"):
            for c in cells.parse(row[cells.CELL_LINES]):
                assert all(b - a + 1 <= LONG for a, b in c.parts), (name, c)
                checked += 1
    assert checked > 500


def test_the_three_figures_of_the_browser_test_have_their_own_lines():
    opt = data.load_table("paper_optimity_avoidability")
    total = opt[(opt["printing"] == 1) & (opt["row_kind"] == "total")].iloc[0]
    assert cells.lines_of(total, "usually_avoidable") == CellLine("usually_avoidable", ((70, 70),))
    model = data.load_table("paper_locality_model").set_index("locality", drop=False)
    assert cells.lines_of(model.loc["Total"], "case_management") == CellLine("case_management", ((1044, 1044),))
    traj = data.load_table("paper_trajectory")
    row = traj[(traj["locality"] == "Total") & (traj["year"] == "2020/21")].iloc[0]
    assert row["nel_avoidance_target"] == 1772
    assert cells.lines_of(row, "nel_avoidance_target") == CellLine("nel_avoidance_target", ((844, 844),))


# ---------------------------------------------------------------------------------------------
# Negative tests on a copy of the data: swapped, deleted, truncated


def test_swapped_values_fail_naming_file_row_and_column(tmp_project):
    rows = read_rows(tmp_project, "paper_optimity_avoidability")
    header = rows[0]
    u, s = header.index("usually_avoidable"), header.index("sometimes_avoidable")
    rows[6][u], rows[6][s] = rows[6][s], rows[6][u]  # the first printing's Total: 2963 <-> 2085
    write_rows(tmp_project, "paper_optimity_avoidability", rows)
    message = problems_of("paper_optimity_avoidability")
    assert "data/tables/paper_optimity_avoidability.csv" in message
    assert "row 6 (CSV line 7), column 'usually_avoidable': the value '2085' is not printed at paper-2018-10 line 70" in message
    assert "row 6 (CSV line 7), column 'sometimes_avoidable'" in message


def test_values_swapped_between_rows_fail(tmp_project):
    """The row-level check passes this swap (both values lie in both rows' ranges); the cell check does not."""
    rows = read_rows(tmp_project, "paper_trajectory")
    col = rows[0].index("nel_avoidance_target")
    rows[1][col], rows[2][col] = rows[2][col], rows[1][col]  # North 2019/20 and 2020/21: 286 <-> 572
    write_rows(tmp_project, "paper_trajectory", rows)
    message = problems_of("paper_trajectory")
    assert "row 1 (CSV line 2), column 'nel_avoidance_target': the value '572' is not printed at paper-2018-10 line 824" in message
    assert "row 2 (CSV line 3), column 'nel_avoidance_target'" in message


def test_swapped_texts_of_a_log_fail(tmp_project):
    rows = read_rows(tmp_project, "paper_decisions")
    col = rows[0].index("group")
    rows[1][col], rows[2][col] = rows[2][col], rows[1][col]
    write_rows(tmp_project, "paper_decisions", rows)
    message = problems_of("paper_decisions")
    assert "row 1 (CSV line 2), column 'group': the value 'Clinical Commissioning Committee (CCC)' is not printed at paper-2018-10 line 1148" in message


def test_a_deleted_row_fails_naming_the_row_where_the_numbering_breaks(tmp_project):
    rows = read_rows(tmp_project, "paper_locality_model")
    del rows[2]  # Central
    write_rows(tmp_project, "paper_locality_model", rows)
    message = problems_of("paper_locality_model")
    assert "data/tables/paper_locality_model.csv" in message
    assert "row 2 (CSV line 3), column 'row_order': row_order is 3 where 2 was expected" in message
    assert "the table ends here, after 3 row(s), but ccth.rows declares 4" in message


def test_a_deleted_row_renumbered_still_fails_on_the_count(tmp_project):
    rows = read_rows(tmp_project, "strategy_big_ticket_items")
    order = rows[0].index("row_order")
    del rows[3]
    for i, r in enumerate(rows[1:], start=1):
        r[order] = str(i)
    write_rows(tmp_project, "strategy_big_ticket_items", rows)
    message = problems_of("strategy_big_ticket_items")
    assert "row 5 (CSV line 6), column 'row_order': the table ends here, after 5 row(s), but ccth.rows declares 6" in message
    assert "“The six identified Big Ticket items”, strategy-2020-21 lines 1301-1301" in message


def test_a_truncated_table_fails(tmp_project):
    rows = read_rows(tmp_project, "paper_decisions")
    write_rows(tmp_project, "paper_decisions", rows[:21])  # cut after 20 of 24 decisions
    message = problems_of("paper_decisions")
    assert "row 20 (CSV line 21), column 'row_order': the table ends here, after 20 row(s), but ccth.rows declares 24" in message


def test_a_table_without_a_declared_count_fails(tmp_project):
    path = tmp_project / "data" / "tables" / "paper_phases.resource.yaml"
    desc = yaml.safe_load(path.read_text(encoding="utf-8"))
    del desc["ccth"]["rows"]
    path.write_text(yaml.safe_dump(desc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert "descriptor, ccth.rows: the descriptor must declare how many rows the table has" in problems_of("paper_phases")


def test_a_count_quote_that_does_not_state_the_count_fails(tmp_project):
    path = tmp_project / "data" / "tables" / "strategy_objectives.resource.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("rows: {count: 6,", "rows: {count: 6, stated: 5, note: wrong,"), encoding="utf-8")
    assert "does not state the count 5" in problems_of("strategy_objectives")


def test_ccth_validate_fails_on_a_swapped_pair(tmp_project):
    """What ``make book`` runs first: the command exits non-zero and names file, row and column."""
    assert validate_cli(tmp_project, "paper_optimity_avoidability").returncode == 0
    rows = read_rows(tmp_project, "paper_optimity_avoidability")
    header = rows[0]
    s, t = header.index("sometimes_avoidable"), header.index("total")
    rows[12][s], rows[12][t] = rows[12][t], rows[12][s]  # the second printing's Total: 2085 <-> 5048
    write_rows(tmp_project, "paper_optimity_avoidability", rows)
    proc = validate_cli(tmp_project, "paper_optimity_avoidability")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "data/tables/paper_optimity_avoidability.csv" in out
    assert "row 12 (CSV line 13), column 'sometimes_avoidable'" in out and "row 12 (CSV line 13), column 'total'" in out


# ---------------------------------------------------------------------------------------------
# On the page: every number links to its own lines, described by document, lines and quote


def soup(html):
    from bs4 import BeautifulSoup

    return BeautifulSoup(str(html), "html.parser")


def described_links(html, scope=None) -> list[tuple]:
    """(text, href, data-lines, column, description) of every number's link (in ``scope``)."""
    out = []
    for a in (scope or html).select("a.ccth-cell"):
        desc = html.find(id=a["aria-describedby"])
        assert desc is not None, a
        assert desc.has_attr("hidden") or desc.find_parent(attrs={"hidden": True}) is not None, "the description is hidden text"
        out.append((a.get_text(), a["href"], a.get("data-lines"), a["data-column"], desc.get_text()))
    return out


def test_each_number_of_a_table_links_to_its_own_line_with_its_quote():
    from ccth_lib.page.evidence import evidence_table

    html = soup(evidence_table("paper_optimity_avoidability"))
    total = html.select_one('tr[data-row="6"]')
    links = described_links(html, total)
    assert [(t, h, l, c) for t, h, l, c, _ in links] == [
        ("2,963", "evidence_paper.html#L70", None, "usually_avoidable"),
        ("2,085", "evidence_paper.html#L71", None, "sometimes_avoidable"),
        ("5,048", "evidence_paper.html#L72", None, "total"),
    ]
    assert links[0][4] == "Programme paper, October 2018, line 70: “2963” (the row: lines 69–72)"
    # positions (printing, order as printed) are not figures: not linked; the row keeps its one link
    first, second = total.select("td")[:2]
    assert (first.get_text(), second.get_text()) == ("1", "6") and first.a is None and second.a is None
    row_link = total.select_one("a.ccth-lines")
    assert row_link["href"] == "evidence_paper.html#L69" and row_link["data-lines"] == "69-72"
    assert html.find(id=row_link["aria-describedby"]).get_text().startswith("Programme paper, October 2018, lines 69–72: “")
    assert not row_link.has_attr("title")  # the pop-up is the one description
    ids = [a["aria-describedby"] for a in html.select("a[aria-describedby]")]
    assert len(ids) == len(set(ids)) and all(html.find(id=i) for i in ids)
    assert "cell_lines" not in html.select_one("thead").get_text() and "usually_avoidable=" not in html.get_text()


def test_a_number_without_its_own_line_links_to_its_rows_lines():
    from ccth_lib.page.evidence import evidence_table

    html = soup(evidence_table("strategy_efficiency_medicines"))
    tr = html.select_one('tr[data-row="2"]')
    links = described_links(html, tr)
    assert links and all(h == "evidence_strategy.html#L435" and lines is None for _, h, lines, _, _ in links)
    assert all(d.startswith("Clinical commissioning strategy 2020–21, line 435: “Meds Management - Drug Switches 280") for *_, d in links)


def test_derived_numbers_say_they_are_not_printed_and_links_can_be_off():
    df = pd.DataFrame({"what": ["Usually avoidable"], "stated": [2963], "derived": [2964],
                       "source_id": ["paper-2018-10"], "line_start": [69], "line_end": [72], "quote": ["Total 2963 2085 5048"]})
    from ccth_lib.page import table

    html = soup(table(df, {"what": "Figure", "stated": "Stated", "derived": "Derived"}))
    (stated, derived) = described_links(html)
    assert stated[1] == "evidence_paper.html#L69" and stated[2] == "69-72"
    assert stated[4] == "Programme paper, October 2018, lines 69–72: “Total 2963 2085 5048”"
    assert derived[4].startswith("Not printed as such in the document") and "lines 69–72" in derived[4]
    assert soup(table(df, {"stated": "Stated"}, links=False)).select("a") == []


def test_a_long_quote_is_shortened_around_the_value():
    df = pd.DataFrame({"n": [1772], "source_id": ["paper-2018-10"], "line_start": [771], "line_end": [846], "quote": ["20% NEL"]})
    from ccth_lib.page import table

    (link,) = described_links(soup(table(df, {"n": "N"})))
    assert link[2] == "771-846" and "1772" in link[4] and link[4].count("…") >= 1 and len(link[4]) < 300


def test_prose_numbers_link_like_table_numbers():
    from ccth_lib.page.links import figure_value, linked_value

    traj = data.load_table("paper_trajectory")
    row = traj[(traj["locality"] == "Total") & (traj["year"] == "2020/21")].iloc[0]
    html = soup(linked_value(row["nel_avoidance_target"], "count", row, "nel_avoidance_target"))
    a = html.select_one("a.ccth-cell")
    assert a.get_text() == "1,772" and a["href"] == "evidence_paper.html#L844"
    assert html.find(id=a["aria-describedby"]).get_text().startswith("Programme paper, October 2018, line 844: “1772”")
    fig = data.figures().iloc[0]
    fhtml = soup(figure_value(fig["id"]))
    assert fhtml.select_one("a.ccth-cell")["href"].endswith(f"#L{int(fig['line_start'])}")


def test_a_value_carried_alone_keeps_its_own_lines():
    from ccth_lib import sources

    dec = data.load_table("paper_decisions").iloc[1].to_dict()
    prov = cells.value_provenance(dec, "date", sources.lines(dec["source_id"]))
    assert prov == {"source_id": "paper-2018-10", "line_start": 1123, "line_end": 1123, "quote": "Wednesday 20th December 2017"}
    assert cells.value_provenance(dec, "row_order", sources.lines(dec["source_id"]))["line_end"] == 1175
