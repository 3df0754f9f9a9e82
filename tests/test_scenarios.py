"""Scenario files: loaded and validated strictly against the parameter model; ranges; the diff of figures."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from annotated_types import Ge, Le

from ccth_lib import data, notebooks, scenarios
from ccth_lib.models import defaults, strategy
from ccth_lib.models.parameters import PARAMETER_MODELS, ChainParameters, FinanceParameters, FrailtyParameters, parameter_model


@pytest.fixture(scope="module")
def evidence():
    return defaults.chain_evidence()


@pytest.fixture(scope="module")
def source(evidence):
    return defaults.chain_defaults(evidence)[0]


def write(tmp_path: Path, text: str, name: str = "s.yml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def sources(source):
    return {ChainParameters: source, **{m: defaults.model_defaults(m)[0] for m in PARAMETER_MODELS if m is not ChainParameters}}


# Good files ------------------------------------------------------------------------------------
def test_the_baseline_is_the_sources_values(root, sources):
    s = scenarios.load(root / "scenarios" / "baseline.yml", sources)
    assert set(s.overrides) == set(scenarios.parameter_names()), "the baseline gives every parameter of every model"
    assert set(s.by_model) == set(PARAMETER_MODELS)
    for model in PARAMETER_MODELS:
        assert s.by_model[model] == sources[model], model.__name__
    for key, value in s.overrides.items():
        assert value == getattr(sources[parameter_model(key)], key), key


@pytest.mark.parametrize("path", scenarios.scenario_files(), ids=lambda p: p.name)
def test_every_scenario_file_loads(path, sources):
    s = scenarios.load(path, sources)
    assert s.name and s.description and s.slug == path.stem
    assert s.params == s.by_model[ChainParameters]
    for model, params in s.by_model.items():
        assert params == sources[model].with_overrides(**{k: v for k, v in s.overrides.items() if parameter_model(k) is model})


def test_a_scenario_sets_the_frailty_and_finance_parameters(tmp_path, sources):
    s = scenarios.load(write(tmp_path, "name: A\ndescription: B\noverrides:\n  target_total: 3500\n  population_2036: 170000\n"
                                       "  population_2016: null\n  rounding_frailty: truncate\n  chart_table: strategy_mental_health_funding\n"), sources)
    assert s.overrides == {"target_total": 3500.0, "population_2036": 170000.0, "population_2016": None, "rounding_frailty": "truncate",
                           "chart_table": "strategy_mental_health_funding"}
    assert isinstance(s.overrides["population_2036"], float)
    assert s.by_model[FrailtyParameters].populations == {"2016": None, "2026": None, "2036": 170000.0}
    assert s.by_model[FrailtyParameters].rounding_frailty == "truncate"
    assert s.by_model[FinanceParameters].chart_table == "strategy_mental_health_funding"
    assert s.params == sources[ChainParameters].with_overrides(target_total=3500)


def test_the_frailty_example_sets_a_frailty_parameter(root):
    s = scenarios.load(root / "scenarios" / "frailty_population.yml")
    assert {parameter_model(k) for k in s.overrides} == {FrailtyParameters}
    assert s.params == defaults.chain_defaults()[0], "the chain keeps the sources' values"


def test_types_are_kept_strict_but_whole_numbers_are_numbers(tmp_path, source):
    s = scenarios.load(write(tmp_path, "name: A\ndescription: B\noverrides:\n  target_total: 3500\n  percent_places: 2\n"), source)
    assert s.overrides == {"target_total": 3500.0, "percent_places": 2}
    assert isinstance(s.params.target_total, float) and isinstance(s.params.percent_places, int)


def test_a_mapping_may_be_given_in_part(tmp_path, source):
    s = scenarios.load(write(tmp_path, "name: A\ndescription: B\noverrides:\n  ltc_target_share: {1: 0.5}\n"), source)
    assert s.params.ltc_target_share == {1: 0.5, 2: source.ltc_target_share[2], 3: source.ltc_target_share[3]}


def test_locality_shares(tmp_path, source):
    s = scenarios.load(write(tmp_path, "name: A\ndescription: B\noverrides:\n  locality_shares: {North: 0.3, Central: 0.3, South: 0.4}\n"), source)
    assert s.params.locality_shares == {"North": 0.3, "Central": 0.3, "South": 0.4}


# Bad files: one error naming the file, the key and what is allowed ---------------------------------
BAD = [
    ("target_totl: 3500", ["target_totl", "is not a model parameter", "did you mean target_total"]),
    ("target_total: -5", ["target_total=-5", "greater than or equal to 0", "allowed: a number >= 0"]),
    ("avoidance_rate_2021_22: 1.3", ["avoidance_rate_2021_22=1.3", "allowed: a number from 0 to 1"]),
    ("avoidance_rate_2021_22: true", ["avoidance_rate_2021_22=True", "valid number", "allowed: a number from 0 to 1"]),
    ("target_total: '3000'", ["target_total='3000'", "valid number"]),
    ("percent_places: 1.0", ["percent_places=1.0", "valid integer", "allowed: a whole number from 0 to 4"]),
    ("percent_places: 9", ["percent_places=9", "allowed: a whole number from 0 to 4"]),
    ("rounding_counts: round", ["rounding_counts='round'", "allowed: one of half_up, half_even, truncate, none"]),
    ("ltc_target_share: {4: 0.1}", ["ltc_target_share has no entry 4", "allowed entries: 1, 2, 3"]),
    ("ltc_target_share: {1: 1.5}", ["ltc_target_share", "1.5", "allowed range 0-1"]),
    ("locality_shares: {North: 0.5, South: 0.5}", ["locality_shares", "North, Central, South"]),
    ("locality_shares: {North: 0.5, Central: 0.3, South: 0.4}", ["locality_shares", "sum to 1"]),
]


BAD += [
    ("population_2036: -5", ["population_2036=-5", "greater than 0", "allowed: a number > 0, or null"]),
    ("population_2036: 0", ["population_2036=0", "greater than 0", "allowed: a number > 0, or null"]),
    ("population_2016: true", ["population_2016=True", "valid number", "allowed: a number > 0, or null"]),
    ("population_2026: '120000'", ["population_2026='120000'", "valid number"]),
    ("rounding_frailty: round", ["rounding_frailty='round'", "allowed: one of half_up, half_even, truncate, none"]),
    ("rounding: half_up", ["'rounding' is not a model parameter", "did you mean"]),
    ("chart_table: strategy_efficiency_medicine", ["chart_table='strategy_efficiency_medicine'", "is not one of",
                                                    "strategy_efficiency_medicines"]),
    ("chart_table: strategy_frailty_prevalence", ["chart_table='strategy_frailty_prevalence'", "is not one of"]),
    ("chart_table: 3", ["chart_table=3", "valid string", "allowed: one of strategy_"]),
]


@pytest.mark.parametrize("override, words", BAD, ids=[b[0] for b in BAD])
def test_a_bad_value_is_one_clear_error(tmp_path, source, override, words):
    path = write(tmp_path, f"name: A\ndescription: B\noverrides:\n  {override}\n", "bad.yml")
    with pytest.raises(scenarios.ScenarioError) as err:
        scenarios.load(path, source)
    message = str(err.value)
    assert message.startswith(str(path)) or message.startswith("bad.yml") or "bad.yml" in message.splitlines()[0]
    for w in words:
        assert w in message, f"{w!r} not in {message!r}"


@pytest.mark.parametrize("text, words", [
    ("name: A\ndescripton: B\n", ["'descripton' is not a scenario key", "did you mean description"]),
    ("name: A\n", ["description must be a non-empty text"]),
    ("name: A\ndescription: B\noverrides: [1, 2]\n", ["overrides must be a mapping"]),
    ("- a list\n", ["a scenario is a mapping"]),
    ("name: [\n", ["not valid YAML"]),
])
def test_a_bad_file_is_one_clear_error(tmp_path, source, text, words):
    with pytest.raises(scenarios.ScenarioError) as err:
        scenarios.load(write(tmp_path, text, "bad.yml"), source)
    for w in words:
        assert w in str(err.value)
    assert "bad.yml" in str(err.value)


def test_every_problem_of_a_file_is_listed(tmp_path, source):
    with pytest.raises(scenarios.ScenarioError) as err:
        scenarios.load(write(tmp_path, "name: A\ndescription: B\noverrides:\n  target_totl: 1\n  share_1to3_ltc: 2\n"), source)
    assert "target_totl" in str(err.value) and "share_1to3_ltc=2" in str(err.value)


def test_a_file_with_three_problems_reports_all_three(tmp_path, source):
    """An unknown file key, a misspelt override and a value out of range: one line each, naming the
    file, the key and what it allows, in the file's order."""
    path = write(tmp_path, "name: A\ndescription: B\nnotes: x\noverrides:\n  popuation_2036: 170000\n  population_2026: -1\n", "three.yml")
    with pytest.raises(scenarios.ScenarioError) as err:
        scenarios.load(path, source)
    lines = str(err.value).splitlines()
    assert len(lines) == 3, lines
    assert all("three.yml" in line for line in lines)
    assert "'notes' is not a scenario key" in lines[0] and "a scenario has name, description, overrides" in lines[0]
    assert "'popuation_2036' is not a model parameter" in lines[1] and "did you mean population_2036" in lines[1]
    assert "population_2026=-1" in lines[2] and "allowed: a number > 0" in lines[2]


