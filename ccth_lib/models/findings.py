"""Run the chain on the evidence and compare every derived figure with what the paper states.

Pure: takes the loaded evidence (a dict of DataFrames) and parameters; returns the derived
tables and a list of :class:`~ccth_lib.reconcile.Finding`. Each finding's lines are those that
print the figure compared: its own line where its row records it (``cell_lines``, see
:func:`ccth_lib.cells.value_provenance`), else its row's (or its register figure's).

Also here, for the defaults and the pages, the evidence behind the analysis' own choices:

* :func:`rounding_cases` / :func:`rounding_evidence` / :func:`rounding_choices`: how many stated
  figures each rounding rule reproduces, per kind of figure and per rounding parameter, and the
  rule chosen (:func:`choose_rounding`);
* :func:`percent_evidence`: the decimals of the stated percentages the chain re-derives;
* :func:`table_rates`: the avoidance rate each year of Appendix A Table 1 uses, from the table
  alone (NEL target ÷ case management).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from .. import vocab
from ..data import figure
from ..reconcile import Finding, located
from . import chain
from .parameters import ChainParameters, chain_years
from .rounding import TIE_BREAK, choose_rule, product, round_value

SRC = "paper-2018-10"
TOTAL = "Total"


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


def _first_printing(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["printing"] == df["printing"].min()] if "printing" in df.columns else df


def _at(r, column: str | None = None) -> dict:
    """Where a figure is printed, as Finding keyword arguments: the value ``column`` of a row (a
    Series, mapping or named tuple: its own lines where the row records them, see
    :func:`ccth_lib.cells.value_provenance`), or a register figure (``column`` None)."""
    if column is not None:
        return located(r, column)
    get = r.__getitem__ if isinstance(r, (dict, pd.Series)) else lambda k: getattr(r, k)
    return {"source_id": str(get("source_id")), "line_start": int(get("line_start")), "line_end": int(get("line_end"))}


def _decimals(value) -> int:
    """Decimal places of a stated value as printed (20.6 → 1, 45 → 0)."""
    exp = Decimal(str(float(value))).normalize().as_tuple().exponent
    return max(0, -int(exp))


def _slug(year: str) -> str:
    return year.replace("/", "_")


def run_chain(ev: dict[str, pd.DataFrame], params: ChainParameters) -> ChainResult:
    nel = ev["paper_nel_avoidability"].set_index("avoidability")["admissions"]
    reg = ev["figures"]
    avoid = chain.avoidability_split(
        {k: float(nel[k]) for k in _items(ev["paper_nel_avoidability"])["avoidability"]}, params.percent_places
    )
    total_label = ev["paper_nel_avoidability"].loc[ev["paper_nel_avoidability"]["row_kind"] == "total", "avoidability"].iloc[0]
    shares = chain.target_shares(
        params.target_total, float(nel[total_label]), figure("paper_nel_1to3_ltc", reg).value, params.percent_places
    )
    ltc_in = ev["paper_ltc_targets"].set_index("ltc_count")["nel_admissions"].astype(float)
    ltc = chain.ltc_split(ltc_in, params)
    pop = _items(ev["paper_locality_population"]).set_index("locality")["population_65plus"].astype(float)
    cohort = chain.case_management_cohort(pop, params)
    usual = _usually_avoidable(ev)
    hah = chain.hospital_at_home_share(usual["hah"], usual["row"], usual["total"], params)
    pct = cohort[cohort["locality"] != TOTAL].set_index("locality")["population_pct"]
    localities = chain.locality_model(pct, hah["hah_share_pct"], hah["crisis_share_pct"], params)
    traj_in = _items(ev["paper_trajectory"])[["locality", "year", "case_management"]]
    traj = chain.trajectory(traj_in, params)
    return ChainResult(params, avoid, shares, ltc, cohort, hah, localities, traj)


HAH_SERVICE = "Hospital at Home"
HAH_ROW_SERVICE = "Hospital at Home or Crisis Response/Step up beds"


def _usually_avoidable(ev: dict[str, pd.DataFrame]) -> dict[str, float]:
    """The Optimity table's usually avoidable admissions (first printing) the 64.2 % is built from."""
    first = _first_printing(ev["paper_optimity_avoidability"])
    usual = first.set_index("service")["usually_avoidable"]
    total = first.loc[first["row_kind"] == "total", "usually_avoidable"].iloc[0]
    return {"hah": float(usual[HAH_SERVICE]), "row": float(usual[HAH_ROW_SERVICE]), "total": float(total)}


