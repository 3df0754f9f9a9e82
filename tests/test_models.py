"""Models: each derived figure equals the stated one, or the exact difference is asserted."""

from __future__ import annotations

import pandas as pd
import pytest

from ccth_lib import reconcile, sources, vocab
from ccth_lib.models import chain, defaults, findings, parameters
from ccth_lib.models.parameters import ParameterError, make_parameters
from ccth_lib.models.rounding import TIE_BREAK, choose_rule, round_value, rules_reproducing
from ccth_lib.provenance import excerpt, normalise, numbers_in


@pytest.fixture(scope="module")
def evidence():
    return defaults.chain_evidence()


@pytest.fixture(scope="module")
def base(evidence):
    params, prov = defaults.chain_defaults(evidence)
    return params, prov


@pytest.fixture(scope="module")
def register(evidence, base):
    res = findings.run_chain(evidence, base[0])
    return reconcile.register(findings.chain_findings(evidence, res)).set_index("id")


def _copy(ev):
    return {k: v.copy() for k, v in ev.items()}


# The paper is internally inconsistent in exactly these places (stated - derived):
EXPECTED_DIFFERENCES = {
    # 1566 + 1102 + 331 = 2999, one short of the circa 3,000 target
    "chain.3.sum_vs_target": 1,
    # 8,793 is the sum of truncated localities; the county 73,287 × 0.12 = 8,794.44
    "chain.4.case_management_total_from_county": -1.44,
    # Appendix A 2020/21 Total target printed 1772; the localities 572 + 604 + 598 = 1774
    "chain.6.nel_target.total.2020_21": -2,
    # The method text says 10%, 20%, 24%; the table's figures are 20%, 24%, 28% of case management
    "chain.6.method_rate.2019_20": -10,
    "chain.6.method_rate.2020_21": -4,
    "chain.6.method_rate.2021_22": -4,
}


def test_every_other_derived_figure_reproduces_the_paper(register):
    differs = register[register["status"] == "differs"]
    assert {i: round(d, 6) for i, d in differs["difference"].items()} == EXPECTED_DIFFERENCES
    assert set(register["status"]) == {"agrees", "differs"}
    assert (register["basis"] == "independent").all() and (register["duplicate_of"] == "").all()


def test_the_chain_covers_every_step(register):
    steps = {i.split(".")[1] for i in register.index}
    assert steps == {"1", "2", "3", "4", "5", "6"}
    assert len(register) >= 45


def test_how_the_642_percent_arises(evidence, base):
    res = findings.run_chain(evidence, base[0])
    assert res.hah == {"hah_row_aa": 808.0, "hah_admissions": 1901.0, "hah_share_pct": 64.2, "crisis_share_pct": 35.8}


# Line ranges ------------------------------------------------------------------------------------
def test_each_finding_has_the_lines_of_the_value_it_is_about(register, evidence):
    """The stated figure's own line where its row records it (cell_lines), else its row's lines."""
    from ccth_lib import cells

    ltc = evidence["paper_ltc_targets"].set_index("ltc_count")
    cm = evidence["paper_locality_case_management"].set_index("locality")
    lm = evidence["paper_locality_model"].set_index("locality")
    nel = evidence["paper_nel_avoidability"].set_index("avoidability")
    tr = evidence["paper_trajectory"].set_index(["locality", "year"])
    expected = {
        "chain.3.ltc1": (ltc.loc[1], "target_aa"), "chain.3.ltc3": (ltc.loc[3], "target_aa"),
        "chain.4.case_management.north": (cm.loc["North"], "case_management"), "chain.4.population_pct.south": (cm.loc["South"], "population_pct"),
        "chain.4.case_management.total": (cm.loc["Total"], "case_management"),
        "chain.4.case_management_total_from_county": (cm.loc["Total"], "case_management"),
        "chain.5.hospital_at_home.central": (lm.loc["Central"], "hospital_at_home"), "chain.5.target_aa.total": (lm.loc["Total"], "target_aa"),
        "chain.1.nel_total": (nel.loc["Total NEL Admissions"], "admissions"),
        "chain.1.usually_avoidable_vs_optimity": (nel.loc["Usually avoidable"], "admissions"),
        "chain.6.nel_target.north.2019_20": (tr.loc[("North", "2019/20")], "nel_avoidance_target"),
        "chain.6.case_management.total.2021_22": (tr.loc[("Total", "2021/22")], "case_management"),
    }
    for fid, (row, column) in expected.items():
        f = register.loc[fid]
        own = cells.lines_of(row, column)
        lines = (own.start, own.end) if own else (row["line_start"], row["line_end"])
        assert (f["source_id"], f["line_start"], f["line_end"]) == (row["source_id"], *lines), fid
    assert register.loc["chain.6.nel_target.north.2019_20", "line_end"] - register.loc["chain.6.nel_target.north.2019_20", "line_start"] < 3
    # narrower than the table when the table has several rows
    whole = evidence["paper_locality_case_management"]
    assert register.loc["chain.4.case_management.north", "line_end"] < whole["line_end"].max()


