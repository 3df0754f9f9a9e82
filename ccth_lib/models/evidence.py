"""The transcribed tables each model reads (named once), loaded for the models.

The models themselves are pure functions of these frames (no I/O inside the maths); this module
is where the pages, the defaults and the register get them from.
"""

from __future__ import annotations

import pandas as pd

from .. import data
from . import strategy

#: The 2020–21 strategy's tables the frailty and finance models read.
STRATEGY_TABLES = [
    "strategy_frailty_projections", "strategy_frailty_prevalence", "strategy_efficiency_community", "strategy_efficiency_acute",
    "strategy_efficiency_individual", "strategy_efficiency_medicines", "strategy_community_investment", "strategy_mental_health_funding", "strategy_population_health",
]
#: The programme paper's tables its chain of derivations reads.
CHAIN_TABLES = [
    "paper_optimity_avoidability", "paper_nel_avoidability", "paper_ltc_targets",
    "paper_locality_case_management", "paper_locality_population", "paper_locality_model",
    "paper_trajectory",
]


def strategy_evidence() -> dict[str, pd.DataFrame]:
    """The strategy's tables (the frailty and finance models read them) and the figures register."""
    return {n: data.load_table(n) for n in STRATEGY_TABLES} | {"figures": data.figures()}


def chart_tables(evidence: dict[str, pd.DataFrame] | None = None) -> tuple[str, ...]:
    """The strategy tables the finance chart can show: those with financial-year columns."""
    return tuple(strategy.year_tables(evidence or strategy_evidence()))
