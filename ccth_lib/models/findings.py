"""Run the chain on the evidence and compare every derived figure with what the paper states.

Pure: takes the loaded evidence (a dict of DataFrames) and parameters; returns the derived
tables and a list of :class:`~ccth_lib.reconcile.Finding`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..data import figure
from ..reconcile import Finding
from . import chain
from .parameters import ChainParameters
from .rounding import product, rules_reproducing

SRC = "paper-2018-10"


@dataclass(frozen=True)
class ChainResult:
    params: ChainParameters
    avoidability: pd.DataFrame
    target_shares: dict
    ltc: pd.DataFrame
    cohort: pd.DataFrame
    hah: dict
    localities: pd.DataFrame
    trajectory: pd.DataFrame


def _items(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["row_kind"] != "total"] if "row_kind" in df.columns else df


def _lines(df: pd.DataFrame) -> str:
    return f"{int(df['line_start'].min())}-{int(df['line_end'].max())}"


def run_chain(ev: dict[str, pd.DataFrame], params: ChainParameters) -> ChainResult:
    nel = ev["paper_nel_avoidability"].set_index("avoidability")["admissions"]
    reg = ev["figures"]
    avoid = chain.avoidability_split(
        {k: float(nel[k]) for k in ("Unavoidable", "Sometimes avoidable", "Usually avoidable")}, params.percent_places
    )
    shares = chain.target_shares(
        params.target_total, float(nel["Total NEL Admissions"]), figure("paper_nel_1to3_ltc", reg).value, params.percent_places
    )
    ltc_in = ev["paper_ltc_targets"].set_index("ltc_count")["nel_admissions"].astype(float)
    ltc = chain.ltc_split(ltc_in, params)
    pop = _items(ev["paper_locality_population"]).set_index("locality")["population_65plus"].astype(float)
    cohort = chain.case_management_cohort(pop, params)
    opt = ev["paper_optimity_avoidability"]
    first = opt[opt["copy"] == opt["copy"].min()].set_index("service")
    hah = chain.hospital_at_home_share(
        float(first.loc["Hospital at Home", "usually_avoidable"]),
        float(first.loc["Hospital at Home or Crisis Response/Step up beds", "usually_avoidable"]),
        float(first.loc["Total", "usually_avoidable"]),
        params,
    )
    pct = cohort[cohort["locality"] != "Total"].set_index("locality")["population_pct"]
    localities = chain.locality_model(pct, hah["hah_share_pct"], hah["crisis_share_pct"], params)
    traj_in = _items(ev["paper_trajectory"])[["locality", "year", "case_management"]]
    traj = chain.trajectory(traj_in, params)
    return ChainResult(params, avoid, shares, ltc, cohort, hah, localities, traj)


def chain_findings(ev: dict[str, pd.DataFrame], res: ChainResult) -> list[Finding]:
    """Every derived figure of the chain compared with the paper's statement of it."""
    out: list[Finding] = []
    reg = ev["figures"]

    def fig(fid: str):
        return figure(fid, reg)

    # 1. avoidability categories add up to the total
    nel = ev["paper_nel_avoidability"].set_index("avoidability")
    total_row = res.avoidability.set_index("avoidability").loc["Total"]
    out.append(Finding(
        "chain.1.nel_total", "1. NEL admissions by avoidability",
        "Total 65+ NEL admissions = unavoidable + sometimes + usually avoidable",
        float(nel.loc["Total NEL Admissions", "admissions"]), float(total_row["admissions"]), SRC, _lines(ev["paper_nel_avoidability"]),
        "sum of the three categories",
    ))
    opt = ev["paper_optimity_avoidability"]
    opt_total = opt[(opt["copy"] == 1) & (opt["row_kind"] == "total")].iloc[0]
    for cat, col in (("Usually avoidable", "usually_avoidable"), ("Sometimes avoidable", "sometimes_avoidable")):
        out.append(Finding(
            f"chain.1.{col}_vs_optimity", "1. NEL admissions by avoidability",
            f"{cat} NEL admissions (Appendix A) against the Optimity table's stated total",
            float(nel.loc[cat, "admissions"]), float(opt_total[col]), SRC, f"{int(nel.loc[cat, 'line_start'])}-{int(nel.loc[cat, 'line_end'])}",
            "same figure printed in two tables",
        ))
    # 2. target shares
    for fid, key, what in (
        ("paper_target_share_of_nel_pct", "share_of_all_nel_pct", "Target as % of all 65+ NEL admissions"),
        ("paper_target_share_of_1to3_pct", "share_of_1to3_ltc_pct", "Target as % of NEL admissions with 1-3 LTCs"),
    ):
        f = fig(fid)
        out.append(Finding(f"chain.2.{key}", "2. Target as a share", what, f.value, res.target_shares[key], f.source_id,
                           f"{f.line_start}-{f.line_end}", f"target {res.params.target_total:g} / admissions, × 100, {res.params.percent_places} dp"))
    # 3. LTC split
    ltc_src = ev["paper_ltc_targets"].set_index("ltc_count")
    for r in res.ltc.itertuples():
        out.append(Finding(
            f"chain.3.ltc{r.ltc_count}", "3. Target by number of LTCs",
            f"Avoided admissions, people with {r.ltc_count} LTC(s)", float(ltc_src.loc[r.ltc_count, "target_aa"]), float(r.target_aa),
            SRC, _lines(ev["paper_ltc_targets"]), f"NEL admissions × {r.target_pct:g}%, rounded {res.params.rounding_counts}",
        ))
    t = fig("paper_target_circa_3000_patients")
    out.append(Finding("chain.3.sum_vs_target", "3. Target by number of LTCs", f"Sum of the LTC split against the circa {t.value:,.0f} target",
                       t.value, float(res.ltc["target_aa"].sum()), SRC, f"{t.line_start}-{ltc_src['line_end'].max()}", "sum of the three rounded numbers"))
    # 4. case-management cohort
    cm_src = ev["paper_locality_case_management"].set_index("locality")
    cohort = res.cohort.set_index("locality")
    for loc in ("North", "Central", "South", "Total"):
        out.append(Finding(
            f"chain.4.case_management.{loc.lower()}", "4. Case-management cohort", f"Numbers for case management, {loc}",
            float(cm_src.loc[loc, "case_management"]), float(cohort.loc[loc, "case_management"]), SRC, _lines(ev["paper_locality_case_management"]),
            f"65+ population × {res.params.stratification_per_1000:g}/1,000 × {res.params.share_1to3_ltc:g}, {res.params.rounding_case_management}"
            + ("; total = sum of localities" if loc == "Total" else ""),
        ))
        if loc != "Total":
            out.append(Finding(
                f"chain.4.population_pct.{loc.lower()}", "4. Case-management cohort", f"% of population, {loc}",
                float(cm_src.loc[loc, "population_pct"]), float(cohort.loc[loc, "population_pct"]), SRC, _lines(ev["paper_locality_case_management"]),
                "locality case management / total × 100, 1 dp",
            ))
    pop_tbl = ev["paper_locality_population"].set_index("locality")
    out.append(Finding(
        "chain.4.case_management_total_from_county", "4. Case-management cohort",
        "Total case management against the county 65+ population × rate (unrounded total)",
        float(cm_src.loc["Total", "case_management"]),
        float(product(pop_tbl.loc["Total", "population_65plus"], res.params.stratification_per_1000, "0.001", res.params.share_1to3_ltc)),
        SRC, f"{_lines(ev['paper_locality_population'])}", "county total × rate, not rounded: shows the total is a sum of truncated localities",
        tolerance=0,
    ))
    # 5. Hospital at Home share and locality model
    usual = ev["paper_optimity_avoidability"]
    usual = usual[usual["copy"] == usual["copy"].min()].set_index("service")["usually_avoidable"]
    row_n, own_n, tot_n = (int(usual[k]) for k in ("Hospital at Home or Crisis Response/Step up beds", "Hospital at Home", "Total"))
    for fid, key, what in (
        ("paper_hah_row_aa", "hah_row_aa", "Usually avoidable 'Hospital at Home or Crisis Response/Step up beds' admissions assigned to Hospital at Home"),
        ("paper_hah_share_pct", "hah_share_pct", "Hospital at Home share of the services (%)"),
        ("paper_crisis_share_pct", "crisis_share_pct", "Crisis Response/Step up beds share of the services (%)"),
    ):
        f = fig(fid)
        out.append(Finding(f"chain.5.{key}", "5. Locality model", what, f.value, float(res.hah[key]), f.source_id, f"{f.line_start}-{f.line_end}",
                           f"{res.params.hah_row_share:g} × {row_n}" if key == "hah_row_aa" else f"({own_n} + {res.params.hah_row_share:g} × {row_n}) / {tot_n} × 100"))
    lm_src = ev["paper_locality_model"].set_index("locality")
    lm = res.localities.set_index("locality")
    for loc in ("North", "Central", "South", "Total"):
        for col, label in (("target_aa", "Target AA"), ("hospital_at_home", "Hospital at Home"), ("crisis_response_step_up", "Crisis Response/Step up beds")):
            out.append(Finding(
                f"chain.5.{col}.{loc.lower()}", "5. Locality model", f"{label}, {loc}",
                float(lm_src.loc[loc, col]), float(lm.loc[loc, col]), SRC, _lines(ev["paper_locality_model"]),
                "target × locality %" if col == "target_aa" else f"locality target × {label} share" if loc != "Total" else "sum of the localities",
            ))
    # 6. trajectory
    tr_src = ev["paper_trajectory"].set_index(["locality", "year"])
    tr = res.trajectory.set_index(["locality", "year"])
    for (loc, year), r in tr.iterrows():
        out.append(Finding(
            f"chain.6.nel_target.{loc.lower()}.{year.replace('/', '_')}", "6. Appendix A trajectory",
            f"NEL avoidance target, {loc}, {year}", float(tr_src.loc[(loc, year), "nel_avoidance_target"]), float(r["nel_avoidance_target"]),
            SRC, f"{int(tr_src.loc[(loc, year), 'line_start'])}-{int(tr_src.loc[(loc, year), 'line_end'])}",
            f"case management × {r['rate']:g}" + (", sum of localities" if loc == "Total" else ""),
        ))
        if loc == "Total":
            out.append(Finding(
                f"chain.6.case_management.total.{year.replace('/', '_')}", "6. Appendix A trajectory",
                f"Case-management numbers, Total, {year}", float(tr_src.loc[(loc, year), "case_management"]), float(r["case_management"]),
                SRC, f"{int(tr_src.loc[(loc, year), 'line_start'])}-{int(tr_src.loc[(loc, year), 'line_end'])}", "sum of the localities",
            ))
    for year in ("2019/20", "2020/21", "2021/22"):
        f = fig(f"paper_method_rate_{year.replace('/', '_')}_pct")
        out.append(Finding(
            f"chain.6.method_rate.{year.replace('/', '_')}", "6. Appendix A trajectory",
            f"Avoidance rate for {year}: the method text against the rate the table's figures use (%)",
            f.value, round(100 * res.params.avoidance_rates[year], 6), f.source_id, f"{f.line_start}-{f.line_end}",
            "rate in the text vs the table heading rate (= target / case management)",
        ))
    return out