def test_every_finding_points_at_lines_that_print_its_stated_figure(register, evidence):
    """Each finding's lines are one row's, one value's of a row or one register figure's, and they print the stated value."""
    from ccth_lib import cells

    spans = {
        (r["source_id"], int(r["line_start"]), int(r["line_end"]))
        for df in evidence.values() for _, r in df.iterrows()
    } | {
        (r["source_id"], c.start, c.end)
        for df in evidence.values() for _, r in df.iterrows() for c in cells.parse(r.get("cell_lines"))
    }
    for fid, f in register.iterrows():
        assert (f["source_id"], f["line_start"], f["line_end"]) in spans, fid
        text = excerpt(sources.lines(f["source_id"]), f["line_start"], f["line_end"])
        assert abs(pd.Series([float(n) for n in numbers_in(text)]) - f["stated"]).min() == 0, fid


# The method-rate finding ------------------------------------------------------------------------
def test_the_method_rate_finding_compares_the_text_with_the_table_not_the_run(evidence, base):
    res = findings.run_chain(evidence, base[0].with_overrides(avoidance_rate_2021_22=0.30))
    reg = reconcile.register(findings.chain_findings(evidence, res)).set_index("id")
    f = reg.loc["chain.6.method_rate.2021_22"]
    assert (f["stated"], f["derived"], f["difference"]) == (24, 28, -4)
    # ...while the trajectory itself follows the run's rate
    north = reg.loc["chain.6.nel_target.north.2021_22"]
    assert north["derived"] == round_value(2454 * 0.30) and north["status"] == "differs"


def test_the_tables_rates_come_from_its_figures(evidence):
    rates = findings.table_rates(evidence["paper_trajectory"]).set_index("year")
    assert list(rates.index) == list(parameters.chain_years())
    assert dict(rates["rate_pct"]) == dict(rates["heading_pct"]) == {"2019/20": 20, "2020/21": 24, "2021/22": 28}
    assert rates.loc["2020/21", ["nel_avoidance_target", "case_management"]].tolist() == [572 + 604 + 598, 2383 + 2517 + 2492]
    ev = _copy(evidence)
    t = ev["paper_trajectory"]
    t.loc[t["year"] == "2019/20", "nel_avoidance_target"] = (t.loc[t["year"] == "2019/20", "case_management"] * 0.3).round()
    assert findings.table_rates(t).set_index("year").loc["2019/20", "rate_pct"] == 30


# Defaults and their provenance --------------------------------------------------------------------
def test_defaults_come_from_the_evidence_with_provenance(base):
    params, prov = base
    names = {p.parameter for p in prov}
    assert set(params.model_dump()) <= names
    cited = {p.parameter: p for p in prov}
    t = cited["target_total"]
    assert t.source == "figures:paper_target_circa_3000"
    assert "lines 37-38" in t.citation
    assert (t.source_id, t.line_start, t.line_end) == ("paper-2018-10", 37, 38)
    assert params.avoidance_rates == {"2019/20": 0.2, "2020/21": 0.24, "2021/22": 0.28}


def test_provenance_is_structured_and_its_quotes_are_in_the_source(base):
    _, prov = base
    for p in prov:
        fields = (p.source_id, p.line_start, p.line_end, p.quote)
        assert p.note is None or p.parameter.startswith("avoidance_rate_")
        if p.source == "analysis":
            assert fields == (None, None, None, None), p.parameter
            continue
        assert None not in fields, p.parameter
        text = normalise(excerpt(sources.lines(p.source_id), p.line_start, p.line_end))
        assert normalise(p.quote) in text, p.parameter
        assert f"“{p.quote}”" in p.citation
    frame = defaults.provenance_frame(prov)
    assert list(frame.columns) == ["parameter", "value", "source", "citation", "source_id", "line_start", "line_end", "quote", "note"]


def test_the_avoidance_rates_quote_the_scrambled_headings_and_say_the_year_is_inferred(base, evidence):
    _, prov = base
    cited = {p.parameter: p for p in prov}
    lines = sources.lines("paper-2018-10")
    seen = []
    for year, pct in (("2019/20", 20), ("2020/21", 24), ("2021/22", 28)):
        p = cited[parameters.rate_parameter(year)]
        assert p.source_id == "paper-2018-10"
        printed = excerpt(lines, p.line_start, p.line_end)
        assert f"{pct}%" in printed and f"{pct}%" in p.quote  # the heading line that prints the rate
        assert p.line_start == p.line_end  # one heading fragment, not the table
        assert "inferred, not printed" in p.citation and p.note in p.citation
        assert p.note.startswith(f"The year is inferred, not printed: in {year} the table's NEL avoidance targets are {pct}.0% ")
        seen.append(p.line_start)
    # the headings print 20%, 28%, 24% in that order: the 2020/21 heading comes after 2021/22's
    assert seen[0] < seen[2] < seen[1]
    for p in cited.values():
        assert "(assuming 24% NEL admission avoidance)" not in p.citation