def table_rates(trajectory: pd.DataFrame) -> pd.DataFrame:
    """The avoidance rate each year of Appendix A Table 1 uses, from the table alone.

    Per year: the sums over the localities of the NEL avoidance targets and case-management
    numbers, their ratio (%), and that ratio rounded to the decimals the rate headings print
    (``rate_pct``), next to the heading rate the table records for the year (``heading_pct``,
    whose year is itself inferred from this ratio, the headings being scrambled). No parameter is
    involved: this is what the table's own figures imply.
    """
    items = _items(trajectory)
    places = max(_decimals(v) for v in trajectory["assumed_avoidance_pct"])
    rows = []
    for year, part in items.groupby("year", sort=False):
        heading = part["assumed_avoidance_pct"].unique()
        if len(heading) != 1:
            raise ValueError(f"paper_trajectory: the {year} rows assume {len(heading)} different rates: {list(heading)}")
        target, cm = int(part["nel_avoidance_target"].sum()), int(part["case_management"].sum())
        if cm <= 0:
            raise ValueError(f"paper_trajectory: the {year} case-management numbers sum to {cm}")
        ratio = 100 * Decimal(target) / Decimal(cm)
        rows.append({
            "year": year, "nel_avoidance_target": target, "case_management": cm, "ratio_pct": float(ratio),
            "rate_pct": round_value(ratio, "half_up", places), "heading_pct": float(heading[0]), "places": places,
        })
    return pd.DataFrame(rows)


