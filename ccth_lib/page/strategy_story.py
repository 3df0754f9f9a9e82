"""The 2020–21 commissioning strategy page: where Care Closer to Home's aims went.

The strategy's objectives, efficiency tables, mental-health investment, frailty projections,
population health summary, Big Ticket items and roadmap, performance-monitoring rule and
benefits, each read from ``data/tables``. Which schemes continue Care Closer to Home's aims is
not decided here: it is this record's recorded judgement, ``data/tables/strategy_sccth_continuity``
(item, how it continues the programme, the SCCtH phase, the reason and the strategy's own
line); this module only joins it to the strategy's tables by the item's printed name and adds
up the marked schemes (pure functions, no I/O).
"""

from __future__ import annotations

import pandas as pd

from .. import data, vocab
from . import formats
from .chart_data import chart_data
from .context import card_link, fit
from .glue import sourced, sourced_figure
from .links import inline_link, link_of
from .render import Html, render
from .table import table

CONTINUITY = "strategy_sccth_continuity"
#: The strategy tables the judgement covers, and the column that names each row.
LABELS = {
    "strategy_priority_schemes": "scheme",
    "strategy_efficiency_community": "scheme_name",
    "strategy_efficiency_acute": "scheme_name",
    "strategy_efficiency_individual": "scheme_name",
    "strategy_efficiency_medicines": "scheme_name",
    "strategy_big_ticket_items": "item",
    "strategy_roadmap": "action",
}
#: How the judgement's categories read in a table cell and a chart legend, in order of closeness.
LINK_WORDS = {
    "named as Care Closer to Home": "Named as Care Closer to Home",
    "continues an SCCtH service": "Continues a Care Closer to Home service",
    "shares SCCtH's aim": "Shares Care Closer to Home's aim",
}
#: Where in the strategy each judged table is, in a few words (the continuity table's second column).
WHERE = {
    "strategy_priority_schemes": "Priority schemes",
    "strategy_efficiency_community": "Community & Place Based Care efficiency schemes",
    "strategy_efficiency_acute": "Acute & Specialised Care efficiency schemes",
    "strategy_efficiency_individual": "Individual Commissioning efficiency schemes",
    "strategy_efficiency_medicines": "Medicines Management efficiency schemes",
    "strategy_big_ticket_items": "Big Ticket items",
    "strategy_roadmap": "Big Ticket items roadmap",
}
#: What an item of a judged table with no row in the judgement reads.
NOT_MARKED = "No"
OTHER = "Other schemes"
MARK_HEADER = "Continues Care Closer to Home?"

LINES = "Lines (strategy)"
FIGURE_INDIVIDUAL = "strategy_individual_commissioning_recovery_savings"
FIGURE_MEDICINES = "strategy_medicines_qipp_target"


def year_columns(df: pd.DataFrame) -> list[str]:
    """The financial-year columns of a strategy table (fy2020_21 …), in order."""
    return [vocab.fy_column(y) for y in vocab.YEARS if vocab.fy_column(y) in df.columns]


def _money(df: pd.DataFrame) -> tuple[dict[str, str], dict[str, str]]:
    cols = year_columns(df)
    return {c: vocab.year_of_column(c) for c in cols}, {c: "money_thousands" for c in cols}


# ---------------------------------------------------------------------------------------------
# The judgement joined to the strategy's tables (pure)


def marks_for(continuity: pd.DataFrame, table_name: str) -> dict[str, str]:
    """Item name → the judgement's category, for one strategy table."""
    rows = continuity[continuity["strategy_table"] == table_name]
    return dict(zip(rows["item"], rows["link"]))


