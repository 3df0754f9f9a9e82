"""Reconciliation of the Optimity table: what the source states against what its rows add up to;
the Finding record, the register and its counts."""

from __future__ import annotations

import pandas as pd
import pytest

from ccth_lib import data, reconcile


@pytest.fixture(scope="module")
def table():
    return data.load_table("paper_optimity_avoidability")


@pytest.fixture(scope="module")
def register(table):
    return reconcile.register(reconcile.optimity_findings(table)).set_index("id")


def test_every_item_row_adds_up_in_both_printings(register):
    rows = register[register.index.str.match(r"optimity\.printing\d\.row\d\.total")]
    assert len(rows) == 10
    assert (rows["status"] == "agrees").all()


def test_the_stated_usually_avoidable_total_is_two_more_than_its_rows(register):
    # The paper states 2963 (lines 69-72 and 983-993); its item rows add to 1093+1796+0+72+0 = 2961.
    for printing in (1, 2):
        f = register.loc[f"optimity.printing{printing}.total.usually_avoidable"]
        assert (f["stated"], f["derived"], f["difference"], f["status"]) == (2963, 2961, 2, "differs")


def test_the_stated_grand_total_is_two_more_than_its_rows(register):
    for printing in (1, 2):
        f = register.loc[f"optimity.printing{printing}.total.total"]
        assert (f["stated"], f["derived"], f["difference"]) == (5048, 5046, 2)


def test_sometimes_avoidable_total_agrees(register):
    for printing in (1, 2):
        assert register.loc[f"optimity.printing{printing}.total.sometimes_avoidable", "status"] == "agrees"


def test_exactly_four_findings_differ(register):
    assert sorted(register.index[register["status"] == "differs"]) == [
        "optimity.printing1.total.total",
        "optimity.printing1.total.usually_avoidable",
        "optimity.printing2.total.total",
        "optimity.printing2.total.usually_avoidable",
    ]


def test_the_two_printings_agree_cell_by_cell(register):
    cmp = register[register.index.str.startswith("optimity.printing2_vs_printing1.")]
    assert len(cmp) == 18
    assert (cmp["status"] == "agrees").all()
    assert (cmp["duplicate_of"] == "").all()  # a comparison of the printings is not a repeat of one


def test_the_second_printing_repeats_the_first_and_counts_once(register):
    second = register[register.index.str.startswith("optimity.printing2.")]
    assert len(second) == 8  # 5 item rows + 3 total columns
    assert dict(second["duplicate_of"]) == {i: i.replace("printing2", "printing1") for i in second.index}
    first = register[register.index.str.startswith("optimity.printing1.")]
    assert (first["duplicate_of"] == "").all()
    # 2963 vs 2961 (and 5048 vs 5046) is one discrepancy of the document each, printed twice
    assert reconcile.counts(register.reset_index()) == {
        "compared": 8 + 18, "agree": 6 + 18, "differ": 2, "by_construction": 0, "duplicates": 8,
    }


def test_a_findings_lines_are_those_of_the_stated_value(register, table):
    """The stated total's own line where the row records it (cell_lines), within the row's lines."""
    from ccth_lib import cells

    own_lines = 0
    for _, row in table.iterrows():
        fid = f"optimity.printing{row['printing']}.total.total" if row["row_kind"] == "total" else f"optimity.printing{row['printing']}.row{row['row_order']}.total"
        f = register.loc[fid]
        own = cells.lines_of(row, "total")
        expected = (own.start, own.end) if own is not None and len(own.parts) == 1 else (row["line_start"], row["line_end"])
        own_lines += own is not None
        assert f["source_id"] == row["source_id"] and (f["line_start"], f["line_end"]) == expected
        assert row["line_start"] <= f["line_start"] <= f["line_end"] <= row["line_end"]
    assert own_lines, "no row of the Optimity table records its values' own lines"
    assert register["line_start"].dtype == "int64" and register["line_end"].dtype == "int64"


def test_a_difference_between_printings_would_be_found_and_is_not_a_duplicate(table):
    df = table.copy()
    df.loc[(df["printing"] == 2) & (df["row_order"] == 4), "usually_avoidable"] = 70
    reg = reconcile.register(reconcile.optimity_findings(df)).set_index("id")
    f = reg.loc["optimity.printing2_vs_printing1.row4.usually_avoidable"]
    assert (f["stated"], f["derived"], f["difference"], f["status"]) == (70, 72, -2, "differs")
    # the second printing's Total row now adds to 2959, not 2961: its own discrepancy, counted
    t = reg.loc["optimity.printing2.total.usually_avoidable"]
    assert (t["stated"], t["derived"], t["difference"], t["duplicate_of"]) == (2963, 2959, 4, "")
    # ... while the columns the change does not touch still repeat the first printing
    assert reg.loc["optimity.printing2.total.sometimes_avoidable", "duplicate_of"] == "optimity.printing1.total.sometimes_avoidable"
    c = reconcile.counts(reg.reset_index())
    assert (c["differ"], c["duplicates"]) == (2 + 1 + 1 + 1, 6)  # + row 4 total, + printing-2 usually total, + cell comparison