def chain_findings(ev: dict[str, pd.DataFrame], res: ChainResult) -> list[Finding]:
    """Every derived figure of the chain compared with the paper's statement of it."""
    out: list[Finding] = []
    reg = ev["figures"]
    p = res.params

    def fig(fid: str):
        return figure(fid, reg)

    # 1. avoidability categories add up to the total
    nel_tbl = ev["paper_nel_avoidability"]
    nel = nel_tbl.set_index("avoidability")
    nel_total = nel_tbl[nel_tbl["row_kind"] == "total"].iloc[0]
    total_row = res.avoidability.set_index("avoidability").loc[TOTAL]
    n_cats = len(_items(nel_tbl))
    out.append(Finding(
        "chain.1.nel_total", "1. NEL admissions by avoidability",
        f"{nel_total['avoidability']} (65+) = the sum of the {n_cats} avoidability categories",
        float(nel_total["admissions"]), float(total_row["admissions"]), **_at(nel_total, "admissions"),
        method=f"sum of the {n_cats} categories",
    ))
    opt = _first_printing(ev["paper_optimity_avoidability"])
    opt_total = opt[opt["row_kind"] == "total"].iloc[0]
    for cat, col in (("Usually avoidable", "usually_avoidable"), ("Sometimes avoidable", "sometimes_avoidable")):
        out.append(Finding(
            f"chain.1.{col}_vs_optimity", "1. NEL admissions by avoidability",
            f"{cat} NEL admissions (Appendix A) against the Optimity table's stated total",
            float(nel.loc[cat, "admissions"]), float(opt_total[col]), **_at(nel.loc[cat], "admissions"),
            method=f"same figure printed in two tables (Optimity Total row, lines {int(opt_total['line_start'])}-{int(opt_total['line_end'])})",
        ))
    # 2. target shares
    for fid, key, what in (
        ("paper_target_share_of_nel_pct", "share_of_all_nel_pct", "Target as % of all 65+ NEL admissions"),
        ("paper_target_share_of_1to3_pct", "share_of_1to3_ltc_pct", "Target as % of NEL admissions with 1-3 LTCs"),
    ):
        f = fig(fid)
        out.append(Finding(f"chain.2.{key}", "2. Target as a share", what, f.value, res.target_shares[key], **_at(f),
                           method=f"target {p.target_total:g} / admissions, × 100, {p.percent_places} dp"))
    # 3. LTC split
    ltc_src = ev["paper_ltc_targets"].set_index("ltc_count")
    for r in res.ltc.itertuples():
        out.append(Finding(
            f"chain.3.ltc{r.ltc_count}", "3. Target by number of LTCs",
            f"Avoided admissions, people with {r.ltc_count} LTC(s)", float(ltc_src.loc[r.ltc_count, "target_aa"]), float(r.target_aa),
            **_at(ltc_src.loc[r.ltc_count], "target_aa"), method=f"NEL admissions × {r.target_pct:g}%, rounded {p.rounding_counts}",
        ))
    t = fig("paper_target_circa_3000_patients")
    out.append(Finding("chain.3.sum_vs_target", "3. Target by number of LTCs", f"Sum of the LTC split against the circa {t.value:,.0f} target",
                       t.value, float(res.ltc["target_aa"].sum()), **_at(t),
                       method=f"sum of the {len(res.ltc)} rounded numbers (LTC table, lines {_span(ev['paper_ltc_targets'])})"))
    # 4. case-management cohort
    cm_src = ev["paper_locality_case_management"].set_index("locality")
    cohort = res.cohort.set_index("locality")
    for loc in (*vocab.localities(), TOTAL):
        out.append(Finding(
            f"chain.4.case_management.{loc.lower()}", "4. Case-management cohort", f"Numbers for case management, {loc}",
            float(cm_src.loc[loc, "case_management"]), float(cohort.loc[loc, "case_management"]), **_at(cm_src.loc[loc], "case_management"),
            method=f"65+ population × {p.stratification_per_1000:g}/1,000 × {p.share_1to3_ltc:g}, {p.rounding_case_management}"
            + ("; total = sum of localities" if loc == TOTAL else ""),
        ))
        if loc != TOTAL:
            out.append(Finding(
                f"chain.4.population_pct.{loc.lower()}", "4. Case-management cohort", f"% of population, {loc}",
                float(cm_src.loc[loc, "population_pct"]), float(cohort.loc[loc, "population_pct"]), **_at(cm_src.loc[loc], "population_pct"),
                method=f"locality case management / total × 100, {p.percent_places} dp",
            ))
    pop_tbl = ev["paper_locality_population"].set_index("locality")
    out.append(Finding(
        "chain.4.case_management_total_from_county", "4. Case-management cohort",
        "Total case management against the county 65+ population × rate (unrounded total)",
        float(cm_src.loc[TOTAL, "case_management"]),
        float(product(pop_tbl.loc[TOTAL, "population_65plus"], p.stratification_per_1000, "0.001", p.share_1to3_ltc)),
        **_at(cm_src.loc[TOTAL], "case_management"),
        method=f"county total (lines {int(pop_tbl.loc[TOTAL, 'line_start'])}-{int(pop_tbl.loc[TOTAL, 'line_end'])}) × rate, not rounded: "
        "shows the total is a sum of rounded localities",
    ))
    # 5. Hospital at Home share and locality model
    usual = _usually_avoidable(ev)
    for fid, key, what in (
        ("paper_hah_row_aa", "hah_row_aa", f"Usually avoidable '{HAH_ROW_SERVICE}' admissions assigned to Hospital at Home"),
        ("paper_hah_share_pct", "hah_share_pct", "Hospital at Home share of the services (%)"),
        ("paper_crisis_share_pct", "crisis_share_pct", "Crisis Response/Step up beds share of the services (%)"),
    ):
        f = fig(fid)
        out.append(Finding(
            f"chain.5.{key}", "5. Locality model", what, f.value, float(res.hah[key]), **_at(f),
            method=f"{p.hah_row_share:g} × {usual['row']:g}" if key == "hah_row_aa"
            else f"({usual['hah']:g} + {p.hah_row_share:g} × {usual['row']:g}) / {usual['total']:g} × 100",
        ))
    lm_src = ev["paper_locality_model"].set_index("locality")
    lm = res.localities.set_index("locality")
    for loc in (*vocab.localities(), TOTAL):
        for col, label in (("target_aa", "Target AA"), ("hospital_at_home", "Hospital at Home"), ("crisis_response_step_up", "Crisis Response/Step up beds")):
            out.append(Finding(
                f"chain.5.{col}.{loc.lower()}", "5. Locality model", f"{label}, {loc}",
                float(lm_src.loc[loc, col]), float(lm.loc[loc, col]), **_at(lm_src.loc[loc], col),
                method="target × locality %" if col == "target_aa" else f"locality target × {label} share" if loc != TOTAL else "sum of the localities",
            ))
    # 6. trajectory
    tr_src = ev["paper_trajectory"].set_index(["locality", "year"])
    tr = res.trajectory.set_index(["locality", "year"])
    for (loc, year), r in tr.iterrows():
        src = tr_src.loc[(loc, year)]
        out.append(Finding(
            f"chain.6.nel_target.{loc.lower()}.{_slug(year)}", "6. Appendix A trajectory",
            f"NEL avoidance target, {loc}, {year}", float(src["nel_avoidance_target"]), float(r["nel_avoidance_target"]),
            **_at(src, "nel_avoidance_target"), method=f"case management × {r['rate']:g}" + (", sum of localities" if loc == TOTAL else ""),
        ))
        if loc == TOTAL:
            out.append(Finding(
                f"chain.6.case_management.total.{_slug(year)}", "6. Appendix A trajectory",
                f"Case-management numbers, Total, {year}", float(src["case_management"]), float(r["case_management"]),
                **_at(src, "case_management"), method="sum of the localities",
            ))
    rates = table_rates(ev["paper_trajectory"]).set_index("year")
    for year in chain_years():
        f = fig(f"paper_method_rate_{_slug(year)}_pct")
        r = rates.loc[year]
        out.append(Finding(
            f"chain.6.method_rate.{_slug(year)}", "6. Appendix A trajectory",
            f"Avoidance rate for {year}: the method text against the rate the table's figures use (%)",
            f.value, float(r["rate_pct"]), **_at(f),
            method=f"the table's rate = its NEL targets / case management, summed over the localities: "
            f"{r['nel_avoidance_target']:,.0f} / {r['case_management']:,.0f} = {r['ratio_pct']:.2f}%, "
            f"to {int(r['places'])} dp as the rate headings print (heading: {r['heading_pct']:g}%)",
        ))
    return out


