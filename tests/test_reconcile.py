"""Reconciliation of the Optimity table: what the source states against what its rows add up to."""

from __future__ import annotations

import pandas as pd
import pytest

from ccth_lib import data, reconcile


@pytest.fixture(scope="module")
def register():
    return reconcile.register(reconcile.optimity_findings(data.load_table("paper_optimity_avoidability"))).set_index("id")


def test_every_service_row_adds_up_in_both_printings(register):
    rows = register[register.index.str.match(r"optimity\.copy\d\.row\d\.total")]
    assert len(rows) == 10
    assert (rows["status"] == "agrees").all()


def test_the_stated_usually_avoidable_total_is_two_more_than_its_rows(register):
    # The paper states 2963 (lines 70 and 984); its service rows add to 1093+1796+0+72+0 = 2961.
    for copy in (1, 2):
        f = register.loc[f"optimity.copy{copy}.total.usually_avoidable"]
        assert (f["stated"], f["derived"], f["difference"], f["status"]) == (2963, 2961, 2, "differs")


def test_the_stated_grand_total_is_two_more_than_its_rows(register):
    for copy in (1, 2):
        f = register.loc[f"optimity.copy{copy}.total.total"]
        assert (f["stated"], f["derived"], f["difference"]) == (5048, 5046, 2)


def test_sometimes_avoidable_total_agrees(register):
    for copy in (1, 2):
        assert register.loc[f"optimity.copy{copy}.total.sometimes_avoidable", "status"] == "agrees"


def test_exactly_four_findings_differ(register):
    assert sorted(register.index[register["status"] == "differs"]) == [
        "optimity.copy1.total.total",
        "optimity.copy1.total.usually_avoidable",
        "optimity.copy2.total.total",
        "optimity.copy2.total.usually_avoidable",
    ]


def test_the_two_printings_agree_cell_by_cell(register):
    cmp = register[register.index.str.startswith("optimity.copy2_vs_copy1.")]
    assert len(cmp) == 18
    assert (cmp["status"] == "agrees").all()


def test_a_difference_between_printings_would_be_found():
    df = data.load_table("paper_optimity_avoidability").copy()
    df.loc[(df["copy"] == 2) & (df["row_order"] == 4), "usually_avoidable"] = 70
    reg = reconcile.register(reconcile.optimity_findings(df)).set_index("id")
    f = reg.loc["optimity.copy2_vs_copy1.row4.usually_avoidable"]
    assert (f["stated"], f["derived"], f["difference"], f["status"]) == (70, 72, -2, "differs")


def test_finding_status_honours_tolerance():
    f = reconcile.Finding("x", "t", "w", stated=20.6, derived=20.61, source_id="s", lines="1-1", method="m", tolerance=0.05)
    assert f.agrees and f.difference == pytest.approx(-0.01)
    assert not reconcile.Finding("x", "t", "w", 1, 2, "s", "1-1", "m").agrees


def test_duplicate_finding_ids_are_rejected():
    f = reconcile.Finding("x", "t", "w", 1, 1, "s", "1-1", "m")
    with pytest.raises(ValueError, match="duplicate finding ids"):
        reconcile.register([f, f])


def test_register_columns():
    assert list(reconcile.register([]).columns) == reconcile.REGISTER_COLUMNS
    assert isinstance(reconcile.register([]), pd.DataFrame)
