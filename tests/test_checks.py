"""Declared checks (ccth_lib.checks): the declarations are validated, each evaluator compares what
it should and can fail, and the declared words carry no typed figure."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from ccth_lib import checks, paths, reconcile
from ccth_lib.checks import Check, CheckError, Document, Evidence
from ccth_lib.reconcile import Location

from test_typed_figures import typed_figures


# A small synthetic world ---------------------------------------------------------------------------
LINES = {
    "doc": [
        "Monday 4th December 2017 Team met",          # 1: right weekday
        "Wednesday 16th August 2018 Committee",       # 2: wrong weekday (a Thursday)
        "approved on 15th August 2018",               # 3
        "the next workshop is planned for November 14th",  # 4
        "Total 30",                                   # 5
        "a 10 b 20",                                  # 6
        "as described in 1.2 above",                  # 7
        "Either Pending Authorisation, In Execution or Completed (in the period)",  # 8
        "between 2014/15 and 2107/18",                # 9
        "✓ ✓",                                        # 10
        "✓",                                          # 11
        "Contents",                                   # 12
        "Introduction",                               # 13
        "Next Steps",                                 # 14
    ]
}


def row(i, **kw):
    return {"source_id": "doc", "line_start": i, "line_end": i, "quote": "q"} | kw


def world(**tables) -> Evidence:
    base = {
        "figures": pd.DataFrame([row(5, id="total_30", value=30.0, unit="things", measure="a total")]),
        "items": pd.DataFrame([row(6, row_order=1, row_kind="item", n=10.0), row(6, row_order=2, row_kind="item", n=20.0),
                               row(5, row_order=3, row_kind="total", n=31.0)]),
        "record": pd.DataFrame([row(1, row_order=1, date="2017-12-04", text="Team met"), row(2, row_order=2, date="2018-08-16", text="Committee"),
                                row(3, row_order=3, date="2018-08-10", text="later printed, earlier dated")]),
    }
    base |= tables
    return Evidence(tables=base, lines=LINES, documents={"doc": Document("doc", "2018-01-18", "The document")}, titles={"items": "Items"})


def check(ctype, kind="arithmetic", **spec) -> Check:
    return Check(id=f"{kind}.t", kind=kind, type=ctype, title="T", severity="low", certainty="certain", origin="document",
                 explanation="E", where=(Location("doc", 1, 14),), spec=spec, file="test")


def run(c: Check, ev: Evidence | None = None) -> pd.DataFrame:
    return reconcile.register(checks.EVALUATORS[c.type](c, ev or world())).set_index("id")


# Reading values ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, year, expected", [
    ("Monday 4th December 2017", None, "2017-12-04"),
    ("15 <sup>th</sup> August 2018", None, "2018-08-15"),
    ("Reminder issued 3/10/18", None, "2018-10-03"),
    ("first meeting scheduled 21.12.17", None, "2017-12-21"),
    ("planned for November 14th", 2017, "2017-11-14"),
    ("Workshop scheduled for Dec 13th", 2017, "2017-12-13"),
    ("by the end of November", 2017, "2017-11"),
    ("to introduce from December a trusted assessor role", 2017, "2017-12"),
    ("to introduce from December a trusted assessor role", None, None),
    ("– **January 2020**", None, "2020-01"),
    ("planned for November 14th", None, None),
    ("no date here", None, None),
])
def test_read_date(text, year, expected):
    assert checks.read_date(text, year) == expected


def test_read_counts_in_words_and_digits():
    assert checks.read_words_number("The six identified Big Ticket items") == 6
    assert checks.read_words_number("Five main programmes of work") == 5
    assert checks.read_words_number("3 key products") == 3
    assert checks.read_words_number("UTC in place on both hospital sites") == 2
    assert checks.read_number("a target of circa 3,000 per year") == 3000


def test_a_month_is_any_of_its_days_when_ordering():
    early = reconcile.Finding("a", "t", "w", "2017-11", "2018-01-18", "doc", 1, 1, "m", relation=">=")
    assert early.status == "differs"  # the whole of November 2017 is before 18 January 2018
    same_month = reconcile.Finding("b", "t", "w", "2018-01", "2018-01-18", "doc", 1, 1, "m", relation=">=")
    assert same_month.status == "agrees"  # part of January 2018 is on or after the 18th: not certainly past


# Declarations ---------------------------------------------------------------------------------------
def _files(**over):
    model = {"kind": "model", "title": "Models", "description": "d", "findings": []}
    kind = {"kind": "dates", "title": "Dates", "description": "d", "checks": [
        {"id": "dates.a", "type": "weekday", "title": "t", "explanation": "e", "where": [{"source_id": "doc", "lines": "1-3"}]}]}
    return {"models.yaml": model, "dates.yaml": kind | over}


def test_declarations_are_read():
    d = checks.parse_declarations(_files(), LINES)
    assert [c.id for c in d.checks] == ["dates.a"] and d.checks[0].where == (Location("doc", 1, 3),)
    assert set(d.kinds) == {"model", "dates"}


@pytest.mark.parametrize("change, message", [
    ({"kind": "timing"}, "kind 'timing' is not one of"),
    ({"checks": [{"id": "text.a", "type": "weekday", "title": "t", "explanation": "e", "where": [{"source_id": "doc", "lines": "1"}]}]}, "must be lower-case dotted and start with 'dates.'"),
    ({"checks": [{"id": "dates.a", "type": "guess", "title": "t", "explanation": "e", "where": [{"source_id": "doc", "lines": "1"}]}]}, "type 'guess' is not one of"),
    ({"checks": [{"id": "dates.a", "type": "weekday", "title": "t", "explanation": "e"}]}, "needs where"),
    ({"checks": [{"id": "dates.a", "type": "weekday", "title": "t", "explanation": "e", "where": [{"source_id": "doc", "lines": "1-99"}]}]}, "beyond the 14 lines"),
    ({"checks": [{"id": "dates.a", "type": "weekday", "title": "t", "where": [{"source_id": "doc", "lines": "1"}]}]}, "needs a explanation"),
    ({"checks": [{"id": "dates.a", "type": "weekday", "title": "t", "explanation": "e", "severity": "huge", "where": [{"source_id": "doc", "lines": "1"}]}]}, "severity 'huge'"),
])
def test_bad_declarations_are_rejected(change, message):
    with pytest.raises(CheckError, match=message):
        checks.parse_declarations(_files(**change), LINES)


def test_duplicate_check_ids_are_rejected():
    files = _files()
    files["dates.yaml"]["checks"] *= 2
    with pytest.raises(CheckError, match="declared twice"):
        checks.parse_declarations(files, LINES)


def test_the_reviewed_list_needs_an_explanation_for_each_finding():
    assert checks.parse_reviewed({"a.b": "why"}) == {"a.b": "why"}
    with pytest.raises(CheckError, match="'a.b' needs an explanation"):
        checks.parse_reviewed({"a.b": ""})


# Evaluators -------------------------------------------------------------------------------------------
def test_weekdays_are_checked_against_the_calendar():
    reg = run(check("weekday", kind="dates"))
    assert reg.loc["dates.t.doc_l1", "status"] == "agrees"
    f = reg.loc["dates.t.doc_l2"]
    assert (f["stated"], f["derived"], f["status"], f["line_start"]) == ("Wednesday", "Thursday", "differs", 2)


def test_a_total_against_its_rows_both_ways():
    reg = run(check("sum", table="items", columns=["n"], items={"row_kind": "item"}, total={"row_kind": "total"}))
    f = reg.loc["arithmetic.t.n"]
    assert (f["stated"], f["derived"], f["difference"], f["status"]) == (31, 30, 1, "differs")
    assert "items:1:n" in f["inputs"] and "items:3:n" in f["inputs"]
    ok = world(items=world().tables["items"].assign(n=[10.0, 20.0, 30.0]))
    assert run(check("sum", table="items", columns=["n"], items={"row_kind": "item"}), ok).loc["arithmetic.t.n", "status"] == "agrees"
    rows = run(check("row_sum", table="items", parts=["n"], total="n", rows={"row_kind": "item"}))
    assert (rows["status"] == "agrees").all() and len(rows) == 2


def test_a_stated_figure_against_a_sum():
    reg = run(check("sum", table="items", columns=["n"], items={"row_kind": "item"}, stated={"figure": "total_30"}))
    assert reg.loc["arithmetic.t.n", "status"] == "agrees"


def test_a_record_out_of_date_order():
    reg = run(check("sorted", kind="dates", table="record", date="date", label="text"))
    assert reg.loc["dates.t.row2", "status"] == "agrees"
    f = reg.loc["dates.t.row3"]
    assert (f["stated"], f["derived"], f["status"]) == ("2018-08-10", "2018-08-16", "differs")
    assert f["locations"] == "doc:3-3; doc:2-2"


def test_members_that_must_agree():
    c = check("agree", kind="dates", members=[
        {"id": "text", "text": {"source_id": "doc", "lines": "3", "quote": "approved on 15th August 2018"}, "value": "date", "label": "text"},
        {"id": "record", "cell": {"table": "record", "row": {"row_order": 2}, "column": "date"}, "label": "record"},
    ])
    f = run(c).loc["dates.t.record"]
    assert (f["stated"], f["derived"], f["status"]) == ("2018-08-16", "2018-08-15", "differs")
    assert f["locations"] == "doc:2-2; doc:3-3"
    once = run(check("agree", kind="text", report="once", members=[
        {"id": "a", "figure": "total_30"}, {"id": "b", "cell": {"table": "items", "row": {"row_order": 3}, "column": "n"}}]))
    assert once.iloc[0]["status"] == "differs" and once.iloc[0]["stated"] == "30 / 31"



def test_members_that_must_differ():
    """``expect: distinct``: one number given for two different things is the finding; two numbers agree."""
    same = [{"id": "a", "figure": "total_30"}, {"id": "b", "text": {"source_id": "doc", "lines": "5", "quote": "Total 30"}, "value": "number"}]
    f = run(check("agree", kind="text", report="once", expect="distinct", expected="two different slides", members=same)).iloc[0]
    assert (f["stated"], f["derived"], f["status"]) == ("30", "two different slides", "differs")
    other = [same[0], {"id": "b", "cell": {"table": "items", "row": {"row_order": 3}, "column": "n"}}]
    assert run(check("agree", kind="text", report="once", expect="distinct", members=other)).iloc[0]["status"] == "agrees"


def test_agreement_within_a_tolerance_and_a_bound():
    c = check("agree", kind="plausibility", members=[{"id": "a", "figure": "total_30"}, {"id": "b", "cell": {"table": "items", "row": {"row_order": 3}, "column": "n"}}],
              comparisons=[{"member": "a", "against": "b", "tolerance": 1, "id": "near"}, {"member": "a", "against": "b", "relation": ">=", "id": "bound"}])
    reg = run(c)
    assert reg.loc["plausibility.t.near", "status"] == "agrees" and reg.loc["plausibility.t.bound", "status"] == "differs"


def test_future_tense_about_a_date_already_past():
    c = check("order", kind="text", earlier={"id": "doc", "document": "doc", "label": "the meeting"}, later=[
        {"id": "workshop", "label": "workshop", "text": {"source_id": "doc", "lines": "4", "quote": "planned for November 14th"},
         "value": "date", "year": 2017, "require_words": ["planned"]}])
    f = run(c).loc["text.t.workshop"]
    assert (f["stated"], f["derived"], f["status"], f["line_start"]) == ("2017-11-14", "2018-01-18", "differs", 4)


def test_a_quote_without_the_tense_words_is_a_declaration_error():
    c = check("order", kind="text", earlier={"document": "doc"}, later=[
        {"id": "w", "text": {"source_id": "doc", "lines": "4", "quote": "November 14th"}, "value": "date", "year": 2017, "require_words": ["will"]}])
    with pytest.raises(CheckError, match="has none of the words"):
        run(c)


def test_a_quote_not_in_its_lines_is_a_declaration_error():
    c = check("agree", kind="dates", members=[{"id": "x", "text": {"source_id": "doc", "lines": "1-2", "quote": "approved on"}, "value": "date"},
                                              {"id": "y", "figure": "total_30"}])
    with pytest.raises(CheckError, match="not found in lines 1-2"):
        run(c)


def test_same_items_of_two_tables():
    a = pd.DataFrame([row(1, ref="1", status="In place", note="x"), row(2, ref="2", status="Pending", note="Risk <sup>closed</sup>.")])
    b = pd.DataFrame([row(3, ref="1", status="In Place", note="x"), row(4, ref="2", status="Pending", note="Risk closed")])
    ev = world(a=a, b=b)
    reg = run(check("same_item", kind="status", a={"table": "a", "key": "ref"}, b={"table": "b", "key": "ref"}, compare=["status", "note"]), ev)
    assert (reg["status"] == "agrees").all()  # case, spacing, markup and a final full stop are not differences
    ev2 = world(a=a, b=b.assign(status=["In place", "Complete"]))
    reg2 = run(check("same_item", kind="status", a={"table": "a", "key": "ref"}, b={"table": "b", "key": "ref"}, compare=["status"]), ev2)
    assert list(reg2["status"]) == ["agrees", "differs"] and reg2.iloc[1]["locations"] == "doc:2-2; doc:4-4"


def test_an_item_in_progress_must_be_listed_among_those_to_complete():
    a = pd.DataFrame([row(1, ref="P1", status="In progress"), row(2, ref="P2", status="Complete"), row(3, ref="P3", status="In Progress")])
    b = pd.DataFrame([row(4, ref="P1")])
    c = check("same_item", kind="status", a={"table": "a", "key": "ref"}, b={"table": "b", "key": "ref"}, compare=[],
              require={"column": "status", "values": ["In progress"], "listed_as": "to complete", "certainty": "probable"})
    reg = run(c, world(a=a, b=b))
    assert list(reg.index) == ["status.t.p1_listed", "status.t.p3_listed"]  # a complete item need not be listed
    assert reg.loc["status.t.p1_listed", "status"] == "agrees" and reg.loc["status.t.p1_listed", "locations"] == "doc:1-1; doc:4-4"
    f = reg.loc["status.t.p3_listed"]
    assert (f["stated"], f["derived"], f["status"], f["certainty"]) == ("not to complete", "to complete", "differs", "probable")


def test_two_statements_compared_by_the_state_they_give():
    """``states``: each member's text read as the one declared state it gives."""
    lines = {"doc": ["The finance section is under development", "Updated finance section to match strategy",
                     "Finance section still being developed", "Approved and under development"]}
    ev = Evidence(tables=world().tables, lines=lines, documents={}, titles={})
    states = {"under development": ["under development", "being developed"], "updated": ["to match strategy"]}

    def member(i, line):
        return {"id": i, "label": i, "text": {"source_id": "doc", "lines": str(line), "quote": lines["doc"][line - 1]}, "value": "text"}

    differ = run(check("agree", kind="text", states=states, members=[member("section", 1), member("history", 2)]), ev).iloc[0]
    assert (differ["stated"], differ["derived"], differ["status"]) == ("updated", "under development", "differs")
    agree = run(check("agree", kind="text", states=states, members=[member("section", 1), member("again", 3)]), ev).iloc[0]
    assert (agree["stated"], agree["status"]) == ("under development", "agrees")
    cell = {"id": "cell", "cell": {"table": "record", "row": {"row_order": 1}, "column": "text"}, "states": {"met": ["met"]}}
    assert checks.resolve(ev, cell, "here").value == "met"  # a cell is read the same way
    with pytest.raises(CheckError, match="gives none of the states"):
        run(check("agree", kind="text", states=states, members=[member("section", 1), member("other", 4) | {"states": {"done": ["complete"]}}]), ev)
    with pytest.raises(CheckError, match="gives approved and open"):  # a text giving two states settles nothing
        checks.read_state("Approved and under development", {"approved": ["approved"], "open": ["under development"]})