def test_no_figures_are_typed_into_provenance_strings():
    """No string literal of defaults.py holds a digit, except ids (of figures and tables), docstrings
    and f-string format specifications: every number a citation prints comes from the data."""
    import ast
    import inspect
    import re

    tree = ast.parse(inspect.getsource(defaults))
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and ast.get_docstring(node) is not None:
            skip.add(id(node.body[0].value))
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            skip.update(id(n) for n in ast.walk(node.format_spec))
    typed = [
        n.value for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in skip
        and not re.fullmatch(r"[a-z0-9_]+", n.value) and re.search(r"\d", n.value)
    ]
    assert typed == []


def test_citations_follow_the_data(evidence):
    ev = _copy(evidence)
    figs = ev["figures"]
    figs.loc["paper_hah_share_pct", "value"] = 64.25
    _, prov = defaults.chain_defaults(ev)
    cited = {p.parameter: p for p in prov}
    assert cited["percent_places"].value == 2
    assert "64.25%" in cited["percent_places"].citation


# Rounding: the defaults are the rules the evidence chooses -------------------------------------------
def test_rounding_rules_found_from_the_numbers(evidence, base):
    ev = findings.rounding_evidence(evidence, base[0]).set_index("figures")
    cm = ev.loc[ev.index.str.startswith("Case management")].iloc[0]
    assert (cm["truncate"], cm["half_up"], cm["half_even"]) == (3, 2, 2)  # only truncation gives 2,782
    ltc = ev.loc["LTC split: NEL admissions × target %"]
    assert (ltc["n"], ltc["half_up"], ltc["half_even"], ltc["truncate"]) == (3, 3, 3, 2)
    traj = ev.loc["Appendix A: case management × rate (localities)"]
    assert (traj["n"], traj["half_up"], traj["half_even"], traj["truncate"]) == (9, 9, 9, 6)
    assert set(ev["chosen"]) == {"half_up", "truncate"}


def test_the_default_rounding_rules_are_what_the_evidence_implies(evidence, base):
    params, prov = base
    choices = findings.rounding_choices(findings.rounding_evidence(evidence, params)).set_index("parameter")
    for name in findings.ROUNDING_PARAMETERS:
        counts = {r: int(choices.loc[name, r]) for r in TIE_BREAK}
        assert getattr(params, name) == choose_rule(counts) == choices.loc[name, "chosen"]
    # rounding_counts: half up and half even reproduce all 22 stated counts, truncation 15; the tie
    # goes to half up; rounding_case_management: only truncation gives all 3
    assert choices.loc["rounding_counts", ["n", "half_up", "half_even", "truncate"]].tolist() == [22, 22, 22, 15]
    assert choices.loc["rounding_counts", "tied_with"] == "half_even"
    assert choices.loc["rounding_case_management", ["n", "half_up", "half_even", "truncate"]].tolist() == [3, 2, 2, 3]
    assert (params.rounding_counts, params.rounding_case_management) == ("half_up", "truncate")
    cited = {p.parameter: p for p in prov}
    assert "half_up reproduces 22 (half_even 22, truncate 15)" in cited["rounding_counts"].citation
    assert "tie is broken in the order half_up, half_even, truncate" in cited["rounding_counts"].citation
    assert "North: 23,190 × 240/1,000 × 0.5 = 2,782.8, stated 2,782" in cited["rounding_case_management"].citation


def test_changing_a_stated_figure_can_change_the_chosen_rule(evidence):
    ev = _copy(evidence)
    cm = ev["paper_locality_case_management"]
    cm.loc[cm["locality"] == "North", "case_management"] = 2783  # 2,782.8 rounded, not truncated
    params, prov = defaults.chain_defaults(ev)
    assert params.rounding_case_management == "half_up"  # 3 of 3, tied with half_even, ahead of truncate's 2
    assert params.rounding_counts == "half_up"
    ev = _copy(evidence)
    traj = ev["paper_trajectory"]
    for year in ("2020/21", "2021/22"):  # the table's targets truncated instead of rounded
        rows = (traj["year"] == year) & (traj["row_kind"] == "item")
        truncated = traj.loc[rows, "case_management"] * traj.loc[rows, "assumed_avoidance_pct"] // 100
        traj.loc[rows, "nel_avoidance_target"] = truncated.astype("Int64")
    ltc = ev["paper_ltc_targets"]
    ltc.loc[ltc["ltc_count"] == 2, "target_aa"] = 1101
    lm = ev["paper_locality_model"]
    lm.loc[lm["row_kind"] == "item", "hospital_at_home"] = [608, 581, 735]
    params, _ = defaults.chain_defaults(ev)
    assert params.rounding_counts == "truncate"