def test_a_table_printed_once_has_no_duplicates(table):
    once = table[table["printing"] == 1]
    reg = reconcile.register(reconcile.optimity_findings(once))
    assert len(reg) == 8 and (reg["duplicate_of"] == "").all()


def test_finding_status_honours_tolerance():
    f = reconcile.Finding("x", "t", "w", stated=20.6, derived=20.61, source_id="s", line_start=1, line_end=1, method="m", tolerance=0.05)
    assert f.agrees and f.difference == pytest.approx(-0.01) and f.status == "agrees"
    assert not reconcile.Finding("x", "t", "w", 1, 2, "s", 1, 1, "m").agrees


def test_status_of_a_finding_by_construction():
    f = reconcile.Finding("x", "t", "w", 5, 5, "s", 1, 2, "m", basis="by construction")
    assert f.status == "agrees by construction"
    g = reconcile.Finding("y", "t", "w", 5, 4, "s", 1, 2, "m", basis="by construction")
    assert g.status == "differs by construction"


@pytest.mark.parametrize("kwargs,match", [
    ({"line_start": 5, "line_end": 4}, "line range 5-4 is not increasing"),
    ({"line_start": 0, "line_end": 4}, "line range 0-4 is not increasing"),
    ({"line_start": "1-2", "line_end": 4}, "is not a pair of integers"),
    ({"line_start": 1.5, "line_end": 4}, "is not a pair of integers"),
    ({"basis": "assumed"}, "basis 'assumed' is not one of"),
    ({"duplicate_of": "x"}, "cannot be a duplicate of itself"),
])
def test_bad_findings_are_rejected(kwargs, match):
    base = dict(id="x", topic="t", what="w", stated=1, derived=1, source_id="s", line_start=1, line_end=1, method="m")
    with pytest.raises(ValueError, match=match):
        reconcile.Finding(**(base | kwargs))


def test_duplicate_finding_ids_are_rejected():
    f = reconcile.Finding("x", "t", "w", 1, 1, "s", 1, 1, "m")
    with pytest.raises(ValueError, match="duplicate finding ids"):
        reconcile.register([f, f])


def test_a_duplicate_must_point_at_a_first_finding_in_the_register():
    a = reconcile.Finding("a", "t", "w", 1, 1, "s", 1, 1, "m")
    b = reconcile.Finding("b", "t", "w", 1, 1, "s", 2, 2, "m", duplicate_of="a")
    c = reconcile.Finding("c", "t", "w", 1, 1, "s", 3, 3, "m", duplicate_of="b")
    assert list(reconcile.register([a, b])["duplicate_of"]) == ["", "a"]
    with pytest.raises(ValueError, match="duplicate of 'a', which is not in the register"):
        reconcile.register([b])
    with pytest.raises(ValueError, match="itself a duplicate"):
        reconcile.register([a, b, c])


def test_as_duplicate_only_when_the_same_figure_and_derivation():
    first = reconcile.Finding("p1", "t", "w", 10, 8, "s", 1, 1, "m")
    same = reconcile.Finding("p2", "t", "w", 10, 8, "s", 9, 9, "m")
    other_stated = reconcile.Finding("p2", "t", "w", 11, 8, "s", 9, 9, "m")
    other_derived = reconcile.Finding("p2", "t", "w", 10, 9, "s", 9, 9, "m")
    assert reconcile.as_duplicate(same, first).duplicate_of == "p1"
    assert reconcile.as_duplicate(other_stated, first).duplicate_of == ""
    assert reconcile.as_duplicate(other_derived, first).duplicate_of == ""
    assert reconcile.as_duplicate(same, None).duplicate_of == ""


def test_counts_put_every_row_in_exactly_one_class():
    rows = [
        reconcile.Finding("a", "t", "w", 1, 1, "s", 1, 1, "m"),
        reconcile.Finding("b", "t", "w", 1, 2, "s", 1, 1, "m"),
        reconcile.Finding("c", "t", "w", 1, 2, "s", 2, 2, "m", duplicate_of="b"),
        reconcile.Finding("d", "t", "w", 3, 3, "s", 3, 3, "m", basis="by construction"),
        reconcile.Finding("e", "t", "w", 3, 2, "s", 3, 3, "m", basis="by construction"),
        reconcile.Finding("f", "t", "w", 3, 3, "s", 4, 4, "m"),
    ]
    c = reconcile.counts(reconcile.register(rows))
    assert c == {"compared": 3, "agree": 2, "differ": 1, "by_construction": 2, "duplicates": 1}
    assert c["compared"] + c["by_construction"] + c["duplicates"] == len(rows)
    assert reconcile.counts(reconcile.register([])) == dict.fromkeys(c, 0)


