"""The assumptions log: every assumption of the models, its value, source and the pages using it."""

from __future__ import annotations

import pandas as pd

from ..models import defaults, strategy
from ..models.parameters import FinanceParameters, FrailtyParameters
from . import formats
from .chain import figure_of
from .glue import for_book, glue_values, sourced_figure
from .models import parameter_words, strategy_evidence
from .parameters import parameters_frame, value_text
from .render import Html
from .table import table

#: The model pages that declare each chain parameter (read from the notebooks' parameters cells).
def pages_of(parameter: str) -> str:
    from .. import notebooks

    found = []
    for pg in notebooks.pages():
        if not pg.name.startswith("model_"):
            continue
        declared = notebooks.declared_parameters(pg.template)
        if parameter in declared or (parameter == "ltc_target_share" and "ltc_share_1" in declared):
            found.append(pg.name)
    return ", ".join(found) or "every chain page (not a page parameter)"


class AssumptionsPage:
    def __init__(self):
        ev = defaults.chain_evidence()
        self.params, self.provenance = defaults.chain_defaults(ev)
        self.chain = parameters_frame(self.params, self.provenance, {}, parameter_words())
        self.chain["pages"] = [pages_of(p) for p in self.chain["parameter"]]
        sev = strategy_evidence()
        proj, prev = sev["strategy_frailty_projections"], sev["strategy_frailty_prevalence"]
        implied = strategy.frailty_default_population(proj, prev)
        self.strategy = pd.DataFrame([
            {"assumption": f"65+ population, {year}", "parameter": f"population_{year}", "value": formats.count(v),
             "basis": "The strategy prints no 65+ population; the default is the population its Mild row implies (count ÷ prevalence), "
                      "the largest count and so the least affected by rounding. The Mild comparisons then agree by construction.",
             "pages": "model_frailty"}
            for year, v in implied.items()
        ] + [
            {"assumption": ModelParameters.model_fields[p.parameter].description, "parameter": p.parameter,
             "value": value_text(p.parameter, p.value), "basis": p.citation[:1].upper() + p.citation[1:] + ".", "pages": page}
            for page, (ModelParameters, (_, provenance)) in {
                "model_frailty": (FrailtyParameters, defaults.frailty_defaults(sev)),
                "model_finance": (FinanceParameters, defaults.finance_defaults(sev)),
            }.items()
            for p in provenance if not p.parameter.startswith("population_")
        ] + [
            {"assumption": "Unit of the finance tables", "parameter": "(none)", "value": "thousands of pounds",
             "basis": "The efficiency, Mental Health and Community Investment tables are in £000s; the Community Investment table "
                      "prints no unit and is read as £000s like the others (see its descriptor).",
             "pages": "model_finance"},
        ])

    # Plausible ranges (scenarios/ranges.yml): what the sensitivity and uncertainty pages vary ---
    def ranges(self) -> pd.DataFrame:
        """Each assumption's plausible range and why, in words, with the lines its ends are read from."""
        from .. import scenarios
        from .sensitivity import setting_text

        if not hasattr(self, "_ranges"):
            df = scenarios.resolve_ranges(scenarios.load_ranges(), defaults.chain_evidence(), self.params)

            def span(r) -> str:
                if r.kind == "continuous":
                    return f"{setting_text(r.parameter, r.low)} to {setting_text(r.parameter, r.high)}"
                if r.kind == "discrete":
                    return ", ".join(setting_text(r.parameter, v) for v in r.values)
                return "not varied"

            df["range"] = [span(r) for r in df.itertuples()]
            df["value"] = [setting_text(r.parameter, r.source_value) for r in df.itertuples()]
            self._ranges = df
        return self._ranges

    def ranges_table(self) -> Html:
        return table(self.ranges(), {"label": "Assumption", "parameter": "Parameter name", "value": "Value in the book",
                                     "range": "Plausible range", "rationale": "Why"},
                     kinds={"value": "text", "range": "text"}, wide=("rationale",))

    def glue(self) -> None:
        ranges = self.ranges()
        glue_values(
            n_ranges=int((ranges["kind"] != "fixed").sum()),
            n_fixed=int((ranges["kind"] == "fixed").sum()),
        )
        stated = {  # the paper's figures behind two assumptions, linked to their lines
            "stratification_per_1000": sourced_figure(figure_of(self.provenance, "stratification_per_1000"), "count"),
            "share_1to3_ltc_pct": sourced_figure(figure_of(self.provenance, "share_1to3_ltc"), "percent"),
        }
        glue_values(
            n_assumptions=len(self.chain) + len(self.strategy),
            n_chain=len(self.chain),
            n_strategy=len(self.strategy),
            **stated,
            **for_book(stated, "stratification_per_1000"),
        )

    def chain_table(self, brief: bool = False) -> Html:
        columns = {"assumption": "Assumption", "parameter": "Parameter name", "value": "Value"}
        if not brief:
            columns |= {"set_by": "Set by", "basis": "Where the value comes from"}
        columns["pages"] = "Pages"
        return table(self.chain, columns, kinds={"value": "text"}, links=not brief, wide=("basis",))

    def strategy_table(self) -> Html:
        return table(self.strategy, {"assumption": "Assumption", "parameter": "Parameter name", "value": "Value", "basis": "Why", "pages": "Pages"}, links=False, wide=("basis",))
