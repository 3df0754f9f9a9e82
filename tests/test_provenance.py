"""Unit tests of the provenance checks (pure functions over source lines)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ccth_lib import provenance as pv

LINES = [
    "Total NEL Admissions",  # 1
    "August 16 – July 17",  # 2
    "14,556",  # 3
    "equating to 20.6% of the total",  # 4
    "a funding gap of £74 million and c£12m",  # 5
]


def test_numbers_in_reads_thousands_separators_decimals_and_currency():
    assert pv.numbers_in("14,556 and 20.6% and £74 million, c4,000; (1.2)") == {
        Decimal("14556"), Decimal("20.6"), Decimal("74"), Decimal("4000"), Decimal("1.2")
    }


def test_normalise_collapses_whitespace():
    assert pv.normalise("  a\n b\t\tc ") == "a b c"


def row(**kw):
    base = {"source_id": "s", "line_start": 1, "line_end": 3, "quote": "Total NEL Admissions August 16"}
    return base | kw


def check(r, numeric=("value",), verbatim=()):
    return pv.check_row(file="t.csv", row_number=1, row=r, numeric_fields=numeric,
                        verbatim_string_fields=verbatim, source_lines=LINES)


def test_a_good_row_has_no_problems():
    assert check(row(value=14556)) == []


def test_quote_must_lie_within_the_line_range():
    problems = check(row(value=14556, quote="20.6% of the total"))
    assert [p.column for p in problems] == ["quote"]
    assert "not found verbatim in s lines 1-3" in problems[0].message


def test_a_changed_number_is_reported_with_file_row_and_column():
    (p,) = check(row(value=14557))
    assert str(p) == "t.csv, row 1 (CSV line 2), column 'value': value 14557 does not appear in s lines 1-3"


def test_number_outside_the_line_range_is_not_accepted():
    assert [p.column for p in check(row(value=20.6))] == ["value"]
    assert check(row(value=20.6, line_start=4, line_end=4, quote="equating to")) == []


def test_missing_values_are_not_checked():
    assert check(row(value=None)) == []
    assert check(row(value=float("nan"))) == []


def test_line_range_outside_the_document_is_reported():
    (p,) = check(row(value=1, line_end=99))
    assert p.column == "line_start" and "1-5" in p.message


def test_verbatim_string_fields():
    assert check(row(name="NEL Admissions"), numeric=(), verbatim=("name",)) == []
    (p,) = check(row(name="NEL admissions"), numeric=(), verbatim=("name",))
    assert p.column == "name"


def test_empty_quote_is_a_problem():
    assert [p.column for p in check(row(value=14556, quote="  "))] == ["quote"]


@pytest.mark.parametrize("spec,expected", [("40-72", (40, 72)), ("12", (12, 12))])
def test_parse_lines(spec, expected):
    assert pv.parse_lines(spec) == expected


@pytest.mark.parametrize("spec", ["72-40", "a-b", "0-3", "1-2-3"])
def test_parse_lines_rejects_bad_ranges(spec):
    with pytest.raises(ValueError):
        pv.parse_lines(spec)


def test_count_entries():
    assert pv.count_entries(LINES, "1-5", r"\d") == 4
    assert pv.count_entries(LINES, "3-4", r"^\d") == 1