def test_every_bad_override_is_listed_whatever_its_model(tmp_path, source):
    """Keys after the first bad one are checked too, and each model's values are validated even when
    another key is unknown."""
    text = ("overrides:\n  target_totl: 1\n  avoidance_rate_2021_22: true\n  population_2036: -5\n  chart_table: nope\n"
            "  rounding_frailty: round\n  ltc_target_share: {4: 0.1}\n  percent_places: 2\n")
    with pytest.raises(scenarios.ScenarioError) as err:
        scenarios.load(write(tmp_path, "name: A\ndescripton: B\n" + text, "many.yml"), source)
    lines = str(err.value).splitlines()
    expected = ["'descripton' is not a scenario key", "description must be a non-empty text", "'target_totl'", "avoidance_rate_2021_22=True",
                "population_2036=-5", "chart_table='nope'", "rounding_frailty='round'", "ltc_target_share has no entry 4"]
    assert len(lines) == len(expected), lines
    for line, words in zip(lines, expected):
        assert words in line and "many.yml" in line, (words, line)
    assert not any("parameter percent_places" in line for line in lines), "a good value is not a problem"


def test_a_model_parameter_at_the_top_of_a_file_is_pointed_under_overrides(tmp_path, source):
    with pytest.raises(scenarios.ScenarioError, match="population_2036 is a model parameter: put it under overrides"):
        scenarios.load(write(tmp_path, "name: A\ndescription: B\npopulation_2036: 170000\n"), source)


