"""The vectorised chain gives exactly the figures of the chain itself and of the model pages.

Every derived figure of :func:`ccth_lib.models.findings.run_chain` (every column of every table
it returns, and its scalar figures) is compared, exactly, with the sweep's, for many scenarios at
once: random ones, ones built to land on rounding ties, every rounding rule and number of
decimals, given locality shares, and scenarios where the chain stops. Then the model pages
themselves are run with two scenario files and their glued figures compared with the sweep's.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ccth_lib import notebooks, scenarios
from ccth_lib.models import defaults, findings, sweep
from ccth_lib.models.parameters import ParameterError, chain_years
from ccth_lib.models.rounding import RULES, product, round_value


@pytest.fixture(scope="module")
def evidence():
    return defaults.chain_evidence()


@pytest.fixture(scope="module")
def base(evidence):
    return defaults.chain_defaults(evidence)[0]


@pytest.fixture(scope="module")
def inputs(evidence):
    return sweep.chain_inputs(evidence)


def chain_params(base, row: dict):
    """One row of a sweep table as the chain's parameters (page names folded as the pages fold them)."""
    values = {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
    ltc = dict(base.ltc_target_share)
    for k in list(values):
        if k.startswith(sweep.LTC_PREFIX):
            ltc[int(k.removeprefix(sweep.LTC_PREFIX))] = float(values.pop(k))
    if "percent_places" in values:
        values["percent_places"] = int(values["percent_places"])
    return base.model_copy(update=values | {"ltc_target_share": ltc})


def assert_same_as_the_chain(evidence, base, inputs, table: pd.DataFrame) -> int:
    res = sweep.sweep(inputs, table, base).figures
    records = res.to_dict("records")
    checked = 0
    for i, row in enumerate(table.to_dict("records")):
        params = chain_params(base, row)
        try:
            expected = sweep.flatten(findings.run_chain(evidence, params))
        except ValueError as exc:
            assert records[i]["error"] == str(exc), (i, row)
            continue
        assert records[i]["error"] == "", (i, row, records[i]["error"])
        got = records[i]
        assert set(got) - {"error"} == set(expected), "the sweep names every derived figure of the chain, no more"
        wrong = {k: (expected[k], got[k]) for k in expected if not expected[k] == got[k]}
        assert not wrong, f"scenario {i} {row}: {list(wrong.items())[:5]}"
        checked += 1
    return checked


def random_table(rng, n: int, base) -> pd.DataFrame:
    rules = np.array(RULES)

    def either(exact, free):
        return np.where(rng.random(n) < 0.5, exact, free)

    return pd.DataFrame({
        "target_total": either(rng.integers(0, 6000, n).astype(float), np.round(rng.uniform(2000, 5000, n), rng.integers(0, 4))),
        "ltc_share_1": either(np.round(rng.random(n), 3), rng.random(n)),
        "ltc_share_3": np.round(rng.random(n), 2),
        "stratification_per_1000": either(rng.integers(100, 400, n).astype(float), rng.uniform(100, 400, n)),
        "share_1to3_ltc": either(np.round(rng.random(n), 2), rng.random(n)),
        "hah_row_share": either(np.round(rng.random(n), 2), rng.random(n)),
        "avoidance_rate_2019_20": np.round(rng.random(n), 3),
        "avoidance_rate_2021_22": either(np.round(rng.random(n), 2), rng.random(n)),
        "rounding_counts": rules[rng.integers(len(rules), size=n)],
        "rounding_case_management": rules[rng.integers(len(rules), size=n)],
        "percent_places": rng.integers(0, 5, n),
    })


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_sweep_equals_the_chain_for_random_scenarios(evidence, base, inputs, seed):
    table = random_table(np.random.default_rng(seed), 150, base)
    assert assert_same_as_the_chain(evidence, base, inputs, table) > 120


def test_the_sweep_equals_the_chain_on_rounding_ties(evidence, base, inputs):
    """Rates of 0.25 and 0.35 put case management × rate on exact halves (1,430 × 0.25 = 357.5);
    a target of 1,250 × a 1-LTC share of 0.5 too; every rule and decimals setting is tried."""
    rows = []
    for rule in RULES:
        for cm_rule in RULES:
            for places in range(5):
                for rate in (0.25, 0.35):
                    rows.append({"avoidance_rate_2020_21": rate, "avoidance_rate_2021_22": rate, "rounding_counts": rule,
                                 "rounding_case_management": cm_rule, "percent_places": places, "target_total": 1250.0,
                                 "ltc_share_1": 0.5, "hah_row_share": 0.5, "stratification_per_1000": 250.0, "share_1to3_ltc": 0.5})
    table = pd.DataFrame(rows)
    assert 1430 * 0.25 == 357.5 and round_value(product(1430, 0.25), "half_even") == 358 and round_value(product(1430, 0.25), "truncate") == 357
    assert assert_same_as_the_chain(evidence, base, inputs, table) == len(rows)


def test_the_sweep_equals_the_chain_with_locality_shares(evidence, base, inputs):
    table = pd.DataFrame({
        "target_total": [3000.0, 2999.5, 4100.0],
        "locality_shares": [{"North": 0.3, "Central": 0.3, "South": 0.4}, None, {"South": 0.2, "North": 0.45, "Central": 0.35}],
        "rounding_counts": ["half_even", "none", "truncate"],
    })
    assert assert_same_as_the_chain(evidence, base, inputs, table) == 3
    # shares set by the base (a scenario) hold in every run
    shared = base.with_overrides(locality_shares={"North": 0.25, "Central": 0.35, "South": 0.4})
    assert assert_same_as_the_chain(evidence, shared, inputs, pd.DataFrame({"target_total": [3000.0, 3333.0]})) == 2


def test_where_the_chain_stops_the_sweep_says_why(evidence, base, inputs):
    """No stratification: an empty cohort, whose locality shares cannot add up to 100%."""
    table = pd.DataFrame({"stratification_per_1000": [0.0, 240.0]})
    res = sweep.sweep(inputs, table, base).figures
    with pytest.raises(ValueError) as err:
        findings.run_chain(evidence, base.with_overrides(stratification_per_1000=0.0))
    assert res.loc[0, "error"] == str(err.value) and res.loc[1, "error"] == ""
    assert res.drop(columns="error").loc[0].isna().all()
    assert assert_same_as_the_chain(evidence, base, inputs, table) == 1


def test_the_sweep_validates_its_parameters_as_the_model_does(base, inputs):
    with pytest.raises(ParameterError, match=r"avoidance_rate_2021_22=1.5 \(run 2\): allowed: 0 to 1"):
        sweep.sweep(inputs, pd.DataFrame({"avoidance_rate_2021_22": [0.3, 1.5]}), base)
    with pytest.raises(ParameterError, match="target_total: values must be numbers"):
        sweep.sweep(inputs, pd.DataFrame({"target_total": [True, False]}), base)
    with pytest.raises(ParameterError, match="rounding_counts='round'"):
        sweep.sweep(inputs, pd.DataFrame({"rounding_counts": ["half_up", "round"]}), base)
    with pytest.raises(ParameterError, match="percent_places=1.5"):
        sweep.sweep(inputs, pd.DataFrame({"percent_places": [1.5]}), base)
    with pytest.raises(ParameterError, match="unknown parameter"):
        sweep.sweep(inputs, pd.DataFrame({"target_totl": [1.0]}), base)


def test_a_sweep_of_no_change_is_the_base(evidence, base, inputs):
    res = sweep.sweep(inputs, pd.DataFrame(index=range(5)), base).figures
    expected = sweep.flatten(findings.run_chain(evidence, base))
    for k, v in expected.items():
        assert (res[k] == v).all(), k


def test_table_of_rebuilds_a_result_table(evidence, base, inputs):
    res = sweep.sweep(inputs, pd.DataFrame(index=range(1)), base).figures.iloc[0].to_dict()
    chain = findings.run_chain(evidence, base)
    got = sweep.table_of(res, "localities").set_index("locality")
    want = chain.localities.set_index("locality")
    assert (got[want.columns].astype(float) == want.astype(float)).all().all()


# Tornado and Monte Carlo --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ranges(evidence, base):
    return scenarios.resolve_ranges(scenarios.load_ranges(), evidence, base)


def test_the_tornado_ends_are_the_chain_run_at_each_end(evidence, base, inputs, ranges):
    targets = sweep.main_targets()
    tor = sweep.tornado(inputs, base, ranges, targets).set_index(["figure", "parameter"])
    for fig, parameter, value_col, at_col in [
        ("localities.South.hospital_at_home", "target_total", "low", "at_low"),
        ("localities.South.hospital_at_home", "hah_row_share", "high", "at_high"),
        (f"trajectory.Total.{chain_years()[-1]}.nel_avoidance_target", "avoidance_rate_2021_22", "low", "at_low"),
    ]:
        value = ranges.set_index("parameter").loc[parameter, value_col]
        direct = sweep.flatten(findings.run_chain(evidence, base.with_overrides(**{parameter: value})))[fig]
        assert tor.loc[(fig, parameter), at_col] == direct
        assert tor.loc[(fig, parameter), "base"] == sweep.flatten(findings.run_chain(evidence, base))[fig]
    rounding = tor.xs("rounding_counts", level="parameter")
    assert (rounding["lowest"] <= rounding["base"]).all() and (rounding["base"] <= rounding["highest"]).all()
    assert set(tor.index.get_level_values("parameter")) == set(ranges.loc[ranges["kind"] != "fixed", "parameter"])


def test_the_monte_carlo_is_reproducible_and_within_the_ranges(base, inputs, ranges):
    a = sweep.draw(base, ranges, 2000, seed=7)
    b = sweep.draw(base, ranges, 2000, seed=7)
    c = sweep.draw(base, ranges, 2000, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
    r = ranges.set_index("parameter")
    for col in a.columns:
        mode = scenarios.source_value(base, col)
        assert a[col].min() >= min(r.loc[col, "low"], mode) and a[col].max() <= max(r.loc[col, "high"], mode)
    res = sweep.sweep(inputs, a, base).figures
    q = sweep.quantiles(res, ["localities.North.hospital_at_home"]).iloc[0]
    values = set(res["localities.North.hospital_at_home"])
    assert q["p10"] <= q["p50"] <= q["p90"] and {q["p10"], q["p50"], q["p90"]} <= values


# The model pages themselves ------------------------------------------------------------------------
CHAIN_PAGES = ("model_avoidance_target", "model_case_management", "model_locality_services", "model_trajectory")

SCENARIOS = {
    "ties": """name: Ties
description: Rates on exact halves, other rounding, two decimals.
overrides:
  target_total: 3500
  ltc_target_share: {1: 0.5, 3: 0.2}
  stratification_per_1000: 250
  share_1to3_ltc: 0.55
  hah_row_share: 0.5
  avoidance_rate_2020_21: 0.25
  avoidance_rate_2021_22: 0.35
  rounding_counts: half_even
  rounding_case_management: half_up
  percent_places: 2
""",
    "shares": """name: Given shares
description: Locality shares given, truncation.
overrides:
  target_total: 2800
  locality_shares: {North: 0.3, Central: 0.3, South: 0.4}
  avoidance_rate_2019_20: 0.1
  rounding_counts: truncate
""",
}


def _page_figures(name: str, glued: dict) -> dict[str, float]:
    """The derived figures a chain page glues, named as the sweep names them."""
    out: dict[str, float] = {}
    tables = {"ltc_table": ("ltc", ["ltc_count"]), "cohort_table": ("cohort", ["locality"]),
              "localities_table": ("localities", ["locality"]), "trajectory_table": ("trajectory", ["locality", "year"])}
    for glue_name, (table, keys) in tables.items():
        for rec in json.loads(glued.get(glue_name, "[]")):
            label = ".".join(str(rec[k]) for k in keys)
            out |= {f"{table}.{label}.{c}": float(v) for c, v in rec.items() if c not in keys}
    for k in ("share_of_all_nel_pct", "share_of_1to3_ltc_pct"):
        if k in glued:
            out[f"target_shares.{k}"] = float(glued[k])
    for k in ("hah_row_aa", "hah_admissions", "hah_share_pct", "crisis_share_pct"):
        if k in glued:
            out[f"hah.{k}"] = float(glued[k])
    for year in chain_years():
        if f"target_total_{year.replace('/', '_')}" in glued:
            out[f"trajectory.Total.{year}.nel_avoidance_target"] = float(glued[f"target_total_{year.replace('/', '_')}"])
    if "cohort_total" in glued:
        out["cohort.Total.case_management"] = float(glued["cohort_total"])
    return out


@pytest.mark.notebooks
def test_the_sweep_equals_the_model_pages_run_with_a_scenario(tmp_path, evidence, base, inputs):
    """Each scenario file, injected into the chain's pages, gives the sweep's figures, every one."""
    loaded = {}
    todo = []
    for key, text in SCENARIOS.items():
        path = tmp_path / f"{key}.yml"
        path.write_text(text, encoding="utf-8")
        loaded[key] = scenarios.load(path, base)
        folder = tmp_path / key
        folder.mkdir()
        todo += [pg for pg in scenarios.scenario_pages(loaded[key], folder) if pg.name in CHAIN_PAGES]
    failed = [d for d in notebooks.execute_pages(todo) if not d.ok]
    assert not failed, [(d.page.name, d.error) for d in failed]
    for key, s in loaded.items():
        row = {k: v for k, v in s.overrides.items() if k not in ("ltc_target_share",)}
        row |= {f"{sweep.LTC_PREFIX}{k}": v for k, v in s.overrides.get("ltc_target_share", {}).items()}
        figures = sweep.sweep(inputs, pd.DataFrame([row]), base).figures.iloc[0]
        assert figures["error"] == ""
        compared = 0
        for name in CHAIN_PAGES:
            nb = tmp_path / key / f"{name}.ipynb"
            if not nb.exists():  # a page declaring none of the scenario's parameters shows the book's figures
                nb = notebooks.page(name).path
                assert set(s.page_parameters(notebooks.declared_parameters(nb))) == set()
            for fig, value in _page_figures(name, notebooks.glued(nb)).items():
                assert figures[fig] == value, f"{key}, {name}: {fig} is {value} on the page and {figures[fig]} in the sweep"
                compared += 1
        assert compared > 60
