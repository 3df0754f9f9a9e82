"""The four pages of the programme paper's chain (steps 1–6): their tables, figures and phrases.

Each class takes a :class:`~ccth_lib.page.models.ChainPage` (the chain run with the page's
parameters) and returns what the page shows: tables through the table component, numbers for
``{glue:text}`` (or, for a number the paper prints, ``{glue:md}``: linked to its lines) and phrases
for ``{glue:md}``. Nothing here computes a model figure.
"""

from __future__ import annotations

import pandas as pd

from .. import data
from ..models import defaults
from ..models import findings as chain_findings
from . import formats
from .links import SourceLink, inline_link
from .models import ChainPage
from .render import Html
from .chart_data import chart_data
from .glue import sourced, sourced_figure, shown
from .table import table



def _json(df: pd.DataFrame) -> str:
    """A derived table as canonical JSON records (glued, so tests can read the page's results)."""
    return df.to_json(orient="records", double_precision=10)


def figure_of(provenance, name: str) -> str | None:
    """The id of the figure a chain parameter's default is read from (None: read from a table's
    cells, or chosen by the analysis)."""
    prov = next((p for p in provenance if p.parameter == name), None)
    return prov.source.removeprefix("figures:") if prov is not None and prov.source.startswith("figures:") else None


def as_stated(run: ChainPage, name: str, kind: str = "count", run_kind: str | None = None):
    """A parameter's value for ``{glue:md}``: the figure it is read from, linked to its lines, while
    the page uses the source's value; the run's value unlinked when the run sets it (no line
    prints it), shown as ``run_kind`` (default ``kind``: a rate's figure is in percent, the
    parameter a share)."""
    fid = figure_of(run.provenance, name)
    if name in run.overrides or fid is None:
        return shown(getattr(run.params, name), run_kind or kind)
    return sourced_figure(fid, kind, register=run.evidence["figures"])


def rounding_table(run: ChainPage) -> Html:
    """How many stated figures each rounding rule reproduces, and the rule chosen."""
    ev = chain_findings.rounding_evidence(run.evidence, run.params)
    columns = {"figures": "Figures", "n": "Stated figures"}
    for rule, words in (("half_up", "Rounding half up"), ("half_even", "Rounding half to even"), ("truncate", "Truncation")):
        if rule in ev.columns:
            columns[rule] = f"{words} reproduces"
    if "chosen" in ev.columns:
        columns["chosen"] = "Rule chosen"
        ev = ev.assign(chosen=[str(v).replace("_", " ") for v in ev["chosen"]])
    return table(ev, columns, links=False)


class AvoidanceTarget:
    """Steps 1–3: NEL admissions by avoidability, the target as a share, the LTC split."""

    chart_title = "Avoided admissions by number of LTCs: stated and derived"

    def __init__(self, run: ChainPage):
        self.run = run
        self.findings = run.findings("chain.1.", "chain.2.", "chain.3.")
        self.ltc_findings = self.findings[self.findings["id"].str.startswith("chain.3.ltc")].reset_index(drop=True)

    def figures(self) -> dict:
        r = self.run.result
        return {
            "target_total": as_stated(self.run, "target_total"),
            "share_of_all_nel_pct": r.target_shares["share_of_all_nel_pct"],
            "share_of_1to3_ltc_pct": r.target_shares["share_of_1to3_ltc_pct"],
            "ltc_sum": int(r.ltc["target_aa"].sum()),
            "ltc_table": _json(r.ltc),
        }

    def stated_avoidability(self) -> Html:
        return table(self.run.evidence["paper_nel_avoidability"], {"avoidability": "Avoidability (as printed)", "admissions": "Admissions"})

    def derived_avoidability(self) -> Html:
        return table(self.run.result.avoidability, {"avoidability": "Avoidability", "admissions": "Admissions (model)", "share_pct": "Share (model)"},
                     kinds={"share_pct": "percent"})

    def stated_ltc(self) -> Html:
        return table(self.run.evidence["paper_ltc_targets"], {"ltc_count": "Long-term conditions", "nel_admissions": "NEL admissions",
                     "target_pct": "Target share (stated)", "target_aa": "Avoided admissions (stated)"}, kinds={"ltc_count": "text"})

    def derived_ltc(self) -> Html:
        return table(self.run.result.ltc, {"ltc_count": "Long-term conditions", "nel_admissions": "NEL admissions",
                     "target_pct": "Target share (model)", "target_aa": "Avoided admissions (model)"}, kinds={"ltc_count": "text", "target_pct": "percent"})

    def rounding_table(self) -> Html:
        return rounding_table(self.run)

    def chart_description(self) -> str:
        return (
            "Dot plot comparing, for people with 1, 2 and 3 long-term conditions, the avoided admissions the programme paper states "
            "with those the model derives; "
            + "; ".join(f"{r.what}: stated {r.stated:,.0f}, derived {r.derived:,.0f}" for r in self.ltc_findings.itertuples())
        )

    def chart_table(self) -> Html:
        return chart_data(self.ltc_findings, {"what": "Figure", "stated": "Stated", "derived": "Derived"}, "avoided_admissions_by_ltc.csv")


