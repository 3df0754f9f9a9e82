"""The reconciliation register: every comparison of a stated figure with a re-derived one.

:func:`build_register` is pure (evidence in, findings out); :func:`load_register` loads the
evidence and uses the source defaults for every parameter. Count it with
:func:`ccth_lib.reconcile.counts` (a figure printed twice counts once; agreement by construction is
not agreement).
"""

from __future__ import annotations

import pandas as pd

from .. import data, reconcile
from . import defaults, findings, strategy

STRATEGY_TABLES = [
    "strategy_frailty_projections", "strategy_frailty_prevalence", "strategy_efficiency_community", "strategy_efficiency_acute",
    "strategy_efficiency_individual", "strategy_efficiency_medicines", "strategy_community_investment", "strategy_mental_health_funding", "strategy_population_health",
]


def build_register(chain_ev: dict[str, pd.DataFrame], strategy_ev: dict[str, pd.DataFrame], params) -> pd.DataFrame:
    found = reconcile.optimity_findings(chain_ev["paper_optimity_avoidability"])
    found += findings.chain_findings(chain_ev, findings.run_chain(chain_ev, params))
    found += strategy.strategy_findings(strategy_ev)[1]
    return reconcile.register(found)


def load_register() -> pd.DataFrame:
    chain_ev = defaults.chain_evidence()
    params, _ = defaults.chain_defaults(chain_ev)
    strategy_ev = {n: data.load_table(n) for n in STRATEGY_TABLES} | {"figures": chain_ev["figures"]}
    return build_register(chain_ev, strategy_ev, params)
