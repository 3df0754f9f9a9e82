"""The reconciliation register: everything the documents disagree on, each comparison once.

Two sources of findings, one register:

* the arithmetic the models re-derive (:mod:`.findings`, :mod:`.strategy` and the Optimity table),
  kind ``model``: their severity, certainty and origin (the documents' or an artefact of the
  analysis' own choices) are declared in ``data/checks/models.yaml``;
* the checks declared in ``data/checks/*.yaml`` (:mod:`ccth_lib.checks`): arithmetic, dates, the
  same quantity in several places, status over time, method, plausibility and text.

:func:`build_register` is pure (evidence in, findings out); :func:`load_register` loads the
evidence and uses the source defaults for every parameter. Count it with
:func:`ccth_lib.reconcile.headline` (the documents' disagreements apart from the analysis'
artefacts) or :func:`ccth_lib.reconcile.counts` (the comparisons).
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from .. import checks, data, reconcile, sources
from . import defaults, findings, strategy
from .evidence import CHAIN_TABLES, STRATEGY_TABLES

def model_findings(chain_ev: dict[str, pd.DataFrame], strategy_ev: dict[str, pd.DataFrame], params) -> list[reconcile.Finding]:
    """The arithmetic the models re-derive: the Optimity table, the paper's chain, the strategy."""
    found = reconcile.optimity_findings(chain_ev["paper_optimity_avoidability"])
    found += findings.chain_findings(chain_ev, findings.run_chain(chain_ev, params))
    frailty, _ = defaults.frailty_defaults(strategy_ev)
    found += strategy.strategy_findings(strategy_ev, rounding=frailty.rounding_frailty)[1]
    return found


def chain_part(tables: dict[str, pd.DataFrame]) -> tuple[dict, dict]:
    """The chain's and the strategy's evidence out of every table (the figures indexed by id)."""
    figs = tables["figures"].set_index("id", drop=False)
    chain_ev = {n: tables[n] for n in CHAIN_TABLES} | {"figures": figs}
    strategy_ev = {n: tables[n] for n in STRATEGY_TABLES} | {"figures": figs}
    return chain_ev, strategy_ev


def repeats(found: list[reconcile.Finding]) -> list[reconcile.Finding]:
    """A declared arithmetic check that makes a comparison a model already made (the same stated
    figure at the same lines, the same value derived) repeats it: marked ``duplicate_of`` the
    model's finding, so that it is counted once."""
    first: dict[tuple, str] = {}
    out = []
    for f in found:
        key = (f.source_id, f.line_start, f.line_end, f.stated, f.derived) if f.numeric else None
        if key is not None and not f.duplicate_of:
            if f.kind == reconcile.MODEL:
                first.setdefault(key, f.id)
            elif f.kind == "arithmetic" and key in first:
                f = replace(f, duplicate_of=first[key])
        out.append(f)
    return out


def build(ev: checks.Evidence, declarations: checks.Declarations) -> list[reconcile.Finding]:
    """Every finding, in register order: the models' arithmetic, then the declared checks."""
    chain_ev, strategy_ev = chain_part(dict(ev.tables))
    model_kind = declarations.kinds[reconcile.MODEL]
    found = checks.classify_model_findings(model_findings(chain_ev, strategy_ev, ev.params), declarations.model_rules, model_kind.description)
    found += checks.evaluate(declarations, ev)
    return repeats(found)


def build_register(ev: checks.Evidence, declarations: checks.Declarations) -> pd.DataFrame:
    """The register as a DataFrame (pure)."""
    return reconcile.register(build(ev, declarations))


def load_evidence() -> checks.Evidence:
    """Every table, every source's lines, the registered documents and the chain's defaults."""
    tables = {n: data.load_table(n) for n in data.list_tables()}
    reg = sources.registry()
    chain_ev, _ = chain_part(tables)
    params, _ = defaults.chain_defaults(chain_ev)
    return checks.Evidence(
        tables=tables,
        lines={sid: sources.lines(sid) for sid in reg},
        documents={sid: checks.Document(sid, s.date, s.short_title) for sid, s in reg.items()},
        params=params,
        titles={n: data.table_info(n).title for n in tables},
    )


def load_register() -> pd.DataFrame:
    return build_register(load_evidence(), checks.load_checks())
