"""The strategy's frailty projections and finance tables, re-derived."""

from __future__ import annotations

import pytest

from ccth_lib import data, reconcile
from ccth_lib.models import strategy
from ccth_lib.models.register import STRATEGY_TABLES

NAMES = STRATEGY_TABLES


@pytest.fixture(scope="module")
def evidence():
    return {n: data.load_table(n) for n in NAMES} | {"figures": data.figures()}


@pytest.fixture(scope="module")
def register(evidence):
    return reconcile.register(strategy.strategy_findings(evidence)[1]).set_index("id")


def test_finance_totals_agree_except_individual_commissioning_2020_21_and_suicide_deaths(register):
    fin = register[~register.index.str.startswith("strategy.frailty.")]
    differs = fin[fin["status"] == "differs"]
    # Individual Commissioning 2020/21: stated 1,923; rows 125 + 1,422 + 377 = 1,924
    assert {i: d for i, d in differs["difference"].items()} == {
        "strategy.efficiency_individual.total.fy2020_21": -1.0,
        # "95 suicide deaths ... (69 men, 27 women)": 69 + 27 = 96
        "strategy.population_health.suicide_deaths": -1.0,
    }
    assert len(fin) >= 30
    assert (fin["basis"] == "independent").all()


def test_the_community_efficiencies_printed_twice_count_once(register, evidence):
    table = evidence["strategy_efficiency_community"]
    assert sorted(table["printing"].unique()) == [1, 2]
    second = register[register.index.str.startswith("strategy.efficiency_community.printing2.")]
    first = register[register.index.str.startswith("strategy.efficiency_community.printing1.")]
    assert len(second) == len(first) == len(strategy.year_columns(table)) == 3
    assert dict(second["duplicate_of"]) == {i: i.replace("printing2", "printing1") for i in second.index}
    assert (first["duplicate_of"] == "").all()
    # each printing's lines are its own Total row's
    totals = table[table["row_kind"] == "total"].set_index("printing")
    for p, part in ((1, first), (2, second)):
        assert set(zip(part["line_start"], part["line_end"])) == {(totals.loc[p, "line_start"], totals.loc[p, "line_end"])}
    # every other table is printed once: nothing else is a duplicate
    assert set(register.index[register["duplicate_of"] != ""]) == set(second.index)


def test_a_total_that_differs_between_printings_is_its_own_finding(evidence):
    df = evidence["strategy_efficiency_community"].copy()
    df.loc[(df["printing"] == 2) & (df["row_kind"] == "total"), "fy2022_23"] = 7600
    found = {f.id: f for f in strategy.total_findings("efficiency_community", df, "t")}
    f = found["strategy.efficiency_community.printing2.total.fy2022_23"]
    assert (f.stated, f.derived, f.difference, f.duplicate_of) == (7600, 7602, -2, "")
    assert found["strategy.efficiency_community.printing2.total.fy2021_22"].duplicate_of == "strategy.efficiency_community.printing1.total.fy2021_22"


def test_four_year_savings_figures_match_the_tables(register):
    a = register.loc["strategy.strategy_individual_commissioning_recovery_savings"]
    b = register.loc["strategy.strategy_medicines_qipp_target"]
    assert (a["stated"], a["derived"], b["stated"], b["derived"]) == (10.8, 10.8, 15.6, 15.6)


def test_frailty_counts_are_one_population_per_year_up_to_rounding(register):
    fr = register[register.index.str.startswith("strategy.frailty.")]
    assert len(fr) == 9
    # Anchored on the Mild row, Severe and Moderate differ by at most one person
    assert fr["difference"].abs().max() == 1
    assert {i: d for i, d in fr[fr["status"] == "differs"]["difference"].items()} == {
        "strategy.frailty.severe.2016": 1.0,
        "strategy.frailty.severe.2026": 1.0,
        "strategy.frailty.severe.2036": -1.0,
        "strategy.frailty.moderate.2026": 1.0,
    }


def test_the_mild_row_agrees_by_construction_and_is_not_counted(register):
    fr = register[register.index.str.startswith("strategy.frailty.")]
    mild = fr[fr.index.str.startswith("strategy.frailty.mild.")]
    assert len(mild) == 3
    assert (mild["basis"] == "by construction").all() and (mild["status"] == "agrees by construction").all()
    assert (fr.drop(mild.index)["basis"] == "independent").all()
    c = reconcile.counts(fr.reset_index())
    assert c == {"compared": 6, "agree": 2, "differ": 4, "by_construction": 3, "duplicates": 0}


def test_with_a_given_population_the_mild_row_is_an_independent_comparison(evidence):
    _, found = strategy.strategy_findings(evidence, {"2016": 102_914, "2026": 126_737, "2036": 159_671})
    mild = [f for f in found if f.id.startswith("strategy.frailty.mild.")]
    assert {f.basis for f in mild} == {"independent"}
    assert {f.status for f in mild} <= {"agrees", "differs"}


def test_another_anchor_moves_the_construction(evidence):
    _, found = strategy.strategy_findings(evidence, anchor="Severe")
    constructed = {f.id for f in found if f.basis == "by construction"}
    assert constructed == {f"strategy.frailty.severe.{y}" for y in strategy.FRAILTY_YEARS}


def test_frailty_projection_with_a_population_projection(evidence):
    derived, _ = strategy.strategy_findings(evidence, {"2016": 100_000, "2026": 120_000, "2036": 150_000})
    severe = derived.set_index("category").loc["Severe"]
    assert (severe["2016"], severe["2026"], severe["2036"]) == (3000, 3600, 4500)


def test_finding_lines_are_the_stated_rows(register, evidence):
    proj = evidence["strategy_frailty_projections"].set_index("category")
    f = register.loc["strategy.frailty.severe.2026"]
    assert (f["line_start"], f["line_end"]) == (proj.loc["Severe", "line_start"], proj.loc["Severe", "line_end"])
    mh = evidence["strategy_mental_health_funding"]
    funding = mh[mh["row_kind"] == "funding"].iloc[0]
    b = register.loc["strategy.mental_health_funding.balance.fy2021_22"]
    assert (b["line_start"], b["line_end"]) == (funding["line_start"], funding["line_end"])


@pytest.mark.parametrize("pop,pct,match", [
    ({"2016": -1}, {"Severe": 3}, "population_65plus"),
    ({"2016": 1}, {"Severe": 120}, "prevalence_pct"),
    ({"2016": 1}, {"A": 60, "B": 60}, "sum to 120"),
])
def test_bad_frailty_inputs(pop, pct, match):
    with pytest.raises(ValueError, match=match):
        strategy.frailty_projection(pop, pct)