def rounding_evidence(ev: dict[str, pd.DataFrame], params: ChainParameters) -> pd.DataFrame:
    """How many stated figures each rounding rule reproduces, per kind of figure."""
    ltc = ev["paper_ltc_targets"]
    ltc_raw = [product(n, params.ltc_target_share[int(k)]) for k, n in zip(ltc["ltc_count"], ltc["nel_admissions"])]
    pop = _items(ev["paper_locality_population"]).set_index("locality")["population_65plus"]
    cm_src = ev["paper_locality_case_management"].set_index("locality")
    cm_raw = [product(pop[l], params.stratification_per_1000, "0.001", params.share_1to3_ltc) for l in chain.LOCALITIES]
    tr = _items(ev["paper_trajectory"])
    tr_raw = [product(c, params.avoidance_rates[y]) for c, y in zip(tr["case_management"], tr["year"])]
    rows = []
    for what, raw, stated in (
        ("LTC split: NEL admissions × target %", ltc_raw, list(ltc["target_aa"])),
        (f"Case management: 65+ population × {params.stratification_per_1000:g}/1,000 × {params.share_1to3_ltc:.0%}", cm_raw, [cm_src.loc[l, "case_management"] for l in chain.LOCALITIES]),
        ("Appendix A: case management × rate (localities)", tr_raw, list(tr["nel_avoidance_target"])),
    ):
        counts = rules_reproducing(raw, stated)
        rows.append({"figures": what, "n": len(stated), **counts})
    return pd.DataFrame(rows)
