"""The whole register of the documents' disagreements, and `ccth check` (the reviewed list)."""

from __future__ import annotations

import hashlib
import re

import pytest
from typer.testing import CliRunner

from ccth_lib import checks, reconcile, sources
from ccth_lib.cli import app
from ccth_lib.models import register as register_mod
from ccth_lib.provenance import excerpt, numbers_in


@pytest.fixture(scope="module")
def evidence():
    return register_mod.load_evidence()


@pytest.fixture(scope="module")
def declarations():
    return checks.load_checks()


@pytest.fixture(scope="module")
def reg(evidence, declarations):
    return register_mod.build_register(evidence, declarations)


@pytest.fixture(scope="module")
def found(reg):
    return reconcile.disagreements(reg).set_index("id")


def test_every_finding_is_reviewed_and_every_reviewed_finding_is_found(found):
    reviewed = checks.load_reviewed()
    assert set(found.index) == set(reviewed)


def test_the_headline_separates_the_documents_from_the_analysis(reg, found):
    h = reconcile.headline(reg)
    assert h["disagreements"] == len(found) == h["documents"] + h["artefacts"] - h["by_construction"]
    assert h["documents"] == h["documents_certain"] + h["documents_probable"]
    analysis = set(found.index[found["origin"] == "analysis"])
    assert analysis == {"chain.4.case_management_total_from_county", "strategy.frailty.severe.2016", "strategy.frailty.severe.2026",
                        "strategy.frailty.severe.2036", "strategy.frailty.moderate.2026"}
    assert h["by_construction"] == 3  # the Mild frailty row the model is fitted to
    documents = found[found["origin"] == "document"]
    assert h["documents"] == len(documents)


def test_a_figure_printed_twice_counts_once_with_both_locations(reg, found):
    f = found.loc["optimity.printing1.total.usually_avoidable"]
    locs = reconcile.parse_locations(f["locations"])
    assert len(locs) == 2 and {loc.line_start < 100 for loc in locs} == {True, False}  # both printings of the table
    assert "optimity.printing2.total.usually_avoidable" not in found.index
    assert reg.set_index("id").loc["optimity.printing2.total.usually_avoidable", "duplicate_of"] == "optimity.printing1.total.usually_avoidable"


@pytest.mark.parametrize("kind", [k for k in reconcile.KINDS if k != "arithmetic"])
def test_every_kind_finds_disagreements(found, kind):
    assert (found["kind"] == kind).any()


def test_the_declared_arithmetic_is_compared_and_can_fail(reg):
    arithmetic = reg[reg["kind"] == "arithmetic"]
    assert len(arithmetic) >= 20
    assert set(arithmetic["status"]) == {"agrees"}  # the documents' totals that differ are the models' findings


def test_every_location_is_within_its_source(reg):
    for f in reg.itertuples():
        for loc in reconcile.parse_locations(f.locations):
            assert 1 <= loc.line_start <= loc.line_end <= len(sources.lines(loc.source_id)), (f.id, loc)


def test_a_numeric_stated_value_is_printed_at_its_lines(reg):
    """The lines a finding names for its stated value print that value (scaled figures and
    derived quantities, whose stated value is a count or a computation, are left out)."""
    computed = ("plausibility.", "method.yield", "method.appendix", "text.action_numbers_headings", "arithmetic.counts", "arithmetic.ninety",
                "arithmetic.tick", "plausibility.community", "same_quantity.acute_sites")  # the last: counts printed in words
    for f in reg.itertuples():
        if not isinstance(f.stated, float) or f.id.startswith(computed) or f.basis != "independent":
            continue
        text = excerpt(sources.lines(f.source_id), f.line_start, f.line_end)
        assert abs(f.stated) in {float(n) for n in numbers_in(text)}, (f.id, f.stated, f.line_start)


