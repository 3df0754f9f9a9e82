"""The Optimity avoidability page: one printing of the table, its totals re-added, both printings compared."""

from __future__ import annotations

import pandas as pd

from .. import data, reconcile
from .downloads import download
from .glue import sourced
from .render import Html
from .chart_data import chart_data

NAME = "paper_optimity_avoidability"
TITLE = "Optimity: 65+ admissions avoidable out of hospital, by service route"


def _lines_phrase(spec: str) -> str:
    a, _, b = str(spec).partition("-")
    return f"lines {a}–{b}" if b and b != a else f"line {a}"


class OptimityPage:
    name = NAME
    chart_title = TITLE

    def __init__(self, printing: int):
        self.table = data.load_table(NAME)
        self.printings = sorted(int(p) for p in self.table["printing"].unique())
        if printing not in self.printings:
            raise ValueError(f"parameter printing={printing!r}: the source prints this table {len(self.printings)} times; allowed values: {self.printings}")
        self.printing = printing
        self.shown = self.table[self.table["printing"] == printing]
        self.items = self.shown[self.shown["row_kind"] == "item"]
        self.total = self.shown[self.shown["row_kind"] == "total"].iloc[0]
        self.register = reconcile.register(reconcile.optimity_findings(self.table))
        ids = self.register["id"]
        self.checks = self.register[ids.str.startswith(f"optimity.printing{printing}.")].reset_index(drop=True)
        self.between = self.register[ids.str.contains("_vs_")].reset_index(drop=True)
        self.spans = [s["lines"] for s in data.table_info(NAME).descriptor["sources"]]

    def largest(self) -> pd.Series:
        return self.items.loc[self.items["total"].idxmax()]

    def figures(self) -> dict[str, int]:
        """The page's numbers: the printed cells linked to their lines; the sums of the rows,
        their differences from the printed totals and the counts plain."""
        cell = lambda row, column: sourced(int(row[column]), "count", row, column)  # noqa: E731
        usually = int(self.items["usually_avoidable"].sum())
        grand = int(self.items["total"].sum())
        return {
            "printing": self.printing,
            "n_printings": len(self.printings),
            "n_items": len(self.items),
            "usually_stated": cell(self.total, "usually_avoidable"),
            "usually_derived": usually,
            "usually_difference": int(self.total["usually_avoidable"]) - usually,
            "grand_stated": cell(self.total, "total"),
            "grand_derived": grand,
            "grand_difference": int(self.total["total"]) - grand,
            "sometimes_total": cell(self.total, "sometimes_avoidable"),
            "largest_total": cell(self.largest(), "total"),
            "cells_compared": len(self.between),
            "cells_differ": int((self.between["status"] == "differs").sum()),
        }

    def phrases(self) -> dict[str, str]:
        return {
            "printing_lines": _lines_phrase(self.spans[self.printings.index(self.printing)]),
            "first_lines": _lines_phrase(self.spans[0]),
            "second_lines": _lines_phrase(self.spans[-1]),
            "largest_service": f"*{self.largest()['service']}*",
        }

    def download(self) -> Html:
        return download(self.shown, f"optimity_avoidability_printing{self.printing}.csv", "Download this printing (CSV)")

    def chart_description(self) -> str:
        lg = self.largest()
        return (
            "Horizontal stacked bar chart of 65+ non-elective admissions per year judged usually or sometimes avoidable, "
            f"for each of {len(self.items)} community service routes, from the Optimity table of the SCCtH programme paper "
            f"(printing {self.printing}). {lg['service']} is the largest route with {int(lg['total']):,} admissions."
        )

    def chart_table(self) -> Html:
        return chart_data(self.items, {"service": "Service", "usually_avoidable": "Usually avoidable", "sometimes_avoidable": "Sometimes avoidable"},
                          "optimity_chart_data.csv")
