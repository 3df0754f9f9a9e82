"""Default parameters, read from the evidence (this module does the I/O; the models do not).

Each default comes with its provenance (:class:`Provenance`): the figure id or table cell it was
read from, with the source lines and verbatim quote, or, for the analysis' own choices, the
reasoning, every number of which is computed from the data. Nothing here is typed in: change the
data and the defaults (and what their provenance says) change with it.

The analysis' own choices are made from the evidence too:

* the rounding rules (``rounding_counts``, ``rounding_case_management``): for each, the rule that
  reproduces the most of the paper's stated figures, ties broken in the order
  :data:`~ccth_lib.models.rounding.TIE_BREAK` (see :func:`~ccth_lib.models.findings.rounding_choices`);
* ``percent_places``: the decimals the paper prints the percentages the chain re-derives with;
* ``rounding_frailty``: as for the chain, the rule that reproduces the most of the strategy's
  stated frailty counts;
* ``chart_table``: the strategy's finance table with the most to show.

Every parameter model has its defaults here (:func:`model_defaults`); the frailty projection's 65+
populations default to ``None``, the population the strategy's own counts imply (the page derives it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal

import pandas as pd

from .. import data, provenance, sources
from . import findings, strategy
from .evidence import chart_tables, strategy_evidence
from .rounding import TIE_BREAK, choose_rule
from .parameters import (
    POPULATION_PREFIX, ChainParameters, FinanceParameters, FrailtyParameters, Parameters, chain_years, make_parameters,
    rate_parameter, validated,
)

ANALYSIS = "analysis"


@dataclass(frozen=True)
class Provenance:
    """Where a parameter's default comes from.

    ``source`` is ``"figures:<id>"``, ``"<table>:<column>"`` or ``"analysis"``; ``citation`` is a
    sentence for the page. ``source_id``, ``line_start``, ``line_end`` and ``quote`` locate the
    printed words the default rests on (so the page can link them); all four are ``None`` for the
    analysis' own choices. ``note`` says what the analysis infers beyond what the quote prints
    (``None`` when the quote says it all), e.g. which year a scrambled heading belongs to.
    """

    parameter: str
    value: object
    source: str
    citation: str
    source_id: str | None = None
    line_start: int | None = None
    line_end: int | None = None
    quote: str | None = None
    note: str | None = None

    @property
    def is_analysis_choice(self) -> bool:
        return self.source == ANALYSIS


def chain_evidence() -> dict[str, pd.DataFrame]:
    """The tables the chain reads."""
    names = [
        "paper_optimity_avoidability", "paper_nel_avoidability", "paper_ltc_targets",
        "paper_locality_case_management", "paper_locality_population", "paper_locality_model",
        "paper_trajectory",
    ]
    return {n: data.load_table(n) for n in names} | {"figures": data.figures()}


def _rows_span(df: pd.DataFrame) -> tuple[str, int, int, str]:
    """Source, first and last line of a set of rows, and a quote: the quote of a row covering all
    their lines if there is one, else the rows' quotes joined in order."""
    sid = df["source_id"].unique()
    if len(sid) != 1:
        raise ValueError(f"rows come from {len(sid)} sources: {list(sid)}")
    start, end = int(df["line_start"].min()), int(df["line_end"].max())
    covering = df[(df["line_start"] == start) & (df["line_end"] == end)]
    quote = str(covering["quote"].iloc[0]) if len(covering) else " … ".join(dict.fromkeys(str(q) for q in df["quote"]))
    return str(sid[0]), start, end, quote


def locate(source_id: str, start: int, end: int, quote: str) -> tuple[int, int]:
    """The narrowest lines within ``start..end`` of a source that hold ``quote`` (whitespace-normalised)."""
    lines = sources.lines(source_id)
    want = provenance.normalise(quote)
    for width in range(1, end - start + 2):
        for first in range(start, end - width + 2):
            if want in provenance.normalise(provenance.excerpt(lines, first, first + width - 1)):
                return first, first + width - 1
    raise ValueError(f"{source_id}: quote {quote!r} is not found in lines {start}-{end}")


