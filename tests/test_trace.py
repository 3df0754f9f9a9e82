"""`ccth trace`: a figure's source, what is derived from it, and the pages that show it."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ccth_lib import checks, trace
from ccth_lib.cli import app
from ccth_lib.models import register as register_mod


@pytest.fixture(scope="module")
def evidence():
    return register_mod.load_evidence()


@pytest.fixture(scope="module")
def tables(evidence):
    return dict(evidence.tables)


@pytest.fixture(scope="module")
def index():
    return trace.page_index()


def test_a_figure_id(tables):
    (t,) = trace.targets("paper_target_circa_3000", tables)
    assert (t.ref, t.value, t.unit, t.source_id, t.line_start, t.line_end) == (
        "figures:paper_target_circa_3000", 3000, "admissions avoided per year", "paper-2018-10", 37, 38)
    assert "circa 3000" in t.quote


def test_a_cell(tables):
    (t,) = trace.targets("paper_trajectory:11:nel_avoidance_target", tables)
    assert (t.value, t.unit, t.source_id) == (1772, "admissions avoided per year", "paper-2018-10")
    assert t.line_start <= 844 <= t.line_end  # the line that prints 1,772
    with pytest.raises(KeyError, match="rows 1 to 12"):
        trace.targets("paper_trajectory:13:nel_avoidance_target", tables)
    with pytest.raises(KeyError, match="no column 'target'"):
        trace.targets("paper_trajectory:11:target", tables)


def test_a_bare_value_finds_every_figure_that_holds_it(tables):
    refs = {t.ref for t in trace.targets("4,586", tables)}
    assert {"figures:paper_optimity_admission_avoidances", "figures:highlight_admission_avoidance_per_annum"} <= refs
    assert {t.ref for t in trace.targets("20.6%", tables)} == {"figures:paper_target_share_of_nel_pct"}
    assert trace.targets("no such thing anywhere", tables) == []


def test_what_depends_on_the_target(evidence):
    decl = checks.load_checks()
    (t,) = trace.targets("paper_target_circa_3000", dict(evidence.tables))
    deps, errors = trace.dependents(t, evidence, decl)
    by_id = {d.id: d for d in deps}
    assert not errors
    assert by_id["target_total"].kind == "parameter"
    assert by_id["chain.2.share_of_all_nel_pct"].kind == "derived from it"
    assert by_id["chain.5.target_aa.north"].kind == "derived from it"
    assert by_id["same_quantity.annual_avoidance.highlight_benefit"].kind == "compared with it"
    assert by_id["method.trajectory_reach.reach"].rule.startswith("Appendix A totals by year")
    assert "chain.6.nel_target.north.2019_20" not in by_id  # the trajectory does not use the target


def test_a_cell_that_is_both_stated_and_an_input(evidence):
    decl = checks.load_checks()
    (t,) = trace.targets("paper_locality_population:4:population_65plus", dict(evidence.tables))
    by_id = {d.id: d for d in trace.dependents(t, evidence, decl)[0]}
    assert by_id["arithmetic.locality_population.population_65plus"].kind == "states it"
    assert by_id["method.case_management.cohort"].kind == "derived from it"
    assert "chain.4.case_management_total_from_county" in by_id


def test_pages_showing_a_synthetic_index():
    t = trace.Target("figures:x", "figures", 4, "value", 3000.0, "", "paper-2018-10", 37, 38, "q")
    row = trace._Row("figures", 4, ["3,000"], [])
    linked = trace._Row(None, None, ["Target", "3,000"], [("evidence_paper.html#L37", "Programme paper, October 2018, lines 37–38", "")])
    wrong_lines = trace._Row(None, None, ["3,000"], [("evidence_paper.html#L90", "lines 90–91", "")])
    index = trace.PageIndex(rows=[("a", row), ("b", linked), ("c", wrong_lines)], glue=[("d", "target", 3000), ("e", "three", 3)],
                            titles={"a": "A", "b": "B"}, paths={"a": "notebooks/a"})
    uses = {u.page: u.how for u in trace.pages_showing(t, index)}
    assert uses == {"a": "row 4 of its table (figures)", "b": "a table row linking to Programme paper, October 2018, lines 37–38",
                    "d": "glued in the text as target"}


def test_the_pages_that_show_a_figure(tables, index):
    (t,) = trace.targets("paper_target_circa_3000", tables)
    uses = {u.page: u.how for u in trace.pages_showing(t, index)}
    assert uses["evidence_paper"].startswith("row ")
    assert "model_avoidance_target" in uses


def test_ccth_trace_prints_the_audit_trail():
    res = CliRunner().invoke(app, ["trace", "paper_hah_share_pct"])
    assert res.exit_code == 0, res.output
    out = res.output
    for words in ("figures:paper_hah_share_pct", "value:    64.2 (percent)", "paper-2018-10", "lines 1004-1005", "quote:",
                  "derived from it", "method.one_ltc_share.hah_share", "shown on"):
        assert words in out, words
    res = CliRunner().invoke(app, ["trace", "nothing-like-this", "--no-pages", "--no-derived"])
    assert res.exit_code == 1 and "nothing in the record matches" in res.output