def test_a_date_worked_out_from_a_stated_rule():
    """``nth_weekday``: a report for use until the second Wednesday of the next month, against a meeting."""
    lines = {"doc": ["Status report Dec 2017", "Used from the 2nd Weds of each month until the 2nd Weds of next month"]}
    ev = Evidence(tables=world().tables, lines=lines, documents={"doc": Document("doc", "2018-01-18", "The document")}, titles={})
    period = {"id": "period_end", "label": "end of the period", "text": {"source_id": "doc", "lines": "1", "quote": "Dec 2017"}, "value": "date",
              "nth_weekday": {"nth": 2, "weekday": "Wednesday", "months_after": 1,
                              "rule": {"source_id": "doc", "lines": "2", "quote": "until the 2nd Weds of next month"}}}
    late = run(check("order", kind="dates", earlier={"id": "board", "document": "doc", "label": "the meeting"}, later=period), ev).iloc[0]
    assert (late["stated"], late["derived"], late["status"], late["locations"]) == ("2018-01-10", "2018-01-18", "differs", "doc:1-2")
    in_time = dict(period, nth_weekday={"nth": 3, "weekday": "Friday", "months_after": 1})
    assert run(check("order", kind="dates", earlier={"id": "board", "document": "doc"}, later=in_time), ev).iloc[0]["status"] == "agrees"
    assert checks.nth_weekday("2017-12", 2, "Wednesday") == "2017-12-13"
    assert checks.nth_weekday("2018-12-05", 1, "monday", months_after=1) == "2019-01-07"  # across the year's end
    with pytest.raises(CheckError, match="has no 5th Monday"):
        checks.nth_weekday("2018-02", 5, "Monday")
    with pytest.raises(CheckError, match="not found in lines 2-2"):
        run(check("order", kind="dates", earlier={"document": "doc"},
                  later=dict(period, nth_weekday=dict(period["nth_weekday"], rule={"source_id": "doc", "lines": "2", "quote": "third Weds"}))), ev)


