"""The strategy's model pages: frailty projections and finance totals."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import data
from ..models import defaults, strategy
from . import formats
from .models import strategy_evidence
from .render import Html
from .chart_data import chart_data
from .table import table


def _frailty_years() -> dict[str, str]:
    return dict(strategy.FRAILTY_YEARS)


class FrailtyPage:
    """The frailty projection with a page's parameters (:class:`~ccth_lib.models.parameters.FrailtyParameters`;
    ``None`` = the value the evidence gives: the population the Mild row implies, the rounding its counts show)."""

    def __init__(self, **given: Any):
        self.evidence = strategy_evidence()
        proj, prev = self.evidence["strategy_frailty_projections"], self.evidence["strategy_frailty_prevalence"]
        source, self.provenance = defaults.frailty_defaults(self.evidence)
        self.params = source.with_overrides(**given)
        implied = strategy.frailty_default_population(proj, prev)
        self.given = self.params.populations
        if set(self.given) != set(implied):
            raise ValueError(f"the population parameters' years {sorted(self.given)} are not the projection's years {sorted(implied)}")
        self.population = {y: (float(self.given[y]) if self.given[y] is not None else implied[y]) for y in implied}
        self.years = list(self.population)
        self.derived, found = strategy.strategy_findings(self.evidence, self.population, self.params.rounding_frailty)
        from .. import reconcile

        self.findings = reconcile.register([f for f in found if f.id.startswith("strategy.frailty.")])
        mild = prev.set_index("category").loc["Mild", "prevalence_pct"]
        self.implied_words = f"implied by the Mild row (its count ÷ {formats.percent(mild)})"

    def figures(self) -> dict:
        counted = self.findings[self.findings["status"] != "agrees by construction"]
        return {
            "largest_difference": float(counted["difference"].abs().max()) if len(counted) else 0.0,
            "frailty_table": self.derived.to_json(orient="records", double_precision=10),
            "population_2036": round(self.population["2036"]),
        }

    def phrases(self) -> dict:
        largest = self.figures()["largest_difference"]
        if largest <= 1:
            words = "Every counted difference is at most one person: the printed counts are consistent with one 65+ population per year, up to rounding."
        else:
            words = "Some differences exceed one person: the printed counts are not consistent with a single 65+ population per year at these prevalences."
        return {"consistency": words}

    def population_table(self) -> Html:
        frame = pd.DataFrame([
            {"year": y, "population": v, "set_by": "this run" if self.given[y] is not None else self.implied_words}
            for y, v in self.population.items()
        ])
        return table(frame, {"year": "Year", "population": "65+ population used", "set_by": "Set by"}, kinds={"population": "count", "year": "text"})

    def prevalence_table(self) -> Html:
        prev = self.evidence["strategy_frailty_prevalence"]
        return table(prev, {"category": "Frailty", "prevalence_pct": "Prevalence", "population_group": "Of"})

    def stated_table(self) -> Html:
        proj = self.evidence["strategy_frailty_projections"]
        return table(proj, {"category": "Frailty"} | {col: (y if y == self.years[0] else f"{y} (predicted)") for y, col in _frailty_years().items()})

    def derived_table(self) -> Html:
        return table(self.derived, {"category": "Frailty", "prevalence_pct": "Prevalence"} | {y: f"{y} (model)" for y in self.years},
                     kinds={"prevalence_pct": "percent"} | {y: "count" for y in self.years})

    def chart_table(self) -> Html:
        return chart_data(self.derived, {"category": "Frailty"} | {y: y for y in self.years}, "frailty_projection.csv", kinds={y: "count" for y in self.years})


class FinancePage:
    """The strategy's finance totals, re-added, and one table charted (:class:`~ccth_lib.models.parameters.FinanceParameters`;
    ``chart_table=None``: the table with the most to show)."""

    def __init__(self, **given: Any):
        self.evidence = strategy_evidence()
        source, self.provenance = defaults.finance_defaults(self.evidence)
        self.params = source.with_overrides(**given)
        chart_table = self.params.chart_table
        _, found = strategy.strategy_findings(self.evidence)
        from .. import reconcile

        self.findings = reconcile.register([f for f in found if not f.id.startswith("strategy.frailty.")])
        t = self.evidence[chart_table]
        self.items = t[t["row_kind"] == "item"]
        self.year_columns = {c: strategy.year_label(c) for c in strategy.year_columns(t)}
        self.label = next(c for c in ("scheme_name", "area", "line_item") if c in self.items.columns)
        self.chart_title = data.table_info(chart_table).title

    def chart_data(self) -> Html:
        return chart_data(self.items, {self.label: "Row"} | self.year_columns, "finance_table.csv", kinds={c: "money_thousands" for c in self.year_columns})
