"""The programme paper's chain of derivations (Oct 2018, Appendix A and the sections before it).

Pure functions over pandas objects: no file I/O. Each step takes the evidence it needs and the
parameters (see :class:`~ccth_lib.models.parameters.ChainParameters`) and returns a DataFrame or a
dict of derived figures, which :mod:`ccth_lib.models.findings` compares with what the paper states.

1. NEL admissions for 65+ (Aug 2016 – Jul 2017) split by avoidability.
2. The target (circa 3,000) as a share of all 65+ NEL admissions and of the 1–3-LTC cohort.
3. The target split across people with 1, 2 and 3 LTCs.
4. The case-management cohort per locality from the July 2017 65+ populations.
5. The locality split of the target and of services (Hospital at Home share from the Optimity
   "usually avoidable" rows and the 1-LTC assumption; the rest Crisis Response/Step up beds).
6. Appendix A Table 1: NEL avoidance targets from case-management numbers at each year's rate.
"""

from __future__ import annotations

import pandas as pd

from .. import vocab
from .parameters import ChainParameters
from .rounding import product, round_value


def __getattr__(name: str):
    # ``chain.LOCALITIES``: an alias of ``vocab.LOCALITIES`` (defined once in data), read lazily
    if name == "LOCALITIES":
        return vocab.localities()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _require(df: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{what}: missing column(s) {missing}; has {list(df.columns)}")
    for c in columns:
        if pd.api.types.is_numeric_dtype(df[c]) and (df[c].dropna() < 0).any():
            raise ValueError(f"{what}: column {c!r} has negative values")


# 1 -------------------------------------------------------------------------------------------
def avoidability_split(counts: dict[str, float], percent_places: int = 1) -> pd.DataFrame:
    """Each avoidability category's admissions and share of their sum."""
    if any(v < 0 for v in counts.values()):
        raise ValueError(f"admission counts must be non-negative: {counts}")
    total = sum(counts.values())
    rows = [
        {"avoidability": k, "admissions": v, "share_pct": round_value(100 * v / total, "half_up", percent_places) if total else 0.0}
        for k, v in counts.items()
    ]
    rows.append({"avoidability": "Total", "admissions": total, "share_pct": 100.0})
    return pd.DataFrame(rows)


# 2 -------------------------------------------------------------------------------------------
def target_shares(target: float, nel_total: float, nel_1to3: float, percent_places: int = 1) -> dict[str, float]:
    """The target as a % of all 65+ NEL admissions and of those with 1–3 LTCs."""
    if nel_total <= 0 or nel_1to3 <= 0:
        raise ValueError("NEL admission totals must be positive")
    return {
        "share_of_all_nel_pct": round_value(100 * target / nel_total, "half_up", percent_places),
        "share_of_1to3_ltc_pct": round_value(100 * target / nel_1to3, "half_up", percent_places),
    }


# 3 -------------------------------------------------------------------------------------------
def ltc_split(nel_by_ltc: pd.Series, params: ChainParameters) -> pd.DataFrame:
    """Avoided admissions per LTC count = NEL admissions × target share, rounded."""
    missing = sorted(set(nel_by_ltc.index) - set(params.ltc_target_share))
    if missing:
        raise ValueError(f"ltc_target_share has no share for LTC count(s) {missing}")
    if (nel_by_ltc < 0).any():
        raise ValueError("NEL admissions per LTC count must be non-negative")
    rows = []
    for k, nel in nel_by_ltc.items():
        share = params.ltc_target_share[k]
        rows.append({
            "ltc_count": int(k),
            "nel_admissions": nel,
            "target_pct": round(100 * share, 6),
            "target_aa": round_value(product(nel, share), params.rounding_counts),
        })
    df = pd.DataFrame(rows)
    return df


# 4 -------------------------------------------------------------------------------------------
def case_management_cohort(population_65plus: pd.Series, params: ChainParameters) -> pd.DataFrame:
    """Numbers for case management per locality = 65+ population × (per 1,000 / 1,000) × share with 1–3 LTCs.

    The total is the sum of the rounded localities (as the paper's 8,793 is); each locality's
    share of the population is its share of that total.
    """
    if (population_65plus < 0).any():
        raise ValueError("population_65plus must be non-negative")
    rate = product(params.stratification_per_1000, "0.001", params.share_1to3_ltc)
    cm = {loc: round_value(product(pop, rate), params.rounding_case_management) for loc, pop in population_65plus.items()}
    total = sum(cm.values())
    rows = [
        {"locality": loc, "population_65plus": population_65plus[loc], "case_management": n,
         "population_pct": round_value(100 * n / total, "half_up", params.percent_places) if total else 0.0}
        for loc, n in cm.items()
    ]
    rows.append({"locality": "Total", "population_65plus": population_65plus.sum(), "case_management": total, "population_pct": 100.0})
    return pd.DataFrame(rows)


# 5 -------------------------------------------------------------------------------------------
def hospital_at_home_share(usually_hah: float, usually_hah_or_crisis: float, usually_total: float, params: ChainParameters) -> dict[str, float]:
    """How the 64.2 % arises.

    Of the "usually avoidable" admissions, the Hospital at Home row goes to Hospital at Home, and
    of the "Hospital at Home or Crisis Response/Step up beds" row a share equal to the 1-LTC
    target (45 %) does: 808 of 1,796. Their sum over the usually avoidable total is the Hospital at
    Home share of services; the rest is Crisis Response/Step up beds.
    """
    if min(usually_hah, usually_hah_or_crisis, usually_total) < 0 or usually_total == 0:
        raise ValueError("usually avoidable counts must be non-negative and the total positive")
    row_aa = round_value(product(usually_hah_or_crisis, params.hah_row_share), params.rounding_counts)
    hah = usually_hah + row_aa
    hah_pct = round_value(100 * hah / usually_total, "half_up", params.percent_places)
    return {
        "hah_row_aa": row_aa,
        "hah_admissions": hah,
        "hah_share_pct": hah_pct,
        "crisis_share_pct": round_value(100 - hah_pct, "half_up", params.percent_places),
    }


def locality_model(population_pct: pd.Series, hah_share_pct: float, crisis_share_pct: float, params: ChainParameters) -> pd.DataFrame:
    """Target AA per locality = target × locality share; split into Hospital at Home and Crisis Response/Step up beds.

    ``population_pct`` is each locality's printed share (%, as in the paper, which multiplies the
    rounded percentages); ``params.locality_shares``, when given, replaces it.
    """
    if params.locality_shares is not None:
        shares = {k: v for k, v in params.locality_shares.items()}
    else:
        shares = {k: float(v) / 100 for k, v in population_pct.items()}
        if abs(sum(shares.values()) - 1) > 0.0015:
            raise ValueError(f"locality population shares must sum to 100%, they sum to {100 * sum(shares.values()):.2f}%")
    rows = []
    for loc, share in shares.items():
        target = round_value(product(params.target_total, share), params.rounding_counts)
        rows.append({
            "locality": loc,
            "share_pct": round(100 * share, 6),
            "target_aa": target,
            "hospital_at_home": round_value(product(target, hah_share_pct, "0.01"), params.rounding_counts),
            "crisis_response_step_up": round_value(product(target, crisis_share_pct, "0.01"), params.rounding_counts),
        })
    df = pd.DataFrame(rows)
    total = {"locality": "Total", "share_pct": round(df["share_pct"].sum(), 6)}
    for c in ("target_aa", "hospital_at_home", "crisis_response_step_up"):
        total[c] = df[c].sum()
    return pd.concat([df, pd.DataFrame([total])], ignore_index=True)


# 6 -------------------------------------------------------------------------------------------
def trajectory(case_management: pd.DataFrame, params: ChainParameters) -> pd.DataFrame:
    """NEL avoidance target per locality and year = case-management number × that year's rate.

    ``case_management`` has columns locality, year, case_management (localities only). The
    Total of each year is the sum of the rounded localities.
    """
    _require(case_management, ["locality", "year", "case_management"], "trajectory input")
    rates = params.avoidance_rates
    unknown = sorted(set(case_management["year"]) - set(rates))
    if unknown:
        raise ValueError(f"no avoidance rate for year(s) {unknown}")
    df = case_management[["locality", "year", "case_management"]].copy()
    df["rate"] = df["year"].map(rates)
    df["nel_avoidance_target"] = [
        round_value(product(cm, r), params.rounding_counts) for cm, r in zip(df["case_management"], df["rate"])
    ]
    totals = df.groupby("year", sort=False, as_index=False)[["case_management", "nel_avoidance_target"]].sum()
    totals["locality"] = "Total"
    totals["rate"] = totals["year"].map(rates)
    return pd.concat([df, totals[df.columns]], ignore_index=True)
