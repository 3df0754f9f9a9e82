"""Scenario files: loaded and validated strictly against the parameter model; ranges; the diff of figures."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from annotated_types import Ge, Le

from ccth_lib import data, notebooks, scenarios
from ccth_lib.models import defaults
from ccth_lib.models.parameters import ChainParameters


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


# Good files ------------------------------------------------------------------------------------
def test_the_baseline_is_the_sources_values(root, source):
    s = scenarios.load(root / "scenarios" / "baseline.yml", source)
    assert set(s.overrides) == set(ChainParameters.model_fields), "the baseline gives every parameter"
    assert s.params == source
    for key, value in s.overrides.items():
        assert value == getattr(source, key), key


@pytest.mark.parametrize("path", scenarios.scenario_files(), ids=lambda p: p.name)
def test_every_scenario_file_loads(path, source):
    s = scenarios.load(path, source)
    assert s.name and s.description and s.slug == path.stem
    assert s.params == source.with_overrides(**s.overrides)


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
    assert "target_totl" in str(err.value)


def test_allowed_values_are_read_from_the_parameter_model():
    for name, f in ChainParameters.model_fields.items():
        text = scenarios.allowed(name)
        for m in f.metadata:
            if isinstance(m, Ge):
                assert f"{m.ge:g}" in text, name
            if isinstance(m, Le):
                assert f"{m.le:g}" in text, name
    assert scenarios.allowed("ltc_share_2").startswith("a number from 0 to 1")


# Page parameters <-> chain parameters ---------------------------------------------------------
def test_a_scenario_reaches_every_page_that_declares_its_parameters(source):
    overrides = {"target_total": 3500.0, "ltc_target_share": {1: 0.5, 2: 0.3, 3: 0.1}, "avoidance_rate_2021_22": 0.3}
    assert scenarios.page_parameters(overrides, ["target_total", "ltc_share_1", "ltc_share_3", "rounding_counts"]) == {
        "target_total": 3500.0, "ltc_share_1": 0.5, "ltc_share_3": 0.1}
    assert scenarios.page_parameters(overrides, ["avoidance_rate_2021_22"]) == {"avoidance_rate_2021_22": 0.3}
    assert scenarios.chain_overrides({"ltc_share_2": 0.2, "target_total": None, "detail": "x", "percent_places": 2}, source) == {
        "ltc_target_share": {2: 0.2}, "percent_places": 2}


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
