"""The strategy's frailty projections and finance tables, re-derived."""

from __future__ import annotations

import pytest

from ccth_lib import data, reconcile
from ccth_lib.models import strategy

NAMES = ["strategy_frailty_projections", "strategy_frailty_prevalence", "strategy_efficiency_community", "strategy_efficiency_acute",
         "strategy_efficiency_individual", "strategy_efficiency_medicines", "strategy_community_investment", "strategy_mental_health_funding", "strategy_population_health"]


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


def test_frailty_projection_with_a_population_projection(evidence):
    derived, _ = strategy.strategy_findings(evidence, {"2016": 100_000, "2026": 120_000, "2036": 150_000})
    severe = derived.set_index("category").loc["Severe"]
    assert (severe["2016"], severe["2026"], severe["2036"]) == (3000, 3600, 4500)


@pytest.mark.parametrize("pop,pct,match", [
    ({"2016": -1}, {"Severe": 3}, "population_65plus"),
    ({"2016": 1}, {"Severe": 120}, "prevalence_pct"),
    ({"2016": 1}, {"A": 60, "B": 60}, "sum to 120"),
])
def test_bad_frailty_inputs(pop, pct, match):
    with pytest.raises(ValueError, match=match):
        strategy.frailty_projection(pop, pct)
