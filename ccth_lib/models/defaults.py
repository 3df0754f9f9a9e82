"""Default parameters, read from the evidence (this module does the I/O; the models do not).

Each default comes with its provenance: the figure id or table cell it was read from. Nothing
here is typed in: change the data and the defaults change with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import data
from .parameters import ChainParameters, make_parameters


@dataclass(frozen=True)
class Provenance:
    parameter: str
    value: object
    source: str  # "figures:<id>" or "<table>:<row>/<column>" or "analysis"
    citation: str  # source id, lines and quote, or the reasoning for analysis choices


def _fig(reg: pd.DataFrame, fid: str) -> tuple[float, str]:
    f = data.figure(fid, reg)
    return f.value, f.citation


def chain_evidence() -> dict[str, pd.DataFrame]:
    """The tables the chain reads."""
    names = [
        "paper_optimity_avoidability", "paper_nel_avoidability", "paper_ltc_targets",
        "paper_locality_case_management", "paper_locality_model", "paper_locality_population",
        "paper_trajectory",
    ]
    return {n: data.load_table(n) for n in names} | {"figures": data.figures()}


def chain_defaults(evidence: dict[str, pd.DataFrame] | None = None) -> tuple[ChainParameters, list[Provenance]]:
    """The programme paper's own assumptions, as parameters, with provenance."""
    ev = evidence or chain_evidence()
    reg = ev["figures"]
    prov: list[Provenance] = []

    def from_fig(name: str, fid: str, scale: float = 1.0):
        value, cite = _fig(reg, fid)
        v = value * scale
        prov.append(Provenance(name, v, f"figures:{fid}", cite))
        return v

    ltc = ev["paper_ltc_targets"]
    ltc_share = {}
    for r in ltc.itertuples():
        ltc_share[int(r.ltc_count)] = float(r.target_pct) / 100
    prov.append(
        Provenance(
            "ltc_target_share", ltc_share, "paper_ltc_targets:target_pct",
            f"paper-2018-10, lines {int(ltc.line_start.min())}-{int(ltc.line_end.max())}: “Target % of AA”",
        )
    )
    traj = ev["paper_trajectory"]
    rates = {}
    for year in ("2019/20", "2020/21", "2021/22"):
        pct = traj.loc[traj["year"] == year, "assumed_avoidance_pct"].unique()
        if len(pct) != 1:
            raise ValueError(f"paper_trajectory: the {year} rows assume {len(pct)} different rates: {list(pct)}")
        rates[year] = float(pct[0]) / 100
        prov.append(
            Provenance(
                f"avoidance_rate_{year.replace('/', '_')}", rates[year], f"paper_trajectory:{year}/assumed_avoidance_pct",
                f"paper-2018-10, Appendix A Table 1 heading: “(assuming {pct[0]:g}% NEL admission avoidance)”",
            )
        )
    params = make_parameters(
        target_total=from_fig("target_total", "paper_target_circa_3000"),
        ltc_target_share=ltc_share,
        stratification_per_1000=from_fig("stratification_per_1000", "paper_stratification_per_1000"),
        share_1to3_ltc=from_fig("share_1to3_ltc", "paper_share_1to3_ltc_pct", 0.01),
        hah_row_share=from_fig("hah_row_share", "paper_hah_row_share_pct", 0.01),
        avoidance_rate_2019_20=rates["2019/20"],
        avoidance_rate_2020_21=rates["2020/21"],
        avoidance_rate_2021_22=rates["2021/22"],
        locality_shares=None,
        rounding_counts="half_up",
        rounding_case_management="truncate",
        percent_places=1,
    )
    for name, why in (
        ("rounding_counts", "worked out from the paper's numbers: rounding half up reproduces every stated count (see the rounding finding)"),
        ("rounding_case_management", "worked out from the paper's numbers: only truncation reproduces 2,782, 2,656 and 3,355 (e.g. 23,190 × 0.24 × 0.5 = 2,782.8)"),
        ("percent_places", "the paper prints its percentages with one decimal (20.6%, 33.4%, 64.2%, 31.6%)"),
        ("locality_shares", "None: each locality's share is its share of the case-management cohort, as the paper does"),
    ):
        prov.append(Provenance(name, getattr(params, name), "analysis", why))
    return params, prov


def provenance_frame(prov: list[Provenance]) -> pd.DataFrame:
    return pd.DataFrame([p.__dict__ for p in prov])
