"""The page layer: one table component, readable numbers, links equal to each row's own lines."""

from __future__ import annotations

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
        assert r.quote in links[0]["title"]
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