def _span(df: pd.DataFrame) -> str:
    return f"{int(df['line_start'].min())}-{int(df['line_end'].max())}"


# Rounding evidence ----------------------------------------------------------------------------
#: The rounding parameters, and the kinds of stated figure each one produces in the chain.
ROUNDING_PARAMETERS = ("rounding_counts", "rounding_case_management")
CASE_COLUMNS = ["parameter", "figures", "label", "calculation", "raw", "stated", "source_id", "line_start", "line_end", *TIE_BREAK]


def rounding_cases(ev: dict[str, pd.DataFrame], params: ChainParameters) -> pd.DataFrame:
    """Every stated figure the chain produces by rounding, with its unrounded value from the
    paper's own printed inputs, and what each rule makes of it.

    One row per stated figure: the rounding parameter it informs, the kind of figure, the
    unrounded value (``raw``), the stated value and, per rule, the rounded value. Only the
    non-rounding parameters of ``params`` are used.
    """
    rows: list[dict] = []

    def add(parameter: str, figures: str, label: str, calculation: str, raw, stated, where, column: str | None = None) -> None:
        rows.append({
            "parameter": parameter, "figures": figures, "label": label, "calculation": calculation,
            "raw": float(raw), "stated": float(stated), **_at(where, column),
            **{rule: round_value(raw, rule) for rule in TIE_BREAK},
        })

    kind = "LTC split: NEL admissions × target %"
    for r in ev["paper_ltc_targets"].itertuples():
        share = params.ltc_target_share[int(r.ltc_count)]
        add("rounding_counts", kind, f"{int(r.ltc_count)} LTC(s)", f"{r.nel_admissions:,} × {share:g}",
            product(r.nel_admissions, share), r.target_aa, r, "target_aa")
    usual = _usually_avoidable(ev)
    f = figure("paper_hah_row_aa", ev["figures"])
    add("rounding_counts", f"'{HAH_ROW_SERVICE}' row assigned to Hospital at Home", f.measure,
        f"{usual['row']:,.0f} × {params.hah_row_share:g}", product(usual["row"], params.hah_row_share), f.value, f)
    lm = _items(ev["paper_locality_model"])
    for r in lm.itertuples():
        add("rounding_counts", "Locality model: target × locality %", r.locality, f"{params.target_total:,g} × {r.population_pct:g}%",
            product(params.target_total, r.population_pct, "0.01"), r.target_aa, r, "target_aa")
    kind = "Locality model: locality target × service share"
    for fid, col in (("paper_hah_share_pct", "hospital_at_home"), ("paper_crisis_share_pct", "crisis_response_step_up")):
        share = figure(fid, ev["figures"]).value
        for r in lm.itertuples():
            target = getattr(r, "target_aa")
            add("rounding_counts", kind, f"{r.locality}, {col.replace('_', ' ')}", f"{target:,} × {share:g}%",
                product(target, share, "0.01"), getattr(r, col), r, col)
    kind = "Appendix A: case management × rate (localities)"
    for r in _items(ev["paper_trajectory"]).itertuples():
        rate = params.avoidance_rates[r.year]
        add("rounding_counts", kind, f"{r.locality}, {r.year}", f"{r.case_management:,} × {rate:g}",
            product(r.case_management, rate), r.nel_avoidance_target, r, "nel_avoidance_target")
    pop = _items(ev["paper_locality_population"]).set_index("locality")["population_65plus"]
    cm_src = ev["paper_locality_case_management"].set_index("locality")
    kind = f"Case management: 65+ population × {params.stratification_per_1000:g}/1,000 × {params.share_1to3_ltc:.0%}"
    for loc in vocab.localities():
        add("rounding_case_management", kind, loc,
            f"{pop[loc]:,} × {params.stratification_per_1000:g}/1,000 × {params.share_1to3_ltc:g}",
            product(pop[loc], params.stratification_per_1000, "0.001", params.share_1to3_ltc), cm_src.loc[loc, "case_management"], cm_src.loc[loc],
            "case_management")
    return pd.DataFrame(rows, columns=CASE_COLUMNS)