def rate_headings(trajectory: pd.DataFrame) -> pd.DataFrame:
    """Per year of Appendix A Table 1: the rate the table records (``assumed_avoidance_pct``), the
    heading words its rows quote and the source line that prints them, and the table's own ratio of
    NEL target to case management that assigns the heading to the year (see
    :func:`~ccth_lib.models.findings.table_rates`). In text order of the headings."""
    rates = findings.table_rates(trajectory).set_index("year")
    rows = []
    for year in chain_years():
        part = trajectory[trajectory["year"] == year]
        pct = part["assumed_avoidance_pct"].unique()
        if len(pct) != 1:
            raise ValueError(f"paper_trajectory: the {year} rows assume {len(pct)} different rates: {list(pct)}")
        sid, start, end, _ = _rows_span(part)
        quotes = list(dict.fromkeys(str(q) for q in part["quote"]))
        if len(quotes) != 1:
            raise ValueError(f"paper_trajectory: the {year} rows quote {len(quotes)} different headings: {quotes}")
        line_start, line_end = locate(sid, start, end, quotes[0])
        r = rates.loc[year]
        rows.append({
            "year": year, "assumed_avoidance_pct": float(pct[0]), "source_id": sid, "line_start": line_start, "line_end": line_end,
            "quote": quotes[0], "nel_avoidance_target": int(r["nel_avoidance_target"]), "case_management": int(r["case_management"]),
            "ratio_pct": float(r["ratio_pct"]), "rate_pct": float(r["rate_pct"]),
        })
    return pd.DataFrame(rows).sort_values(["line_start", "year"], kind="stable").reset_index(drop=True)


def _fraction(pct) -> float:
    """A percentage as a fraction, exactly as printed (33.4 → 0.334, not 0.33399999999999996)."""
    return float(Decimal(str(float(pct))) / 100)


def _lines(start: int, end: int) -> str:
    return f"line {start}" if start == end else f"lines {start}-{end}"


def _rate_citation(h, headings: pd.DataFrame, section: str) -> str:
    in_order = ", ".join(f"“{q}” ({_lines(a, b)})" for q, a, b in zip(headings["quote"], headings["line_start"], headings["line_end"]))
    return (
        f"{h.source_id}, {_lines(h.line_start, h.line_end)}: “{h.quote}”, one of the column headings of {section}, which the text prints "
        f"scrambled and apart from their years (in text order: {in_order}). {_rate_note(h)}"
    )


def _rate_note(h) -> str:
    """What the analysis infers about a rate heading: its year, from the table's own figures."""
    implied = (
        f"so this heading is taken as {h.year}'s"
        if h.rate_pct == h.assumed_avoidance_pct
        else f"which rounds to {h.rate_pct:g}%, not the {h.assumed_avoidance_pct:g}% the table records for the year"
    )
    return (
        f"The year is inferred, not printed: in {h.year} the table's NEL avoidance targets are {h.ratio_pct:.1f}% of its "
        f"case-management numbers ({h.nel_avoidance_target:,} / {h.case_management:,}, localities summed), {implied}."
    )


def _rounding_citation(parameter: str, choices: pd.DataFrame, cases: pd.DataFrame) -> str:
    c = choices.set_index("parameter").loc[parameter]
    chosen = c["chosen"]
    others = [r for r in TIE_BREAK if r != chosen]
    counts = ", ".join(f"{r} {int(c[r])}" for r in others)
    kinds = cases[cases["parameter"] == parameter]
    text = (
        f"chosen by testing each rule on the paper's own figures: of {int(c['n'])} stated figures "
        f"({'; '.join(dict.fromkeys(kinds['figures']))}), {chosen} reproduces {int(c[chosen])} ({counts})"
    )
    if c["tied_with"]:
        text += f"; tied with {c['tied_with']}, the tie is broken in the order {', '.join(TIE_BREAK)}"
    telling = kinds[(kinds[chosen] == kinds["stated"]) & kinds[others].ne(kinds["stated"], axis=0).any(axis=1)]
    if len(telling):
        t = telling.iloc[0]
        wrong = ", ".join(f"{r} {t[r]:,.0f}" for r in others if t[r] != t["stated"])
        text += (
            f"; e.g. {t['label']}: {t['calculation']} = {t['raw']:,}, stated {t['stated']:,.0f} "
            f"({t['source_id']}, {_lines(int(t['line_start']), int(t['line_end']))}), where {wrong}"
        )
    return text