def test_allowed_values_are_read_from_the_parameter_model():
    for model in PARAMETER_MODELS:
        for name, f in model.model_fields.items():
            text = scenarios.allowed(name)
            assert text and "see the notebook" not in text, name
            for m in f.metadata:
                if isinstance(m, Ge):
                    assert f"{m.ge:g}" in text, name
                if isinstance(m, Le):
                    assert f"{m.le:g}" in text, name
    assert scenarios.allowed("ltc_share_2").startswith("a number from 0 to 1")
    assert scenarios.allowed("population_2036").startswith("a number > 0, or null: the 65+ population")
    assert scenarios.allowed("rounding_frailty") == "one of half_up, half_even, truncate, none"
    assert scenarios.allowed("chart_table") == "one of " + ", ".join(defaults.chart_tables())


# The parameter models -----------------------------------------------------------------------------
def test_one_name_per_concept_across_the_models():
    names = scenarios.parameter_names()
    assert len(names) == len(set(names))
    assert {parameter_model(n) for n in names} == set(PARAMETER_MODELS)
    assert parameter_model("rounding") is None, "the frailty rounding is named rounding_frailty, like the chain's"


def test_the_population_parameters_are_the_projections_years():
    assert set(defaults.model_defaults(FrailtyParameters)[0].populations) == set(strategy.FRAILTY_YEARS)