@pytest.mark.parametrize("fid, stated, derived", [
    ("dates.weekday.paper_2018_10_l1129", "Wednesday", "Thursday"),
    ("dates.weekday.paper_2018_10_l1142", "Wednesday", "Thursday"),
    ("dates.weekday.paper_2018_10_l1143", "Wednesday", "Thursday"),
    ("dates.case_management_approval.decision_record", "2018-08-16", "2018-08-15"),
    ("dates.order_decisions.row3", "2017-12-15", "2017-12-20"),
    ("same_quantity.annual_avoidance.highlight_benefit", 4586.0, 3000.0),
    ("same_quantity.annual_avoidance.business_case_target", 2689.0, 3000.0),
    ("method.case_management.cohort", 8793.0, 36644.0),
    ("method.one_ltc_share.share", 45.0, 38.7),
    ("method.one_ltc_share.hah_share", 64.2, 60.4),
    ("method.yield.yield", 28.0, 34.1),
    ("method.trajectory_reach.reach", 2130.0, 3000.0),
    ("method.optimity_population.population", 4586.0, 4521.0),
    ("method.appendix_a_headings.headings", "20%, 28%, 24%", "20%, 24%, 28%"),
    ("plausibility.acs_footprint.population", 481000.0, 500000.0),
    ("plausibility.violent_crime_average.weighted", 25.0, 23.1),
    ("text.cross_references.healthy_conversations", "1.2", "1.3"),
    ("text.job_titles.approver", "Commissioning & Redesign Officer, Out of Hospital", "Deputy Director of Performance & Delivery/Head of Out of Hospital"),
    ("text.last_updated_header.header", "2017-12-01", "2017-12-15"),
    ("status.design_sessions.planned_after_stood_down", "2018-10-18", "2018-10-16"),
    ("same_quantity.acute_sites.a_and_e_review", 3.0, 2.0),
    ("status.decisions_missing.step_up_beds_deferred",
     "request for change (undated): deferred the design and modelling of step-up beds until the Joint Strategic Needs Assessment is received",
     "no entry with the words “step”, “bed”"),
    ("status.decisions_missing.comms_strategy_refresh",
     "request for change (undated): agreed to refresh the communications and engagement strategy for the new Phase 3 design approach",
     "no entry with the words “engagement”"),
    ("text.same_slide_two_subjects.slide_36", "36", "two different slides"),
    ("text.event_names.what_matters", "What Matters to You / What Matters to Me", "one name"),
    ("text.tense_status_report.delivery_refresh_session", "2017-11-22", "2018-01-18"),
    ("text.tense_status_report.trusted_assessor_care_homes", "2017-12", "2018-01-18"),
    ("dates.report_in_use.period_end", "2018-01-10", "2018-01-18"),
    ("text.section_status.finance", "under development", "updated to match the financial strategy"),
    ("status.product_approved.p7", "in progress / approved", "one state"),
    ("status.products_in_progress_listed.p7_listed", "not listed as still to be completed", "listed as still to be completed"),
    ("same_quantity.system_population.phm_tier", 500000.0, 481000.0),
    ("method.rounding.case_management_north", 2782.0, 2783.0),
])
def test_findings_of_every_kind(found, fid, stated, derived):
    f = found.loc[fid]
    assert (f["stated"], f["derived"]) == (stated, derived)
    assert f["status"] == "differs"


def test_the_second_pass_checks_can_agree(reg):
    """The checks added on a second reading of the sources also make comparisons that agree: the
    paper's other derived counts follow its rounding, the other products in progress are listed."""
    by_check = reg.set_index("id")
    rounding = by_check[by_check["check"] == "method.rounding"]
    assert len(rounding) >= 5 and set(rounding.index[rounding["status"] == "differs"]) == {"method.rounding.case_management_north"}
    listed = by_check[by_check["check"] == "status.products_in_progress_listed"]
    assert {i for i in listed.index if listed.loc[i, "status"] == "agrees"} >= {
        "status.products_in_progress_listed.p1_listed", "status.products_in_progress_listed.p8_listed"}
    assert set(listed.index[listed["status"] == "differs"]) == {"status.products_in_progress_listed.p7_listed"}
    period = by_check.loc["dates.report_in_use.period_end"]
    assert period["locations"] == "hwbb-2018-01:81-90" and period["certainty"] == "probable"  # the month and the rule it is read by
    assert by_check.loc["same_quantity.system_population.phm_tier", "tolerance"] > 0