def _percent_citation(pct: pd.DataFrame, places: int) -> str:
    spread = sorted(set(int(p) for p in pct["places"]))
    how = f"{places} decimal{'s' if places != 1 else ''}" if len(spread) == 1 else f"at most {places} decimal{'s' if places != 1 else ''}"
    shown = ", ".join(f"{v:g}% ({_lines(int(a), int(b))})" for v, a, b in zip(pct["value"], pct["line_start"], pct["line_end"]))
    return f"the paper prints the {len(pct)} percentages the chain re-derives with {how}: {shown}"


def chain_defaults(evidence: dict[str, pd.DataFrame] | None = None) -> tuple[ChainParameters, list[Provenance]]:
    """The programme paper's own assumptions, as parameters, with provenance."""
    ev = evidence or chain_evidence()
    reg = ev["figures"]
    prov: list[Provenance] = []

    def from_fig(name: str, fid: str, per_cent: bool = False):
        f = data.figure(fid, reg)
        v = _fraction(f.value) if per_cent else f.value
        prov.append(Provenance(name, v, f"figures:{fid}", f.citation, f.source_id, f.line_start, f.line_end, f.quote))
        return v

    ltc = ev["paper_ltc_targets"]
    ltc_share = {int(r.ltc_count): _fraction(r.target_pct) for r in ltc.itertuples()}
    sid, start, end, quote = _rows_span(ltc)
    prov.append(Provenance(
        "ltc_target_share", ltc_share, "paper_ltc_targets:target_pct",
        f"{sid}, lines {start}-{end}: “{quote}”", sid, start, end, quote,
    ))
    headings = rate_headings(ev["paper_trajectory"])
    section = ev["paper_trajectory"].attrs.get("ccth", {}).get("ccth", {}).get("section", "the table")
    rates = {}
    for h in headings.set_index("year", drop=False).loc[list(chain_years())].itertuples():
        name = rate_parameter(h.year)
        rates[name] = _fraction(h.assumed_avoidance_pct)
        prov.append(Provenance(
            name, rates[name], f"paper_trajectory:{h.year}/assumed_avoidance_pct",
            _rate_citation(h, headings, section), h.source_id, int(h.line_start), int(h.line_end), h.quote, _rate_note(h),
        ))
    pct = findings.percent_evidence(ev)
    percent_places = int(pct["places"].max())
    source_params = make_parameters(
        target_total=from_fig("target_total", "paper_target_circa_3000"),
        ltc_target_share=ltc_share,
        stratification_per_1000=from_fig("stratification_per_1000", "paper_stratification_per_1000"),
        share_1to3_ltc=from_fig("share_1to3_ltc", "paper_share_1to3_ltc_pct", per_cent=True),
        hah_row_share=from_fig("hah_row_share", "paper_hah_row_share_pct", per_cent=True),
        **rates,
        locality_shares=None,
        rounding_counts="none",  # replaced below by the rules the evidence chooses
        rounding_case_management="none",
        percent_places=percent_places,
    )
    cases = findings.rounding_cases(ev, source_params)
    choices = findings.rounding_choices(findings.rounding_evidence(ev, source_params))
    params = source_params.with_overrides(**dict(zip(choices["parameter"], choices["chosen"])))
    for name in findings.ROUNDING_PARAMETERS:
        prov.append(Provenance(name, getattr(params, name), ANALYSIS, _rounding_citation(name, choices, cases)))
    prov.append(Provenance("percent_places", params.percent_places, ANALYSIS, _percent_citation(pct, percent_places)))
    prov.append(Provenance(
        "locality_shares", params.locality_shares, ANALYSIS,
        "None: each locality's share is its share of the case-management cohort, as the paper does",
    ))
    return params, prov