def test_every_model_has_its_defaults_with_provenance():
    for model in PARAMETER_MODELS:
        params, prov = defaults.model_defaults(model)
        assert isinstance(params, model)
        assert {p.parameter for p in prov} == set(model.model_fields), model
        assert all(p.value == getattr(params, p.parameter) for p in prov), model


def test_the_frailty_rounding_is_the_rule_that_reproduces_the_most_stated_counts():
    """Checked by running the whole projection with each rule, not with the defaults' own counting."""
    ev = defaults.strategy_evidence()
    params, prov = defaults.frailty_defaults(ev)
    agree = {}
    for rule in ("half_up", "half_even", "truncate"):
        _, found = strategy.strategy_findings(ev, None, rule)
        agree[rule] = sum(1 for f in found if f.id.startswith("strategy.frailty.") and f.basis != "by construction" and f.stated == f.derived)
    assert agree[params.rounding_frailty] == max(agree.values())
    assert [p.value for p in prov if p.parameter.startswith("population_")] == [None, None, None]
    assert all(p.source_id == "strategy-2020-21" and p.quote for p in prov if p.parameter.startswith("population_"))


def test_the_finance_chart_shows_the_table_with_the_most_to_show_by_default():
    ev = defaults.strategy_evidence()
    tables = defaults.chart_tables(ev)
    assert set(tables) == {n for n, df in ev.items() if strategy.year_columns(df)}
    chosen = defaults.finance_defaults(ev)[0].chart_table
    assert len(strategy.year_columns(ev[chosen])) == max(len(strategy.year_columns(ev[n])) for n in tables)


# Page parameters <-> chain parameters ---------------------------------------------------------
def test_a_scenario_reaches_every_page_that_declares_its_parameters(source):
    overrides = {"target_total": 3500.0, "ltc_target_share": {1: 0.5, 2: 0.3, 3: 0.1}, "avoidance_rate_2021_22": 0.3}
    assert scenarios.page_parameters(overrides, ["target_total", "ltc_share_1", "ltc_share_3", "rounding_counts"]) == {
        "target_total": 3500.0, "ltc_share_1": 0.5, "ltc_share_3": 0.1}
    assert scenarios.page_parameters(overrides, ["avoidance_rate_2021_22"]) == {"avoidance_rate_2021_22": 0.3}
    assert scenarios.model_overrides({"ltc_share_2": 0.2, "target_total": None, "detail": "x", "percent_places": 2, "population_2036": 1e5}) == {
        "ltc_target_share": {2: 0.2}, "percent_places": 2, "population_2036": 1e5}


def test_frailty_and_finance_keys_reach_only_their_pages(root, tmp_path):
    path = write(tmp_path, "name: A\ndescription: B\noverrides:\n  population_2036: 170000\n  rounding_frailty: truncate\n"
                           "  chart_table: strategy_efficiency_acute\n")
    pages = {pg.name: pg.parameters for pg in scenarios.scenario_pages(scenarios.load(path), tmp_path)}
    assert pages == {"model_frailty": {"population_2036": 170000.0, "rounding_frailty": "truncate"},
                     "model_finance": {"chart_table": "strategy_efficiency_acute"}}
    overrides = {"population_2036": 170000.0, "target_total": 3500.0}
    assert scenarios.page_parameters(overrides, ["target_total", "ltc_share_1"]) == {"target_total": 3500.0}
    assert scenarios.page_parameters(overrides, ["population_2016", "population_2036", "rounding_frailty"]) == {"population_2036": 170000.0}