def test_counts_need_the_register_columns():
    with pytest.raises(ValueError, match=r"no column\(s\) \['basis', 'duplicate_of'\]"):
        reconcile.counts(pd.DataFrame({"status": ["agrees"]}))


def test_register_columns():
    assert reconcile.REGISTER_COLUMNS == [
        "id", "topic", "what", "stated", "derived", "difference", "status", "basis", "duplicate_of",
        "source_id", "line_start", "line_end", "method", "tolerance",
        "kind", "severity", "certainty", "origin", "locations", "explanation", "check", "inputs", "relation",
    ]
    assert list(reconcile.register([]).columns) == reconcile.REGISTER_COLUMNS
    assert isinstance(reconcile.register([]), pd.DataFrame)


def test_a_text_finding_compares_without_case_spacing_or_markup():
    f = reconcile.Finding("x", "t", "w", "15 <sup>th</sup> August 2018", "15th august 2018.", "s", 1, 1, "m")
    assert f.agrees and f.difference is None and not f.numeric
    g = reconcile.Finding("y", "t", "w", "Wednesday", "Thursday", "s", 1, 1, "m")
    assert g.status == "differs"
    row = reconcile.register([g]).iloc[0]
    assert row["difference"] != row["difference"]  # NaN for texts


@pytest.mark.parametrize("relation, stated, derived, agrees", [
    ("<=", 481000, 500000, True), (">=", 481000, 500000, False), ("!=", 24, 25, True), ("!=", 24, 24, False),
    (">=", "2018-10-17", "2018-10-18", False), ("<=", "2018-10-17", "2018-10-18", True), (">=", "2017-11", "2017-11-14", True),
])
def test_relations(relation, stated, derived, agrees):
    assert reconcile.Finding("x", "t", "w", stated, derived, "s", 1, 1, "m", relation=relation).agrees is agrees


def test_a_relation_on_texts_needs_dates():
    with pytest.raises(ValueError, match="needs two numbers or two dates"):
        reconcile.Finding("x", "t", "w", "a", "b", "s", 1, 1, "m", relation="<=").agrees


@pytest.mark.parametrize("kwargs, match", [
    ({"kind": "gossip"}, "kind 'gossip' is not one of"),
    ({"severity": "dire"}, "severity 'dire' is not one of"),
    ({"certainty": "maybe"}, "certainty 'maybe' is not one of"),
    ({"origin": "nobody"}, "origin 'nobody' is not one of"),
    ({"relation": "<"}, "relation '<' is not one of"),
])
def test_bad_classifications_are_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        reconcile.Finding("x", "t", "w", 1, 1, "s", 1, 1, "m", **kwargs)


def test_every_location_and_the_merged_locations_of_a_finding_printed_twice():
    a = reconcile.Finding("a", "t", "w", 3, 2, "s", 1, 2, "m", locations=[("s", 9, 9), ("s", 1, 2)])
    assert a.all_locations == (reconcile.Location("s", 1, 2), reconcile.Location("s", 9, 9))  # the primary is not repeated
    b = reconcile.Finding("b", "t", "w", 3, 2, "s", 20, 21, "m", duplicate_of="a")
    c = reconcile.Finding("c", "t", "w", 3, 3, "s", 30, 30, "m")
    found = reconcile.disagreements(reconcile.register([a, b, c]))
    assert list(found["id"]) == ["a"]
    assert reconcile.parse_locations(found.iloc[0]["locations"]) == [
        reconcile.Location("s", 1, 2), reconcile.Location("s", 9, 9), reconcile.Location("s", 20, 21)]


def test_the_headline_keeps_the_analysis_apart():
    rows = [
        reconcile.Finding("doc", "t", "w", 1, 2, "s", 1, 1, "m"),
        reconcile.Finding("doc2", "t", "w", 1, 2, "s", 2, 2, "m", certainty="probable"),
        reconcile.Finding("dup", "t", "w", 1, 2, "s", 3, 3, "m", duplicate_of="doc"),
        reconcile.Finding("art", "t", "w", 1, 2, "s", 4, 4, "m", origin="analysis"),
        reconcile.Finding("fit", "t", "w", 5, 5, "s", 5, 5, "m", basis="by construction"),
        reconcile.Finding("ok", "t", "w", 5, 5, "s", 6, 6, "m"),
    ]
    assert reconcile.headline(reconcile.register(rows)) == {
        "comparisons": 5, "disagreements": 3, "documents": 2, "documents_certain": 1, "documents_probable": 1,
        "artefacts": 2, "by_construction": 1, "duplicates": 1,
    }
