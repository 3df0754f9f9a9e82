"""The uncertainty page: every assumption drawn at once (Monte Carlo), and the spread of the results.

Each assumption with a continuous plausible range (``scenarios/ranges.yml``) is drawn from a
triangular distribution over its range with its mode at the page's value, all at once, ``draws``
times, from a fixed seed (``numpy.random.default_rng``), so the page is the same every time it
is executed. The vectorised chain (:mod:`ccth_lib.models.sweep`) evaluates every draw; the page
shows the 10th, 50th and 90th percentiles (P10, P50, P90) of the locality resource needs and of
the trajectory. Nothing here computes a model figure.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import scenarios, vocab
from ..models import sweep
from ..models.parameters import chain_years
from . import formats
from .downloads import download
from .render import Html
from .sensitivity import ScenarioModelPage, setting_text
from .table import table

SERVICES = {"hospital_at_home": "Hospital at Home", "crisis_response_step_up": "Crisis Response/Step up beds"}
TOTAL = sweep.TOTAL


class UncertaintyPage(ScenarioModelPage):
    def __init__(self, draws: int, seed: int, **parameters: Any):
        if isinstance(draws, bool) or not isinstance(draws, int) or draws < 100:
            raise ValueError(f"parameter draws={draws!r}: allowed: a whole number of at least 100")
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f"parameter seed={seed!r}: allowed: a whole number of 0 or more")
        super().__init__(**parameters)
        self.draws, self.seed = draws, seed
        self.continuous = self.ranges[self.ranges["kind"] == "continuous"].reset_index(drop=True)
        self.result = sweep.monte_carlo(self.inputs, self.run.params, self.ranges, draws, seed).figures
        self.base = sweep.flatten(self.run.result)
        localities = list(vocab.localities())
        self.years = list(chain_years())
        needs = [(loc, col) for loc in localities for col in SERVICES]
        traj = [(loc, year) for loc in (*localities, TOTAL) for year in self.years]
        q = sweep.quantiles(self.result, [f"localities.{loc}.{col}" for loc, col in needs]
                            + [f"trajectory.{loc}.{year}.nel_avoidance_target" for loc, year in traj]
                            + [f"localities.{TOTAL}.target_aa"]).set_index("figure")
        self.needs = pd.DataFrame([
            {"locality": loc, "service": SERVICES[col], **q.loc[f"localities.{loc}.{col}"].to_dict(), "base": self.base[f"localities.{loc}.{col}"]}
            for loc, col in needs
        ])
        self.trajectory = pd.DataFrame([
            {"locality": loc, "year": year, **q.loc[f"trajectory.{loc}.{year}.nel_avoidance_target"].to_dict(),
             "base": self.base[f"trajectory.{loc}.{year}.nel_avoidance_target"]}
            for loc, year in traj
        ])
        self.total = q.loc[f"localities.{TOTAL}.target_aa"].to_dict() | {"base": self.base[f"localities.{TOTAL}.target_aa"]}
        self.stopped = int((self.result["error"] != "").sum())

    # numbers and phrases --------------------------------------------------------------------
    def figures(self) -> dict:
        last = self.trajectory[(self.trajectory["locality"] == TOTAL) & (self.trajectory["year"] == self.years[-1])].iloc[0]
        return {
            "draws": self.draws,
            "seed": self.seed,
            "n_drawn": len(self.continuous),
            "stopped": self.stopped,
            "total_p10": self.total["p10"], "total_p50": self.total["p50"], "total_p90": self.total["p90"], "total_base": self.total["base"],
            "last_p10": float(last["p10"]), "last_p50": float(last["p50"]), "last_p90": float(last["p90"]), "last_base": float(last["base"]),
            "needs_table": self.needs.to_json(orient="records", double_precision=10),
            "trajectory_quantiles": self.trajectory.to_json(orient="records", double_precision=10),
        }

    def phrases(self) -> dict:
        stopped = (f"{formats.count(self.stopped)} draws stopped the chain (the localities' shares of the cohort no longer added up) "
                   "and are left out." if self.stopped else "Every draw ran through the whole chain.")
        return {
            "drawn": "; ".join(f"*{label}*" for label in self.continuous["label"]),
            "last_year": self.years[-1],
            "stopped_text": stopped,
        }

    # charts and tables -----------------------------------------------------------------------
    def needs_description(self) -> str:
        return ("Interval chart of the avoided admissions a year each locality's services must deliver, over "
                f"{formats.count(self.draws)} draws of the assumptions: "
                + "; ".join(f"{r.locality}, {r.service}: P10 {formats.count(r.p10)}, P50 {formats.count(r.p50)}, P90 {formats.count(r.p90)}, "
                            f"model with the page's values {formats.count(r.base)}" for r in self.needs.itertuples()))

    def fan_description(self) -> str:
        return ("Fan chart, one panel per locality and one for the county, of the NEL avoidance target by year over "
                f"{formats.count(self.draws)} draws of the assumptions: "
                + "; ".join(f"{r.locality} {r.year}: P10 {formats.count(r.p10)}, P50 {formats.count(r.p50)}, P90 {formats.count(r.p90)}, "
                            f"model {formats.count(r.base)}" for r in self.trajectory.itertuples()))

    _COLUMNS = {"p10": "P10", "p50": "P50 (median)", "p90": "P90", "base": "Model with the page's values"}

    def needs_table(self) -> Html:
        return table(self.needs, {"locality": "Locality", "service": "Service"} | self._COLUMNS, kinds={c: "number" for c in self._COLUMNS})

    def trajectory_table(self) -> Html:
        return table(self.trajectory, {"locality": "Locality", "year": "Year"} | self._COLUMNS, kinds={c: "number" for c in self._COLUMNS})

    def drawn_table(self) -> Html:
        """The assumptions drawn, with their ranges and the mode (the page's value)."""
        df = self.continuous.copy()
        mode = [scenarios.source_value(self.run.params, p) for p in df["parameter"]]
        df["mode"] = [setting_text(p, m) for p, m in zip(df["parameter"], mode)]
        df["low_text"] = [setting_text(p, min(v, m)) for p, v, m in zip(df["parameter"], df["low"], mode)]
        df["high_text"] = [setting_text(p, max(v, m)) for p, v, m in zip(df["parameter"], df["high"], mode)]
        return table(df, {"label": "Assumption", "low_text": "Lowest", "mode": "Most likely (the page's value)", "high_text": "Highest"},
                     kinds={"low_text": "text", "mode": "text", "high_text": "text"}, links=False)

    def downloads(self) -> Html:
        both = pd.concat([self.needs.assign(what="avoided admissions a year"),
                          self.trajectory.rename(columns={"year": "service"}).assign(what="NEL avoidance target")], ignore_index=True)
        both = both.rename(columns={"service": "service_or_year"})
        return download(both[["what", "locality", "service_or_year", "p10", "p50", "p90", "base"]], "uncertainty_percentiles.csv",
                        "Download the percentiles (CSV)")