class CaseManagement:
    """Step 4: the case-management cohort by locality."""

    def __init__(self, run: ChainPage):
        self.run = run
        self.findings = run.findings("chain.4.")

    def figures(self) -> dict:
        cohort = self.run.result.cohort.set_index("locality")
        return {"cohort_total": int(cohort.loc["Total", "case_management"]), "cohort_table": _json(self.run.result.cohort)}

    def stated_table(self) -> Html:
        return table(self.run.evidence["paper_locality_case_management"], {"locality": "Locality", "population_pct": "Share of population",
                     "case_management": "Numbers for case management"})

    def derived_table(self) -> Html:
        return table(self.run.result.cohort, {"locality": "Locality", "population_65plus": "65+ population (July 2017)",
                     "case_management": "Numbers for case management (model)", "population_pct": "Share of population (model)"},
                     kinds={"population_65plus": "count", "population_pct": "percent"})

    def rounding_table(self) -> Html:
        return rounding_table(self.run)

    def chart_table(self) -> Html:
        loc = self.run.result.cohort[self.run.result.cohort["locality"] != "Total"]
        return chart_data(loc, {"locality": "Locality", "case_management": "People for case management"}, "case_management_by_locality.csv",
                          kinds={"case_management": "count"})


class LocalityServices:
    """Step 5: the Hospital at Home share and the locality split of the target and of services."""

    def __init__(self, run: ChainPage):
        self.run = run
        self.findings = run.findings("chain.5.")
        opt = run.evidence["paper_optimity_avoidability"]
        self.usually = opt[opt["printing"] == opt["printing"].min()].set_index("service")

    def _usually(self, service: str):
        """The usually avoidable admissions of a row of the Optimity table (first printing), linked to its line."""
        row = self.usually.loc[service]
        return sourced(int(row["usually_avoidable"]), "count", row, "usually_avoidable")

    def figures(self) -> dict:
        h = self.run.result.hah
        return {
            "hah_row_aa": h["hah_row_aa"],
            "hah_admissions": h["hah_admissions"],
            "hah_share_pct": h["hah_share_pct"],
            "crisis_share_pct": h["crisis_share_pct"],
            "row_usually": self._usually("Hospital at Home or Crisis Response/Step up beds"),
            "own_usually": self._usually("Hospital at Home"),
            "usually_total": self._usually("Total"),
            "localities_table": _json(self.run.result.localities),
        }

    def phrases(self) -> dict:
        return {"hah_row_share_text": as_stated(self.run, "hah_row_share", "percent", "share").markdown}

    def _hah_headers(self) -> dict:
        h = self.run.result.hah
        return {
            "hospital_at_home": f"Hospital at Home ({formats.percent(h['hah_share_pct'])})",
            "crisis_response_step_up": f"Crisis Response/Step up beds ({formats.percent(h['crisis_share_pct'])})",
        }

    def stated_table(self) -> Html:
        stated = self.run.evidence["paper_locality_model"]
        # The paper heads its service columns with the shares it states; read them from the figures register.
        figs = data.figures()
        headers = {
            "hospital_at_home": f"Hospital at Home ({formats.percent(figs.loc['paper_hah_share_pct', 'value'])})",
            "crisis_response_step_up": f"Crisis Response/Step up beds ({formats.percent(figs.loc['paper_crisis_share_pct', 'value'])})",
        }
        return table(stated, {"locality": "Locality", "population_pct": "Share of population", "case_management": "Case management",
                     "target_aa": "Target avoided admissions"} | headers)

    def derived_table(self) -> Html:
        return table(self.run.result.localities, {"locality": "Locality", "share_pct": "Share", "target_aa": "Target avoided admissions"}
                     | self._hah_headers(), kinds={"share_pct": "percent", "target_aa": "count", "hospital_at_home": "count", "crisis_response_step_up": "count"})

    def chart_table(self) -> Html:
        loc = self.run.result.localities[self.run.result.localities["locality"] != "Total"]
        return chart_data(loc, {"locality": "Locality", "hospital_at_home": "Hospital at Home", "crisis_response_step_up": "Crisis Response/Step up beds"},
                          "services_by_locality.csv", kinds={"hospital_at_home": "count", "crisis_response_step_up": "count"})


