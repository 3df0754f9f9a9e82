"""Model pages: run a model with a page's parameters, and the parts every model page shows.

A model notebook calls :func:`chain_page` (or :func:`strategy_page`) once with its parameters
cell's values; ``None`` means "as the source states". The returned object holds the evidence,
the parameters used (and their provenance), the model's results and the findings, and renders
the page's "Parameters used" and "Stated against derived" tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import pandas as pd

from .. import reconcile
from ..models import defaults, findings, strategy
from ..models.evidence import strategy_evidence
from ..models.parameters import ChainParameters
from ..scenarios import page_parameter_field
from .findings import findings_table, glue_counts
from .parameters import parameters_frame, parameters_table
from .render import Html


def parameter_words() -> dict[str, str]:
    """Each chain parameter's description, in words (from the parameter model itself)."""
    return {name: f.description or name for name, f in ChainParameters.model_fields.items()}


def _fold_mapping_entries(source: ChainParameters, overrides: dict[str, Any]) -> dict[str, Any]:
    """Page parameters that each hold one entry of a mapping (``ltc_share_1`` … ``ltc_share_3``)
    → that mapping parameter (``ltc_target_share``), the source's entries kept where none is given.
    The page-to-model naming is :func:`ccth_lib.scenarios.page_parameter_field`'s, said once there."""
    folded: dict[str, Any] = {}
    entries: dict[str, dict[int, Any]] = {}
    for name, value in overrides.items():
        field_name, key = page_parameter_field(name)
        if key is None:
            folded[name] = value
        elif value is not None:
            entries.setdefault(field_name, {})[key] = value
    for field_name, given in entries.items():
        folded[field_name] = {k: given.get(k, v) for k, v in getattr(source, field_name).items()}
    return folded


@dataclass
class ChainPage:
    evidence: dict[str, pd.DataFrame]
    source_params: ChainParameters
    provenance: list
    overrides: dict[str, Any]
    params: ChainParameters
    result: findings.ChainResult
    register: pd.DataFrame = field(repr=False)

    def findings(self, *prefixes: str) -> pd.DataFrame:
        """The findings whose ids start with any of ``prefixes`` (all if none)."""
        reg = self.register
        return reg[reg["id"].str.startswith(tuple(prefixes))].reset_index(drop=True) if prefixes else reg

    def parameters_table(self, names: Sequence[str]) -> Html:
        prov = [p for p in self.provenance if p.parameter in names]
        return parameters_table(parameters_frame(self.params, prov, self.overrides, parameter_words()))


def chain_page(**overrides: Any) -> ChainPage:
    """Run the programme paper's chain with a page's parameters (``None`` = the source's value)."""
    evidence = defaults.chain_evidence()
    source_params, provenance = defaults.chain_defaults(evidence)
    given = _fold_mapping_entries(source_params, dict(overrides))
    given = {k: v for k, v in given.items() if v is not None}
    params = source_params.with_overrides(**given)
    result = findings.run_chain(evidence, params)
    register = reconcile.register(findings.chain_findings(evidence, result))
    return ChainPage(evidence, source_params, provenance, given, params, result, register)


def stated_against_derived(page_findings: pd.DataFrame, prefix: str = "") -> Html:
    """The findings table of a page; glues its counts (see :func:`glue_counts`)."""
    glue_counts(page_findings, prefix)
    return findings_table(page_findings)


__all__ = ["ChainPage", "chain_page", "strategy_evidence", "stated_against_derived", "parameter_words", "strategy"]
