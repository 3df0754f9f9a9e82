"""The 2020–21 clinical commissioning strategy (STW CCG): frailty projections and finance totals.

Pure functions over DataFrames; :func:`strategy_findings` compares what they derive with what the
strategy states.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from .. import vocab
from ..reconcile import BY_CONSTRUCTION, INDEPENDENT, Finding, as_duplicate, printings
from .rounding import RULES, Rule, product, round_value

SRC = "strategy-2020-21"


# Frailty ------------------------------------------------------------------------------------
def implied_population(counts: pd.Series, prevalence_pct: float) -> pd.Series:
    """The 65+ population a count implies at a prevalence (count / prevalence)."""
    if not 0 < prevalence_pct <= 100:
        raise ValueError(f"prevalence_pct={prevalence_pct!r}: allowed range is (0, 100]")
    return counts.astype(float) / (prevalence_pct / 100)


def frailty_projection(population_65plus: dict[str, float], prevalence_pct: dict[str, float], rounding: Rule = "half_up") -> pd.DataFrame:
    """People with each category of frailty = prevalence × 65+ population, per year."""
    for year, pop in population_65plus.items():
        if pop < 0:
            raise ValueError(f"population_65plus[{year!r}]={pop!r}: must be non-negative")
    for cat, pct in prevalence_pct.items():
        if not 0 <= pct <= 100:
            raise ValueError(f"prevalence_pct[{cat!r}]={pct!r}: allowed range is 0-100")
    if sum(prevalence_pct.values()) > 100:
        raise ValueError(f"prevalences sum to {sum(prevalence_pct.values())}%, more than 100%")
    rows = []
    for cat, pct in prevalence_pct.items():
        row = {"category": cat, "prevalence_pct": pct}
        for year, pop in population_65plus.items():
            row[year] = round_value(product(pop, pct, "0.01"), rounding)
        rows.append(row)
    return pd.DataFrame(rows)


FRAILTY_YEARS = {"2016": "people_2016", "2026": "people_2026_predicted", "2036": "people_2036_predicted"}


FRAILTY_ANCHOR = "Mild"


def frailty_default_population(projections: pd.DataFrame, prevalence: pd.DataFrame, anchor: str = FRAILTY_ANCHOR) -> dict[str, float]:
    """The strategy prints no 65+ population: take the one its ``anchor`` row implies (the largest
    category, so the least affected by rounding). The anchor row's own comparison then agrees by
    construction."""
    pct = float(prevalence.set_index("category").loc[anchor, "prevalence_pct"])
    row = projections.set_index("category").loc[anchor]
    return {year: float(row[col]) / (pct / 100) for year, col in FRAILTY_YEARS.items()}


def frailty_rounding_cases(projections: pd.DataFrame, prevalence: pd.DataFrame, anchor: str = FRAILTY_ANCHOR) -> pd.DataFrame:
    """The evidence for the frailty projection's rounding rule: every stated count the projection
    re-derives at the population the ``anchor`` row implies, unrounded (``raw``) and as each rule
    rounds it. The anchor's own counts are left out: they agree under every rule, by construction."""
    pop = frailty_default_population(projections, prevalence, anchor)
    pct = prevalence.set_index("category")["prevalence_pct"].astype(float)
    rows = []
    for r in projections.itertuples():
        if r.category == anchor:
            continue
        for year, col in FRAILTY_YEARS.items():
            raw = product(pop[year], pct[r.category], "0.01")
            rows.append({"category": r.category, "year": year, "raw": float(raw), "stated": float(getattr(r, col)),
                         **{rule: round_value(raw, rule) for rule in RULES if rule != "none"}})
    return pd.DataFrame(rows)


def _decimals(value) -> int:
    """Decimal places of a stated value as printed (20.6 → 1, 3000 → 0)."""
    exp = Decimal(str(float(value))).normalize().as_tuple().exponent
    return max(0, -int(exp))


# Finance -----------------------------------------------------------------------------------
def year_columns(df: pd.DataFrame) -> list[str]:
    """The financial-year columns (``fy2021_22`` …) of a table, in table order."""
    return [c for c in df.columns if vocab.is_fy_column(c)]


def year_label(col: str) -> str:
    """``"fy2021_22"`` → ``"2021/22"``."""
    return vocab.year_of_column(col)


def year_tables(evidence: dict[str, pd.DataFrame]) -> list[str]:
    """The tables with financial-year columns (the ones the finance chart can show), in the order given."""
    return [name for name, df in evidence.items() if year_columns(df)]


def fullest_year_table(evidence: dict[str, pd.DataFrame]) -> str:
    """The year table with the most to show: the one covering the most years and, of those, with the
    most rows of items (the first in the order given on a tie)."""
    tables = year_tables(evidence)
    if not tables:
        raise ValueError("no table with financial-year columns")
    return max(tables, key=lambda n: (len(year_columns(evidence[n])), int((evidence[n]["row_kind"] == "item").sum())))


def column_sums(df: pd.DataFrame, kinds: tuple[str, ...] = ("item",)) -> pd.Series:
    """Sum of each year column over the rows of the given kinds (blank cells count as 0)."""
    rows = df[df["row_kind"].isin(kinds)]
    return rows[year_columns(df)].fillna(0).sum()


def _at(r) -> dict:
    """The provenance of a row, as Finding keyword arguments."""
    return {"source_id": str(r["source_id"]), "line_start": int(r["line_start"]), "line_end": int(r["line_end"])}