class Trajectory:
    """Step 6: Appendix A Table 1, targets = case management × each year's rate."""

    def __init__(self, run: ChainPage):
        self.run = run
        self.findings = run.findings("chain.6.")
        traj = run.result.trajectory
        self.totals = traj[traj["locality"] == "Total"].set_index("year")["nel_avoidance_target"]

    def figures(self) -> dict:
        out = {f"target_total_{year.replace('/', '_')}": int(v) for year, v in self.totals.items()}
        return out | {"trajectory_table": _json(self.run.result.trajectory)}

    def phrases(self) -> dict:
        figs = data.figures()
        quotes: dict[str, SourceLink] = {}
        for year in self.run.params.avoidance_rates:
            f = data.figure(f"paper_method_rate_{year.replace('/', '_')}_pct", figs)
            quotes.setdefault(f.quote, SourceLink(f.source_id, f.line_start, f.line_end, f.quote))
        method = " ".join(f"“{q}” ({inline_link(link)})." for q, link in quotes.items())
        headings = defaults.rate_headings(self.run.evidence["paper_trajectory"]).set_index("year", drop=False)
        rates = {y: sourced(headings.loc[y, "assumed_avoidance_pct"], "percent", headings.loc[y], "assumed_avoidance_pct").markdown
                 for y in self.run.source_params.avoidance_rates}  # each year's rate, linked to the heading that prints it
        return {
            "county_targets": ", ".join(f"{y}: **{formats.count(v)}**" for y, v in self.totals.items()),
            "method_text": f"The method says: {method}",
            "table_rates": ", ".join(f"{rate} ({y})" for y, rate in rates.items()),
        }

    def stated_table(self) -> Html:
        return table(self.run.evidence["paper_trajectory"], {"locality": "Locality", "year": "Year", "case_management": "Case management",
                     "nel_avoidance_target": "NEL avoidance target", "assumed_avoidance_pct": "Assumed rate (heading)"})

    def derived_table(self) -> Html:
        return table(self.run.result.trajectory, {"locality": "Locality", "year": "Year", "case_management": "Case management",
                     "rate": "Rate", "nel_avoidance_target": "NEL avoidance target (model)"}, kinds={"rate": "share", "nel_avoidance_target": "count"})

    def chart_table(self) -> Html:
        t = self.run.result.trajectory
        wide = t[t["locality"] != "Total"].pivot(index="locality", columns="year", values="nel_avoidance_target").reset_index()
        return chart_data(wide, {"locality": "Locality"} | {y: y for y in self.totals.index}, "nel_avoidance_targets.csv",
                          kinds={y: "count" for y in self.totals.index})