def unmatched(continuity: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> list[str]:
    """Judged items that name no row of their strategy table (an empty list when all match)."""
    out = []
    for r in continuity.to_dict("records"):
        t = tables[r["strategy_table"]]
        if r["item"] not in set(t[LABELS[r["strategy_table"]]].dropna()):
            out.append(f"{r['strategy_table']}: {r['item']!r}")
    return out


def with_marks(df: pd.DataFrame, table_name: str, continuity: pd.DataFrame, column: str = "sccth") -> pd.DataFrame:
    """The table with a column saying whether each item continues SCCtH's aims (blank on totals)."""
    marks = marks_for(continuity, table_name)
    label = LABELS[table_name]
    is_total = df["row_kind"].eq("total") if "row_kind" in df.columns else pd.Series(False, index=df.index)
    words = [
        "" if total else LINK_WORDS[marks[name]] if name in marks else NOT_MARKED
        for name, total in zip(df[label], is_total)
    ]
    return df.assign(**{column: words})


def continuity_by_year(items: pd.DataFrame, label: str, marks: dict[str, str]) -> pd.DataFrame:
    """Planned amounts (£000s) per year, summed by the judgement's category (unmarked: "Other schemes").

    ``items`` holds item rows only (no total). Returns one row per year and category, in year
    order and the order of :data:`LINK_WORDS`, categories with no amount in any year left out.
    """
    cols = year_columns(items)
    group = items[label].map(lambda n: LINK_WORDS[marks[n]] if n in marks else OTHER)
    order = [w for w in [*LINK_WORDS.values(), OTHER] if w in set(group)]
    rows = []
    for c in cols:
        sums = items[c].fillna(0).groupby(group).sum()
        for g in order:
            rows.append({"year": vocab.year_of_column(c), "group": g, "gbp_thousands": int(sums.get(g, 0))})
    return pd.DataFrame(rows)


def population_statement(row: dict) -> str:
    """A health-summary indicator in words: "21% (2016); worse than the national average"."""
    parts = []
    value = row.get("value")
    if not formats.missing(value):
        unit = formats.text(row.get("value_unit"))
        parts.append(formats.percent(value, 2) if unit == "percent" else f"{formats.number(value)} {unit}".strip())
    period = formats.text(row.get("period"))
    if period:
        parts[-1:] = [f"{parts[-1]} ({period})" if parts else f"({period})"]
    comparison = formats.text(row.get("comparison"))
    if comparison:
        comparator = formats.text(row.get("comparator"))
        article = "" if comparator == "average" else "the "
        parts.append(f"{comparison} {'to' if comparison == 'similar' else 'than'} {article}{comparator}")
    return "; ".join(parts)


# ---------------------------------------------------------------------------------------------
# The page


class StrategyStory:
    """The 2020–21 strategy as the programme's last chapter."""

    def __init__(self) -> None:
        names = [*LABELS, "strategy_objectives", "strategy_community_investment", "strategy_mental_health_funding",
                 "strategy_mental_health_investment_priorities", "strategy_frailty_prevalence", "strategy_frailty_projections",
                 "strategy_population_health", "strategy_performance_rule", "strategy_benefits", "strategy_version_history"]
        self.t = {n: data.load_table(n) for n in names}
        self.continuity = data.load_table(CONTINUITY)
        missing = unmatched(self.continuity, {n: self.t[n] for n in LABELS})
        if missing:
            raise ValueError(f"{CONTINUITY}: item(s) not found in their strategy table: {missing}")
        community = self.t["strategy_efficiency_community"]
        self.community = community[community["printing"] == community["printing"].min()]
        self.community_items = self.community[self.community["row_kind"] == "item"]
        self.by_year = continuity_by_year(self.community_items, "scheme_name", marks_for(self.continuity, "strategy_efficiency_community"))
        schemes = self.t["strategy_priority_schemes"]
        self.priority_schemes = schemes[(schemes["printing"] == 1) & (schemes["programme_board"] == "Community and Place Based Care")]
        phases = data.load_table("paper_phases")
        self.phase_names = {int(r["phase"]): formats.text(r["phase_name"]) for r in phases.to_dict("records")}

    # numbers and phrases for the prose

    def figures(self) -> dict:
        """The page's numbers: those the strategy prints linked to their lines; counts and the
        sums and shares of the marked schemes (worked out here) plain."""
        cell = lambda row, column, kind: sourced(int(row[column]), kind, row, column)  # noqa: E731
        out: dict = {"n_objectives": len(self.t["strategy_objectives"])}
        total = self.community[self.community["row_kind"] == "total"].iloc[0]
        named = LINK_WORDS["named as Care Closer to Home"]
        for c in year_columns(self.community):
            y = c.removeprefix("fy")
            year = vocab.year_of_column(c)
            amounts = self.by_year[self.by_year["year"] == year].set_index("group")["gbp_thousands"]
            out[f"community_total_{y}"] = cell(total, c, "money_thousands")
            out[f"community_named_{y}"] = int(amounts.get(named, 0))
            out[f"community_named_share_{y}"] = round(100 * float(amounts.get(named, 0)) / float(total[c]), 1) if total[c] else 0.0
        acute = self.t["strategy_efficiency_acute"]
        out["acute_total_2021_22"] = cell(acute[acute["row_kind"] == "total"].iloc[0], "fy2021_22", "money_thousands")
        out["n_marked"] = len(self.continuity)
        for key, words in (("named", "named as Care Closer to Home"), ("continues", "continues an SCCtH service"), ("shares", "shares SCCtH's aim")):
            out[f"n_marked_{key}"] = int((self.continuity["link"] == words).sum())
        out["n_community_schemes"] = len(self.community_items)
        out["individual_savings_m"] = sourced_figure(FIGURE_INDIVIDUAL)
        out["medicines_target_m"] = sourced_figure(FIGURE_MEDICINES)
        mh = self.t["strategy_mental_health_funding"].set_index("line_item")
        mh_years = year_columns(mh)
        funding = mh[mh["row_kind"] == "funding"].iloc[0]
        investments = mh.loc["Investments"]
        out["mh_funding_first"] = cell(funding, mh_years[0], "money_thousands")
        out["mh_funding_last"] = cell(funding, mh_years[-1], "money_thousands")
        out["mh_investments_first"] = cell(investments, mh_years[1], "money_thousands")
        out["mh_investments_last"] = cell(investments, mh_years[-1], "money_thousands")
        out["n_mh_priorities"] = len(self.t["strategy_mental_health_investment_priorities"])
        proj = self.t["strategy_frailty_projections"].set_index("category")
        out["severe_2016"] = cell(proj.loc["Severe"], "people_2016", "count")
        out["severe_2036"] = cell(proj.loc["Severe"], "people_2036_predicted", "count")
        out["frail_2016"] = int(proj["people_2016"].sum())
        out["frail_2036"] = int(proj["people_2036_predicted"].sum())
        rule = self.t["strategy_performance_rule"]
        out["plan_after_months"] = cell(rule.dropna(subset=["trend_duration_threshold_months"]).iloc[0], "trend_duration_threshold_months", "count")
        out["n_rag_categories"] = len(rule)
        out["n_big_ticket"] = len(self.t["strategy_big_ticket_items"])
        out["n_roadmap_actions"] = len(self.t["strategy_roadmap"])
        out["n_health_statements"] = len(self.t["strategy_population_health"])
        benefits = self.t["strategy_benefits"]
        out["n_benefits"] = len(benefits)
        out["n_boards"] = int(benefits["programme_board"].nunique())
        return out

    def phrases(self) -> dict:
        versions = self.t["strategy_version_history"]
        last = versions.iloc[-1]
        first = versions.iloc[0]
        named = self.continuity[self.continuity["link"] == "named as Care Closer to Home"]
        big = self.continuity[self.continuity["strategy_table"] == "strategy_big_ticket_items"]
        return {
            "latest_version": f"version {last['version']} of {last['date_as_printed']} ({inline_link(link_of(last))})",
            "first_version": f"{first['date_as_printed']} ({inline_link(link_of(first))})",
            "named_schemes": "; ".join(f"*{r['item']}* ({inline_link(link_of(r))})" for r in named.to_dict("records")),
            "big_ticket_marked": "; ".join(f"*{r['item']}* ({inline_link(link_of(r))})" for r in big.to_dict("records")),
            "community_years": ", ".join(vocab.year_of_column(c) for c in year_columns(self.community)),
        }

    # tables

    def objectives_table(self) -> Html:
        return fit(table(self.t["strategy_objectives"], {"objective_number": "No.", "objective": "Objective", "link_to_stp": "Link to the STP"},
                     kinds={"objective_number": "text"}, table_name="strategy_objectives", link_header=LINES, with_document=False))

    def priority_schemes_table(self) -> Html:
        shown = with_marks(self.priority_schemes, "strategy_priority_schemes", self.continuity)
        return fit(table(shown, {"scheme_number": "No.", "scheme": "Priority scheme", "sccth": MARK_HEADER}, kinds={"scheme_number": "text"},
                     table_name="strategy_priority_schemes", link_header=LINES, with_document=False))

    def efficiency_table(self, name: str) -> Html:
        frame = self.community if name == "strategy_efficiency_community" else self.t[name]
        shown = with_marks(frame, name, self.continuity)
        if (shown["row_kind"] == "total").any():
            unlabelled = shown["row_kind"].eq("total") & shown["scheme_name"].map(formats.text).eq("")
            shown = shown.assign(scheme_name=shown["scheme_name"].mask(unlabelled, "Total (unlabelled in the strategy)"))
        years, kinds = _money(shown)
        groups = shown["scheme_group"].map(formats.text).replace("", pd.NA).dropna().unique() if "scheme_group" in shown.columns else []
        mark = {"sccth": MARK_HEADER} if marks_for(self.continuity, name) else {}
        columns = ({"scheme_group": "Group"} if len(groups) > 1 else {}) | {"scheme_name": "Efficiency scheme"} | years | mark
        return fit(table(shown, columns, kinds=kinds, table_name=name, link_header=LINES, with_document=False))

    def continuity_cards(self) -> Html:
        """The judgement, one card per marked item: where it is, how and why it continues SCCtH, its line."""
        cards = []
        for index, r in zip(self.continuity.index, self.continuity.to_dict("records")):
            cards.append({
                "number": int(index) + 1,
                "item": formats.text(r["item"]),
                "where": WHERE[r["strategy_table"]],
                "link_words": LINK_WORDS[r["link"]],
                "phases": self._phases(r["sccth_phases"]),
                "reason": formats.text(r["reason"]),
                "quote": formats.text(r["quote"]),
                "link": card_link(r),
            })
        return render("cards_continuity.html.j2", table_name=CONTINUITY, cards=cards)

    def _phases(self, spec) -> str:
        text = formats.text(spec)
        if not text:
            return "None in particular: the programme's aim"
        return "; ".join(f"Phase {n}: {self.phase_names[int(n)]}" for n in text.split(", "))

    def community_investment_table(self) -> Html:
        df = self.t["strategy_community_investment"]
        years, kinds = _money(df)
        return fit(table(df, {"area": "Area"} | years, kinds=kinds, table_name="strategy_community_investment", link_header=LINES, with_document=False))

    def mental_health_table(self) -> Html:
        df = self.t["strategy_mental_health_funding"]
        years, kinds = _money(df)
        return fit(table(df, {"line_item": "Line of the plan"} | years, kinds=kinds, table_name="strategy_mental_health_funding", link_header=LINES, with_document=False))

    def mental_health_priorities_table(self) -> Html:
        return fit(table(self.t["strategy_mental_health_investment_priorities"], {"priority": "Priority for investment"},
                     table_name="strategy_mental_health_investment_priorities", link_header=LINES, with_document=False))

    def frailty_prevalence_table(self) -> Html:
        return fit(table(self.t["strategy_frailty_prevalence"], {"category": "Frailty", "prevalence_pct": "Expected share", "population_group": "Of"},
                     table_name="strategy_frailty_prevalence", link_header=LINES, with_document=False))

    def frailty_projection_table(self) -> Html:
        return fit(table(self.t["strategy_frailty_projections"], {"category": "Frailty", "people_2016": "People, 2016", "people_2026_predicted": "2026 (predicted)",
                     "people_2036_predicted": "2036 (predicted)"}, kinds={c: "count" for c in ("people_2016", "people_2026_predicted", "people_2036_predicted")},
                     table_name="strategy_frailty_projections", link_header=LINES, with_document=False))

    def population_table(self) -> Html:
        df = self.t["strategy_population_health"]
        shown = df.assign(statement=[population_statement(r) for r in df.to_dict("records")])
        return fit(table(shown, {"section": "Topic", "indicator": "Indicator", "area": "Area", "statement": "What the strategy states"},
                     table_name="strategy_population_health", link_header=LINES, with_document=False))

    def big_ticket_table(self) -> Html:
        shown = with_marks(self.t["strategy_big_ticket_items"], "strategy_big_ticket_items", self.continuity)
        return fit(table(shown, {"item": "Big Ticket item", "sccth": MARK_HEADER}, table_name="strategy_big_ticket_items", link_header=LINES, with_document=False))

    def roadmap_table(self) -> Html:
        shown = with_marks(self.t["strategy_roadmap"], "strategy_roadmap", self.continuity)
        return fit(table(shown, {"programme": "Programme", "action": "Action", "sccth": MARK_HEADER}, table_name="strategy_roadmap",
                     link_header=LINES, with_document=False))

    def performance_table(self) -> Html:
        df = self.t["strategy_performance_rule"]
        words = {"yes": "Yes", "not stated": "Not stated"}
        shown = df.assign(plan=[words.get(v, v[:1].upper() + v[1:]) for v in df["improvement_plan_required"]])
        return fit(table(shown, {"category_as_printed": "Metric's rating and trend", "plan": "Improvement plan required"},
                     table_name="strategy_performance_rule", link_header=LINES, with_document=False))

    # the chart and its data

    chart_title = "Community & Place Based Care efficiency schemes: planned savings by year"
    chart_what = "the Community & Place Based Care efficiency schemes of the 2020–21 strategy"

    def efficiency_chart_data(self) -> Html:
        """The chart's figures: one row per category, one column per year, and the stated total."""
        wide = self.by_year.pivot(index="group", columns="year", values="gbp_thousands")
        wide = wide.loc[list(dict.fromkeys(self.by_year["group"]))].reset_index()
        total = self.community[self.community["row_kind"] == "total"].iloc[0]
        years = [vocab.year_of_column(c) for c in year_columns(self.community)]
        stated = pd.DataFrame([{"group": "Stated total of the table"} | {y: int(total[vocab.fy_column(y)]) for y in years}])
        frame = pd.concat([wide, stated], ignore_index=True)
        return fit(chart_data(frame[["group", *years]], {"group": "Schemes"} | {y: y for y in years}, "sccth_efficiency_by_year.csv",
                              kinds={y: "money_thousands" for y in years}))

    # cards

    def benefit_cards(self) -> Html:
        b = self.t["strategy_benefits"]
        boards = []
        for index, r in zip(b.index, b.to_dict("records")):
            if not boards or boards[-1]["title"] != r["programme_board"]:
                boards.append({"title": r["programme_board"], "boxes": []})
            boxes = boards[-1]["boxes"]
            if not boxes or boxes[-1]["title"] != r["category"]:
                boxes.append({"title": r["category"], "entries": []})
            boxes[-1]["entries"].append({"number": int(index) + 1, "text": formats.text(r["item"]), "link": card_link(r)})
        return render("cards_benefits.html.j2", table_name="strategy_benefits", boards=boards)
