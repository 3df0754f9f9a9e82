"""Property tests (hypothesis): invariants of the model functions for any valid parameters."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from ccth_lib import reconcile
from ccth_lib.models import chain, strategy
from ccth_lib.models.parameters import make_parameters
from ccth_lib.models.rounding import TIE_BREAK, choose_rule

RULES = st.sampled_from(["half_up", "half_even", "truncate"])
RATE = st.floats(min_value=0, max_value=1, allow_nan=False)
POP = st.integers(min_value=0, max_value=2_000_000)


def params(**kw):
    base = dict(
        target_total=3000, ltc_target_share={1: 0.45, 2: 0.334, 3: 0.15}, stratification_per_1000=240, share_1to3_ltc=0.5,
        hah_row_share=0.45, avoidance_rate_2019_20=0.2, avoidance_rate_2020_21=0.24, avoidance_rate_2021_22=0.28,
        locality_shares=None, rounding_counts="half_up", rounding_case_management="truncate", percent_places=1,
    )
    return make_parameters(**(base | kw))


@st.composite
def shares(draw):
    a = draw(st.integers(0, 1000))
    b = draw(st.integers(0, 1000 - a))
    return {"North": a / 1000, "Central": b / 1000, "South": (1000 - a - b) / 1000}


@settings(max_examples=60, deadline=None)
@given(target=st.integers(0, 100_000), s=shares(), hah=st.integers(0, 1000), rule=RULES)
def test_locality_split_sums_to_the_target_within_rounding(target, s, hah, rule):
    p = params(target_total=target, locality_shares=s, rounding_counts=rule)
    hah_pct = hah / 10
    df = chain.locality_model(pd.Series(dtype=float), hah_pct, round(100 - hah_pct, 1), p).set_index("locality")
    items = df.drop("Total")
    assert (df[["target_aa", "hospital_at_home", "crisis_response_step_up"]] >= 0).all().all()
    assert abs(df.loc["Total", "target_aa"] - target) <= len(items)  # each locality rounds by < 1
    assert df.loc["Total", "target_aa"] == items["target_aa"].sum()
    assert ((items["hospital_at_home"] + items["crisis_response_step_up"] - items["target_aa"]).abs() <= 2).all()


@settings(max_examples=60, deadline=None)
@given(pops=st.lists(POP, min_size=3, max_size=3), per_1000=st.integers(0, 1000), share=RATE, rule=RULES)
def test_cohort_total_is_the_sum_of_localities_and_never_negative(pops, per_1000, share, rule):
    p = params(stratification_per_1000=per_1000, share_1to3_ltc=share, rounding_case_management=rule)
    df = chain.case_management_cohort(pd.Series(pops, index=["North", "Central", "South"], dtype=float), p).set_index("locality")
    assert df.loc["Total", "case_management"] == df.drop("Total")["case_management"].sum()
    assert (df["case_management"] >= 0).all()
    assert (df["case_management"] <= df["population_65plus"]).all()


@settings(max_examples=60, deadline=None)
@given(pop=POP, s1=RATE, s2=RATE)
def test_cohort_is_monotone_in_the_share_with_ltcs(pop, s1, s2):
    lo, hi = sorted((s1, s2))
    series = pd.Series({"North": float(pop)})
    a = chain.case_management_cohort(series, params(share_1to3_ltc=lo)).iloc[0]["case_management"]
    b = chain.case_management_cohort(series, params(share_1to3_ltc=hi)).iloc[0]["case_management"]
    assert a <= b


@settings(max_examples=60, deadline=None)
@given(cm=st.lists(st.integers(0, 50_000), min_size=3, max_size=3), r1=RATE, r2=RATE, rule=RULES)
def test_trajectory_targets_are_monotone_in_the_rate(cm, r1, r2, rule):
    lo, hi = sorted((r1, r2))
    df = pd.DataFrame({"locality": ["North", "Central", "South"], "year": ["2021/22"] * 3, "case_management": cm})
    a = chain.trajectory(df, params(avoidance_rate_2021_22=lo, rounding_counts=rule))
    b = chain.trajectory(df, params(avoidance_rate_2021_22=hi, rounding_counts=rule))
    assert (a["nel_avoidance_target"] <= b["nel_avoidance_target"]).all()
    assert (a["nel_avoidance_target"] >= 0).all()
    assert (b["nel_avoidance_target"] <= b["case_management"]).all()


@settings(max_examples=60, deadline=None)
@given(nel=st.lists(st.integers(0, 100_000), min_size=3, max_size=3), s=st.lists(RATE, min_size=3, max_size=3))
def test_ltc_split_is_bounded_by_admissions(nel, s):
    p = params(ltc_target_share={1: s[0], 2: s[1], 3: s[2]})
    df = chain.ltc_split(pd.Series(nel, index=[1, 2, 3], dtype=float), p)
    assert (df["target_aa"] >= 0).all()
    assert (df["target_aa"] <= df["nel_admissions"]).all()


@settings(max_examples=60, deadline=None)
@given(p1=POP, p2=POP, pct=st.floats(0, 50, allow_nan=False))
def test_frailty_projection_is_monotone_in_population(p1, p2, pct):
    lo, hi = sorted((p1, p2))
    a = strategy.frailty_projection({"y": lo}, {"Severe": pct})["y"].iloc[0]
    b = strategy.frailty_projection({"y": hi}, {"Severe": pct})["y"].iloc[0]
    assert 0 <= a <= b


@settings(max_examples=40, deadline=None)
@given(counts=st.dictionaries(st.sampled_from(["Unavoidable", "Sometimes", "Usually"]), st.integers(0, 10**6), min_size=1))
def test_avoidability_split_total_is_the_sum(counts):
    df = chain.avoidability_split(counts).set_index("avoidability")
    assert df.loc["Total", "admissions"] == sum(counts.values())


@settings(max_examples=60, deadline=None)
@given(counts=st.dictionaries(st.sampled_from(TIE_BREAK), st.integers(0, 50), min_size=1))
def test_the_chosen_rule_reproduces_the_most_and_ties_go_to_the_earlier_rule(counts):
    rule = choose_rule(counts)
    assert counts[rule] == max(counts.values())
    assert all(counts[r] < counts[rule] for r in TIE_BREAK[: TIE_BREAK.index(rule)] if r in counts)


@st.composite
def finding_lists(draw):
    """Findings with random values, bases, and later printings repeating earlier ones."""
    out = []
    for i in range(draw(st.integers(0, 12))):
        stated, derived = draw(st.integers(0, 3)), draw(st.integers(0, 3))
        basis = draw(st.sampled_from(reconcile.BASES))
        f = reconcile.Finding(f"f{i}", "t", "w", stated, derived, "s", i + 1, i + 1, "m", basis=basis)
        firsts = [g for g in out if not g.duplicate_of]
        if firsts and draw(st.booleans()):
            f = reconcile.as_duplicate(f, draw(st.sampled_from(firsts)))
        out.append(f)
    return out


@settings(max_examples=80, deadline=None)
@given(found=finding_lists())
def test_counts_partition_the_register(found):
    c = reconcile.counts(reconcile.register(found))
    assert c["compared"] == c["agree"] + c["differ"]
    assert c["compared"] + c["by_construction"] + c["duplicates"] == len(found)
    assert c["duplicates"] == sum(1 for f in found if f.duplicate_of)
    assert c["differ"] == sum(1 for f in found if not f.duplicate_of and f.basis == "independent" and not f.agrees)