def test_the_diff_page_shows_what_a_frailty_scenario_sets(root):
    frame = scenarios.scenario_frame(scenarios.load(root / "scenarios" / "frailty_population.yml"))
    row = frame.set_index("parameter").loc["population_2036"]
    assert row["assumption"].startswith("65+ population, 2036")
    assert row["source"].startswith("the 65+ population the strategy's Mild count") and row["scenario"] == "170,000"


def test_every_model_page_that_uses_target_total_gets_the_same_one(root):
    s = scenarios.load(root / "scenarios" / "higher_target.yml")
    pages = {pg.name: pg.parameters for pg in scenarios.scenario_pages(s, root / "unused")}
    using = {name for name, p in pages.items() if "target_total" in p}
    assert {"model_avoidance_target", "model_locality_services", "model_sensitivity", "model_uncertainty"} <= using
    assert {p["target_total"] for name, p in pages.items() if name in using} == {3500.0}
    assert pages["model_trajectory"] == {"avoidance_rate_2021_22": 0.3}
    assert "model_case_management" not in pages, "a page declaring none of the scenario's parameters runs as it is"


def test_page_parameter_names_resolve(source):
    for name in ("target_total", "ltc_share_1", "ltc_share_3", "percent_places"):
        field_name, key = scenarios.page_parameter_field(name)
        assert field_name in ChainParameters.model_fields
        assert scenarios.source_value(source, name) == (getattr(source, field_name)[key] if key else getattr(source, field_name))
    assert scenarios.page_parameter_field("population_2036") == ("population_2036", None)
    assert scenarios.source_value(source, "population_2036") is None, "the page derives it"
    assert scenarios.source_value(source, "rounding_frailty") == defaults.frailty_defaults()[0].rounding_frailty
    assert scenarios.page_parameter_field("detail") == (None, None)
    assert scenarios.page_parameter_field("ltc_target_share") == (None, None), "a page sets the mapping entry by entry"


# Plausible ranges -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ranges(evidence, source):
    return scenarios.resolve_ranges(scenarios.load_ranges(), evidence, source).set_index("parameter")


def test_every_assumption_has_a_range_or_a_reason(ranges, source):
    from ccth_lib.models import sweep

    assert set(ranges.index) == set(sweep.scalar_parameters(source)) | {"locality_shares"}
    assert ranges["rationale"].str.len().gt(40).all()
    assert ranges["label"].str.len().gt(0).all()


def test_ranges_from_the_evidence_are_its_figures(ranges, evidence):
    figs = evidence["figures"]
    assert ranges.loc["target_total", "low"] == data.figure("paper_future_fit_target", figs).value
    assert ranges.loc["target_total", "high"] == data.figure("paper_optimity_admission_avoidances", figs).value
    for year in ("2019_20", "2020_21", "2021_22"):
        r = ranges.loc[f"avoidance_rate_{year}"]
        assert r["low"] == pytest.approx(data.figure(f"paper_method_rate_{year}_pct", figs).value / 100, abs=1e-12)
        assert r["source_id"] == "paper-2018-10" and r["line_start"] <= r["line_end"]
    ltc = evidence["paper_ltc_targets"].set_index("ltc_count")
    assert ranges.loc["ltc_share_2", "low"] == pytest.approx(ltc.loc[3, "target_pct"] / 100)
    assert ranges.loc["ltc_share_2", "high"] == pytest.approx(ltc.loc[1, "target_pct"] / 100)


def test_range_ends_are_allowed_values_and_ordered(ranges):
    cont = ranges[ranges["kind"] == "continuous"]
    assert (cont["low"] <= cont["high"]).all()
    assert set(ranges.loc["rounding_counts", "values"]) <= {"half_up", "half_even", "truncate", "none"}


