"""The whole reconciliation register: line ranges, basis, duplicates and counts."""

from __future__ import annotations

import pytest

from ccth_lib import data, reconcile, sources
from ccth_lib.models import defaults, register as register_mod
from ccth_lib.provenance import excerpt, numbers_in


@pytest.fixture(scope="module")
def evidence():
    chain_ev = defaults.chain_evidence()
    strategy_ev = {n: data.load_table(n) for n in register_mod.STRATEGY_TABLES} | {"figures": chain_ev["figures"]}
    return chain_ev, strategy_ev


@pytest.fixture(scope="module")
def whole():
    return register_mod.load_register()


@pytest.fixture(scope="module")
def reg(whole):
    """The arithmetic the models re-derive (the register's kind "model")."""
    return whole[whole["kind"] == reconcile.MODEL].reset_index(drop=True)


def test_register_columns_and_types(whole, reg):
    assert list(whole.columns) == reconcile.REGISTER_COLUMNS
    assert whole["line_start"].dtype == "int64" and whole["line_end"].dtype == "int64"
    assert (whole["line_start"] <= whole["line_end"]).all() and (whole["line_start"] >= 1).all()
    assert set(reg["basis"]) == {"independent", "by construction"}
    assert set(whole.loc[whole["kind"] != reconcile.MODEL, "basis"]) == {"independent"}
    assert whole["id"].is_unique


def test_the_models_findings_are_classified_by_data_checks_models_yaml(reg):
    by_id = reg.set_index("id")
    assert by_id.loc["chain.4.case_management_total_from_county", "origin"] == "analysis"
    assert set(by_id.loc[by_id.index.str.startswith("strategy.frailty."), "origin"]) == {"analysis"}
    assert by_id.loc["optimity.printing1.total.usually_avoidable", "severity"] == "high"
    assert by_id.loc["chain.6.method_rate.2019_20", "certainty"] == "probable"
    assert (by_id["explanation"] != "").all()


def test_every_finding_points_at_one_row_that_prints_its_stated_figure(reg, evidence):
    """One row's lines, or the stated value's own lines where its row records them (cell_lines)."""
    from ccth_lib import cells

    rows = [r for ev in evidence for df in ev.values() for _, r in df.iterrows()]
    spans = {(r["source_id"], int(r["line_start"]), int(r["line_end"])) for r in rows} | {
        (r["source_id"], c.start, c.end) for r in rows for c in cells.parse(r.get("cell_lines"))}
    for f in reg.itertuples():
        assert (f.source_id, f.line_start, f.line_end) in spans, f.id
        printed = {float(n) for n in numbers_in(excerpt(sources.lines(f.source_id), f.line_start, f.line_end))}
        assert abs(f.stated) in printed, f.id


def test_only_the_frailty_anchor_row_agrees_by_construction(reg):
    constructed = reg[reg["basis"] == "by construction"]
    assert sorted(constructed["id"]) == ["strategy.frailty.mild.2016", "strategy.frailty.mild.2026", "strategy.frailty.mild.2036"]
    assert (constructed["status"] == "agrees by construction").all()
    assert set(reg.loc[reg["basis"] == "independent", "status"]) == {"agrees", "differs"}


def test_duplicates_are_second_printings_of_the_same_comparison(reg):
    dup = reg[reg["duplicate_of"] != ""].set_index("id")
    by_id = reg.set_index("id")
    assert len(dup) == 8 + 3  # Optimity (5 rows, 3 totals) and Community & Place Based Care efficiencies (3 years)
    for fid, f in dup.iterrows():
        assert ".printing2." in fid and f["duplicate_of"] == fid.replace(".printing2.", ".printing1.")
        first = by_id.loc[f["duplicate_of"]]
        assert (first["stated"], first["derived"], first["status"], first["duplicate_of"]) == (f["stated"], f["derived"], f["status"], "")
        assert (first["line_start"], first["line_end"]) != (f["line_start"], f["line_end"])  # each printing has its own lines


def test_counts(reg, whole):
    c = reconcile.counts(reg)
    assert c["compared"] == c["agree"] + c["differ"]
    assert c["compared"] + c["by_construction"] + c["duplicates"] == len(reg)
    assert (c["by_construction"], c["duplicates"]) == (3, 11)
    # the documents' discrepancies, each counted once: Optimity usually-avoidable and grand totals (2),
    # the chain's six, Individual Commissioning 2020/21, suicide deaths, and the frailty rows' four
    assert c["differ"] == 2 + 6 + 1 + 1 + 4
    independent = reg[(reg["duplicate_of"] == "") & (reg["basis"] == "independent")]
    assert c["agree"] == int((independent["status"] == "agrees").sum())
    # without the rules, the Optimity discrepancies would be counted twice and Mild as agreeing
    assert int((reg["status"] == "differs").sum()) == c["differ"] + 2
    # the declared checks that repeat a model's comparison (same figure, same lines, same value) are counted once
    repeats = whole[(whole["kind"] != reconcile.MODEL) & (whole["duplicate_of"] != "")]
    assert set(repeats["duplicate_of"]) <= set(reg["id"])
