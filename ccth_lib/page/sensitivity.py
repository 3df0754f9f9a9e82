"""The sensitivity page: how far each main target moves as each assumption crosses its plausible range.

The page runs the chain with its parameters (``None`` = the source's value, as on every model
page); those values are the *base*. Each assumption with a range (``scenarios/ranges.yml``,
shown in the assumptions log) then takes each end of its range (or each alternative rule), the
others held at the base, and the vectorised chain (:mod:`ccth_lib.models.sweep`) evaluates all
those runs at once. Nothing here computes a model figure.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import scenarios
from ..models import sweep
from . import formats
from .downloads import download
from .models import ChainPage, chain_page, parameter_words
from .render import Html
from .table import table

#: Every chain parameter a model page can set (page names), in the order the pages list them.
PAGE_PARAMETERS = (
    "target_total", "ltc_share_1", "ltc_share_2", "ltc_share_3", "stratification_per_1000", "share_1to3_ltc",
    "hah_row_share", "locality_shares", "avoidance_rate_2019_20", "avoidance_rate_2020_21", "avoidance_rate_2021_22",
    "rounding_counts", "rounding_case_management", "percent_places",
)


def setting_text(parameter: str, value: Any) -> str:
    """An assumption's value for readers (a share as a percentage, a rule in words)."""
    from .parameters import value_text

    field_name, key = scenarios.page_parameter_field(parameter)
    return value_text("share_" if key is not None else field_name, value)


class ScenarioModelPage:
    """What the sensitivity and uncertainty pages share: the chain run with the page's parameters,
    the plausible ranges and the main targets."""

    def __init__(self, **parameters: Any):
        self.run: ChainPage = chain_page(**parameters)
        self.ranges = scenarios.resolve_ranges(scenarios.load_ranges(), self.run.evidence, self.run.source_params)
        self.varied = self.ranges[self.ranges["kind"] != "fixed"].reset_index(drop=True)
        self.labels = dict(zip(self.ranges["parameter"], self.ranges["label"]))
        self.targets = sweep.main_targets()
        self.inputs = sweep.chain_inputs(self.run.evidence)

    def parameters_table(self) -> Html:
        names = [scenarios.page_parameter_field(p)[0] for p in PAGE_PARAMETERS]
        return self.run.parameters_table(list(dict.fromkeys(names)))


class SensitivityPage(ScenarioModelPage):
    def __init__(self, **parameters: Any):
        super().__init__(**parameters)
        self.result = sweep.tornado(self.inputs, self.run.params, self.ranges, self.targets)
        self.result["assumption"] = self.result["parameter"].map(self.labels)
        self.moving = self.result[self.result["swing"] > 0].reset_index(drop=True)

    # numbers and phrases --------------------------------------------------------------------
    def figures(self) -> dict:
        widest = self.moving.sort_values("swing", ascending=False, kind="stable").iloc[0]
        runs = 1 + sum(len(v) for v in self.varied["values"])
        return {
            "n_varied": len(self.varied),
            "n_targets": len(self.targets),
            "n_runs": runs,
            "widest_base": widest["base"],
            "widest_lowest": widest["lowest"],
            "widest_highest": widest["highest"],
        }

    def phrases(self) -> dict:
        widest = self.moving.sort_values("swing", ascending=False, kind="stable").iloc[0]
        moved = set(self.moving["parameter"])
        still = [self.labels[p] for p in self.varied["parameter"] if p not in moved]
        return {
            "widest_target": f"*{widest['target']}*",
            "widest_assumption": f"*{widest['assumption']}*",
            "no_effect": "; ".join(f"*{s}*" for s in still) if still else "none: every varied assumption moves at least one target",
        }

    # chart and tables ------------------------------------------------------------------------
    def chart_frame(self) -> pd.DataFrame:
        """The tornado's bar segments (see :func:`ccth_lib.charts.tornado_chart`)."""
        rows = []
        for r in self.moving.itertuples():
            if r.kind == "continuous":
                ends = (("Low end of the range", r.low_value, r.at_low), ("High end of the range", r.high_value, r.at_high))
            else:
                ends = (("Other rounding rules", r.low_value, r.at_low), ("Other rounding rules", r.high_value, r.at_high))
            for end, setting, value in ends:
                rows.append({
                    "target": r.target, "assumption": r.assumption, "end": end, "setting": setting_text(r.parameter, setting),
                    "value": value, "change_pct": round(100 * (value - r.base) / r.base, 6) if r.base else 0.0, "swing": r.swing,
                })
        return pd.DataFrame(rows)

    def chart_description(self) -> str:
        parts = []
        for target, part in self.moving.groupby("target", sort=False):
            items = ", ".join(
                f"{r.assumption} {formats.number(r.lowest)} to {formats.number(r.highest)}" for r in part.sort_values("swing", ascending=False).itertuples()
            )
            parts.append(f"{target} (base {formats.number(part['base'].iloc[0])}): {items}")
        return ("Tornado chart, one panel per target, of how far each assumption moves the target across its plausible range, "
                "the others held at the page's values: " + "; ".join(parts))

    def table_frame(self) -> pd.DataFrame:
        """One row per target and assumption that moves it: the assumption's range and the
        target's lowest and highest value across it (the base included), in words."""
        df = self.moving.copy()
        ranges = self.varied.set_index("parameter")
        df["range"] = [
            f"{setting_text(p, ranges.loc[p, 'low'])} to {setting_text(p, ranges.loc[p, 'high'])}" if k == "continuous"
            else ", ".join(setting_text(p, v) for v in ranges.loc[p, "values"])
            for p, k in zip(df["parameter"], df["kind"])
        ]
        df["across"] = [f"{formats.number(lo)} to {formats.number(hi)}" for lo, hi in zip(df["lowest"], df["highest"])]
        return df

    def tornado_table(self) -> Html:
        return table(
            self.table_frame(),
            {"target": "Target", "base": "Base value", "assumption": "Assumption", "range": "The assumption's range",
             "across": "The target across it", "swing": "Swing"},
            kinds={"base": "number", "swing": "number", "range": "text", "across": "text"},
        )

    def download(self) -> Html:
        df = self.result[["target", "figure", "parameter", "kind", "base", "low_value", "at_low", "high_value", "at_high", "lowest", "highest", "swing"]]
        return download(df, "sensitivity_tornado.csv", "Download every target and assumption (CSV)")


__all__ = ["PAGE_PARAMETERS", "ScenarioModelPage", "SensitivityPage", "parameter_words", "setting_text"]