def test_a_decision_missing_from_the_record():
    c = check("missing", kind="status", record={"table": "record", "date": "date", "text": "text"}, reported=[
        {"id": "approval", "text": {"source_id": "doc", "lines": "3", "quote": "approved on 15th August 2018"}, "value": "date", "decision": "approved"},
        {"id": "team", "text": {"source_id": "doc", "lines": "1", "quote": "Team met"}, "value": "text", "words": ["team"], "decision": "met"},
    ])
    reg = run(c)
    assert reg.loc["status.t.approval", "status"] == "differs" and "no entry dated" in reg.loc["status.t.approval", "derived"]
    assert reg.loc["status.t.team", "status"] == "agrees"


def test_a_cross_reference_to_the_wrong_item():
    plan = pd.DataFrame([row(5, action_id="1.2", key_action="1.2 Care navigation"), row(6, action_id="1.3", key_action="1.3 Healthy Conversations")])
    c = check("reference", kind="text", references=[
        {"id": "hc", "text": {"source_id": "doc", "lines": "7", "quote": "as described in 1.2 above"}, "target": "1.2",
         "about": ["Healthy Conversations"], "table": "plan", "id_column": "action_id", "text_columns": ["key_action"]}])
    f = run(c, world(plan=plan)).loc["text.t.hc"]
    assert (f["stated"], f["derived"], f["status"]) == ("1.2", "1.3", "differs")