# The strategy's models --------------------------------------------------------------------------
def frailty_defaults(evidence: dict[str, pd.DataFrame] | None = None) -> tuple[FrailtyParameters, list[Provenance]]:
    """The frailty projection's parameters: no population (``None``: the page uses the one the
    strategy's anchor row implies) and the rounding rule its stated counts show, with provenance."""
    ev = evidence or strategy_evidence()
    proj, prev = ev["strategy_frailty_projections"], ev["strategy_frailty_prevalence"]
    anchor = proj.set_index("category").loc[strategy.FRAILTY_ANCHOR]
    anchor_prevalence = prev.set_index("category").loc[strategy.FRAILTY_ANCHOR]
    pct, group = float(anchor_prevalence["prevalence_pct"]), anchor_prevalence["population_group"]
    implied = strategy.frailty_default_population(proj, prev)
    prov = []
    for year, col in strategy.FRAILTY_YEARS.items():
        prov.append(Provenance(
            POPULATION_PREFIX + year, None, f"strategy_frailty_projections:{col}",
            f"None: the strategy prints no population of {group}; the page uses the one its {strategy.FRAILTY_ANCHOR} row implies, "
            f"{anchor[col]:,.0f} ÷ {pct:g}% = {implied[year]:,.0f} ({anchor['source_id']}, {_lines(int(anchor['line_start']), int(anchor['line_end']))})",
            str(anchor["source_id"]), int(anchor["line_start"]), int(anchor["line_end"]), str(anchor["quote"]),
        ))
    cases = strategy.frailty_rounding_cases(proj, prev)
    counts = {r: int((cases[r] == cases["stated"]).sum()) for r in TIE_BREAK}
    chosen = choose_rule(counts)
    tied = [r for r in TIE_BREAK if r != chosen and counts[r] == counts[chosen]]
    citation = (
        f"chosen by testing each rule on the strategy's own figures: of {len(cases)} stated counts "
        f"({', '.join(dict.fromkeys(cases['category']))}; the {strategy.FRAILTY_ANCHOR} counts set the population and agree under "
        f"every rule), {chosen} reproduces {counts[chosen]} ({', '.join(f'{r} {counts[r]}' for r in TIE_BREAK if r != chosen)})"
        + (f"; tied with {', '.join(tied)}, the tie is broken in the order {', '.join(TIE_BREAK)}" if tied else "")
    )
    prov.append(Provenance("rounding_frailty", chosen, ANALYSIS, citation))
    params = validated(FrailtyParameters, **{p.parameter: p.value for p in prov})
    return params, prov


def finance_defaults(evidence: dict[str, pd.DataFrame] | None = None) -> tuple[FinanceParameters, list[Provenance]]:
    """The finance page's parameters: the chart shows the year table with the most to show."""
    ev = evidence or strategy_evidence()
    tables = {n: ev[n] for n in chart_tables(ev)}
    chosen = strategy.fullest_year_table(tables)
    t = tables[chosen]
    years = strategy.year_columns(t)
    citation = (
        f"the table with the most to show: of the {len(tables)} strategy tables with year columns, the one covering the most years "
        f"({len(years)}: {strategy.year_label(years[0])} to {strategy.year_label(years[-1])}) and, of those, with the most rows "
        f"({int((t['row_kind'] == 'item').sum())})"
    )
    prov = [Provenance("chart_table", chosen, ANALYSIS, citation)]
    return validated(FinanceParameters, chart_table=chosen), prov


#: Each parameter model's defaults, from the evidence.
_DEFAULTS = {ChainParameters: chain_defaults, FrailtyParameters: frailty_defaults, FinanceParameters: finance_defaults}


def model_defaults(model: type[Parameters]) -> tuple[Parameters, list[Provenance]]:
    """A parameter model's defaults (see :data:`~ccth_lib.models.parameters.PARAMETER_MODELS`), with provenance."""
    if model not in _DEFAULTS:
        raise KeyError(f"no defaults for {model.__name__}")
    return _DEFAULTS[model]()


def provenance_frame(prov: list[Provenance]) -> pd.DataFrame:
    """The provenance list as a DataFrame (one row per parameter, every field a column)."""
    return pd.DataFrame([asdict(p) for p in prov], columns=list(Provenance.__dataclass_fields__))