def test_a_bad_ranges_file_is_an_error(tmp_path, evidence, source):
    bad = write(tmp_path, "target_totl:\n  rationale: x\n", "ranges.yml")
    with pytest.raises(scenarios.ScenarioError, match="target_totl.*not a model parameter"):
        scenarios.load_ranges(bad)
    bad = write(tmp_path, "population_2036:\n  rationale: x\n", "ranges.yml")
    with pytest.raises(scenarios.ScenarioError, match="population_2036.*not a model parameter of the chain"):
        scenarios.load_ranges(bad)
    bad = write(tmp_path, "target_total:\n  low: 5\n  rationale: x\n", "ranges.yml")
    with pytest.raises(scenarios.ScenarioError, match="both low and high"):
        scenarios.load_ranges(bad)
    bad = write(tmp_path, "avoidance_rate_2021_22:\n  low: 0.2\n  high: 1.5\n  rationale: x\n", "ranges.yml")
    with pytest.raises(scenarios.ScenarioError, match="avoidance_rate_2021_22=1.5"):
        scenarios.resolve_ranges(scenarios.load_ranges(bad), evidence, source)


def test_the_assumptions_log_shows_every_range(root, ranges):
    nb = nbformat.read(root / "notebooks" / "assumptions_log.ipynb", as_version=4)
    html = "\n".join(o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", []))
    assert "Plausible range" in html
    for label in ranges["label"]:
        assert label in html
    glued = notebooks.glued(nb)
    assert glued["n_ranges"] + glued["n_fixed"] == len(ranges)


# The diff of glued figures -----------------------------------------------------------------------
def _glued_notebook(path: Path, values: dict) -> Path:
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    outputs = [new_output("display_data", data={"application/papermill.record/text/plain": repr(v)},
                          metadata={"scrapbook": {"name": k, "mime_prefix": "application/papermill.record/"}}) for k, v in values.items()]
    cell = new_code_cell("glue")
    cell.outputs = outputs
    nbformat.write(new_notebook(cells=[cell]), path)
    return path


def test_the_diff_lists_exactly_the_figures_that_changed(tmp_path):
    table = [{"locality": "North", "year": "2021/22", "rate": 0.28, "target": 687}, {"locality": "South", "year": "2021/22", "rate": 0.28, "target": 718}]
    changed = [dict(table[0], rate=0.3, target=736), table[1]]
    base = _glued_notebook(tmp_path / "a.ipynb", {"total": 2130, "same": 5, "words": "x", "t": json.dumps(table), "gone": 1})
    new = _glued_notebook(tmp_path / "b.ipynb", {"total": 2205, "same": 5, "words": "y", "t": json.dumps(changed), "new": 2})
    diff = scenarios.figure_diff([("p", "Page", base, new)])
    assert set(diff["name"]) == {"total", "t › North, 2021/22 › rate", "t › North, 2021/22 › target", "gone", "new"}
    row = diff.set_index("name").loc["t › North, 2021/22 › target"]
    assert (row["baseline"], row["scenario"], row["change"]) == (687, 736, 49)
    assert pd.isna(diff.set_index("name").loc["gone", "scenario"]) and pd.isna(diff.set_index("name").loc["gone", "change"])
    assert scenarios.figure_diff([("p", "Page", base, base)]).empty


def test_a_page_against_itself_has_no_diff(root):
    nb = root / "notebooks" / "model_trajectory.ipynb"
    assert scenarios.figure_diff([("model_trajectory", "T", nb, nb)]).empty
    assert scenarios.words("target_total_2021_22") == "Target total 2021/22"


@pytest.mark.notebooks
def test_the_baseline_scenario_changes_no_figure(root, tmp_path):
    """The sources' values given explicitly reproduce every glued figure of every page they reach."""
    s = scenarios.load(root / "scenarios" / "baseline.yml")
    todo = scenarios.scenario_pages(s, tmp_path)
    assert {pg.name for pg in todo} >= {"model_avoidance_target", "model_case_management", "model_locality_services",
                                        "model_trajectory", "model_sensitivity", "model_uncertainty"}
    failed = [d for d in notebooks.execute_pages(todo) if not d.ok]
    assert not failed, [(d.page.name, d.error) for d in failed]
    diff = scenarios.figure_diff([(pg.name, pg.name, notebooks.page(pg.name).path, pg.path) for pg in todo])
    assert diff.empty, diff[["page", "name", "baseline", "scenario"]].to_string()