def test_numbering():
    t = pd.DataFrame([row(1, plan="4. Seven-day", n="5.1.1"), row(2, plan="4. Seven-day", n="5.1.1"), row(3, plan="4. Seven-day", n="5.2.1")])
    dup = run(check("numbering", kind="text", table="t", column="n", rule="unique"), world(t=t))
    assert list(dup.index) == ["text.t.5_1_1_row2"]
    head = run(check("numbering", kind="text", table="t", column="n", rule="heading", heading_column="plan"), world(t=t))
    assert (head.iloc[0]["stated"], head.iloc[0]["derived"]) == (4, 5)
    v = pd.DataFrame([row(1, version="0.8"), row(2, version="0.10"), row(3, version="012")])
    seq = run(check("numbering", kind="text", table="v", column="version", rule="sequence"), world(v=v))
    assert list(seq["derived"]) == ["0.9", "0.12"] and (seq["status"] == "differs").all()


def test_statuses_outside_the_footnote_vocabulary():
    t = pd.DataFrame([row(1, status="Pending Authorisation"), row(2, status="In progress")])
    c = check("vocabulary", kind="text", vocabulary={"text": {"source_id": "doc", "lines": "8", "quote": "Either Pending Authorisation, In Execution or Completed (in the period)"}},
              columns=[{"table": "t", "column": "status"}])
    f = run(c, world(t=t)).iloc[0]
    assert f["status"] == "differs" and "outside it: In progress" in f["method"]
    ok = run(c, world(t=t.assign(status=["Completed", "In Execution"]))).iloc[0]
    assert ok["status"] == "agrees"