def total_findings(table: str, df: pd.DataFrame, topic: str, total_kind: str = "total", item_kinds=("item",)) -> list[Finding]:
    """Stated total row against the sum of its items, per year (and per printing, if printed twice).

    A later printing's finding that repeats the first printing's (same stated total, same sum) is
    marked ``duplicate_of`` it.
    """
    out = []
    order = printings(df)
    first_of: dict[str, Finding] = {}
    for p in order:
        part = df if p is None else df[df["printing"] == p]
        totals = part[part["row_kind"] == total_kind]
        if totals.empty:
            continue
        total = totals.iloc[0]
        sums = column_sums(part, item_kinds)
        n_items = len(part[part["row_kind"].isin(item_kinds)])
        suffix = f".printing{p}" if p is not None else ""
        label = f" (printing {p})" if p is not None else ""
        for col in year_columns(part):
            if pd.isna(total[col]):
                continue
            f = Finding(
                f"strategy.{table}{suffix}.total.{col}", topic,
                f"{topic}{label}, {year_label(col)}: stated total vs sum of rows",
                float(total[col]), float(sums[col]), **_at(total), method=f"sum of the {n_items} rows",
            )
            if p == order[0]:
                first_of[col] = f
            else:
                f = as_duplicate(f, first_of.get(col))
            out.append(f)
    return out


def multi_year_sum(df: pd.DataFrame, total_kind: str = "total") -> float:
    """Sum over the years of the stated total row (first printing)."""
    p = printings(df)[0]
    part = df if p is None else df[df["printing"] == p]
    total = part[part["row_kind"] == total_kind].iloc[0]
    return float(total[year_columns(part)].fillna(0).sum())


def strategy_findings(
    ev: dict[str, pd.DataFrame], population_65plus: dict[str, float] | None = None, rounding: Rule = "half_up", anchor: str = FRAILTY_ANCHOR
) -> tuple[pd.DataFrame, list[Finding]]:
    """Frailty projections and finance totals re-derived and compared with the strategy.

    Without ``population_65plus`` the population is the one the ``anchor`` row implies, so that
    row's findings agree by construction (``basis="by construction"``).
    """
    out: list[Finding] = []
    proj, prev = ev["strategy_frailty_projections"], ev["strategy_frailty_prevalence"]
    pop = population_65plus or frailty_default_population(proj, prev, anchor)
    constructed_from = None if population_65plus else anchor
    derived = frailty_projection(pop, dict(zip(prev["category"], prev["prevalence_pct"].astype(float))), rounding)
    stated = proj.set_index("category")
    for r in derived.to_dict("records"):
        by_construction = r["category"] == constructed_from
        for year, col in FRAILTY_YEARS.items():
            s = stated.loc[r["category"]]
            out.append(Finding(
                f"strategy.frailty.{r['category'].lower()}.{year}", "7. Frailty projections",
                f"{r['category']} frailty, {year}: stated vs prevalence × 65+ population",
                float(s[col]), float(r[year]), **_at(s),
                method=f"{r['prevalence_pct']:g}% × {pop[year]:,.1f}, {rounding}"
                + (f"; the population is the one this row implies ({s[col]:,.0f} / {r['prevalence_pct']:g}%)" if by_construction else ""),
                basis=BY_CONSTRUCTION if by_construction else INDEPENDENT,
            ))
    for table, topic in (
        ("strategy_efficiency_community", "Efficiencies: Community & Place Based Care"),
        ("strategy_efficiency_acute", "Efficiencies: Acute & Specialised Care"),
        ("strategy_efficiency_individual", "Efficiencies: Individual Commissioning"),
        ("strategy_efficiency_medicines", "Efficiencies: Medicines Management"),
        ("strategy_community_investment", "Community investment"),
    ):
        out += total_findings(table.removeprefix("strategy_"), ev[table], topic)
    mh = ev["strategy_mental_health_funding"]
    out += total_findings("mental_health_funding", mh, "Mental Health funding: expenditure")
    funding = mh[mh["row_kind"] == "funding"].iloc[0]
    spend = mh[mh["row_kind"] == "total"].iloc[0]
    for col in year_columns(mh):
        out.append(Finding(
            f"strategy.mental_health_funding.balance.{col}", "Mental Health funding: expenditure",
            f"Mental Health, {year_label(col)}: total expenditure against total funding", float(funding[col]), float(spend[col]),
            **_at(funding), method=f"funding minus the Total Expenditure row (lines {int(spend['line_start'])}-{int(spend['line_end'])}); 0 = balanced",
        ))
    if "strategy_population_health" in ev:
        ph = ev["strategy_population_health"].set_index("indicator")
        total, men, women = (ph.loc[k] for k in ("Suicide deaths", "Suicide deaths, men", "Suicide deaths, women"))
        out.append(Finding(
            "strategy.population_health.suicide_deaths", "Population health summary",
            f"{total.name} {total['period']}: stated total against men + women", float(total["value"]),
            float(men["value"] + women["value"]), **_at(total), method="men + women, as printed in the same sentence",
        ))
    figs = ev["figures"].set_index("id", drop=False)
    for fid, table in (
        ("strategy_individual_commissioning_recovery_savings", "strategy_efficiency_individual"),
        ("strategy_medicines_qipp_target", "strategy_efficiency_medicines"),
    ):
        f = figs.loc[fid]
        four_years = multi_year_sum(ev[table]) / 1000
        n_years = len(year_columns(ev[table]))
        places = _decimals(f["value"])
        out.append(Finding(
            f"strategy.{fid}", "Savings over the strategy period",
            f"{f['measure']} (GBP million) against the {n_years}-year sum of the table's stated totals",
            float(f["value"]), round_value(four_years, "half_up", places), **_at(f),
            method=f"sum of {n_years} yearly totals = £{four_years * 1000:,.0f}k, in £m to {places} dp (as stated)",
        ))
    return derived, out