def test_what_the_descriptor_notes_recorded_is_now_computed(found):
    ids = set(found.index)
    assert {"text.action_numbers_unique.6_2_row25", "text.action_numbers_unique.3_2_1_row44"} <= ids  # duplicate action numbers
    assert "text.job_titles.approver" in ids  # one person with two job titles
    assert {i for i in ids if i.startswith("dates.weekday.")} == {
        "dates.weekday.paper_2018_10_l1129", "dates.weekday.paper_2018_10_l1142", "dates.weekday.paper_2018_10_l1143"}
    assert {"text.version_numbers.0_10_row9", "text.version_numbers.012_row11"} <= ids
    assert "status.products_to_complete.p3_status" in ids


def test_the_planned_design_sessions_are_found_in_every_place_the_report_plans_them(found):
    f = found.loc["status.design_sessions.planned_after_stood_down"]
    lines = {(loc.source_id, loc.line_start) for loc in reconcile.parse_locations(f["locations"])}
    assert {("highlight-2018-10", 71), ("highlight-2018-10", 85), ("highlight-2018-10", 124), ("highlight-2018-10", 244),
            ("paper-2018-10", 1144)} <= lines


def test_every_printed_weekday_is_compared(reg):
    weekdays = reg[reg["check"] == "dates.weekday"]
    pattern = re.compile(r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),? \d{1,2}")
    printed = sum(len(pattern.findall(line.replace("<sup>", "").replace("</sup>", "")))
                  for sid in sources.registry() for line in sources.lines(sid))
    assert len(weekdays) == printed


def test_appendix_a_arrangements(evidence, declarations):
    d = checks.details(declarations, evidence)["method.appendix_a_headings"]
    assert len(d) == 6
    full = d[d["cells"] == d["of"]]
    assert list(full["arrangement"]) == ["2019/20: 20%, 2020/21: 24%, 2021/22: 28%"]
    assert list(d.loc[d["printed_order"], "arrangement"]) == ["2019/20: 20%, 2020/21: 28%, 2021/22: 24%"]


def test_cross_document_evidence_for_lost_tick_columns(evidence, declarations):
    by_id = {c.id: c for c in declarations.checks}
    cr = checks.cross_document_evidence(by_id["status.change_requests"], evidence).set_index("row")
    assert list(cr.loc[[2, 3, 4], "other_status"]) == ["approved", "pending", "approved"]
    assert set(cr.loc[[2, 3, 4], "status"]) == {"not determinable"}
    assert cr.loc[[5, 6, 7], "other_status"].isna().all() and set(cr.loc[[5, 6, 7], "evidence"]) == {"not in the highlight report"}
    assert (cr.loc[2, "other_source_id"], cr.loc[2, "other_line_start"]) == ("highlight-2018-10", 250)
    risks = checks.cross_document_evidence(by_id["status.risk_classification"], evidence).set_index("row")
    assert list(risks.loc[range(1, 10), "other_status"]) == ["actual", "potential", "actual", "actual", "potential", "actual", "actual", "potential", "actual"]
    assert risks.loc[[10, 11, 12], "other_status"].isna().all()


def test_the_annual_avoidance_side_by_side(evidence, declarations):
    m = checks.members(declarations, evidence, "same_quantity.annual_avoidance").set_index("member")
    assert m.loc["hwbb2017_estimate", "value"] == 4000 and m.loc["hwbb2017_estimate", "date"] == "2017-07-06"
    assert m.loc["highlight_benefit", "value"] == 4586 and m.loc["highlight_benefit", "source_id"] == "highlight-2018-10"
    assert {"optimity_avoidances", "business_case_target", "target", "optimity_all_avoidable", "optimity_usually_avoidable",
            "appendix_a_2019_20", "appendix_a_2020_21", "appendix_a_2021_22"} <= set(m.index)


# ccth check ---------------------------------------------------------------------------------------------
def test_ccth_check_passes_on_the_reviewed_register():
    res = CliRunner().invoke(app, ["check", "--quiet"])
    assert res.exit_code == 0, res.output
    assert "every finding is reviewed" in res.output and "the documents disagree in" in res.output