def test_misprinted_year_ranges():
    reg = run(check("years", kind="dates"))
    assert list(reg["stated"]) == ["2107/18"] and reg.iloc[0]["derived"] == "2017/18"


def test_counts_and_tick_marks():
    t = pd.DataFrame([row(1, x=1), row(2, x=2)])
    c = check("count", pairs=[{"id": "n", "stated": {"figure": "total_30"}, "counted": {"table": "t"}}])
    assert run(c, world(t=t)).iloc[0]["derived"] == 2
    ticks = check("ticks", pairs=[{"id": "k", "text": {"source_id": "doc", "lines": "10-11"}, "mark": "✓", "table": "t", "per_row": 1.5, "what": "w"}])
    f = run(ticks, world(t=t)).iloc[0]
    assert (f["stated"], f["derived"], f["status"]) == (3, 3, "agrees")


def test_contents_entries_against_headings():
    t = pd.DataFrame([row(13, item="Introduction"), row(14, item="One Plan")])
    reg = run(check("contents", kind="text", table="t", column="item", pages={"source_id": "doc", "lines": "13-14"}), world(t=t))
    assert list(reg["status"]) == ["agrees", "differs"]


# The declarations in data/checks ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def declarations():
    return checks.load_checks()


def test_the_declared_checks_load_and_cover_every_kind(declarations):
    assert set(declarations.kinds) == set(reconcile.KINDS)
    kinds = {c.kind for c in declarations.checks}
    assert kinds == set(reconcile.KINDS) - {reconcile.MODEL}
    assert {c.type for c in declarations.checks} >= {"sum", "weekday", "agree", "order", "same_item", "missing", "model", "reference", "numbering"}


def _words(node, path=""):
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("title", "explanation", "label", "what", "description", "expected", "decision") and isinstance(v, str):
                yield f"{path}/{k}", v
            yield from _words(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _words(v, f"{path}[{i}]")


def test_no_typed_figure_in_the_declared_words():
    """A check's words are shown on the register page: its figures come from the data, never typed."""
    folder = paths.data_dir() / "checks"
    for path in sorted(folder.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        items = list(doc.items()) if path.name == checks.REVIEWED_FILE else list(_words(doc))
        for where, text in items:
            assert not typed_figures(text), f"{path.name} {where}: typed figure(s) {typed_figures(text)}"


def test_every_model_function_named_by_a_check_exists(declarations):
    from ccth_lib.models import method

    for c in declarations.checks:
        if c.type == "model":
            assert c.spec["function"] in method.FUNCTIONS, c.id