def test_choose_rule_and_its_tie_break():
    assert TIE_BREAK == ("half_up", "half_even", "truncate")
    assert choose_rule({"half_up": 2, "half_even": 3, "truncate": 1}) == "half_even"
    assert choose_rule({"half_up": 3, "half_even": 3, "truncate": 3}) == "half_up"
    assert choose_rule({"half_even": 3, "truncate": 3}) == "half_even"
    assert choose_rule({"half_up": 1, "truncate": 2}) == "truncate"
    with pytest.raises(ValueError, match="counts must be given"):
        choose_rule({"floor": 3})


def test_round_value_is_exact_decimal():
    assert round_value(1566.45, "half_up") == 1566
    assert round_value(2.5, "half_up") == 3 and round_value(2.5, "half_even") == 2
    assert round_value(2782.8, "truncate") == 2782
    assert round_value(20.6114, "half_up", 1) == 20.6
    with pytest.raises(ValueError, match="rounding rule 'floor'"):
        round_value(1, "floor")
    assert rules_reproducing([1.5, 2.4], [2, 2]) == {"half_up": 2, "half_even": 2, "truncate": 1}


def test_percent_places_from_the_printed_percentages(evidence, base):
    pct = findings.percent_evidence(evidence)
    assert base[0].percent_places == pct["places"].max() == 1
    assert len(pct) == 4 + len(vocab.LOCALITIES)


# Vocabulary ---------------------------------------------------------------------------------------
def test_years_and_localities_come_from_the_vocabulary():
    assert chain.LOCALITIES == vocab.LOCALITIES
    assert set(parameters.YEARS) <= set(vocab.YEARS)
    assert parameters.YEARS == tuple(y for y in vocab.YEARS if y in parameters.YEARS)
    with pytest.raises(ValueError, match="no avoidance-rate parameter for year '2030/31'"):
        parameters.rate_parameter("2030/31")


# Parameters --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name,value,fragment", [
    ("avoidance_rate_2021_22", 1.5, "parameter avoidance_rate_2021_22=1.5: Input should be less than or equal to 1 (allowed: <= 1.0)"),
    ("target_total", -5, "parameter target_total=-5: Input should be greater than or equal to 0"),
    ("share_1to3_ltc", 2, "parameter share_1to3_ltc=2"),
    ("locality_shares", {"North": 0.5, "Central": 0.3, "South": 0.3}, "locality shares must sum to 1, they sum to 1.1"),
    ("ltc_target_share", {1: 1.2, 2: 0.3, 3: 0.1}, "share for 1 LTC(s) is 1.2, allowed range 0-1"),
    ("rounding_counts", "floor", "parameter rounding_counts='floor'"),
    ("no_such_parameter", 1, "parameter no_such_parameter=1: Extra inputs are not permitted"),
])
def test_bad_parameters_name_the_parameter_and_range(base, name, value, fragment):
    with pytest.raises(ParameterError) as exc:
        base[0].with_overrides(**{name: value})
    assert fragment in str(exc.value)


def test_negative_population_is_rejected(base):
    with pytest.raises(ValueError, match="population_65plus must be non-negative"):
        chain.case_management_cohort(pd.Series({"North": -1.0}), base[0])


def test_changing_one_rate_changes_only_that_years_targets(evidence, base):
    params = base[0]
    before = findings.run_chain(evidence, params).trajectory
    after = findings.run_chain(evidence, params.with_overrides(avoidance_rate_2021_22=0.30)).trajectory
    changed = before["nel_avoidance_target"] != after["nel_avoidance_target"]
    assert set(before.loc[changed, "year"]) == {"2021/22"}
    assert changed[before["year"] == "2021/22"].all()
    north = after[(after["locality"] == "North") & (after["year"] == "2021/22")].iloc[0]
    assert north["nel_avoidance_target"] == round_value(2454 * 0.30)  # 736.2 -> 736


def test_make_parameters_round_trip(base):
    assert make_parameters(**base[0].model_dump()) == base[0]


def test_a_boolean_is_not_a_rate():
    """Strict types: `true` must not pass as a rate of 1.0 (papermill and YAML both produce booleans)."""
    import pytest

    from ccth_lib.models import defaults
    from ccth_lib.models.parameters import ParameterError

    params, _ = defaults.chain_defaults()
    with pytest.raises(ParameterError, match="avoidance_rate_2021_22=True"):
        params.with_overrides(avoidance_rate_2021_22=True)
    assert params.with_overrides(target_total=3500).target_total == 3500