def _reseal(project, source_id: str, replace: str, by: str, line: int) -> None:
    """Change one line of a source in the scratch copy and re-register its checksum."""
    src = sources.get(source_id)
    path = project / "data" / "sources" / src.file
    lines = path.read_text(encoding="utf-8").split("\n")
    assert replace in lines[line - 1], lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(replace, by)
    path.write_text("\n".join(lines), encoding="utf-8")
    reg = project / "data" / "sources" / "registry.csv"
    reg.write_text(reg.read_text(encoding="utf-8").replace(src.sha256, hashlib.sha256(path.read_bytes()).hexdigest()), encoding="utf-8")


def _csv(project, table: str, replace: str, by: str, count: int = 1) -> None:
    path = project / "data" / "tables" / f"{table}.csv"
    text = path.read_text(encoding="utf-8")
    assert replace in text
    path.write_text(text.replace(replace, by, count), encoding="utf-8")


def test_ccth_check_reports_a_fresh_weekday_error(tmp_project):
    """Seed a wrong weekday into a copy of the data: the check finds it and fails."""
    _reseal(tmp_project, "paper-2018-10", "Monday 4th December 2017", "Tuesday 4th December 2017", 1122)
    _csv(tmp_project, "paper_decisions", "2017-12-04,Monday,", "2017-12-04,Tuesday,")
    res = CliRunner().invoke(app, ["check", "--quiet"])
    assert res.exit_code == 1, res.output
    assert "NEW   dates.weekday.paper_2018_10_l1122" in res.output
    assert "1 new finding(s) not in data/checks/reviewed.yaml: dates.weekday.paper_2018_10_l1122" in res.output


def test_ccth_check_reports_a_fresh_total_that_does_not_add_up(tmp_project):
    """Seed a county total one more than its localities (in the text and the table)."""
    _reseal(tmp_project, "paper-2018-10", "73,287", "73,288", 779)
    _csv(tmp_project, "paper_locality_population", ",73287,", ",73288,")
    _csv(tmp_project, "paper_locality_population", "73,287", "73,288", -1)  # the rows' quotes print it too
    res = CliRunner().invoke(app, ["check", "--quiet"])
    assert res.exit_code == 1, res.output
    assert "NEW   arithmetic.locality_population.population_65plus" in res.output
    assert "stated 73,288; recomputed 73,287 (difference +1)" in res.output


def test_ccth_check_fails_cleanly_on_a_broken_declaration(tmp_project):
    path = tmp_project / "data" / "checks" / "dates.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("type: weekday", "type: weekdays", 1), encoding="utf-8")
    res = CliRunner().invoke(app, ["check"])
    assert res.exit_code == 2 and "type 'weekdays' is not one of" in res.output


# The page ---------------------------------------------------------------------------------------------
def test_the_register_page_counts_the_documents_apart():
    from ccth_lib.page.register import RegisterPage

    page = RegisterPage()
    assert len(page.documents) == page.headline["documents"]
    assert set(page.artefacts["origin"]) | set(page.artefacts["basis"]) >= {"analysis", "by construction"}
    assert not set(page.documents["id"]) & set(page.artefacts["id"])
    by = page.by_kind_and_document()
    assert by["findings"].sum() == len(page.documents)
    assert all(f"{r.document} {r.findings}" in page.chart_description() for r in by.itertuples())
    html = page.findings_table()
    assert html.count("<tr") == len(page.documents) + 1
    with pytest.raises(ValueError, match="allowed values: differs, all"):
        RegisterPage("some")


def test_a_declared_check_repeating_a_models_comparison_is_counted_once():
    from ccth_lib.reconcile import Finding

    model = Finding("chain.x", "t", "w", 10, 9, "s", 5, 5, "m")
    again = Finding("arithmetic.x", "t", "w", 10, 9, "s", 5, 5, "m", kind="arithmetic")
    other_value = Finding("arithmetic.y", "t", "w", 10, 8, "s", 5, 5, "m", kind="arithmetic")
    not_arithmetic = Finding("same_quantity.x", "t", "w", 10, 9, "s", 5, 5, "m", kind="same_quantity")
    out = {f.id: f.duplicate_of for f in register_mod.repeats([model, again, other_value, not_arithmetic])}
    assert out == {"chain.x": "", "arithmetic.x": "chain.x", "arithmetic.y": "", "same_quantity.x": ""}