def rounding_evidence(ev: dict[str, pd.DataFrame], params: ChainParameters) -> pd.DataFrame:
    """How many stated figures each rounding rule reproduces, per kind of figure.

    Columns: parameter (the rounding parameter the figures inform), figures (the kind), n, one
    count per rule, and chosen (the rule chosen for that parameter over all its kinds, see
    :func:`rounding_choices`).
    """
    cases = rounding_cases(ev, params)
    return _evidence(cases)


def _evidence(cases: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (parameter, figures), part in cases.groupby(["parameter", "figures"], sort=False):
        rows.append({"parameter": parameter, "figures": figures, "n": len(part),
                     **{rule: int((part[rule] == part["stated"]).sum()) for rule in TIE_BREAK}})
    df = pd.DataFrame(rows, columns=["parameter", "figures", "n", *TIE_BREAK])
    chosen = choose_rounding(df)
    df["chosen"] = df["parameter"].map(chosen)
    return df


def rounding_choices(evidence: pd.DataFrame) -> pd.DataFrame:
    """Per rounding parameter: how many stated figures (n) and how many each rule reproduces,
    summed over the kinds of figure, and the rule chosen: the most, ties broken in the order
    ``rounding.TIE_BREAK`` (half_up, half_even, truncate)."""
    totals = evidence.groupby("parameter", sort=False)[["n", *TIE_BREAK]].sum().reset_index()
    totals["chosen"] = [choose_rule({r: int(row[r]) for r in TIE_BREAK}) for _, row in totals.iterrows()]
    totals["tied_with"] = [
        ", ".join(r for r in TIE_BREAK if r != row["chosen"] and row[r] == row[row["chosen"]]) for _, row in totals.iterrows()
    ]
    return totals


def choose_rounding(evidence: pd.DataFrame) -> dict[str, str]:
    """The rule chosen for each rounding parameter from the evidence (see :func:`rounding_choices`)."""
    choices = rounding_choices(evidence)
    return dict(zip(choices["parameter"], choices["chosen"]))


# Percentages ----------------------------------------------------------------------------------
PERCENT_FIGURES = ("paper_target_share_of_nel_pct", "paper_target_share_of_1to3_pct", "paper_hah_share_pct", "paper_crisis_share_pct")


def percent_evidence(ev: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The stated percentages the chain re-derives (figures and the locality % of population), with
    the decimal places each is printed with: the evidence for ``percent_places``."""
    rows = []
    for fid in PERCENT_FIGURES:
        f = figure(fid, ev["figures"])
        rows.append({"figure": f.measure, "value": f.value, "places": _decimals(f.value), **_at(f)})
    for r in _items(ev["paper_locality_case_management"]).itertuples():
        rows.append({"figure": f"% of population, {r.locality}", "value": float(r.population_pct), "places": _decimals(r.population_pct),
                     **_at(r, "population_pct")})
    return pd.DataFrame(rows, columns=["figure", "value", "places", "source_id", "line_start", "line_end"])
